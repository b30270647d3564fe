"""ResNet's claims at CPU scale (chapter 7): the degradation problem, identity blocks, gradient flow.

:data:`DEGRADATION` holds the experiment of the paper's Fig. 1 and Fig. 6 — plain and residual CIFAR
networks of two depths trained with one budget — for each profile; :func:`degradation` runs it.
:func:`gradient_norms` measures the gradient that reaches every convolution after one backward pass, and
:func:`as_colour` lets the 3-channel CIFAR networks read grey digits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from classic_cnn.data import Dataset, load
from classic_cnn.models.resnet_cifar import CifarResNet
from classic_cnn.profile import Profile, pick
from classic_cnn.train import History, Recipe, Trainer, fit_all
from classic_cnn.train.recipes import PAPER_RECIPES

QUICK_EPOCHS = 10


@dataclass(frozen=True)
class DegradationSetup:
    """The plain-vs-residual experiment: which data, which depths, how wide, how trained, on which seeds."""

    data: str
    image_size: int
    depths: tuple[int, int]
    width: float
    recipe: Recipe
    seeds: tuple[int, ...] = (0, 1, 2)
    note: str = ""


DEGRADATION: dict[Profile, DegradationSetup] = {
    # Digits need no colour; 16×16 and quarter-width stages (4, 8, 16 filters) keep twelve runs (four networks,
    # three seeds) of up to 56 layers inside a CPU budget.
    "quick": DegradationSetup(
        data="digits",
        image_size=16,
        depths=(20, 56),
        width=0.25,
        recipe=Recipe(
            epochs=QUICK_EPOCHS,
            batch_size=32,
            lr=0.05,
            momentum=0.9,
            weight_decay=1e-4,
            schedule="cosine",
            data="digits",
            source=f"He et al.'s SGD (momentum 0.9, decay 1e-4), batch 32, cosine-annealed over {QUICK_EPOCHS} epochs "
            "from lr 0.05: with a few hundred steps instead of 64k, lr 0.1 stalls both 56-layer networks (the paper "
            "warms ResNet-110 up at 0.01 for the same reason)",
        ),
        note=f"digits at 16×16, quarter-width networks, {QUICK_EPOCHS} epochs on a CPU",
    ),
    # The paper's Fig. 6 at a Colab budget: CIFAR-10, full width, one seed, the paper's SGD for 8 epochs with a
    # cosine schedule instead of 164 (the four networks take about ten minutes on a T4).
    "full": DegradationSetup(
        data="cifar10",
        image_size=32,
        depths=(20, 56),
        width=1.0,
        recipe=PAPER_RECIPES["resnet-cifar"].replace(
            epochs=8,
            schedule="cosine",
            source="He et al.'s SGD (lr 0.1, momentum 0.9, decay 1e-4, batch 128, Sec. 4.2), cosine-annealed over "
            "8 epochs instead of 164",
        ),
        seeds=(0,),
        note="CIFAR-10 at full width, the paper's SGD for 8 epochs (He et al. 2016, Sec. 4.2)",
    ),
    # Opt-in (CLASSIC_CNN_PROFILE=paper): the paper's complete schedule, 164 epochs with two steps (hours on a T4).
    "paper": DegradationSetup(
        data="cifar10",
        image_size=32,
        depths=(20, 56),
        width=1.0,
        recipe=PAPER_RECIPES["resnet-cifar"],
        seeds=(0,),
        note="CIFAR-10 at full width, the paper's schedule: 164 epochs, lr 0.1 divided by 10 at epochs 82 and 123",
    ),
}


def as_colour(data: Dataset) -> Dataset:
    """A grey dataset with its one channel repeated three times, for networks built for RGB input."""
    if data.input_shape[0] == 3:
        return data
    if data.input_shape[0] != 1:
        raise ValueError(f"as_colour needs 1 or 3 channels, {data.name} has {data.input_shape[0]}")
    return replace(
        data,
        train_images=data.train_images.expand(-1, 3, -1, -1).contiguous(),
        test_images=data.test_images.expand(-1, 3, -1, -1).contiguous(),
        shift=data.shift * 3,
        scale=data.scale * 3,
    )


def cifar_network(depth: int, residual: bool, data: Dataset, width: float = 1.0) -> CifarResNet:
    """ResNet-``depth`` or its plain twin for ``data``'s classes (the network takes any image size)."""
    return CifarResNet(depth, data.num_classes, shortcut=residual, width=width)


@dataclass(frozen=True)
class DegradationResult:
    """Histories of the four networks on every seed, keyed by name (``"plain-20"``, ``"resnet-56"``, ...), and
    the networks trained on the first seed."""

    setup: DegradationSetup
    histories: dict[str, list[History]]
    models: dict[str, CifarResNet]

    def training_errors(self, name: str) -> list[float]:
        """Each seed's training error in the last epoch (on the augmented batches, as in the paper's curves)."""
        return [1 - history.train_accuracy[-1] for history in self.histories[name]]

    def test_errors(self, name: str) -> list[float]:
        return [1 - history.test_accuracy[-1] for history in self.histories[name]]

    def mean_history(self, name: str) -> History:
        """The seeds' histories averaged epoch by epoch (what the figure draws)."""
        runs = [history.as_dict() for history in self.histories[name]]
        return History.from_dict(
            {
                column: [sum(values) / len(values) for values in zip(*(run[column] for run in runs))]
                for column in runs[0]
            }
        )

    @property
    def styles(self) -> dict[str, dict[str, str]]:
        """Line styles for ``viz.plot_history``, as in the paper's Fig. 6: a colour per depth, plain dashed."""
        colours = dict(zip(self.setup.depths, ("tab:orange", "tab:red")))
        return {
            name: {"color": colours[int(name.split("-")[1])], "linestyle": "--" if name.startswith("plain") else "-"}
            for name in self.histories
        }


def load_for(setup: DegradationSetup) -> Dataset:
    """The setup's dataset, in colour."""
    return as_colour(load(setup.data, size=setup.image_size))


def degradation(setup: DegradationSetup | None = None, data: Dataset | None = None) -> DegradationResult:
    """Train plain and residual networks of the setup's two depths with the same recipe, once per seed (each
    seed gives all four networks the same start of the random number generator and the same batches); on a
    multi-core CPU the runs go side by side (:func:`~classic_cnn.train.fit_all`)."""
    setup = setup or pick(DEGRADATION)
    data = data if data is not None else load_for(setup)
    trainers: dict[tuple[str, int], Trainer] = {}
    for residual in (False, True):
        for depth in setup.depths:
            name = f"{'resnet' if residual else 'plain'}-{depth}"
            for seed in setup.seeds:
                torch.manual_seed(seed)
                model = cifar_network(depth, residual, data, setup.width)
                trainers[name, seed] = Trainer(model, data, setup.recipe, seed=seed)
    fit_all(trainers.values())
    histories: dict[str, list[History]] = {}
    models: dict[str, CifarResNet] = {}
    for (name, _), trainer in trainers.items():
        histories.setdefault(name, []).append(trainer.history)
        models.setdefault(name, trainer.model)
    return DegradationResult(setup, histories, models)


def gradient_norms(model: nn.Module, images: Tensor, labels: Tensor) -> list[float]:
    """The norm of the loss gradient on every convolution's weights, input side first, after one backward pass.

    The model is left in training mode (batch statistics, as during training) with its gradients cleared.
    """
    model.train()
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(images), labels).backward()
    norms = [module.weight.grad.norm().item() for module in model.modules() if isinstance(module, nn.Conv2d)]
    model.zero_grad(set_to_none=True)
    return norms
