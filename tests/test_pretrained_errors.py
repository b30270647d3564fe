"""Pretrained weights gone wrong: unknown names, corrupt files named and repaired, a stuck name lookup cut off."""

import shutil
import socket
import time
from pathlib import Path

import pytest
import torch
import torchvision

from classic_cnn.models import WeightsUnavailableError, pretrained
from classic_cnn.models.pretrained import weights_url


def test_an_unknown_weights_name_lists_the_real_ones():
    with pytest.raises(ValueError, match=r"no weights 'IMAGENET_V9' for resnet18; choose 'DEFAULT' or .*IMAGENET1K_V1"):
        pretrained("resnet18", weights="IMAGENET_V9")


@pytest.mark.parametrize("damage", [b"", b"garbage, not a zip archive"])
def test_a_corrupt_local_file_is_named(tmp_path, damage):
    path = tmp_path / "resnet18.pth"
    path.write_bytes(damage)
    with pytest.raises(WeightsUnavailableError, match=f"{path} is not a state dict torch can read"):
        pretrained("resnet18", path=path)


def test_a_truncated_local_file_is_named(tmp_path):
    path = tmp_path / "resnet18.pth"
    torch.save(torchvision.models.resnet18().state_dict(), path)
    path.write_bytes(path.read_bytes()[:100_000])
    with pytest.raises(WeightsUnavailableError, match=f"{path} is not a state dict torch can read"):
        pretrained("resnet18", path=path)


def cached_file(hub_dir: Path, name: str) -> Path:
    return hub_dir / "checkpoints" / Path(weights_url(name)).name


def test_a_corrupt_cache_is_downloaded_again(tmp_path, monkeypatch):
    good = tmp_path / "good.pth"
    torch.save(torchvision.models.resnet18().state_dict(), good)
    cached = cached_file(tmp_path / "hub", "resnet18")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half a download")
    fetched = []

    def download(url, target, hash_prefix, progress=True):  # torch hub's downloader, served locally
        fetched.append(url)
        shutil.copy(good, target)

    monkeypatch.setattr(torch.hub, "download_url_to_file", download)
    model = pretrained("resnet18", hub_dir=tmp_path / "hub")
    assert fetched == [weights_url("resnet18")]
    torch.testing.assert_close(model.state_dict()["fc.weight"], torch.load(good)["fc.weight"])


def test_a_corrupt_cache_offline_says_which_file_to_delete(tmp_path, monkeypatch):
    def no_network(url, *args, **kwargs):
        raise OSError("network is unreachable")

    cached = cached_file(tmp_path, "resnet18")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half a download")
    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    with pytest.raises(WeightsUnavailableError) as error:
        pretrained("resnet18", hub_dir=tmp_path)
    message = str(error.value)
    assert f"{cached} is not a state dict torch can read" in message and f"rm '{cached}'" in message
    assert "network is unreachable" in message


def test_a_stuck_name_lookup_is_cut_off(tmp_path, monkeypatch):
    def stuck(*args, **kwargs):  # a resolver that never answers (socket timeouts do not apply to it)
        time.sleep(25)
        raise socket.gaierror("timed out")

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    started = time.perf_counter()
    with pytest.raises(WeightsUnavailableError, match="name lookup of download.pytorch.org did not answer within 1 s"):
        pretrained("resnet18", hub_dir=tmp_path, timeout=1)
    assert time.perf_counter() - started < 5
