"""classic_cnn.data against independent oracles: scikit-learn's digits, torchvision's on-disk formats,
the Fourier spectrum of the generated gratings, slicing for the batch augmentations."""

import pickle
import socket
import time
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from classic_cnn import data
from classic_cnn.data import Augment, DeviceLoader, OfflineFallbackWarning, load, make_patterns, sample_photo

# --- digits ---------------------------------------------------------------------------------------


def test_digits_split_is_stratified_and_fixed():
    from sklearn.datasets import load_digits

    digits = load("digits")
    assert digits.input_shape == (1, 32, 32) and digits.num_classes == 10
    assert (len(digits.train_labels), len(digits.test_labels)) == (1437, 360)
    per_class = np.bincount(load_digits().target)
    test_counts = torch.bincount(digits.test_labels, minlength=10).numpy()
    assert np.all(np.abs(test_counts - 0.2 * per_class) <= 1)  # stratified: 20% of every class
    assert torch.equal(load("digits").test_labels, digits.test_labels)


def test_digits_lecun_coding():
    digits = load("digits", normalize="lecun")
    pixels = torch.cat([digits.train_images, digits.test_images])
    # Background (0 of 16 grey levels) is exactly -0.1; the darkest ink (16 of 16) reaches 1.175.
    assert pixels.min().item() == pytest.approx(-0.1)
    assert pixels.max().item() == pytest.approx(1.175, abs=1e-6)
    assert digits.fill.tolist() == pytest.approx([-0.1])
    assert torch.allclose(digits.to_pixels(pixels[:5]), load("digits", normalize="none").train_images[:5], atol=1e-6)


def test_digits_content_is_sklearns():
    from sklearn.datasets import load_digits

    raw = torch.tensor(load_digits().images, dtype=torch.float32) / 16
    digits = load("digits", size=8, normalize="none")  # 8×8 fills the 8×8 field: the scans themselves
    both = torch.cat([digits.train_images, digits.test_images])[:, 0]
    # Every scan appears once, unchanged (compare as sorted sets of rows of pixels).
    key = lambda images: sorted(map(tuple, images.reshape(len(images), -1).tolist()))  # noqa: E731
    assert key(both) == key(raw)


def test_standard_normalization_statistics():
    patterns = load("patterns", size=16)
    mean = patterns.train_images.mean(dim=(0, 2, 3))
    std = patterns.train_images.std(dim=(0, 2, 3))
    assert torch.allclose(mean, torch.zeros(3), atol=1e-5) and torch.allclose(std, torch.ones(3), atol=1e-5)


# --- patterns -------------------------------------------------------------------------------------


def test_patterns_are_deterministic_and_balanced():
    first, again, other = (
        make_patterns(200, 100, 16, seed=3),
        make_patterns(200, 100, 16, seed=3),
        make_patterns(200, 100, 16, seed=4),
    )
    assert torch.equal(first.train_images, again.train_images) and torch.equal(first.test_labels, again.test_labels)
    assert not torch.equal(first.train_images, other.train_images)
    assert first.train_images.shape == (200, 3, 16, 16) and first.num_classes == 10
    assert 0 <= first.train_images.min() and first.train_images.max() <= 1
    counts = torch.bincount(torch.cat([first.train_labels, first.test_labels]), minlength=10)
    assert counts.tolist() == [30] * 10


def test_grating_orientation_matches_its_class():
    """The spectrum's peak of each grating points across its stripes: 0° stripes vary vertically, etc."""
    patterns = make_patterns(600, 10, 64, seed=0)
    gratings = patterns.train_labels < 8
    images, labels = patterns.train_images[gratings], patterns.train_labels[gratings]
    centred = images - images.mean(dim=(2, 3), keepdim=True)
    power = torch.fft.fft2(centred).abs().pow(2).sum(1)  # (N, 64, 64)
    power[:, 0, 0] = 0
    peak = power.reshape(len(power), -1).argmax(1)
    frequency_y, frequency_x = peak // 64, peak % 64
    frequency_y = torch.where(frequency_y > 32, frequency_y - 64, frequency_y)
    frequency_x = torch.where(frequency_x > 32, frequency_x - 64, frequency_x)
    # Wave vector in image rows (down) and columns; stripes run perpendicular to it, y measured upwards.
    wave = torch.rad2deg(torch.atan2(-frequency_y.float(), frequency_x.float()))
    stripes = (wave - 90) % 180
    expected = torch.tensor([0.0, 45.0, 90.0, 135.0])[labels % 4]
    error = ((stripes - expected + 90) % 180 - 90).abs()
    assert (error < 25).float().mean() > 0.9


