"""The architecture walker: pick a network, see its volumes layer by layer as a table and a diagram.

Every panel is ``classic_cnn.summary()`` of the real module (built on the meta device: shapes only), so the
walker's numbers are the chapters' numbers. The static form carries every panel and the browser only
switches which one is shown, so it works on the static site with no kernel. Words: ``i18n.language()``'s
(a Korean page translates an English output's words in the browser, ``js/i18n.js``).
"""

from __future__ import annotations

import functools
import html
import itertools
from collections.abc import Mapping

import ipywidgets as widgets

from classic_cnn import i18n
from classic_cnn.summary import Summary, network_summary, shown_rows
from classic_cnn.widgets.explorers import TABLE, sentence
from classic_cnn.widgets.render import OUTPUT_FIRST, WINDOW, group, svg
from classic_cnn.widgets.static import STYLE, lang_attribute, library_js, words_script

DIAGRAM_HEIGHT = 120
LABEL_SPACE = 92  # below the blocks: each block's layer name, turned upright, in 10 px type
COLUMN = 14  # the narrowest column, so that neighbouring labels never touch
WORDS = TABLE["ui"]["walker"]


def diagram(table: Summary, language: str = "en") -> str:
    """One labelled block per volume, input first: height ∝ spatial size, width grows with depth (log scale)."""
    rows = shown_rows(table)
    volumes = [table.input] + [row.output for row in rows]
    names = [i18n.ui(WORDS["input"], language)] + [row.name for row in rows]
    hovers = [sentence(i18n.ui(WORDS["input_volume"], language), dict(volume=table.input))]
    hovers += [f"{row.name}: {row.output}" for row in rows]
    tallest = max(volume.height for volume in volumes)
    parts, x = [], 0
    for name, volume, hover in zip(names, volumes, hovers):
        if volume.flat:
            height, width, colour = max(2, 4 * volume.channels.bit_length()), 4, OUTPUT_FIRST
        else:
            height = max(2, DIAGRAM_HEIGHT * volume.height // tallest)
            width, colour = 2 + 2 * volume.channels.bit_length(), WINDOW
        column = max(width, COLUMN)
        left, middle, y = x + (column - width) / 2, x + column / 2, DIAGRAM_HEIGHT - height
        label = html.escape(name)
        parts.append(
            f'<rect x="{left:g}" y="{y}" width="{width}" height="{height}" fill="{colour}">'
            f"<title>{html.escape(hover)}</title></rect>"
            f'<text transform="translate({middle + 3.5:g},{DIAGRAM_HEIGHT + 4}) rotate(-90)" text-anchor="end" '
            f'font-size="10" fill="currentColor">{label}</text>'
        )
        x += column + 4
    return svg(x, DIAGRAM_HEIGHT + LABEL_SPACE, i18n.ui(WORDS["diagram"], language), parts)


def render_architecture(table: Summary, language: str = "en") -> str:
    """The walker's panel for one network: its volumes in one line, the table with totals, the diagram."""
    ui = functools.partial(i18n.ui, language=language)
    head = "".join(f"<th>{ui(title)}</th>" for title in WORDS["columns"])
    rows = [
        f"<tr><td>{ui(WORDS['input'])}</td><td></td><td>{table.input}</td><td></td>"
        f"<td>{group(table.input.activations)}</td><td></td></tr>"
    ]
    for row in shown_rows(table):
        rows.append(
            f"<tr><td>{html.escape(row.name)}</td><td>{html.escape(row.layer)}</td><td>{row.output}</td>"
            f"<td>{group(row.params)}</td><td>{group(row.activations)}</td><td>{group(row.macs)}</td></tr>"
        )
    rows.append(
        f"<tr><th>{ui(WORDS['total'])}</th><td></td><td></td><th>{group(table.params)}</th><th>{group(table.activations)}</th>"
        f"<th>{group(table.macs)}</th></tr>"
    )
    sizes = " → ".join(str(volume) for volume in [table.input, *(row.output for row in shown_rows(table))])
    line = f"{table.model}: {sizes}"
    if table.unused_params:
        line = sentence(ui(WORDS["auxiliary"]), dict(model=table.model, sizes=sizes, count=group(table.unused_params)))
    return (
        f"<p>{html.escape(line)}</p>"
        '<table data-output="table" style="border-collapse:separate;border-spacing:0.5em 0;text-align:right;'
        f'white-space:nowrap;font-size:0.9em"><thead><tr>{head}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>{diagram(table, language)}"
    )


@functools.cache
def book_networks() -> dict[str, Summary]:
    """Every network of ``classic_cnn.models.ARCHITECTURES``, by the name its paper gives it (computed once)."""
    from classic_cnn.models import ARCHITECTURES

    tables = [network_summary(build) for build in ARCHITECTURES.values()]
    return {table.model: table for table in tables}


_ids = itertools.count(1)


class ArchitectureWalker:
    """The walker's static form (all tables pre-rendered); ``widget()`` gives an ipywidgets Dropdown form."""

    def __init__(self, networks: Mapping[str, Summary] | None = None, selected: str | None = None) -> None:
        self.networks = dict(book_networks() if networks is None else networks)
        if not self.networks:
            raise ValueError("architecture_walker needs at least one network")
        self.selected = next(iter(self.networks)) if selected is None else selected
        if self.selected not in self.networks:
            raise ValueError(f"selected {self.selected!r} is not one of {list(self.networks)}")
        self.language = i18n.language()
        self.panels = {name: render_architecture(table, self.language) for name, table in self.networks.items()}
        self.id = f"ccnn-walker-{next(_ids)}"

    def html(self) -> str:
        options = "".join(
            f'<option value="{html.escape(name)}"{" selected" if name == self.selected else ""}>'
            f"{html.escape(name)}</option>"
            for name in self.panels
        )
        panels = "".join(
            f'<div data-panel="{html.escape(name)}"{"" if name == self.selected else " hidden"}>{panel}</div>'
            for name, panel in self.panels.items()
        )
        ui = functools.partial(i18n.ui, language=self.language)
        return (
            f'<div class="ccnn-explorer" id="{self.id}" data-ccnn-id="{self.id}" data-explorer="architecture"'
            f'{lang_attribute(self.language)}>{STYLE}<div class="ccnn-title">{ui(WORDS["title"])}</div>'
            f'<div class="ccnn-controls"><label>{ui(WORDS["network"])} <select data-control="architecture">'
            f'{options}</select></label></div><div data-output="view">{panels}</div>{words_script(WORDS)}'
            f'<script>\n{library_js()}\nClassicCnn.mount("{self.id}");\n</script></div>'
        )

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"architecture_walker({list(self.networks)}, selected={self.selected!r})"

    def widget(self) -> ArchitectureWalkerWidget:
        return ArchitectureWalkerWidget(self)


class ArchitectureWalkerWidget(widgets.VBox):
    """The kernel form: ``controls["architecture"]`` (Dropdown) and ``output`` (HTML)."""

    def __init__(self, walker: ArchitectureWalker) -> None:
        self.panels = walker.panels
        network = i18n.ui(WORDS["network"], walker.language)
        self.controls = {
            "architecture": widgets.Dropdown(options=list(self.panels), value=walker.selected, description=network)
        }
        self.output = widgets.HTML(self.panels[walker.selected])
        self.controls["architecture"].observe(
            lambda change: setattr(self.output, "value", self.panels[change.new]), names="value"
        )
        super().__init__([self.controls["architecture"], self.output])

    def __repr__(self) -> str:
        return f"ArchitectureWalkerWidget(selected={self.controls['architecture'].value!r})"


def architecture_walker(
    networks: Mapping[str, Summary] | None = None, selected: str | None = None
) -> ArchitectureWalker:
    """Walk every network of the book (or ``{name: summary(model)}`` of your own) volume by volume."""
    return ArchitectureWalker(networks, selected)
