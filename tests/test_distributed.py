"""DistributedDataParallel: 2 CPU processes (gloo) follow the same trajectory as 1 at the same global batch."""

import json
import os
import socket

import pytest
import torch
import torch.multiprocessing as mp
from torch import nn

from classic_cnn.data import Augment, Dataset
from classic_cnn.train import Recipe, Trainer

# No dropout and no batch norm: both would make each rank's computation differ from one big batch.
RECIPE = Recipe(epochs=2, batch_size=16, lr=0.1, momentum=0.9, weight_decay=1e-3)


def data() -> Dataset:
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(64) % 2
    images = torch.randn(64, 1, 6, 6, generator=generator) + labels.view(-1, 1, 1, 1).float()
    return Dataset(
        "tiny",
        images[:48],
        labels[:48],
        images[48:],
        labels[48:],
        ("a", "b"),
        "test data",
        augment=Augment(crop_padding=1, flip=True),
    )


def model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(48, 2))


def worker(rank: int, world_size: int, port: int, folder: str) -> None:
    # What torchrun sets up for each process; the Trainer joins the process group from it.
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world_size), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    trainer = Trainer(model(), data(), RECIPE, device="cpu", seed=5, progress=False)
    history = trainer.fit()
    weights = {name: tensor.tolist() for name, tensor in trainer.model.state_dict().items()}
    with open(os.path.join(folder, f"rank{rank}.json"), "w") as file:
        json.dump({"history": history.metrics(), "weights": weights}, file)
    torch.distributed.destroy_process_group()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_two_processes_match_one(tmp_path):
    single = Trainer(model(), data(), RECIPE, device="cpu", seed=5, progress=False)
    expected = single.fit().metrics()
    mp.spawn(worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    results = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert results[0] == results[1]  # the ranks agree exactly
    for key, values in expected.items():
        assert results[0]["history"][key] == pytest.approx(values, rel=1e-5, abs=1e-6), key
    for name, tensor in single.model.state_dict().items():
        assert torch.allclose(torch.tensor(results[0]["weights"][name]), tensor, atol=1e-5), name
