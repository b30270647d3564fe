"""Figures for the chapters: learned filters, activation maps, training curves, volume diagrams, mistakes,
per-layer curves and costs.

Every function returns a :class:`matplotlib.figure.Figure` (Jupyter shows it; ``fig.savefig`` saves it).
The functions that look inside a network work with *any* ``nn.Module``, not only ours.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle
from torch import Tensor, nn

from .hooks import capture, eval_mode, first_tensor
from .shapes import LayerTotals


def _grid(count: int, columns: int | None) -> tuple[int, int]:
    columns = columns or min(count, max(1, math.ceil(math.sqrt(count * 1.5))))
    return math.ceil(count / columns), columns


def _figure(rows: int, columns: int, cell: float, title: str | None) -> tuple[Figure, list]:
    header = 0.55 if title else 0.0  # inches above the grid: the title, then room for the tiles' own titles
    height = rows * cell + header
    figure, axes = plt.subplots(rows, columns, figsize=(columns * cell, height), squeeze=False)
    for axis in axes.flat:
        axis.set_xticks([])
        axis.set_yticks([])
        axis.axis("off")
    if title:
        figure.suptitle(title, y=1 - 0.06 / height, va="top")
        figure.subplots_adjust(top=1 - header / height)
    plt.close(figure)  # returned, not shown twice by pyplot
    return figure, list(axes.flat)


def _layer(model: nn.Module, layer: str | nn.Module | None, kind: type = nn.Module) -> tuple[str, nn.Module]:
    """A submodule chosen by dotted name (as in ``named_modules()``) or by object; None: the first ``kind``."""
    named = dict(model.named_modules())
    if layer is None:
        for name, module in named.items():
            if isinstance(module, kind) and name:
                return name, module
        raise ValueError(f"{type(model).__name__} has no {kind.__name__} layer")
    if isinstance(layer, nn.Module):
        for name, module in named.items():
            if module is layer:
                return name or type(model).__name__, module
        raise ValueError(f"the module {type(layer).__name__} is not part of {type(model).__name__}")
    if layer not in named:
        choices = [name for name in named if name][:12]
        raise ValueError(f"{type(model).__name__} has no layer named {layer!r}; some names: {choices}")
    return layer, named[layer]


def show_filters(
    model: nn.Module | Tensor,
    layer: str | nn.Module | None = None,
    columns: int | None = None,
    title: str | None = None,
) -> Figure:
    """The filters of a convolution as a grid of images, each normalized to its own range (AlexNet Fig. 3).

    ``model`` may be a network (``layer`` defaults to its first ``nn.Conv2d``) or a weight tensor
    ``(out, in, k, k)``. Three input channels are drawn in colour; otherwise each input channel's kernel
    is a grey tile (filters in rows when there are several input channels).
    """
    if isinstance(model, Tensor):
        weight, name = model.detach(), "weight"
    else:
        name, module = _layer(model, layer, nn.Conv2d)
        weight = getattr(module, "weight", None)
        if weight is None or weight.dim() != 4:
            raise ValueError(f"layer {name!r} has no 4-d convolution weight (got {type(module).__name__})")
        weight = weight.detach()
    if weight.dim() != 4:
        raise ValueError(f"a filter bank is (out, in, height, width), got shape {tuple(weight.shape)}")
    weight = weight.float().cpu()
    out_channels, in_channels = weight.shape[:2]
    low = weight.amin(dim=(1, 2, 3), keepdim=True)
    high = weight.amax(dim=(1, 2, 3), keepdim=True)
    tiles = (weight - low) / (high - low).clamp_min(1e-12)  # each filter to [0, 1] on its own
    caption = title or f"{name}: {out_channels} filters of {in_channels}×{weight.shape[2]}×{weight.shape[3]}"
    if in_channels == 3:
        rows, cols = _grid(out_channels, columns)
        figure, axes = _figure(rows, cols, 0.6, caption)
        for axis, tile in zip(axes, tiles):
            axis.imshow(tile.permute(1, 2, 0).numpy(), interpolation="nearest")
        return figure
    shown = min(in_channels, 16)
    rows, cols = (out_channels, shown) if in_channels > 1 else _grid(out_channels, columns)
    figure, axes = _figure(rows, cols, 0.6, caption)
    pictures = tiles[:, :shown].reshape(-1, *weight.shape[2:]) if in_channels > 1 else tiles[:, 0]
    for axis, tile in zip(axes, pictures):
        axis.imshow(tile.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    return figure


@torch.no_grad()
def activations(model: nn.Module, image: Tensor, layer: str | nn.Module) -> Tensor:
    """What ``layer`` outputs when ``model`` sees ``image`` (``(C, H, W)`` or a batch of one): ``(maps, h, w)``."""
    name, module = _layer(model, layer)
    batch = image.unsqueeze(0) if image.dim() == 3 else image
    if batch.dim() != 4 or len(batch) != 1:
        raise ValueError(f"image must be (C, H, W) or (1, C, H, W), got shape {tuple(image.shape)}")
    parameter = next(model.parameters(), None)
    if parameter is not None:
        batch = batch.to(parameter.device, parameter.dtype)
    with eval_mode(model), capture({name: module}, keep=first_tensor, first_only=True) as captured:
        model(batch)
    if captured.get(name) is None:
        raise ValueError(f"layer {name!r} did not run in the forward pass")
    return captured[name][0].detach().float().cpu()


def show_activations(
    model: nn.Module,
    image: Tensor,
    layer: str | nn.Module,
    max_maps: int = 32,
    columns: int | None = None,
    title: str | None = None,
) -> Figure:
    """The activation maps of any layer of any network for one input, one grey tile per map.

    The layer is picked by its name in ``model.named_modules()`` (``"layer1.0.conv1"``) or as a module;
    a forward hook records its output. A flat output (a fully connected layer) is drawn as a bar chart.
    """
    name, _ = _layer(model, layer)
    output = activations(model, image, layer)
    if output.dim() == 1:
        figure, axis = plt.subplots(figsize=(6, 2.5))
        axis.bar(range(len(output)), output.numpy())
        axis.set(title=title or f"{name}: {len(output)} activations", xlabel="unit")
        plt.close(figure)
        return figure
    if output.dim() != 3:
        raise ValueError(f"layer {name!r} output has shape {tuple(output.shape)}; expected maps (C, H, W) or a vector")
    maps = output[:max_maps]
    rows, cols = _grid(len(maps), columns)
    caption = (
        title or f"{name}: {min(len(output), max_maps)} of {len(output)} maps, {output.shape[1]}×{output.shape[2]}"
    )
    figure, axes = _figure(rows, cols, 1.0, caption)
    for axis, activation in zip(axes, maps):
        axis.imshow(activation.numpy(), cmap="viridis", interpolation="nearest")
    return figure


METRICS = {  # metric → (History column, axis label, value shown)
    "loss": ("loss", "cross-entropy loss", lambda value: value),
    "accuracy": ("accuracy", "accuracy (%)", lambda value: 100 * value),
    "error": ("accuracy", "error (%)", lambda value: 100 * (1 - value)),
}
SPLITS = {"train": ("training", "-"), "test": ("test", "--")}


def plot_history(
    history,
    title: str | None = None,
    *,
    panels: Sequence[str] = ("loss", "accuracy"),
    styles: Mapping[str, Mapping] | None = None,
) -> Figure:
    """Training curves per epoch of one :class:`~classic_cnn.train.History` (or its dict), or of several given
    as ``{label: history}``, one colour each.

    Each of ``panels`` is a metric, ``"loss"``, ``"accuracy"`` or ``"error"``, drawn for both splits (training
    solid, test dashed) or, written ``"train error"`` or ``"test accuracy"``, for one. ``styles`` adds line
    settings per label, e.g. ``{"plain-56": {"color": "red", "linestyle": "--"}}``.
    """
    runs = _histories(history)
    chosen = [_panel(panel) for panel in panels]
    shared = len({metric for metric, _ in chosen}) == 1
    figure, axes = plt.subplots(1, len(chosen), figsize=(5 * len(chosen), 3.4), squeeze=False, sharey=shared)
    for axis, (metric, splits) in zip(axes[0], chosen):
        column, label, shown = METRICS[metric]
        for index, (name, values) in enumerate(runs.items()):
            for split in splits:
                style = {"linestyle": SPLITS[split][1] if len(splits) > 1 else "-", "marker": "."}
                if len(runs) > 1:
                    style["color"] = f"C{index % 10}"
                style.update((styles or {}).get(name, {}))
                line = split if len(runs) == 1 else name if len(splits) == 1 else f"{name}, {split}"
                axis.plot(values["epoch"], [shown(v) for v in values[f"{split}_{column}"]], label=line, **style)
        what = metric if len(splits) > 1 else f"{SPLITS[splits[0]][0]} {metric}"
        axis.set(xlabel="epoch", ylabel=label, title=what)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    plt.close(figure)
    return figure


def _histories(history) -> dict[str, dict[str, list]]:
    """``{label: columns}`` from one history (a History or its dict) or a mapping of label → history."""
    if hasattr(history, "as_dict") or (isinstance(history, Mapping) and "epoch" in history):
        history = {"": history}
    if not isinstance(history, Mapping) or not history:
        raise ValueError("plot_history needs a History, its dict, or a non-empty {label: history} mapping")
    runs = {name: run.as_dict() if hasattr(run, "as_dict") else dict(run) for name, run in history.items()}
    for name, values in runs.items():
        if not values.get("epoch"):
            which = f"the history of {name!r}" if name else "the history"
            raise ValueError(f"{which} is empty: train for at least one epoch first")
    return runs


def _panel(panel: str) -> tuple[str, tuple[str, ...]]:
    """``"loss"`` → (loss, both splits); ``"test accuracy"`` → (accuracy, test only)."""
    *split, metric = panel.split()
    if metric not in METRICS or len(split) > 1 or (split and split[0] not in SPLITS):
        raise ValueError(f"a panel is a metric {sorted(METRICS)}, optionally after 'train' or 'test'; got {panel!r}")
    return metric, tuple(split) or tuple(SPLITS)


def plot_by_layer(
    curves: Mapping[str, Sequence[float]], what: str, *, layer: str = "layer", title: str | None = None
) -> Figure:
    """One line per network of a quantity measured at each ``layer`` (1 = next to the input), on a log scale:
    the spread of activations at initialization (chapter 5), the gradient norm of each convolution (chapter 7)."""
    figure, axis = plt.subplots(figsize=(7, 3.2))
    for label, values in curves.items():
        axis.semilogy(range(1, len(values) + 1), values, marker=".", label=label)
    axis.set(xlabel=f"{layer} (1 = next to the input)", ylabel=what, title=title)
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize=8)
    figure.tight_layout()
    plt.close(figure)
    return figure


def memory_and_parameters(table: LayerTotals, title: str | None = None) -> Figure:
    """Per layer with weights or a new volume: activations (memory) against parameters, as two bar charts.

    Takes ``classic_cnn.summary(model)`` or ``shapes.trace(...)``.
    """
    rows = [row for row in table.rows if row.params or row.activations]
    names = [row.name for row in rows]
    figure, (memory_axis, params_axis) = plt.subplots(2, 1, figsize=(9, 4.6), sharex=True)
    memory_axis.bar(names, [row.activations / 1e6 for row in rows], color="tab:blue")
    params_axis.bar(names, [row.params / 1e6 for row in rows], color="tab:orange")
    model = getattr(table, "model", "")
    default = (
        f"{model}: where the memory and the parameters are" if model else "where the memory and the parameters are"
    )
    memory_axis.set(ylabel="activations (M)", title=title or default)
    params_axis.set(ylabel="parameters (M)")
    params_axis.tick_params(axis="x", labelrotation=90, labelsize=7)
    for axis in (memory_axis, params_axis):
        axis.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    plt.close(figure)
    return figure


# Offsets (points) tried in turn for a point's label: above, below, right, left, then further out.
_LABEL_OFFSETS = [(0, 8), (0, -14), (10, -3), (-10, -3), (0, 18), (0, -24), (14, 8), (-14, 8), (14, -14), (-14, -14)]


def _place_labels(axis, points: Sequence[tuple[str, float, float]], fontsize: float = 8) -> None:
    """Label each point at the first offset where its text overlaps no label placed before it."""
    figure = axis.figure
    renderer = figure.canvas.get_renderer() if hasattr(figure.canvas, "get_renderer") else figure._get_renderer()
    placed = []
    for name, x, y in points:
        for dx, dy in _LABEL_OFFSETS:
            text = axis.annotate(name, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                                 ha="center" if dx == 0 else "left" if dx > 0 else "right", va="center")  # fmt: skip
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
            text.remove()
        else:
            text = axis.annotate(name, (x, y), xytext=_LABEL_OFFSETS[0], textcoords="offset points",
                                 fontsize=fontsize, ha="center", va="center")  # fmt: skip
            box = text.get_window_extent(renderer)
        placed.append(box)


def plot_accuracy_vs_cost(panels: Mapping[str, Sequence[Mapping]]) -> Figure:
    """Accuracy against multiply-adds (log scale), bubble area proportional to parameters; one panel per entry.

    ``panels`` maps a panel title to rows: dicts with ``name``, ``macs``, ``params`` and ``accuracy`` (%).
    """
    figure, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4), squeeze=False)
    for axis, (title, rows) in zip(axes[0], panels.items()):
        largest = max(row["params"] for row in rows)
        for index, row in enumerate(rows):
            area = 40 + 1500 * row["params"] / largest
            axis.scatter(row["macs"], row["accuracy"], s=area, alpha=0.5, color=plt.cm.tab10(index % 10))
        axis.set_xscale("log")
        axis.margins(x=0.15, y=0.15)
        axis.set(xlabel="multiply-adds per image (log scale)", ylabel="accuracy (%)", title=title)
        axis.grid(alpha=0.3, which="both")
    figure.tight_layout()
    for axis, rows in zip(axes[0], panels.values()):  # once the layout is final: places are in screen space
        _place_labels(axis, [(row["name"], row["macs"], row["accuracy"]) for row in rows])
    plt.close(figure)
    return figure


class SvgFigure(Figure):
    """A Figure that Jupyter shows as SVG, sharp at any zoom, and the same bytes on every run.

    matplotlib writes a date and random ids into an SVG unless told otherwise; here the date is left out and
    the ids come from a fixed salt, so a re-executed notebook (nbval) saves the same output.
    """

    def _repr_svg_(self) -> str:
        buffer = io.StringIO()
        with plt.rc_context({"svg.hashsalt": "classic_cnn", "svg.fonttype": "path"}):
            self.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=0.05)
        return buffer.getvalue()


# Short names for the layer types the diagrams print under each box (the rest print as they are).
SHORT_TYPES = {
    "Conv2d": "conv",
    "ConvReLU": "conv",
    "ConvBNReLU": "conv",
    "PartialConv2d": "partial conv",
    "MaxPool2d": "max pool",
    "AvgPool2d": "avg pool",
    "AdaptiveAvgPool2d": "avg pool",
    "Subsampling": "subsampling",
    "Linear": "fully conn.",
    "EuclideanRBF": "RBF",
    "InceptionModule": "inception",
    "Sequential": "stage",
    "Dropout": "dropout",
}
DIAGRAM_WIDTH = 7.0  # inches: at most the width of the book's text column (688 px), so labels keep their size
LABEL_PT, TYPE_PT, TITLE_PT = 8.0, 7.0, 10.0  # ≥ 9 px on the page (1 pt = 4/3 px)


def _numel(volume) -> int:
    return volume.channels * (1 if volume.flat else volume.height * volume.width)


def diagram_volumes(trace: LayerTotals) -> list[tuple[str, str, object]]:
    """The (label, layer type, volume) boxes of a volume diagram: the input, then every layer that makes a new
    volume or holds weights of its own (not a normalization, an activation, dropout or a reshape)."""
    if not isinstance(trace, LayerTotals):
        raise TypeError(
            "draw_volumes takes a classic_cnn.shapes.Trace (from shapes.trace) or a classic_cnn.summary(...), "
            f"got {type(trace).__name__}"
        )
    volumes = [("input", "", trace.input)]
    counters: dict[str, int] = {}
    for row in trace.rows:
        previous = volumes[-1][2]
        same = (
            row.output == previous
            or _numel(row.output) == _numel(previous)
            and row.output.channels == (previous.channels)
        )
        if same and (row.params == 0 or "Norm" in row.layer):
            continue
        kind = SHORT_TYPES.get(row.layer, row.layer)
        label = row.name.split(".")[-1]
        if label.isdigit():  # a Sequential's index (VGG's features.0): number the layers of each kind instead
            short = {"conv": "conv", "max pool": "pool", "avg pool": "pool", "fully conn.": "fc"}.get(kind, kind)
            counters[short] = counters.get(short, 0) + 1
            label = f"{short}{counters[short]}"
        volumes.append((label, kind, row.output))
    return volumes


def _stage(volume) -> str:
    return "vectors" if volume.flat or (volume.height, volume.width) == (1, 1) else f"{volume.height}×{volume.width}"


def draw_volumes(trace: LayerTotals, title: str | None = None, columns: int | None = None) -> SvgFigure:
    """The volumes a network passes through as boxes, as in the papers' figures, grouped by spatial size.

    Takes ``shapes.trace(...)`` or ``classic_cnn.summary(model)`` (``summary(model, depth=1)`` draws a GoogLeNet
    or a ResNet module by module). Layers that leave the volume as it was (activations, normalization, dropout,
    reshapes) are not drawn. Boxes run left to right in rows of ``columns`` (default: one row up to eight
    boxes, else rows of seven); each is labelled with its name, its
    volume and its kind, and each stage (the layers working at one spatial size) sits on one shaded band. A
    box's height grows with the spatial size and its depth with the channels (both on a square-root scale, so
    that 224×224×3 and 7×7×512 fit on one page); flat vectors are thin bars. Jupyter shows it as SVG.
    """
    volumes = diagram_volumes(trace)
    columns = columns or (len(volumes) if len(volumes) <= 8 else 7)
    rows = math.ceil(len(volumes) / columns)
    cell = DIAGRAM_WIDTH / columns
    row_height = 2.3
    largest_side = max(math.sqrt(v.height) for *_, v in volumes if not v.flat)
    largest_depth = max(math.sqrt(v.channels) for *_, v in volumes)
    figure, axis = plt.subplots(figsize=(DIAGRAM_WIDTH, rows * row_height + 0.35), FigureClass=SvgFigure)
    stages = []  # (row, first column, last column, stage name)
    for index, (label, kind, volume) in enumerate(volumes):
        row, column = divmod(index, columns)
        stage = _stage(volume)
        if stages and stages[-1][0] == row and stages[-1][3] == stage:
            stages[-1] = (row, stages[-1][1], column, stage)
        else:
            stages.append((row, column, column, stage))
        centre, base = (column + 0.5) * cell, -row * row_height
        colour = plt.cm.tab10(index % 10)
        if volume.flat or (volume.height, volume.width) == (1, 1):
            height = 0.25 + 0.8 * math.sqrt(volume.channels) / largest_depth
            axis.add_patch(
                Rectangle((centre - 0.04, base - height / 2), 0.08, height, facecolor=colour, edgecolor="black", lw=0.5)
            )
        else:
            side = 0.2 + 0.75 * math.sqrt(volume.height) / largest_side
            depth = 0.06 + 0.34 * math.sqrt(volume.channels) / largest_depth
            skew = side * 0.25
            x, y = centre - (depth + skew) / 2, base - (side + skew) / 2
            faces = (
                ([(x, y), (x + depth, y), (x + depth, y + side), (x, y + side)], 0.85),
                ([(x, y + side), (x + depth, y + side), (x + depth + skew, y + side + skew), (x + skew, y + side + skew)], 0.6),
                ([(x + depth, y), (x + depth + skew, y + skew), (x + depth + skew, y + side + skew), (x + depth, y + side)], 0.45),
            )  # fmt: skip
            for face, shade in faces:
                axis.add_patch(Polygon(face, closed=True, facecolor=colour, alpha=shade, edgecolor="black", lw=0.5))
        axis.text(centre, base + 0.62, label, ha="center", va="bottom", fontsize=LABEL_PT, weight="bold")
        axis.text(centre, base - 0.62, str(volume), ha="center", va="top", fontsize=LABEL_PT)
        if kind:
            axis.text(centre, base - 0.86, kind, ha="center", va="top", fontsize=TYPE_PT, color="dimgray")
    for number, (row, first, last, stage) in enumerate(stages):
        base = -row * row_height
        axis.text(first * cell + 0.07, base + 1.0, stage, ha="left", va="top", fontsize=TYPE_PT, style="italic")
        axis.add_patch(
            Rectangle(
                (first * cell + 0.03, base - 1.1), (last - first + 1) * cell - 0.06, 2.17,
                facecolor="0.93" if number % 2 == 0 else "0.97", edgecolor="none", zorder=-1,
            )
        )  # fmt: skip
    axis.set_xlim(0, DIAGRAM_WIDTH)
    axis.set_ylim(-(rows - 1) * row_height - 1.15, 1.1)
    axis.set_aspect("equal")
    axis.axis("off")
    axis.set_title(title or f"{trace.params:,} parameters, {trace.macs:,} multiply-adds", fontsize=TITLE_PT)
    figure.subplots_adjust(left=0, right=1, bottom=0, top=1 - 0.3 / (rows * row_height + 0.35))
    plt.close(figure)
    return figure


def show_images(
    images: Tensor,
    labels: Sequence[int] | Tensor | None = None,
    classes: Sequence[str] | None = None,
    columns: int | None = None,
    title: str | None = None,
) -> Figure:
    """A grid of images ``(N, C, H, W)`` with pixels in [0, 1] (use ``Dataset.to_pixels`` first)."""
    if images.dim() != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images must be (N, 1 or 3, H, W), got shape {tuple(images.shape)}")
    rows, cols = _grid(len(images), columns)
    figure, axes = _figure(rows, cols, 1.1, title)
    for index, (axis, image) in enumerate(zip(axes, images.detach().float().cpu().clamp(0, 1))):
        if image.shape[0] == 1:
            axis.imshow(image[0].numpy(), cmap="gray_r" if image.mean() < 0.5 else "gray", vmin=0, vmax=1)
        else:
            axis.imshow(image.permute(1, 2, 0).numpy())
        if labels is not None:
            label = int(labels[index])
            axis.set_title(classes[label] if classes else str(label), fontsize=7)
    return figure


@torch.no_grad()
def show_misclassified(
    model: nn.Module, data, split: str = "test", count: int = 16, columns: int | None = None
) -> Figure:
    """The first ``count`` test images the model gets wrong, titled "true → predicted"."""
    if split not in ("test", "train"):
        raise ValueError(f"split must be 'test' or 'train', got {split!r}")
    images = data.test_images if split == "test" else data.train_images
    labels = data.test_labels if split == "test" else data.train_labels
    parameter = next(model.parameters())
    with eval_mode(model):
        predictions = [
            first_tensor(model(images[first : first + 500].to(parameter.device))).argmax(1).cpu()
            for first in range(0, len(images), 500)
        ]
    predicted = torch.cat(predictions)
    wrong = (predicted != labels).nonzero().squeeze(1)[:count]
    caption = f"{int((predicted != labels).sum())} of {len(labels)} {split} images misclassified (true → predicted)"
    if len(wrong) == 0:
        figure, axis = plt.subplots(figsize=(4, 1))
        axis.axis("off")
        axis.text(0.5, 0.5, caption, ha="center", va="center")
        plt.close(figure)
        return figure
    rows, cols = _grid(len(wrong), columns)
    figure, axes = _figure(rows, cols, 1.2, caption)
    pixels = data.to_pixels(images[wrong])
    for axis, index, image in zip(axes, wrong.tolist(), pixels):
        if image.shape[0] == 1:
            axis.imshow(image[0].numpy(), cmap="gray_r", vmin=0, vmax=1)
        else:
            axis.imshow(image.permute(1, 2, 0).numpy())
        true, guess = int(labels[index]), int(predicted[index])
        axis.set_title(f"{data.classes[true]} → {data.classes[guess]}", fontsize=7, color="firebrick")
    return figure
