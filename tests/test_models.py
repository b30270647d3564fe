"""The model zoo against the papers: parameter counts, volumes, multiply-adds, building blocks, input checks.

Oracles: the papers' tables (numbers typed from the papers), ``classic_cnn.shapes.trace`` of the paper's
layer list, and PyTorch's own functions for the custom layers.
"""

import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from classic_cnn import models as M
from classic_cnn import summary
from classic_cnn.models.alexnet import local_response_norm
from classic_cnn.models.googlenet import TABLE_1
from classic_cnn.models.lenet import (
    C3_TABLE,
    EuclideanRBF,
    PartialConv2d,
    Subsampling,
    connection_table,
    digit_prototypes,
    scaled_tanh,
)
from classic_cnn.models.resnet_cifar import zero_pad_shortcut
from classic_cnn.shapes import FC, Conv, Flatten, Pool, conv_macs, trace


def on_meta(build, *args, **kwargs) -> nn.Module:
    """Build a model on PyTorch's meta device: real modules and shapes, no memory, no arithmetic."""
    with torch.device("meta"):
        return build(*args, **kwargs)


def count(model: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def output_sizes(model: nn.Module, names: list[str]) -> dict[str, tuple[int, ...]]:
    """Per-sample output shape of the named submodules, from a meta-device summary."""
    rows = {row["name"]: row["shape"] for row in summary(model).to_dicts()}
    return {name: rows[name] for name in names}


# --- LeNet-5 ------------------------------------------------------------------------------------


def test_c3_table_follows_the_papers_rules():
    """§II.B: 6 maps from 3 contiguous S2 maps, 6 from 4 contiguous, 3 from 4 non-contiguous, 1 from all."""
    table = connection_table()
    assert table.shape == (6, 16)
    inputs = [set(table[:, j].nonzero().flatten().tolist()) for j in range(16)]
    contiguous = lambda start, size: {(start + k) % 6 for k in range(size)}  # noqa: E731
    assert inputs[:6] == [contiguous(j, 3) for j in range(6)]
    assert inputs[6:12] == [contiguous(j, 4) for j in range(6)]
    for j in range(12, 15):
        assert len(inputs[j]) == 4 and all(inputs[j] != contiguous(s, 4) for s in range(6))
    assert inputs[12:15] == [{0, 1, 3, 4}, {1, 2, 4, 5}, {0, 2, 3, 5}]  # Table I, columns 12-14
    assert inputs[15] == set(range(6))
    assert int(table.sum()) == 60


def test_classic_lenet5_has_60000_trainable_parameters_laid_out_as_in_the_paper():
    model = M.lenet5()
    assert count(model, trainable_only=True) == 60_000
    paper = {  # §II.B: trainable parameters, connections
        "C1": (156, 122_304),
        "S2": (12, 5_880),
        "C3": (1_516, 151_600),
        "S4": (32, 2_000),
        "C5": (48_120, 48_120),
        "F6": (10_164, 10_164),
    }
    ours = {row.layer: (row.params, row.connections) for row in M.layer_counts(model)}
    assert {name: ours[name] for name in paper} == paper
    assert ours["output"][0] == 0  # the RBF prototypes are fixed
    assert "layers.output.prototypes" in model.state_dict()
    assert all("prototypes" not in name for name, _ in model.named_parameters())


def test_partial_conv_equals_one_small_convolution_per_output_map():
    torch.manual_seed(0)
    layer = PartialConv2d(C3_TABLE, kernel_size=5)
    nn.init.normal_(layer.bias)
    x = torch.randn(2, 6, 14, 14)
    table, kernels = connection_table(), iter(layer.weight)
    expected = []
    for j in range(16):  # kernels are stored output map by output map, inputs in order
        sources = table[:, j].nonzero().flatten()
        weight = torch.stack([next(kernels) for _ in sources]).unsqueeze(0)
        expected.append(F.conv2d(x[:, sources], weight, layer.bias[j : j + 1]))
    torch.testing.assert_close(layer(x), torch.cat(expected, dim=1))


def test_subsampling_sums_2x2_blocks_times_a_coefficient_plus_a_bias():
    layer = Subsampling(2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([0.5, -2.0]))
        layer.bias.copy_(torch.tensor([1.0, 3.0]))
    x = torch.arange(2 * 4 * 4, dtype=torch.float32).view(1, 2, 4, 4)
    block = x[0, 0, :2, :2].sum()  # 0 + 1 + 4 + 5
    assert layer(x).shape == (1, 2, 2, 2)
    assert layer(x)[0, 0, 0, 0].item() == pytest.approx(0.5 * block.item() + 1.0)
    assert layer(x)[0, 1, 1, 1].item() == pytest.approx(-2.0 * x[0, 1, 2:, 2:].sum().item() + 3.0)


def test_scaled_tanh_maps_plus_minus_one_to_plus_minus_one():
    """Appendix A: A = 1.7159 and S = 2/3 are chosen so that f(1) = 1 and f(-1) = -1."""
    values = scaled_tanh(torch.tensor([1.0, -1.0, 0.0]))
    torch.testing.assert_close(values, torch.tensor([1.0, -1.0, 0.0]), atol=1e-4, rtol=0)
    assert scaled_tanh(torch.tensor(100.0)).item() == pytest.approx(1.7159)


def test_rbf_output_is_minus_the_squared_distance_to_each_prototype():
    prototypes = digit_prototypes()
    assert prototypes.shape == (10, 84) and set(prototypes.unique().tolist()) == {-1.0, 1.0}
    distances = torch.cdist(prototypes, prototypes, p=1) / 2  # Hamming distance between the ±1 bitmaps
    assert distances[~torch.eye(10, dtype=torch.bool)].min() >= 8  # ten clearly different digits
    x = torch.randn(5, 84)
    torch.testing.assert_close(EuclideanRBF(prototypes)(x), -(torch.cdist(x, prototypes) ** 2), rtol=1e-4, atol=1e-3)


def test_classic_lenet5_trains_with_cross_entropy_on_its_logits():
    torch.manual_seed(0)
    model = M.lenet5()
    x, y = torch.randn(16, 1, 32, 32), torch.randint(0, 10, (16,))
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    with torch.no_grad():
        for p in model.parameters():
            p -= 1e-3 * p.grad
    assert F.cross_entropy(model(x), y) < loss  # a small gradient step lowers the paper's criterion
    torch.testing.assert_close(model.layers.output.prototypes, digit_prototypes())  # never trained


def test_modern_lenet5_matches_the_trace_of_its_layers():
    model = M.lenet5("modern", num_classes=7)
    specs = [Conv(6, 5), Pool(2), Conv(16, 5), Pool(2), Conv(120, 5), Flatten(), FC(84), FC(7)]
    assert count(model) == trace((1, 32, 32), specs).params == 61_706 - 3 * 85
    with pytest.raises(ValueError, match="num_classes must be 10"):
        M.lenet5("paper", num_classes=7)


# --- AlexNet and ZFNet --------------------------------------------------------------------------


def test_local_response_norm_uses_the_papers_alpha():
    """b = a / (k + α Σ_{window of n=5} a²)^β with α = 1e-4, k = 2, β = 0.75 (AlexNet §3.3)."""
    a = torch.randn(1, 7, 3, 3) * 30  # large activations, so the normalization matters
    squares = a.pow(2)
    expected = torch.empty_like(a)
    for c in range(7):
        window = squares[:, max(0, c - 2) : min(7, c + 3)].sum(dim=1)
        expected[:, c] = a[:, c] / (2 + 1e-4 * window) ** 0.75
    torch.testing.assert_close(local_response_norm()(a), expected)


ALEXNET_SPECS = [
    Conv(96, 11, stride=4),
    Pool(3, 2),
    Conv(256, 5, padding=2, groups=2),
    Pool(3, 2),
    Conv(384, 3, padding=1),
    Conv(384, 3, padding=1, groups=2),
    Conv(256, 3, padding=1, groups=2),
    Pool(3, 2),
    Flatten(),
    FC(4096),
    FC(4096),
    FC(1000),
]


def test_original_alexnet_is_the_papers_grouped_network():
    model = on_meta(M.alexnet)
    expected = trace((3, 227, 227), ALEXNET_SPECS)
    assert count(model) == expected.params == 60_965_224  # "60 million parameters"
    conv = {name: getattr(model.features, name) for name in ("conv1", "conv2", "conv3", "conv4", "conv5")}
    assert [c.groups for c in conv.values()] == [1, 2, 1, 2, 2]  # conv3 sees both GPUs' halves
    sizes = output_sizes(model, ["features.pool1", "features.pool2", "features.conv5", "features.pool5"])
    assert sizes == {
        "features.pool1": (96, 27, 27),
        "features.pool2": (256, 13, 13),
        "features.conv5": (256, 13, 13),
        "features.pool5": (256, 6, 6),
    }
    assert summary(model).macs == expected.macs


def test_zfnet_reproduces_the_volumes_of_figure_3():
    names = ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5"]
    sizes = output_sizes(on_meta(M.zfnet), [f"features.{name}" for name in names])
    figure_3 = [
        (96, 110, 110),
        (96, 55, 55),
        (256, 26, 26),
        (256, 13, 13),
        (384, 13, 13),
        (384, 13, 13),
        (256, 13, 13),
        (256, 6, 6),
    ]
    assert list(sizes.values()) == figure_3
    specs = [
        Conv(96, 7, stride=2, padding=1),
        Pool(3, 2, ceil_mode=True),
        Conv(256, 5, stride=2),
        Pool(3, 2, ceil_mode=True),
        Conv(384, 3, padding=1),
        Conv(384, 3, padding=1),
        Conv(256, 3, padding=1),
        Pool(3, 2),
        Flatten(),
        FC(4096),
        FC(4096),
        FC(1000),
    ]
    assert count(on_meta(M.zfnet)) == trace((3, 224, 224), specs).params


# --- VGG ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config, weight_layers, millions",  # Table 1 (weight layers) and Table 2 (parameters, millions)
    [("A", 11, 133), ("A-LRN", 11, 133), ("B", 13, 133), ("C", 16, 134), ("D", 16, 138), ("E", 19, 144)],
)
def test_vgg_configurations_match_tables_1_and_2(config, weight_layers, millions):
    model = on_meta(M.vgg, config)
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(layers) == weight_layers
    assert round(count(model) / 1e6) == millions
    assert sum(isinstance(m, nn.LocalResponseNorm) for m in model.modules()) == (config == "A-LRN")
    one_by_one = [m for m in layers if isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1)]
    assert len(one_by_one) == (3 if config == "C" else 0)


