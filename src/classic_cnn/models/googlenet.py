"""GoogLeNet (Szegedy et al. 2014): Table 1 as data, Inception modules, auxiliary classifiers.

``googlenet()`` is the paper's network: convolutions with biases and ReLU, local response normalization
after the first pooling and after the 3×3 convolution (Fig. 3), 5×5 convolutions in the "5x5" branch,
max pooling 3×3/2 before 5a, 7×7 average pooling, dropout 0.4, and in training two auxiliary classifiers
on 4a and 4d (§5). ``googlenet(variant="torchvision")`` is ``torchvision.models.googlenet``'s layout, whose
``state_dict`` it shares. The two differ only in what a :class:`Flavour` describes: torchvision's weights were
ported from a later re-implementation in which every convolution is followed by batch norm (eps 0.001) and
has no bias (BN came after the paper), there is no LRN, the "5x5" branch uses a 3×3 kernel (a known porting
bug torchvision keeps for weight compatibility), the pooling before 5a is 2×2/2, the average pooling and the
auxiliary pooling are adaptive, the dropout is 0.2, and ``transform_input`` can re-normalize ImageNet inputs.
Both round pooling sizes up (``ceil_mode``), as Caffe did: 112 → 56 → 28 → 14 → 7.

``small_googlenet()`` is chapter 6's CPU-sized network: the same Table 1 from 3a on, every row scaled by
``width``, with a single 3×3 convolution as the stem, for 32×32 images (or any side that is a multiple of 8, ≥ 16).

In training mode with ``aux_logits=True`` the models return ``GoogLeNetOutputs(logits, aux1, aux2)``; in
eval mode (or with ``aux_logits=False``) only the logits. ``googlenet_loss`` adds the auxiliary losses with
the paper's weight 0.3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from classic_cnn.models._input import InputSpec, Network, Variant, check_variant
from classic_cnn.models.alexnet import local_response_norm
from classic_cnn.models.init import init_weights
from classic_cnn.shapes import conv_macs, scale_channels

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
AUX_WEIGHT = 0.3  # §5: "their loss gets added to the total loss of the network with a discount weight"

Row = tuple[int, ...]


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


@dataclass(frozen=True)
class Flavour:
    """Everything in which two GoogLeNets built from the same Table 1 differ."""

    conv: type[nn.Module]  # ConvReLU (the paper) or BasicConv2d (with batch norm)
    lrn: bool  # local response normalization in the stem
    branch5x5_kernel: int  # kernel of the "5x5" branch
    pool: Callable[[int], nn.Module]  # the max pooling between stages, given its kernel size
    pool_before_5a: int  # kernel of that pooling before inception 5a
    avgpool: Callable[[], nn.Module]  # the pooling before the classifier
    aux_pool: Callable[[], nn.Module]  # the pooling that opens an auxiliary classifier
    dropout: float  # before the classifier


PAPER = Flavour(
    conv=ConvReLU,
    lrn=True,
    branch5x5_kernel=5,
    pool=partial(nn.MaxPool2d, stride=2, ceil_mode=True),
    pool_before_5a=3,
    avgpool=partial(nn.AvgPool2d, 7, stride=1),
    aux_pool=partial(nn.AvgPool2d, 5, stride=3),
    dropout=0.4,
)
TORCHVISION = Flavour(
    conv=BasicConv2d,
    lrn=False,
    branch5x5_kernel=3,  # torchvision's "5x5" branch is a 3×3 (see the module docstring)
    pool=partial(nn.MaxPool2d, stride=2, ceil_mode=True),
    pool_before_5a=2,
    avgpool=partial(nn.AdaptiveAvgPool2d, (1, 1)),
    aux_pool=partial(nn.AdaptiveAvgPool2d, (4, 4)),
    dropout=0.2,
)
# Chapter 6's small network: the paper's modules on small images of any size, so its poolings are padded (each
# halves an even side) and its average poolings adaptive: global before the classifier, 2×2 in the auxiliary
# classifiers (what the paper's 5×5/3 gives on the 8×8 maps of a 32×32 input).
SMALL = Flavour(
    conv=ConvReLU,
    lrn=False,
    branch5x5_kernel=5,
    pool=partial(nn.MaxPool2d, stride=2, padding=1),
    pool_before_5a=3,
    avgpool=partial(nn.AdaptiveAvgPool2d, 1),
    aux_pool=partial(nn.AdaptiveAvgPool2d, 2),
    dropout=0.4,
)
FLAVOURS = {"paper": PAPER, "torchvision": TORCHVISION}


def output_channels(row: Row, reductions: bool = True) -> int:
    """Depth of the concatenated output; the naive module's pooling branch keeps all input channels."""
    in_channels, ch1x1, _, ch3x3, _, ch5x5, pool_proj = row
    return ch1x1 + ch3x3 + ch5x5 + (pool_proj if reductions else in_channels)


