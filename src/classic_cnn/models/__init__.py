"""The classic CNNs, each module reading like its paper's table (torchvision naming; defaults = the paper)."""

from classic_cnn.models.alexnet import AlexNet, alexnet
from classic_cnn.models.googlenet import GoogLeNet, GoogLeNetOutputs, InceptionModule, googlenet, googlenet_loss
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
    "AlexNet", "BasicBlock", "Bottleneck", "CifarResNet", "GoogLeNet", "GoogLeNetOutputs", "InceptionModule",
    "LeNet5", "ResNet", "VGG", "WeightsUnavailableError", "ZFNet",
    "alexnet", "googlenet", "googlenet_loss", "layer_counts", "lenet5", "pretrained",
    "plain20", "plain32", "plain44", "plain56", "plain110",
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnet20", "resnet32", "resnet44", "resnet56", "resnet110",
    "vgg", "vgg11", "vgg13", "vgg16", "vgg19", "zfnet",
]  # fmt: skip
