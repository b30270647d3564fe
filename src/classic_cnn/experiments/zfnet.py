"""Looking inside a network, at CPU scale (chapter 4, ZFNet).

Zeiler & Fergus (2014) changed AlexNet's first layer (11×11 stride 4 → 7×7 stride 2) after *looking* at it.
This module holds the measurements the chapter uses to look at small networks the same way:

- :func:`spectrum_shares` / :func:`dominant_frequency`: where a filter's energy lies in frequency, and how
  much of it lies above the Nyquist frequency of the layer's stride (energy that aliases when the output is
  subsampled);
- :func:`firing_rates`: how often each map of a layer is positive (a map that never fires is dead);
- :func:`field_geometry`, :func:`top_patches`: the input patches that excite a unit most;
- :func:`input_gradient`: the gradient of a unit's activation with respect to the image, a simple stand-in
  for the paper's deconvnet projection;
- :data:`FIRST_LAYER` and :func:`train_briefly`: the two small networks that differ only in conv1, and how long
  they train.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from classic_cnn.data import Augment, Dataset
from classic_cnn.hooks import eval_mode
from classic_cnn.train import Recipe, Trainer


def _filter_bank(weight: Tensor) -> Tensor:
    if not isinstance(weight, Tensor) or weight.dim() != 4:
        shape = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"a filter bank is (out, in, height, width), got {shape}")
    return weight.detach().float().cpu()


def _power_spectrum(weight: Tensor, size: int) -> tuple[Tensor, Tensor]:
    """Power of each filter (summed over input channels) on a size×size frequency grid, and the grid's
    radial frequency in cycles per pixel (0 … √2/2)."""
    weight = _filter_bank(weight)
    if size < max(weight.shape[-2:]):
        raise ValueError(f"size must be >= the kernel size {max(weight.shape[-2:])}, got {size}")
    centred = weight - weight.mean(dim=(-2, -1), keepdim=True)  # the mean (DC) is not a frequency of interest
    power = torch.fft.fft2(centred, s=(size, size)).abs().pow(2).sum(dim=1)  # (out, size, size)
    frequencies = torch.fft.fftfreq(size)
    radius = (frequencies[:, None] ** 2 + frequencies[None, :] ** 2).sqrt()
    return power, radius


def spectrum_shares(weight: Tensor, cutoff: float, size: int = 64) -> Tensor:
    """Per filter, the share of its (mean-removed) energy at radial frequencies above ``cutoff`` cycles/pixel.

    With ``cutoff = 1 / (2 * stride)`` this is the energy a stride-``stride`` layer cannot represent in its
    output: it folds back (aliases) onto lower frequencies. A constant filter has no energy: its share is 0.
    """
    if not 0 <= cutoff <= 0.75:
        raise ValueError(f"cutoff must be a frequency in [0, 0.75] cycles/pixel, got {cutoff}")
    power, radius = _power_spectrum(weight, size)
    total = power.sum(dim=(1, 2))
    above = (power * (radius > cutoff)).sum(dim=(1, 2))
    return torch.where(total > 0, above / total.clamp_min(1e-30), torch.zeros_like(total))


def dominant_frequency(weight: Tensor, size: int = 64) -> Tensor:
    """Per filter, the radial frequency (cycles/pixel) of its strongest non-constant Fourier component."""
    power, radius = _power_spectrum(weight, size)
    strongest = power.flatten(1).argmax(dim=1)
    return radius.flatten()[strongest]


@torch.no_grad()
def firing_rates(layers: nn.Module, images: Tensor, batch_size: int = 256) -> Tensor:
    """Per output map of ``layers`` (a module ending in a ReLU), the fraction of positions and images where
    it is positive. A map with rate 0 never fires on these images: a dead unit."""
    if images.dim() != 4:
        raise ValueError(f"images must be a batch (N, C, H, W), got shape {tuple(images.shape)}")
    positive, total = None, 0
    with eval_mode(layers):
        for start in range(0, len(images), batch_size):
            output = layers(images[start : start + batch_size])
            counts = (output > 0).sum(dim=(0, 2, 3)).double()
            positive = counts if positive is None else positive + counts
            total += output.shape[0] * output.shape[2] * output.shape[3]
    return (positive / total).float()


@dataclass(frozen=True)
class FieldGeometry:
    """Where output unit ``(i, j)`` of a stack looks: rows ``start + i*jump`` to ``start + i*jump + size - 1``
    of the input (the same for columns); ``start`` may be negative (padding)."""

    size: int
    jump: int
    start: int


def field_geometry(layers: nn.Module) -> FieldGeometry:
    """Receptive field size, jump (product of strides) and start offset of a stack of convolutions, poolings
    and element-wise layers (activations, normalization, dropout), in order."""
    size, jump, start = 1, 1, 0
    for module in layers.modules() if not isinstance(layers, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)) else [layers]:
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            kernel, stride, padding, dilation = (
                module.kernel_size,
                module.stride,
                module.padding,
                getattr(module, "dilation", 1),
            )
            values = [k if isinstance(k, int) else k[0] for k in (kernel, stride, padding, dilation)]
            pairs = [k for k in (kernel, stride, padding, dilation) if not isinstance(k, int)]
            if any(p[0] != p[1] for p in pairs):
                raise ValueError(f"{type(module).__name__} is not square: {module}")
            kernel, stride, padding, dilation = values
            start -= padding * jump
            size += (dilation * (kernel - 1)) * jump
            jump *= stride
    return FieldGeometry(size, jump, start)


@torch.no_grad()
def top_patches(layers: nn.Module, images: Tensor, unit: int, count: int = 9, fill: Tensor | None = None) -> Tensor:
    """The ``count`` input patches (one per image, strongest first) that excite map ``unit`` of ``layers``
    most: each image's strongest position, cropped to that position's receptive field. Parts of a field
    outside the image are ``fill`` (per channel; zeros by default)."""
    with eval_mode(layers):
        output = layers(images)
    if not 0 <= unit < output.shape[1]:
        raise ValueError(f"unit must be in [0, {output.shape[1]}), got {unit}")
    if not 1 <= count <= len(images):
        raise ValueError(f"count must be in [1, {len(images)}], got {count}")
    maps = output[:, unit].flatten(1)
    best, where = maps.max(dim=1)
    chosen = best.argsort(descending=True)[:count]
    geometry = field_geometry(layers)
    margin = max(0, -geometry.start) + geometry.size
    channels = images.shape[1]
    fill = torch.zeros(channels) if fill is None else fill.reshape(channels)
    padded = fill.view(1, channels, 1, 1).expand(len(chosen), channels, *[s + 2 * margin for s in images.shape[2:]])
    padded = padded.clone()
    padded[:, :, margin : margin + images.shape[2], margin : margin + images.shape[3]] = images[chosen]
    patches = []
    for k, index in enumerate(chosen):
        row, col = divmod(int(where[index]), output.shape[3])
        top = margin + geometry.start + row * geometry.jump
        left = margin + geometry.start + col * geometry.jump
        patches.append(padded[k, :, top : top + geometry.size, left : left + geometry.size])
    return torch.stack(patches)


def input_gradient(layers: nn.Module, image: Tensor, unit: int) -> Tensor:
    """The gradient, with respect to ``image`` (C, H, W), of map ``unit``'s strongest activation in
    ``layers(image)``: which pixels, changed a little, would change that unit most."""
    if image.dim() != 3:
        raise ValueError(f"image must be (C, H, W), got shape {tuple(image.shape)}")
    pixels = image.detach().clone().unsqueeze(0).requires_grad_(True)
    with eval_mode(layers):
        output = layers(pixels)
    if not 0 <= unit < output.shape[1]:
        raise ValueError(f"unit must be in [0, {output.shape[1]}), got {unit}")
    output[0, unit].max().backward()
    return pixels.grad[0].detach()


@dataclass(frozen=True)
class FirstLayerComparison:
    """Settings of the first-layer experiment for one profile: two small AlexNets that differ only in conv1."""

    data: str
    size: int
    alexnet_first: tuple[int, int, int]  # (kernel, stride, padding) of conv1, AlexNet-style
    zfnet_first: tuple[int, int, int]  # ZFNet-style
    widths: tuple[int, ...]
    hidden: int
    lr: float
    steps: int
    batch_size: int
    seeds: tuple[int, ...]  # the accuracy and the aliasing measured on each


FIRST_LAYER: dict[str, FirstLayerComparison] = {
    # CPU: the embedded colour patterns at 32×32, the papers' kernels and strides, a few hundred steps, 3 seeds.
    "quick": FirstLayerComparison(
        "patterns",
        32,
        (11, 4, 5),
        (7, 2, 3),
        (32, 48, 48, 48, 32),
        128,
        lr=0.002,
        steps=200,
        batch_size=64,
        seeds=(0, 1, 2),
    ),
    # GPU: CIFAR-10 at 32×32, wider networks, many more steps, one seed (a Colab budget).
    "full": FirstLayerComparison(
        "cifar10",
        32,
        (11, 4, 5),
        (7, 2, 3),
        (96, 256, 384, 384, 256),
        1024,
        lr=0.01,
        steps=20_000,
        batch_size=128,
        seeds=(0,),
    ),
}


def train_briefly(
    model: nn.Module, data: Dataset, *, steps: int, lr: float, batch_size: int = 64, seed: int = 0
) -> tuple[list[float], float]:
    """Adam for ``steps`` mini-batches of the training set (shuffled, no augmentation); returns the training
    loss after every step and the test accuracy at the end. The model is left on the CPU, beside the data."""
    losses: list[float] = []
    adam = Recipe(batch_size=batch_size, optimizer="adam", lr=lr, augment=Augment())
    history = Trainer(model, data, adam, seed=seed).fit(max_steps=steps, on_step=lambda step: losses.append(step.loss))
    model.cpu()
    return losses, history.test_accuracy[-1]
