"""The AlexNet chapter's small networks and timer, against PyTorch and the arithmetic of shapes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from classic_cnn.data import Augment, make_patterns
from classic_cnn.experiments.alexnet import (
    RELU_VS_TANH,
    SmallAlexNet,
    four_layer_cnn,
    max_pool,
    mean_slopes,
    steps_to_error,
)
from classic_cnn.profile import pick
from classic_cnn.shapes import pool_output_size
from classic_cnn.train import Recipe, Trainer


@pytest.mark.parametrize("overlapping", [True, False])
def test_both_poolings_halve_even_sizes(overlapping):
    for size in (32, 16, 8):
        out = max_pool(overlapping)(torch.zeros(1, 1, size, size))
        assert out.shape[-1] == size // 2
    # the overlapping pool is AlexNet's 3×3/2 (padded by 1), the other the tiling 2×2/2
    assert pool_output_size(32, 3, 2, padding=1) == 16 == pool_output_size(32, 2, 2)


@pytest.mark.parametrize(
    "switches",
    [
        {},
        {"overlapping": False},
        {"lrn": False},
        {"dropout": 0.0},
        {"activation": "tanh"},
        {"first": (7, 2, 3)},
    ],
)
def test_small_alexnet_layout(switches):
    model = SmallAlexNet(num_classes=7, **switches)
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 7)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert len(convs) == 5 and len(linears) == 3  # AlexNet: five convolutions, three fully connected
    norms = [m for m in model.modules() if isinstance(m, nn.LocalResponseNorm)]
    assert len(norms) == (0 if switches.get("lrn") is False else 2)
    activation = nn.Tanh if switches.get("activation") == "tanh" else nn.ReLU
    assert sum(isinstance(m, activation) for m in model.modules()) == 7


def test_small_alexnet_rejects_bad_settings():
    with pytest.raises(ValueError, match="5 convolutions"):
        SmallAlexNet(widths=(8, 8, 8))
    with pytest.raises(ValueError, match="dropout"):
        SmallAlexNet(dropout=1.0)
    with pytest.raises(ValueError, match="activation"):
        SmallAlexNet(activation="sigmoid")


def test_four_layer_cnn_counts():
    model = four_layer_cnn("relu", input_size=(3, 16, 16), widths=(16, 16, 32))
    assert model(torch.zeros(1, 3, 16, 16)).shape == (1, 10)
    expected = (5 * 5 * 3 + 1) * 16 + (5 * 5 * 16 + 1) * 16 + (5 * 5 * 16 + 1) * 32 + (32 * 2 * 2 + 1) * 10
    assert sum(p.numel() for p in model.parameters()) == expected


def test_one_initialization_gives_both_activations_the_same_weights():
    nets = {}
    for activation in ("relu", "tanh"):
        torch.manual_seed(3)
        nets[activation] = four_layer_cnn(activation, input_size=(3, 16, 16), widths=(4, 4, 8), init="he")
    for relu, tanh in zip(nets["relu"].parameters(), nets["tanh"].parameters()):
        assert torch.equal(relu, tanh)
    torch.manual_seed(3)
    own = four_layer_cnn("tanh", input_size=(3, 16, 16), widths=(4, 4, 8))  # Glorot for tanh
    assert not torch.equal(own[0].weight, nets["tanh"][0].weight)


def test_mean_slopes_equal_autograd_derivatives():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Tanh(), nn.Conv2d(4, 5, 3), nn.ReLU())
    images = 3 * torch.randn(6, 3, 9, 9)
    slopes = mean_slopes(model, images)
    first = model[0](images).detach().requires_grad_()
    (tanh_slope,) = torch.autograd.grad(torch.tanh(first).sum(), first)
    second = model[2](torch.tanh(first)).detach().requires_grad_()
    (relu_slope,) = torch.autograd.grad(torch.relu(second).sum(), second)
    assert slopes == pytest.approx([tanh_slope.mean().item(), relu_slope.mean().item()], abs=1e-6)
    with pytest.raises(ValueError, match="nn.ReLU or nn.Tanh"):
        mean_slopes(nn.Sequential(nn.Conv2d(3, 4, 3)), images)


@pytest.mark.slow
def test_steps_to_error_reaches_an_easy_target_and_reports_a_hard_one():
    data = make_patterns(train_size=64, test_size=10, size=16)
    model = four_layer_cnn("relu", input_size=(3, 16, 16), widths=(4, 4, 4))
    easy = steps_to_error(model, data, 0.95, lr=0.01, max_steps=5, batch_size=16, window=1)
    assert easy.steps is not None and easy.steps <= 5  # below 95% error: anything better than all-wrong
    hard = steps_to_error(
        four_layer_cnn("tanh", input_size=(3, 16, 16), widths=(4, 4, 4)),
        data,
        1e-6,
        lr=0.01,
        max_steps=6,
        batch_size=16,
        window=2,
    )
    assert hard.steps is None and len(hard.errors) == 6
    # the smoothed error is the mean of the last `window` batch errors: with window 1, each step's own error
    steps = []
    torch.manual_seed(0)
    model = four_layer_cnn("relu", input_size=(3, 16, 16), widths=(4, 4, 4))
    Trainer(model, data, Recipe(batch_size=16, lr=0.01, augment=Augment()), seed=3).fit(
        max_steps=5, on_step=steps.append
    )
    torch.manual_seed(0)
    model = four_layer_cnn("relu", input_size=(3, 16, 16), widths=(4, 4, 4))
    run = steps_to_error(model, data, 1e-6, lr=0.01, max_steps=5, batch_size=16, window=2, seed=3)
    errors = [step.error for step in steps]
    assert run.errors == pytest.approx([errors[0]] + [(a + b) / 2 for a, b in zip(errors, errors[1:])])
    with pytest.raises(ValueError, match="target"):
        steps_to_error(model, data, 1.5, lr=0.01)


def test_settings_per_profile():
    assert pick(RELU_VS_TANH, "quick").data == "patterns"
    assert pick(RELU_VS_TANH, "full").target == 0.25  # the paper's Fig. 1 threshold
    for settings in RELU_VS_TANH.values():
        assert set(settings.lr) == {"relu", "tanh"} and len(settings.seeds) >= 3
    with pytest.raises(ValueError, match="profile"):
        pick(RELU_VS_TANH, "medium")
