"""Training recipes for each profile. ``recipe("lenet5")`` gives the one for the active profile.

- ``quick``: CPU-sized, on the embedded data, reaching the same ideas in seconds.
- ``full``: real MNIST / CIFAR-10 on a GPU, sized for a free Colab T4 (about ten minutes a chapter): the papers'
  optimizer and regularization, with a short cosine schedule instead of their long step schedules.
- ``paper``: the papers' own settings, as far as plain SGD expresses them. ImageNet recipes are recorded for
  reading; nobody downloads ImageNet into a Colab session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

import torch
from torch import nn

from ..data import Augment
from ..models.googlenet import AUX_WEIGHT
from ..profile import PROFILES, Profile, active_profile

Optimizer = Literal["sgd", "adam", "adamw"]
Schedule = Literal["constant", "step", "multistep", "cosine", "plateau"]


@dataclass(frozen=True)
class Recipe:
    """Everything the Trainer needs to know besides the model and the data.

    ``schedule``: ``step`` multiplies the learning rate by ``gamma`` every ``step_size`` epochs,
    ``multistep`` at each of ``milestones``, ``plateau`` when test accuracy has not improved for
    ``patience`` epochs (the papers' "divide by 10 when the validation error stops improving"), ``cosine``
    anneals to 0 over ``epochs``. ``augment=None`` takes the dataset's own augmentation.
    """

    epochs: int = 10
    batch_size: int = 64
    optimizer: Optimizer = "sgd"
    lr: float = 0.01
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    schedule: Schedule = "constant"
    step_size: int = 30
    milestones: tuple[int, ...] = ()
    gamma: float = 0.1
    patience: int = 5
    label_smoothing: float = 0.0
    aux_weight: float = AUX_WEIGHT  # GoogLeNet's auxiliary classifiers: their losses count 0.3
    augment: Augment | None = None
    eval_batch_size: int = 1000
    data: str = "digits"  # the dataset the recipe is meant for
    source: str = ""  # where the numbers come from

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "eval_batch_size", "step_size", "patience"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.optimizer not in ("sgd", "adam", "adamw"):
            raise ValueError(f"optimizer must be 'sgd', 'adam' or 'adamw', got {self.optimizer!r}")
        if self.schedule not in ("constant", "step", "multistep", "cosine", "plateau"):
            raise ValueError(
                f"schedule must be 'constant', 'step', 'multistep', 'cosine' or 'plateau', got {self.schedule!r}"
            )
        if self.weight_decay < 0 or self.momentum < 0 or not 0 < self.gamma <= 1:
            raise ValueError(
                f"need weight_decay >= 0, momentum >= 0, 0 < gamma <= 1; got {self.weight_decay}, "
                f"{self.momentum}, {self.gamma}"
            )

    def replace(self, **changes) -> Recipe:
        """A copy with some settings changed: ``recipe("lenet5").replace(epochs=5)``."""
        return replace(self, **changes)

    def make_optimizer(self, parameters) -> torch.optim.Optimizer:
        if self.optimizer == "sgd":
            return torch.optim.SGD(
                parameters, lr=self.lr, momentum=self.momentum, nesterov=self.nesterov, weight_decay=self.weight_decay
            )
        kind = torch.optim.Adam if self.optimizer == "adam" else torch.optim.AdamW
        return kind(parameters, lr=self.lr, weight_decay=self.weight_decay)

    def make_schedule(self, optimizer: torch.optim.Optimizer):
        """An epoch-wise scheduler (``step()`` once per epoch; ``plateau`` takes the test accuracy)."""
        sched = torch.optim.lr_scheduler
        if self.schedule == "step":
            return sched.StepLR(optimizer, step_size=self.step_size, gamma=self.gamma)
        if self.schedule == "multistep":
            return sched.MultiStepLR(optimizer, milestones=list(self.milestones), gamma=self.gamma)
        if self.schedule == "cosine":
            return sched.CosineAnnealingLR(optimizer, T_max=self.epochs)
        if self.schedule == "plateau":
            return sched.ReduceLROnPlateau(optimizer, mode="max", factor=self.gamma, patience=self.patience)
        return sched.StepLR(optimizer, step_size=1, gamma=1.0)  # constant, but with the same interface

    def loss_function(self) -> nn.Module:
        return nn.CrossEntropyLoss(label_smoothing=self.label_smoothing)


# The papers' recipes, as far as plain SGD expresses them (paper profile; ImageNet-scale data).
PAPER_RECIPES: dict[str, Recipe] = {
    # LeCun et al. 1998 used stochastic diagonal Levenberg-Marquardt with a global rate of 5e-4 (2 passes),
    # 2e-4 (3), 1e-4 (3), 5e-5 (4), then 1e-5, 20 passes in all; plain SGD needs a larger rate.
    "lenet5": Recipe(
        epochs=20,
        batch_size=1,
        lr=0.01,
        momentum=0.0,
        schedule="multistep",
        milestones=(2, 5, 8, 12),
        gamma=0.5,
        data="mnist",
        source="LeCun et al. 1998, Sec. II-C and Fig. 5 (SDLM approximated by stepwise SGD)",
    ),
    "alexnet": Recipe(
        epochs=90,
        batch_size=128,
        lr=0.01,
        momentum=0.9,
        weight_decay=5e-4,
        schedule="plateau",
        patience=5,
        data="imagenet",
        source="Krizhevsky et al. 2012, Sec. 5: SGD, momentum 0.9, decay 5e-4, lr 0.01 /10 on plateau",
    ),
    "zfnet": Recipe(
        epochs=70,
        batch_size=128,
        lr=0.01,
        momentum=0.9,
        weight_decay=5e-4,
        schedule="plateau",
        patience=5,
        data="imagenet",
        source="Zeiler & Fergus 2014, Sec. 3: SGD, batch 128, lr 1e-2, momentum 0.9, annealed",
    ),
    "vgg": Recipe(
        epochs=74,
        batch_size=256,
        lr=0.01,
        momentum=0.9,
        weight_decay=5e-4,
        schedule="plateau",
        patience=5,
        data="imagenet",
        source="Simonyan & Zisserman 2015, Sec. 3.1: batch 256, momentum 0.9, decay 5e-4, lr 1e-2 /10",
    ),
    "googlenet": Recipe(
        epochs=250,
        batch_size=128,
        lr=0.01,
        momentum=0.9,
        weight_decay=2e-4,
        schedule="step",
        step_size=8,
        gamma=0.96,
        data="imagenet",
        source="Szegedy et al. 2014, Sec. 6: momentum 0.9, lr -4% every 8 epochs; aux losses weighted 0.3",
    ),
    "resnet": Recipe(
        epochs=120,
        batch_size=256,
        lr=0.1,
        momentum=0.9,
        weight_decay=1e-4,
        schedule="plateau",
        patience=5,
        data="imagenet",
        source="He et al. 2016, Sec. 3.4: batch 256, lr 0.1 /10 on plateau, decay 1e-4, momentum 0.9",
    ),
    # 32k and 48k of 64k iterations at batch 128 on CIFAR-10's 50k images (391 per epoch): epochs 82, 123, 164.
    "resnet-cifar": Recipe(
        epochs=164,
        batch_size=128,
        lr=0.1,
        momentum=0.9,
        weight_decay=1e-4,
        schedule="multistep",
        milestones=(82, 123),
        data="cifar10",
        source="He et al. 2016, Sec. 4.2",
    ),
}

# CPU-sized recipes on the embedded data (quick profile), measured on a 2-core CPU.
QUICK_RECIPES: dict[str, Recipe] = {
    # Both LeNet-5s: the classic one's RBF outputs (logits = minus squared distances, in the hundreds)
    # diverge above lr ~0.005, and it needs many small steps; the shifts are the augmentation that helps.
    "lenet5": Recipe(
        epochs=50,
        batch_size=16,
        lr=0.003,
        momentum=0.9,
        weight_decay=0.0,
        schedule="cosine",
        augment=Augment(crop_padding=2),
        data="digits",
        source="tuned on digits 32×32 for both LeNet-5 variants (classic with normalize='lecun')",
    ),
    "imagenet-era": Recipe(
        epochs=15,
        batch_size=64,
        lr=0.05,
        momentum=0.9,
        weight_decay=5e-4,
        schedule="cosine",
        data="patterns",
        source="the papers' SGD + momentum + weight decay, cosine-annealed over a few epochs on the patterns",
    ),
    "resnet-cifar": Recipe(
        epochs=15,
        batch_size=64,
        lr=0.1,
        momentum=0.9,
        weight_decay=1e-4,
        schedule="cosine",
        data="patterns",
        source="He et al.'s CIFAR settings, shortened to a cosine schedule over a few epochs on the patterns",
    ),
}

# Colab-sized recipes on the real data (full profile): on a free T4, with mixed precision and the data on the GPU,
# each chapter's training takes about ten minutes (benchmarks/gpu_check.py measures it; estimate() models it).
FULL_RECIPES: dict[str, Recipe] = {
    # Both LeNet-5s on MNIST (padded to 32×32). The classic one's RBF outputs diverge at large steps, so the
    # rate stays the quick profile's order of magnitude; batch 64 instead of the paper's 1 keeps a T4 busy.
    "lenet5": Recipe(
        epochs=15,
        batch_size=64,
        lr=0.005,
        momentum=0.9,
        schedule="cosine",
        augment=Augment(crop_padding=2),
        data="mnist",
        source="SGD with momentum on MNIST 32×32, cosine over 15 epochs (the paper: SDLM, batch 1, 20 epochs)",
    ),
    "imagenet-era": Recipe(
        epochs=15,
        batch_size=128,
        lr=0.01,
        momentum=0.9,
        weight_decay=5e-4,
        schedule="cosine",
        data="cifar10",
        source="the papers' SGD (lr 0.01, momentum 0.9, decay 5e-4) on CIFAR-10, cosine-annealed over 15 epochs",
    ),
    # He et al.'s CIFAR settings with a 30-epoch cosine schedule instead of 164 epochs with two steps.
    "resnet-cifar": Recipe(
        epochs=30,
        batch_size=128,
        lr=0.1,
        momentum=0.9,
        weight_decay=5e-4,
        schedule="cosine",
        data="cifar10",
        source="He et al. 2016, Sec. 4.2's SGD (lr 0.1, momentum 0.9, batch 128), 30 epochs cosine, decay 5e-4",
    ),
}

_FAMILIES = {
    "lenet5": "lenet5",
    "alexnet": "alexnet",
    "zfnet": "zfnet",
    "vgg": "vgg",
    "googlenet": "googlenet",
    "resnet": "resnet",
}


CIFAR_DEPTHS = (20, 32, 44, 56, 110)  # 6n + 2 layers, He et al. 2016, Sec. 4.2


def family(model_name: str) -> str:
    """The recipe family of a model name: ``vgg16_bn`` → ``vgg``, ``resnet20`` → ``resnet-cifar``."""
    name = model_name.lower()
    depth = re.fullmatch(r"(resnet|plain)(\d+)", name)
    if depth and (depth[1] == "plain" or int(depth[2]) in CIFAR_DEPTHS):
        return "resnet-cifar"
    for prefix, result in _FAMILIES.items():
        if name.startswith(prefix):
            return result
    raise ValueError(f"no recipe for model {model_name!r}; known families: {sorted(set(_FAMILIES.values()))}")


def recipe(model_name: str, profile: Profile | None = None) -> Recipe:
    """The training recipe for a model in a profile (default: the active one).

    >>> recipe("lenet5", "quick").data
    'digits'
    >>> recipe("resnet50", "paper").data
    'imagenet'
    """
    profile = profile or active_profile()
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    kind = family(model_name)
    if profile == "paper":
        return PAPER_RECIPES[kind]
    table = FULL_RECIPES if profile == "full" else QUICK_RECIPES
    return table.get(kind, table["imagenet-era"])
