"""A per-layer table of a real ``nn.Module``, read off one forward pass at the level of PyTorch's dispatcher.

>>> import torch
>>> from classic_cnn import summary
>>> from classic_cnn.models import vgg16
>>> with torch.device("meta"):  # shapes only: no memory for the 138 M weights
...     model = vgg16()
>>> print(summary(model))          # doctest: +SKIP

Every operation the pass runs (a layer's convolution, a ``torch.cat`` or ``x + y`` in a ``forward``) is seen
once, as ``torch.utils.flop_counter.FlopCounterMode`` sees it, and belongs to the module call on top of the
call stack. Each row is one call of a leaf module (a layer), or a run of a module's own operations between
calls of its children (an Inception module's concatenation; the model's own are named ``(forward)``); with
``depth=d``, consecutive rows inside the same module d levels down make one row. A row gives its output
volume, parameters, activations, their float32 memory and its multiply-adds. By default the pass runs on
PyTorch's "meta" device: shapes only, no arithmetic, and the model may itself be built on the meta device.

Conventions:

- Parameters: each counted once, in the row whose operations first read it (normally its own module's first
  call; a module called three times counts its weights once). ``unused_params`` are those no operation read
  (GoogLeNet's auxiliary classifiers, which run only in training).
- Activations are the numbers the forward pass writes into new memory: each layer's output, and each tensor
  a module's own operations make and the pass uses (a concatenation, a functional ReLU, an out-of-place sum).
  A view (Flatten, a reshape) or an in-place result (``nn.ReLU(inplace=True)``, ``x += y``, dropout at test
  time) shares memory already counted and adds 0; what a layer makes inside itself on the way to its output
  (max pooling's indices, LRN's squares) is not counted. So a network's activations are the sum of the
  volumes its layers and its own operations output, the input not included.
- Multiply-adds (MACs) are FlopCounterMode's FLOPs / 2: one per weight per output position of a convolution
  (per input position of a transposed one) or fully connected layer, bias additions not counted; pooling,
  LRN, batch norm, activations and residual additions count 0, as there.
- LeNet-5's own layers count themselves: C3 only its 60 real 5×5 kernels (it runs as a dense convolution
  whose 36 missing kernels are zeros, which FlopCounterMode counts), S2/S4 one multiplication per output
  (the trainable coefficient), the RBF output one subtract-square-add per prototype entry (84 × 10).
- Memory is in decimal units: 1 kB = 10³ bytes, 1 MB = 10⁶, 1 GB = 10⁹ (VGG-16's 60,448,672 B of
  activations print as 60.4 MB).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from classic_cnn.shapes import BYTES_PER_FLOAT32, LayerTotals, Volume

if TYPE_CHECKING:
    import torch
    from torch import nn
    from torch.utils._python_dispatch import TorchDispatchMode


@dataclass(frozen=True)
class SummaryRow:
    """One call of a leaf module, one run of a module's own operations, or (with ``depth``) a group of them."""

    name: str
    layer: str
    output: Volume
    params: int
    activations: int
    macs: int

    @property
    def memory(self) -> int:
        """Bytes of float32 activations."""
        return self.activations * BYTES_PER_FLOAT32

    def as_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["output"] = str(self.output)
        row["shape"] = tuple(self.output[:3]) if not self.output.flat else (self.output.channels,)
        row["memory"] = self.memory
        return row


