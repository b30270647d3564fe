"""Two context managers every tool that looks inside a model shares: evaluation mode, and capturing outputs.

>>> with eval_mode(model), torch.no_grad():
...     logits = model(images)                   # dropout off, batch norm on running statistics
>>> with capture(model, ["C1", "S2"]) as maps:
...     model(images)
>>> maps["C1"].shape
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from torch import Tensor, nn


@contextmanager
def eval_mode(model: nn.Module, training: bool = False) -> Iterator[nn.Module]:
    """Put ``model`` in evaluation mode (or training mode, ``training=True``) and restore every submodule's own
    mode on exit, also when the body raises."""
    modes = [(module, module.training) for module in model.modules()]
    model.train(training)
    try:
        yield model
    finally:
        for module, mode in modes:
            module.training = mode


@contextmanager
def capture(
    modules: Mapping[str, nn.Module], keep: Callable[[Any], Any] | None = None, *, first_only: bool = False
) -> Iterator[dict[str, Any]]:
    """Record what each named module outputs while the body runs: ``{name: output}`` (the last call's, or the
    first's with ``first_only``). ``keep`` maps an output before it is stored; returning None skips it.
    Hooks are removed on exit."""
    recorded: dict[str, Any] = {}

    def hook(name: str):
        def record(_module: nn.Module, _inputs: object, output: object) -> None:
            value = keep(output) if keep is not None else output
            if value is not None and not (first_only and name in recorded):
                recorded[name] = value

        return record

    handles = [module.register_forward_hook(hook(name)) for name, module in modules.items()]
    try:
        yield recorded
    finally:
        for handle in handles:
            handle.remove()


def named(model: nn.Module, names: list[str] | None = None) -> dict[str, nn.Module]:
    """``{name: module}`` for the given dotted names (all submodules when None), with a clear error for a name
    the model does not have."""
    modules = dict(model.named_modules())
    if names is None:
        return {name: module for name, module in modules.items() if name}
    missing = [name for name in names if name not in modules]
    if missing:
        raise ValueError(f"model has no layer(s) {missing}; its layers are {[n for n in modules if n][:20]}")
    return {name: modules[name] for name in names}


def first_tensor(value: object) -> Tensor | None:
    """The tensor itself, or the first tensor of a tuple/list output (GoogLeNet's logits), else None."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (tuple, list)):
        return next((item for item in value if isinstance(item, Tensor)), None)
    return None