def inception_multiply_adds(row: Row, size: int, reductions: bool = True) -> dict[str, int]:
    """Multiply-adds of each branch of one Inception module on a ``size``×``size`` input (Fig. 2).

    Without ``reductions`` (the naive module, Fig. 2a) the 3×3 and 5×5 convolutions see all input channels and
    the pooling branch passes the input through unchanged (no multiply-adds, but all its channels).
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


def scaled_row(row: Row, width: float, in_channels: int) -> Row:
    """A Table 1 row with every width multiplied by ``width`` (at least 1) and the given input depth."""
    return (in_channels, *(scale_channels(channels, width) for channels in row[1:]))


class InceptionModule(nn.Module):
    """Four branches side by side, concatenated along the depth (Fig. 2b)."""

    def __init__(self, row: Row, flavour: Flavour = PAPER):
        super().__init__()
        in_channels, ch1x1, ch3x3_reduce, ch3x3, ch5x5_reduce, ch5x5, pool_proj = row
        conv, kernel5 = flavour.conv, flavour.branch5x5_kernel
        self.branch1 = conv(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            conv(in_channels, ch3x3_reduce, kernel_size=1), conv(ch3x3_reduce, ch3x3, kernel_size=3, padding=1)
        )
        self.branch3 = nn.Sequential(
            conv(in_channels, ch5x5_reduce, kernel_size=1),
            conv(ch5x5_reduce, ch5x5, kernel_size=kernel5, padding=kernel5 // 2),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            conv(in_channels, pool_proj, kernel_size=1),
        )
        self.out_channels = output_channels(row)

    def forward(self, x: Tensor) -> Tensor:
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([branch(x) for branch in branches], dim=1)


class InceptionAux(nn.Module):
    """An auxiliary classifier (§5): avg pool → 1×1 conv 128 → FC 1024 → dropout 0.7 → FC classes.

    ``size`` is the side of the maps it reads (14 in the paper: 5×5/3 pooling gives 4×4; an adaptive pooling
    ignores it); ``width`` scales its 128 and 1024.
    """

    def __init__(self, in_channels: int, num_classes: int, flavour: Flavour = PAPER, size: int = 14, width: float = 1):
        super().__init__()
        reduced, hidden = scale_channels(128, width), scale_channels(1024, width)
        self.pool = flavour.aux_pool()
        pooled = self.pool(torch.zeros(1, 1, size, size, device="meta")).shape[-1]
        self.conv = flavour.conv(in_channels, reduced, kernel_size=1)
        self.fc1 = nn.Linear(reduced * pooled * pooled, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)
        self.dropout = nn.Dropout(0.7)

    def forward(self, x: Tensor) -> Tensor:
        x = torch.flatten(self.conv(self.pool(x)), 1)
        x = self.dropout(F.relu(self.fc1(x), inplace=True))
        return self.fc2(x)


class GoogLeNetOutputs(NamedTuple):
    """What a training-mode GoogLeNet with auxiliary classifiers returns."""

    logits: Tensor
    aux1: Tensor  # on top of inception 4a
    aux2: Tensor  # on top of inception 4d


class InceptionNet(Network):
    """Table 1 from inception 3a to the classifier, shared by every GoogLeNet here; a subclass builds its stem,
    then calls :meth:`build_stages` (in that order, so modules are created and registered as the network runs)."""

    def build_stages(self, rows: list[Row], flavour: Flavour, num_classes: int, aux_logits: bool, width: float = 1):
        """Inception 3a … 5b from the nine ``rows``, the poolings between them, the auxiliary classifiers on 4a
        and 4d (``width`` scales their own layers), the average pooling, dropout and the classifier."""
        r3a, r3b, r4a, r4b, r4c, r4d, r4e, r5a, r5b = rows
        self.aux_logits = aux_logits
        self.inception3a = InceptionModule(r3a, flavour)
        self.inception3b = InceptionModule(r3b, flavour)
        self.maxpool3 = flavour.pool(3)
        self.inception4a = InceptionModule(r4a, flavour)
        self.inception4b = InceptionModule(r4b, flavour)
        self.inception4c = InceptionModule(r4c, flavour)
        self.inception4d = InceptionModule(r4d, flavour)
        self.inception4e = InceptionModule(r4e, flavour)
        self.maxpool4 = flavour.pool(flavour.pool_before_5a)
        self.inception5a = InceptionModule(r5a, flavour)
        self.inception5b = InceptionModule(r5b, flavour)
        aux = partial(InceptionAux, num_classes=num_classes, flavour=flavour, width=width)
        self.aux1 = aux(output_channels(r4a)) if aux_logits else None
        self.aux2 = aux(output_channels(r4d)) if aux_logits else None
        self.avgpool = flavour.avgpool()
        self.dropout = nn.Dropout(flavour.dropout)
        self.fc = nn.Linear(output_channels(r5b), num_classes)

    def stages(self, x: Tensor) -> Tensor | GoogLeNetOutputs:
        """Inception 3a to the classifier; the auxiliary classifiers run on 4a and 4d in training mode only."""
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        with_aux = self.training and self.aux_logits
        aux1 = self.aux1(x) if with_aux else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if with_aux else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        logits = self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))
        return GoogLeNetOutputs(logits, aux1, aux2) if with_aux else logits


class GoogLeNet(InceptionNet):
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
        variant = check_variant(variant, ("paper", "torchvision"), "GoogLeNet")
        if transform_input and variant == "paper":
            raise ValueError(
                "transform_input re-normalizes inputs for torchvision's weights; use variant='torchvision'"
            )
        flavour = FLAVOURS[variant]
        if dropout is not None:
            flavour = replace(flavour, dropout=dropout)
        super().__init__()
        self.variant, self.transform_input = variant, transform_input
        self.conv1 = flavour.conv(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = flavour.pool(3)
        self.lrn1 = local_response_norm() if flavour.lrn else None
        self.conv2 = flavour.conv(64, 64, kernel_size=1)  # the "3x3 reduce" of Table 1's second row
        self.conv3 = flavour.conv(64, 192, kernel_size=3, padding=1)
        self.lrn2 = local_response_norm() if flavour.lrn else None
        self.maxpool2 = flavour.pool(3)
        self.build_stages(list(TABLE_1.values()), flavour, num_classes, aux_logits)

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
        return self.stages(self.maxpool2(x))


class SmallGoogLeNet(InceptionNet):
    """GoogLeNet's Table 1 for small images: a 3×3 stem, nine width-scaled Inception modules, GAP, one FC.

    Volumes at 32×32: 32 (stem) → 16 (3a, 3b) → 8 (4a–4e) → 4 (5a, 5b) → global average → classes; any side that
    is a multiple of 8 and at least 16 halves the same way (16 → 8 → 4 → 2). The paper does not say how its
    weights were initialized; PyTorch's default initialization leaves a plain ReLU stack this deep unable to learn
    (chapter 5), so convolutions start from He et al. (2015) and biases from zero.
    """

    name = "small GoogLeNet"

    def __init__(
        self,
        num_classes: int = 10,
        width: float = 0.125,
        aux_logits: bool = True,
        in_channels: int = 3,
        dropout: float = 0.4,
    ):
        stem = scale_channels(192, width)  # the depth entering 3a in Table 1
        rows, depth = [], stem
        for row in TABLE_1.values():
            rows.append(scaled_row(row, width, depth))
            depth = output_channels(rows[-1])
        flavour = replace(SMALL, dropout=dropout)
        super().__init__()
        self.input_spec = InputSpec(in_channels, 32, min_size=16, multiple=8)
        self.stem = nn.Sequential(nn.Conv2d(in_channels, stem, kernel_size=3, padding=1), nn.ReLU(inplace=True))
        self.maxpool2 = flavour.pool(3)
        self.build_stages(rows, flavour, num_classes, aux_logits, width=width)
        init_weights(self, "he", layers=(nn.Conv2d,))

    def forward(self, x: Tensor) -> Tensor | GoogLeNetOutputs:
        self.check_input(x)
        return self.stages(self.maxpool2(self.stem(x)))


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


def small_googlenet(
    num_classes: int = 10, width: float = 0.125, aux_logits: bool = True, in_channels: int = 3
) -> SmallGoogLeNet:
    """Chapter 6's CPU-sized GoogLeNet: Table 1 from 3a on with every width × ``width``, on small images."""
    return SmallGoogLeNet(num_classes, width, aux_logits, in_channels)