@dataclass(frozen=True)
class Summary(LayerTotals):
    """The rows of a forward pass, with totals; ``str`` is a text table, ``_repr_html_`` an HTML one."""

    model: str
    input: Volume
    rows: tuple[SummaryRow, ...]
    model_params: int  # every parameter of the model, used in this pass or not

    @property
    def unused_params(self) -> int:
        """Parameters this pass did not use (e.g. GoogLeNet's auxiliary classifiers, run only in training)."""
        return self.model_params - self.params

    def to_dicts(self) -> list[dict[str, Any]]:
        """The rows as plain dicts (``pandas.DataFrame(summary.to_dicts())`` if you like)."""
        return [row.as_dict() for row in self.rows]

    def totals(self) -> dict[str, int]:
        return {"params": self.params, "activations": self.activations, "memory": self.memory, "macs": self.macs}

    def _lines(self) -> tuple[list[str], list[list[str]], list[str]]:
        header = ["layer", "type", "output", "params", "activations", "memory", "MACs"]
        body = [["input", "", str(self.input), "", f"{self.input.activations:,}", _bytes(self.input.memory()), ""]]
        for row in self.rows:
            body.append(
                [
                    row.name,
                    row.layer,
                    str(row.output),
                    f"{row.params:,}",
                    f"{row.activations:,}",
                    _bytes(row.memory),
                    f"{row.macs:,}",
                ]
            )
        total = ["total", "", "", f"{self.params:,}", f"{self.activations:,}", _bytes(self.memory), f"{self.macs:,}"]
        return header, body, total

    def __str__(self) -> str:
        header, body, total = self._lines()
        table = [header, *body, total]
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        left = {0, 1}

        def render(line: list[str]) -> str:
            cells = [cell.ljust(w) if i in left else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths))]
            return "  ".join(cells).rstrip()

        rule = "-" * len(render(header))
        lines = [f"{self.model}: input {self.input}", render(header), rule]
        lines += [render(line) for line in body] + [rule, render(total)]
        lines.append(f"multiply-adds: {_large(self.macs)}, parameters: {_large(self.params)}")
        if self.unused_params:
            lines.append(f"parameters not used in this (eval-mode) pass: {self.unused_params:,}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        header, body, total = self._lines()

        def cells(line: list[str], tag: str) -> str:
            style = ['style="text-align:left"'] * 2 + ['style="text-align:right"'] * (len(line) - 2)
            return "".join(f"<{tag} {s}>{html.escape(cell)}</{tag}>" for s, cell in zip(style, line))

        rows = "".join(f"<tr>{cells(line, 'td')}</tr>" for line in body)
        note = f"multiply-adds: {_large(self.macs)}, parameters: {_large(self.params)}"
        if self.unused_params:
            note += f"; parameters not used in this (eval-mode) pass: {self.unused_params:,}"
        return (
            f'<table class="classic-cnn-summary"><caption>{html.escape(self.model)}: input '
            f"{html.escape(str(self.input))}</caption><thead><tr>{cells(header, 'th')}</tr></thead>"
            f"<tbody>{rows}</tbody><tfoot><tr>{cells(total, 'th')}</tr></tfoot></table>"
            f"<p>{html.escape(note)}</p>"
        )


def _bytes(count: int) -> str:
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} B"