def test_patterns_are_not_separable_by_brightness():
    """A nearest-class-mean classifier on mean colour alone is poor: a network must look at structure."""
    patterns = make_patterns(2000, 1000, 16, seed=0)
    train_colour, test_colour = (images.mean(dim=(2, 3)) for images in (patterns.train_images, patterns.test_images))
    means = torch.stack([train_colour[patterns.train_labels == k].mean(0) for k in range(10)])
    predicted = torch.cdist(test_colour, means).argmin(1)
    assert (predicted == patterns.test_labels).float().mean() < 0.35


def test_sample_photo():
    photo = sample_photo("flower", size=64)
    assert photo.shape == (3, 64, 64) and 0 <= photo.min() and photo.max() <= 1
    full = sample_photo("china")
    assert full.shape == (3, 427, 640)
    with pytest.raises(ValueError, match="unknown photo 'cat'"):
        sample_photo("cat")


# --- the real datasets, from files in torchvision's format ----------------------------------------


def write_idx(path, array: np.ndarray) -> None:
    """MNIST's IDX format: magic (0x08 = unsigned bytes, number of dimensions), sizes, then the bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.mark.parametrize(("name", "folder"), [("mnist", "MNIST"), ("fashion-mnist", "FashionMNIST")])
def test_mnist_format_loads_and_pads_to_32(tmp_path, name, folder):
    rng = np.random.default_rng(0)
    train, test = rng.integers(0, 256, (6, 28, 28)), rng.integers(0, 256, (4, 28, 28))
    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    write_idx(raw / "train-images-idx3-ubyte", train)
    write_idx(raw / "train-labels-idx1-ubyte", np.arange(6) % 10)
    write_idx(raw / "t10k-images-idx3-ubyte", test)
    write_idx(raw / "t10k-labels-idx1-ubyte", np.array([9, 8, 7, 6]))
    with warnings.catch_warnings():
        warnings.simplefilter("error", OfflineFallbackWarning)
        loaded = load(name, root=tmp_path, size=32, normalize="none", download=False)
    assert loaded.name == name and loaded.fallback_for is None and loaded.input_shape == (1, 32, 32)
    assert loaded.test_labels.tolist() == [9, 8, 7, 6]
    # LeNet-5's input: the 28×28 image in the middle of a 32×32 field of background.
    assert torch.allclose(loaded.train_images[:, 0, 2:30, 2:30], torch.tensor(train / 255, dtype=torch.float32))
    assert loaded.train_images[:, :, :2].abs().sum() == 0
    assert loaded.augment == Augment(crop_padding=2)


def test_mnist_is_loaded_at_the_side_the_model_takes(tmp_path):
    """LeNet-5 takes 32×32: load_for pads MNIST's 28×28 digits as the paper did (and as the train CLI does)."""
    from classic_cnn.models import lenet5

    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, count in (("train", 6), ("t10k", 4)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", np.full((count, 28, 28), 255))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(count))
    model = lenet5()
    loaded = data.load_for(model, "mnist", root=tmp_path, normalize="none", download=False)
    assert loaded.input_shape == (1, 32, 32) and loaded.train_images[:, :, 2:30, 2:30].min() == 1
    model(loaded.test_images)  # LeNet-5 accepts it
    assert data.load_for(model, "mnist", root=tmp_path, size=28, download=False).input_shape == (1, 28, 28)


def test_cifar10_format_loads(tmp_path, monkeypatch):
    import torchvision.datasets.cifar as cifar

    monkeypatch.setattr(cifar, "check_integrity", lambda *args, **kwargs: True)  # md5s are for the real files
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(1)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batches[name] = {"data": rng.integers(0, 256, (2, 3072)).astype(np.uint8), "labels": [1, 7]}
        (folder / name).write_bytes(pickle.dumps(batches[name]))
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": names}))
    loaded = load("cifar10", root=tmp_path, normalize="none", download=False)
    assert loaded.classes == tuple(names) and loaded.input_shape == (3, 32, 32)
    assert len(loaded.train_labels) == 10 and loaded.test_labels.tolist() == [1, 7]
    # A CIFAR row is 1024 red, 1024 green, 1024 blue values, each 32 rows of 32.
    row = batches["test_batch"]["data"][1]
    assert torch.equal(loaded.test_images[1], torch.tensor(row.reshape(3, 32, 32) / 255, dtype=torch.float32))
    assert loaded.augment == Augment(crop_padding=4, flip=True)


# --- offline: a warning and the embedded data, never a crash, never a hang -------------------------


def no_network(*args, **kwargs):
    raise OSError("Network is unreachable (simulated)")


@pytest.mark.parametrize(("name", "stand_in", "channels"), [("mnist", "digits", 1), ("cifar10", "patterns", 3)])
def test_offline_falls_back_with_a_warning(tmp_path, monkeypatch, name, stand_in, channels):
    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.warns(OfflineFallbackWarning, match=f"{name} is unavailable .*no network.*embedded '{stand_in}'"):
        loaded = load(name, root=tmp_path, size=32)
    assert loaded.name == stand_in and loaded.fallback_for == name and loaded.input_shape == (channels, 32, 32)
    assert f"standing in for {name}" in loaded.description


@pytest.mark.parametrize("name", ["mnist", "cifar10"])
def test_the_full_profile_stops_instead_of_training_on_stand_ins(tmp_path, monkeypatch, name):
    """Hours of full-profile training on generated data would be wasted: a clear error instead of a fallback."""
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "full")
    with pytest.raises(data.DataUnavailableError, match=rf"{name} is unavailable \(no network.*retry.*quick profile"):
        load(name, root=tmp_path)
    with pytest.warns(OfflineFallbackWarning):  # asked for explicitly, a stand-in is still possible
        assert load(name, root=tmp_path, fallback=True).fallback_for == name
    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "quick")
    with pytest.raises(data.DataUnavailableError):
        load(name, root=tmp_path, fallback=False)


