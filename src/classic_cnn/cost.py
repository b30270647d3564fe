"""How long a chapter's training takes on a free Colab T4: an estimate from multiply-adds and memory traffic.

The chapters state their full-profile (and, where there is one, paper-profile) time with :func:`t4_minutes`.
It is a model, not a measurement (``benchmarks/gpu_check.py`` measures on a GPU); trust it to about 2×.
A training step takes the longest of

- compute: 3× the forward multiply-adds (the forward pass, and the backward's two products) at 4 T/s, an
  eighth of the T4's float16 tensor-core peak (65 TFLOPS = 32.5 T multiply-adds/s: a T4 throttles its clock
  under load, and small 32×32 convolutions use its tensor cores poorly);
- memory: every activation (float16, 2 bytes) written and read about 8 times per step at 250 GB/s (of 320);
- launches: 1 ms plus ~40 µs of kernels and Python per module (forward, backward, optimizer);

and every epoch ends with a pass over the 10,000 test images in batches of 1,000, each a third of a training
step. The workloads are read from the chapters' own settings (``classic_cnn.experiments``, the recipes), and
the networks are built on PyTorch's meta device, so an estimate takes well under a second and allocates nothing.

>>> t4_minutes(7, "paper") > t4_minutes(7, "full")  # He et al.'s 164 epochs against the Colab-sized few
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import nn

from classic_cnn.profile import PROFILES, Profile, pick
from classic_cnn.summary import summary
from classic_cnn.train import Recipe, recipe

T4_MACS_PER_SECOND = 4e12
T4_BYTES_PER_SECOND = 250e9
ACTIVATION_BYTES_PER_STEP = 2 * 8  # float16, written and read about 8 times
SECONDS_PER_STEP, SECONDS_PER_MODULE = 1e-3, 40e-6
TRAIN_IMAGES = {"mnist": 60_000, "cifar10": 50_000}  # the real training sets the GPU profiles read
TEST_IMAGES, EVAL_BATCH = 10_000, 1000  # the test sets, and Recipe.eval_batch_size


@dataclass(frozen=True)
class Workload:
    """One kind of training run of a chapter: the network, its recipe, how long and how often."""

    chapter: int
    label: str
    build: Callable[[], nn.Module]
    shape: tuple[int, int, int]  # one input image, channels × height × width
    recipe: Recipe
    steps: int  # optimizer steps of one run
    runs: int  # runs of this kind (seeds, variants)
    evaluations: int  # test-set passes per run (one per epoch)


@dataclass(frozen=True)
class Cost:
    """What one image costs a network's forward pass."""

    macs: int
    activations: int  # numbers written by the forward pass
    modules: int

    @classmethod
    def of(cls, workload: Workload) -> Cost:
        """Measured with :func:`classic_cnn.summary` on the meta device (no memory, no arithmetic)."""
        with torch.device("meta"):
            model = workload.build()
        table = summary(model, workload.shape)
        return cls(table.macs, table.activations, len(table.rows))


def step_seconds(cost: Cost, batch: int) -> float:
    """Modelled T4 seconds of one training step on ``batch`` images: the longest of compute, memory, launches."""
    compute = 3 * batch * cost.macs / T4_MACS_PER_SECOND
    memory = batch * cost.activations * ACTIVATION_BYTES_PER_STEP / T4_BYTES_PER_SECOND
    return max(compute, memory, SECONDS_PER_STEP + cost.modules * SECONDS_PER_MODULE)


def minutes(workload: Workload, cost: Cost) -> float:
    """Modelled T4 minutes of all the workload's runs: its training steps, and a test-set pass per epoch."""
    evaluate = workload.evaluations * TEST_IMAGES / EVAL_BATCH * step_seconds(cost, EVAL_BATCH) / 3
    return workload.runs * (workload.steps * step_seconds(cost, workload.recipe.batch_size) + evaluate) / 60


def _batches(data: str, batch_size: int) -> int:
    """Optimizer steps in one epoch over ``data``'s training set."""
    if data not in TRAIN_IMAGES:
        raise ValueError(f"no T4 estimate for data {data!r}: the GPU profiles read one of {sorted(TRAIN_IMAGES)}")
    return math.ceil(TRAIN_IMAGES[data] / batch_size)


def _epochs(chapter: int, label: str, build, shape, training: Recipe, data: str, runs: int) -> Workload:
    """A workload of whole epochs over ``data``'s training set."""
    steps = training.epochs * _batches(data, training.batch_size)
    return Workload(chapter, label, build, shape, training, steps, runs, training.epochs)


def _steps(chapter: int, label: str, build, shape, training: Recipe, data: str, steps: int, runs: int) -> Workload:
    """A workload of ``steps`` optimizer steps (``Trainer.fit(max_steps=...)``: the test set after every epoch)."""
    evaluations = math.ceil(steps / _batches(data, training.batch_size))
    return Workload(chapter, label, build, shape, training, steps, runs, evaluations)


def _rate(lr: float | Mapping[str, float], activation: str) -> float:
    """One rate for both activations, or each its own (``{"relu": ..., "tanh": ...}``)."""
    return lr[activation] if isinstance(lr, Mapping) else lr


