"""GoogLeNet (Szegedy et al. 2014): Table 1 as data, Inception modules, auxiliary classifiers.

``googlenet()`` is the paper's network: convolutions with biases and ReLU, local response normalization
after the first pooling and after the 3×3 convolution (Fig. 3), 5×5 convolutions in the "5x5" branch,
max pooling 3×3/2 before 5a, 7×7 average pooling, dropout 0.4, and in training two auxiliary classifiers
on 4a and 4d (§5). ``googlenet(variant="torchvision")`` is ``torchvision.models.googlenet``'s layout, whose
``state_dict`` it shares. torchvision differs from the paper because its weights were ported from a
later re-implementation: every convolution is followed by batch norm (eps 0.001) and has no bias (BN came
after the paper), there is no LRN, the "5x5" branch uses a 3×3 kernel (a known porting bug torchvision
keeps for weight compatibility), the pooling before 5a is 2×2/2, the average pooling and the auxiliary
pooling are adaptive, the dropout is 0.2, and ``transform_input`` can re-normalize ImageNet inputs.
Both round pooling sizes up (``ceil_mode``), as Caffe did: 112 → 56 → 28 → 14 → 7.

In training mode with ``aux_logits=True`` the model returns ``GoogLeNetOutputs(logits, aux1, aux2)``; in
eval mode (or with ``aux_logits=False``) only the logits. ``googlenet_loss`` adds the auxiliary losses with
the paper's weight 0.3.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from classic_cnn.models._input import InputSpec, Network
from classic_cnn.models.alexnet import local_response_norm

# (in_channels, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj) — Szegedy et al. 2014, Table 1
INCEPTION_3A = (192, 64, 96, 128, 16, 32, 32)
INCEPTION_3B = (256, 128, 128, 192, 32, 96, 64)
INCEPTION_4A = (480, 192, 96, 208, 16, 48, 64)
INCEPTION_4B = (512, 160, 112, 224, 24, 64, 64)
INCEPTION_4C = (512, 128, 128, 256, 24, 64, 64)
INCEPTION_4D = (512, 112, 144, 288, 32, 64, 64)
INCEPTION_4E = (528, 256, 160, 320, 32, 128, 128)
INCEPTION_5A = (832, 256, 160, 320, 32, 128, 128)
INCEPTION_5B = (832, 384, 192, 384, 48, 128, 128)
AUX_WEIGHT = 0.3  # §5: "their loss gets added to the total loss of the network with a discount weight"

Variant = Literal["paper", "torchvision"]


class ConvReLU(nn.Module):
    """The paper's convolution: conv (with bias) → ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.conv(x), inplace=True)


