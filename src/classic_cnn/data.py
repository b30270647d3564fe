"""Datasets as tensors: embedded ones that always work offline, and the real ones when online.

``load(name)`` returns a :class:`Dataset` (train/test tensors, classes, input shape, description):

- ``"digits"`` — scikit-learn's 1,797 handwritten 8×8 digits, resized to ``size`` (32×32 for LeNet-5),
  with a fixed stratified 1,437/360 train/test split. Embedded: the offline default for grey images.
- ``"patterns"`` — generated colour images (see :func:`make_patterns`): oriented colour gratings and
  colour blobs, the kind of stimulus the first layer of AlexNet learned to detect. Embedded: the offline
  default for colour images.
- ``"mnist"``, ``"fashion-mnist"``, ``"cifar10"`` — through torchvision. With no network, or when a
  download fails, a :class:`OfflineFallbackWarning` and the embedded data instead, at the real data's size;
  except in the ``full`` and ``paper`` profiles, whose training only means something on the real data: there
  :class:`DataUnavailableError` stops the chapter (retry, or choose the ``quick`` profile).
  A corrupt file on disk is named; it is downloaded again when the network allows, else the warning says
  how to delete it.

:class:`DeviceLoader` serves a dataset that lives on the training device in batches, with the standard
augmentations (random crop with padding, horizontal flip) done on that device, a batch at a time.
"""

from __future__ import annotations

import math
import os
import socket
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

import torch
import torch.nn.functional as F
from torch import Tensor

from .profile import active_profile

Normalization = Literal["standard", "lecun", "none"]
EMBEDDED = ("digits", "patterns")
ONLINE = ("mnist", "fashion-mnist", "cifar10")
NAMES = EMBEDDED + ONLINE
FALLBACK = {"mnist": "digits", "fashion-mnist": "digits", "cifar10": "patterns"}
SIDE = {"mnist": 28, "fashion-mnist": 28, "cifar10": 32}  # the real images' side, kept by their stand-ins
PHOTOS = ("china", "flower")

# LeCun et al. 1998, Sec. II-A: "the background level (white) corresponds to a value of -0.1 and the
# foreground (black) corresponds to 1.175. This makes the mean input roughly 0, and the variance roughly 1".
LECUN_BACKGROUND, LECUN_FOREGROUND = -0.1, 1.175


class OfflineFallbackWarning(UserWarning):
    """A real dataset could not be had (offline, failed or corrupt download); embedded data is used."""


class DataUnavailableError(RuntimeError):
    """A real dataset could not be had in the full profile, where no stand-in will do."""


@dataclass(frozen=True)
class Augment:
    """Batch augmentations: shift by up to ``crop_padding`` pixels (random crop of the padded image), flip."""

    crop_padding: int = 0
    flip: bool = False

    def __post_init__(self) -> None:
        if self.crop_padding < 0:
            raise ValueError(f"crop_padding must be >= 0, got {self.crop_padding}")

    @property
    def active(self) -> bool:
        return self.crop_padding > 0 or self.flip


