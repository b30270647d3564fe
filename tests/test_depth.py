"""summary.weight_depth: the papers' layer counts, read off the autograd graph of the real modules."""

import pytest
import torch
import torchvision

from classic_cnn import models as M
from classic_cnn.summary import weight_depth


@pytest.mark.parametrize("name, depth", [("resnet50", 50), ("vgg16", 16), ("alexnet", 8), ("resnet18", 18)])
def test_weight_depth_of_torchvision_models(name, depth):
    with torch.device("meta"):
        model = getattr(torchvision.models, name)()
    assert weight_depth(model, (3, 224, 224)) == depth


def test_googlenet_is_22_layers_deep_or_27_with_pooling_as_the_paper_says():
    with torch.device("meta"):
        ours, theirs = M.googlenet(), torchvision.models.googlenet(aux_logits=False, init_weights=False)
    assert weight_depth(ours) == weight_depth(theirs, (3, 224, 224)) == 22  # auxiliary heads add no depth
    assert weight_depth(ours, pooling=True) == 27  # LRN (an average over maps) is not pooling


@pytest.mark.parametrize("name, depth", [("vgg19", 19), ("resnet152", 152), ("resnet56", 56), ("plain20", 20)])
def test_the_registry_networks_are_as_deep_as_their_names(name, depth):
    with torch.device("meta"):
        assert weight_depth(M.ARCHITECTURES[name]()) == depth


def test_a_layer_the_meta_device_cannot_run_falls_back_to_real_zeros():
    assert weight_depth(M.lenet5()) == 4  # C1, C3, C5, F6: the RBF output is not a recognised weight layer
