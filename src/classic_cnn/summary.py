"""A per-layer table of a real ``nn.Module``, read off its forward pass with hooks.

>>> import torch
>>> from classic_cnn import summary
>>> from classic_cnn.models import vgg16
>>> with torch.device("meta"):  # shapes only: no memory for the 138 M weights
...     model = vgg16()
>>> print(summary(model))          # doctest: +SKIP

Each row is a module the forward pass calls (a leaf, or with ``depth=d`` a module d levels down): its
output volume, parameters, activations (numbers it writes: 0 for a view such as Flatten or an in-place
ReLU, which reuse their input's memory), their float32 memory and its multiply-adds. By default the pass
runs on PyTorch's "meta" device: shapes only, no arithmetic, so VGG-19 or ResNet-152 take a fraction of a
second, and the model may itself be built on the meta device.

Conventions:

- Multiply-adds (MACs) are those of convolutions and fully connected layers, one per weight per output
  position (bias additions not counted): PyTorch's ``torch.utils.flop_counter.FlopCounterMode`` counts
  FLOPs = 2 × these. Pooling, LRN, batch norm, activations and residual additions count 0, as there.
- LeNet-5's own layers count themselves: C3 only its 60 real 5×5 kernels (it runs as a dense convolution
  whose 36 missing kernels are zeros, which FlopCounterMode counts), S2/S4 one multiplication per output
  (the trainable coefficient), the RBF output one subtract-square-add per prototype entry (84 × 10).
- Memory is in decimal units: 1 kB = 10³ bytes, 1 MB = 10⁶, 1 GB = 10⁹ (VGG-16's 60,448,672 B of
  activations print as 60.4 MB).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from classic_cnn.shapes import BYTES_PER_FLOAT32, LayerTotals, Volume

if TYPE_CHECKING:
    import torch
    from torch import nn


@dataclass(frozen=True)
class SummaryRow:
    """One module of the forward pass."""

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


def _reuses_input(output: torch.Tensor, inputs: tuple[Any, ...]) -> bool:
    """True when the output is the input itself or a view of it (Flatten, in-place ReLU, eval Dropout)."""
    source = _first_tensor(inputs)
    if source is None:
        return False
    if output is source:
        return True
    base = output._base
    return base is not None and (base is source or base is source._base)


def _multiply_adds(module: nn.Module, output: torch.Tensor) -> int:
    from torch import nn

    if isinstance(module, nn.Conv2d):
        kernel_height, kernel_width = module.kernel_size
        return output[0].numel() * kernel_height * kernel_width * module.in_channels // module.groups
    if isinstance(module, nn.Linear):
        return output[0].numel() * module.in_features
    counter = getattr(module, "multiply_adds", None)  # our own layers (LeNet-5's C3, S2, RBF) count themselves
    return int(counter(output)) if callable(counter) else 0


def summary(
    model: nn.Module,
    input_size: Sequence[int] | None = None,
    *,
    depth: int | None = None,
    device: str | None = "meta",
) -> Summary:
    """Run ``model`` once (eval mode, batch of 1) on a ``(channels, height, width)`` input and tabulate it.

    ``input_size`` defaults to the model's own ``input_size``. ``depth=1`` gives one row per top-level
    child (a stage, an Inception module), ``None`` one per leaf module. ``device="meta"`` computes shapes
    only (for a model with real weights, or one built under ``with torch.device("meta"):``); ``device=None``
    runs real zeros on the model's own device.
    """
    import torch

    from classic_cnn.hooks import eval_mode

    if input_size is None:
        input_size = getattr(model, "input_size", None)
        if input_size is None:
            raise ValueError(f"{type(model).__name__} has no input_size attribute: pass input_size=(C, H, W)")
    input_size = tuple(input_size)
    if len(input_size) != 3 or not all(isinstance(size, int) and size >= 1 for size in input_size):
        raise ValueError(f"input_size must be (channels, height, width) of positive ints, got {input_size}")
    if depth is not None and depth < 1:
        raise ValueError(f"depth must be at least 1 (or None for every leaf module), got {depth}")

    names = {module: name for name, module in model.named_modules()}
    calls: list[tuple[str, nn.Module, torch.Tensor, bool]] = []

    def record(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
        tensor = _first_tensor(output)
        if tensor is not None:
            calls.append((names[module], module, tensor, _reuses_input(tensor, inputs)))

    handles = [module.register_forward_hook(record) for module in model.modules() if module is not model]
    try:
        with eval_mode(model), torch.no_grad():
            if device == "meta":
                state = {
                    name: torch.empty_like(tensor, device="meta")
                    for name, tensor in [*model.named_parameters(), *model.named_buffers()]
                }
                x = torch.zeros((1, *input_size), device="meta")
                torch.func.functional_call(model, state, (x,), strict=False)
            else:
                first = next(iter([*model.parameters(), *model.buffers()]), None)
                x = torch.zeros((1, *input_size), device=first.device if first is not None else device or "cpu")
                model(x)
    finally:
        for handle in handles:
            handle.remove()

    leaves = [
        (name, module, out, reused) for name, module, out, reused in calls if next(module.children(), None) is None
    ]

    rows: list[SummaryRow] = []
    if depth is None:
        for name, module, out, reused in leaves:
            params = sum(p.numel() for p in module.parameters())
            activations = 0 if reused else out[0].numel()
            macs = _multiply_adds(module, out)
            rows.append(SummaryRow(name, type(module).__name__, _volume(out), params, activations, macs))
    else:
        # A group is a module `depth` levels down (or a shallower leaf); its output is its own.
        outputs = {name: (module, out) for name, module, out, _ in calls}
        seen: list[str] = []
        for name, _, _, _ in leaves:
            parts = name.split(".")
            group = ".".join(parts[: min(depth, len(parts))])
            if group not in seen:
                seen.append(group)
        for group in seen:
            module, out = outputs[group]
            inside = [leaf for leaf in leaves if leaf[0] == group or leaf[0].startswith(group + ".")]
            rows.append(
                SummaryRow(
                    group,
                    type(module).__name__,
                    _volume(out),
                    sum(p.numel() for p in module.parameters()),
                    sum(0 if reused else out_[0].numel() for _, _, out_, reused in inside),
                    sum(_multiply_adds(leaf, out_) for _, leaf, out_, _ in inside),
                )
            )
    model_name = getattr(model, "name", None) or type(model).__name__
    return Summary(str(model_name), Volume(*input_size), tuple(rows), sum(p.numel() for p in model.parameters()))


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
