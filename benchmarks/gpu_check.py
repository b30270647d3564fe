"""Every chapter's full-profile training, briefly, on one GPU: does it run, learn, and agree with and without AMP,
and how long would the whole full profile take?

    python benchmarks/gpu_check.py               # on a GPU: 200 steps per network, AMP on and off (minutes)
    python benchmarks/gpu_check.py --smoke       # on the CPU: 2 steps per network, small batches (tests the script)
    python benchmarks/gpu_check.py --estimate    # no training: the full profile's minutes on a T4, modelled

The networks, batch sizes and numbers of steps are read from the chapters' full-profile settings
(``classic_cnn.experiments``, ``classic_cnn.train.FULL_RECIPES``); the images are generated at the real data's
shape (the device needs no download). Checked per network: the training loss falls, and the first epoch's loss
with AMP is within 5 % of float32's (same weights, same batches). Printed: images/s with and without AMP, and
the projected minutes of each chapter's full-profile training on this GPU.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import nn

from classic_cnn import summary
from classic_cnn.data import Dataset, load, make_patterns
from classic_cnn.profile import pick
from classic_cnn.train import Recipe, Trainer, recipe

TRAIN_IMAGES = {"mnist": 60_000, "cifar10": 50_000}  # the real training sets the full profile reads
TEST_IMAGES = 10_000

# The T4 model behind --estimate (assumptions, not measurements; trust it to about 2×). A step takes the longest of:
# - compute: 3× the forward multiply-adds (forward, and the backward's two products) at 4 T/s, an eighth of the
#   T4's float16 tensor-core peak (65 TFLOPS = 32.5 T multiply-adds/s; a T4 throttles its clock under load and
#   small 32×32 convolutions use its tensor cores poorly);
# - memory: every activation (float16, 2 bytes) written and read about 8 times per step at 250 GB/s (of 320);
# - launches: ~40 µs of kernels and Python per module per step (forward, backward, optimizer) plus 1 ms.
T4_MACS_PER_SECOND = 4e12
T4_BYTES_PER_SECOND = 250e9
ACTIVATION_BYTES_PER_STEP = 2 * 8
SECONDS_PER_MODULE, SECONDS_PER_STEP = 40e-6, 1e-3
EVAL_BATCH = 1000  # Recipe.eval_batch_size


@dataclass(frozen=True)
class Workload:
    """One kind of training run a chapter's full profile does: the network, its recipe, how long and how often."""

    chapter: int
    label: str
    build: Callable[[], nn.Module]
    shape: tuple[int, int, int]
    recipe: Recipe
    steps: int  # optimizer steps of one run
    runs: int  # runs of this kind (seeds, variants)
    evaluations: int  # test-set passes per run (one per epoch)


def _epochs(chapter: int, label: str, build, shape, training: Recipe, data: str, runs: int) -> Workload:
    steps = training.epochs * math.ceil(TRAIN_IMAGES[data] / training.batch_size)
    return Workload(chapter, label, build, shape, training, steps, runs, training.epochs)


def _rate(lr: float | Mapping[str, float], activation: str) -> float:
    """One rate for both activations, or each its own (``{"relu": ..., "tanh": ...}``)."""
    return lr[activation] if isinstance(lr, Mapping) else lr