def test_vgg16_has_138357544_parameters():
    assert count(on_meta(M.vgg16)) == 138_357_544


def test_small_vgg_for_the_cpu_is_explicit():
    model = M.vgg11(num_classes=10, width=0.25, input_size=32)
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert model.classifier[0].in_features == 128 and model.classifier[0].out_features == 1024
    with pytest.raises(ValueError, match="multiple of 32"):
        M.vgg11(input_size=40)


# --- GoogLeNet ----------------------------------------------------------------------------------

TABLE_1_ROWS = list(TABLE_1.values())


def test_googlenet_table_1_rows_chain_and_give_its_depths():
    depths = [row[1] + row[3] + row[5] + row[6] for row in TABLE_1_ROWS]
    assert depths == [256, 480, 512, 512, 512, 528, 832, 832, 1024]  # Table 1's "output size" depths
    assert [row[0] for row in TABLE_1_ROWS[1:]] == depths[:-1]  # each module takes the previous output


def test_googlenet_per_module_cost_matches_table_1():
    """Table 1 (params in K = 1024 weights, biases not counted; ops in millions of multiply-adds).

    The paper's table is approximate: our exact counts agree to 2% (or its rounding) except conv1 (the table's 2.7K / 34M do
    not fit a 7×7×3×64 convolution: 9.2K / 118M), inception 4c (params 497.5K vs 463K) and 5a
    (1018K vs 1072K, 51M vs 54M ops).
    """
    model = on_meta(M.googlenet, aux_logits=False)
    rows = {row.name: row for row in summary(model, depth=1).rows}
    modules = dict(model.named_children())

    def weights(*names: str) -> float:
        return sum(p.numel() for n in names for k, p in modules[n].named_parameters() if k.endswith("weight")) / 1024

    table = {  # row: (params K, ops M)
        ("conv2", "conv3"): (112, 360),
        ("inception3a",): (159, 128),
        ("inception3b",): (380, 304),
        ("inception4a",): (364, 73),
        ("inception4b",): (437, 88),
        ("inception4c",): (463, 100),
        ("inception4d",): (580, 119),
        ("inception4e",): (840, 170),
        ("inception5a",): (1072, 54),
        ("inception5b",): (1388, 71),
        ("fc",): (1000, 1),
    }
    for names, (params, ops) in table.items():
        ours_ops = sum(rows[n].macs for n in names) / 1e6
        if names == ("inception5a",):
            assert (weights(*names), round(ours_ops)) == (1018.0, 51)
            continue
        assert abs(ours_ops - ops) <= max(0.02 * ops, 0.5), names  # 2%, or the table's rounding to 1M
        if names != ("inception4c",):
            assert abs(weights(*names) - params) / params < 0.02, names
    assert weights("conv1") == 7 * 7 * 3 * 64 / 1024
    assert rows["conv1"].macs == conv_macs(3, 64, 7, 112, 112)
    # "about 1.5 billion multiply-adds" (§5), 6.8M parameters in the table (K = 1024 weights): ours
    assert round(summary(model).macs / 1e9, 1) == 1.6
    assert round(sum(p.numel() for n, p in model.named_parameters() if n.endswith("weight")) / 1e6, 1) == 7.0


