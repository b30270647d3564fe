"""Explorers as ipywidgets: the kernel recomputes the view with ``classic_cnn.shapes`` on every change.

The view is the same HTML the static form shows (``render.py``), put into an ``ipywidgets.HTML``; controls
are reachable from Python (``explorer.controls["stride"].value = 3``), which is how the tests drive them.
Words are in ``language`` (default ``i18n.language()``); an option shows its translation and keeps its value.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial

import ipywidgets as widgets

from classic_cnn import i18n
from classic_cnn.widgets.explorers import DEFINITIONS, Choice, settings_for
from classic_cnn.widgets.render import RENDERERS


class KernelExplorer(widgets.VBox):
    """An explorer driven by the kernel: ``controls`` (name → widget), ``buttons`` and ``output`` (HTML)."""

    def __init__(self, kind: str, language: str | None = None, **settings: object) -> None:
        values = settings_for(kind, settings)
        self.definition = DEFINITIONS[kind]
        self.language = i18n.resolved(language)
        self.render = partial(RENDERERS[kind], self.language)
        ui = partial(i18n.ui, language=self.language)
        self.controls: dict[str, widgets.ValueWidget] = {}
        for control in self.definition.controls:
            value = values[control.name]
            if isinstance(control, Choice):
                widget = widgets.Dropdown(
                    options=[(ui(option), option) for option in control.options],
                    value=value,
                    description=ui(control.label),
                )
            else:
                widget = widgets.IntSlider(
                    value=value,
                    min=min(control.minimum, value),
                    max=max(control.maximum, value),
                    description=ui(control.label),
                    continuous_update=True,
                    style={"description_width": "initial"},
                )
            self.controls[control.name] = widget
        self.buttons = {b.action: widgets.Button(description=ui(b.label)) for b in self.definition.buttons}
        for button in self.definition.buttons:
            self.buttons[button.action].on_click(lambda _, apply=button.apply: self.set(**apply(self.settings)))
        self.output = widgets.HTML(self.render(**values))
        self._holding = False
        for widget in self.controls.values():
            widget.observe(self._update, names="value")
        row = widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        title = widgets.HTML(f"<b>{ui(self.definition.title)}</b>")
        super().__init__([title, row, widgets.HBox(list(self.buttons.values())), self.output])

    @property
    def settings(self) -> dict:
        return {name: widget.value for name, widget in self.controls.items()}

    @contextmanager
    def _hold(self):
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        self._update()

    def set(self, **changes: object) -> None:
        """Change several controls and redraw once (what the buttons do)."""
        with self._hold():
            for name, value in changes.items():
                control = self.controls[name]
                if isinstance(control, widgets.IntSlider) and value > control.max:
                    control.max = value
                control.value = value

    def _update(self, change: dict | None = None) -> None:
        if not self._holding:
            self.output.value = self.render(**self.settings)

    def __repr__(self) -> str:  # plain text without 'object at 0x…', so saved notebook outputs stay stable
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.settings.items())
        return f"KernelExplorer({self.definition.kind!r}, {arguments})"