def test_failed_download_falls_back(tmp_path, monkeypatch):
    import torchvision.datasets

    def corrupt(self):
        raise RuntimeError("File not found or corrupted.")

    monkeypatch.setattr(data, "_reachable", lambda host, timeout: True)
    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "download", corrupt)
    with pytest.warns(OfflineFallbackWarning, match="download failed: RuntimeError: File not found or corrupted"):
        loaded = load("fashion-mnist", root=tmp_path)
    assert loaded.name == "digits"


def test_a_hanging_network_is_cut_off(tmp_path, monkeypatch):
    def hang(*args, **kwargs):  # a connection that hangs, then times out as a real one would
        time.sleep(30)
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", hang)
    started = time.perf_counter()
    with pytest.warns(OfflineFallbackWarning, match="not reachable within 0.3 s"):
        load("mnist", root=tmp_path, timeout=0.3)
    assert time.perf_counter() - started < 10


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        load("imagenet")
    with pytest.raises(ValueError, match="size must be an integer >= 8, got 4"):
        load("digits", size=4)
    with pytest.raises(ValueError, match="normalize='lecun' is defined for grey images .* patterns has 3"):
        load("patterns", normalize="lecun")
    with pytest.raises(ValueError, match="crop_padding must be >= 0, got -1"):
        Augment(crop_padding=-1)


# --- the device loader and its batch augmentations -----------------------------------------------


def test_shift_equals_cropping_the_padded_image():
    images = torch.randn(5, 3, 7, 9)
    shifts = torch.tensor([[0, 0], [2, -1], [-2, 2], [1, 1], [-1, -2]])
    fill = torch.tensor([0.5, -1.0, 2.0])
    shifted = data.shift_images(images, shifts, fill)
    padded = torch.cat([F.pad(images[:, c : c + 1], (2, 2, 2, 2), value=float(fill[c])) for c in range(3)], dim=1)
    for index, (down, right) in enumerate(shifts.tolist()):
        top, left = 2 - down, 2 - right  # the crop window moves against the shift
        assert torch.equal(shifted[index], padded[index, :, top : top + 7, left : left + 9])


def test_loader_visits_everything_once_per_pass():
    images, labels = torch.arange(10.0).view(10, 1, 1, 1), torch.arange(10)
    loader = DeviceLoader(images, labels, 4, shuffle=True, generator=torch.Generator().manual_seed(0))
    assert len(loader) == 3
    seen = torch.cat([batch_labels for _, batch_labels in loader])
    assert sorted(seen.tolist()) == list(range(10))
    again = torch.cat([batch_labels for _, batch_labels in loader])
    assert not torch.equal(seen, again)  # a new order each pass


def test_flip_and_shift_in_batch():
    images = torch.randn(64, 1, 6, 6)
    loader = DeviceLoader(
        images, torch.arange(64), 64, augment=Augment(flip=True), generator=torch.Generator().manual_seed(1)
    )
    ((batch, _),) = list(loader)
    flipped = torch.tensor([torch.equal(b, i.flip(2)) for b, i in zip(batch, images)])
    kept = torch.tensor([torch.equal(b, i) for b, i in zip(batch, images)])
    assert torch.all(flipped ^ kept) and 10 < flipped.sum() < 54


def test_ranks_share_the_global_batch():
    images, labels = torch.randn(23, 2, 5, 5), torch.arange(23)
    augment = Augment(crop_padding=2, flip=True)

    def batches(rank, world_size):
        generator = torch.Generator().manual_seed(7)
        return list(
            DeviceLoader(
                images, labels, 8, shuffle=True, augment=augment, generator=generator, rank=rank, world_size=world_size
            )
        )

    whole, halves = batches(0, 1), [batches(rank, 2) for rank in (0, 1)]
    for (x, y), (x0, y0), (x1, y1) in zip(whole, *halves):
        assert torch.equal(torch.cat([y0, y1]), y) and torch.equal(torch.cat([x0, x1]), x)
