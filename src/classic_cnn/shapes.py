"""The arithmetic of volumes: output sizes, padding, parameters, memory, multiply-adds, receptive fields.

Every function is pure and checks its input: an impossible setting raises ``ValueError`` with a message
that names the broken constraint and the numbers involved. Sizes follow PyTorch (floor division), and
volumes are written in PyTorch's order, ``(channels, height, width)``; lectures write the same volume as
W×H×D (``str(Volume)`` does).

>>> conv_output_size(32, 5)            # LeNet-5's C1: (32 - 5 + 0)/1 + 1
28
>>> conv_output_size(7, 3, stride=3, strict=True)
Traceback (most recent call last):
...
ValueError: stride 3 does not fit: (input_size 7 + 2*padding 0 - kernel_size 3) = 4 is not a multiple of stride 3, so the last 1 row(s)/column(s) of the input would be ignored
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from numbers import Integral
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from torch import nn

BYTES_PER_FLOAT32 = 4


# --- validation ---------------------------------------------------------------------------------


def _integer(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _effective_kernel(kernel_size: int, dilation: int) -> int:
    """Span of a dilated kernel: dilation*(F - 1) + 1."""
    return dilation * (kernel_size - 1) + 1


def _check_fits(input_size: int, kernel_size: int, padding: int, dilation: int) -> int:
    """Return the padded input size, or raise if the (dilated) kernel does not fit inside it."""
    padded = input_size + 2 * padding
    span = _effective_kernel(kernel_size, dilation)
    if span > padded:
        dilated = f" (dilated to {span})" if dilation > 1 else ""
        raise ValueError(
            f"kernel_size {kernel_size}{dilated} is larger than the padded input: "
            f"input_size {input_size} + 2*padding {padding} = {padded}"
        )
    return padded


def _check_stride_fits(input_size: int, kernel_size: int, stride: int, padding: int, dilation: int) -> None:
    slack = input_size + 2 * padding - _effective_kernel(kernel_size, dilation)
    if slack % stride:
        kernel = "kernel span" if dilation > 1 else "kernel_size"
        raise ValueError(
            f"stride {stride} does not fit: (input_size {input_size} + 2*padding {padding} - "
            f"{kernel} {_effective_kernel(kernel_size, dilation)}) = {slack} is not a multiple of stride "
            f"{stride}, so the last {slack % stride} row(s)/column(s) of the input would be ignored"
        )


# --- output sizes -------------------------------------------------------------------------------


def conv_output_size(
    input_size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    *,
    strict: bool = False,
) -> int:
    """Output width (or height) of a convolution: floor((N - F + 2P) / S) + 1, as ``nn.Conv2d``.

    With ``strict=True`` a stride that leaves input rows unvisited raises instead of flooring.
    """
    input_size = _integer("input_size", input_size, 1)
    kernel_size = _integer("kernel_size", kernel_size, 1)
    stride = _integer("stride", stride, 1)
    padding = _integer("padding", padding, 0)
    dilation = _integer("dilation", dilation, 1)
    padded = _check_fits(input_size, kernel_size, padding, dilation)
    if strict:
        _check_stride_fits(input_size, kernel_size, stride, padding, dilation)
    return (padded - _effective_kernel(kernel_size, dilation)) // stride + 1


def pool_output_size(
    input_size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    *,
    ceil_mode: bool = False,
    strict: bool = False,
) -> int:
    """Output width (or height) of max/avg pooling, as ``nn.MaxPool2d``; ``stride`` defaults to ``kernel_size``.

    ``ceil_mode=True`` rounds up, but (as PyTorch does) never starts a window in the right padding.
    """
    input_size = _integer("input_size", input_size, 1)
    kernel_size = _integer("kernel_size", kernel_size, 1)
    stride = kernel_size if stride is None else _integer("stride", stride, 1)
    padding = _integer("padding", padding, 0)
    dilation = _integer("dilation", dilation, 1)
    span = _effective_kernel(kernel_size, dilation)
    if 2 * padding > kernel_size:
        raise ValueError(
            f"pooling padding {padding} must be at most half the kernel_size {kernel_size} "
            "(a window may not lie mostly in the padding)"
        )
    if not ceil_mode or strict:
        _check_fits(input_size, kernel_size, padding, dilation)
    if strict:
        _check_stride_fits(input_size, kernel_size, stride, padding, dilation)
    padded = input_size + 2 * padding
    if not ceil_mode:
        return (padded - span) // stride + 1
    # Rounding up lets the last window hang over the edge (PyTorch allows that even for a kernel larger
    # than the input), but never start in the right padding.
    size = (padded - span + stride - 1) // stride + 1
    if (size - 1) * stride >= input_size + padding:
        size -= 1
    if size < 1:
        _check_fits(input_size, kernel_size, padding, dilation)
    return size


def same_padding(kernel_size: int, stride: int = 1, dilation: int = 1) -> int:
    """Padding P = (F - 1)/2 that keeps the size at stride 1 and gives ceil(N / S) at stride S.

    Only odd (effective) kernels can be padded equally on both sides; an even one raises.
    """
    kernel_size = _integer("kernel_size", kernel_size, 1)
    _integer("stride", stride, 1)
    dilation = _integer("dilation", dilation, 1)
    span = _effective_kernel(kernel_size, dilation)
    if span % 2 == 0:
        raise ValueError(
            f"kernel span {span} is even: 'same' output needs {span - 1} padding in total, which cannot be "
            "split equally between the two sides (use an odd kernel_size)"
        )
    return (span - 1) // 2


def receptive_field(layers: Iterable[object]) -> int:
    """Receptive field, in input pixels, of one output unit of a stack of conv/pool layers.

    ``layers`` holds specs (``Conv``/``Pool``) or ``(kernel_size, stride)`` pairs.
    Three 3×3 stride-1 convolutions see 7×7: ``receptive_field([(3, 1)] * 3) == 7``.
    """
    field, jump = 1, 1
    for layer in layers:
        if isinstance(layer, Conv):
            kernel_size, stride, dilation = layer.kernel_size, layer.stride, layer.dilation
        elif isinstance(layer, Pool):
            # Only a missing stride means "the kernel size"; a stride of 0 is an error, not a default.
            stride = layer.kernel_size if layer.stride is None else layer.stride
            kernel_size, dilation = layer.kernel_size, layer.dilation
        elif isinstance(layer, (FC, Flatten, GlobalAvgPool)):
            raise ValueError(f"receptive_field takes conv and pool layers only, got {layer!r}")
        elif isinstance(layer, Sequence) and not isinstance(layer, str) and len(layer) == 2:
            (kernel_size, stride), dilation = layer, 1
        else:
            raise ValueError(f"receptive_field takes Conv/Pool specs or (kernel_size, stride) pairs, got {layer!r}")
        kernel_size = _integer("kernel_size", kernel_size, 1)
        stride = _integer("stride", stride, 1)
        dilation = _integer("dilation", dilation, 1)
        field += (_effective_kernel(kernel_size, dilation) - 1) * jump
        jump *= stride
    return field


# --- counts -------------------------------------------------------------------------------------


def conv_params(
    in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], bias: bool = True, groups: int = 1
) -> int:
    """Learnable parameters of a convolution: (F·F·D/groups)·K weights + K biases."""
    in_channels = _integer("in_channels", in_channels, 1)
    out_channels = _integer("out_channels", out_channels, 1)
    groups = _integer("groups", groups, 1)
    height, width = (kernel_size, kernel_size) if not isinstance(kernel_size, tuple) else kernel_size
    height, width = _integer("kernel_size", height, 1), _integer("kernel_size", width, 1)
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            raise ValueError(f"{name} {channels} must be divisible by groups {groups}")
    return height * width * (in_channels // groups) * out_channels + (out_channels if bias else 0)


def fc_params(in_features: int, out_features: int, bias: bool = True) -> int:
    """Learnable parameters of a fully connected layer: D_in·D_out weights + D_out biases."""
    in_features = _integer("in_features", in_features, 1)
    out_features = _integer("out_features", out_features, 1)
    return in_features * out_features + (out_features if bias else 0)


def conv_macs(
    in_channels: int, out_channels: int, kernel_size: int, output_height: int, output_width: int, groups: int = 1
) -> int:
    """Multiply-adds of a convolution: one F·F·D/groups dot product per output activation."""
    output_height = _integer("output_height", output_height, 1)
    output_width = _integer("output_width", output_width, 1)
    weights = conv_params(in_channels, out_channels, kernel_size, bias=False, groups=groups)
    return output_height * output_width * weights


class Volume(NamedTuple):
    """A volume in PyTorch's order; ``str`` writes it as the lectures do, H×W×D (or just D when flat)."""

    channels: int
    height: int = 1
    width: int = 1
    flat: bool = False

    @property
    def activations(self) -> int:
        """Number of numbers in the volume."""
        return self.channels * self.height * self.width

    def memory(self, bytes_per_element: int = BYTES_PER_FLOAT32) -> int:
        """Bytes to store the volume (float32 by default)."""
        return self.activations * bytes_per_element

    def __str__(self) -> str:
        return f"{self.channels}" if self.flat else f"{self.height}×{self.width}×{self.channels}"


