"""The HTML (text and inline SVG) each explorer shows for its settings.

The browser draws the same markup with ``js/render.js``; ``tests/test_widgets_js.py`` asserts that the
two produce identical strings, so what a reader sees on the static site is what the kernel shows.
Only integers are formatted (rounding done in integer arithmetic), so both languages agree to the byte.
"""

from __future__ import annotations

from fractions import Fraction

from classic_cnn.shapes import receptive_field
from classic_cnn.widgets.explorers import TABLE
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


def group(number: int) -> str:
    """120422400 → '120,422,400'."""
    return f"{number:,}"


def millions(number: int) -> str:
    """120422400 → '120.4 M' (rounded half up, in integers)."""
    tenths = (number + 50_000) // 100_000
    return f"{tenths // 10}.{tenths % 10} M"


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


def conv_svg(view: ConvView) -> str:
    """The zero-padded input, the filter's positions along the first row, and the output grid."""
    padded, kernel, size = view.padded, view.kernel_size, view.output_size or 0
    span = max(padded, kernel)
    cell = max(2, 240 // span)
    gap = 24
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
    label = f"{padded}×{padded} padded input, {len(view.positions)} filter positions per row"
    return svg(width, height, label, parts)


def render_conv(view: ConvView) -> str:
    """The convolution explorer's output area."""
    n, depth, kernel, stride, padding, filters = (
        view.input_size,
        view.depth,
        view.kernel_size,
        view.stride,
        view.padding,
        view.filters,
    )
    size = view.output_size
    substituted = f"W₂ = (N − F + 2P)/S + 1 = ({n} − {kernel} + 2·{padding})/{stride} + 1"
    if view.status == "ok":
        formula = f"{substituted} = {view.slack}/{stride} + 1 = {size}"
        status = f"Stride {stride} fits: {size} filter positions per row cover the padded input exactly."
    elif view.status == "floor":
        formula = f"{substituted} = {view.slack}/{stride} + 1, not an integer"
        status = (
            f"Stride {stride} does not fit: {view.slack} is not a multiple of {stride}. PyTorch floors to "
            f"⌊{view.slack}/{stride}⌋ + 1 = {size} and ignores the last {view.ignored} row(s) and column(s)."
        )
    else:
        formula = f"{substituted}: no output"
        status = (
            f"Impossible: the {kernel}×{kernel} filter is larger than the padded input, "
            f"N + 2P = {n} + 2·{padding} = {view.padded}."
        )
    if size is None:
        volume = '<b data-output="size">none</b>'
        activations = 'W₂·H₂·K: <b data-output="activations">none</b>'
        macs = 'W₂·H₂·K·F·F·D: <b data-output="macs">none</b>'
    else:
        volume = f'<b data-output="size">{size}×{size}×{filters}</b>'
        activations = f'W₂·H₂·K = {size}·{size}·{filters} = <b data-output="activations">{group(view.activations)}</b>'
        macs = (
            f"W₂·H₂·K·F·F·D = {size}·{size}·{filters}·{kernel}·{kernel}·{depth} = "
            f'<b data-output="macs">{group(view.macs)}</b>'
        )
    if view.same_padding is None:
        same = f"F = {kernel} is even: no padding keeps the size with equal zeros on both sides (use an odd F)."
    else:
        same = f"Same padding for F = {kernel}: P = (F − 1)/2 = {view.same_padding} keeps W₂ = N at stride 1."
    lines = [
        f'<p data-output="formula">{formula}</p>',
        f"<p>Output volume W₂×H₂×D₂ = {volume}</p>",
        f'<p data-output="status">{status}</p>',
        f"<p>Parameters (F·F·D + 1)·K = ({kernel}·{kernel}·{depth} + 1)·{filters} = "
        f'<b data-output="params">{group(view.params)}</b></p>',
        f"<p>Activations {activations}</p>",
        f"<p>Multiply-adds {macs}</p>",
        f'<p data-output="same-padding">{same}</p>',
        conv_svg(view),
    ]
    return view_div(view.status, lines)


# --- pooling ------------------------------------------------------------------------------------


def pool_svg(view: PoolView) -> str:
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
    return svg(width, height, f"{n}×{n} grid pooled to {size}×{size}", parts)


def render_pool(view: PoolView) -> str:
    """The pooling explorer's output area."""
    n, kernel, stride, size = view.input_size, view.kernel_size, view.stride, view.output_size
    substituted = f"W₂ = (N − F)/S + 1 = ({n} − {kernel})/{stride} + 1"
    slack = n - kernel
    if view.status == "ok":
        formula = f"{substituted} = {slack}/{stride} + 1 = {size}"
        status = f"Stride {stride} fits: every input row and column is pooled."
    elif view.status == "floor":
        formula = f"{substituted} = {slack}/{stride} + 1, not an integer"
        status = (
            f"Stride {stride} does not fit: {slack} is not a multiple of {stride}. PyTorch floors to "
            f"⌊{slack}/{stride}⌋ + 1 = {size} and ignores the last {view.ignored} row(s) and column(s)."
        )
    else:
        formula = f"{substituted}: no output"
        status = f"Impossible: the {kernel}×{kernel} window is larger than the {n}×{n} input."
    if view.overlap > 0:
        overlap = (
            f"Overlapping ({kernel}/{stride}): neighbouring windows share {view.overlap} row(s)/column(s), "
            "as in AlexNet's 3/2 pooling."
        )
    elif view.overlap == 0:
        overlap = f"Non-overlapping ({kernel}/{stride}): the windows tile the input, as the usual 2/2 pooling."
    else:
        overlap = f"Gaps ({kernel}/{stride}): {-view.overlap} row(s)/column(s) between windows are never looked at."
    pooled = f"{size}×{size}" if size else "none"
    what = "maximum" if view.mode == "max" else "average"
    lines = [
        f'<p data-output="formula">{formula}</p>',
        f'<p>Pooled size: <b data-output="size">{pooled}</b> (each output is the {what} of a {kernel}×{kernel} window)</p>',
        f'<p data-output="status">{status}</p>',
        f'<p data-output="overlap">{overlap}</p>',
        pool_svg(view),
    ]
    return view_div(view.status, lines)


# --- receptive field ----------------------------------------------------------------------------


def receptive_field_svg(view: ReceptiveFieldView) -> str:
    """One output unit (top) and the units below it that it depends on, down to the input (bottom)."""
    layers, kernel, stride, field = view.layers, view.kernel_size, view.stride, view.field
    unit = 2 * max(1, 180 // field)  # even, so that half-pixel centres stay integers
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
        name = "input" if level == 0 else f"layer {level}: {fields[level]}"
        parts.append(
            f'<text x="{field * unit + 8}" y="{(layers - level) * ROW_HEIGHT + 14}" font-size="12">{name}</text>'
        )
    width = field * unit + 90
    height = layers * ROW_HEIGHT + 22
    return svg(width, height, f"receptive field {field}", parts)


def render_receptive_field(view: ReceptiveFieldView) -> str:
    """The receptive-field explorer's output area."""
    layers, kernel, stride, channels, field = view.layers, view.kernel_size, view.stride, view.channels, view.field
    fields = ", ".join(str(value) for value in view.fields)
    percent = tenths_ratio(100 * view.stack_weights, view.single_weights)
    lines = [
        f'<p data-output="fields">Receptive field after each layer: {fields} '
        f"(each layer adds (k − 1)·jump = {kernel - 1}·jump, the jump growing by the stride {stride})</p>",
        f"<p>{layers} stacked {kernel}×{kernel} convolutions see "
        f'<b data-output="field">{field}×{field}</b> input pixels, as one {field}×{field} convolution does.</p>',
        f"<p>Weights, C = {channels} channels in and out (biases aside): the stack has "
        f"{layers}·{kernel}²·C² = {view.stack_coefficient}C² = "
        f'<b data-output="stack-weights">{group(view.stack_weights)}</b>; the single layer '
        f"{field}²·C² = {view.single_coefficient}C² = "
        f'<b data-output="single-weights">{group(view.single_weights)}</b> '
        f"(the stack needs {percent}% of it).</p>",
        f"<p>Non-linearities: {layers} in the stack, 1 in the single layer.</p>",
        receptive_field_svg(view),
    ]
    return view_div("ok", lines)


# --- 1×1 bottleneck -----------------------------------------------------------------------------


def bottleneck_svg(view: BottleneckView) -> str:
    """Two bars: multiplies without and with the bottleneck."""
    largest = max(view.direct_macs, view.total_macs)
    bars = [("direct", view.direct_macs), ("with 1×1", view.total_macs)]
    parts = []
    for index, (name, value) in enumerate(bars):
        y = index * 28
        parts.append(rect(90, y, max(1, 300 * value // largest), 20, WINDOW if index == 0 else OUTPUT_FIRST))
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{name}</text>')
    return svg(400, 58, "multiplies with and without the bottleneck", parts)


def render_bottleneck(view: BottleneckView) -> str:
    """The 1×1 bottleneck cost explorer's output area."""
    size, cin, cout, kernel, narrow = view.size, view.in_channels, view.out_channels, view.kernel_size, view.bottleneck
    direct = (
        f"<p>Direct: {size}×{size}×{cin} → {kernel}×{kernel} conv, {cout} filters: "
        f"H·W·K·F·F·D = {size}·{size}·{cout}·{kernel}·{kernel}·{cin} = "
        f'<b data-output="direct-macs">{group(view.direct_macs)}</b> multiplies '
        f"(≈ {millions(view.direct_macs)}), {group(view.direct_params)} parameters.</p>"
    )
    if narrow:
        through = (
            f"<p>Through a 1×1 bottleneck to {narrow} channels: "
            f"{size}·{size}·{narrow}·1·1·{cin} + {size}·{size}·{cout}·{kernel}·{kernel}·{narrow} = "
            f"{group(view.reduce_macs)} + {group(view.conv_macs)} = "
            f'<b data-output="bottleneck-macs">{group(view.total_macs)}</b> multiplies '
            f"(≈ {millions(view.total_macs)}), {group(view.total_params)} parameters.</p>"
        )
        if view.total_macs < view.direct_macs:
            ratio = (
                f"The bottleneck needs {tenths_ratio(100 * view.total_macs, view.direct_macs)}% of the multiplies: "
                f"{tenths_ratio(view.direct_macs, view.total_macs)}× fewer."
            )
        else:
            ratio = f"A {narrow}-channel bottleneck is not narrow enough to save anything here."
    else:
        through = '<p>No bottleneck (width 0): <b data-output="bottleneck-macs">none</b>.</p>'
        ratio = "Set the bottleneck width above 0 to put a 1×1 convolution first."
    lines = [direct, through, f'<p data-output="ratio">{ratio}</p>', bottleneck_svg(view)]
    return view_div("ok", lines)


RENDERERS = {
    "conv": lambda **settings: render_conv(conv_view(**settings)),
    "pool": lambda **settings: render_pool(pool_view(**settings)),
    "receptive-field": lambda **settings: render_receptive_field(receptive_field_view(**settings)),
    "bottleneck": lambda **settings: render_bottleneck(bottleneck_view(**settings)),
}
