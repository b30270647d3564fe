"""Chapter 5 helpers (classic_cnn.experiments.vgg) against PyTorch and the paper."""

import math

import pytest
import torch
from torch import nn

from classic_cnn import summary
from classic_cnn.experiments import vgg as experiment
from classic_cnn.models import vgg, vgg16
from classic_cnn.models.init import init_weights
from classic_cnn.profile import pick
from classic_cnn.train import PAPER_RECIPES


def test_vgg16_forward_memory_matches_hand_count():
    # input, then each conv/pool output of configuration D at 224, then FC6, FC7, FC8 (Table 1)
    volumes = [(224, 3)] + [(224, 64)] * 2 + [(112, 64)] + [(112, 128)] * 2 + [(56, 128)]
    volumes += [(56, 256)] * 3 + [(28, 256)] + [(28, 512)] * 3 + [(14, 512)] + [(14, 512)] * 3 + [(7, 512)]
    by_hand = sum(size * size * depth for size, depth in volumes) + 4096 + 4096 + 1000
    with torch.device("meta"):
        table = summary(vgg16())
    kept = [row for row in table.rows if row.layer != "AdaptiveAvgPool2d"]
    assert table.input.activations + sum(row.activations for row in kept) == by_hand == 15_237_608
    assert table.params == 138_357_544


def test_normal_init_has_the_papers_variance():
    torch.manual_seed(0)
    layers = nn.Sequential(nn.Conv2d(64, 256, 3), nn.Linear(300, 400))
    model = init_weights(layers, "normal", std=experiment.PAPER_INIT_STD)
    for layer in model:
        assert layer.weight.std().item() == pytest.approx(0.1, rel=0.02)  # 10^-2 variance
        assert torch.count_nonzero(layer.bias) == 0


def test_he_init_keeps_relu_variance():
    torch.manual_seed(0)
    layer = init_weights(nn.Conv2d(128, 128, 3), "he")
    assert layer.weight.var().item() == pytest.approx(2 / (128 * 9), rel=0.05)


def test_xavier_init_uses_the_gain_of_tanh():
    torch.manual_seed(0)
    layer = init_weights(nn.Linear(400, 600), "xavier", nonlinearity="tanh")
    assert layer.weight.var().item() == pytest.approx((5 / 3) ** 2 * 2 / (400 + 600), rel=0.02)  # Glorot's 2/(in+out)
    with pytest.raises(ValueError, match="scheme"):
        init_weights(layer, "lecun")


def test_signal_collapses_without_batch_norm_and_not_with_it():
    torch.manual_seed(0)
    images = torch.randn(16, 3, 32, 32)
    plain = experiment.signal_by_depth(vgg("E", 10, width=0.125, input_size=32), images)
    normalized = experiment.signal_by_depth(vgg("E", 10, True, width=0.125, input_size=32), images)
    assert len(plain) == len(normalized) == 16 + 2  # one ReLU per convolution and per hidden FC layer
    assert plain[15] < 1e-4 * plain[0]
    # a ReLU of a unit normal has standard deviation sqrt(1/2 - 1/(2π)) ≈ 0.58
    expected = math.sqrt(0.5 - 1 / (2 * math.pi))
    assert all(abs(value - expected) < 0.15 for value in normalized[:16])


def test_signal_by_depth_restores_mode_and_rejects_single_images():
    model = vgg("A", 10, width=0.125, input_size=32).eval()
    experiment.signal_by_depth(model, torch.randn(2, 3, 32, 32))
    assert not model.training
    with pytest.raises(ValueError, match="batch"):
        experiment.signal_by_depth(model, torch.randn(3, 32, 32))


def test_depth_settings_by_profile():
    quick, full = pick(experiment.DEPTH_SETTINGS, "quick"), pick(experiment.DEPTH_SETTINGS, "full")
    assert (quick.data, full.data) == ("patterns", "cifar10")
    assert full.recipe().momentum == PAPER_RECIPES["vgg"].momentum == 0.9
    assert quick.recipe().epochs == quick.epochs
    with pytest.raises(ValueError, match="profile"):
        pick(experiment.DEPTH_SETTINGS, "huge")