def scale_channels(channels: int, width: float) -> int:
    """A layer's depth in a network ``width`` times as wide: ``round(channels × width)``, at least 1."""
    if not (isinstance(width, (int, float)) and math.isfinite(width) and width > 0):
        raise ValueError(f"width must be a positive finite number, got {width!r}")
    return max(1, round(channels * width))


def volume_memory(volume: Sequence[int], bytes_per_element: int = BYTES_PER_FLOAT32) -> int:
    """Bytes to store a volume given as (channels, height, width) or any shape (float32 by default)."""
    return math.prod(_integer("size", size, 1) for size in volume) * bytes_per_element


# --- layer specs and the tracer -----------------------------------------------------------------


@dataclass(frozen=True)
class Conv:
    """K filters of size F×F at stride S with padding P. ``in_channels`` (optional) is checked by the tracer."""

    out_channels: int
    kernel_size: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    groups: int = 1
    bias: bool = True
    in_channels: int | None = None
    name: str = ""


@dataclass(frozen=True)
class Pool:
    """Max or average pooling (no parameters, depth kept); ``stride`` defaults to ``kernel_size``."""

    kernel_size: int
    stride: int | None = None
    padding: int = 0
    dilation: int = 1
    ceil_mode: bool = False
    kind: Literal["max", "avg"] = "max"
    name: str = ""


