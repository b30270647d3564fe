"""Chapter 6 helpers (classic_cnn.experiments.googlenet) against the paper's Table 1 and PyTorch."""

import pytest
import torch
from torch import nn

from classic_cnn.experiments import googlenet as experiment
from classic_cnn.models import GoogLeNetOutputs, InceptionModule, googlenet

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
    ours = sum(experiment.inception_multiply_adds(experiment.TABLE_1[name], size).values()) / 1e6
    if name == "5a":  # the table prints 54M; its own row (832 in, 7×7) gives 51.1M
        assert round(ours, 1) == 51.1
    else:  # the table rounds inconsistently (73.6 → 73, 118.5 → 119): agree within 1M
        assert abs(ours - ops) < 1


def test_bottleneck_saving_of_the_5x5_branch():
    naive = experiment.inception_multiply_adds(experiment.TABLE_1["3a"], 28, reductions=False)
    reduced = experiment.inception_multiply_adds(experiment.TABLE_1["3a"], 28)
    assert naive["5x5"] == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    assert reduced["5x5"] == 28 * 28 * 16 * 192 + 28 * 28 * 32 * 5 * 5 * 16 == 12_443_648
    assert (
        experiment.output_channels(experiment.TABLE_1["3a"]) == InceptionModule(experiment.TABLE_1["3a"]).out_channels
    )
    assert experiment.output_channels(experiment.TABLE_1["3a"], reductions=False) == 64 + 128 + 32 + 192


def test_inception_multiply_adds_rejects_short_rows():
    with pytest.raises(ValueError, match="7 numbers"):
        experiment.inception_multiply_adds((192, 64, 96), 28)


@pytest.mark.parametrize("variant", ["paper", "torchvision"])
def test_depth_is_22_layers_or_27_with_pooling(variant):
    # "22 layers deep when counting only layers with parameters (or 27 layers if we also count pooling)"
    with torch.device("meta"):
        model = googlenet(variant=variant)
    assert experiment.depth_in_layers(model) == {"with parameters": 22, "with pooling": 27}


def test_scaled_row():
    assert experiment.scaled_row(experiment.TABLE_1["3a"], 1.0, 192) == experiment.TABLE_1["3a"]
    assert experiment.scaled_row(experiment.TABLE_1["3a"], 0.125, 24) == (24, 8, 12, 16, 2, 4, 4)
    with pytest.raises(ValueError, match="width"):
        experiment.scaled_row(experiment.TABLE_1["3a"], 0, 24)


def test_small_googlenet_outputs_by_mode():
    torch.manual_seed(0)
    model = experiment.SmallGoogLeNet(num_classes=10, width=0.125)
    images = torch.randn(2, 3, 32, 32)
    outputs = model.train()(images)
    assert isinstance(outputs, GoogLeNetOutputs)
    assert [tuple(o.shape) for o in outputs] == [(2, 10)] * 3
    assert tuple(model.eval()(images).shape) == (2, 10)
    plain = experiment.SmallGoogLeNet(num_classes=10, width=0.125, aux_logits=False).train()
    assert isinstance(plain(images), torch.Tensor)
    assert plain.aux1 is None and plain.aux2 is None


def test_small_googlenet_modules_follow_table_1_scaled():
    model = experiment.SmallGoogLeNet(width=0.5)
    assert model.inception3a.out_channels == sum(round(c * 0.5) for c in (64, 128, 32, 32))
    assert isinstance(model.avgpool, nn.AdaptiveAvgPool2d) and model.fc.in_features == model.inception5b.out_channels
    with pytest.raises(ValueError, match="multiple of 8"):
        experiment.SmallGoogLeNet(input_size=30)


def test_aux_settings_by_profile():
    quick = experiment.aux_settings("quick")
    assert quick.recipe().aux_weight == 0.3 and quick.recipe().epochs == quick.epochs
    with pytest.raises(ValueError, match="profile"):
        experiment.aux_settings("medium")
