"""AlexNet's ingredients one at a time, at CPU scale (chapter 3).

:class:`SmallAlexNet` keeps AlexNet's layout (Krizhevsky et al. 2012, Fig. 2: five convolutions, local
response normalization after the first two, max pooling after conv1, conv2 and conv5, three fully
connected layers with dropout in the first two) for 32×32 colour images, with every ingredient a switch.
:func:`four_layer_cnn` is the small network of the ReLU-vs-tanh experiment (the paper's Fig. 1),
:func:`steps_to_error` times it (how many SGD steps until the training error falls below a target), and
:func:`mean_slopes` measures what saturation does to the gradient: the mean derivative of every non-linearity.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from classic_cnn.data import Augment, Dataset
from classic_cnn.models.alexnet import local_response_norm
from classic_cnn.models.init import Scheme, init_weights
from classic_cnn.train import Recipe, Step, Trainer, TrainingDiverged

Activation = Literal["relu", "tanh"]
ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh}
# Each non-linearity gets the start it needs: He et al. for ReLU, Glorot for tanh. (The paper drew every weight
# from N(0, 0.01²), with some biases 1, which works for its 227×227 inputs and long schedule; at our small scale
# a variance-preserving start lets both networks train at once.)
INITIALIZATION = {"relu": "he", "tanh": "xavier"}


def activation_layer(name: Activation) -> nn.Module:
    """``nn.ReLU()`` or ``nn.Tanh()`` by name."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]()


def max_pool(overlapping: bool) -> nn.MaxPool2d:
    """AlexNet's overlapping pooling (3×3 windows, stride 2) or the traditional tiling 2×2, stride 2.

    The overlapping pool pads by 1 so that both halve an even size exactly (32 → 16): the comparison then
    changes only how the windows overlap, not the size of the volumes that follow.
    """
    return nn.MaxPool2d(3, stride=2, padding=1) if overlapping else nn.MaxPool2d(2, stride=2)


