"""shapes against its oracles: PyTorch's own modules for sizes and counts, the papers for the traces."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from classic_cnn.shapes import (
    FC,
    Conv,
    Flatten,
    GlobalAvgPool,
    Pool,
    Volume,
    conv_macs,
    conv_output_size,
    conv_params,
    fc_params,
    pool_output_size,
    receptive_field,
    same_padding,
    trace,
    volume_memory,
)


def torch_output(module: nn.Module, height: int, width: int) -> tuple[int, int] | None:
    """What PyTorch produces for a 1×1×H×W input, or None where PyTorch refuses the setting."""
    try:
        with torch.no_grad():
            out = module(torch.zeros(1, 1, height, width))
    except RuntimeError:
        return None
    return tuple(out.shape[-2:]) if out.numel() else None


def ours(function, *args, **kwargs) -> int | None:
    try:
        return function(*args, **kwargs)
    except ValueError:
        return None


sizes = st.integers(1, 40)
kernels = st.integers(1, 9)
strides = st.integers(1, 6)
paddings = st.integers(0, 5)
dilations = st.integers(1, 3)


# --- output sizes equal PyTorch's, and refusals coincide ---------------------------------------


@given(height=sizes, width=sizes, kernel=kernels, stride=strides, padding=paddings, dilation=dilations)
def test_conv_output_size_matches_conv2d(height, width, kernel, stride, padding, dilation):
    conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    expected = torch_output(conv, height, width)
    got = [ours(conv_output_size, n, kernel, stride, padding, dilation) for n in (height, width)]
    assert (None if None in got else tuple(got)) == expected


@given(
    height=sizes,
    width=sizes,
    kernel=kernels,
    stride=strides,
    padding=paddings,
    dilation=dilations,
    ceil_mode=st.booleans(),
)
def test_pool_output_size_matches_maxpool2d(height, width, kernel, stride, padding, dilation, ceil_mode):
    pool = nn.MaxPool2d(kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    expected = torch_output(pool, height, width)
    got = [ours(pool_output_size, n, kernel, stride, padding, dilation, ceil_mode=ceil_mode) for n in (height, width)]
    assert (None if None in got else tuple(got)) == expected


@given(height=sizes, width=sizes, kernel=kernels, stride=strides, padding=paddings, ceil_mode=st.booleans())
def test_pool_output_size_matches_avgpool2d(height, width, kernel, stride, padding, ceil_mode):
    pool = nn.AvgPool2d(kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)
    expected = torch_output(pool, height, width)
    got = [ours(pool_output_size, n, kernel, stride, padding, ceil_mode=ceil_mode) for n in (height, width)]
    assert (None if None in got else tuple(got)) == expected


@given(size=sizes, kernel=kernels, stride=strides, padding=paddings, dilation=dilations)
def test_strict_raises_exactly_when_the_stride_leaves_input_unvisited(size, kernel, stride, padding, dilation):
    floor = ours(conv_output_size, size, kernel, stride, padding, dilation)
    if floor is None:
        return
    last_window_end = (floor - 1) * stride + dilation * (kernel - 1) + 1  # in the padded input
    fits = last_window_end == size + 2 * padding
    if fits:
        assert conv_output_size(size, kernel, stride, padding, dilation, strict=True) == floor
    else:
        with pytest.raises(ValueError, match=f"stride {stride} does not fit"):
            conv_output_size(size, kernel, stride, padding, dilation, strict=True)


@given(size=st.integers(1, 60), kernel=st.sampled_from([1, 3, 5, 7, 9, 11]), stride=strides, dilation=dilations)
def test_same_padding_keeps_size_at_stride_one_and_divides_it_by_the_stride(size, kernel, stride, dilation):
    padding = same_padding(kernel, stride, dilation)
    conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    assert torch_output(conv, size, size) == (math.ceil(size / stride),) * 2
    if stride == 1:
        same = nn.Conv2d(1, 1, kernel, padding="same", dilation=dilation)
        assert torch_output(same, size, size) == (size, size)


# --- parameter counts equal the modules' ---------------------------------------------------------


@given(
    groups=st.integers(1, 4),
    in_per_group=st.integers(1, 4),
    out_per_group=st.integers(1, 4),
    kernel=st.one_of(kernels, st.tuples(kernels, kernels)),
    bias=st.booleans(),
)
def test_conv_params_matches_conv2d(groups, in_per_group, out_per_group, kernel, bias):
    in_channels, out_channels = groups * in_per_group, groups * out_per_group
    conv = nn.Conv2d(in_channels, out_channels, kernel, groups=groups, bias=bias)
    expected = sum(p.numel() for p in conv.parameters())
    assert conv_params(in_channels, out_channels, kernel, bias=bias, groups=groups) == expected


@given(in_features=st.integers(1, 300), out_features=st.integers(1, 300), bias=st.booleans())
def test_fc_params_matches_linear(in_features, out_features, bias):
    linear = nn.Linear(in_features, out_features, bias=bias)
    assert fc_params(in_features, out_features, bias) == sum(p.numel() for p in linear.parameters())


# --- invalid input: a clear ValueError naming the constraint ---------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: conv_output_size(5, 7),
            r"kernel_size 7 is larger than the padded input: input_size 5 \+ 2\*padding 0 = 5",
        ),
        (lambda: conv_output_size(5, 3, dilation=3), r"kernel_size 3 \(dilated to 7\) is larger than the padded input"),
        (lambda: conv_output_size(7, 3, stride=0), r"stride must be >= 1, got 0"),
        (lambda: conv_output_size(7, 3, padding=-1), r"padding must be >= 0, got -1"),
        (lambda: conv_output_size(7.5, 3), r"input_size must be an integer, got 7.5"),
        (lambda: conv_output_size(7, True), r"kernel_size must be an integer, got True"),
        (lambda: conv_output_size(7, 3, stride=3, strict=True), r"stride 3 does not fit: .* = 4 is not a multiple"),
        (lambda: pool_output_size(7, 2, padding=2), r"padding 2 must be at most half the kernel_size 2"),
        (lambda: same_padding(4), r"kernel span 4 is even"),
        (lambda: conv_params(3, 4, 3, groups=2), r"in_channels 3 must be divisible by groups 2"),
        (lambda: receptive_field([FC(10)]), r"conv and pool layers only"),
        (lambda: conv_macs(3, 4, 3, 5, 5, groups=2), r"in_channels 3 must be divisible by groups 2"),
        (lambda: conv_macs(3.5, 4, 3, 5, 5), r"in_channels must be an integer, got 3.5"),
        (lambda: conv_macs(3, 4, 3, -5, 5), r"output_height must be >= 1, got -5"),
    ],
)
def test_invalid_input_raises_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_tracer_names_the_layer_whose_input_depth_mismatches():
    with pytest.raises(
        ValueError, match=r"layer 3 \(C3\): conv expects input depth 3, but the volume reaching it is 14×14×6"
    ):
        trace((1, 32, 32), [Conv(6, 5, name="C1"), Pool(2), Conv(16, 5, in_channels=3, name="C3")])
    with pytest.raises(ValueError, match=r"expects 500 input features, but the vector reaching it has 400"):
        trace((16, 5, 5), [Flatten(), FC(120, in_features=500)])
    with pytest.raises(ValueError, match=r"must be flattened first"):
        trace((16, 5, 5), [FC(120)])
    with pytest.raises(ValueError, match=r"layer 1 \(Conv\): kernel_size 5 is larger than the padded input"):
        trace((1, 3, 3), [Conv(6, 5)])


# --- the lectures' traces, asserted exactly ------------------------------------------------------

LENET5 = [Conv(6, 5), Pool(2), Conv(16, 5), Pool(2), Flatten(), FC(120), FC(84), FC(10)]
ALEXNET = [
    Conv(96, 11, stride=4),
    Pool(3, 2),
    Conv(256, 5, padding=2),
    Pool(3, 2),
    Conv(384, 3, padding=1),
    Conv(384, 3, padding=1),
    Conv(256, 3, padding=1),
    Pool(3, 2),
    Flatten(),
    FC(4096),
    FC(4096),
    FC(1000),
]


def vgg16_specs() -> list:
    specs = []
    for width, convs in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        specs += [Conv(width, 3, padding=1) for _ in range(convs)] + [Pool(2)]
    return specs + [Flatten(), FC(4096), FC(4096), FC(1000)]


def test_lenet5_trace():
    lenet = trace((1, 32, 32), LENET5)
    assert lenet.sizes == ["32×32×1", "28×28×6", "14×14×6", "10×10×16", "5×5×16", "400", "120", "84", "10"]


def test_alexnet_trace():
    alexnet = trace((3, 227, 227), ALEXNET)
    assert alexnet.sizes == [
        "227×227×3",
        "55×55×96",
        "27×27×96",
        "27×27×256",
        "13×13×256",
        "13×13×384",
        "13×13×384",
        "13×13×256",
        "6×6×256",
        "9216",
        "4096",
        "4096",
        "1000",
    ]
    assert alexnet.rows[0].params == 34_944 == (11 * 11 * 3 + 1) * 96


def test_vgg16_trace_parameters_and_activations():
    vgg16 = trace((3, 224, 224), vgg16_specs())
    assert vgg16.rows[-5].output == Volume(512, 7, 7)
    assert vgg16.params == 138_357_544
    # FC6 holds 7·7·512·4096 = 102,760,448 weights: three quarters of the network.
    assert vgg16.rows[-3].params == 102_760_448 + 4096
    conv_activations = [row.activations for row in vgg16.rows if row.layer.startswith("conv")]
    assert (
        conv_activations
        == [224 * 224 * 64] * 2
        + [112 * 112 * 128] * 2
        + [56 * 56 * 256] * 3
        + [28 * 28 * 512] * 3
        + [14 * 14 * 512] * 3
    )
    # Every layer output of one forward pass plus the 224×224×3 input: 15.2M numbers, 61 MB in float32 —
    # not the "24M activations ≈ 93 MB" often quoted from lecture notes (their own rows add up to 15.2M).
    # Flatten is a view and stores nothing.
    assert [row.activations for row in vgg16.rows if row.layer == "flatten"] == [0]
    total = vgg16.input.activations + vgg16.activations
    assert total == 15_237_608
    assert total * 4 == 60_950_432


def test_trace_totals_and_table():
    lenet = trace((1, 32, 32), LENET5)
    assert lenet.params == 156 + 2_416 + 48_120 + 10_164 + 850
    assert lenet.macs == 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10
    table = lenet.table()
    assert "28×28×6" in table and table.splitlines()[-1].split()[1] == f"{lenet.params:,}"


def test_global_average_pooling_trace():
    assert trace((1024, 7, 7), [GlobalAvgPool(), Flatten(), FC(1000)]).sizes == ["7×7×1024", "1×1×1024", "1024", "1000"]


# --- receptive field and memory -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([(3, 1)] * 3, 7),  # three 3×3 convs see what one 7×7 sees
        ([(3, 1)] * 2, 5),
        ([(5, 1), (2, 2), (5, 1), (2, 2)], 16),  # LeNet-5 C1..S4
        (ALEXNET[:8], 195),
    ],
)
def test_receptive_field(layers, expected):
    assert receptive_field(layers) == expected


@pytest.mark.slow  # a backward pass through up to 5 convolutions on images of up to 500×500, per example
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3)), min_size=1, max_size=5))
def test_receptive_field_matches_the_gradient_of_a_real_stack(layers):
    """The receptive field is the set of input pixels whose gradient reaches the centre output."""
    size = receptive_field(layers) + 2 * math.prod(stride for _, stride in layers)
    stack = nn.Sequential(*[nn.Conv2d(1, 1, k, s, bias=False) for k, s in layers])
    for conv in stack:
        nn.init.ones_(conv.weight)
    image = torch.zeros(1, 1, size, size, requires_grad=True)
    out = stack(image)
    out[0, 0, out.shape[-2] // 2, out.shape[-1] // 2].backward()
    rows = image.grad[0, 0].abs().sum(dim=1).nonzero()
    assert rows.max().item() - rows.min().item() + 1 == receptive_field(layers)


def test_volume_memory_in_float32():
    assert volume_memory((3, 224, 224)) == 602_112
    assert Volume(64, 224, 224).memory() == 224 * 224 * 64 * 4
    assert str(Volume(96, 55, 55)) == "55×55×96"
