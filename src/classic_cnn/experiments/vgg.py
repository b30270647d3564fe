"""VGG's questions at CPU scale (chapter 5): where memory and parameters live, and why depth was hard.

:func:`signal_by_depth` measures how large the activations are after each ReLU of a freshly initialized
network: in a plain stack they shrink layer after layer, which is why Simonyan & Zisserman (2015, §3.1)
trained the 11-layer configuration A first and started the deeper ones from its layers. Batch
normalization (Ioffe & Szegedy 2015) keeps them at one scale. :func:`depth_settings` sizes the training
comparison for the active profile; :func:`compare_histories` and :func:`memory_and_parameters` draw it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import Tensor, nn

from classic_cnn.profile import Profile, active_profile
from classic_cnn.summary import Summary
from classic_cnn.train import Recipe, recipe

PAPER_INIT_STD = 0.1  # §3.1: "a normal distribution with the zero mean and 10^-2 variance"


def paper_init(model: nn.Module, std: float = PAPER_INIT_STD) -> nn.Module:
    """The paper's random initialization: weights ~ N(0, std²) (std 0.1), biases 0; returns the model."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(module.weight, 0.0, std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model


def he_init(model: nn.Module) -> nn.Module:
    """He et al. (2015) initialization for ReLU networks: N(0, 2/fan_in) weights, zero biases."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model


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
    sizes: list[float] = []
    hooks = [
        module.register_forward_hook(lambda _m, _i, out: sizes.append(_spread(out)))
        for module in model.modules()
        if isinstance(module, kind)
    ]
    if not hooks:
        raise ValueError(f"{type(model).__name__} has no {kind.__name__} layer to measure")
    was_training = model.training
    model.train()
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.eval()
    try:
        model(images)
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    return sizes


def plot_signal(curves: Mapping[str, list[float]], title: str = "activations at initialization") -> Figure:
    """One line per network: the image-to-image spread after each ReLU (log scale), input side on the left."""
    figure, axis = plt.subplots(figsize=(7, 3.2))
    for label, sizes in curves.items():
        axis.semilogy(range(1, len(sizes) + 1), sizes, marker=".", label=label)
    axis.set(xlabel="ReLU number (input side → output side)", ylabel="spread across images", title=title)
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize=8)
    figure.tight_layout()
    plt.close(figure)
    return figure


def compare_histories(histories: Mapping[str, object], title: str | None = None) -> Figure:
    """Training loss and test accuracy per epoch of several runs, one colour per run."""
    if not histories:
        raise ValueError("compare_histories needs at least one history")
    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(10, 3.4))
    for label, history in histories.items():
        values = history.as_dict() if hasattr(history, "as_dict") else dict(history)
        loss_axis.plot(values["epoch"], values["train_loss"], marker=".", label=label)
        accuracy_axis.plot(values["epoch"], [100 * a for a in values["test_accuracy"]], marker=".", label=label)
    loss_axis.set(xlabel="epoch", ylabel="cross-entropy", title="training loss")
    accuracy_axis.set(xlabel="epoch", ylabel="accuracy (%)", title="test accuracy")
    for axis in (loss_axis, accuracy_axis):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    plt.close(figure)
    return figure


def memory_and_parameters(table: Summary) -> Figure:
    """Per layer with weights or a new volume: activations (memory) against parameters, as two bar charts."""
    rows = [row for row in table.rows if row.params or row.activations]
    names = [row.name for row in rows]
    figure, (memory_axis, params_axis) = plt.subplots(2, 1, figsize=(9, 4.6), sharex=True)
    memory_axis.bar(names, [row.activations / 1e6 for row in rows], color="tab:blue")
    params_axis.bar(names, [row.params / 1e6 for row in rows], color="tab:orange")
    memory_axis.set(ylabel="activations (M)", title=f"{table.model}: where the memory and the parameters are")
    params_axis.set(ylabel="parameters (M)")
    params_axis.tick_params(axis="x", labelrotation=90, labelsize=7)
    for axis in (memory_axis, params_axis):
        axis.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    plt.close(figure)
    return figure


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
    # GPU: the paper's widths and learning rate on CIFAR-10 (the classifier then sees 1×1×512 features).
    "full": DepthSettings("full", "E", width=1.0, input_size=32, data="cifar10", epochs=30, batch_size=128, lr=0.01),
}


def depth_settings(profile: Profile | None = None) -> DepthSettings:
    """The settings of the depth experiment for ``profile`` (default: the active one)."""
    profile = profile or active_profile()
    if profile not in DEPTH_SETTINGS:
        raise ValueError(f"profile must be one of {sorted(DEPTH_SETTINGS)}, got {profile!r}")
    return DEPTH_SETTINGS[profile]