@dataclass(frozen=True)
class Dataset:
    """Train and test tensors, ``(N, C, H, W)`` float32 images and ``(N,)`` int64 labels, with their story.

    Images are normalized as ``(pixel - shift) / scale`` per channel, pixels in [0, 1];
    :meth:`to_pixels` undoes it for display.
    """

    name: str
    train_images: Tensor
    train_labels: Tensor
    test_images: Tensor
    test_labels: Tensor
    classes: tuple[str, ...]
    description: str
    shift: tuple[float, ...] = (0.0,)
    scale: tuple[float, ...] = (1.0,)
    augment: Augment = field(default_factory=Augment)  # what makes sense for this data
    fallback_for: str | None = None  # the dataset asked for, when this one stands in for it

    def __post_init__(self) -> None:
        channels = self.train_images.shape[1]
        for name in ("shift", "scale"):
            values = tuple(getattr(self, name))
            if len(values) == 1:  # one value for every channel, as the default (0.0,) / (1.0,) means
                object.__setattr__(self, name, values * channels)
            elif len(values) != channels:
                raise ValueError(f"{name} needs 1 or {channels} values (one per channel), got {len(values)}")

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of one image."""
        return tuple(self.train_images.shape[1:])  # type: ignore[return-value]

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def fill(self) -> Tensor:
        """Per-channel value of a black (zero) pixel after normalization: what padding adds."""
        return -torch.tensor(self.shift) / torch.tensor(self.scale)

    def to_pixels(self, images: Tensor) -> Tensor:
        """Undo the normalization: pixels in [0, 1] (clamped), for display."""
        shape = (-1, 1, 1)
        shift = torch.tensor(self.shift, device=images.device).view(shape)
        scale = torch.tensor(self.scale, device=images.device).view(shape)
        return (images * scale + shift).clamp(0, 1)

    def __repr__(self) -> str:
        shape = "×".join(map(str, self.input_shape))
        return (
            f"Dataset({self.name!r}: {len(self.train_labels):,} train / {len(self.test_labels):,} test images "
            f"of {shape}, {self.num_classes} classes)"
        )


# --- the public entry ---------------------------------------------------------------------------


def load(
    name: str = "digits",
    *,
    size: int | None = None,
    normalize: Normalization = "standard",
    root: str | os.PathLike | None = None,
    download: bool = True,
    timeout: float = 10.0,
    seed: int = 0,
    fallback: bool | None = None,
) -> Dataset:
    """Load a dataset by name (``digits``, ``patterns``, ``mnist``, ``fashion-mnist``, ``cifar10``).

    ``size`` is the side of the images the model takes (default: digits 32, MNIST 28, others 32); MNIST
    is padded to it like LeNet-5's 32×32 input, the others resized. A stand-in for unavailable real data
    has the real data's default size. ``normalize="lecun"`` is the paper's
    grey-level coding (background -0.1, ink 1.175); ``"standard"`` gives each channel mean 0, variance 1
    on the training set. ``timeout`` bounds every network wait, in seconds. ``seed`` only matters for
    ``patterns``. ``fallback``: whether unavailable real data may be replaced by embedded data (default: yes,
    only in the ``quick`` profile; in ``full`` and ``paper``, :class:`DataUnavailableError` is raised instead).
    """
    if name not in NAMES:
        raise ValueError(f"unknown dataset {name!r}; choose one of {NAMES}")
    if normalize not in ("standard", "lecun", "none"):
        raise ValueError(f"normalize must be 'standard', 'lecun' or 'none', got {normalize!r}")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 8):
        raise ValueError(f"size must be an integer >= 8, got {size!r}")
    if name == "digits":
        return _normalized(_digits(size or 32), normalize)
    if name == "patterns":
        return _normalized(make_patterns(size=size or 32, seed=seed), normalize)
    try:
        raw = _torchvision(name, size, Path(root) if root else data_root(), download, timeout)
    except _Unavailable as reason:
        if not (active_profile() == "quick" if fallback is None else fallback):
            raise DataUnavailableError(
                f"{name} is unavailable ({reason}). The full profile trains on the real data: run the cell again "
                "to retry, or switch to the quick profile (run `%env CLASSIC_CNN_PROFILE=quick`, then the chapter "
                "again), which uses embedded data"
            ) from None
        stand_in = FALLBACK[name]
        warnings.warn(
            f"{name} is unavailable ({reason}); using the embedded {stand_in!r} dataset instead",
            OfflineFallbackWarning,
            stacklevel=2,
        )
        data = load(stand_in, size=size or SIDE[name], normalize=normalize, seed=seed)
        return replace(data, fallback_for=name, description=f"{data.description} (standing in for {name})")
    return _normalized(raw, normalize)


def load_for(model: object, name: str, **options) -> Dataset:
    """:func:`load` at the side ``model`` is built for (its ``input_size``): MNIST's 28×28 digits padded to
    LeNet-5's 32×32 field, as in the paper (Sec. II-B); ``size=`` in ``options`` overrides it."""
    options.setdefault("size", model.input_size[-1])
    return load(name, **options)


