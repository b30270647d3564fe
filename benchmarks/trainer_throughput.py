"""Trainer throughput against a bare hand-written PyTorch loop: same model, data, batches and epochs.

    .venv/bin/python benchmarks/trainer_throughput.py [--epochs 5] [--rounds 3]

Both train LeNet-5 (modern) on digits with SGD and evaluate on the test split after every epoch; the
Trainer has no augmentation, progress bars or checkpoint (a second Trainer line adds the checkpoint).
Runs alternate and the best round of each counts, so load from other processes hurts both alike.
Target: Trainer / bare ≥ 0.97.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch
import torch.nn.functional as F

from classic_cnn.data import Augment, load
from classic_cnn.models import lenet5
from classic_cnn.train import Recipe, Trainer


def bare_loop(data, epochs: int, batch_size: int, lr: float) -> float:
    """The loop one writes by hand; returns seconds."""
    torch.manual_seed(0)
    model = lenet5("modern")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    images, labels = data.train_images, data.train_labels
    started = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(labels))
        total_loss, correct = 0.0, 0
        for first in range(0, len(labels), batch_size):
            index = order[first : first + batch_size]
            x, y = images[index], labels[index]
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
        model.eval()
        with torch.no_grad():
            logits = model(data.test_images)
            F.cross_entropy(logits, data.test_labels).item()
            (logits.argmax(1) == data.test_labels).float().mean().item()
    return time.perf_counter() - started


def trainer_run(data, epochs: int, batch_size: int, lr: float, checkpoint: bool) -> float:
    torch.manual_seed(0)
    recipe = Recipe(epochs=epochs, batch_size=batch_size, lr=lr, momentum=0.9, augment=Augment())
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/run.pt" if checkpoint else None
        trainer = Trainer(lenet5("modern"), data, recipe, device="cpu", checkpoint=path, progress=False)
        started = time.perf_counter()
        trainer.fit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    options = parser.parse_args()
    data = load("digits")
    settings = (data, options.epochs, options.batch_size, 0.01)
    bare_loop(*settings)  # warm up: first-call costs (allocator, oneDNN kernels) for both
    times: dict[str, list[float]] = {"bare": [], "trainer": [], "trainer+checkpoint": []}
    for _ in range(options.rounds):
        times["bare"].append(bare_loop(*settings))
        times["trainer"].append(trainer_run(*settings, checkpoint=False))
        times["trainer+checkpoint"].append(trainer_run(*settings, checkpoint=True))
    images = options.epochs * len(data.train_labels)
    best = {name: min(values) for name, values in times.items()}
    print(f"LeNet-5 (modern) on digits, {options.epochs} epochs × {len(data.train_labels)} images, batch "
          f"{options.batch_size}, {torch.get_num_threads()} threads, best of {options.rounds} rounds")  # fmt: skip
    for name, seconds in best.items():
        print(f"  {name:<20} {seconds:6.2f} s  {images / seconds:8.0f} images/s  ratio {best['bare'] / seconds:.3f}")


if __name__ == "__main__":
    main()
