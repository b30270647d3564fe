"""After ResNet (chapter 8): the all-convolutional net, AlphaGo's policy network, the book's networks compared.

Layer tables are lists of :mod:`classic_cnn.shapes` specs, so the same list is traced (``shapes.trace``) and
built (``shapes.build``). :data:`SKETCHES` holds one small network per architecture family of the book, sized
for the quick profile (16×16 colour patterns).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import torch
from torch import nn

from classic_cnn.data import Dataset, load
from classic_cnn.hooks import eval_mode
from classic_cnn.models.googlenet import TORCHVISION, InceptionModule, output_channels
from classic_cnn.models.resnet_cifar import CifarResNet
from classic_cnn.profile import Profile, pick
from classic_cnn.shapes import FC, Conv, Flatten, GlobalAvgPool, Pool, Spec, build, scaled
from classic_cnn.train import History, Recipe, Trainer, fit_all

# Springenberg et al. 2014, Table 1 (model C) and Table 2 (All-CNN-C): 32×32 RGB input, ReLU after every
# convolution, "global averaging over 6×6 spatial dimensions", softmax. The paper gives the layers; the
# paddings are ours: 1 on the 3×3 convolutions before the last one, none on the last, which is what turns
# 32×32 into the 6×6 the paper averages over.
MODEL_C: list[Spec] = [
    Conv(96, 3, padding=1),
    Conv(96, 3, padding=1),
    Pool(3, stride=2, padding=1),
    Conv(192, 3, padding=1),
    Conv(192, 3, padding=1),
    Pool(3, stride=2, padding=1),
    Conv(192, 3),
    Conv(192, 1),
    Conv(10, 1),
    GlobalAvgPool(),
]
ALL_CNN_C: list[Spec] = [
    Conv(96, 3, padding=1),
    Conv(96, 3, padding=1),
    Conv(96, 3, stride=2, padding=1),
    Conv(192, 3, padding=1),
    Conv(192, 3, padding=1),
    Conv(192, 3, stride=2, padding=1),
    Conv(192, 3),
    Conv(192, 1),
    Conv(10, 1),
    GlobalAvgPool(),
]


def alphago_policy(filters: int = 192) -> list[Spec]:
    """AlphaGo's policy network (Silver et al. 2016, Methods): 19×19×48 in, 19×19×1 out, 13 convolutions.

    Layer 1 zero-pads to 23×23 and applies ``filters`` 5×5 filters; layers 2–12 pad to 21×21 and apply
    ``filters`` 3×3 filters; layer 13 is one 1×1 filter (its per-position bias is not a spec: add 361).
    """
    return [Conv(filters, 5, padding=2)] + [Conv(filters, 3, padding=1) for _ in range(11)] + [Conv(1, 1, bias=False)]


# --- one small network per family of the book (16×16×3 input, the quick profile) --------------------

SKETCH_SPECS: dict[str, list[Spec]] = {
    # 5×5 convolutions and average pooling, three fully connected layers (LeNet-5's C1-S2-C3-S4-C5-F6).
    "LeNet-5": [
        Conv(6, 5, padding=2),
        Pool(2, kind="avg"),
        Conv(16, 5),
        Pool(2, kind="avg"),
        Flatten(),
        FC(120),
        FC(84),
        FC(10),
    ],
    # A large first filter, overlapping max pooling, five convolutions, three fully connected layers.
    "AlexNet": [
        Conv(32, 5, padding=2),
        Pool(3, 2, padding=1),
        Conv(64, 5, padding=2),
        Pool(3, 2, padding=1),
        Conv(96, 3, padding=1),
        Conv(96, 3, padding=1),
        Conv(64, 3, padding=1),
        Pool(3, 2, padding=1),
        Flatten(),
        FC(256),
        FC(256),
        FC(10),
    ],
    # Only 3×3 convolutions in blocks of two or three, 2×2 max pooling, three fully connected layers.
    "VGG": [
        Conv(16, 3, padding=1),
        Conv(16, 3, padding=1),
        Pool(2),
        Conv(32, 3, padding=1),
        Conv(32, 3, padding=1),
        Pool(2),
        Conv(64, 3, padding=1),
        Conv(64, 3, padding=1),
        Conv(64, 3, padding=1),
        Pool(2),
        Flatten(),
        FC(128),
        FC(128),
        FC(10),
    ],
    # All-CNN-C at a quarter of the width: strided convolutions, no pooling, no fully connected layer.
    "All-CNN-C": scaled(ALL_CNN_C, 0.25, 10),
    "Model C (pooling)": scaled(MODEL_C, 0.25, 10),
}

# (in_channels, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj), a quarter of GoogLeNet's 3a, 3b and 4a.
SKETCH_INCEPTION = ((32, 16, 24, 32, 4, 8, 8), (64, 32, 32, 48, 8, 24, 16), (120, 48, 24, 52, 4, 12, 16))


def googlenet_sketch(num_classes: int = 10) -> nn.Sequential:
    """A stem, three Inception modules (with batch norm), global average pooling and one fully connected layer."""
    first, second, third = SKETCH_INCEPTION
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(inplace=True),
        InceptionModule(first, TORCHVISION),
        InceptionModule(second, TORCHVISION),
        nn.MaxPool2d(3, 2, padding=1),
        InceptionModule(third, TORCHVISION),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(output_channels(third), num_classes),
    )


def resnet_sketch(num_classes: int = 10) -> CifarResNet:
    """ResNet-20 at half width (8, 16, 32 filters); it takes any image size."""
    return CifarResNet(20, num_classes, width=0.5)


SKETCHES: dict[str, Callable[[], nn.Module]] = {
    "LeNet-5": lambda: build(SKETCH_SPECS["LeNet-5"], batch_norm=True),
    "AlexNet": lambda: build(SKETCH_SPECS["AlexNet"], batch_norm=True),
    "VGG": lambda: build(SKETCH_SPECS["VGG"], batch_norm=True),
    "GoogLeNet": googlenet_sketch,
    "ResNet": resnet_sketch,
    "All-CNN-C": lambda: build(SKETCH_SPECS["All-CNN-C"], batch_norm=True),
}


def sketch(name: str, image_size: int = 16) -> nn.Module:
    """A family's small network, its lazy layers initialized by one forward pass on a blank batch."""
    if name not in SKETCHES and name not in SKETCH_SPECS:
        raise ValueError(f"unknown sketch {name!r}; choose one of {sorted({*SKETCHES, *SKETCH_SPECS})}")
    model = SKETCHES[name]() if name in SKETCHES else build(SKETCH_SPECS[name], batch_norm=True)
    with eval_mode(model), torch.no_grad():
        model(torch.zeros(2, 3, image_size, image_size))
    return model


