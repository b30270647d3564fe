"""torchvision's pretrained ImageNet weights in our models (same ``state_dict``, loaded with ``strict=True``).

>>> model = pretrained("resnet18")                       # downloads once (online), then from the cache
>>> model = pretrained("resnet18", path="resnet18.pth")  # a state dict saved on disk: no network at all

Offline and without a cached or local file, :class:`WeightsUnavailableError` says where to put the file.
"""

from __future__ import annotations

import os
import socket
import urllib.error
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from classic_cnn.models.alexnet import alexnet
from classic_cnn.models.googlenet import googlenet
from classic_cnn.models.resnet import resnet18, resnet34, resnet50, resnet101, resnet152
from classic_cnn.models.vgg import vgg11, vgg13, vgg16, vgg19

# Our models in the form torchvision's weights were trained for.
TORCHVISION_TWINS: dict[str, Callable[[], nn.Module]] = {
    "alexnet": lambda: alexnet(variant="torchvision"),
    "vgg11": lambda: vgg11(), "vgg13": lambda: vgg13(), "vgg16": lambda: vgg16(), "vgg19": lambda: vgg19(),
    "vgg11_bn": lambda: vgg11(batch_norm=True), "vgg13_bn": lambda: vgg13(batch_norm=True),
    "vgg16_bn": lambda: vgg16(batch_norm=True), "vgg19_bn": lambda: vgg19(batch_norm=True),
    # torchvision's GoogLeNet weights expect (x - 0.5)/0.5 inputs: transform_input maps ImageNet-normalized ones.
    "googlenet": lambda: googlenet(variant="torchvision", transform_input=True),
    "resnet18": lambda: resnet18(), "resnet34": lambda: resnet34(),
    # torchvision's bottleneck ResNets are "v1.5": the stride sits in the 3×3 convolution.
    "resnet50": lambda: resnet50(stride_in="3x3"), "resnet101": lambda: resnet101(stride_in="3x3"),
    "resnet152": lambda: resnet152(stride_in="3x3"),
}  # fmt: skip


class WeightsUnavailableError(RuntimeError):
    """The weights could be neither read from disk nor downloaded."""


def weights_url(name: str, weights: str = "DEFAULT") -> str:
    """Where torchvision publishes the weights ``weights`` (e.g. "IMAGENET1K_V1") of model ``name``."""
    from torchvision.models import get_model_weights

    return get_model_weights(name)[weights].url if weights != "DEFAULT" else get_model_weights(name).DEFAULT.url


def pretrained(
    name: str,
    *,
    path: str | os.PathLike | None = None,
    weights: str = "DEFAULT",
    hub_dir: str | os.PathLike | None = None,
    timeout: float = 30.0,
    progress: bool = False,
) -> nn.Module:
    """Our ``name`` model (torchvision's layout) with torchvision's pretrained weights, in eval mode.

    ``path``: a saved state dict to load instead (no network). Otherwise the file is looked up in
    ``hub_dir``/checkpoints (default: torch hub's, ``~/.cache/torch/hub``) and downloaded there if missing,
    each network operation giving up after ``timeout`` seconds.
    """
    if name not in TORCHVISION_TWINS:
        raise ValueError(f"no torchvision weights for {name!r}; choose one of {sorted(TORCHVISION_TWINS)}")
    model = TORCHVISION_TWINS[name]()
    if path is not None:
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
    else:
        state_dict = _download(name, weights, hub_dir, timeout, progress)
    model.load_state_dict(state_dict, strict=True)
    return model.eval()


def _download(name: str, weights: str, hub_dir: str | os.PathLike | None, timeout: float, progress: bool) -> dict:
    url = weights_url(name, weights)
    folder = Path(hub_dir if hub_dir is not None else torch.hub.get_dir()) / "checkpoints"
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # torch.hub's urlopen takes no timeout of its own
    try:
        return torch.hub.load_state_dict_from_url(
            url, model_dir=str(folder), map_location="cpu", progress=progress, check_hash=True, weights_only=True
        )
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise WeightsUnavailableError(
            f"could not download the pretrained weights of {name} from {url} ({error}). Offline? Download "
            f"the file elsewhere and either put it in {folder}/ or pass pretrained({name!r}, path=...)"
        ) from error
    finally:
        socket.setdefaulttimeout(previous)