def workloads() -> list[Workload]:
    """Every chapter's full-profile training, from the chapters' own settings."""
    from classic_cnn.experiments import after_resnet, alexnet, googlenet, resnet, vgg, zfnet
    from classic_cnn.models import lenet5, small_googlenet
    from classic_cnn.models import vgg as vgg_model

    found: list[Workload] = []
    lenet = recipe("lenet5", "full")
    for variant in ("paper", "modern"):
        found.append(
            _epochs(2, f"LeNet-5 {variant}", lambda v=variant: lenet5(variant=v), (1, 32, 32), lenet, "mnist", 1)
        )

    relu = pick(alexnet.RELU_VS_TANH, "full")
    shape = (3, relu.size, relu.size)
    for activation in ("relu", "tanh"):  # at most max_steps: a run stops when it reaches its target error
        found.append(
            Workload(
                3,
                f"small AlexNet {activation}",
                lambda a=activation: alexnet.four_layer_cnn(a, input_size=shape, widths=relu.widths),
                shape,
                Recipe(batch_size=relu.batch_size, lr=_rate(relu.lr, activation), momentum=0.9),
                relu.max_steps,
                len(relu.seeds),
                1,
            )
        )

    first = pick(zfnet.FIRST_LAYER, "full")
    shape4 = (3, first.size, first.size)
    for name, conv1 in (("AlexNet conv1", first.alexnet_first), ("ZFNet conv1", first.zfnet_first)):
        found.append(
            Workload(
                4,
                name,
                lambda c=conv1: alexnet.SmallAlexNet(
                    10, input_size=shape4, widths=first.widths, hidden=first.hidden, first=c
                ),
                shape4,
                Recipe(batch_size=first.batch_size, optimizer="adam", lr=first.lr),
                first.steps,
                1,
                1,
            )
        )

    depth = pick(vgg.DEPTH_SETTINGS, "full")
    for batch_norm in (False, True):
        found.append(
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
        )

    aux = pick(googlenet.AUX_SETTINGS, "full")
    for aux_logits in (False, True):
        found.append(
            _epochs(
                6,
                "small GoogLeNet" + (" + aux" if aux_logits else ""),
                lambda a=aux_logits: small_googlenet(num_classes=10, width=aux.width, aux_logits=a),
                (3, 32, 32),
                aux.recipe(),
                aux.data,
                len(aux.seeds),
            )
        )

    degradation = pick(resnet.DEGRADATION, "full")
    side = degradation.image_size
    stand_in = _generated((3, side, side), 16)
    for depth_ in degradation.depths:
        for residual in (False, True):
            found.append(
                _epochs(
                    7,
                    f"{'ResNet' if residual else 'plain'}-{depth_}",
                    lambda d=depth_, r=residual: resnet.cifar_network(d, r, stand_in, width=degradation.width),
                    (3, side, side),
                    degradation.recipe,
                    degradation.data,
                    1,
                )
            )

    comparison = pick(after_resnet.COMPARISON, "full")
    side = comparison.image_size
    for name in sorted({*after_resnet.SKETCHES, *after_resnet.SKETCH_SPECS}):
        found.append(
            _epochs(
                8,
                f"sketch {name}",
                lambda n=name: after_resnet.sketch(n, side),
                (3, side, side),
                comparison.recipe,
                comparison.data,
                1,
            )
        )
    return found


@dataclass(frozen=True)
class Cost:
    """What one image costs a network's forward pass (from :func:`classic_cnn.summary` on the meta device)."""

    macs: int
    activations: int
    modules: int

    @classmethod
    def of(cls, workload: Workload) -> Cost:
        with torch.device("meta"):
            model = workload.build()
        table = summary(model, workload.shape)
        return cls(table.macs, table.activations, len(table.rows))


def step_seconds(cost: Cost, batch: int) -> float:
    """Modelled T4 seconds of one training step (see the constants above)."""
    compute = 3 * batch * cost.macs / T4_MACS_PER_SECOND
    memory = batch * cost.activations * ACTIVATION_BYTES_PER_STEP / T4_BYTES_PER_SECOND
    return max(compute, memory, SECONDS_PER_STEP + cost.modules * SECONDS_PER_MODULE)


def estimate_minutes(workload: Workload, cost: Cost) -> float:
    """Modelled T4 minutes of all the workload's runs: training steps, and a test-set pass per epoch."""
    batches = workload.evaluations * TEST_IMAGES / EVAL_BATCH
    evaluate = batches * step_seconds(cost, EVAL_BATCH) / 3  # a forward pass: about a third of a training step
    return workload.runs * (workload.steps * step_seconds(cost, workload.recipe.batch_size) + evaluate) / 60


def estimate() -> dict[int, float]:
    """Print and return the modelled T4 minutes of each chapter's full profile."""
    print("T4 estimate (a model, see gpu_check.py's constants): a step takes the longest of compute at")
    print(
        f"{T4_MACS_PER_SECOND / 1e12:g} T multiply-adds/s (3× the forward's), activation traffic at "
        f"{T4_BYTES_PER_SECOND / 1e9:g} GB/s, and kernel launches; the test set once per epoch.\n"
    )
    print(
        f"{'ch':>2}  {'network':<26}{'MMACs':>8}{'modules':>8}{'steps':>8}{'batch':>6}{'runs':>5}{'ms/step':>8}{'min':>7}"
    )
    chapters: dict[int, float] = {}
    for workload in workloads():
        cost = Cost.of(workload)
        minutes = estimate_minutes(workload, cost)
        chapters[workload.chapter] = chapters.get(workload.chapter, 0.0) + minutes
        print(
            f"{workload.chapter:>2}  {workload.label:<26}{cost.macs / 1e6:>8.1f}{cost.modules:>8}{workload.steps:>8,}"
            f"{workload.recipe.batch_size:>6}{workload.runs:>5}"
            f"{1e3 * step_seconds(cost, workload.recipe.batch_size):>8.1f}{minutes:>7.1f}"
        )
    print("\nchapter  T4 minutes (estimate)")
    for chapter, minutes in chapters.items():
        print(f"{chapter:>7}  {minutes:>8.1f}")
    return chapters


