"""Chapter 2's playground: draw a digit and watch the chapter's trained LeNet-5s read it, in the browser.

>>> moments = TrainingMoments(trainer)          # the weights now; then, during fit, after chosen epochs
>>> trainer.fit(on_step=moments)
>>> LeNetPlayground(moments, modern_trainer)    # displayed: a drawing pad, every layer, the prediction

The weights travel inside the output as int8 with one scale per row (a quarter of float32's bytes), and the
forward pass runs in ``js/lenet.js``; the drawing is placed in the 32×32 field as the chapter's data places its
digits (``js/playground.js``). Like the explorers it needs no kernel, no network and no other asset.

Hooks for browser tests (stable): root ``<div data-explorer="lenet-playground" data-ccnn-id="ccnn-N">``
(``data-mounted="true"`` once its script ran); ``canvas[data-input="pad"]``, ``button[data-action="clear"]``,
``select[data-control="digit"]``, ``input[data-control="moment"]``, ``input[data-control="modern"]``;
per network ``[data-network="classic|modern"]`` with ``data-prediction``; ``ClassicCnn.playgrounds[id]`` holds
the decoded networks (``networks``), ``field()``, ``code(field, name)``, ``last`` (every layer of the last
update, per network) and ``timings`` (milliseconds per update).
Words: ``i18n.language()``'s; the output carries its Korean words for a Korean page (``js/i18n.js``).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from functools import cache
from importlib.resources import files

import torch
from torch import Tensor

from classic_cnn import data as datasets
from classic_cnn import i18n
from classic_cnn.models.lenet import LeNet5
from classic_cnn.train import Step, Trainer
from classic_cnn.widgets.explorers import TABLE, sentence
from classic_cnn.widgets.static import _ids, lang_attribute, script_js, words_script

SCRIPTS = ("lenet.js", "playground.js")
WORDS = TABLE["ui"]["playground"]
PEN = 0.16  # pen width / digit box: ten test drawings then carry the ink of an average 8×8 scan (0.31 of it)
SCAN_BYTES = 32_768  # the picker's test digits: at most this many bytes of pixels
BUDGET_BYTES = 500_000  # all networks and moments together, with the page's markup and scripts
STYLE = (
    "<style>.ccnn-playground{font-family:system-ui,sans-serif;font-size:14px;line-height:1.4;margin:8px 0;"
    "padding:8px 12px;border:1px solid #ccd;border-radius:6px;max-width:100%;box-sizing:border-box}"
    ".ccnn-playground .ccnn-title{font-weight:600;margin-bottom:4px}"
    ".ccnn-playground .ccnn-row{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:flex-start}"
    ".ccnn-playground label{display:inline-block;margin:2px 14px 2px 0}"
    ".ccnn-playground select,.ccnn-playground input[type=range]{max-width:100%}"
    ".ccnn-playground canvas{display:block;max-width:100%;image-rendering:pixelated}"
    ".ccnn-playground canvas[data-input=pad]{touch-action:none;border:1px solid #99a;background:#fff;"
    "width:224px;height:224px;cursor:crosshair}"
    ".ccnn-playground [data-network]{flex:1 1 300px;min-width:0}"
    ".ccnn-playground .ccnn-layer{margin:4px 0 0;font-size:12px;color:#445}"
    ".ccnn-playground [data-output=prediction]{font-weight:600;margin:4px 0}</style>"
)


class TrainingMoments:
    """Copies of a trainer's weights before training and after chosen epochs: give it to ``fit(on_step=...)``.

    ``epochs`` defaults to the first, the middle and the last of the recipe's. Nothing is trained here: the
    copies are the weights of the very run that ``fit`` makes.
    """

    def __init__(self, trainer: Trainer, epochs: Sequence[int] | None = None) -> None:
        if trainer.step != 0:
            raise ValueError(f"the trainer has already taken {trainer.step} steps: record moments from the start")
        last = trainer.recipe.epochs
        chosen = sorted(set((1, max(1, last // 2), last) if epochs is None else epochs))
        if not chosen or chosen[0] < 1 or chosen[-1] > last:
            raise ValueError(f"epochs must lie in 1..{last} (the recipe's epochs), got {list(chosen)}")
        self.trainer, self.epochs = trainer, tuple(chosen)
        self.steps_per_epoch = len(trainer.loader)
        self.states: dict[int, dict[str, Tensor]] = {0: _cpu_copy(trainer.model.state_dict())}

    def __call__(self, step: Step) -> None:
        epoch, rest = divmod(step.step, self.steps_per_epoch)
        if rest == 0 and epoch in self.epochs:  # the epoch's last step: its final weights
            self.states[epoch] = _cpu_copy(self.trainer.model.state_dict())

    def __repr__(self) -> str:
        return f"TrainingMoments(epochs {sorted(self.states)} of {self.trainer.recipe.epochs} recorded)"


def _cpu_copy(state: dict[str, Tensor]) -> dict[str, Tensor]:
    return {name: value.detach().to("cpu", copy=True) for name, value in state.items()}


# --- compact weights ----------------------------------------------------------------------------


def encode(tensor: Tensor) -> dict:
    """int8 values and one float32 scale per row (the first dimension; one for a vector), both in base64."""
    rows = tensor.detach().float().cpu().reshape(tensor.shape[0] if tensor.dim() > 1 else 1, -1)
    scale = (rows.abs().amax(dim=1) / 127).clamp_min(torch.finfo(torch.float32).tiny)
    values = torch.round(rows / scale[:, None]).clamp(-127, 127).to(torch.int8)
    return {
        "shape": list(tensor.shape),
        "scale": _base64(scale.numpy().astype("<f4").tobytes()),
        "data": _base64(values.numpy().tobytes()),
    }


def _base64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def decode(packed: dict) -> Tensor:
    """The float32 tensor ``encode`` describes (its values are what the browser computes with)."""
    values = torch.frombuffer(bytearray(base64.b64decode(packed["data"])), dtype=torch.int8).float()
    scale = torch.frombuffer(bytearray(base64.b64decode(packed["scale"])), dtype=torch.float32)
    return (values.view(len(scale), -1) * scale[:, None]).view(packed["shape"])


def encode_network(model: LeNet5, state: dict[str, Tensor] | None = None) -> dict:
    """A LeNet-5 (with ``state``, else its own weights) as the browser's ``ClassicCnn.lenet.network`` reads it."""
    if not isinstance(model, LeNet5):
        raise TypeError(f"the playground runs classic_cnn's LeNet-5, got {type(model).__name__}")
    state = model.state_dict() if state is None else state
    description: dict = {"variant": model.variant, "tensors": {name: encode(value) for name, value in state.items()}}
    c3 = model.layers.C3
    if model.variant == "paper":  # C3's table, as the input maps of each C3 map, from the module itself
        owner, source = c3.kernel_index // c3.in_channels, c3.kernel_index % c3.in_channels
        description["c3_inputs"] = [source[owner == j].tolist() for j in range(c3.out_channels)]
    return description


