"""Each explorer's controls, defaults and buttons, shared by the static (browser) and kernel (ipywidgets) forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from classic_cnn.shapes import same_padding
from classic_cnn.widgets.logic import POOL_MODES


@dataclass(frozen=True)
class Slider:
    """An integer setting, shown as ``<input type=range>`` or ``ipywidgets.IntSlider``."""

    name: str
    label: str
    minimum: int
    maximum: int


@dataclass(frozen=True)
class Choice:
    """A setting with named options, shown as ``<select>`` or ``ipywidgets.Dropdown``."""

    name: str
    label: str
    options: tuple[str, ...]


Control = Slider | Choice


@dataclass(frozen=True)
class Button:
    """A button: ``apply(settings)`` returns the settings it changes (``js/render.js`` has the same)."""

    action: str
    label: str
    apply: Callable[[dict], dict]


@dataclass(frozen=True)
class Definition:
    kind: str
    title: str
    controls: tuple[Control, ...]
    defaults: dict
    buttons: tuple[Button, ...] = field(default=())


def _same_padding(settings: dict) -> dict:
    try:
        return {"padding": same_padding(settings["kernel_size"])}
    except ValueError:  # an even filter: the view already says why
        return {}


DEFINITIONS = {
    "conv": Definition(
        "conv",
        "Convolution explorer",
        (
            Slider("input_size", "input size N", 1, 32),
            Slider("depth", "depth D", 1, 512),
            Slider("kernel_size", "filter size F", 1, 11),
            Slider("stride", "stride S", 1, 6),
            Slider("padding", "padding P", 0, 5),
            Slider("filters", "filters K", 1, 512),
        ),
        dict(input_size=7, depth=3, kernel_size=3, stride=1, padding=0, filters=2),
        (Button("same-padding", "same padding", _same_padding),),
    ),
    "pool": Definition(
        "pool",
        "Pooling explorer",
        (
            Slider("input_size", "input size N", 1, 12),
            Slider("kernel_size", "window F", 1, 6),
            Slider("stride", "stride S", 1, 6),
            Choice("mode", "pooling", POOL_MODES),
        ),
        dict(input_size=7, kernel_size=3, stride=2, mode="max"),
        (
            Button("overlapping", "overlapping 3/2", lambda settings: {"kernel_size": 3, "stride": 2}),
            Button("non-overlapping", "non-overlapping 2/2", lambda settings: {"kernel_size": 2, "stride": 2}),
        ),
    ),
    "receptive-field": Definition(
        "receptive-field",
        "Receptive-field explorer",
        (
            Slider("layers", "layers", 1, 5),
            Slider("kernel_size", "kernel k", 1, 7),
            Slider("stride", "stride", 1, 2),
            Slider("channels", "channels C", 1, 512),
        ),
        dict(layers=3, kernel_size=3, stride=1, channels=64),
    ),
    "bottleneck": Definition(
        "bottleneck",
        "1×1 bottleneck cost explorer",
        (
            Slider("size", "size H = W", 1, 56),
            Slider("in_channels", "input depth", 1, 512),
            Slider("out_channels", "output depth", 1, 256),
            Slider("kernel_size", "kernel F", 1, 7),
            Slider("bottleneck", "1×1 width (0: none)", 0, 256),
        ),
        dict(size=28, in_channels=192, out_channels=32, kernel_size=5, bottleneck=16),
    ),
}


def settings_for(kind: str, overrides: dict) -> dict:
    """The defaults of explorer ``kind`` with ``overrides``; an unknown name is a ``TypeError``."""
    if kind not in DEFINITIONS:
        raise ValueError(f"unknown explorer {kind!r}; choose from {sorted(DEFINITIONS)}")
    definition = DEFINITIONS[kind]
    unknown = set(overrides) - set(definition.defaults)
    if unknown:
        raise TypeError(f"{definition.title} has no setting {sorted(unknown)}; it has {list(definition.defaults)}")
    return {**definition.defaults, **overrides}
