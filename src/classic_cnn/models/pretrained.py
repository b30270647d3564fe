"""torchvision's pretrained ImageNet weights in our models (same ``state_dict``, loaded with ``strict=True``).

>>> model = pretrained("resnet18")                       # downloads once (online), then from the cache
>>> model = pretrained("resnet18", path="resnet18.pth")  # a state dict saved on disk: no network at all

Offline and without a cached or local file, :class:`WeightsUnavailableError` says where to put the file.
"""

from __future__ import annotations

import os
import socket
import urllib.error
from pathlib import Path

import torch
from torch import nn

# torchvision's weights → the registry network and the arguments that give it torchvision's layout.
TORCHVISION_TWINS: dict[str, tuple[str, dict[str, object]]] = {
    "alexnet": ("alexnet", {"variant": "torchvision"}),
    **{f"vgg{depth}": (f"vgg{depth}", {}) for depth in (11, 13, 16, 19)},
    **{f"vgg{depth}_bn": (f"vgg{depth}", {"batch_norm": True}) for depth in (11, 13, 16, 19)},
    # torchvision's GoogLeNet weights expect (x - 0.5)/0.5 inputs: transform_input maps ImageNet-normalized ones.
    "googlenet": ("googlenet", {"variant": "torchvision", "transform_input": True}),
    "resnet18": ("resnet18", {}),
    "resnet34": ("resnet34", {}),
    # torchvision's bottleneck ResNets are "v1.5": the stride sits in the 3×3 convolution.
    **{f"resnet{depth}": (f"resnet{depth}", {"stride_in": "3x3"}) for depth in (50, 101, 152)},
}


def torchvision_twin(name: str) -> nn.Module:
    """Our model in the layout torchvision's weights ``name`` were trained for (random weights)."""
    from classic_cnn.models import ARCHITECTURES

    if name not in TORCHVISION_TWINS:
        raise ValueError(f"no torchvision weights for {name!r}; choose one of {sorted(TORCHVISION_TWINS)}")
    builder, options = TORCHVISION_TWINS[name]
    return ARCHITECTURES[builder](**options)


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
    model = torchvision_twin(name)
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
