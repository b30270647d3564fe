"""AlexNet (Krizhevsky, Sutskever & Hinton 2012): the paper's two-GPU network and torchvision's layout.

``alexnet()`` is the paper's (Fig. 2, §3): 227×227 input (the paper says 224, but 11×11 filters at stride 4
give 55×55 only from 227), 96-256-384-384-256 filters, the two-GPU split as grouped convolutions (conv2,
conv4 and conv5 see only their own GPU's half, ``groups=2``; conv3 sees both), local response
normalization after conv1 and conv2, overlapping 3×3 stride-2 max pooling and dropout 0.5 in the first
two fully connected layers (``variant="paper"``). ``alexnet(variant="torchvision")`` is ``torchvision.models.alexnet``'s
single-GPU layout (64-192-384-256-256, adaptive average pooling to 6×6), with identical ``state_dict``.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import Tensor, nn

from classic_cnn.models._input import InputSpec, Network, Variant, check_variant

# §3.3: b = a / (k + α Σ a²)^β over n = 5 adjacent maps, k = 2, α = 1e-4, β = 0.75. PyTorch's
# LocalResponseNorm divides its alpha by n (b = a / (k + alpha/n Σ a²)^β), so it takes alpha = n·α.
LRN_SIZE, LRN_ALPHA, LRN_BETA, LRN_K = 5, 1e-4, 0.75, 2.0


def local_response_norm() -> nn.LocalResponseNorm:
    """The paper's response normalization (n=5, k=2, α=1e-4, β=0.75) in PyTorch's alpha convention."""
    return nn.LocalResponseNorm(LRN_SIZE, alpha=LRN_SIZE * LRN_ALPHA, beta=LRN_BETA, k=LRN_K)


def _original_features() -> nn.Sequential:
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(3, 96, kernel_size=11, stride=4)), ("relu1", nn.ReLU(inplace=True)),
        ("norm1", local_response_norm()), ("pool1", nn.MaxPool2d(kernel_size=3, stride=2)),
        ("conv2", nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2)), ("relu2", nn.ReLU(inplace=True)),
        ("norm2", local_response_norm()), ("pool2", nn.MaxPool2d(kernel_size=3, stride=2)),
        ("conv3", nn.Conv2d(256, 384, kernel_size=3, padding=1)), ("relu3", nn.ReLU(inplace=True)),
        ("conv4", nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=2)), ("relu4", nn.ReLU(inplace=True)),
        ("conv5", nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=2)), ("relu5", nn.ReLU(inplace=True)),
        ("pool5", nn.MaxPool2d(kernel_size=3, stride=2)),
    ]))  # fmt: skip


def _original_classifier(num_classes: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(OrderedDict([
        ("fc6", nn.Linear(256 * 6 * 6, 4096)), ("relu6", nn.ReLU(inplace=True)), ("drop6", nn.Dropout(dropout)),
        ("fc7", nn.Linear(4096, 4096)), ("relu7", nn.ReLU(inplace=True)), ("drop7", nn.Dropout(dropout)),
        ("fc8", nn.Linear(4096, num_classes)),
    ]))  # fmt: skip


# torchvision's layout: module indices are state_dict keys (features.0.weight, classifier.1.weight, ...).
def _torchvision_features() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
    )  # fmt: skip


def _torchvision_classifier(num_classes: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
        nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
        nn.Linear(4096, num_classes),
    )  # fmt: skip


PAPER_HINTS = {
    (224, 224): "the paper's AlexNet needs 227×227 (the paper's '224' does not give 55×55); "
    "use 227×227 crops or alexnet(variant='torchvision')"
}


class AlexNet(Network):
    """AlexNet, ``variant="paper"`` (3×227×227) or ``"torchvision"`` (3×224×224, or any side ≥ 63)."""

    name = "AlexNet"

    def __init__(self, num_classes: int = 1000, variant: Variant = "paper", dropout: float = 0.5):
        super().__init__()
        variant = check_variant(variant, ("paper", "torchvision"), "AlexNet")
        if variant == "paper":
            self.input_spec = InputSpec(3, 227)
            self.features = _original_features()
            self.avgpool = nn.Identity()  # the paper's 227 input gives 6×6 by itself
            self.classifier = _original_classifier(num_classes, dropout)
        else:
            self.input_spec = InputSpec(3, 224, min_size=63)  # adaptive pooling: the smallest side that reaches 1×1
            self.features = _torchvision_features()
            self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
            self.classifier = _torchvision_classifier(num_classes, dropout)
        self.variant = variant

    def forward(self, x: Tensor) -> Tensor:
        self.check_input(x, PAPER_HINTS if self.variant == "paper" else None)
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def init_like_paper(model: AlexNet) -> AlexNet:
    """§5: weights from N(0, 0.01²); biases 1 in conv2, conv4, conv5 and the hidden FC layers, else 0."""
    ones = {"features.conv2", "features.conv4", "features.conv5", "classifier.fc6", "classifier.fc7"}
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(module.weight, std=0.01)
            nn.init.constant_(module.bias, 1.0 if name in ones else 0.0)
    return model


def alexnet(num_classes: int = 1000, variant: Variant = "paper") -> AlexNet:
    """AlexNet (Krizhevsky et al. 2012, Fig. 2): the paper's grouped network, or torchvision's layout."""
    return AlexNet(num_classes, variant)
