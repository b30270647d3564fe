"""One check, shared by every model: is this batch the shape the network was built for?"""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor


def _volume(shape: tuple[int, ...]) -> str:
    return "×".join(str(size) for size in shape)


def check_input(
    x: Tensor,
    expected: tuple[int, int, int],
    model: str,
    *,
    size_hints: Mapping[tuple[int, int], str] | None = None,
    rebuild: str = "",
) -> None:
    """Raise ``ValueError`` before any computation unless ``x`` is a batch ``N×C×H×W`` of ``expected = (C, H, W)``.

    The message names the model, both shapes and a fix. ``size_hints`` maps a wrong (H, W) to a specific
    tip (LeNet-5: 28×28 → "pad MNIST by 2 pixels"); ``rebuild`` names the constructor argument that builds
    the model for another size (e.g. ``"input_size"``).
    """
    channels, height, width = expected
    if x.dim() != 4:
        tip = " — add a batch dimension: x.unsqueeze(0)" if tuple(x.shape) == expected else ""
        raise ValueError(
            f"{model} expects a batch of images N×{_volume(expected)}, got a tensor of shape "
            f"{tuple(x.shape)} ({x.dim()} dimensions){tip}"
        )
    got = tuple(x.shape[1:])
    if got == expected:
        return
    if got[0] != channels:
        tip = {1: "convert the images to grayscale", 3: "give the images 3 (RGB) channels"}.get(
            channels, f"give the images {channels} channels"
        )
        if channels == 3 and got[0] == 1:
            tip += ", e.g. x.expand(-1, 3, -1, -1)"
    elif size_hints and got[1:] in size_hints:
        tip = size_hints[got[1:]]
    else:
        tip = f"resize or crop the images to {height}×{width}"
        if rebuild and got[1] == got[2]:
            tip += f", or build the model with {rebuild}={got[1]}"
    raise ValueError(f"{model} expects {_volume(expected)} inputs, got {_volume(got)} — {tip}")