def _large(count: int) -> str:
    for unit, size in (("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if count >= size:
            return f"{count / size:.2f}{unit}"
    return str(count)


def _volume(tensor: torch.Tensor) -> Volume:
    """One sample's output (the batch dimension dropped) as a Volume."""
    shape = tuple(tensor.shape[1:])
    if len(shape) == 3:
        return Volume(*shape)
    if len(shape) == 1:
        return Volume(shape[0], flat=True)
    raise ValueError(f"summary handles image volumes and vectors, got an output of shape {tuple(tensor.shape)}")


def _first_tensor(value: Any) -> torch.Tensor | None:
    import torch

    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for item in value:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def _tensors(value: Any) -> list[torch.Tensor]:
    """The tensors in an operation's arguments or a module's output (nested in tuples, lists and dicts)."""
    from torch import Tensor

    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [tensor for item in value for tensor in _tensors(item)]
    return []


def _storage(tensor: torch.Tensor) -> int:
    """The identity of a tensor's memory, shared by its views (meta tensors have storages too, of no memory)."""
    return tensor.untyped_storage()._cdata


ROOT = "(forward)"  # the name of the rows of operations the model's own forward runs


@dataclass(eq=False)
class _Call:
    """One call of a module during the pass."""

    name: str
    module: nn.Module
    row: _Row | None = None  # a leaf's row; for a module with children, the row of its current own operations
    output: torch.Tensor | None = None  # set when the call returns


@dataclass(eq=False)
class _Row:
    """A row while the pass runs: one call of a leaf module, or a module's own operations between calls of
    its children."""

    calls: tuple[_Call, ...]  # the call stack when the row began, its own call last
    leaf: bool
    params: int = 0
    flops: int = 0
    activations: int = 0
    output: torch.Tensor | None = None  # a leaf's output, or the last tensor an operation of the row returned
    made: dict[int, torch.Tensor] = field(default_factory=dict)  # new storages its operations wrote

    @property
    def name(self) -> str:
        return self.calls[-1].name

    @property
    def module(self) -> nn.Module:
        return self.calls[-1].module

    @property
    def macs(self) -> int:
        counter = getattr(self.module, "multiply_adds", None)  # our own layers (LeNet-5's C3, S2, RBF) count themselves
        return int(counter(self.output)) if self.leaf and callable(counter) else self.flops // 2

    def as_row(self) -> SummaryRow:
        return SummaryRow(
            self.name, type(self.module).__name__, _volume(self.output), self.params, self.activations, self.macs
        )


class _Pass:
    """Attributes each operation PyTorch's dispatcher runs to the module call on top of the call stack."""

    def __init__(self, model: nn.Module, parameters: dict[int, int], existing: list[torch.Tensor]) -> None:
        self.names = {module: name or ROOT for name, module in model.named_modules()}
        self.unread = parameters  # id(parameter) → numel, until an operation reads it
        self.creator: dict[int, _Row | None] = {_storage(t): None for t in existing}  # storage → row that wrote it
        self.read: set[int] = set()
        self.rows: list[_Row] = []
        self.calls: list[_Call] = []
        self.running = False  # inside an operation (running its decomposition)
        self.counted = 0  # operations with a FLOP formula so far
        self.uncounted: set[Any] = set()  # operations whose decomposition had none

    def enter(self, module: nn.Module, inputs: Any) -> None:
        if self.calls:
            self.calls[-1].row = None  # the caller's own operations after this call start a new row
        self.calls.append(_Call(self.names[module], module))
        if next(module.children(), None) is None:
            self.calls[-1].row = _Row(tuple(self.calls), leaf=True)
            self.rows.append(self.calls[-1].row)

    def leave(self, module: nn.Module, inputs: Any, output: Any) -> None:
        call = self.calls.pop()
        call.output = _first_tensor(output)
        returned = {_storage(t): t for t in _tensors(output)}
        if call.row is not None and call.row.leaf:
            call.row.activations = sum(t.numel() for key, t in returned.items() if self.creator.get(key) is call.row)
            call.row.output = call.output if call.output is not None else call.row.output
        self.read.update(returned)  # returned: read by the caller

    def operation(self, mode: TorchDispatchMode, func: Any, args: tuple, kwargs: dict) -> Any:
        """Run one operation the forward pass calls, and record it in the current row."""
        if self.running:  # a part of an operation that runs as its decomposition: only its multiply-adds count
            return self.run(mode, func, args, kwargs)
        call = self.calls[-1]
        if call.row is None:
            call.row = _Row(tuple(self.calls), leaf=False)
            self.rows.append(call.row)
        row = call.row
        for tensor in _tensors((args, kwargs)):
            row.params += self.unread.pop(id(tensor), 0)
            key = _storage(tensor)
            self.creator.setdefault(key, None)  # a tensor made before the pass (an attribute) is not new
            self.read.add(key)
        self.running = True
        try:
            out = self.run(mode, func, args, kwargs)
        finally:
            self.running = False
        for tensor in _tensors(out):
            key = _storage(tensor)
            if key not in self.creator:
                self.creator[key] = row
                row.made[key] = tensor  # kept alive, so that no later tensor reuses its storage's address
            row.output = tensor
        return out

    def run(self, mode: TorchDispatchMode, func: Any, args: tuple, kwargs: dict) -> Any:
        """As FlopCounterMode: an operation with a decomposition runs as its parts, whose formulas count; one
        whose parts counted nothing runs whole from then on (batch norm's decomposition is slow)."""
        import torch
        from torch.utils.flop_counter import flop_registry

        packet = func._overloadpacket
        if func not in self.uncounted and func is not torch.ops.prim.device.default:
            counted = self.counted
            with mode:
                out = func.decompose(*args, **kwargs)
            if out is not NotImplemented:
                if self.counted == counted and packet not in flop_registry:
                    self.uncounted.add(func)
                return out
        out = func(*args, **kwargs)
        formula = flop_registry.get(packet)
        if formula is not None:
            self.calls[-1].row.flops += formula(*args, **kwargs, out_val=out)
            self.counted += 1
        return out

    def finish(self) -> list[_Row]:
        """The rows with their activations: a leaf's new outputs (set as it returned), or for a module's own
        operations every new tensor that a later operation read or a module returned. Own rows that count
        nothing (only views or in-place sums) are left out."""
        for row in self.rows:
            if not row.leaf:
                row.activations = sum(t.numel() for key, t in row.made.items() if key in self.read)
        kept = [row for row in self.rows if row.leaf or row.params or row.activations or row.flops]
        return [row for row in kept if row.output is not None]


def _run(model: nn.Module, x: torch.Tensor, state: dict[str, torch.Tensor] | None) -> _Pass:
    """One forward pass of ``x`` (through ``functional_call`` with ``state`` if given) under a dispatch mode."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    named = dict(model.named_parameters()) if state is None else {n: state[n] for n, _ in model.named_parameters()}
    existing = [x, *(state.values() if state is not None else [*model.parameters(), *model.buffers()])]
    recorder = _Pass(model, {id(p): p.numel() for p in named.values()}, existing)

    class Dispatch(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            return recorder.operation(self, func, args, kwargs or {})

    handles = []
    for module in model.modules():
        handles.append(module.register_forward_pre_hook(recorder.enter))
        handles.append(module.register_forward_hook(recorder.leave, always_call=True))
    try:
        with Dispatch():
            if state is None:
                model(x)
            else:
                torch.func.functional_call(model, state, (x,), strict=False)
    finally:
        for handle in handles:
            handle.remove()
    return recorder


def summary(
    model: nn.Module,
    input_size: Sequence[int] | None = None,
    *,
    depth: int | None = None,
    device: str | None = "meta",
) -> Summary:
    """Run ``model`` once (eval mode, batch of 1) on a ``(channels, height, width)`` input and tabulate it.

    ``input_size`` defaults to the model's own ``input_size``. ``depth=None`` gives one row per call of a
    leaf module and per run of a module's own operations that counts something; ``depth=1`` one per
    top-level child (a stage, an Inception module) and per run of the model's own operations. ``device="meta"`` computes shapes only (for a model with real weights, or one built under
    ``with torch.device("meta"):``); ``device=None`` runs real zeros on the model's own device.
    """
    if input_size is None:
        input_size = getattr(model, "input_size", None)
        if input_size is None:
            raise ValueError(f"{type(model).__name__} has no input_size attribute: pass input_size=(C, H, W)")
    input_size = tuple(input_size)
    if len(input_size) != 3 or not all(isinstance(size, int) and size >= 1 for size in input_size):
        raise ValueError(f"input_size must be (channels, height, width) of positive ints, got {input_size}")
    if depth is not None and depth < 1:
        raise ValueError(f"depth must be at least 1 (or None for every leaf module), got {depth}")

    return _table(model, input_size, _record(model, input_size, device), depth)


def _record(model: nn.Module, input_size: tuple[int, ...], device: str | None) -> list[_Row]:
    import torch

    from classic_cnn.hooks import eval_mode

    with eval_mode(model), torch.no_grad():
        if device == "meta":
            state = {
                name: torch.empty_like(tensor, device="meta")
                for name, tensor in [*model.named_parameters(), *model.named_buffers()]
            }
            return _run(model, torch.zeros((1, *input_size), device="meta"), state).finish()
        first = next(iter([*model.parameters(), *model.buffers()]), None)
        x = torch.zeros((1, *input_size), device=first.device if first is not None else device or "cpu")
        return _run(model, x, None).finish()


def _table(model: nn.Module, input_size: tuple[int, ...], rows: list[_Row], depth: int | None) -> Summary:
    table = [row.as_row() for row in rows] if depth is None else _grouped(rows, depth)
    model_name = getattr(model, "name", None) or type(model).__name__
    return Summary(str(model_name), Volume(*input_size), tuple(table), sum(p.numel() for p in model.parameters()))


def _grouped(rows: list[_Row], depth: int) -> list[SummaryRow]:
    """One row per run of consecutive rows inside the same module ``depth`` levels down (or a shallower leaf),
    with that module's output; a container that is only indexed (a ModuleDict) takes its last row's output."""
    runs: list[tuple[str, list[_Row]]] = []
    for row in rows:
        name = row.name if row.name == ROOT else ".".join(row.name.split(".")[:depth])
        if runs and runs[-1][0] == name:
            runs[-1][1].append(row)
        else:
            runs.append((name, [row]))
    grouped = []
    for name, inside in runs:
        call = next((call for call in inside[-1].calls if call.name == name), None)
        called = call is not None and call.output is not None and name != ROOT
        module = call.module if call is not None else _named_module(inside[-1], name)
        grouped.append(
            SummaryRow(
                name,
                type(module).__name__,
                _volume(call.output if called else inside[-1].output),
                sum(row.params for row in inside),
                sum(row.activations for row in inside),
                sum(row.macs for row in inside),
            )
        )
    return grouped


def _named_module(row: _Row, name: str) -> nn.Module:
    """The module called ``name`` above ``row``'s module (one its caller only indexed, such as a ModuleDict)."""
    root = row.calls[0]
    return root.module.get_submodule(name) if name != ROOT else root.module


WEIGHT_NODES = ("Convolution", "Addmm", "Mm", "Linear")  # autograd nodes of convolutions and linear layers
# Pooling, and global average pooling, which PyTorch runs as a mean; not LRN's AvgPool3D.
POOL_NODES = ("MaxPool2D", "AvgPool2D", "AdaptiveAvgPool2D", "AdaptiveMaxPool2D", "Mean")


def weight_depth(model: nn.Module, input_size: Sequence[int] | None = None, *, pooling: bool = False) -> int:
    """The papers' depth: weight layers (convolutions, fully connected) on the longest path from input to output,
    plus pooling layers with ``pooling=True`` (GoogLeNet: "22 layers ... or 27 layers if we also count pooling").

    Runs one eval-mode forward pass (on the meta device where it can) and walks the autograd graph, so a projection shortcut
    beside a residual block, the parallel branches of an Inception module or an auxiliary classifier add no depth.
    ``input_size`` defaults to the model's own. A layer built from other operations (LeNet-5's RBF output) is not
    recognised as a weight layer.
    """
    import sys

    import torch

    from classic_cnn.hooks import eval_mode

    input_size = tuple(input_size or model.input_size)
    state = {name: torch.empty_like(value, device="meta") for name, value in model.state_dict().items()}
    state |= {name: torch.empty_like(p, device="meta", requires_grad=True) for name, p in model.named_parameters()}
    with eval_mode(model):
        try:
            output = torch.func.functional_call(model, state, (torch.zeros(1, *input_size, device="meta"),))
        except (RuntimeError, NotImplementedError):  # a layer the meta device cannot run: real zeros instead
            output = model(torch.zeros(1, *input_size))
    kinds = WEIGHT_NODES + (POOL_NODES if pooling else ())
    memo: dict[object, int] = {}

    def longest(node) -> int:
        if node is None:
            return 0
        if node not in memo:
            here = int(node.name().startswith(kinds))
            memo[node] = here + max((longest(parent) for parent, _ in node.next_functions), default=0)
        return memo[node]

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        return longest(_first_tensor(output).grad_fn)
    finally:
        sys.setrecursionlimit(limit)


MAX_ROWS = 30  # a network with more layers is shown by stage (``summary(depth=1)``)


def network_summary(build: Callable[[], nn.Module]) -> Summary:
    """``summary()`` of the network ``build()`` makes on the meta device: one row per layer, or per stage
    (Inception module, residual stage) when it has more than ``MAX_ROWS`` layers (one forward pass either way)."""
    import torch

    with torch.device("meta"):
        model = build()
    rows = _record(model, tuple(model.input_size), "meta")
    table = _table(model, tuple(model.input_size), rows, None)
    return table if len(shown_rows(table)) <= MAX_ROWS else _table(model, tuple(model.input_size), rows, 1)


def shown_rows(table: Summary) -> list[SummaryRow]:
    """The rows that change something: a layer that writes no new numbers, has no parameters and no
    multiply-adds (an in-place ReLU, a flatten view, dropout at test time) adds nothing to any total."""
    return [row for row in table.rows if row.params or row.activations or row.macs]