# --- measured on this machine ---------------------------------------------------------------------


def _generated(shape: tuple[int, int, int], count: int) -> Dataset:
    """Images of the real data's shape: generated colour patterns, or scikit-learn's digits for grey ones."""
    channels, side, _ = shape
    if channels == 1:
        return load("digits", size=side)
    return make_patterns(train_size=max(count, 10), test_size=max(count // 4, 10), size=side)


@dataclass(frozen=True)
class Measured:
    images_per_second: float
    first_loss: float
    last_loss: float


def measure(workload: Workload, *, amp: bool, steps: int, batch_size: int, device: str | None) -> Measured:
    """Train a fresh copy for ``steps`` steps on generated data; time every epoch after the first (warm-up)."""
    per_epoch = max(steps // 8, 1)  # 8 epochs: the first warms up (cuDNN's search), 7 are timed
    data = _generated(workload.shape, per_epoch * batch_size)
    torch.manual_seed(0)
    model = workload.build()
    training = workload.recipe.replace(batch_size=batch_size, epochs=10_000, schedule="constant")
    trainer = Trainer(model, data, training, device=device, amp=amp, seed=0, progress=False)
    history = trainer.fit(max_steps=steps)
    seconds = sum(history.seconds[1:]) or history.seconds[0]
    images = (len(history) - 1 or 1) * len(data.train_labels)
    return Measured(images / seconds, history.train_loss[0], history.train_loss[-1])


def check(steps: int, batch_limit: int | None, device: str | None) -> bool:
    """Measure every workload with AMP on and off; print images/s, the checks and the projected minutes."""
    print(f"device: {torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'}, {steps} steps each\n")
    print(f"{'ch':>2}  {'network':<26}{'img/s AMP':>11}{'img/s fp32':>11}{'loss falls':>11}{'AMP≈fp32':>9}{'min':>7}")
    chapters: dict[int, float] = {}
    passed = True
    for workload in workloads():
        batch = min(workload.recipe.batch_size, batch_limit or workload.recipe.batch_size)
        amp, fp32 = (measure(workload, amp=on, steps=steps, batch_size=batch, device=device) for on in (True, False))
        falls = amp.last_loss < amp.first_loss and fp32.last_loss < fp32.first_loss
        agree = math.isclose(amp.first_loss, fp32.first_loss, rel_tol=0.05)
        passed &= falls and agree
        train_images = workload.steps * workload.recipe.batch_size + workload.evaluations * TEST_IMAGES / 3
        minutes = workload.runs * train_images / amp.images_per_second / 60
        chapters[workload.chapter] = chapters.get(workload.chapter, 0.0) + minutes
        print(
            f"{workload.chapter:>2}  {workload.label:<26}{amp.images_per_second:>11,.0f}{fp32.images_per_second:>11,.0f}"
            f"{'yes' if falls else 'NO':>11}{'yes' if agree else 'NO':>9}{minutes:>7.1f}",
            flush=True,
        )
    print("\nchapter  projected full-profile minutes on this device (AMP)")
    for chapter, minutes in chapters.items():
        print(f"{chapter:>7}  {minutes:>8.1f}")
    print("\nall checks passed" if passed else "\nSOME CHECKS FAILED")
    return passed


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="CPU, 2 steps, batches of at most 8: tests the script")
    parser.add_argument("--estimate", action="store_true", help="print the modelled T4 minutes; no training")
    parser.add_argument("--steps", type=int, default=200, help="optimizer steps per network and setting")
    options = parser.parse_args(arguments)
    if options.estimate:
        estimate()
        return 0
    started = time.perf_counter()
    if options.smoke:
        torch.set_num_threads(1)
    passed = check(
        steps=2 if options.smoke else options.steps,
        batch_limit=8 if options.smoke else None,
        device="cpu" if options.smoke else None,
    )
    print(f"{time.perf_counter() - started:.0f} s")
    return 0 if passed or options.smoke else 1  # two steps prove that the code runs, not that a loss falls


if __name__ == "__main__":
    sys.exit(main())
