"""The ZFNet chapter's measurements, against closed forms, PyTorch's autograd and the arithmetic of shapes."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from classic_cnn.data import make_patterns
from classic_cnn.experiments.alexnet import SmallAlexNet
from classic_cnn.experiments.zfnet import (
    FIRST_LAYER,
    dominant_frequency,
    field_geometry,
    firing_rates,
    input_gradient,
    spectrum_shares,
    top_patches,
    train_briefly,
)
from classic_cnn.profile import pick
from classic_cnn.shapes import receptive_field


def grating(frequency: float, size: int = 16, angle: float = 0.0) -> torch.Tensor:
    """A cosine of ``frequency`` cycles/pixel at ``angle``, as a 1×1×size×size filter."""
    rows, cols = torch.meshgrid(
        torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64), indexing="ij"
    )
    phase = 2 * math.pi * frequency * (cols * math.cos(angle) + rows * math.sin(angle))
    return torch.cos(phase).float()[None, None]


@pytest.mark.parametrize("frequency", [1 / 16, 1 / 8, 1 / 4, 3 / 8])
def test_dominant_frequency_of_a_pure_grating(frequency):
    # on a 64-point grid, a 16-sample cosine of k/16 cycles/pixel peaks exactly at its own frequency
    assert dominant_frequency(grating(frequency), size=64).item() == pytest.approx(frequency)
    vertical = grating(frequency, angle=math.pi / 2)
    assert dominant_frequency(vertical, size=64).item() == pytest.approx(frequency)


def test_spectrum_shares_split_low_from_high():
    bank = torch.cat([grating(1 / 16), grating(3 / 8)])
    shares = spectrum_shares(bank, cutoff=1 / 8)  # the Nyquist frequency of a stride-4 layer
    assert shares[0] < 0.2 and shares[1] > 0.8
    assert torch.equal(spectrum_shares(torch.ones(2, 3, 5, 5), 0.1), torch.zeros(2))  # no energy, share 0
    everything = spectrum_shares(torch.randn(4, 3, 7, 7), cutoff=0.0)
    assert torch.allclose(everything, torch.ones(4))
    with pytest.raises(ValueError, match="cutoff"):
        spectrum_shares(bank, cutoff=1.0)
    with pytest.raises(ValueError, match="out, in, height, width"):
        spectrum_shares(torch.ones(3, 5, 5), cutoff=0.1)


def test_firing_rates_count_positive_outputs():
    conv = nn.Conv2d(1, 2, 1, bias=True)
    with torch.no_grad():
        conv.weight.zero_()
        conv.bias.copy_(torch.tensor([1.0, -1.0]))  # map 0 always fires, map 1 never (dead)
    images = torch.randn(5, 1, 4, 4)
    assert firing_rates(nn.Sequential(conv, nn.ReLU()), images, batch_size=2).tolist() == [1.0, 0.0]
    identity = nn.Sequential(nn.Identity())
    rate = firing_rates(identity, images)
    assert rate.item() == pytest.approx((images > 0).float().mean().item())


def test_field_geometry_matches_receptive_field_and_gradient_support():
    layers = nn.Sequential(
        nn.Conv2d(1, 1, 7, stride=2, padding=3), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1), nn.Conv2d(1, 1, 5, padding=2)
    )
    geometry = field_geometry(layers)
    assert geometry.size == receptive_field([(7, 2), (3, 2), (5, 1)]) == 27
    assert (geometry.jump, geometry.start) == (4, -3 - 2 * 1 - 4 * 2)
    # the gradient of one output unit touches exactly the input pixels of its field (clipped to the image)
    nn.init.constant_(layers[0].weight, 1.0)
    nn.init.constant_(layers[3].weight, 1.0)
    image = torch.rand(1, 1, 48, 48, requires_grad=True)
    layers(image)[0, 0, 5, 6].backward()
    rows = image.grad[0, 0].abs().sum(1).nonzero().flatten()
    cols = image.grad[0, 0].abs().sum(0).nonzero().flatten()
    assert rows.min().item() >= geometry.start + 5 * geometry.jump
    assert rows.max().item() <= geometry.start + 5 * geometry.jump + geometry.size - 1
    assert cols.min().item() >= geometry.start + 6 * geometry.jump


def test_top_patches_find_the_strongest_position():
    layers = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1, bias=False))
    nn.init.zeros_(layers[0].weight)
    with torch.no_grad():
        layers[0].weight[0, 0, 1, 1] = 1.0  # the identity: the strongest pixel wins
    images = torch.zeros(3, 1, 8, 8)
    images[0, 0, 2, 5] = 3.0
    images[1, 0, 0, 0] = 5.0
    images[2, 0, 7, 7] = 1.0
    patches = top_patches(layers, images, unit=0, count=2)
    assert patches.shape == (2, 1, 3, 3)
    assert patches[0, 0, 1, 1] == 5.0 and patches[0, 0, 0, 0] == 0.0  # image 1, its corner padded with zeros
    assert patches[1, 0, 1, 1] == 3.0
    with pytest.raises(ValueError, match="unit"):
        top_patches(layers, images, unit=1)


def test_input_gradient_equals_autograd_and_a_linear_filter():
    layers = nn.Sequential(nn.Conv2d(3, 2, 5, bias=False))
    image = torch.randn(3, 9, 9)
    gradient = input_gradient(layers, image, unit=1)
    output = layers(image[None])[0, 1]
    row, col = divmod(int(output.argmax()), output.shape[1])
    expected = torch.zeros(3, 9, 9)
    expected[:, row : row + 5, col : col + 5] = layers[0].weight[1].detach()  # a linear unit's gradient is its filter
    assert torch.allclose(gradient, expected)


def test_settings_build_and_differ_only_in_conv1():
    settings = pick(FIRST_LAYER, "quick")
    assert len(settings.seeds) >= 3  # the chapter asserts the aliasing split on every seed
    a = SmallAlexNet(10, widths=settings.widths, hidden=settings.hidden, first=settings.alexnet_first)
    z = SmallAlexNet(10, widths=settings.widths, hidden=settings.hidden, first=settings.zfnet_first)
    assert a.features.conv1.kernel_size == (11, 11) and a.features.conv1.stride == (4, 4)
    assert z.features.conv1.kernel_size == (7, 7) and z.features.conv1.stride == (2, 2)
    assert a(torch.zeros(2, 3, 32, 32)).shape == z(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    with pytest.raises(ValueError, match="profile"):
        pick(FIRST_LAYER, "huge")


def test_train_briefly_takes_exactly_the_steps_asked_for():
    data = make_patterns(train_size=40, test_size=10, size=16)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, 10))
    losses, accuracy = train_briefly(model, data, steps=7, lr=0.01, batch_size=16)  # 3 batches an epoch
    assert len(losses) == 7 and all(math.isfinite(loss) for loss in losses)
    with torch.no_grad():
        expected = (model(data.test_images).argmax(1) == data.test_labels).float().mean().item()
    assert accuracy == pytest.approx(expected)