@dataclass(frozen=True)
class GlobalAvgPool:
    """Average each activation map to one number: H×W×D → 1×1×D (GoogLeNet, ResNet)."""

    name: str = ""


@dataclass(frozen=True)
class Flatten:
    """Unroll a volume into a vector: H×W×D → H·W·D."""

    name: str = ""


@dataclass(frozen=True)
class FC:
    """Fully connected layer. ``in_features`` (optional) is checked by the tracer."""

    out_features: int
    bias: bool = True
    in_features: int | None = None
    name: str = ""


Spec = Conv | Pool | GlobalAvgPool | Flatten | FC


@dataclass(frozen=True)
class TraceRow:
    """One layer of a trace: what it does to the volume and what it costs."""

    name: str
    layer: str
    output: Volume
    params: int
    macs: int
    activations: int  # numbers the layer stores: 0 for a reshape (Flatten is a view)

    @property
    def memory(self) -> int:
        """Bytes of float32 activations the layer stores."""
        return self.activations * BYTES_PER_FLOAT32


class LayerTotals:
    """Totals over ``rows`` (each with ``output``, ``params``, ``macs``, ``activations``) after an ``input``.

    Shared by :class:`Trace` (specs) and ``classic_cnn.summary.Summary`` (a real module).
    """

    input: Volume
    rows: tuple

    @property
    def output(self) -> Volume:
        return self.rows[-1].output if self.rows else self.input

    @property
    def params(self) -> int:
        return sum(row.params for row in self.rows)

    @property
    def macs(self) -> int:
        return sum(row.macs for row in self.rows)

    @property
    def activations(self) -> int:
        """Numbers stored by the layers (the input not included)."""
        return sum(row.activations for row in self.rows)

    @property
    def memory(self) -> int:
        """Bytes of float32 activations stored by the layers."""
        return self.activations * BYTES_PER_FLOAT32

    @property
    def sizes(self) -> list[str]:
        """The volumes as the lectures write them, input first: ['32×32×1', '28×28×6', ...]."""
        return [str(self.input)] + [str(row.output) for row in self.rows]


