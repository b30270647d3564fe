"""DistributedDataParallel: 2 CPU processes (gloo) follow the same trajectory as 1 at the same global batch."""

import json
import math
import os
import re
import socket
import time

import pytest
import torch
import torch.multiprocessing as mp
from torch import nn

from classic_cnn.data import Augment, Dataset
from classic_cnn.train import Recipe, Trainer, TrainingDiverged

# No dropout and no batch norm: both would make each rank's computation differ from one big batch.
RECIPE = Recipe(epochs=2, batch_size=16, lr=0.1, momentum=0.9, weight_decay=1e-3)


def data(train_size: int = 48) -> Dataset:
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(train_size + 16) % 2
    images = torch.randn(train_size + 16, 1, 6, 6, generator=generator) + labels.view(-1, 1, 1, 1).float()
    return Dataset(
        "tiny",
        images[:train_size],
        labels[:train_size],
        images[train_size:],
        labels[train_size:],
        ("a", "b"),
        "test data",
        augment=Augment(crop_padding=1, flip=True),
    )


def model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(48, 2))


class ExplodesInRank1(nn.Module):
    """The tiny model, whose loss turns infinite at its third training step in rank 1 only."""

    def __init__(self):
        super().__init__()
        self.net, self.calls = model(), 0

    def forward(self, x):
        self.calls += self.training
        out = self.net(x)
        exploding = self.training and self.calls == 3 and os.environ.get("RANK") == "1"
        return out * math.inf if exploding else out


def worker(rank: int, world_size: int, port: int, folder: str, train_size: int = 48, explode: bool = False) -> None:
    # What torchrun sets up for each process; the Trainer joins the process group from it.
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world_size), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    network = ExplodesInRank1() if explode else model()
    trainer = Trainer(network, data(train_size), RECIPE, device="cpu", seed=5, progress=False)
    try:
        history = trainer.fit()
        weights = {name: tensor.tolist() for name, tensor in trainer.model.state_dict().items()}
        result = {"history": history.metrics(), "weights": weights}
    except TrainingDiverged as error:
        result = {"diverged": str(error)}
    with open(os.path.join(folder, f"rank{rank}.json"), "w") as file:
        json.dump(result, file)
    torch.distributed.destroy_process_group()


def run_two_processes(folder, train_size: int = 48, explode: bool = False, seconds: float = 120) -> list[dict]:
    """Both ranks' results; fails (instead of hanging) when a rank waits for the other for ``seconds``."""
    context = mp.spawn(worker, args=(2, free_port(), str(folder), train_size, explode), nprocs=2, join=False)
    deadline = time.monotonic() + seconds
    while not context.join(timeout=1):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            pytest.fail(f"the ranks did not finish within {seconds} s")
    return [json.loads((folder / f"rank{rank}.json").read_text()) for rank in (0, 1)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_two_processes_match_one(tmp_path):
    single = Trainer(model(), data(), RECIPE, device="cpu", seed=5, progress=False)
    expected = single.fit().metrics()
    results = run_two_processes(tmp_path)
    assert results[0] == results[1]  # the ranks agree exactly
    for key, values in expected.items():
        assert results[0]["history"][key] == pytest.approx(values, rel=1e-5, abs=1e-6), key
    for name, tensor in single.model.state_dict().items():
        assert torch.allclose(torch.tensor(results[0]["weights"][name]), tensor, atol=1e-5), name


@pytest.mark.slow
def test_a_last_batch_of_one_leaves_no_rank_empty(tmp_path):
    """49 images in batches of 16: the last image joins the third batch instead of leaving rank 1 nothing."""
    expected = Trainer(model(), data(49), RECIPE, device="cpu", seed=5, progress=False).fit().metrics()
    results = run_two_processes(tmp_path, train_size=49)
    assert "diverged" not in results[0] and "diverged" not in results[1]
    for key, values in expected.items():
        assert results[0]["history"][key] == pytest.approx(values, rel=1e-5, abs=1e-6), key


@pytest.mark.slow
def test_a_loss_that_explodes_in_one_rank_stops_both(tmp_path):
    results = run_two_processes(tmp_path, explode=True)
    assert "in another process at epoch 1, steps 1-3 of 3" in results[0]["diverged"]
    assert re.search(r"became (nan|inf) at epoch 1, step 3 of 3", results[1]["diverged"])
