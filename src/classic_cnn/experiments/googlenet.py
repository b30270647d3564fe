"""GoogLeNet's ideas at CPU scale (chapter 6): Inception costs, layer counts, a small GoogLeNet.

:class:`SmallGoogLeNet` keeps the layout of Table 1 of Szegedy et al. (2014) — Inception 3a–3b, pool, 4a–4e,
pool, 5a–5b, global average pooling, dropout, one linear layer, auxiliary classifiers on 4a and 4d — for
32×32 colour images, with every Inception row scaled by ``width`` and a single 3×3 convolution as the stem.
:func:`inception_multiply_adds` prices one module with or without its 1×1 reductions, and
:func:`depth_in_layers` counts the layers with parameters along the longest path, as the paper does ("22").
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from classic_cnn.models.googlenet import (
    INCEPTION_3A,
    INCEPTION_3B,
    INCEPTION_4A,
    INCEPTION_4B,
    INCEPTION_4C,
    INCEPTION_4D,
    INCEPTION_4E,
    INCEPTION_5A,
    INCEPTION_5B,
    GoogLeNetOutputs,
    InceptionModule,
    inception_stages,
)
from classic_cnn.profile import Profile, active_profile
from classic_cnn.shapes import conv_macs
from classic_cnn.train import Recipe, recipe

TABLE_1 = {
    "3a": INCEPTION_3A,
    "3b": INCEPTION_3B,
    "4a": INCEPTION_4A,
    "4b": INCEPTION_4B,
    "4c": INCEPTION_4C,
    "4d": INCEPTION_4D,
    "4e": INCEPTION_4E,
    "5a": INCEPTION_5A,
    "5b": INCEPTION_5B,
}


def inception_multiply_adds(row: tuple[int, ...], size: int, reductions: bool = True) -> dict[str, int]:
    """Multiply-adds of each branch of one Inception module on a ``size``×``size`` input (Fig. 2).

    ``row`` is a Table 1 row ``(in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj)``. Without
    ``reductions`` (the naive module, Fig. 2a) the 3×3 and 5×5 convolutions see all input channels and the
    pooling branch passes the input through unchanged (no multiply-adds, but all its channels).
    """
    if len(row) != 7:
        raise ValueError(
            f"an Inception row has 7 numbers (in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj), got {row}"
        )
    in_channels, ch1x1, reduce3, ch3x3, reduce5, ch5x5, pool_proj = row
    if reductions:
        return {
            "1x1": conv_macs(in_channels, ch1x1, 1, size, size),
            "3x3": conv_macs(in_channels, reduce3, 1, size, size) + conv_macs(reduce3, ch3x3, 3, size, size),
            "5x5": conv_macs(in_channels, reduce5, 1, size, size) + conv_macs(reduce5, ch5x5, 5, size, size),
            "pool": conv_macs(in_channels, pool_proj, 1, size, size),
        }
    return {
        "1x1": conv_macs(in_channels, ch1x1, 1, size, size),
        "3x3": conv_macs(in_channels, ch3x3, 3, size, size),
        "5x5": conv_macs(in_channels, ch5x5, 5, size, size),
        "pool": 0,
    }


def output_channels(row: tuple[int, ...], reductions: bool = True) -> int:
    """Depth of the concatenated output; the naive module's pooling branch keeps all input channels."""
    in_channels, ch1x1, _, ch3x3, _, ch5x5, pool_proj = row
    return ch1x1 + ch3x3 + ch5x5 + (pool_proj if reductions else in_channels)


def _weight_layers(module: nn.Module) -> int:
    """Layers with parameters along the longest path through ``module`` (Inception: its deepest branch)."""
    if isinstance(module, InceptionModule):
        return max(
            _weight_layers(branch) for branch in (module.branch1, module.branch2, module.branch3, module.branch4)
        )
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        return 1
    return sum(_weight_layers(child) for child in module.children())


def depth_in_layers(model: nn.Module, skip: tuple[str, ...] = ("aux1", "aux2")) -> dict[str, int]:
    """The paper's count: layers with parameters on the longest path, and with the pooling layers too.

    Walks the top-level children in order (the auxiliary classifiers, side branches, are skipped); an
    Inception module counts as its deepest branch (1×1 reduce → 3×3: 2 layers). Batch norm is not a layer
    of its own here (it belongs to its convolution).
    """
    with_params = pools = 0
    for name, child in model.named_children():
        if name in skip or child is None:
            continue
        if isinstance(child, (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d)):
            pools += 1
        else:
            with_params += _weight_layers(child)
    return {"with parameters": with_params, "with pooling": with_params + pools}


def scaled_row(row: tuple[int, ...], width: float, in_channels: int) -> tuple[int, ...]:
    """A Table 1 row with every width multiplied by ``width`` (at least 1) and the given input depth."""
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    return (in_channels, *(max(1, round(channels * width)) for channels in row[1:]))


