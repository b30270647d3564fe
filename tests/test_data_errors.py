"""Real data gone wrong: stand-ins at the real data's size, raw generated data that trains, corrupt files named."""

import socket
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from classic_cnn import data
from classic_cnn.data import Dataset, DeviceLoader, OfflineFallbackWarning, load, make_patterns


def no_network(*args, **kwargs):
    raise OSError("Network is unreachable (simulated)")


@pytest.mark.parametrize(("name", "side"), [("mnist", 28), ("fashion-mnist", 28), ("cifar10", 32)])
def test_a_stand_in_has_the_real_datas_size(tmp_path, monkeypatch, name, side):
    """Online MNIST is 28×28 (torchvision's files), so its offline stand-in must be too: same model, same code."""
    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.warns(OfflineFallbackWarning):
        loaded = load(name, root=tmp_path)
    assert loaded.fallback_for == name and loaded.input_shape[1:] == (side, side)


def test_raw_generated_colour_data_trains():
    """make_patterns() gives pixels with the default one-value shift/scale: augmentation must fill all 3 channels."""
    from classic_cnn.train import Trainer

    patterns = make_patterns(train_size=20, test_size=10, size=16)
    assert patterns.fill.shape == (3,)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.LazyLinear(10))
    model(torch.zeros(1, 3, 16, 16))
    trainer = Trainer(model, patterns, epochs=1, batch_size=10, progress=False)
    trainer.fit()
    assert len(trainer.history) == 1


def test_shift_and_scale_are_one_per_channel():
    images = torch.rand(4, 3, 8, 8)
    labels = torch.zeros(4, dtype=torch.int64)
    made = Dataset("x", images, labels, images, labels, ("a",), "", shift=(0.5,), scale=(2.0,))
    assert made.shift == (0.5, 0.5, 0.5) and made.scale == (2.0, 2.0, 2.0)
    loader = DeviceLoader(images, labels, 4, augment=data.Augment(crop_padding=2), fill=made.fill)
    assert next(iter(loader))[0].shape == (4, 3, 8, 8)
    with pytest.raises(ValueError, match="shift needs 1 or 3 values \\(one per channel\\), got 2"):
        Dataset("x", images, labels, images, labels, ("a",), "", shift=(0.5, 0.5))


# --- corrupt files on disk -------------------------------------------------------------------------


def write_idx(path, array: np.ndarray) -> None:
    """MNIST's IDX format: magic (0x08 = unsigned bytes, number of dimensions), sizes, then the bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def write_mnist(raw, missing_only: bool = False) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    files = {
        "train-images-idx3-ubyte": np.full((6, 28, 28), 200),
        "train-labels-idx1-ubyte": np.arange(6) % 10,
        "t10k-images-idx3-ubyte": np.full((4, 28, 28), 100),
        "t10k-labels-idx1-ubyte": np.array([9, 8, 7, 6]),
    }
    for name, array in files.items():
        if not (missing_only and (raw / name).exists()):
            write_idx(raw / name, array)


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_corrupt_file_is_named_offline(tmp_path, monkeypatch, damage):
    raw = tmp_path / "MNIST" / "raw"
    write_mnist(raw)
    broken = raw / "train-images-idx3-ubyte"
    broken.write_bytes(broken.read_bytes()[:1000] if damage == "truncated" else b"not an idx file at all")
    with pytest.warns(OfflineFallbackWarning) as caught:
        load("mnist", root=tmp_path, download=False)
    message = str(caught[0].message)
    assert f"{broken} is corrupt" in message and f"rm '{broken}'" in message
    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.warns(OfflineFallbackWarning) as caught:
        load("mnist", root=tmp_path)
    message = str(caught[0].message)
    assert f"{broken} is corrupt" in message and "not reachable to download it again" in message
    assert broken.exists(), "nothing is deleted when no fresh copy can be had"


def test_a_corrupt_file_is_downloaded_again(tmp_path, monkeypatch):
    import torchvision.datasets

    raw = tmp_path / "FashionMNIST" / "raw"
    write_mnist(raw)
    broken = raw / "t10k-labels-idx1-ubyte"
    broken.write_bytes(b"\x00\x00\x08")
    present_when_downloading = []

    def download(self):  # torchvision's download fetches what is missing: here, written locally
        present_when_downloading.append(sorted(path.name for path in raw.iterdir()))
        write_mnist(raw, missing_only=True)

    monkeypatch.setattr(data, "_reachable", lambda host, timeout: True)
    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "download", download)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OfflineFallbackWarning)
        loaded = load("fashion-mnist", root=tmp_path, normalize="none")
    assert broken.name not in present_when_downloading[0], "the corrupt copy must go before the download"
    assert loaded.name == "fashion-mnist" and loaded.test_labels.tolist() == [9, 8, 7, 6]


def test_a_corrupt_cifar_batch_is_named(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]:
        (folder / name).write_bytes(b"garbage")
    with pytest.warns(OfflineFallbackWarning, match=f"{folder / 'data_batch_1'} is corrupt \\(its MD5 checksum"):
        load("cifar10", root=tmp_path, download=False)