def test_googlenet_returns_auxiliary_logits_in_training_only():
    model = on_meta(M.googlenet, num_classes=5)
    x = torch.zeros(2, 3, 224, 224, device="meta")
    outputs = model.train()(x)
    assert isinstance(outputs, M.GoogLeNetOutputs)
    assert [tuple(t.shape) for t in outputs] == [(2, 5)] * 3
    logits = model.eval()(x)
    assert isinstance(logits, torch.Tensor) and logits.shape == (2, 5)
    assert on_meta(M.googlenet, num_classes=5, aux_logits=False).train()(x).shape == (2, 5)


def test_googlenet_loss_weighs_the_auxiliary_classifiers_by_0_3():
    torch.manual_seed(0)
    logits, aux1, aux2, y = torch.randn(4, 5), torch.randn(4, 5), torch.randn(4, 5), torch.tensor([0, 1, 2, 3])
    expected = F.cross_entropy(logits, y) + 0.3 * (F.cross_entropy(aux1, y) + F.cross_entropy(aux2, y))
    torch.testing.assert_close(M.googlenet_loss(M.GoogLeNetOutputs(logits, aux1, aux2), y), expected)
    torch.testing.assert_close(M.googlenet_loss(logits, y), F.cross_entropy(logits, y))


# --- ResNet -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "depth, paper_gflops, digits",  # Table 1's FLOPs (multiply-adds), ×10⁹
    [(18, 1.8, 2), (34, 3.6, 2), (101, 7.6, 2), (152, 11, 2), (152, 11.3, 3)],
)
def test_resnet_multiply_adds_match_table_1(depth, paper_gflops, digits):
    """ResNet-18/34 are counted as the paper ran them, with parameter-free (option A) shortcuts, i.e.
    without the projection convolutions; the bottleneck nets with their projections (option B)."""
    rows = summary(on_meta(getattr(M, f"resnet{depth}"))).rows
    macs = sum(row.macs for row in rows if depth > 34 or "downsample" not in row.name)
    assert float(f"{macs / 1e9:.{digits}g}") == paper_gflops


