"""The activation explorer: any ``nn.Module``, any images — pick an image, a layer and a channel, see its map.

One forward pass per image, with forward hooks, records the output of every layer that produces maps
(C×H×W); moving the controls afterwards only redraws, it does not run the model again. So the recorded maps
can travel with the page: :func:`activation_explorer` embeds them (8 bits per value, each map scaled to its
own range as the picture is) with a small script that draws them, so the explorer works on the static site
as in Jupyter; :class:`ActivationExplorer` is the same explorer as ipywidgets, drawn by the kernel.
Words: ``i18n.language()``'s; the static form carries its Korean words for a Korean page (``js/i18n.js``).
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import torch
from torch import Tensor, nn

from classic_cnn import i18n
from classic_cnn.hooks import capture, eval_mode, named
from classic_cnn.widgets.explorers import TABLE, sentence

DISPLAY_SIZE = 192  # pixels: small maps are enlarged (nearest neighbour) so single units stay visible
WORDS = TABLE["ui"]["activations"]


def record_activations(model: nn.Module, image: Tensor, layers: Sequence[str] | None = None) -> dict[str, Tensor]:
    """Run ``model`` once on ``image`` (C×H×W or 1×C×H×W) and return each layer's maps (C×H×W), in order.

    ``layers`` names modules as ``model.named_modules()`` does; by default every module whose output is a
    4-D tensor (convolutions, activations, pooling, whole blocks).
    """
    batch = _as_batch(image)
    modules = named(model, None if layers is None else list(layers))

    def keep(output: object) -> Tensor | None:
        return output[0].detach().float().cpu() if isinstance(output, Tensor) and output.dim() == 4 else None

    with capture(modules, keep, first_only=True) as outputs, eval_mode(model), torch.no_grad():
        model(batch)
    if not outputs:
        raise ValueError("no layer of the model produced a C×H×W map for this image")
    return {name: outputs[name] for name in modules if name in outputs}


def _as_batch(image: object) -> Tensor:
    tensor = torch.as_tensor(np.asarray(image) if not isinstance(image, Tensor) else image).float()
    if tensor.dim() == 2:
        tensor = tensor[None]
    if tensor.dim() == 3:
        tensor = tensor[None]
    if tensor.dim() != 4 or tensor.shape[0] != 1:
        raise ValueError(f"image must be H×W, C×H×W or 1×C×H×W, got shape {tuple(tensor.shape)}")
    return tensor


def map_png(activation: Tensor, colormap: str = "viridis") -> bytes:
    """One H×W map as a PNG, scaled to its own min..max and enlarged to about ``DISPLAY_SIZE`` pixels."""
    return _png(colours(colormap)[map_levels(activation)])


def map_levels(activation: Tensor) -> np.ndarray:
    """An H×W map as 8-bit levels of its own min..max: the index matplotlib's 256-colour maps look up."""
    index = _scaled(activation.numpy()).astype(np.float32) * 256  # as matplotlib's Colormap.__call__ does
    index[index == 256] = 255
    return np.clip(index, 0, 255).astype(np.uint8)


def colours(colormap: str = "viridis") -> np.ndarray:
    """The 256 RGB colours (uint8) of a matplotlib colour map."""
    from matplotlib import colormaps

    return (colormaps[colormap](np.arange(256))[:, :3] * 255).astype(np.uint8)


def image_rgb(image: Tensor) -> np.ndarray:
    """An input image (1×H×W grey or 3×H×W colour, any normalization) as H×W×3 uint8, scaled to its own range."""
    values = _scaled(image.numpy())
    rgb = np.repeat(values[0, ..., None], 3, axis=-1) if values.shape[0] == 1 else values[:3].transpose(1, 2, 0)
    return (rgb * 255).astype(np.uint8)


def image_png(image: Tensor) -> bytes:
    """An input image (1×H×W grey or 3×H×W colour, any normalization) as a PNG, scaled to its own range."""
    return _png(image_rgb(image))