class BasicConv2d(nn.Module):
    """torchvision's convolution: conv (no bias) → batch norm (eps 0.001) → ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)), inplace=True)


def _conv(variant: Variant):
    return ConvReLU if variant == "paper" else BasicConv2d


class InceptionModule(nn.Module):
    """Four branches side by side, concatenated along the depth (Fig. 2b)."""

    def __init__(self, row: tuple[int, ...], variant: Variant = "paper"):
        super().__init__()
        in_channels, ch1x1, ch3x3_reduce, ch3x3, ch5x5_reduce, ch5x5, pool_proj = row
        conv = _conv(variant)
        k5 = 5 if variant == "paper" else 3  # torchvision's "5x5" branch is a 3×3 (see the module docstring)
        self.branch1 = conv(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            conv(in_channels, ch3x3_reduce, kernel_size=1), conv(ch3x3_reduce, ch3x3, kernel_size=3, padding=1)
        )
        self.branch3 = nn.Sequential(
            conv(in_channels, ch5x5_reduce, kernel_size=1), conv(ch5x5_reduce, ch5x5, kernel_size=k5, padding=k5 // 2)
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            conv(in_channels, pool_proj, kernel_size=1),
        )
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x: Tensor) -> Tensor:
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([branch(x) for branch in branches], dim=1)


class InceptionAux(nn.Module):
    """An auxiliary classifier (§5): 5×5/3 avg pool → 1×1 conv 128 → FC 1024 → dropout 0.7 → FC classes."""

    def __init__(self, in_channels: int, num_classes: int, variant: Variant = "paper", dropout: float = 0.7):
        super().__init__()
        # 14×14 → 4×4 either way; torchvision's adaptive pooling also accepts other input sizes.
        self.pool = nn.AvgPool2d(kernel_size=5, stride=3) if variant == "paper" else nn.AdaptiveAvgPool2d((4, 4))
        self.conv = _conv(variant)(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(128 * 4 * 4, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = torch.flatten(self.conv(self.pool(x)), 1)
        x = self.dropout(F.relu(self.fc1(x), inplace=True))
        return self.fc2(x)


class GoogLeNetOutputs(NamedTuple):
    """What a training-mode GoogLeNet with auxiliary classifiers returns."""

    logits: Tensor
    aux1: Tensor  # on top of inception 4a
    aux2: Tensor  # on top of inception 4d


class GoogLeNet(Network):
    """GoogLeNet (Szegedy et al. 2014, Table 1 and Fig. 3) for 3×224×224 inputs."""

    input_spec = InputSpec(3, 224)
    name = "GoogLeNet"

    def __init__(
        self,
        num_classes: int = 1000,
        aux_logits: bool = True,
        variant: Variant = "paper",
        transform_input: bool = False,
        dropout: float | None = None,
    ):
        super().__init__()
        if variant not in ("paper", "torchvision"):
            raise ValueError(f"variant must be 'paper' or 'torchvision', got {variant!r}")
        if transform_input and variant == "paper":
            raise ValueError(
                "transform_input re-normalizes inputs for torchvision's weights; use variant='torchvision'"
            )
        paper = variant == "paper"
        conv = _conv(variant)
        self.variant, self.aux_logits, self.transform_input = variant, aux_logits, transform_input
        self.conv1 = conv(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.lrn1 = local_response_norm() if paper else None  # torchvision has no LRN
        self.conv2 = conv(64, 64, kernel_size=1)  # the "3x3 reduce" of Table 1's second row
        self.conv3 = conv(64, 192, kernel_size=3, padding=1)
        self.lrn2 = local_response_norm() if paper else None
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = InceptionModule(INCEPTION_3A, variant)
        self.inception3b = InceptionModule(INCEPTION_3B, variant)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = InceptionModule(INCEPTION_4A, variant)
        self.inception4b = InceptionModule(INCEPTION_4B, variant)
        self.inception4c = InceptionModule(INCEPTION_4C, variant)
        self.inception4d = InceptionModule(INCEPTION_4D, variant)
        self.inception4e = InceptionModule(INCEPTION_4E, variant)
        self.maxpool4 = nn.MaxPool2d(3 if paper else 2, stride=2, ceil_mode=True)  # torchvision: 2×2/2
        self.inception5a = InceptionModule(INCEPTION_5A, variant)
        self.inception5b = InceptionModule(INCEPTION_5B, variant)
        self.aux1 = InceptionAux(INCEPTION_4B[0], num_classes, variant) if aux_logits else None
        self.aux2 = InceptionAux(INCEPTION_4E[0], num_classes, variant) if aux_logits else None
        self.avgpool = nn.AvgPool2d(7, stride=1) if paper else nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(dropout if dropout is not None else (0.4 if paper else 0.2))
        self.fc = nn.Linear(1024, num_classes)

    def _transform_input(self, x: Tensor) -> Tensor:
        """Map ImageNet-normalized inputs to the (x - 0.5)/0.5 range torchvision's ported weights expect."""
        mean = x.new_tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        std = x.new_tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        return (x * std + mean - 0.5) / 0.5

    def forward(self, x: Tensor) -> Tensor | GoogLeNetOutputs:
        self.check_input(x)
        if self.transform_input:
            x = self._transform_input(x)
        x = self.maxpool1(self.conv1(x))
        x = self.lrn1(x) if self.lrn1 is not None else x
        x = self.conv3(self.conv2(x))
        x = self.lrn2(x) if self.lrn2 is not None else x
        return inception_stages(self, self.maxpool2(x))


def inception_stages(net: nn.Module, x: Tensor) -> Tensor | GoogLeNetOutputs:
    """Table 1 from inception 3a to the classifier, for a network with GoogLeNet's attribute names.

    The auxiliary classifiers run on 4a and 4d only in training mode (``GoogLeNetOutputs``); at test time the
    network returns the logits alone.
    """
    x = net.maxpool3(net.inception3b(net.inception3a(x)))
    x = net.inception4a(x)
    with_aux = net.training and net.aux_logits
    aux1 = net.aux1(x) if with_aux else None
    x = net.inception4d(net.inception4c(net.inception4b(x)))
    aux2 = net.aux2(x) if with_aux else None
    x = net.maxpool4(net.inception4e(x))
    x = net.inception5b(net.inception5a(x))
    logits = net.fc(net.dropout(torch.flatten(net.avgpool(x), 1)))
    return GoogLeNetOutputs(logits, aux1, aux2) if with_aux else logits


def googlenet_loss(
    outputs: Tensor | GoogLeNetOutputs,
    targets: Tensor,
    aux_weight: float = AUX_WEIGHT,
    criterion: Callable[[Tensor, Tensor], Tensor] = F.cross_entropy,
) -> Tensor:
    """``criterion`` of the logits, plus ``aux_weight`` × that of each auxiliary classifier when present (§5).

    The one place the auxiliary losses are combined: :class:`~classic_cnn.train.Trainer` calls it too.
    """
    if isinstance(outputs, GoogLeNetOutputs):
        aux = criterion(outputs.aux1, targets) + criterion(outputs.aux2, targets)
        return criterion(outputs.logits, targets) + aux_weight * aux
    return criterion(outputs, targets)


def googlenet(
    num_classes: int = 1000, aux_logits: bool = True, variant: Variant = "paper", transform_input: bool = False
) -> GoogLeNet:
    """GoogLeNet (Szegedy et al. 2014), the paper's network or torchvision's layout (``variant="torchvision"``)."""
    return GoogLeNet(num_classes, aux_logits, variant, transform_input)