def test_resnet50_multiply_adds_paper_and_v15():
    """ResNet-50 gives 3.86 ×10⁹, 2% above Table 1's 3.8 (which would be 3.9 rounded). torchvision's v1.5
    moves the stride to the 3×3, so the first 1×1 of conv3_1, conv4_1, conv5_1 runs at twice the side."""
    paper, v15 = summary(on_meta(M.resnet50)).macs, summary(on_meta(M.resnet50, stride_in="3x3")).macs
    assert abs(paper / 3.8e9 - 1) < 0.02
    extra = sum(
        conv_macs(in_channels, width, 1, 2 * side, 2 * side) - conv_macs(in_channels, width, 1, side, side)
        for in_channels, width, side in [(256, 128, 28), (512, 256, 14), (1024, 512, 7)]
    )
    assert v15 - paper == extra
    assert round(v15 / 1e9, 1) == 4.1


@pytest.mark.parametrize(
    "depth, millions, digits", [(20, 0.27, 2), (32, 0.46, 2), (44, 0.66, 2), (56, 0.85, 2), (110, 1.7, 1)]
)
def test_cifar_resnets_have_the_parameters_of_table_6(depth, millions, digits):
    resnet, plain = getattr(M, f"resnet{depth}")(), getattr(M, f"plain{depth}")()
    assert round(count(resnet) / 1e6, digits) == millions
    assert count(plain) == count(resnet)  # option A shortcuts have no parameters
    convs = [m for m in resnet.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) + 1 == depth  # 6n + 1 convolutions and the fc layer


def test_option_a_shortcut_subsamples_and_pads_with_zeros():
    x = torch.randn(2, 16, 8, 8)
    out = zero_pad_shortcut(x, 32, stride=2)
    assert out.shape == (2, 32, 4, 4)
    torch.testing.assert_close(out[:, :16], x[:, :, ::2, ::2])
    assert out[:, 16:].abs().sum() == 0


def test_resnet_blocks_and_shortcuts():
    first = on_meta(M.resnet50).layer2[0]
    assert isinstance(first, M.Bottleneck) and M.Bottleneck.expansion == 4 and M.BasicBlock.expansion == 1
    assert (first.conv1.stride, first.conv2.stride) == ((2, 2), (1, 1))  # the paper: stride in the 1×1
    v15 = on_meta(M.resnet50, stride_in="3x3").layer2[0]
    assert (v15.conv1.stride, v15.conv2.stride) == ((1, 1), (2, 2))
    assert isinstance(first.downsample[0], nn.Conv2d) and first.downsample[0].kernel_size == (1, 1)  # option B


