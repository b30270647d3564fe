"""VGG's questions at CPU scale (chapter 5): where memory and parameters live, and why depth was hard.

:func:`signal_by_depth` measures how large the activations are after each ReLU of a freshly initialized
network: in a plain stack they shrink layer after layer, which is why Simonyan & Zisserman (2015, §3.1)
trained the 11-layer configuration A first and started the deeper ones from its layers. Batch
normalization (Ioffe & Szegedy 2015) keeps them at one scale. :data:`DEPTH_SETTINGS` sizes the training
comparison for each profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from classic_cnn.hooks import capture, eval_mode
from classic_cnn.profile import Profile
from classic_cnn.train import Recipe, recipe

PAPER_INIT_STD = 0.1  # §3.1: "a normal distribution with the zero mean and 10^-2 variance"


def _spread(output: Tensor) -> float:
    return output.float().std(dim=0).pow(2).mean().sqrt().item()


@torch.no_grad()
def signal_by_depth(model: nn.Module, images: Tensor, kind: type[nn.Module] = nn.ReLU) -> list[float]:
    """How much each ``kind`` layer's output (default: each ReLU) differs from image to image, in forward order.

    The number is the root-mean-square over the layer's units of each unit's standard deviation across the
    batch: near 0, the layer outputs nearly the same for every image (its biases, not the image, decide it).
    Runs ``model`` once in training mode (batch norm then normalizes with the batch's own statistics, as at
    the first training step) with dropout off, and restores its mode.
    """
    if images.dim() != 4 or len(images) < 2:
        raise ValueError(f"images must be a batch (N >= 2, C, H, W), got shape {tuple(images.shape)}")
    layers = {name: module for name, module in model.named_modules() if isinstance(module, kind)}
    if not layers:
        raise ValueError(f"{type(model).__name__} has no {kind.__name__} layer to measure")
    with eval_mode(model, training=True), capture(layers, keep=_spread) as spreads:
        for module in model.modules():
            if isinstance(module, nn.Dropout):
                module.eval()
        model(images)
    return list(spreads.values())


@dataclass(frozen=True)
class DepthSettings:
    """How large the with/without batch norm comparison is in a profile."""

    profile: Profile
    config: str  # the configuration of Table 1 trained ("E": 19 weight layers)
    width: float  # the fraction of the paper's filters (and FC units) kept
    input_size: int
    data: str
    epochs: int
    batch_size: int
    lr: float

    def recipe(self) -> Recipe:
        """The profile's VGG recipe (SGD, momentum, weight decay) with this experiment's length and rate."""
        return recipe("vgg19", self.profile).replace(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr)


DEPTH_SETTINGS: dict[Profile, DepthSettings] = {
    # CPU: an eighth of the filters (8 → 64 instead of 64 → 512) on the embedded 32×32 colour patterns, at the
    # paper's learning rate. Measured on 2 cores, ~40 s a run: with batch norm 67-97% test accuracy (seeds 0-2,
    # 1 or 2 threads); plain, chance. At 6 epochs the batch-norm run was still on its plateau for some seeds.
    "quick": DepthSettings(
        "quick", "E", width=0.125, input_size=32, data="patterns", epochs=12, batch_size=32, lr=0.01
    ),
    # GPU: the paper's widths and learning rate on CIFAR-10 (the classifier then sees 1×1×512 features). 15 epochs
    # a run, two runs: about 8 minutes on a T4 (benchmarks/gpu_check.py --estimate), so the chapter fits a session.
    "full": DepthSettings("full", "E", width=1.0, input_size=32, data="cifar10", epochs=15, batch_size=128, lr=0.01),
}
