"""fit_all: runs in worker processes end as if they had been fit here, and their errors arrive here."""

import pytest
import torch
from test_train import RECIPE, tiny_data, tiny_model
from torch import nn

from classic_cnn.train import Trainer, TrainingDiverged, fit_all, parallel


def trainers(seeds=(0, 1), dropout=0.25, **changes) -> list[Trainer]:
    return [
        Trainer(tiny_model(seed, dropout), tiny_data(), RECIPE, seed=seed, progress=False, **changes) for seed in seeds
    ]


def test_runs_in_processes_end_as_runs_here():
    # No dropout: it draws from torch's global generator, which runs in one process share with each other.
    here, there = trainers(seeds=(0, 1, 2), dropout=0), trainers(seeds=(0, 1, 2), dropout=0)
    there[2].fit(max_steps=len(there[2].loader))  # one epoch here, the rest in a worker: it continues from there
    expected = [trainer.fit() for trainer in here]
    histories = fit_all(there, processes=2)
    for trainer, twin, history, twin_history in zip(there, here, histories, expected):
        assert history is trainer.history and trainer.epoch == twin.epoch == RECIPE.epochs
        assert history.train_loss == pytest.approx(twin_history.train_loss, rel=1e-4)
        assert history.test_accuracy == pytest.approx(twin_history.test_accuracy, abs=1e-6)
        for name, value in twin.model.state_dict().items():  # the caller's model objects hold the weights
            torch.testing.assert_close(trainer.model.state_dict()[name], value, rtol=1e-4, atol=1e-5)
        assert trainer.fit() is trainer.history and len(trainer.history) == RECIPE.epochs  # done: nothing more


def test_an_error_in_a_worker_is_raised_here_and_stops_every_worker(monkeypatch):
    started = []

    class Recorded(parallel._Worker):
        def __init__(self, threads):
            super().__init__(threads)
            started.append(self)

    monkeypatch.setattr(parallel, "_Worker", Recorded)
    runs = trainers(lr=1e6)  # diverges at once
    with pytest.raises(TrainingDiverged, match="learning rate"):
        fit_all(runs, processes=2)
    assert len(started) == 2 and all(worker.process.poll() is not None for worker in started)


class Local(nn.Module):  # a class the workers could import (this module), unlike one from a notebook's __main__
    def __init__(self):
        super().__init__()
        self.net = tiny_model()

    def forward(self, x):
        return self.net(x)


def test_models_no_worker_can_rebuild_are_fit_here(monkeypatch):
    monkeypatch.setattr(Local, "__module__", "__main__")
    unpicklable = nn.Sequential(tiny_model())
    unpicklable.hook = lambda: None
    runs = [Trainer(model, tiny_data(), RECIPE, progress=False, epochs=1) for model in (Local(), unpicklable)]
    monkeypatch.setattr(parallel, "_Worker", None)  # no worker may be started
    assert [len(history) for history in fit_all(runs[:1] * 2, processes=2)] == [1, 1]
    assert [len(history) for history in fit_all(runs[1:] * 2, processes=2)] == [1, 1]
