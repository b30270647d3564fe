"""Explorers as self-contained HTML + inline JavaScript: they compute in the reader's browser, kernel or not.

The markup shown first is rendered by Python (so a saved notebook, an untrusted one, or a page without
JavaScript shows correct numbers); moving a control re-renders it with ``js/render.js``, the same
markup computed by the browser. No network, no extra assets: the scripts travel inside the output.
Element ids come from a counter, so re-executing a notebook reproduces its saved outputs.
Words: in ``i18n.language()``, and each output carries its Korean words for a Korean page (``js/i18n.js``).
"""

from __future__ import annotations

import html
import itertools
import json
from functools import cache
from importlib.resources import files

from classic_cnn import i18n
from classic_cnn.widgets.explorers import DEFINITIONS, TABLE, Choice, Definition, Slider, settings_for
from classic_cnn.widgets.render import RENDERERS

SCRIPTS = ("shapes.js", "i18n.js", "render.js", "mount.js")  # order matters: each builds on the one before
STYLE = (
    "<style>.ccnn-explorer{font-family:system-ui,sans-serif;font-size:14px;line-height:1.4;margin:8px 0;"
    "padding:8px 12px;border:1px solid #ccd;border-radius:6px}"
    ".ccnn-explorer .ccnn-title{font-weight:600;margin-bottom:4px}"
    ".ccnn-explorer label{display:inline-block;margin:2px 14px 2px 0;white-space:nowrap}"
    ".ccnn-explorer input[type=range]{vertical-align:middle;width:120px}"
    ".ccnn-explorer output{display:inline-block;min-width:2.2em;font-variant-numeric:tabular-nums}"
    ".ccnn-explorer button{margin:2px 8px 2px 0}.ccnn-explorer .ccnn-view p{margin:3px 0}"
    ".ccnn-explorer svg{max-width:100%;height:auto;margin-top:4px}</style>"
)

_ids = itertools.count(1)


def table_js() -> str:
    """``explorers.json`` (but the other widgets' ``ui`` words) as one line of JavaScript, ``ClassicCnn.TEXT = {...};``
    (``</`` escaped for <script>)."""
    shipped = {key: value for key, value in TABLE.items() if key != "ui"}
    data = json.dumps(shipped, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'var ClassicCnn = (typeof ClassicCnn === "object" && ClassicCnn) ? ClassicCnn : {{}};\nClassicCnn.TEXT = {data};'


@cache
def script_js(name: str) -> str:
    """``js/<name>`` with comment lines and indentation stripped: what an output carries."""
    source = (files("classic_cnn.widgets") / "js" / name).read_text(encoding="utf-8")
    return "\n".join(line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("//"))


def words_script(*values: object) -> str:
    """The Korean words of the UI strings in ``values`` (parts of explorers.json), as ``js/i18n.js`` reads them."""
    words = {english: korean for value in values for english, korean in i18n.words(value, "ko").items()}
    data = json.dumps(words, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" data-ccnn-words="ko">{data}</script>'


def lang_attribute(language: str) -> str:
    """``lang="ko"`` on an output rendered in Korean (nothing for English): js/i18n.js keeps it Korean anywhere."""
    return "" if language == "en" else f' lang="{language}"'


@cache
def library_js() -> str:
    """The JavaScript every explorer carries: the table, then ``js/*.js`` with comments and indentation stripped."""
    return "\n".join([table_js(), *(script_js(name) for name in SCRIPTS)])


def _control_html(control: Slider | Choice, value: object, language: str) -> str:
    label = html.escape(i18n.ui(control.label, language))
    if isinstance(control, Choice):
        options = "".join(
            f'<option value="{option}"{" selected" if option == value else ""}>{i18n.ui(option, language)}</option>'
            for option in control.options
        )
        return f'<label>{label} <select data-control="{control.name}">{options}</select></label>'
    low, high = min(control.minimum, value), max(control.maximum, value)
    return (
        f'<label>{label} <input type="range" min="{low}" max="{high}" step="1" value="{value}" '
        f'data-control="{control.name}" aria-label="{label}"><output data-value="{control.name}">{value}</output></label>'
    )


class Explorer:
    """An explorer whose output computes in the browser; ``widget()`` gives the ipywidgets (kernel) form.

    Displaying it (the last expression of a cell) shows the controls and the live view.
    """

    def __init__(self, kind: str, **settings: object) -> None:
        self.settings = settings_for(kind, settings)
        self.definition: Definition = DEFINITIONS[kind]
        self.language = i18n.language()
        self.view_html = RENDERERS[kind](
            self.language, **self.settings
        )  # checks the settings: a ValueError names the bad one
        self.id = f"ccnn-{next(_ids)}"

    @property
    def kind(self) -> str:
        return self.definition.kind

    def html(self) -> str:
        """The complete output: style, controls, the view rendered by Python, and the script that keeps it live."""
        language = self.language
        controls = [_control_html(c, self.settings[c.name], language) for c in self.definition.controls]
        controls += [
            f'<button type="button" data-action="{b.action}">{html.escape(i18n.ui(b.label, language))}</button>'
            for b in self.definition.buttons
        ]
        return (
            f'<div class="ccnn-explorer" id="{self.id}" data-ccnn-id="{self.id}" data-explorer="{self.kind}"'
            f"{lang_attribute(language)}>{STYLE}"
            f'<div class="ccnn-title">{html.escape(i18n.ui(self.definition.title, language))}</div>'
            f'<div class="ccnn-controls">{"".join(controls)}</div>'
            f'<div data-output="view">{self.view_html}</div>'
            f"{words_script(TABLE['explorers'][self.kind], TABLE['text'][self.kind])}"
            f'<script>\n{library_js()}\nClassicCnn.mount("{self.id}");\n</script>'
            "</div>"
        )

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.settings.items())
        return f"{self.kind.replace('-', '_')}_explorer({arguments})"

    def widget(self):
        """The same explorer as ipywidgets, computed by the kernel (``classic_cnn.shapes`` itself)."""
        from classic_cnn.widgets.kernel import KernelExplorer

        return KernelExplorer(self.kind, language=self.language, **self.settings)
