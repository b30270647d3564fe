"""The HTML (text and inline SVG) each explorer shows for its settings.

The browser draws the same markup with ``js/render.js``; ``tests/test_widgets_js.py`` asserts that the
two produce identical strings, so what a reader sees on the static site is what the kernel shows.
Only integers are formatted (rounding done in integer arithmetic), so both languages agree to the byte.
Sentences are ``{name}`` templates in ``explorers.json``, filled by ``explorers.sentence`` and its twin in ``js/render.js``;
each renderer takes them as ``sentences`` (``explorers.texts(language)``: English, or the Korean catalog's).
"""

from __future__ import annotations

from fractions import Fraction

from classic_cnn.shapes import receptive_field
from classic_cnn.widgets.explorers import TABLE, sentence, texts
from classic_cnn.widgets.logic import (
    BottleneckView,
    ConvView,
    PoolView,
    ReceptiveFieldView,
    bottleneck_view,
    conv_view,
    pool_view,
    receptive_field_view,
)

_COLOURS, _SIZES = TABLE["colours"], TABLE["sizes"]
INPUT, PADDING, GRID = _COLOURS["input"], _COLOURS["padding"], _COLOURS["grid"]
WINDOW, WINDOW_FILL, IGNORED, BAD = _COLOURS["window"], _COLOURS["window_fill"], _COLOURS["ignored"], _COLOURS["bad"]
OUTPUT, OUTPUT_FIRST, LINK = _COLOURS["output"], _COLOURS["output_first"], _COLOURS["link"]
MAX_CELLS = _SIZES["max_cells"]  # beyond this a grid is drawn as one block
POOL_CELL, ROW_HEIGHT = _SIZES["pool_cell"], _SIZES["row_height"]
CONV_PICTURE, CONV_GAP = _SIZES["conv_picture"], _SIZES["conv_gap"]  # pixels shared by the grid; gap to the output
FIELD_PICTURE, LABEL_ROOM = _SIZES["field_picture"], _SIZES["label_room"]
BAR_LENGTH, BAR_HEIGHT, BAR_STEP = _SIZES["bar_length"], _SIZES["bar_height"], _SIZES["bar_step"]


TEXT = TABLE["text"]


def group(number: int) -> str:
    """120422400 → '120,422,400'."""
    return f"{number:,}"


