"""Every chapter's full-profile training, briefly, on one GPU: does it run, learn, and agree with and without AMP,
and how long would the whole full profile take?

    python benchmarks/gpu_check.py               # on a GPU: 200 steps per network, AMP on and off (minutes)
    python benchmarks/gpu_check.py --smoke       # on the CPU: 2 steps per network, small batches (tests the script)
    python benchmarks/gpu_check.py --estimate    # no training: the full profile's minutes on a T4, modelled

The networks, batch sizes and numbers of steps are the chapters' full-profile workloads (``classic_cnn.cost``,
which also holds the T4 model behind --estimate); the images are generated at the real data's
shape (the device needs no download). Checked per network: the training loss falls, and the first epoch's loss
with AMP is within 5 % of float32's (same weights, same batches). Printed: images/s with and without AMP, and
the projected minutes of each chapter's full-profile training on this GPU.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass

import torch

from classic_cnn.cost import (
    T4_BYTES_PER_SECOND,
    T4_MACS_PER_SECOND,
    TEST_IMAGES,
    Cost,
    Workload,
    step_seconds,
    workloads,
)
from classic_cnn.cost import minutes as cost_minutes
from classic_cnn.data import Dataset, load, make_patterns
from classic_cnn.train import Trainer


def estimate() -> dict[int, float]:
    """Print and return the modelled T4 minutes of each chapter's full profile (:mod:`classic_cnn.cost`)."""
    print("T4 estimate (a model, see classic_cnn.cost): a step takes the longest of compute at")
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
        minutes = cost_minutes(workload, cost)
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