def data_root() -> Path:
    """Where downloads go: ``$CLASSIC_CNN_DATA``, else ``~/.cache/classic_cnn``."""
    return Path(os.environ.get("CLASSIC_CNN_DATA") or Path.home() / ".cache" / "classic_cnn")


def _normalized(data: Dataset, normalize: Normalization) -> Dataset:
    """Map pixels in [0, 1] to the chosen coding; record the mapping so it can be undone."""
    channels = data.train_images.shape[1]
    if normalize == "none":
        shift, scale = (0.0,) * channels, (1.0,) * channels
    elif normalize == "lecun":
        if channels != 1:
            raise ValueError(f"normalize='lecun' is defined for grey images (1 channel), {data.name} has {channels}")
        # ink coded 0→1 maps to -0.1→1.175: pixel*(1.175+0.1) - 0.1
        span = LECUN_FOREGROUND - LECUN_BACKGROUND
        shift, scale = (-LECUN_BACKGROUND / span,), (1 / span,)
    else:
        shift = tuple(data.train_images.mean(dim=(0, 2, 3)).tolist())
        scale = tuple(data.train_images.std(dim=(0, 2, 3)).tolist())
    view = (1, channels, 1, 1)

    def code(images: Tensor) -> Tensor:
        return ((images - torch.tensor(shift).view(view)) / torch.tensor(scale).view(view)).contiguous()

    return replace(
        data, train_images=code(data.train_images), test_images=code(data.test_images), shift=shift, scale=scale
    )


# --- digits (embedded) --------------------------------------------------------------------------


DIGIT_FRACTION = 0.75


def digit_box(size: int) -> tuple[int, int]:
    """Where ``load("digits", size=size)`` puts the 8×8 scan: the side of its box and the margin above and left.

    Like MNIST in LeNet-5's input (a 20×20 digit box in a 32×32 field), the digit fills the middle three
    quarters and a blank margin surrounds it, so that shifted digits stay whole: 32 → a 24×24 box, margin 4.
    """
    inner = max(8, round(size * DIGIT_FRACTION))
    return inner, (size - inner) // 2