def millions(number: int, sentences: dict = TEXT) -> str:
    """120422400 → '120.4 M' (rounded half up, in integers)."""
    tenths = (number + 50_000) // 100_000
    return sentence(sentences["millions"], dict(whole=tenths // 10, tenth=tenths % 10))


def decimal(value: Fraction) -> str:
    """An exact non-negative value to at most two decimals, half up: 9/4 → '2.25', 5/2 → '2.5', 3 → '3'."""
    hundredths = (200 * value.numerator + value.denominator) // (2 * value.denominator)
    whole, rest = hundredths // 100, hundredths % 100
    if rest == 0:
        return f"{whole}"
    if rest % 10 == 0:
        return f"{whole}.{rest // 10}"
    return f"{whole}.{rest:02d}"


def tenths_ratio(numerator: int, denominator: int) -> str:
    """numerator/denominator to one decimal, half up: (120422400, 12443648) → '9.7'."""
    tenths = (20 * numerator + denominator) // (2 * denominator)
    return f"{tenths // 10}.{tenths % 10}"


def rect(x: int, y: int, width: int, height: int, fill: str, stroke: str = "none", extra: str = "") -> str:
    return f'<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{fill}" stroke="{stroke}"{extra}/>'


def text(x: int, y: int, content: str, extra: str = "") -> str:
    return f'<text x="{x}" y="{y}" text-anchor="middle" font-size="13"{extra}>{content}</text>'


def svg(width: int, height: int, label: str, parts: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="-1 -1 {width} {height}" role="img" aria-label="{label}">'
    )
    return head + "".join(parts) + "</svg>"


def view_div(status: str, lines: list[str]) -> str:
    return f'<div class="ccnn-view" data-status="{status}">' + "\n".join(lines) + "</div>"


# --- convolution --------------------------------------------------------------------------------


def conv_svg(view: ConvView, sentences: dict = TEXT) -> str:
    """The zero-padded input, the filter's positions along the first row, and the output grid."""
    padded, kernel, size = view.padded, view.kernel_size, view.output_size or 0
    span = max(padded, kernel)
    cell = max(2, CONV_PICTURE // span)
    gap = CONV_GAP
    width = span * cell + (gap + size * cell if size else 0) + 2
    height = span * cell + 2
    low, high = view.padding, view.padding + view.input_size
    parts = []
    if padded <= MAX_CELLS:
        for row in range(padded):
            for column in range(padded):
                inside = low <= row < high and low <= column < high
                parts.append(rect(column * cell, row * cell, cell, cell, INPUT if inside else PADDING, GRID))
    else:
        parts.append(rect(0, 0, padded * cell, padded * cell, PADDING, GRID))
        parts.append(rect(low * cell, low * cell, view.input_size * cell, view.input_size * cell, INPUT, GRID))
    if view.ignored:
        start = padded - view.ignored
        parts.append(rect(start * cell, 0, view.ignored * cell, padded * cell, IGNORED))
        parts.append(rect(0, start * cell, padded * cell, view.ignored * cell, IGNORED))
    if view.status == "impossible":
        parts.append(rect(0, 0, kernel * cell, kernel * cell, "none", BAD, ' stroke-width="2" stroke-dasharray="4 3"'))
    for index, left in enumerate(view.positions):
        fill = WINDOW_FILL if index == 0 else "none"
        parts.append(rect(left * cell, 0, kernel * cell, kernel * cell, fill, WINDOW, ' stroke-width="2"'))
    if size:
        origin = span * cell + gap
        if size <= MAX_CELLS:
            for row in range(size):
                for column in range(size):
                    fill = OUTPUT_FIRST if row == 0 else OUTPUT
                    parts.append(rect(origin + column * cell, row * cell, cell, cell, fill, GRID))
        else:
            parts.append(rect(origin, 0, size * cell, size * cell, OUTPUT, GRID))
    label = sentence(sentences["conv"]["picture"], dict(padded=padded, positions=len(view.positions)))
    return svg(width, height, label, parts)


def render_conv(view: ConvView, sentences: dict = TEXT) -> str:
    """The convolution explorer's output area."""
    text, size, some = sentences["conv"], view.output_size, "none" if view.output_size is None else "some"
    values = dict(
        n=view.input_size,
        depth=view.depth,
        kernel=view.kernel_size,
        stride=view.stride,
        padding=view.padding,
        filters=view.filters,
        size=size,
        slack=view.slack,
        padded=view.padded,
        ignored=view.ignored,
        params=group(view.params),
        same_padding=view.same_padding,
        activation_count=None if size is None else group(view.activations),
        mac_count=None if size is None else group(view.macs),
    )
    values["substituted"] = sentence(text["substituted"], values)
    for key in ("formula", "status"):
        values[key] = sentence(text[key][view.status], values)
    for key in ("volume", "activations", "macs"):
        values[key] = sentence(text[key][some], values)
    values["same"] = sentence(text["same"]["even" if view.same_padding is None else "odd"], values)
    return view_div(view.status, [sentence(line, values) for line in text["lines"]] + [conv_svg(view, sentences)])


# --- pooling ------------------------------------------------------------------------------------


def pool_svg(view: PoolView, sentences: dict = TEXT) -> str:
    """The example grid with the first window, and the pooled grid."""
    n, kernel, size, cell = view.input_size, view.kernel_size, view.output_size or 0, POOL_CELL
    origin = n * cell + cell
    width = origin + size * cell + 2
    height = max(n, kernel) * cell + 2
    parts = []
    for row in range(n):
        for column in range(n):
            parts.append(rect(column * cell, row * cell, cell, cell, INPUT, GRID))
            parts.append(text(column * cell + cell // 2, row * cell + 19, str(view.grid[row][column])))
    if view.ignored:
        start = n - view.ignored
        parts.append(rect(start * cell, 0, view.ignored * cell, n * cell, IGNORED))
        parts.append(rect(0, start * cell, n * cell, view.ignored * cell, IGNORED))
    stroke = BAD if view.status == "impossible" else WINDOW
    parts.append(rect(0, 0, kernel * cell, kernel * cell, WINDOW_FILL, stroke, ' stroke-width="2"'))
    parts.append('<g data-output="pooled">')
    for row in range(size):
        for column in range(size):
            fill = OUTPUT_FIRST if row == 0 and column == 0 else OUTPUT
            parts.append(rect(origin + column * cell, row * cell, cell, cell, fill, GRID))
            value = decimal(view.pooled[row][column])
            parts.append(text(origin + column * cell + cell // 2, row * cell + 19, value, ' font-size="11"'))
    parts.append("</g>")
    return svg(width, height, sentence(sentences["pool"]["picture"], dict(n=n, drawn=size)), parts)


def render_pool(view: PoolView, sentences: dict = TEXT) -> str:
    """The pooling explorer's output area."""
    text, overlap = sentences["pool"], view.overlap
    values = dict(
        n=view.input_size,
        kernel=view.kernel_size,
        stride=view.stride,
        size=view.output_size,
        slack=view.input_size - view.kernel_size,
        ignored=view.ignored,
        overlap=overlap,
        gap=-overlap,
        what=text["what"][view.mode],
    )
    values["substituted"] = sentence(text["substituted"], values)
    for key in ("formula", "status"):
        values[key] = sentence(text[key][view.status], values)
    kind = "overlapping" if overlap > 0 else "tiling" if overlap == 0 else "gaps"
    values["overlap_text"] = sentence(text["overlap"][kind], values)
    values["pooled"] = sentence(text["pooled"]["some" if view.output_size else "none"], values)
    return view_div(view.status, [sentence(line, values) for line in text["lines"]] + [pool_svg(view, sentences)])


# --- receptive field ----------------------------------------------------------------------------


def receptive_field_svg(view: ReceptiveFieldView, sentences: dict = TEXT) -> str:
    """One output unit (top) and the units below it that it depends on, down to the input (bottom)."""
    layers, kernel, stride, field = view.layers, view.kernel_size, view.stride, view.field
    unit = 2 * max(1, FIELD_PICTURE // field)  # even, so that half-pixel centres stay integers
    # units of layer `level` that the output unit depends on: the receptive field of the layers above it
    counts = [receptive_field([(kernel, stride)] * (layers - level)) for level in range(layers + 1)]
    fields = [1] + view.fields

    def centre(level: int, index: int) -> tuple[int, int]:
        x = (2 * index * view.jumps[level] + fields[level]) * unit // 2
        return x, (layers - level) * ROW_HEIGHT + 10

    parts = []
    for level in range(1, layers + 1):
        for index in range(counts[level]):
            x, y = centre(level, index)
            for tap in range(kernel):
                x2, y2 = centre(level - 1, index * stride + tap)
                parts.append(f'<line x1="{x}" y1="{y}" x2="{x2}" y2="{y2}" stroke="{LINK}"/>')
    for level in range(layers + 1):
        for index in range(counts[level]):
            x, y = centre(level, index)
            colour = OUTPUT_FIRST if level == layers else WINDOW
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>')
        name = (
            sentences["receptive-field"]["input"]
            if level == 0
            else sentence(sentences["receptive-field"]["layer"], dict(level=level, field=fields[level]))
        )
        parts.append(
            f'<text x="{field * unit + 8}" y="{(layers - level) * ROW_HEIGHT + 14}" font-size="12">{name}</text>'
        )
    width = field * unit + LABEL_ROOM
    height = layers * ROW_HEIGHT + 22
    return svg(width, height, sentence(sentences["receptive-field"]["picture"], dict(field=field)), parts)


def render_receptive_field(view: ReceptiveFieldView, sentences: dict = TEXT) -> str:
    """The receptive-field explorer's output area."""
    values = dict(
        layers=view.layers,
        kernel=view.kernel_size,
        kernel_minus_one=view.kernel_size - 1,
        stride=view.stride,
        channels=view.channels,
        field=view.field,
        fields=", ".join(str(value) for value in view.fields),
        stack_coefficient=view.stack_coefficient,
        single_coefficient=view.single_coefficient,
        stack_weights=group(view.stack_weights),
        single_weights=group(view.single_weights),
        percent=tenths_ratio(100 * view.stack_weights, view.single_weights),
    )
    lines = [sentence(line, values) for line in sentences["receptive-field"]["lines"]]
    return view_div("ok", lines + [receptive_field_svg(view, sentences)])


# --- 1×1 bottleneck -----------------------------------------------------------------------------


def bottleneck_svg(view: BottleneckView, sentences: dict = TEXT) -> str:
    """Two bars: multiplies without and with the bottleneck."""
    largest = max(view.direct_macs, view.total_macs)
    bars = list(zip(sentences["bottleneck"]["bars"], (view.direct_macs, view.total_macs)))
    parts = []
    for index, (name, value) in enumerate(bars):
        y = index * BAR_STEP
        length = max(1, BAR_LENGTH * value // largest)
        parts.append(rect(LABEL_ROOM, y, length, BAR_HEIGHT, WINDOW if index == 0 else OUTPUT_FIRST))
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{name}</text>')
    width, height = LABEL_ROOM + BAR_LENGTH + 10, len(bars) * BAR_STEP + 2
    return svg(width, height, sentences["bottleneck"]["picture"], parts)


def render_bottleneck(view: BottleneckView, sentences: dict = TEXT) -> str:
    """The 1×1 bottleneck cost explorer's output area."""
    text, narrow = sentences["bottleneck"], view.bottleneck
    values = dict(
        size=view.size,
        cin=view.in_channels,
        cout=view.out_channels,
        kernel=view.kernel_size,
        narrow=narrow,
        direct_macs=group(view.direct_macs),
        direct_millions=millions(view.direct_macs, sentences),
        direct_params=group(view.direct_params),
        reduce_macs=group(view.reduce_macs),
        conv_macs=group(view.conv_macs),
        total_macs=group(view.total_macs),
        total_millions=millions(view.total_macs, sentences),
        total_params=group(view.total_params),
        percent=tenths_ratio(100 * view.total_macs, view.direct_macs),
        times=tenths_ratio(view.direct_macs, view.total_macs),
    )
    ratio = "none" if not narrow else "saves" if view.total_macs < view.direct_macs else "no_saving"
    values["direct"] = sentence(text["direct"], values)
    values["through"] = sentence(text["through"]["some" if narrow else "none"], values)
    values["ratio"] = sentence(text["ratio"][ratio], values)
    return view_div("ok", [sentence(line, values) for line in text["lines"]] + [bottleneck_svg(view, sentences)])


# RENDERERS[kind](**settings): the view in classic_cnn.i18n.language(); language="en"/"ko" to choose.
RENDERERS = {
    "conv": lambda language=None, **settings: render_conv(conv_view(**settings), texts(language)),
    "pool": lambda language=None, **settings: render_pool(pool_view(**settings), texts(language)),
    "receptive-field": lambda language=None, **settings: render_receptive_field(
        receptive_field_view(**settings), texts(language)
    ),
    "bottleneck": lambda language=None, **settings: render_bottleneck(bottleneck_view(**settings), texts(language)),
}