@dataclass(frozen=True)
class Trace(LayerTotals):
    """The volumes a network passes through, layer by layer, with parameter and cost totals."""

    input: Volume
    rows: tuple[TraceRow, ...]

    def table(self) -> str:
        """A plain-text table, one line per layer, with totals."""
        header = f"{'layer':<10}{'':<22}{'output':>14}{'params':>14}{'activations':>14}{'MACs':>16}"
        lines = [header, f"{'input':<32}{str(self.input):>14}{'':>14}{self.input.activations:>14,}"]
        for row in self.rows:
            lines.append(
                f"{row.name:<10}{row.layer:<22}{str(row.output):>14}{row.params:>14,}"
                f"{row.activations:>14,}{row.macs:>16,}"
            )
        lines.append(f"{'total':<46}{self.params:>14,}{self.activations:>14,}{self.macs:>16,}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _step(volume: Volume, spec: Spec) -> tuple[str, Volume, int, int]:
    """Apply one spec: (description, output volume, parameters, multiply-adds)."""
    if isinstance(spec, Conv):
        if volume.flat:
            raise ValueError(f"conv needs a volume, but the input is a flat vector of {volume.channels}")
        if spec.in_channels is not None and spec.in_channels != volume.channels:
            raise ValueError(
                f"conv expects input depth {spec.in_channels}, but the volume reaching it is {volume} "
                f"(depth {volume.channels})"
            )
        sizes = [
            conv_output_size(size, spec.kernel_size, spec.stride, spec.padding, spec.dilation)
            for size in (volume.height, volume.width)
        ]
        out = Volume(spec.out_channels, *sizes)
        params = conv_params(volume.channels, spec.out_channels, spec.kernel_size, spec.bias, spec.groups)
        macs = conv_macs(volume.channels, spec.out_channels, spec.kernel_size, *sizes, spec.groups)
        groups = f" g{spec.groups}" if spec.groups > 1 else ""
        text = f"conv {spec.kernel_size}×{spec.kernel_size}/{spec.stride} p{spec.padding}{groups}, {spec.out_channels}"
        return text, out, params, macs
    if isinstance(spec, Pool):
        if volume.flat:
            raise ValueError(f"pooling needs a volume, but the input is a flat vector of {volume.channels}")
        sizes = [
            pool_output_size(size, spec.kernel_size, spec.stride, spec.padding, spec.dilation, ceil_mode=spec.ceil_mode)
            for size in (volume.height, volume.width)
        ]
        stride = spec.stride or spec.kernel_size
        return f"{spec.kind}pool {spec.kernel_size}×{spec.kernel_size}/{stride}", Volume(volume.channels, *sizes), 0, 0
    if isinstance(spec, GlobalAvgPool):
        return "global avg pool", Volume(volume.channels, 1, 1), 0, 0
    if isinstance(spec, Flatten):
        return "flatten", Volume(volume.activations, flat=True), 0, 0
    if isinstance(spec, FC):
        if not volume.flat and (volume.height, volume.width) != (1, 1):
            raise ValueError(f"fc needs a flat vector; the volume {volume} must be flattened first (Flatten())")
        if spec.in_features is not None and spec.in_features != volume.activations:
            raise ValueError(
                f"fc expects {spec.in_features} input features, but the vector reaching it has {volume.activations}"
            )
        params = fc_params(volume.activations, spec.out_features, spec.bias)
        out = Volume(spec.out_features, flat=True)
        return f"fc {spec.out_features}", out, params, volume.activations * spec.out_features
    raise ValueError(f"unknown layer spec {spec!r}; use Conv, Pool, GlobalAvgPool, Flatten or FC")


def trace(input_volume: Sequence[int], specs: Iterable[Spec]) -> Trace:
    """Walk an input volume ``(channels, height, width)`` through a list of layer specs.

    >>> trace((1, 32, 32), [Conv(6, 5), Pool(2), Conv(16, 5), Pool(2)]).sizes
    ['32×32×1', '28×28×6', '14×14×6', '10×10×16', '5×5×16']
    """
    if len(input_volume) != 3:
        raise ValueError(f"input_volume must be (channels, height, width), got {tuple(input_volume)}")
    volume = Volume(*(_integer(name, size, 1) for name, size in zip(("channels", "height", "width"), input_volume)))
    rows, start = [], volume
    for index, spec in enumerate(specs, start=1):
        try:
            text, volume, params, macs = _step(volume, spec)
        except ValueError as error:
            raise ValueError(f"layer {index} ({spec.name or type(spec).__name__}): {error}") from None
        stored = 0 if isinstance(spec, Flatten) else volume.activations
        rows.append(TraceRow(spec.name or f"{index}", text, volume, params, macs, stored))
    return Trace(start, tuple(rows))


# --- from specs to a network --------------------------------------------------------------------


def scaled(specs: Sequence[Spec], width: float, num_classes: int | None = None) -> list[Spec]:
    """The same layers with every convolution ``width`` times as wide (:func:`scale_channels`); with
    ``num_classes``, the last convolution gives that many maps (an all-convolutional net's class scores)."""
    convolutions = [index for index, spec in enumerate(specs) if isinstance(spec, Conv)]
    out: list[Spec] = []
    for index, spec in enumerate(specs):
        if isinstance(spec, Conv):
            last = num_classes is not None and index == convolutions[-1]
            spec = replace(spec, out_channels=num_classes if last else scale_channels(spec.out_channels, width))
        out.append(spec)
    return out


def build(specs: Sequence[Spec], in_channels: int = 3, *, batch_norm: bool = False) -> nn.Sequential:
    """The ``nn.Sequential`` a list of specs describes, the same list :func:`trace` walks.

    Each convolution and hidden FC layer is followed by a ReLU (``batch_norm``: a convolution is followed by
    batch norm first, and loses its bias). The last layer with weights gives the logits, with no ReLU or batch
    norm, except in an all-convolutional net, whose last 1×1 convolution keeps its ReLU (Springenberg et al.).
    FC layers are lazy: one forward pass fixes their inputs.
    """
    from torch import nn

    layers: list[nn.Module] = []
    depth = in_channels
    weighted = [index for index, spec in enumerate(specs) if isinstance(spec, (Conv, FC))]
    all_conv = not any(isinstance(spec, FC) for spec in specs)
    for index, spec in enumerate(specs):
        last = index == weighted[-1]
        if isinstance(spec, Conv):
            bias = spec.bias and not batch_norm
            layers.append(
                nn.Conv2d(
                    depth,
                    spec.out_channels,
                    spec.kernel_size,
                    spec.stride,
                    spec.padding,
                    spec.dilation,
                    spec.groups,
                    bias=bias,
                )
            )
            depth = spec.out_channels
            if batch_norm and not last:
                layers.append(nn.BatchNorm2d(depth))
            if not last or all_conv:
                layers.append(nn.ReLU(inplace=True))
        elif isinstance(spec, Pool):
            if spec.kind == "max":
                layers.append(
                    nn.MaxPool2d(spec.kernel_size, spec.stride, spec.padding, spec.dilation, ceil_mode=spec.ceil_mode)
                )
            elif spec.dilation == 1:
                layers.append(nn.AvgPool2d(spec.kernel_size, spec.stride, spec.padding, ceil_mode=spec.ceil_mode))
            else:
                raise ValueError(f"average pooling has no dilation in PyTorch, got {spec!r}")
        elif isinstance(spec, GlobalAvgPool):
            layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        elif isinstance(spec, Flatten):
            layers.append(nn.Flatten())
        elif isinstance(spec, FC):
            layers.append(nn.LazyLinear(spec.out_features, bias=spec.bias))
            if not last:
                layers.append(nn.ReLU(inplace=True))
        else:
            raise ValueError(f"build() knows Conv, Pool, GlobalAvgPool, Flatten and FC, got {spec!r}")
    return nn.Sequential(*layers)
