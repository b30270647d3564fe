"""What each explorer shows, as pure functions of its settings: no front end, no formulas of their own.

Every number comes from ``classic_cnn.shapes``; these functions only decide which case the reader is in
(the stride fits, does not fit, or the setting is impossible) and collect the numbers the page shows.
``js/render.js`` mirrors them line for line, and ``tests/test_widgets_js.py`` checks that it does.

>>> conv_view(input_size=7, kernel_size=3, stride=3).status     # CS231n: 7×7 input, 3×3 filter, stride 3
'floor'
>>> bottleneck_view().direct_macs                               # Inception 5×5 branch without a 1×1 first
120422400
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from classic_cnn.shapes import (
    _integer,
    conv_macs,
    conv_output_size,
    conv_params,
    pool_output_size,
    receptive_field,
    same_padding,
)
from classic_cnn.widgets.explorers import TABLE, sentence

Status = Literal["ok", "floor", "impossible"]


def checked(kind: str, *values: object) -> list:
    """Explorer ``kind``'s settings, in the order of its controls, as the controls allow them: integers no smaller
    than the slider's minimum, or one of the options. Anything else is a ``ValueError`` naming the setting."""
    settings = []
    for control, value in zip(TABLE["explorers"][kind]["controls"], values, strict=True):
        if "options" not in control:
            settings.append(_integer(control["name"], value, control["min"]))
        elif value in control["options"]:
            settings.append(value)
        else:
            words = dict(name=control["name"], options=", ".join(control["options"]), value=repr(value))
            raise ValueError(sentence(TABLE["errors"]["option"], words))
    return settings


def _output_size(function, *args) -> tuple[Status, int | None]:
    """Ask ``shapes`` strictly, then leniently: fits, floors (PyTorch's answer), or has no output at all."""
    try:
        return "ok", function(*args, strict=True)
    except ValueError:
        pass
    try:
        return "floor", function(*args)
    except ValueError:
        return "impossible", None


# --- convolution --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvView:
    """One convolution layer as the convolution explorer shows it."""

    input_size: int
    depth: int
    kernel_size: int
    stride: int
    padding: int
    filters: int
    status: Status
    output_size: int | None
    params: int
    activations: int | None
    macs: int | None
    same_padding: int | None  # None: an even filter has no symmetric 'same' padding

    @property
    def padded(self) -> int:
        """N + 2P: the width of the zero-padded input."""
        return self.input_size + 2 * self.padding

    @property
    def slack(self) -> int:
        """N − F + 2P: how far the filter can travel (negative when it does not fit at all)."""
        return self.padded - self.kernel_size

    @property
    def positions(self) -> list[int]:
        """Left edges of the filter's positions along the first row of the padded input."""
        return [index * self.stride for index in range(self.output_size or 0)]

    @property
    def ignored(self) -> int:
        """Padded input rows/columns the filter never reaches (only when the stride does not fit)."""
        return self.slack % self.stride if self.status == "floor" else 0


def conv_view(
    input_size: int = 7, depth: int = 1, kernel_size: int = 3, stride: int = 1, padding: int = 0, filters: int = 1
) -> ConvView:
    """The convolution explorer's numbers for an N×N×D input and K filters of F×F at stride S, padding P."""
    settings = checked("conv", input_size, depth, kernel_size, stride, padding, filters)
    input_size, depth, kernel_size, stride, padding, filters = settings
    status, size = _output_size(conv_output_size, input_size, kernel_size, stride, padding)
    try:
        same = same_padding(kernel_size)
    except ValueError:
        same = None
    return ConvView(
        input_size,
        depth,
        kernel_size,
        stride,
        padding,
        filters,
        status=status,
        output_size=size,
        params=conv_params(depth, filters, kernel_size),
        activations=None if size is None else size * size * filters,
        macs=None if size is None else conv_macs(depth, filters, kernel_size, size, size),
        same_padding=same,
    )


# --- pooling ------------------------------------------------------------------------------------


def example_grid(size: int) -> list[list[int]]:
    """A small, fixed grid of digits to pool by hand (the same in Python and in the browser)."""
    return [[(3 * row + 5 * column + row * column) % 10 for column in range(size)] for row in range(size)]


@dataclass(frozen=True)
class PoolView:
    """Max or average pooling of the example grid."""

    input_size: int
    kernel_size: int
    stride: int
    mode: str
    status: Status
    output_size: int | None
    grid: list[list[int]]
    pooled: list[list[Fraction]]  # exact: an average of integers is a fraction

    @property
    def overlap(self) -> int:
        """F − S: rows/columns shared by neighbouring windows (negative: a gap that is never seen)."""
        return self.kernel_size - self.stride

    @property
    def ignored(self) -> int:
        return (self.input_size - self.kernel_size) % self.stride if self.status == "floor" else 0


