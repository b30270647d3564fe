"""What every model shares: it declares the input sizes it accepts and checks each batch against them."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from torch import Tensor, nn

Variant = Literal["paper", "modern", "torchvision"]  # one vocabulary for every model
_RENAMED = {"classic": "paper", "original": "paper"}  # earlier spellings, still accepted


def check_variant(variant: str, allowed: tuple[Variant, ...], model: str) -> Variant:
    """``variant`` if ``model`` has it; an earlier spelling ("classic", "original") with a DeprecationWarning."""
    if variant in _RENAMED:
        warnings.warn(
            f"{model}: variant={variant!r} is now variant={_RENAMED[variant]!r}", DeprecationWarning, stacklevel=3
        )
        variant = _RENAMED[variant]
    if variant not in allowed:
        raise ValueError(f"{model}'s variant must be one of {', '.join(map(repr, allowed))}, got {variant!r}")
    return variant  # type: ignore[return-value]


def _volume(shape: tuple[int, ...]) -> str:
    return "×".join(str(size) for size in shape)


@dataclass(frozen=True)
class InputSpec:
    """The images a network accepts: ``channels`` deep, square of side ``size`` (the paper's, the one a summary
    traces) — or, for a size-agnostic network, any side ≥ ``min_size`` that is a multiple of ``multiple``."""

    channels: int
    size: int
    min_size: int | None = None
    multiple: int = 1
    rebuild: str = ""  # the constructor argument that builds the network for another side, if any

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.channels, self.size, self.size)

    def accepts(self, height: int, width: int) -> bool:
        if self.min_size is None:
            return height == width == self.size
        return all(side >= self.min_size and side % self.multiple == 0 for side in (height, width))

    def sizes(self) -> str:
        """The accepted sides in words: "227×227", "any side ≥ 32", "a multiple of 8, ≥ 16"."""
        if self.min_size is None:
            return f"{self.size}×{self.size}"
        multiple = f"a multiple of {self.multiple}, " if self.multiple > 1 else ""
        return f"{multiple}any side ≥ {self.min_size}" if not multiple else f"{multiple}≥ {self.min_size}"

    def check(self, x: Tensor, model: str, *, size_hints: Mapping[tuple[int, int], str] | None = None) -> None:
        """Raise ``ValueError`` before any computation unless ``x`` is a batch ``N×C×H×W`` this network accepts.

        The message names the model, both shapes and a fix; ``size_hints`` maps a wrong (H, W) to a specific
        tip (LeNet-5: 28×28 → "pad MNIST by 2 pixels").
        """
        if not isinstance(x, Tensor):
            raise TypeError(f"{model} takes a torch.Tensor batch N×{_volume(self.shape)}, got {type(x).__name__}")
        if x.dim() != 4:
            tip = " — add a batch dimension: x.unsqueeze(0)" if x.dim() == 3 and x.shape[0] == self.channels else ""
            raise ValueError(
                f"{model} expects a batch of images N×{_volume(self.shape)}, got a tensor of shape "
                f"{tuple(x.shape)} ({x.dim()} dimensions){tip}"
            )
        channels, height, width = x.shape[1:]
        if channels == self.channels and self.accepts(height, width):
            return
        got = _volume(tuple(x.shape[1:]))
        if channels != self.channels:
            tip = {1: "convert the images to grayscale", 3: "give the images 3 (RGB) channels"}.get(
                self.channels, f"give the images {self.channels} channels"
            )
            if self.channels == 3 and channels == 1:
                tip += ", e.g. x.expand(-1, 3, -1, -1)"
        elif size_hints and (height, width) in size_hints:
            tip = size_hints[(height, width)]
        else:
            tip = f"resize or crop the images to {self.size}×{self.size}"
            if self.rebuild and height == width:
                tip += f", or build the model with {self.rebuild}={height}"
        expected = _volume(self.shape) if self.min_size is None else f"{self.channels}×H×W ({self.sizes()})"
        raise ValueError(f"{model} expects {expected} inputs, got {got} — {tip}")


class Network(nn.Module):
    """Base of the book's models: ``input_spec`` says what they accept, ``name`` what the paper calls them."""

    input_spec: InputSpec
    name: str

    @property
    def input_size(self) -> tuple[int, int, int]:
        """The input volume (C, H, W) of the paper's model: what ``summary()`` and the walker trace."""
        return self.input_spec.shape

    def check_input(self, x: Tensor, size_hints: Mapping[tuple[int, int], str] | None = None) -> None:
        self.input_spec.check(x, self.name, size_hints=size_hints)