# --- depth, from the autograd graph -------------------------------------------------------------


# --- the comparison run: every family's sketch, one recipe ---------------------------------------


@dataclass(frozen=True)
class ComparisonSetup:
    """Which data the sketches see (name, image side, how many training images) and the one recipe for all."""

    data: str
    image_size: int
    train_images: int | None
    recipe: Recipe
    note: str


COMPARISON: dict[Profile, ComparisonSetup] = {
    "quick": ComparisonSetup(
        data="patterns",
        image_size=16,
        train_images=2000,
        recipe=Recipe(
            epochs=6,
            batch_size=64,
            lr=0.05,
            momentum=0.9,
            weight_decay=5e-4,
            schedule="cosine",
            data="patterns",
            source="SGD with momentum, cosine-annealed over 6 epochs",
        ),
        note="2,000 generated 16×16 colour patterns, 6 epochs each, on a CPU",
    ),
    "full": ComparisonSetup(
        data="cifar10",
        image_size=32,
        train_images=None,
        recipe=Recipe(
            epochs=30,
            batch_size=128,
            lr=0.05,
            momentum=0.9,
            weight_decay=5e-4,
            schedule="cosine",
            data="cifar10",
            source="SGD with momentum, cosine-annealed over 30 epochs",
        ),
        note="CIFAR-10 (50,000 images, 32×32), 30 epochs each, on a GPU",
    ),
}


def comparison_data(setup: ComparisonSetup) -> Dataset:
    """The setup's dataset, cut to its first ``train_images`` training images."""
    data = load(setup.data, size=setup.image_size)
    if setup.train_images is not None:
        data = replace(
            data,
            train_images=data.train_images[: setup.train_images],
            train_labels=data.train_labels[: setup.train_images],
        )
    return data


def train_sketches(
    names: Sequence[str], setup: ComparisonSetup | None = None, data: Dataset | None = None, seed: int = 0
) -> dict[str, tuple[nn.Module, History]]:
    """Train each named sketch with the setup's recipe and seed: ``{name: (model, history)}`` (on a multi-core
    CPU side by side, :func:`~classic_cnn.train.fit_all`)."""
    setup = setup or pick(COMPARISON)
    data = data if data is not None else comparison_data(setup)
    trainers = {}
    for name in names:
        torch.manual_seed(seed)
        trainers[name] = Trainer(sketch(name, data.input_shape[-1]), data, setup.recipe, seed=seed)
    fit_all(trainers.values())
    return {name: (trainer.model, trainer.history) for name, trainer in trainers.items()}
