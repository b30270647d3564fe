"""VGG (Simonyan & Zisserman 2014): the configurations of Table 1, as data.

Each configuration lists its layers: an int is a 3×3 convolution (stride 1, padding 1) with that many
filters, ``(n, 1)`` a 1×1 convolution with n filters (configuration C), ``"M"`` a 2×2 max pool of stride 2,
``"LRN"`` local response normalization (A-LRN). Every convolution is followed by ReLU (and batch norm
before it with ``batch_norm=True``, which the paper did not have). ``vgg11/13/16/19`` match
``torchvision.models.vgg11/13/16/19`` layer for layer, down to the ``state_dict`` keys.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from classic_cnn.models._input import InputSpec, Network
from classic_cnn.models.alexnet import local_response_norm
from classic_cnn.shapes import scale_channels

Layer = int | tuple[int, int] | str

# Table 1 of Simonyan & Zisserman (2014): configurations A (11 weight layers) to E (19).
CONFIGS: dict[str, list[Layer]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "A-LRN": [64, "LRN", "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "C": [64, 64, "M", 128, 128, "M", 256, 256, (256, 1), "M", 512, 512, (512, 1), "M", 512, 512, (512, 1), "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}
NAMES = {"A": "VGG-11", "A-LRN": "VGG-11 (A-LRN)", "B": "VGG-13", "C": "VGG-16 (C)", "D": "VGG-16", "E": "VGG-19"}
FC_WIDTH = 4096


def make_layers(
    config: list[Layer], batch_norm: bool = False, width: float = 1.0, in_channels: int = 3
) -> nn.Sequential:
    """The convolutional part of a configuration; ``width`` scales every layer's number of filters."""
    layers: list[nn.Module] = []
    for layer in config:
        if layer == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        elif layer == "LRN":
            layers.append(local_response_norm())
        else:
            out_channels, kernel_size = (layer, 3) if isinstance(layer, int) else layer
            out_channels = scale_channels(out_channels, width)
            layers.append(nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.ReLU(inplace=True))
            in_channels = out_channels
    return nn.Sequential(*layers)


class VGG(Network):
    """A VGG network: ``features`` (the conv stack), ``avgpool``, ``classifier`` (FC-4096, FC-4096, FC-classes).

    ``input_size`` (a multiple of 32) and ``width`` shrink the network for CPU training; the classifier
    then sees ``512·width × (input_size/32)²`` features (25,088 at the paper's 224).
    """

    def __init__(
        self,
        config: str = "D",
        num_classes: int = 1000,
        batch_norm: bool = False,
        *,
        width: float = 1.0,
        input_size: int = 224,
        in_channels: int = 3,
        dropout: float = 0.5,
    ):
        super().__init__()
        if config not in CONFIGS:
            raise ValueError(f"config must be one of {sorted(CONFIGS)}, got {config!r}")
        if input_size < 32 or input_size % 32:
            raise ValueError(f"input_size must be a multiple of 32 (five 2×2 poolings), got {input_size}")
        self.name = NAMES[config] + (" with batch norm" if batch_norm else "")
        self.input_spec = InputSpec(in_channels, input_size, rebuild="input_size")
        self.features = make_layers(CONFIGS[config], batch_norm, width, in_channels)
        final_size = input_size // 32  # 7 at 224: then this pooling changes nothing, as in torchvision
        self.avgpool = nn.AdaptiveAvgPool2d((final_size, final_size))
        channels, hidden = scale_channels(512, width), scale_channels(FC_WIDTH, width)
        self.classifier = nn.Sequential(
            nn.Linear(channels * final_size * final_size, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        self.check_input(x)
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def vgg(config: str, num_classes: int = 1000, batch_norm: bool = False, **kwargs: object) -> VGG:
    """Any configuration of Table 1 by its letter: "A", "A-LRN", "B", "C", "D" or "E"."""
    return VGG(config, num_classes, batch_norm, **kwargs)  # type: ignore[arg-type]


def vgg11(num_classes: int = 1000, batch_norm: bool = False, **kwargs: object) -> VGG:
    """VGG-11, configuration A (Simonyan & Zisserman 2014, Table 1); 133 million parameters."""
    return vgg("A", num_classes, batch_norm, **kwargs)


def vgg13(num_classes: int = 1000, batch_norm: bool = False, **kwargs: object) -> VGG:
    """VGG-13, configuration B (Table 1); 133 million parameters."""
    return vgg("B", num_classes, batch_norm, **kwargs)


def vgg16(num_classes: int = 1000, batch_norm: bool = False, **kwargs: object) -> VGG:
    """VGG-16, configuration D (Table 1); 138 million parameters."""
    return vgg("D", num_classes, batch_norm, **kwargs)


def vgg19(num_classes: int = 1000, batch_norm: bool = False, **kwargs: object) -> VGG:
    """VGG-19, configuration E (Table 1); 144 million parameters."""
    return vgg("E", num_classes, batch_norm, **kwargs)