class SmallAux(nn.Module):
    """An auxiliary classifier (§5) for small maps: 5×5/3 average pool → 1×1 conv → FC → dropout 0.7 → FC."""

    def __init__(self, in_channels: int, num_classes: int, width: float, size: int):
        super().__init__()
        self.pool = nn.AvgPool2d(kernel_size=5, stride=3)
        pooled = (size - 5) // 3 + 1
        reduced, hidden = max(1, round(128 * width)), max(1, round(1024 * width))
        self.conv = nn.Conv2d(in_channels, reduced, kernel_size=1)
        self.fc1 = nn.Linear(reduced * pooled * pooled, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)
        self.dropout = nn.Dropout(0.7)

    def forward(self, x: Tensor) -> Tensor:
        x = torch.flatten(F.relu(self.conv(self.pool(x)), inplace=True), 1)
        return self.fc2(self.dropout(F.relu(self.fc1(x), inplace=True)))


class SmallGoogLeNet(nn.Module):
    """GoogLeNet's Table 1 for 32×32 images: a 3×3 stem, nine width-scaled Inception modules, GAP, one FC.

    Volumes: 32 (stem) → 16 (3a, 3b) → 8 (4a–4e) → 4 (5a, 5b) → global average → classes. The paper does not
    say how its weights were initialized; PyTorch's default initialization leaves a plain ReLU stack this deep
    unable to learn (chapter 5), so convolutions start from He et al. (2015) and biases from zero. In training mode
    with ``aux_logits`` the model returns ``GoogLeNetOutputs(logits, aux1, aux2)``, like ``googlenet()``;
    :class:`~classic_cnn.train.Trainer` adds the auxiliary losses with the recipe's ``aux_weight`` (0.3).
    """

    def __init__(
        self,
        num_classes: int = 10,
        width: float = 0.125,
        aux_logits: bool = True,
        in_channels: int = 3,
        input_size: int = 32,
        dropout: float = 0.4,
    ):
        super().__init__()
        if input_size % 8 or input_size < 16:
            raise ValueError(f"input_size must be a multiple of 8 and at least 16 (three poolings), got {input_size}")
        self.input_size = (in_channels, input_size, input_size)
        self.aux_logits = aux_logits
        stem = max(1, round(192 * width))  # the depth entering 3a in Table 1
        self.stem = nn.Sequential(nn.Conv2d(in_channels, stem, kernel_size=3, padding=1), nn.ReLU(inplace=True))
        self.maxpool2 = nn.MaxPool2d(3, stride=2, padding=1)
        depth = stem
        for name, row in TABLE_1.items():
            module = InceptionModule(scaled_row(row, width, depth))
            setattr(self, f"inception{name}", module)
            depth = module.out_channels
            if name == "3b":
                self.maxpool3 = nn.MaxPool2d(3, stride=2, padding=1)
            if name == "4e":
                self.maxpool4 = nn.MaxPool2d(3, stride=2, padding=1)
        middle = input_size // 4
        self.aux1 = SmallAux(self.inception4a.out_channels, num_classes, width, middle) if aux_logits else None
        self.aux2 = SmallAux(self.inception4d.out_channels, num_classes, width, middle) if aux_logits else None
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(depth, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)

    def forward(self, x: Tensor) -> Tensor | GoogLeNetOutputs:
        return inception_stages(self, self.maxpool2(self.stem(x)))


@dataclass(frozen=True)
class AuxSettings:
    """How large the with/without auxiliary classifiers comparison is in a profile."""

    profile: Profile
    width: float
    data: str
    epochs: int
    batch_size: int
    lr: float
    seeds: tuple[int, ...]  # one run per seed and setting: the spread between seeds is the noise

    def recipe(self) -> Recipe:
        """The profile's GoogLeNet recipe (auxiliary losses weighted 0.3) with this experiment's settings."""
        return recipe("googlenet", self.profile).replace(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr)


AUX_SETTINGS: dict[Profile, AuxSettings] = {
    # CPU: a sixteenth of the filters, one seed. Measured on 2 cores, ~35 s a run: 65-83% test accuracy after
    # 6 epochs with or without the auxiliaries (seeds 0 and 1); after 3 epochs some runs were still at chance.
    "quick": AuxSettings("quick", width=0.0625, data="patterns", epochs=6, batch_size=32, lr=0.02, seeds=(0,)),
    "full": AuxSettings("full", width=0.5, data="cifar10", epochs=30, batch_size=128, lr=0.01, seeds=(0, 1, 2)),
}


def aux_settings(profile: Profile | None = None) -> AuxSettings:
    """The settings of the auxiliary-classifier experiment for ``profile`` (default: the active one)."""
    profile = profile or active_profile()
    if profile not in AUX_SETTINGS:
        raise ValueError(f"profile must be one of {sorted(AUX_SETTINGS)}, got {profile!r}")
    return AUX_SETTINGS[profile]