def decode_network(description: dict) -> dict[str, Tensor]:
    """The state dict the browser computes with (load it into a ``lenet5()`` to compare)."""
    return {name: decode(packed) for name, packed in description["tensors"].items()}


# --- the page -----------------------------------------------------------------------------------


def drawing_format(dataset: datasets.Dataset) -> dict:
    """How a drawing becomes the network's input, as ``dataset`` made its digits; and the picker's test digits.

    A drawing is drawn into a square box of ``box``×``box`` pixels in the middle of a ``side``×``side`` scan,
    then the scan is resized to ``inner``×``inner`` (bilinear, as ``F.interpolate``) and put in the field
    ``margin`` pixels from the top left. The scikit-learn digits are 8×8 scans of the whole box, resized into
    the field's middle (:func:`classic_cnn.data.digit_box`); MNIST's are 28×28 with a 20×20 digit box,
    padded by 2.
    """
    field = dataset.input_shape[-1]
    if dataset.input_shape[0] != 1:
        raise ValueError(f"the playground reads grey digits, {dataset.name} has {dataset.input_shape[0]} channels")
    if dataset.name == "digits":
        inner, margin = datasets.digit_box(field)
        scans = datasets.load("digits", size=8, normalize="none")  # the 8×8 scans, split as `dataset`'s
        levels, side, box = 16, 8, 8
        pixels = scans.test_images[:, 0]
    elif dataset.name == "mnist" and field >= 28:
        side, box, levels, inner, margin = 28, 20, 255, 28, (field - 28) // 2
        pixels = dataset.to_pixels(dataset.test_images)[:, 0, margin : margin + 28, margin : margin + 28]
    else:
        raise ValueError(f"the playground knows how 'digits' and 'mnist' place a digit, got {dataset.name!r}")
    count = min(len(pixels), SCAN_BYTES // (side * side))
    scan_bytes = torch.round(pixels[:count] * levels).to(torch.uint8).numpy().tobytes()
    return {
        "field": field,
        "side": side,
        "box": box,
        "inner": inner,
        "margin": margin,
        "pen": PEN,
        "levels": levels,
        "scans": _base64(scan_bytes),
        "labels": dataset.test_labels[:count].tolist(),
        "classes": list(dataset.classes),
    }


def _moments(source: TrainingMoments | Trainer, last_only: bool = False) -> list[dict]:
    """Each recorded moment of a network (or only the last): its label and its weights."""
    trainer = source.trainer if isinstance(source, TrainingMoments) else source
    states = source.states if isinstance(source, TrainingMoments) else {trainer.epoch: trainer.model.state_dict()}
    if last_only:
        states = {max(states): states[max(states)]}
    moments = []
    for epoch, state in sorted(states.items()):
        label = moment_label(trainer, epoch, "en")  # the page translates it (js/i18n.js: templates)
        moments.append({"epoch": epoch, "label": label, "network": encode_network(trainer.model, state)})
    return moments


def moment_label(trainer: Trainer, epoch: int, language: str | None = None) -> str:
    """'before training', 'after epoch 2 of 4 (test accuracy 93.1%)' (the accuracy where the history has it)."""
    history, total = trainer.history, trainer.recipe.epochs
    values = dict(epoch=epoch, total=total)
    if epoch == 0:
        template = WORDS["before"]
    elif epoch <= len(history):
        template, values["accuracy"] = WORDS["after_accuracy"], f"{history.test_accuracy[epoch - 1]:.1%}"
    else:
        template = WORDS["after"]
    return sentence(i18n.ui(template, language), values)


def _coding(dataset: datasets.Dataset) -> dict:
    return {"shift": dataset.shift[0], "scale": dataset.scale[0]}


@cache
def playground_js() -> str:
    """``js/lenet.js`` and ``js/playground.js``, as shipped (comments kept: the page's source is teaching material),
    after ``js/i18n.js`` (compacted: it is the explorers' too)."""
    shipped = (files("classic_cnn.widgets") / "js" / name for name in SCRIPTS)
    return "\n".join([script_js("i18n.js"), *(script.read_text(encoding="utf-8") for script in shipped)])


class LeNetPlayground:
    """Draw a digit (or pick a test digit) and see the chapter's LeNet-5 read it, every layer, in the browser.

    ``classic``: the paper's network, as :class:`TrainingMoments` (a slider walks through them) or a trained
    :class:`~classic_cnn.train.Trainer`. ``modern``: optionally the modern network, shown beside it at its last
    moment (one set of its weights keeps the page under 500 KB).
    """

    def __init__(self, classic: TrainingMoments | Trainer, modern: TrainingMoments | Trainer | None = None) -> None:
        networks = {"classic": classic} if modern is None else {"classic": classic, "modern": modern}
        self.payload: dict = {"text": WORDS}
        self.language = i18n.language()
        for name, source in networks.items():
            trainer = source.trainer if isinstance(source, TrainingMoments) else source
            if not isinstance(trainer, Trainer):
                raise TypeError(f"{name} must be TrainingMoments or a Trainer, got {type(source).__name__}")
            expected = "paper" if name == "classic" else "modern"
            if getattr(trainer.model, "variant", None) != expected:
                raise ValueError(f"{name} must train lenet5(variant={expected!r})")
            moments = _moments(source, last_only=name == "modern")
            self.payload[name] = {"coding": _coding(trainer.data), "moments": moments}
            if name == "classic":
                self.payload["drawing"] = drawing_format(trainer.data)
                self.moment_shown = moment_label(trainer, moments[-1]["epoch"], self.language)  # the slider's
        self.id = f"ccnn-{next(_ids)}"

    def html(self) -> str:
        moments = self.payload["classic"]["moments"]
        last = len(moments) - 1
        ui = {name: html.escape(i18n.ui(text, self.language)) for name, text in WORDS.items()}
        controls = (
            f'<div><canvas data-input="pad" width="224" height="224" role="img" aria-label="{ui["pad"]}"></canvas>'
            f'<button type="button" data-action="clear">{ui["clear"]}</button></div>'
            f'<div><label>{ui["pick"]} <select data-control="digit" aria-label="{ui["digit"]}"></select></label><br>'
            f'<label>{ui["weights"]} <input type="range" min="0" max="{last}" step="1" value="{last}" '
            f'data-control="moment" aria-label="{ui["moment"]}"></label>'
            f'<output data-value="moment">{html.escape(self.moment_shown)}</output><br>'
            + (
                f'<label><input type="checkbox" data-control="modern"> {ui["modern"]}</label>'
                if "modern" in self.payload
                else ""
            )
            + "</div>"
        )
        weights = json.dumps(self.payload, separators=(",", ":")).replace("</", "<\\/")
        return (
            f'<div class="ccnn-playground" id="{self.id}" data-ccnn-id="{self.id}" data-explorer="lenet-playground"'
            f"{lang_attribute(self.language)}>{STYLE}"
            f'<div class="ccnn-title">{ui["title"]}</div>'
            f'<p data-output="status">{ui["status"]}</p>'
            f'<div class="ccnn-row">{controls}</div>'
            '<div class="ccnn-row" data-output="networks"></div>'
            f'<script type="application/json" data-weights>{weights}</script>{words_script(WORDS)}'
            f'<script>\n{playground_js()}\nClassicCnn.playground("{self.id}");\n</script>'
            "</div>"
        )

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        epochs = {
            name: [moment["epoch"] for moment in self.payload[name]["moments"]]
            for name in ("classic", "modern")
            if name in self.payload
        }
        return "LeNetPlayground(" + ", ".join(f"{name} at epochs {shown}" for name, shown in epochs.items()) + ")"
