"""The activation explorer: any ``nn.Module``, any image — pick a layer and a channel, see its map (needs a kernel).

One forward pass with forward hooks records the output of every layer that produces maps (N×C×H×W);
moving the controls afterwards only redraws, it does not run the model again.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import torch
from torch import Tensor, nn

DISPLAY_SIZE = 192  # pixels: small maps are enlarged (nearest neighbour) so single units stay visible


def record_activations(model: nn.Module, image: Tensor, layers: Sequence[str] | None = None) -> dict[str, Tensor]:
    """Run ``model`` once on ``image`` (C×H×W or 1×C×H×W) and return each layer's maps (C×H×W), in order.

    ``layers`` names modules as ``model.named_modules()`` does; by default every module whose output is a
    4-D tensor (convolutions, activations, pooling, whole blocks).
    """
    batch = _as_batch(image)
    modules = dict(model.named_modules())
    names = [name for name in modules if name] if layers is None else list(layers)
    missing = [name for name in names if name not in modules]
    if missing:
        raise ValueError(f"model has no layer(s) {missing}; named layers are {[n for n in modules if n][:20]}")
    recorded: dict[str, Tensor] = {}

    def hook(name: str):
        def keep(module: nn.Module, inputs: object, output: object) -> None:
            if isinstance(output, Tensor) and output.dim() == 4 and name not in recorded:
                recorded[name] = output[0].detach().float().cpu()

        return keep

    handles = [modules[name].register_forward_hook(hook(name)) for name in names]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(batch)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    if not recorded:
        raise ValueError("no layer of the model produced a C×H×W map for this image")
    return {name: recorded[name] for name in names if name in recorded}


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
    from matplotlib import colormaps
    from PIL import Image

    values = activation.numpy()
    low, high = float(values.min()), float(values.max())
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    rgb = (colormaps[colormap](scaled)[..., :3] * 255).astype(np.uint8)
    factor = max(1, DISPLAY_SIZE // max(values.shape))
    picture = Image.fromarray(rgb).resize((values.shape[1] * factor, values.shape[0] * factor), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


class ActivationExplorer(widgets.VBox):
    """Pick a layer and a channel of ``model``'s response to ``image``: see that activation map.

    >>> explorer = ActivationExplorer(model, image)                          # doctest: +SKIP
    >>> explorer.controls["layer"].value = "features.0"; explorer.controls["channel"].value = 5   # doctest: +SKIP
    """

    def __init__(self, model: nn.Module, image: object, layers: Sequence[str] | None = None,
                 colormap: str = "viridis") -> None:
        self.maps = record_activations(model, image, layers)
        self.colormap = colormap
        first = next(iter(self.maps))
        self.controls = {
            "layer": widgets.Dropdown(options=list(self.maps), value=first, description="layer"),
            "channel": widgets.IntSlider(value=0, min=0, max=self.maps[first].shape[0] - 1, description="channel"),
        }
        self.image = widgets.Image(format="png")
        self.caption = widgets.HTML()
        self.controls["layer"].observe(self._layer_changed, names="value")
        self.controls["channel"].observe(self._redraw, names="value")
        self._redraw()
        super().__init__([widgets.HBox(list(self.controls.values())), self.image, self.caption])

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
        layer, channel = self.controls["layer"].value, self.controls["channel"].value
        maps = self.maps[layer]
        activation = maps[channel]
        self.image.value = map_png(activation, self.colormap)
        self.caption.value = (
            f'<span data-output="caption">{layer}: {maps.shape[1]}×{maps.shape[2]}×{maps.shape[0]}, channel '
            f"{channel}: min {activation.min().item():.3g}, max {activation.max().item():.3g}</span>"
        )

    def __repr__(self) -> str:
        return f"ActivationExplorer(layers={list(self.maps)})"
