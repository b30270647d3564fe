"""Our models against torchvision's: identical state dicts, identical outputs, pretrained loading offline."""

import urllib.error
from pathlib import Path

import pytest
import torch
import torchvision
from torch import nn

from classic_cnn import models as M
from classic_cnn.models.pretrained import TORCHVISION_TWINS, torchvision_twin, weights_url

THEIRS = {"googlenet": lambda: torchvision.models.googlenet(aux_logits=True, init_weights=False)}


def torchvision_model(name: str) -> nn.Module:
    """torchvision's model for the weights ``name`` (random weights)."""
    return THEIRS[name]() if name in THEIRS else getattr(torchvision.models, name)()


def shapes(model: nn.Module) -> dict[str, tuple[int, ...]]:
    return {key: tuple(value.shape) for key, value in model.state_dict().items()}


@pytest.mark.parametrize("name", TORCHVISION_TWINS)
def test_state_dict_keys_and_shapes_equal_torchvisions(name):
    with torch.device("meta"):
        assert shapes(torchvision_twin(name)) == shapes(torchvision_model(name))


def randomize_batch_norm(model: nn.Module) -> None:
    """Give batch norm non-trivial running statistics, so that eval mode really uses them."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            nn.init.uniform_(module.weight, 0.5, 1.5)
            nn.init.uniform_(module.bias, -0.5, 0.5)


@pytest.mark.slow
@pytest.mark.parametrize(
    "ours, theirs, input_size",
    [
        (lambda: M.resnet18(input_size=64), torchvision.models.resnet18, 64),
        (lambda: M.resnet50(stride_in="3x3", input_size=64), torchvision.models.resnet50, 64),
        (lambda: M.resnet34(input_size=64), torchvision.models.resnet34, 64),
        (lambda: M.resnet101(stride_in="3x3", input_size=64), torchvision.models.resnet101, 64),
        (lambda: M.vgg11(), torchvision.models.vgg11, 224),
        (lambda: M.vgg11(batch_norm=True), torchvision.models.vgg11_bn, 224),
        (lambda: M.alexnet(variant="torchvision"), torchvision.models.alexnet, 224),
        (lambda: M.googlenet(variant="torchvision"), lambda: torchvision.models.googlenet(init_weights=True), 224),
    ],
    ids=["resnet18", "resnet50-v1.5", "resnet34", "resnet101-v1.5", "vgg11", "vgg11_bn", "alexnet", "googlenet"],
)
def test_torchvision_weights_give_torchvisions_outputs(ours, theirs, input_size):
    torch.manual_seed(0)
    reference = theirs().eval()
    with torch.no_grad():
        randomize_batch_norm(reference)
    model = ours().eval()
    model.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(1, 3, input_size, input_size)
    with torch.inference_mode():
        torch.testing.assert_close(model(x), reference(x), atol=1e-5, rtol=1e-5)


def test_paper_resnet50_differs_from_torchvisions_only_in_the_stride():
    torch.manual_seed(0)
    reference = torchvision.models.resnet50().eval()
    model = M.resnet50(input_size=64).eval()  # the paper's stride_in="1x1": same weights, other outputs
    model.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        assert not torch.allclose(model(x), reference(x), atol=1e-3)


def save_in_hub(model: nn.Module, hub_dir: Path, name: str) -> None:
    """Put a state dict where torch hub caches the file of ``name``'s weights."""
    (hub_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), hub_dir / "checkpoints" / Path(weights_url(name)).name)


def test_pretrained_loads_a_local_file_and_a_cached_download(tmp_path):
    torch.manual_seed(0)
    reference = torchvision.models.resnet18().eval()
    path = tmp_path / "resnet18.pth"
    torch.save(reference.state_dict(), path)
    save_in_hub(reference, tmp_path / "hub", "resnet18")
    x = torch.randn(2, 3, 224, 224)
    with torch.inference_mode():
        expected = reference(x)
        for model in (M.pretrained("resnet18", path=path), M.pretrained("resnet18", hub_dir=tmp_path / "hub")):
            assert not model.training
            torch.testing.assert_close(model(x), expected, atol=1e-5, rtol=1e-5)


def test_pretrained_googlenet_transforms_its_inputs_like_torchvision(tmp_path):
    torch.manual_seed(0)
    reference = torchvision.models.googlenet(init_weights=True, transform_input=True).eval()
    torch.save(reference.state_dict(), tmp_path / "googlenet.pth")
    model = M.pretrained("googlenet", path=tmp_path / "googlenet.pth")
    x = torch.randn(1, 3, 224, 224)
    with torch.inference_mode():
        torch.testing.assert_close(model(x), reference(x), atol=1e-5, rtol=1e-5)


def test_pretrained_offline_says_what_to_do(tmp_path, monkeypatch):
    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    with pytest.raises(M.WeightsUnavailableError, match=r"resnet34.*network is unreachable.*path=") as error:
        M.pretrained("resnet34", hub_dir=tmp_path)
    assert str(tmp_path / "checkpoints") in str(error.value) and weights_url("resnet34") in str(error.value)
    with pytest.raises(ValueError, match="no torchvision weights for 'lenet5'"):
        M.pretrained("lenet5")
