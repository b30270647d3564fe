"""torchvision's pretrained ImageNet weights in our models (same ``state_dict``, loaded with ``strict=True``).

>>> model = pretrained("resnet18")                       # downloads once (online), then from the cache
>>> model = pretrained("resnet18", path="resnet18.pth")  # a state dict saved on disk: no network at all

Offline and without a cached or local file, :class:`WeightsUnavailableError` says where to put the file.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import urllib.error
from pathlib import Path
from urllib.parse import urlparse

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

    if name not in TORCHVISION_TWINS:
        raise ValueError(f"no torchvision weights for {name!r}; choose one of {sorted(TORCHVISION_TWINS)}")
    published = get_model_weights(name)
    if weights == "DEFAULT":
        return published.DEFAULT.url
    names = [member.name for member in published]
    if weights not in names:
        raise ValueError(f"torchvision has no weights {weights!r} for {name}; choose 'DEFAULT' or one of {names}")
    return published[weights].url


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
    ``hub_dir``/checkpoints (default: torch hub's, ``~/.cache/torch/hub``) and downloaded there if missing
    or corrupt, each network operation (the name lookup included) giving up after ``timeout`` seconds.
    """
    model = torchvision_twin(name)
    if path is not None:
        state_dict = _read(Path(path))
    else:
        state_dict = _cached_or_downloaded(name, weights, hub_dir, timeout, progress)
    model.load_state_dict(state_dict, strict=True)
    return model.eval()


def _read(path: Path) -> dict:
    """The state dict saved at ``path``, or an error that names the file."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise WeightsUnavailableError(f"no weights file at {path}") from None
    except Exception as error:  # noqa: BLE001 — a truncated or garbage file fails in many ways inside torch
        raise WeightsUnavailableError(
            f"{path} is not a state dict torch can read ({type(error).__name__}: {error})"
        ) from None


def _cached_or_downloaded(
    name: str, weights: str, hub_dir: str | os.PathLike | None, timeout: float, progress: bool
) -> dict:
    """torch hub's cached copy of the weights; downloaded when missing, downloaded again when corrupt."""
    url = weights_url(name, weights)
    folder = Path(hub_dir if hub_dir is not None else torch.hub.get_dir()) / "checkpoints"
    cached = folder / Path(urlparse(url).path).name
    advice = f"Download the file elsewhere and either put it in {folder}/ or pass pretrained({name!r}, path=...)"
    if not cached.exists():
        try:
            _fetch(url, cached, timeout, progress)
        except WeightsUnavailableError as error:
            raise WeightsUnavailableError(
                f"could not download the pretrained weights of {name} from {error}. Offline? {advice}"
            ) from None
        return _read(cached)
    try:
        return _read(cached)
    except WeightsUnavailableError as unreadable:
        if _hash_matches(cached):  # the published file itself: not corrupt, so a new copy would not help
            raise
        try:
            _fetch(url, cached, timeout, progress)  # torch hub writes a temporary file, then moves it in place
        except WeightsUnavailableError as error:
            raise WeightsUnavailableError(
                f"the cached weights {unreadable}, and a fresh copy could not be downloaded from {error}. "
                f"Delete it (rm '{cached}') and call pretrained({name!r}) again online, or: {advice}"
            ) from None
        return _read(cached)


def _hash_matches(path: Path) -> bool:
    """Whether the file's SHA-256 starts with the prefix in its name (torchvision's "resnet18-f37072fd.pth")."""
    prefix = torch.hub.HASH_REGEX.search(path.name)
    if prefix is None:
        return False
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest().startswith(prefix.group(1))


def _fetch(url: str, target: Path, timeout: float, progress: bool) -> None:
    """Download ``url`` to ``target`` (hash checked); every network wait, the name lookup too, within ``timeout``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = torch.hub.HASH_REGEX.search(target.name)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # torch.hub's urlopen takes no timeout of its own
    try:
        _lookup(urlparse(url).hostname or "", timeout)
        torch.hub.download_url_to_file(url, str(target), prefix and prefix.group(1), progress=progress)
    except (urllib.error.URLError, OSError, TimeoutError, RuntimeError) as error:  # RuntimeError: a wrong hash
        raise WeightsUnavailableError(f"{url} ({error})") from None
    finally:
        socket.setdefaulttimeout(previous)


def _lookup(host: str, timeout: float) -> None:
    """Raise if the name lookup of ``host`` does not answer within ``timeout`` (socket timeouts do not cover it).

    A lookup that fails fast is left for the download itself to report.
    """
    answered = threading.Event()

    def resolve() -> None:
        try:
            socket.getaddrinfo(host, 443)
        except OSError:
            pass
        answered.set()

    threading.Thread(target=resolve, daemon=True).start()
    if not answered.wait(timeout):
        raise TimeoutError(f"the name lookup of {host} did not answer within {timeout:g} s")
