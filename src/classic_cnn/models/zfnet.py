"""ZFNet (Zeiler & Fergus 2013, Fig. 3): AlexNet with a 7×7 stride-2 first layer, on one GPU.

The figure's volumes, 224 → 110 → 55 → 26 → 13 → 13 → 13 → 6, come from these paddings (the figure
gives none): conv1 pads 1 ((224 + 2 − 7)//2 + 1 = 110), conv2 pads 0 ((55 − 5)/2 + 1 = 26), conv3-5 pad 1
(size kept); the first two max pools round up (``ceil_mode``, as Caffe's pooling of the time did:
⌈(110 − 3)/2⌉ + 1 = 55 and ⌈(26 − 3)/2⌉ + 1 = 13; flooring would give 54 and 12); the last pool floors
((13 − 3)/2 + 1 = 6). "Contrast normalization across feature maps" after layers 1 and 2 is taken to be
AlexNet's local response normalization. Layers 3-5 are dense (no two-GPU grouping).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import Tensor, nn

from classic_cnn.models._input import InputSpec, Network
from classic_cnn.models.alexnet import local_response_norm


class ZFNet(Network):
    """ZFNet (Zeiler & Fergus 2013, Fig. 3) for 3×224×224 inputs."""

    input_spec = InputSpec(3, 224)
    name = "ZFNet"

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, 96, kernel_size=7, stride=2, padding=1)), ("relu1", nn.ReLU(inplace=True)),
            ("pool1", nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)), ("norm1", local_response_norm()),
            ("conv2", nn.Conv2d(96, 256, kernel_size=5, stride=2)), ("relu2", nn.ReLU(inplace=True)),
            ("pool2", nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)), ("norm2", local_response_norm()),
            ("conv3", nn.Conv2d(256, 384, kernel_size=3, padding=1)), ("relu3", nn.ReLU(inplace=True)),
            ("conv4", nn.Conv2d(384, 384, kernel_size=3, padding=1)), ("relu4", nn.ReLU(inplace=True)),
            ("conv5", nn.Conv2d(384, 256, kernel_size=3, padding=1)), ("relu5", nn.ReLU(inplace=True)),
            ("pool5", nn.MaxPool2d(kernel_size=3, stride=2)),
        ]))  # fmt: skip
        self.classifier = nn.Sequential(OrderedDict([
            ("fc6", nn.Linear(256 * 6 * 6, 4096)), ("relu6", nn.ReLU(inplace=True)), ("drop6", nn.Dropout(dropout)),
            ("fc7", nn.Linear(4096, 4096)), ("relu7", nn.ReLU(inplace=True)), ("drop7", nn.Dropout(dropout)),
            ("fc8", nn.Linear(4096, num_classes)),
        ]))  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        self.check_input(x)
        return self.classifier(torch.flatten(self.features(x), 1))


def zfnet(num_classes: int = 1000) -> ZFNet:
    """ZFNet (Zeiler & Fergus 2013, Fig. 3)."""
    return ZFNet(num_classes)
