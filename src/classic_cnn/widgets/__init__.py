"""Interactive explorers for the chapters: one call shows a working explorer on the static site and in Jupyter.

>>> from classic_cnn import widgets
>>> widgets.conv_explorer(input_size=7, kernel_size=3, stride=3)     # doctest: +ELLIPSIS
conv_explorer(input_size=7, depth=3, kernel_size=3, stride=3, padding=0, filters=2)

Computed in the browser (static HTML + inline JavaScript; the book's pages, Jupyter, Colab, no kernel needed):
``conv_explorer``, ``pool_explorer``, ``receptive_field_explorer``, ``bottleneck_explorer`` and
``architecture_walker`` (pre-rendered tables, switched in the browser), ``activation_explorer`` (a model's
recorded activation maps, embedded and switched in the browser), and ``LeNetPlayground`` (draw a digit:
the chapter's trained LeNet-5s in JavaScript, with ``TrainingMoments`` recorded during ``fit``). ``.widget()`` on
the arithmetic explorers and on ``activation_explorer`` gives the ipywidgets form, computed by the kernel
(``ActivationExplorer``: forward hooks on a model).

Words: in ``classic_cnn.i18n.language()`` (``CLASSIC_CNN_LANG=ko``: Korean, from the package's catalog; the root then
has ``lang="ko"``). Every static output also carries its Korean words
(``<script type="application/json" data-ccnn-words="ko">``, English → Korean) and shows them on a page whose
``<html lang>`` is ``ko``, such as the book's Korean site (``js/i18n.js``); on an English page nothing changes.

Hooks for browser tests (stable):
  * root ``<div data-explorer="conv|pool|receptive-field|bottleneck|architecture" data-ccnn-id="ccnn-N">``
    (``data-mounted="true"`` once its script ran);
  * each control ``<input type="range" data-control="NAME">`` or ``<select data-control="NAME">``, NAME being the
    Python argument (conv: input_size, depth, kernel_size, stride, padding, filters); its shown value
    ``<output data-value="NAME">``; buttons ``<button data-action="same-padding|overlapping|non-overlapping">``;
    listeners on both ``input`` and ``change`` events;
  * the redrawn area ``[data-output="view"]`` with ``data-status="ok|floor|impossible"`` on its first child and,
    inside, ``data-output="size"`` (conv: "3×3×2", or "none"), ``formula``, ``status``, ``params``,
    ``activations``, ``macs``, ``same-padding``; pool: ``size``, ``status``, ``overlap``, ``pooled``;
    receptive field: ``field``, ``fields``, ``stack-weights``, ``single-weights``; bottleneck: ``direct-macs``,
    ``bottleneck-macs``, ``ratio``; architecture: ``<div data-panel="NAME">`` with ``data-output="table"``.
"""

from __future__ import annotations

from classic_cnn.widgets.kernel import KernelExplorer
from classic_cnn.widgets.logic import bottleneck_view, conv_view, pool_view, receptive_field_view
from classic_cnn.widgets.static import Explorer
from classic_cnn.widgets.walker import ArchitectureWalker, architecture_walker

__all__ = [
    "ActivationExplorer",
    "ArchitectureWalker",
    "Explorer",
    "KernelExplorer",
    "LeNetPlayground",
    "TrainingMoments",
    "activation_explorer",
    "architecture_walker",
    "bottleneck_explorer",
    "bottleneck_view",
    "conv_explorer",
    "conv_view",
    "pool_explorer",
    "pool_view",
    "receptive_field_explorer",
    "receptive_field_view",
]


def conv_explorer(
    input_size: int = 7, depth: int = 3, kernel_size: int = 3, stride: int = 1, padding: int = 0, filters: int = 2
) -> Explorer:
    """Convolution arithmetic: N×N×D input, K filters of F×F, stride S, padding P → W₂×H₂×D₂, counts, picture."""
    return Explorer(
        "conv",
        input_size=input_size,
        depth=depth,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        filters=filters,
    )


def pool_explorer(input_size: int = 7, kernel_size: int = 3, stride: int = 2, mode: str = "max") -> Explorer:
    """Max/average pooling of a small numeric grid: overlapping 3/2 against tiling 2/2."""
    return Explorer("pool", input_size=input_size, kernel_size=kernel_size, stride=stride, mode=mode)


def receptive_field_explorer(layers: int = 3, kernel_size: int = 3, stride: int = 1, channels: int = 64) -> Explorer:
    """A stack of k×k convolutions against the one convolution with the same receptive field (VGG's argument)."""
    return Explorer("receptive-field", layers=layers, kernel_size=kernel_size, stride=stride, channels=channels)


def bottleneck_explorer(
    size: int = 28, in_channels: int = 192, out_channels: int = 32, kernel_size: int = 5, bottleneck: int = 16
) -> Explorer:
    """Multiplies of a k×k convolution with and without a 1×1 bottleneck first (GoogLeNet's Inception)."""
    return Explorer(
        "bottleneck",
        size=size,
        in_channels=in_channels,
        out_channels=out_channels,
        kernel_size=kernel_size,
        bottleneck=bottleneck,
    )


def __getattr__(name: str):
    # The activation explorer needs torch; the arithmetic explorers should not pay for importing it.
    if name in ("ActivationExplorer", "activation_explorer"):
        from classic_cnn.widgets import activations

        return getattr(activations, name)
    if name in ("LeNetPlayground", "TrainingMoments"):
        from classic_cnn.widgets import playground

        return getattr(playground, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
