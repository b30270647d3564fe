"""The CIFAR-10 networks of He et al. 2015, §4.2: ``resnet20/32/44/56/110`` and ``plain20/32/44/56/110``.

A 3×3 convolution with 16 filters, then three stages of n blocks of two 3×3 convolutions with 16, 32 and
64 filters on 32×32, 16×16 and 8×8 maps (the first convolution of stages 2 and 3 has stride 2), global
average pooling and a 10-way fully connected layer: 6n + 2 weighted layers. The residual networks use
option-A shortcuts, which have no parameters: where the shape changes the shortcut subsamples by 2 and
pads the new channels with zeros. The plain networks are the same stacks without shortcuts, so both
have exactly the same parameters.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from classic_cnn.models._input import InputSpec, Network
from classic_cnn.models.resnet import _init_he, conv3x3
from classic_cnn.shapes import scale_channels

STAGE_WIDTHS = (16, 32, 64)  # §4.2: "the numbers of filters are {16, 32, 64} respectively"


def zero_pad_shortcut(x: Tensor, out_channels: int, stride: int) -> Tensor:
    """Option A: keep every ``stride``-th pixel and append zero channels up to ``out_channels``."""
    if stride > 1:
        x = x[:, :, ::stride, ::stride]
    extra = out_channels - x.shape[1]
    return F.pad(x, (0, 0, 0, 0, 0, extra)) if extra else x


class CifarBlock(nn.Module):
    """Two 3×3 convolutions with batch norm, with (``shortcut=True``) or without an option-A shortcut."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, shortcut: bool = True):
        super().__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut, self.out_channels, self.stride = shortcut, out_channels, stride

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.shortcut:
            out += zero_pad_shortcut(x, self.out_channels, self.stride)
        return self.relu(out)


class CifarResNet(Network):
    """A 6n+2-layer CIFAR network (§4.2), residual (``shortcut=True``) or plain; ``width`` scales the filters."""

    input_spec = InputSpec(3, 32, min_size=4)  # size-agnostic: two stride-2 stages, then global average pooling

    def __init__(self, depth: int, num_classes: int = 10, shortcut: bool = True, *, width: float = 1.0):
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f"depth must be 6n + 2 (20, 32, 44, 56, 110, ...), got {depth}")
        blocks = (depth - 2) // 6
        widths = [scale_channels(channels, width) for channels in STAGE_WIDTHS]
        self.name = f"{'ResNet' if shortcut else 'Plain'}-{depth}"
        self.conv1 = conv3x3(3, widths[0])
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        stages, in_channels = [], widths[0]
        for index, channels in enumerate(widths):
            stride = 1 if index == 0 else 2
            stage = [CifarBlock(in_channels, channels, stride, shortcut)]
            stage += [CifarBlock(channels, channels, 1, shortcut) for _ in range(1, blocks)]
            stages.append(nn.Sequential(*stage))
            in_channels = channels
        self.layer1, self.layer2, self.layer3 = stages
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[-1], num_classes)
        _init_he(self)

    def forward(self, x: Tensor) -> Tensor:
        self.check_input(x)
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(self.avgpool(x).flatten(1))


def resnet20(num_classes: int = 10, *, width: float = 1.0) -> CifarResNet:
    """ResNet-20 for CIFAR-10 (He et al. 2015, §4.2, Table 6): 0.27M parameters."""
    return CifarResNet(20, num_classes, width=width)


def resnet32(num_classes: int = 10, *, width: float = 1.0) -> CifarResNet:
    """ResNet-32 for CIFAR-10 (Table 6): 0.46M parameters."""
    return CifarResNet(32, num_classes, width=width)


def resnet44(num_classes: int = 10, *, width: float = 1.0) -> CifarResNet:
    """ResNet-44 for CIFAR-10 (Table 6): 0.66M parameters."""
    return CifarResNet(44, num_classes, width=width)


def resnet56(num_classes: int = 10, *, width: float = 1.0) -> CifarResNet:
    """ResNet-56 for CIFAR-10 (Table 6): 0.85M parameters."""
    return CifarResNet(56, num_classes, width=width)


def resnet110(num_classes: int = 10, *, width: float = 1.0) -> CifarResNet:
    """ResNet-110 for CIFAR-10 (Table 6): 1.7M parameters."""
    return CifarResNet(110, num_classes, width=width)


def plain20(num_classes: int = 10, *, width: float = 1.0) -> CifarResNet:
    """The 20-layer plain network of §4.2 (Fig. 6 left): ResNet-20 without shortcuts."""
    return CifarResNet(20, num_classes, shortcut=False, width=width)


def plain32(num_classes: int = 10, *, width: float = 1.0) -> CifarResNet:
    """The 32-layer plain network of §4.2."""
    return CifarResNet(32, num_classes, shortcut=False, width=width)


def plain44(num_classes: int = 10, *, width: float = 1.0) -> CifarResNet:
    """The 44-layer plain network of §4.2."""
    return CifarResNet(44, num_classes, shortcut=False, width=width)


def plain56(num_classes: int = 10, *, width: float = 1.0) -> CifarResNet:
    """The 56-layer plain network of §4.2 (worse than plain-20: the degradation problem)."""
    return CifarResNet(56, num_classes, shortcut=False, width=width)


def plain110(num_classes: int = 10, *, width: float = 1.0) -> CifarResNet:
    """The 110-layer plain network of §4.2."""
    return CifarResNet(110, num_classes, shortcut=False, width=width)