def _digits(size: int) -> Dataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    images = torch.tensor(bunch.images, dtype=torch.float32).unsqueeze(1) / 16.0  # 0..16 grey levels
    labels = torch.tensor(bunch.target, dtype=torch.int64)
    inner, margin = digit_box(size)
    images = F.interpolate(images, size=(inner, inner), mode="bilinear", align_corners=False).clamp(0, 1)
    images = F.pad(images, (margin, size - inner - margin) * 2)
    train, test = train_test_split(range(len(labels)), test_size=0.2, stratify=bunch.target, random_state=0)
    train, test = torch.tensor(train), torch.tensor(test)
    return Dataset(
        "digits",
        images[train].contiguous(),
        labels[train],
        images[test].contiguous(),
        labels[test],
        tuple(str(digit) for digit in range(10)),
        f"scikit-learn's handwritten digits: 1,797 real 8×8 scans (16 grey levels) from 43 writers, "
        f"resized to {inner}×{inner} in a {size}×{size} field; fixed stratified split 1,437 train / 360 test",
        augment=Augment(crop_padding=max(1, size // 16)),  # small shifts; never flip a digit
    )


# --- patterns (embedded, generated) -------------------------------------------------------------

ORIENTATIONS = (0, 45, 90, 135)  # stripe direction in degrees, counter-clockwise from horizontal
COLOUR_AXES = ("red-green", "blue-yellow")
PATTERN_CLASSES = tuple(f"{axis} {angle}°" for axis in COLOUR_AXES for angle in ORIENTATIONS) + tuple(
    f"{axis} blob" for axis in COLOUR_AXES
)


def make_patterns(train_size: int = 4000, test_size: int = 1000, size: int = 32, seed: int = 0) -> Dataset:
    """Colour gratings and blobs, 10 classes: the stimuli that first-layer filters learn to detect.

    A grating is a sinusoid of random wavelength and phase, seen through a Gaussian window at a random
    place, whose stripes run at 0°, 45°, 90° or 135° (±12°) and alternate along a colour axis,
    red↔green or blue↔yellow (±20°, plus some random brightness). A blob is the window alone, pushed
    along a colour axis. Every image has a random tinted background, contrast and pixel noise. The class
    is orientation × colour axis (8 gratings) or the colour axis of a blob (2). Neither brightness nor
    orientation alone decides it, so a network needs oriented *and* colour-opponent filters — the two
    kinds AlexNet's first layer learned (Krizhevsky et al. 2012, Fig. 3). Pixels in [0, 1], deterministic
    from ``seed``.
    """
    for name, value, least in (("train_size", train_size, 10), ("test_size", test_size, 10), ("size", size, 8)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    generator = torch.Generator().manual_seed(seed)
    count = train_size + test_size
    labels = torch.arange(count) % len(PATTERN_CLASSES)
    labels = labels[torch.randperm(count, generator=generator)]

    def uniform(low: float, high: float, shape: tuple[int, ...] = (count,)) -> Tensor:
        return low + (high - low) * torch.rand(shape, generator=generator)

    grating = labels < 8
    angle = torch.tensor(ORIENTATIONS, dtype=torch.float32)[labels % 4] + uniform(-12, 12)
    axis = torch.where(grating, labels // 4, labels - 8)  # 0 red-green, 1 blue-yellow
    # Colour directions in an opponent space: luminance, red-green, blue-yellow (orthonormal in RGB).
    luminance = torch.tensor([1.0, 1.0, 1.0]) / math.sqrt(3)
    red_green = torch.tensor([1.0, -1.0, 0.0]) / math.sqrt(2)
    blue_yellow = torch.tensor([-1.0, -1.0, 2.0]) / math.sqrt(6)
    hue = torch.deg2rad(axis * 90.0 + uniform(-20, 20))
    colour = hue.cos()[:, None] * red_green + hue.sin()[:, None] * blue_yellow + uniform(-0.4, 0.4)[:, None] * luminance

    rows, cols = torch.meshgrid(
        torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij"
    )
    x, y = cols[None], -rows[None]  # y up, so 45° rises to the right
    centre_x, centre_y = uniform(0.3, 0.7) * size, -uniform(0.3, 0.7) * size
    width = torch.where(grating, uniform(0.18, 0.4), uniform(0.1, 0.25)) * size
    window = torch.exp(
        -((x - centre_x[:, None, None]) ** 2 + (y - centre_y[:, None, None]) ** 2) / (2 * width[:, None, None] ** 2)
    )
    normal = torch.deg2rad(angle + 90)  # the sinusoid varies across the stripes
    wavelength = uniform(4, 10) * size / 32
    across = x * normal.cos()[:, None, None] + y * normal.sin()[:, None, None]
    wave = torch.sin(2 * math.pi * across / wavelength[:, None, None] + uniform(0, 2 * math.pi)[:, None, None])
    sign = torch.where(torch.rand(count, generator=generator) < 0.5, -1.0, 1.0)
    signal = torch.where(grating[:, None, None], wave, sign[:, None, None]) * window
    contrast = uniform(0.15, 0.5)
    background = 0.5 + uniform(-0.15, 0.15, (count, 3))
    images = background[:, :, None, None] + (contrast[:, None] * colour)[:, :, None, None] * signal[:, None]
    images = images + uniform(0.03, 0.12)[:, None, None, None] * torch.randn(images.shape, generator=generator)
    images = images.clamp(0, 1)
    return Dataset(
        "patterns",
        images[:train_size].contiguous(),
        labels[:train_size],
        images[train_size:].contiguous(),
        labels[train_size:],
        PATTERN_CLASSES,
        f"generated colour patterns (seed {seed}): gratings at 4 orientations × 2 colour axes and blobs on "
        f"2 colour axes, {size}×{size}, {train_size:,} train / {test_size:,} test",
        augment=Augment(crop_padding=max(1, size // 8)),  # a flip would turn 45° into 135°: no flip
    )


# --- photographs that ship with scikit-learn ----------------------------------------------------


def sample_photo(name: str = "china", size: int | None = None) -> Tensor:
    """A real colour photo, ``(3, H, W)`` in [0, 1]: scikit-learn's ``china`` (a temple) or ``flower``.

    With ``size``, the shorter side is resized to ``size`` and the centre cropped to ``size``×``size``.
    """
    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; choose one of {PHOTOS}")
    from sklearn.datasets import load_sample_image

    photo = torch.tensor(load_sample_image(f"{name}.jpg"), dtype=torch.float32).permute(2, 0, 1) / 255.0
    if size is None:
        return photo.contiguous()
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    height, width = photo.shape[1:]
    shorter = min(height, width)
    resized = (round(height * size / shorter), round(width * size / shorter))
    photo = F.interpolate(photo[None], size=resized, mode="bilinear", antialias=True, align_corners=False)[0]
    top, left = (resized[0] - size) // 2, (resized[1] - size) // 2
    return photo[:, top : top + size, left : left + size].clamp(0, 1).contiguous()


# --- real datasets through torchvision ----------------------------------------------------------


class _Unavailable(Exception):
    """Why a real dataset cannot be loaded."""


def _torchvision(name: str, size: int | None, root: Path, download: bool, timeout: float) -> Dataset:
    from torchvision import datasets

    kind = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST, "cifar10": datasets.CIFAR10}[name]
    splits = _open(kind, root, download, timeout)
    (train_images, train_labels), (test_images, test_labels) = (_as_tensors(split) for split in splits)
    grey = train_images.shape[1] == 1
    side = size or SIDE[name]
    train_images, test_images = (_fit(images, side, pad=grey) for images in (train_images, test_images))
    classes = tuple(splits[0].classes)
    return Dataset(
        name,
        train_images,
        train_labels,
        test_images,
        test_labels,
        classes,
        f"{name} via torchvision: {len(train_labels):,} train / {len(test_labels):,} test images, {side}×{side}",
        augment=Augment(crop_padding=2) if grey else Augment(crop_padding=4, flip=True),
    )


def _open(kind: type, root: Path, download: bool, timeout: float) -> tuple:
    """Train and test splits from ``root``: downloaded when missing, downloaded again when corrupt."""
    try:
        return kind(str(root), train=True), kind(str(root), train=False)
    except Exception as error:  # noqa: BLE001 — torchvision says "not found or corrupted" as RuntimeError
        failure = error
    files = _files(kind, root)
    broken = [(path, _damage(kind, path)) for path in files if path.exists()]
    corrupt = [(path, damage) for path, damage in broken if damage]
    if corrupt:
        path, damage = corrupt[0]
        remedy = f"delete it (rm '{path}') and load again online for a fresh copy"
        if not download:
            raise _Unavailable(f"{path} is corrupt ({damage}); {remedy}")
        host = _host(kind)
        if not _reachable(host, timeout):
            raise _Unavailable(
                f"{path} is corrupt ({damage}) and {host} is not reachable to download it again; {remedy}"
            )
        for path, _ in corrupt:
            path.unlink()
        splits = _download(kind, root, timeout)
        still = [path for path in files if path.exists() and _damage(kind, path)]
        if still:
            raise _Unavailable(f"{still[0]} is corrupt even after downloading it again")
        return splits
    if len(broken) == len(files):  # every file there and readable on its own, yet torchvision failed
        raise _Unavailable(f"torchvision could not read the files in {files[0].parent}: {failure}")
    if not download:
        raise _Unavailable(f"not found under {root} and download=False")
    return _download(kind, root, timeout)


def _files(kind: type, root: Path) -> list[Path]:
    """The files torchvision reads for ``kind``, where it reads them (present or not)."""
    if hasattr(kind, "base_folder"):  # CIFAR-10: pickled batches and a metadata file
        names = [name for name, _ in kind.train_list + kind.test_list] + [kind.meta["filename"]]
        return [root / kind.base_folder / name for name in names]
    # MNIST and Fashion-MNIST: the uncompressed IDX files in <root>/<class name>/raw
    return [root / kind.__name__ / "raw" / Path(name).stem for name, _ in kind.resources]


def _damage(kind: type, path: Path) -> str:
    """Why the dataset file at ``path`` cannot be what torchvision expects ("" when it looks right)."""
    from torchvision.datasets import mnist, utils

    if hasattr(kind, "base_folder"):
        checksums = dict(kind.train_list + kind.test_list + [[kind.meta["filename"], kind.meta["md5"]]])
        return "" if utils.check_integrity(str(path), checksums[path.name]) else "its MD5 checksum is wrong"
    read = mnist.read_image_file if "images" in path.name else mnist.read_label_file
    try:
        read(str(path))
    except Exception as error:  # noqa: BLE001 — a truncated or garbage IDX file fails in many ways
        return f"not a complete IDX file: {type(error).__name__} {error}".strip()
    return ""


def _host(kind: type) -> str:
    url = (getattr(kind, "mirrors", None) or [getattr(kind, "url", "")])[0]
    return urlparse(url).hostname or ""


def _download(kind: type, root: Path, timeout: float) -> tuple:
    host = _host(kind)
    if not _reachable(host, timeout):
        raise _Unavailable(f"no network: {host} not reachable within {timeout:g} s")
    try:
        with _socket_timeout(timeout):
            return kind(str(root), train=True, download=True), kind(str(root), train=False, download=True)
    except Exception as error:  # noqa: BLE001 — any failed or corrupt download means: use the fallback
        raise _Unavailable(f"download failed: {type(error).__name__}: {error}") from None


def _reachable(host: str, timeout: float) -> bool:
    """Whether a TCP connection to ``host:443`` opens within ``timeout`` (name lookup included)."""
    outcome: list[bool] = []

    def attempt() -> None:
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            outcome.append(True)
        except OSError:
            outcome.append(False)

    # A thread, because a name lookup ignores socket timeouts and can hang on a broken resolver.
    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(outcome and outcome[0])


@contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _as_tensors(split) -> tuple[Tensor, Tensor]:
    """torchvision's arrays (uint8, N×H×W or N×H×W×3) as float images in [0, 1] and int64 labels."""
    images = torch.as_tensor(split.data)
    images = images.unsqueeze(1) if images.ndim == 3 else images.permute(0, 3, 1, 2)
    return images.float().div(255).contiguous(), torch.as_tensor(split.targets, dtype=torch.int64)


def _fit(images: Tensor, size: int, pad: bool) -> Tensor:
    """Bring images to ``size``: pad with black (as LeNet-5's 28→32) or resize."""
    side = images.shape[-1]
    if side == size:
        return images
    if pad and size > side and (size - side) % 2 == 0:
        margin = (size - side) // 2
        return F.pad(images, (margin,) * 4).contiguous()
    mode = dict(mode="bilinear", antialias=size < side, align_corners=False)
    return F.interpolate(images, size=(size, size), **mode).clamp(0, 1).contiguous()


# --- a loader that lives on the device ----------------------------------------------------------


class DeviceLoader:
    """Batches of a tensor dataset already on the device: no worker processes, augmentation in batch.

    Each pass draws a fresh order (when ``shuffle``) and fresh augmentations from ``generator``. Under
    data parallelism every rank draws the same global batch and keeps its ``rank``-th share of it, so
    ``world_size`` processes see exactly the batches one process would.

    A last batch too small to give every process two images (batch norm cannot train on one, and an empty
    share stalls the others) joins the batch before it: 1,437 digits in batches of 64 are 23 batches, the
    last of 29; 1,409 would be 22, the last of 65, not 23 with a last of 1.
    """

    def __init__(
        self,
        images: Tensor,
        labels: Tensor,
        batch_size: int,
        *,
        shuffle: bool = False,
        augment: Augment | None = None,
        fill: Tensor | None = None,
        generator: torch.Generator | None = None,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if len(images) != len(labels):
            raise ValueError(f"images and labels differ in length: {len(images)} vs {len(labels)}")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in [0, world_size {world_size}), got {rank}")
        self.images, self.labels, self.batch_size = images, labels, batch_size
        self.shuffle, self.augment = shuffle, augment or Augment()
        channels = images.shape[1]
        self.fill = (torch.zeros(channels) if fill is None else fill).to(images.device, images.dtype)
        self.generator = generator or torch.Generator()
        self.rank, self.world_size = rank, world_size

    def __len__(self) -> int:
        return len(self._starts())

    def batch_sizes(self) -> list[int]:
        """The size of each (global) batch of a pass, before it is shared among the processes."""
        starts = self._starts()
        return [end - start for start, end in zip(starts, starts[1:] + [len(self.labels)])]

    def _starts(self) -> list[int]:
        """Where each batch begins in the pass's order; the last batch ends at the end of the data."""
        count = len(self.labels)
        starts = list(range(0, count, self.batch_size))
        if len(starts) > 1 and count - starts[-1] < min(self.batch_size, 2 * self.world_size):
            starts.pop()
        return starts

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        count = len(self.labels)
        order = torch.randperm(count, generator=self.generator) if self.shuffle else torch.arange(count)
        starts = self._starts()
        for start, end in zip(starts, starts[1:] + [count]):
            batch = order[start:end]
            shifts, flips = self._draw(len(batch))
            share = slice(*_share(len(batch), self.rank, self.world_size))
            index = _to_device(batch[share], self.images.device)
            images = self.images[index]
            if self.augment.crop_padding:
                moved = _to_device(shifts[share], images.device)
                images = shift_images(images, moved, self.fill, padding=self.augment.crop_padding)
            if self.augment.flip:
                images = torch.where(
                    _to_device(flips[share], images.device)[:, None, None, None], images.flip(3), images
                )
            yield images, self.labels[index]

    def _draw(self, count: int) -> tuple[Tensor, Tensor]:
        """Random shifts and flips for a whole global batch (drawn on the CPU: the same on every rank)."""
        padding = self.augment.crop_padding
        shifts = torch.randint(-padding, padding + 1, (count, 2), generator=self.generator) if padding else None
        flips = torch.rand(count, generator=self.generator) < 0.5 if self.augment.flip else None
        return shifts, flips  # type: ignore[return-value]


def _to_device(values: Tensor, device: torch.device) -> Tensor:
    """A small CPU tensor on ``device``; to a GPU through pinned memory, so the copy does not wait for the GPU."""
    if device.type != "cuda":
        return values.to(device)
    return values.pin_memory().to(device, non_blocking=True)


def _share(count: int, rank: int, world_size: int) -> tuple[int, int]:
    """Start and end of ``rank``'s contiguous share of ``count`` items (sizes differ by at most one)."""
    base, extra = divmod(count, world_size)
    start = rank * base + min(rank, extra)
    return start, start + base + (rank < extra)


def shift_images(images: Tensor, shifts: Tensor, fill: Tensor, padding: int | None = None) -> Tensor:
    """Translate each image by its own ``(down, right)`` shift in pixels, filling the gap with ``fill``.

    The same as a random crop of the image padded by ``max |shift|`` pixels, for a whole batch at once.
    ``padding``, if given, bounds ``|shift|`` (the training loop knows it, and a GPU need not be asked).
    """
    batch, channels, height, width = images.shape
    if padding is None:
        padding = int(shifts.abs().max()) if len(shifts) else 0
    if padding == 0:
        return images
    padded = fill.view(1, channels, 1, 1).expand(batch, channels, height + 2 * padding, width + 2 * padding).clone()
    padded[:, :, padding : padding + height, padding : padding + width] = images
    rows = (padding - shifts[:, 0, None]) + torch.arange(height, device=images.device)
    cols = (padding - shifts[:, 1, None]) + torch.arange(width, device=images.device)
    picked = padded[torch.arange(batch, device=images.device)[:, None, None], :, rows[:, :, None], cols[:, None, :]]
    return picked.permute(0, 3, 1, 2).contiguous()  # advanced indexing put channels last