# --- every model: a forward pass at the paper's input size; shape checks ------------------------

# The registry's networks (the papers' models), plus the other variants the book builds.
MODELS = {
    **M.ARCHITECTURES,
    "lenet5-modern": lambda: M.lenet5("modern"),
    "alexnet-torchvision": lambda: M.alexnet(variant="torchvision"),
    **{f"vgg-{c}": lambda c=c: M.vgg(c) for c in ("A-LRN", "C")},
    "vgg16-bn": lambda: M.vgg16(batch_norm=True),
    "googlenet-torchvision": lambda: M.googlenet(variant="torchvision"),
}
CIFAR_NETS = {f"{kind}{d}" for kind in ("resnet", "plain") for d in (20, 32, 44, 56, 110)}
IMAGENET_NETS = {
    "zfnet",
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
    "googlenet",
    *(f"resnet{d}" for d in (18, 34, 50, 101, 152)),
}


def test_the_registry_holds_every_network_of_the_book_at_its_papers_input():
    papers = {"lenet5": (1, 32, 32), "alexnet": (3, 227, 227)}
    papers |= {name: (3, 224, 224) for name in IMAGENET_NETS} | {name: (3, 32, 32) for name in CIFAR_NETS}
    assert {name: on_meta(build).input_size for name, build in M.ARCHITECTURES.items()} == papers


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_forward_pass_at_the_paper_input_size(name):
    model = MODELS[name]().eval()
    size = model.input_size
    classes = 10 if size[-1] == 32 else 1000
    spec = model.input_spec
    with torch.inference_mode():
        out = model(torch.randn(1, *size))
        assert out.shape == (1, classes) and torch.isfinite(out).all()
        if spec.min_size is None:  # built for one size: any other is refused, naming the expected volume
            with pytest.raises(
                ValueError, match=re.escape(f"{model.name} expects {size[0]}×{size[1]}×{size[2]} inputs, got")
            ):
                model(torch.randn(1, size[0], size[1] - 4, size[2] - 4))
        else:  # size-agnostic: a larger image works, one below the minimum is refused with the rule
            assert model(torch.randn(1, size[0], size[1] + 16, size[2] + 16)).shape == (1, classes)
            with pytest.raises(ValueError, match=f"any side ≥ {spec.min_size}"):
                model(torch.randn(1, size[0], spec.min_size - 1, spec.min_size - 1))


def test_old_variant_names_still_work_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="variant='classic' is now variant='paper'"):
        assert on_meta(M.lenet5, "classic").variant == "paper"
    with pytest.warns(DeprecationWarning, match="variant='original' is now variant='paper'"):
        assert on_meta(M.alexnet, variant="original").variant == "paper"
    with pytest.raises(ValueError, match="LeNet-5's variant must be one of 'paper', 'modern', got 'torchvision'"):
        on_meta(M.lenet5, "torchvision")


def test_input_checks_speak_to_students():
    """The check runs before any computation: these models live on the meta device, the inputs on the CPU."""
    with pytest.raises(ValueError, match=r"LeNet-5 expects 1×32×32 inputs, got 1×28×28 — pad MNIST by 2 pixels"):
        on_meta(M.lenet5)(torch.zeros(4, 1, 28, 28))
    with pytest.raises(ValueError, match=r"N×1×32×32, got a tensor of shape \(1, 32, 32\).*unsqueeze"):
        on_meta(M.lenet5)(torch.zeros(1, 32, 32))
    with pytest.raises(ValueError, match=r"expects 1×32×32 inputs, got 3×32×32 — convert the images to grayscale"):
        on_meta(M.lenet5, "modern")(torch.zeros(1, 3, 32, 32))
    with pytest.raises(ValueError, match=r"AlexNet expects 3×227×227 inputs, got 3×224×224 .*227"):
        on_meta(M.alexnet)(torch.zeros(1, 3, 224, 224))
    with pytest.raises(ValueError, match=r"ResNet-20 expects 3×H×W \(any side ≥ 4\) inputs, got 1×32×32 .*expand"):
        on_meta(M.resnet20)(torch.zeros(1, 1, 32, 32))
    with pytest.raises(ValueError, match=r"VGG-11 expects 3×224×224 inputs, got 3×64×64 .*input_size=64"):
        on_meta(M.vgg11)(torch.zeros(1, 3, 64, 64))
    with pytest.raises(ValueError, match="depth must be 6n"):
        M.CifarResNet(21)
