"""GoogLeNet's Table 1, its flavours and chapter 6's small network, against the paper and PyTorch."""

import pytest
import torch
from torch import nn

from classic_cnn.experiments import googlenet as experiment
from classic_cnn.models import GoogLeNetOutputs, InceptionModule, googlenet, small_googlenet
from classic_cnn.models.googlenet import (
    PAPER,
    TABLE_1,
    InceptionNet,
    inception_multiply_adds,
    output_channels,
    scaled_row,
)
from classic_cnn.profile import pick

# Szegedy et al. 2014, Table 1, "ops" column (millions of multiply-adds) and the input size of each module
TABLE_1_OPS = {
    "3a": (28, 128),
    "3b": (28, 304),
    "4a": (14, 73),
    "4b": (14, 88),
    "4c": (14, 100),
    "4d": (14, 119),
    "4e": (14, 170),
    "5a": (7, 54),
    "5b": (7, 71),
}


@pytest.mark.parametrize("name", TABLE_1_OPS)
def test_inception_multiply_adds_match_table_1(name):
    size, ops = TABLE_1_OPS[name]
    ours = sum(inception_multiply_adds(TABLE_1[name], size).values()) / 1e6
    if name == "5a":  # the table prints 54M; its own row (832 in, 7×7) gives 51.1M
        assert round(ours, 1) == 51.1
    else:  # the table rounds inconsistently (73.6 → 73, 118.5 → 119): agree within 1M
        assert abs(ours - ops) < 1


def test_bottleneck_saving_of_the_5x5_branch():
    naive = inception_multiply_adds(TABLE_1["3a"], 28, reductions=False)
    reduced = inception_multiply_adds(TABLE_1["3a"], 28)
    assert naive["5x5"] == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    assert reduced["5x5"] == 28 * 28 * 16 * 192 + 28 * 28 * 32 * 5 * 5 * 16 == 12_443_648
    assert output_channels(TABLE_1["3a"]) == InceptionModule(TABLE_1["3a"]).out_channels
    assert output_channels(TABLE_1["3a"], reductions=False) == 64 + 128 + 32 + 192


def test_inception_multiply_adds_rejects_short_rows():
    with pytest.raises(ValueError, match="7 numbers"):
        inception_multiply_adds((192, 64, 96), 28)


def test_the_flavours_are_data_and_both_networks_walk_the_same_stages():
    with pytest.raises(AttributeError):
        PAPER.dropout = 0.5  # frozen: a flavour is a description, not a setting to tweak in place
    with torch.device("meta"):
        paper, port = googlenet(), googlenet(variant="torchvision")
    assert isinstance(paper, InceptionNet) and isinstance(small_googlenet(), InceptionNet)
    # Szegedy et al. 2014, Table 1 and Fig. 3: 5×5 branch, LRN, 3×3/2 pooling before 5a, 7×7 average, dropout 0.4
    assert (
        paper.inception3a.branch3[1].conv.kernel_size == (5, 5) and paper.inception3a.branch3[1].conv.bias is not None
    )
    assert isinstance(paper.lrn1, nn.LocalResponseNorm) and isinstance(paper.lrn2, nn.LocalResponseNorm)
    assert (paper.maxpool4.kernel_size, paper.maxpool4.stride) == (3, 2)
    assert isinstance(paper.avgpool, nn.AvgPool2d) and paper.avgpool.kernel_size == 7 and paper.dropout.p == 0.4
    assert (paper.aux1.pool.kernel_size, paper.aux1.pool.stride) == (5, 3)
    # torchvision's port: batch norm (eps 0.001) without conv biases, a 3×3 "5x5" branch, 2×2/2, adaptive pools
    branch = port.inception3a.branch3[1]
    assert branch.conv.kernel_size == (3, 3) and branch.conv.bias is None and branch.bn.eps == 0.001
    assert port.lrn1 is None and port.lrn2 is None
    assert (port.maxpool4.kernel_size, port.maxpool4.stride) == (2, 2) and port.dropout.p == 0.2
    assert isinstance(port.avgpool, nn.AdaptiveAvgPool2d) and port.aux1.pool.output_size == (4, 4)
    assert port.aux1.fc1.in_features == paper.aux1.fc1.in_features == 128 * 4 * 4


def test_scaled_row():
    assert scaled_row(TABLE_1["3a"], 1.0, 192) == TABLE_1["3a"]
    assert scaled_row(TABLE_1["3a"], 0.125, 24) == (24, 8, 12, 16, 2, 4, 4)
    with pytest.raises(ValueError, match="width"):
        scaled_row(TABLE_1["3a"], 0, 24)


def test_small_googlenet_outputs_by_mode():
    torch.manual_seed(0)
    model = small_googlenet(num_classes=10, width=0.125)
    images = torch.randn(2, 3, 32, 32)
    outputs = model.train()(images)
    assert isinstance(outputs, GoogLeNetOutputs)
    assert [tuple(o.shape) for o in outputs] == [(2, 10)] * 3
    assert tuple(model.eval()(images).shape) == (2, 10)
    plain = small_googlenet(num_classes=10, width=0.125, aux_logits=False).train()
    assert isinstance(plain(images), torch.Tensor)
    assert plain.aux1 is None and plain.aux2 is None


def test_small_googlenet_modules_follow_table_1_scaled():
    model = small_googlenet(width=0.5)
    assert model.inception3a.out_channels == sum(round(c * 0.5) for c in (64, 128, 32, 32))
    assert isinstance(model.avgpool, nn.AdaptiveAvgPool2d) and model.fc.in_features == model.inception5b.out_channels


def test_small_googlenet_takes_any_multiple_of_8_from_16():
    model = small_googlenet()
    assert model.input_size == (3, 32, 32)  # what a summary traces
    for side in (16, 24, 40, 64):
        outputs = model.train()(torch.zeros(2, 3, side, side))
        assert [tuple(o.shape) for o in outputs] == [(2, 10)] * 3, side
    for side in (8, 20, 33):
        with pytest.raises(ValueError, match="a multiple of 8, ≥ 16"):
            model(torch.zeros(1, 3, side, side))
    assert small_googlenet(in_channels=1).eval()(torch.zeros(1, 1, 16, 16)).shape == (1, 10)


def test_aux_settings_by_profile():
    quick = pick(experiment.AUX_SETTINGS, "quick")
    assert quick.recipe().aux_weight == 0.3 and quick.recipe().epochs == quick.epochs
    with pytest.raises(ValueError, match="profile"):
        pick(experiment.AUX_SETTINGS, "medium")


def test_modules_are_registered_in_running_order():
    """The stem before the stages: the first convolution is the first layer (viz.show_filters, summaries), the
    initialization draws follow the network, and the state_dict lists its keys in torchvision's order."""
    torchvision = pytest.importorskip("torchvision")
    with torch.device("meta"):
        ours = googlenet(variant="torchvision").state_dict()
        theirs = torchvision.models.googlenet(aux_logits=True, init_weights=False).state_dict()
    assert list(ours) == list(theirs)
    first = next(name for name, module in small_googlenet().named_modules() if isinstance(module, nn.Conv2d))
    assert first == "stem.0"
