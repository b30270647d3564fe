"""Each explorer's controls, defaults and buttons (from ``explorers.json``), shared by the static and kernel forms."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from classic_cnn import i18n
from classic_cnn.shapes import same_padding

# Every sentence and constant the explorers show, read here and inlined into the browser's script.
TABLE = json.loads((files("classic_cnn.widgets") / "explorers.json").read_text(encoding="utf-8"))


@cache
def _texts(language: str) -> dict:
    return TABLE["text"] if language == "en" else i18n.localized(TABLE["text"], language)


def texts(language: str | None = None) -> dict:
    """The explorers' sentences (``explorers.json``'s ``text``) in ``language`` (default: ``i18n.language()``)."""
    return _texts(i18n.resolved(language))


def sentence(template: str, values: dict) -> str:
    """Put ``values`` into a sentence of explorers.json: ``{name}`` becomes ``str(values[name])``."""
    return re.sub(r"\{(\w+)\}", lambda match: str(values[match.group(1)]), template)


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


def _sets(changes: dict) -> Callable[[dict], dict]:
    return lambda settings: dict(changes)


def _definition(kind: str, entry: dict) -> Definition:
    controls = tuple(
        Choice(c["name"], c["label"], tuple(c["options"]))
        if "options" in c
        else Slider(c["name"], c["label"], c["min"], c["max"])
        for c in entry["controls"]
    )
    buttons = tuple(
        Button(b["action"], b["label"], _sets(b["sets"]) if "sets" in b else APPLY[kind][b["action"]])
        for b in entry["buttons"]
    )
    return Definition(kind, entry["title"], controls, dict(entry["defaults"]), buttons)


APPLY = {"conv": {"same-padding": _same_padding}}  # buttons that compute (the others set fixed values)
DEFINITIONS = {kind: _definition(kind, entry) for kind, entry in TABLE["explorers"].items()}


def settings_for(kind: str, overrides: dict) -> dict:
    """The defaults of explorer ``kind`` with ``overrides``; an unknown name is a ``TypeError``."""
    if kind not in DEFINITIONS:
        raise ValueError(f"unknown explorer {kind!r}; choose from {sorted(DEFINITIONS)}")
    definition = DEFINITIONS[kind]
    unknown = set(overrides) - set(definition.defaults)
    if unknown:
        raise TypeError(f"{definition.title} has no setting {sorted(unknown)}; it has {list(definition.defaults)}")
    return {**definition.defaults, **overrides}