def pool_view(input_size: int = 6, kernel_size: int = 3, stride: int = 2, mode: str = "max") -> PoolView:
    """Pool the ``input_size``×``input_size`` example grid with an F×F window at stride S (no padding)."""
    input_size, kernel_size, stride, mode = checked("pool", input_size, kernel_size, stride, mode)
    status, size = _output_size(pool_output_size, input_size, kernel_size, stride)
    grid = example_grid(input_size)
    pooled = []
    for out_row in range(size or 0):
        pooled_row = []
        for out_column in range(size or 0):
            window = [
                grid[out_row * stride + row][out_column * stride + column]
                for row in range(kernel_size)
                for column in range(kernel_size)
            ]
            pooled_row.append(Fraction(max(window)) if mode == "max" else Fraction(sum(window), len(window)))
        pooled.append(pooled_row)
    return PoolView(input_size, kernel_size, stride, mode, status, size, grid, pooled)


# --- receptive field ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceptiveFieldView:
    """A stack of identical k×k convolutions against the single convolution that sees as far."""

    layers: int
    kernel_size: int
    stride: int
    channels: int
    fields: list[int]  # receptive field after layer 1, 2, …
    jumps: list[int]  # input pixels between neighbouring units after layer 0 (the input), 1, 2, …
    stack_weights: int
    single_weights: int
    stack_coefficient: int  # stack_weights = stack_coefficient·C² (biases aside)
    single_coefficient: int

    @property
    def field(self) -> int:
        return self.fields[-1]


def receptive_field_view(
    layers: int = 3, kernel_size: int = 3, stride: int = 1, channels: int = 64
) -> ReceptiveFieldView:
    """``layers`` convolutions of ``kernel_size``×``kernel_size`` at ``stride``, each C channels to C channels."""
    layers, kernel_size, stride, channels = checked("receptive-field", layers, kernel_size, stride, channels)
    stack = [(kernel_size, stride)] * layers
    fields = [receptive_field(stack[:depth]) for depth in range(1, layers + 1)]
    jumps = [stride**depth for depth in range(layers + 1)]
    field = fields[-1]
    return ReceptiveFieldView(
        layers,
        kernel_size,
        stride,
        channels,
        fields,
        jumps,
        stack_weights=layers * conv_params(channels, channels, kernel_size, bias=False),
        single_weights=conv_params(channels, channels, field, bias=False),
        stack_coefficient=layers * conv_params(1, 1, kernel_size, bias=False),
        single_coefficient=conv_params(1, 1, field, bias=False),
    )


# --- 1×1 bottleneck -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BottleneckView:
    """A k×k 'same' convolution with and without a 1×1 reduction first (Inception's trick)."""

    size: int
    in_channels: int
    out_channels: int
    kernel_size: int
    bottleneck: int  # 0: no 1×1 layer
    direct_macs: int
    direct_params: int
    reduce_macs: int
    reduce_params: int
    conv_macs: int
    conv_params: int

    @property
    def total_macs(self) -> int:
        return self.reduce_macs + self.conv_macs if self.bottleneck else self.direct_macs

    @property
    def total_params(self) -> int:
        return self.reduce_params + self.conv_params if self.bottleneck else self.direct_params


def bottleneck_view(
    size: int = 28, in_channels: int = 192, out_channels: int = 32, kernel_size: int = 5, bottleneck: int = 16
) -> BottleneckView:
    """Multiplies of size×size×in → k×k conv → size×size×out, directly or through a 1×1 to ``bottleneck``."""
    settings = checked("bottleneck", size, in_channels, out_channels, kernel_size, bottleneck)
    size, in_channels, out_channels, kernel_size, bottleneck = settings
    narrow = bottleneck or in_channels  # with no bottleneck the second stage is the direct convolution
    return BottleneckView(
        size,
        in_channels,
        out_channels,
        kernel_size,
        bottleneck,
        direct_macs=conv_macs(in_channels, out_channels, kernel_size, size, size),
        direct_params=conv_params(in_channels, out_channels, kernel_size),
        reduce_macs=conv_macs(in_channels, bottleneck, 1, size, size) if bottleneck else 0,
        reduce_params=conv_params(in_channels, bottleneck, 1) if bottleneck else 0,
        conv_macs=conv_macs(narrow, out_channels, kernel_size, size, size),
        conv_params=conv_params(narrow, out_channels, kernel_size),
    )