def _scaled(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def _png(rgb: np.ndarray) -> bytes:
    from PIL import Image

    height, width = rgb.shape[:2]
    factor = max(1, DISPLAY_SIZE // max(height, width))
    picture = Image.fromarray(rgb).resize((width * factor, height * factor), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def caption(layer: str, maps: Tensor, channel: int, number: int = 0, language: str | None = None) -> str:
    """What the explorer says under the map: image, layer, its volume H×W×C, channel, the map's range."""
    height, width, channels = maps.shape[1], maps.shape[2], maps.shape[0]
    low, high = (f"{value:.3g}" for value in (maps[channel].min().item(), maps[channel].max().item()))
    values = dict(image=number, layer=layer, height=height, width=width, channels=channels, channel=channel)
    return sentence(i18n.ui(WORDS["caption"], language), dict(values, low=low, high=high))


def _as_images(images: object) -> list[Tensor]:
    """One image (H×W, C×H×W, 1×C×H×W), a batch (N×C×H×W) or a list of images → a list of C×H×W tensors."""
    if isinstance(images, (list, tuple)):
        return [_as_batch(image)[0] for image in images]
    tensor = images if isinstance(images, Tensor) else torch.as_tensor(np.asarray(images))
    if tensor.dim() == 4:
        if len(tensor) == 0:
            raise ValueError("images is an empty batch")
        return list(tensor.float())
    return [_as_batch(tensor)[0]]


class ActivationExplorer(widgets.VBox):
    """Pick an input image, a layer and a channel of ``model``'s response: see that activation map.

    ``images``: one image (H×W, C×H×W, 1×C×H×W), a batch N×C×H×W or a list of images — with more than one,
    an ``image`` slider picks among them. Every map is recorded once, up front; the controls only redraw.

    >>> explorer = ActivationExplorer(model, data.test_images[:10])          # doctest: +SKIP
    >>> explorer.controls["layer"].value = "features.0"; explorer.controls["channel"].value = 5   # doctest: +SKIP
    """

    def __init__(
        self, model: nn.Module, images: object, layers: Sequence[str] | None = None, colormap: str = "viridis"
    ) -> None:
        self.inputs = _as_images(images)
        self.recorded = [record_activations(model, image, layers) for image in self.inputs]
        self.colormap = colormap
        self.language = i18n.language()
        maps = self.recorded[0]
        first = next(iter(maps))
        image, layer, channel = (i18n.ui(WORDS[name], self.language) for name in ("image", "layer", "channel"))
        self.controls = {
            "image": widgets.IntSlider(value=0, min=0, max=len(self.inputs) - 1, description=image),
            "layer": widgets.Dropdown(options=list(maps), value=first, description=layer),
            "channel": widgets.IntSlider(value=0, min=0, max=maps[first].shape[0] - 1, description=channel),
        }
        if len(self.inputs) == 1:
            self.controls["image"].layout.display = "none"
        self.input = widgets.Image(format="png")
        self.image = widgets.Image(format="png")
        self.caption = widgets.HTML()
        self.controls["layer"].observe(self._layer_changed, names="value")
        for name in ("image", "channel"):
            self.controls[name].observe(self._redraw, names="value")
        self._redraw()
        super().__init__(
            [widgets.HBox(list(self.controls.values())), widgets.HBox([self.input, self.image]), self.caption]
        )

    @property
    def maps(self) -> dict[str, Tensor]:
        """Each layer's maps (C×H×W) for the image chosen now."""
        return self.recorded[self.controls["image"].value]

    def activation(self) -> Tensor:
        """The map shown now (H×W)."""
        return self.maps[self.controls["layer"].value][self.controls["channel"].value]

    def _layer_changed(self, change: dict) -> None:
        channel = self.controls["channel"]
        with channel.hold_trait_notifications():
            channel.value = min(channel.value, self.maps[change["new"]].shape[0] - 1)
            channel.max = self.maps[change["new"]].shape[0] - 1
        self._redraw()

    def _redraw(self, change: dict | None = None) -> None:
        number, layer, channel = (self.controls[name].value for name in ("image", "layer", "channel"))
        maps = self.maps[layer]
        self.input.value = image_png(self.inputs[number])
        self.image.value = map_png(maps[channel], self.colormap)
        words = html.escape(caption(layer, maps, channel, number, self.language))
        self.caption.value = f'<span data-output="caption">{words}</span>'

    def __repr__(self) -> str:
        return f"ActivationExplorer({len(self.inputs)} image(s), layers={list(self.maps)})"


_ids = itertools.count(1)


class ActivationMaps:
    """The activation explorer as self-contained HTML: the recorded maps embedded, switched in the browser.

    Made by :func:`activation_explorer`; displaying it (the last expression of a cell) shows the controls, the
    input image, the chosen map and a caption. ``widget()`` gives the same explorer as ipywidgets.
    """

    def __init__(
        self, model: nn.Module, images: object, layers: Sequence[str] | None = None, colormap: str = "viridis"
    ) -> None:
        self.model, self.layers, self.colormap = model, layers, colormap
        self.inputs = _as_images(images)
        if len({tuple(image.shape) for image in self.inputs}) > 1:
            raise ValueError("the images must all have the same shape to share one explorer")
        self.recorded = [record_activations(model, image, layers) for image in self.inputs]
        self.language = i18n.language()
        self.id = f"ccnn-activations-{next(_ids)}"

    def spec(self) -> dict:
        """What the page's script needs: shapes, the 8-bit inputs and maps (base64), the colours, the ranges."""
        names = list(self.recorded[0])
        shapes = [tuple(self.recorded[0][name].shape) for name in names]
        inputs = np.concatenate([image_rgb(image).ravel() for image in self.inputs])
        levels = np.concatenate([map_levels(m).ravel() for maps in self.recorded for name in names for m in maps[name]])
        ranges = [
            [" ".join(f"{m.min().item():.3g} {m.max().item():.3g}" for m in maps[name]) for name in names]
            for maps in self.recorded
        ]
        return {
            "display": DISPLAY_SIZE,
            "input": list(self.inputs[0].shape[1:]),
            "layers": [[name, *shape] for name, shape in zip(names, shapes)],
            "inputs": base64.b64encode(inputs.tobytes()).decode(),
            "levels": base64.b64encode(levels.tobytes()).decode(),
            "colours": base64.b64encode(colours(self.colormap).tobytes()).decode(),
            "ranges": ranges,
            "caption": WORDS["caption"],
        }

    def html(self) -> str:
        """The complete output: style, controls, the canvases, the embedded maps and the script that draws them."""
        from classic_cnn.widgets.static import STYLE, lang_attribute, script_js, words_script

        names = list(self.recorded[0])
        first = self.recorded[0][names[0]]
        hidden = ' style="display:none"' if len(self.inputs) == 1 else ""
        options = "".join(f'<option value="{i}">{html.escape(name)}</option>' for i, name in enumerate(names))
        data = json.dumps(self.spec(), separators=(",", ":")).replace("</", "<\\/")
        ui = {name: html.escape(i18n.ui(text, self.language)) for name, text in WORDS.items()}
        return (
            f'<div class="ccnn-explorer" id="{self.id}" data-ccnn-id="{self.id}" data-explorer="activations"'
            f"{lang_attribute(self.language)}>{STYLE}"
            "<style>.ccnn-explorer canvas{image-rendering:pixelated;margin:4px 12px 4px 0;vertical-align:top}</style>"
            f'<div class="ccnn-title">{ui["title"]}</div>'
            f'<div class="ccnn-controls"><label{hidden}>{ui["image"]} <input type="range" min="0" '
            f'max="{len(self.inputs) - 1}" step="1" value="0" data-control="image" aria-label="{ui["image"]}">'
            '<output data-value="image">0</output></label>'
            f'<label>{ui["layer"]} <select data-control="layer">{options}</select></label>'
            f'<label>{ui["channel"]} <input type="range" min="0" max="{first.shape[0] - 1}" step="1" value="0"'
            f' data-control="channel" aria-label="{ui["channel"]}"><output data-value="channel">0</output></label></div>'
            f'<div data-output="view"><canvas data-output="input" role="img" aria-label="{ui["input"]}"></canvas>'
            f'<canvas data-output="map" role="img" aria-label="{ui["map"]}"></canvas>'
            f'<p data-output="caption">{html.escape(caption(names[0], first, 0, 0, self.language))}</p></div>'
            f'<script type="application/json">{data}</script>{words_script(WORDS)}'
            f"<script>\n{script_js('i18n.js')}\n{script_js('activations.js')}\n"
            f'ClassicCnn.mountActivations("{self.id}");\n</script></div>'
        )

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"activation_explorer({len(self.inputs)} image(s), layers={list(self.recorded[0])})"

    def widget(self) -> ActivationExplorer:
        """The same explorer as ipywidgets, drawn by the kernel."""
        return ActivationExplorer(self.model, self.inputs, self.layers, self.colormap)


def activation_explorer(
    model: nn.Module, images: object, layers: Sequence[str] | None = None, colormap: str = "viridis"
) -> ActivationMaps:
    """Pick an input image, a layer and a channel of ``model``'s response and see that map — on the static site
    too: the maps are recorded once here and travel with the page.

    ``images``: one image (H×W, C×H×W, 1×C×H×W), a batch N×C×H×W or a list of same-shaped images.
    """
    return ActivationMaps(model, images, layers, colormap)
