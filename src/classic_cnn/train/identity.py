"""What makes two training runs the same run: the model's architecture, the data, the seed and the recipe.

A checkpoint records these; resuming compares them, so a ``resnet20`` checkpoint never continues as ``plain20``
(the same parameters, no shortcuts), nor on data normalized otherwise or generated from another seed.
"""

from __future__ import annotations

import hashlib
import math
import re

from torch import nn

from ..data import Dataset

FINGERPRINT_IMAGES = 16  # images per split whose mean enters the data's identity


def model_signature(model: nn.Module) -> str:
    """``ClassName#hash`` of the module tree: each module's class and settings, each tensor's name and shape.

    Settings are a module's plain attributes (numbers, strings, flags such as a block's ``shortcut``), so two
    networks with equal parameter shapes but different wiring differ.
    """
    lines = []
    for name, module in model.named_modules():
        settings = {key: value for key, value in vars(module).items() if _setting(key, value)}
        lines.append(f"{name}: {type(module).__qualname__} {sorted(settings.items())!r}")
    lines += [f"{name}: {tuple(tensor.shape)}" for name, tensor in model.state_dict().items()]
    text = re.sub(r" at 0x[0-9a-f]+", "", "\n".join(lines))  # no memory addresses: they change every run
    return f"{type(model).__qualname__}#{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _setting(key: str, value: object) -> bool:
    """A module's own setting: public (PyTorch's bookkeeping, e.g. hook flags, is private), plain and not its mode."""
    return not key.startswith("_") and key != "training" and _plain(value)


def _plain(value: object) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (bool, int, float, str))


def data_signature(data: Dataset) -> dict:
    """Name, sizes, shape, normalization and a fingerprint of the images (another generator seed shows there)."""
    return {
        "name": data.name,
        "fallback_for": data.fallback_for,
        "train": len(data.train_labels),
        "test": len(data.test_labels),
        "shape": list(data.input_shape),
        "classes": len(data.classes),
        "shift": list(data.shift),
        "scale": list(data.scale),
        "images": _fingerprint(data.train_images, data.train_labels) + _fingerprint(data.test_images, data.test_labels),
    }


def _fingerprint(images, labels) -> list[float]:
    """Mean and label of a few evenly spaced images: cheap, and robust to last-bit float differences."""
    if len(labels) == 0:
        return []
    picked = [round(i * (len(labels) - 1) / max(FINGERPRINT_IMAGES - 1, 1)) for i in range(FINGERPRINT_IMAGES)]
    means = images[picked].double().flatten(1).mean(1).tolist()
    return [value for mean, label in zip(means, labels[picked].tolist()) for value in (mean, float(label))]


def run_settings(seed: object, model: object, data: object, recipe: dict) -> dict:
    """Flat ``{setting: value}`` of a run; the number of epochs is left out: it may grow."""
    settings = {"seed": seed} if model is None else {"seed": seed, "model": model}  # older checkpoints: no model
    if isinstance(data, dict):
        settings.update({f"data.{key}": value for key, value in data.items()})
    settings.update({f"recipe.{key}": value for key, value in recipe.items() if key != "epochs"})
    return {key: _as_lists(value) for key, value in settings.items()}


def differences(ours: dict, theirs: dict) -> list[str]:
    """``"setting: theirs there, ours here"`` for each setting both record and that differs.

    A setting an older checkpoint does not record is not compared. Numbers compare to 6 digits, so a
    normalization computed on another machine (last-bit differences) still counts as the same.
    """
    return [
        "data.images: other images (another source or generator seed)"
        if key == "data.images"
        else f"{key}: {_show(theirs[key])} there, {_show(value)} here"
        for key, value in ours.items()
        if key in theirs and not _same(theirs[key], value)
    ]


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, (int, float))
            and isinstance(b, (int, float))
            and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
        )
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    return a == b


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:56] + " ...]"


def _as_lists(value: object) -> object:
    """Tuples as lists, so a setting compares equal before and after a round trip through a checkpoint."""
    if isinstance(value, (list, tuple)):
        return [_as_lists(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_lists(item) for key, item in value.items()}
    return value
