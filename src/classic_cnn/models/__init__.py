"""The classic CNNs, each module reading like its paper's table (torchvision naming; defaults = the paper).

``ARCHITECTURES`` is the one registry of the book's networks (builder name → builder, defaults = the paper's
model): the CLI, the architecture walker, the chapters and the tests iterate it.
"""

from collections.abc import Callable

from classic_cnn.models._input import InputSpec, Network, Variant
from classic_cnn.models.alexnet import AlexNet, alexnet
from classic_cnn.models.googlenet import (
    GoogLeNet,
    GoogLeNetOutputs,
    InceptionModule,
    SmallGoogLeNet,
    googlenet,
    googlenet_loss,
    small_googlenet,
)
from classic_cnn.models.lenet import LeNet5, layer_counts, lenet5
from classic_cnn.models.pretrained import WeightsUnavailableError, pretrained
from classic_cnn.models.resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50, resnet101, resnet152
from classic_cnn.models.resnet_cifar import (
    CifarResNet,
    plain20,
    plain32,
    plain44,
    plain56,
    plain110,
    resnet20,
    resnet32,
    resnet44,
    resnet56,
    resnet110,
)
from classic_cnn.models.vgg import VGG, vgg, vgg11, vgg13, vgg16, vgg19
from classic_cnn.models.zfnet import ZFNet, zfnet

__all__ = [
    "ARCHITECTURES",
    "InputSpec",
    "Network",
    "Variant",
    "AlexNet", "BasicBlock", "Bottleneck", "CifarResNet", "GoogLeNet", "GoogLeNetOutputs", "InceptionModule",
    "LeNet5", "SmallGoogLeNet", "ResNet", "VGG", "WeightsUnavailableError", "ZFNet",
    "alexnet", "googlenet", "googlenet_loss", "layer_counts", "lenet5", "pretrained", "small_googlenet",
    "plain20", "plain32", "plain44", "plain56", "plain110",
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnet20", "resnet32", "resnet44", "resnet56", "resnet110",
    "vgg", "vgg11", "vgg13", "vgg16", "vgg19", "zfnet",
]  # fmt: skip

ARCHITECTURES: dict[str, Callable[..., Network]] = {
    "lenet5": lenet5,
    "alexnet": alexnet,
    "zfnet": zfnet,
    "vgg11": vgg11,
    "vgg13": vgg13,
    "vgg16": vgg16,
    "vgg19": vgg19,
    "googlenet": googlenet,
    "resnet18": resnet18,
    "resnet34": resnet34,
    "resnet50": resnet50,
    "resnet101": resnet101,
    "resnet152": resnet152,
    "resnet20": resnet20,
    "resnet32": resnet32,
    "resnet44": resnet44,
    "resnet56": resnet56,
    "resnet110": resnet110,
    "plain20": plain20,
    "plain32": plain32,
    "plain44": plain44,
    "plain56": plain56,
    "plain110": plain110,
}
