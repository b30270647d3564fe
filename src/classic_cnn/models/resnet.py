"""ResNet for ImageNet (He, Zhang, Ren & Sun 2015, Table 1): ``resnet18/34/50/101/152``.

Blocks are named after the paper (``BasicBlock``; ``Bottleneck`` with ``expansion = 4``), shortcuts that
change the shape are projections (option B: 1×1 convolution + batch norm), and the ``state_dict`` keys and
shapes are torchvision's, so its pretrained weights load with ``strict=True``.

Where a bottleneck block halves the resolution, the paper strides its first 1×1 convolution
(``stride_in="1x1"``, the default: "conv3_1, conv4_1, conv5_1 with a stride of 2"); torchvision ("ResNet
v1.5") strides the 3×3 instead (``stride_in="3x3"``). Then the first 1×1 runs at the higher resolution —
more multiply-adds (4.09 instead of 3.86 ×10⁹ for ResNet-50) — but no longer skips three quarters of its
input positions, which makes v1.5 a little more accurate. The
parameters are the same, so the state dict is too; torchvision's weights give its outputs only with "3x3".
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn

from classic_cnn.models._input import InputSpec, Network
from classic_cnn.shapes import scale_channels

StrideIn = Literal["1x1", "3x3"]


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3×3 convolutions and a shortcut (Fig. 2 / Fig. 5 left): ResNet-18 and -34."""

    expansion = 1

    def __init__(
        self, in_channels: int, channels: int, stride: int = 1, downsample: nn.Module | None = None, **_: object
    ):
        super().__init__()
        self.conv1 = conv3x3(in_channels, channels, stride)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(channels, channels)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """1×1 (reduce) → 3×3 → 1×1 (expand ×4) and a shortcut (Fig. 5 right): ResNet-50, -101, -152."""

    expansion = 4

    def __init__(
        self,
        in_channels: int,
        channels: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        stride_in: StrideIn = "1x1",
    ):
        super().__init__()
        stride_1x1, stride_3x3 = (stride, 1) if stride_in == "1x1" else (1, stride)
        self.conv1 = conv1x1(in_channels, channels, stride_1x1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = conv3x3(channels, channels, stride_3x3)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv3 = conv1x1(channels, channels * self.expansion)
        self.bn3 = nn.BatchNorm2d(channels * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += identity
        return self.relu(out)


Block = type[BasicBlock] | type[Bottleneck]

# Table 1 of He et al. 2015: the block and the number of blocks in conv2_x, conv3_x, conv4_x, conv5_x.
STAGES: dict[int, tuple[Block, tuple[int, int, int, int]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}
STAGE_WIDTHS = (64, 128, 256, 512)  # filters of the first conv of a block, conv2_x … conv5_x


class ResNet(Network):
    """An ImageNet ResNet: 7×7/2 conv, 3×3/2 max pool, four stages of blocks, global average pool, FC.

    ``width`` scales every stage (a CPU-sized network; breaks torchvision compatibility). The network is
    size-agnostic (any side ≥ 32); ``input_size`` is the side a summary traces (the paper's 224).
    """

    def __init__(
        self,
        depth: int,
        num_classes: int = 1000,
        *,
        stride_in: StrideIn = "1x1",
        width: float = 1.0,
        input_size: int = 224,
    ):
        super().__init__()
        if depth not in STAGES:
            raise ValueError(f"depth must be one of {sorted(STAGES)}, got {depth}")
        if stride_in not in ("1x1", "3x3"):
            raise ValueError(f"stride_in must be '1x1' (the paper) or '3x3' (torchvision v1.5), got {stride_in!r}")
        if input_size < 32:
            raise ValueError(f"input_size must be at least 32 (the network halves it five times), got {input_size}")
        block, counts = STAGES[depth]
        self.name, self.stride_in = f"ResNet-{depth}", stride_in
        self.input_spec = InputSpec(3, input_size, min_size=32)
        stem = scale_channels(64, width)
        self.conv1 = nn.Conv2d(3, stem, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.in_channels = stem
        widths = [scale_channels(channels, width) for channels in STAGE_WIDTHS]
        self.layer1 = self._make_layer(block, widths[0], counts[0], stride=1)
        self.layer2 = self._make_layer(block, widths[1], counts[1], stride=2)
        self.layer3 = self._make_layer(block, widths[2], counts[2], stride=2)
        self.layer4 = self._make_layer(block, widths[3], counts[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3] * block.expansion, num_classes)
        _init_he(self)

    def _make_layer(self, block: Block, channels: int, blocks: int, stride: int) -> nn.Sequential:
        """One stage: the first block may halve the size and widen (with a projection shortcut)."""
        out_channels = channels * block.expansion
        downsample = None
        if stride != 1 or self.in_channels != out_channels:
            downsample = nn.Sequential(conv1x1(self.in_channels, out_channels, stride), nn.BatchNorm2d(out_channels))
        layers = [block(self.in_channels, channels, stride, downsample, stride_in=self.stride_in)]
        self.in_channels = out_channels
        layers += [block(out_channels, channels, stride_in=self.stride_in) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        self.check_input(x)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def _init_he(model: nn.Module) -> None:
    """He et al. 2015 [13] initialization of the convolutions; batch norm starts as the identity."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d) and not module.weight.is_meta:  # meta: shapes only, nothing to draw
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)


def resnet18(
    num_classes: int = 1000, *, stride_in: StrideIn = "1x1", width: float = 1.0, input_size: int = 224
) -> ResNet:
    """ResNet-18 (He et al. 2015, Table 1): 1.8 ×10⁹ multiply-adds, 11.7M parameters."""
    return ResNet(18, num_classes, stride_in=stride_in, width=width, input_size=input_size)


def resnet34(
    num_classes: int = 1000, *, stride_in: StrideIn = "1x1", width: float = 1.0, input_size: int = 224
) -> ResNet:
    """ResNet-34 (Table 1): 3.6 ×10⁹ multiply-adds, 21.8M parameters."""
    return ResNet(34, num_classes, stride_in=stride_in, width=width, input_size=input_size)


def resnet50(
    num_classes: int = 1000, *, stride_in: StrideIn = "1x1", width: float = 1.0, input_size: int = 224
) -> ResNet:
    """ResNet-50 (Table 1): 3.8 ×10⁹ multiply-adds (paper's ``stride_in="1x1"``), 25.6M parameters."""
    return ResNet(50, num_classes, stride_in=stride_in, width=width, input_size=input_size)


def resnet101(
    num_classes: int = 1000, *, stride_in: StrideIn = "1x1", width: float = 1.0, input_size: int = 224
) -> ResNet:
    """ResNet-101 (Table 1): 7.6 ×10⁹ multiply-adds, 44.5M parameters."""
    return ResNet(101, num_classes, stride_in=stride_in, width=width, input_size=input_size)


def resnet152(
    num_classes: int = 1000, *, stride_in: StrideIn = "1x1", width: float = 1.0, input_size: int = 224
) -> ResNet:
    """ResNet-152 (Table 1): 11.3 ×10⁹ multiply-adds, 60.2M parameters."""
    return ResNet(152, num_classes, stride_in=stride_in, width=width, input_size=input_size)