class SmallAlexNet(nn.Module):
    """AlexNet's layout for small colour images, with each of the paper's ingredients a switch.

    ``widths``: filters of conv1..conv5 (AlexNet: 96, 256, 384, 384, 256); ``hidden``: units of fc6 and
    fc7 (AlexNet: 4096); ``first``: (kernel_size, stride, padding) of conv1 (AlexNet: 11, 4, 0 on 227×227).
    """

    def __init__(
        self,
        num_classes: int = 10,
        *,
        input_size: tuple[int, int, int] = (3, 32, 32),
        widths: Sequence[int] = (32, 64, 96, 96, 64),
        hidden: int = 256,
        first: tuple[int, int, int] = (5, 1, 2),
        activation: Activation = "relu",
        overlapping: bool = True,
        lrn: bool = True,
        dropout: float = 0.5,
    ):
        super().__init__()
        if len(widths) != 5:
            raise ValueError(f"widths must give the filters of the 5 convolutions, got {len(widths)}: {widths}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        channels = input_size[0]
        kernel_size, stride, padding = first
        norm = local_response_norm if lrn else nn.Identity
        w1, w2, w3, w4, w5 = widths
        self.input_size = tuple(input_size)
        self.features = nn.Sequential(
            OrderedDict(
                [
                    ("conv1", nn.Conv2d(channels, w1, kernel_size, stride, padding)),
                    ("act1", activation_layer(activation)),
                    ("norm1", norm()),
                    ("pool1", max_pool(overlapping)),
                    ("conv2", nn.Conv2d(w1, w2, 5, padding=2)),
                    ("act2", activation_layer(activation)),
                    ("norm2", norm()),
                    ("pool2", max_pool(overlapping)),
                    ("conv3", nn.Conv2d(w2, w3, 3, padding=1)),
                    ("act3", activation_layer(activation)),
                    ("conv4", nn.Conv2d(w3, w4, 3, padding=1)),
                    ("act4", activation_layer(activation)),
                    ("conv5", nn.Conv2d(w4, w5, 3, padding=1)),
                    ("act5", activation_layer(activation)),
                    ("pool5", max_pool(overlapping)),
                ]
            )
        )
        with torch.no_grad():
            flat = self.features(torch.zeros(1, *input_size)).numel()
        self.classifier = nn.Sequential(
            OrderedDict(
                [
                    ("fc6", nn.Linear(flat, hidden)),
                    ("act6", activation_layer(activation)),
                    ("drop6", nn.Dropout(dropout)),
                    ("fc7", nn.Linear(hidden, hidden)),
                    ("act7", activation_layer(activation)),
                    ("drop7", nn.Dropout(dropout)),
                    ("fc8", nn.Linear(hidden, num_classes)),
                ]
            )
        )

        init_weights(self, INITIALIZATION[activation], nonlinearity=activation)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


def four_layer_cnn(
    activation: Activation = "relu",
    num_classes: int = 10,
    input_size: tuple[int, int, int] = (3, 32, 32),
    widths: Sequence[int] = (32, 32, 64),
    init: Scheme | None = None,
) -> nn.Sequential:
    """Three 5×5 convolutions, each followed by 3×3/2 max pooling, and a linear classifier.

    A stand-in for the paper's "four-layer convolutional neural network" of Fig. 1, whose layers the paper
    does not list. No normalization, no dropout: "no regularization of any kind was employed". ``init``: one
    scheme for either activation (``"he"`` gives a ReLU and a tanh network built after the same seed the same
    weights); by default each activation gets its own (:data:`INITIALIZATION`).
    """
    channels, height, width = input_size
    layers: list[nn.Module] = []
    for width_in, width_out in zip((channels, *widths[:-1]), widths):
        layers += [nn.Conv2d(width_in, width_out, 5, padding=2), activation_layer(activation), max_pool(True)]
        height, width = (height + 1) // 2, (width + 1) // 2
    classifier = nn.Linear(widths[-1] * height * width, num_classes)
    model = nn.Sequential(*layers, nn.Flatten(), classifier)
    if init is None:
        return init_weights(model, INITIALIZATION[activation], nonlinearity=activation)
    return init_weights(model, init)


@torch.no_grad()
def mean_slopes(model: nn.Module, images: Tensor) -> list[float]:
    """The mean derivative of each ReLU or tanh in ``model`` on ``images``, input side first.

    The gradient that flows back through a unit is multiplied by this slope: 1 or 0 for a ReLU (on or off),
    1 − tanh² for tanh, which is near 0 for a saturated unit (|tanh| near 1).
    """
    slopes: list[float] = []

    def record(module: nn.Module, _: tuple, output: Tensor) -> None:
        slope = (output > 0).float() if isinstance(module, nn.ReLU) else 1 - output**2
        slopes.append(slope.mean().item())

    hooks = [m.register_forward_hook(record) for m in model.modules() if isinstance(m, (nn.ReLU, nn.Tanh))]
    if not hooks:
        raise ValueError("mean_slopes needs a model with nn.ReLU or nn.Tanh modules")
    try:
        model(images)
    finally:
        for hook in hooks:
            hook.remove()
    return slopes


@dataclass(frozen=True)
class StepsToError:
    """When a run first reached the target training error (``steps`` is None if it never did)."""

    steps: int | None
    target: float
    errors: tuple[float, ...]  # the smoothed training error after every step
    lr: float
    seconds: float


def steps_to_error(
    model: nn.Module,
    data: Dataset,
    target: float,
    *,
    lr: float,
    max_steps: int = 600,
    batch_size: int = 64,
    window: int = 20,
    momentum: float = 0.9,
    seed: int = 0,
) -> StepsToError:
    """Train with SGD (momentum, no weight decay, no augmentation) until the training error, averaged over the
    last ``window`` mini-batches, falls below ``target``; give up after ``max_steps`` steps or on a NaN loss."""
    if not 0 < target < 1:
        raise ValueError(f"target must be an error rate in (0, 1), got {target}")
    if window < 1 or max_steps < window:
        raise ValueError(f"need 1 <= window <= max_steps, got window={window}, max_steps={max_steps}")
    recent: deque[float] = deque(maxlen=window)
    errors: list[float] = []
    reached: list[int] = []

    def smoothed_error_reached(step: Step) -> bool:
        recent.append(step.error)
        errors.append(sum(recent) / len(recent))
        if step.step >= window and errors[-1] <= target:
            reached.append(step.step)
        return bool(reached)

    sgd = Recipe(batch_size=batch_size, optimizer="sgd", lr=lr, momentum=momentum, augment=Augment())
    started = time.perf_counter()
    try:
        Trainer(model, data, sgd, seed=seed).fit(max_steps=max_steps, stop=smoothed_error_reached)
    except TrainingDiverged:
        reached.clear()
    return StepsToError(reached[0] if reached else None, target, tuple(errors), lr, time.perf_counter() - started)


@dataclass(frozen=True)
class ReluVsTanh:
    """Settings of the ReLU-vs-tanh experiment (the paper's Fig. 1) for one profile: one initialization for both
    networks and each activation's own learning rate (``lr["relu"]``, ``lr["tanh"]``)."""

    data: str
    size: int
    widths: tuple[int, ...]
    lr: Mapping[str, float]
    init: Scheme
    target: float
    max_steps: int
    batch_size: int
    seeds: tuple[int, ...]
    source: str = ""


RELU_VS_TANH: dict[str, ReluVsTanh] = {
    # CPU: the embedded colour patterns at 16×16 and a narrow network, a few hundred steps per run.
    "quick": ReluVsTanh(
        "patterns",
        16,
        (16, 16, 32),
        lr={"relu": 0.003, "tanh": 0.01},
        init="he",
        target=0.25,
        max_steps=800,
        batch_size=64,
        seeds=(0, 1, 2),
        source="learning rates: the faster of 0.003 and 0.01 for each activation on seeds 0-2 (ReLU at 0.01 missed the "
        "target on seed 0)",
    ),
    # GPU: CIFAR-10 at 32×32, as in the paper's Fig. 1 (25% training error); learning rates not tuned.
    "full": ReluVsTanh(
        "cifar10",
        32,
        (32, 32, 64),
        lr={"relu": 0.01, "tanh": 0.01},
        init="he",
        target=0.25,
        max_steps=20_000,
        batch_size=128,
        seeds=(0, 1, 2),
        source="one learning rate for both, not tuned for CIFAR-10",
    ),
}