def _lenet(profile: Profile) -> list[Workload]:
    from classic_cnn.models import lenet5

    training = recipe("lenet5", profile)
    return [
        _epochs(2, f"LeNet-5 {v}", lambda v=v: lenet5(variant=v), (1, 32, 32), training, training.data, 1)
        for v in ("paper", "modern")
    ]


def _alexnet(profile: Profile) -> list[Workload]:
    from classic_cnn.experiments import alexnet

    relu = pick(alexnet.RELU_VS_TANH, profile)
    shape = (3, relu.size, relu.size)
    return [  # at most max_steps: a run stops when it reaches its target error
        _steps(
            3,
            f"small AlexNet {activation}",
            lambda a=activation: alexnet.four_layer_cnn(a, input_size=shape, widths=relu.widths),
            shape,
            Recipe(batch_size=relu.batch_size, lr=_rate(relu.lr, activation), momentum=0.9),
            relu.data,
            relu.max_steps,
            len(relu.seeds),
        )
        for activation in ("relu", "tanh")
    ]


def _zfnet(profile: Profile) -> list[Workload]:
    from classic_cnn.experiments import alexnet, zfnet

    first = pick(zfnet.FIRST_LAYER, profile)
    shape = (3, first.size, first.size)
    return [
        _steps(
            4,
            name,
            lambda c=conv1: alexnet.SmallAlexNet(
                10, input_size=shape, widths=first.widths, hidden=first.hidden, first=c
            ),
            shape,
            Recipe(batch_size=first.batch_size, optimizer="adam", lr=first.lr),
            first.data,
            first.steps,
            len(first.seeds),
        )
        for name, conv1 in (("AlexNet conv1", first.alexnet_first), ("ZFNet conv1", first.zfnet_first))
    ]


def _vgg(profile: Profile) -> list[Workload]:
    from classic_cnn.experiments import vgg
    from classic_cnn.models import vgg as vgg_model

    depth = pick(vgg.DEPTH_SETTINGS, profile)
    return [
        _epochs(
            5,
            f"VGG-{depth.config}" + (" + BN" if batch_norm else ""),
            lambda b=batch_norm: vgg_model(
                depth.config, 10, batch_norm=b, width=depth.width, input_size=depth.input_size
            ),
            (3, depth.input_size, depth.input_size),
            depth.recipe(),
            depth.data,
            1,
        )
        for batch_norm in (False, True)
    ]


def _googlenet(profile: Profile) -> list[Workload]:
    from classic_cnn.experiments import googlenet
    from classic_cnn.models import small_googlenet

    aux = pick(googlenet.AUX_SETTINGS, profile)
    return [  # the chapter trains the network with its auxiliary classifiers, once per seed
        _epochs(
            6,
            "small GoogLeNet + aux",
            lambda: small_googlenet(num_classes=10, width=aux.width, aux_logits=True),
            (3, 32, 32),
            aux.recipe(),
            aux.data,
            len(aux.seeds),
        )
    ]


def _resnet(profile: Profile) -> list[Workload]:
    from classic_cnn.experiments import resnet
    from classic_cnn.models.resnet_cifar import CifarResNet

    setup = pick(resnet.DEGRADATION, profile)
    side = setup.image_size
    return [
        _epochs(
            7,
            f"{'ResNet' if residual else 'plain'}-{depth}",
            lambda d=depth, r=residual: CifarResNet(d, 10, shortcut=r, width=setup.width),
            (3, side, side),
            setup.recipe,
            setup.data,
            len(setup.seeds),
        )
        for depth in setup.depths
        for residual in (False, True)
    ]


def _after_resnet(profile: Profile) -> list[Workload]:
    from classic_cnn.experiments import after_resnet

    setup = pick(after_resnet.COMPARISON, profile)
    side = setup.image_size
    return [
        _epochs(
            8,
            f"sketch {name}",
            lambda n=name: after_resnet.sketch(n, side),
            (3, side, side),
            setup.recipe,
            setup.data,
            1,
        )
        for name in sorted({*after_resnet.SKETCHES, *after_resnet.SKETCH_SPECS})
    ]


CHAPTERS: dict[int, Callable[[Profile], list[Workload]]] = {
    2: _lenet,
    3: _alexnet,
    4: _zfnet,
    5: _vgg,
    6: _googlenet,
    7: _resnet,
    8: _after_resnet,
}  # the chapters that train (chapter 1 trains nothing)


def workloads(chapter: int | None = None, profile: Profile = "full") -> list[Workload]:
    """The training runs of one chapter (or of every chapter that trains) in a GPU profile."""
    if profile not in PROFILES or profile == "quick":
        raise ValueError(f"profile must be 'full' or 'paper' (the GPU profiles), got {profile!r}")
    if chapter is not None and chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of {sorted(CHAPTERS)} (the chapters that train), got {chapter!r}")
    return [w for number, found in CHAPTERS.items() if chapter in (None, number) for w in found(profile)]


def t4_minutes(chapter: int, profile: Profile = "full") -> float:
    """Estimated minutes of a chapter's training in ``profile`` on a Colab T4 (a model: see the module)."""
    return sum(minutes(workload, Cost.of(workload)) for workload in workloads(chapter, profile))
