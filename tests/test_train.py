"""The Trainer: reproducible, resumable bit for bit, stops on NaN, losses as the papers define them."""

import math
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from classic_cnn.data import NAMES, Augment, Dataset
from classic_cnn.models.googlenet import AUX_WEIGHT
from classic_cnn.train import PAPER_RECIPES, Recipe, Step, Trainer, TrainingDiverged, recipe
from classic_cnn.train import checkpoint as checkpoints


def tiny_data(count: int = 96, seed: int = 0) -> Dataset:
    """Two classes of 8×8 grey images: a bright square top-left or bottom-right, with noise."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(count) % 2
    images = 0.3 * torch.randn(count, 1, 8, 8, generator=generator)
    images[labels == 0, :, 1:4, 1:4] += 1
    images[labels == 1, :, 4:7, 4:7] += 1
    half = count * 3 // 4
    return Dataset(
        "tiny",
        images[:half],
        labels[:half],
        images[half:],
        labels[half:],
        ("a", "b"),
        "test data",
        augment=Augment(crop_padding=1, flip=True),
    )


def tiny_model(seed: int = 0, dropout: float = 0.25) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(dropout), nn.Linear(64, 2)
    )


RECIPE = Recipe(
    epochs=4, batch_size=16, lr=0.05, momentum=0.9, weight_decay=1e-3, schedule="step", step_size=2, gamma=0.5
)


def test_same_seed_same_history():
    first = Trainer(tiny_model(), tiny_data(), RECIPE, seed=3, progress=False).fit()
    second = Trainer(tiny_model(), tiny_data(), RECIPE, seed=3, progress=False).fit()
    other = Trainer(tiny_model(), tiny_data(), RECIPE, seed=4, progress=False).fit()
    assert first.metrics() == second.metrics()
    assert first.metrics() != other.metrics()
    assert first.lr == [0.05, 0.05, 0.025, 0.025]  # StepLR: halved after 2 epochs
    assert len(first) == 4 and all(seconds > 0 for seconds in first.seconds)


def test_resume_equals_uninterrupted(tmp_path, monkeypatch):
    whole = Trainer(tiny_model(), tiny_data(), RECIPE, seed=1, checkpoint=tmp_path / "whole.pt", progress=False)
    whole.fit()

    interrupted = Trainer(tiny_model(), tiny_data(), RECIPE, seed=1, checkpoint=tmp_path / "run.pt", progress=False)
    train_epoch = Trainer._train_epoch

    def crash_in_epoch_3(self, epoch, *args):
        if epoch == 3:
            raise KeyboardInterrupt  # the kernel dies half way through
        return train_epoch(self, epoch, *args)

    monkeypatch.setattr(Trainer, "_train_epoch", crash_in_epoch_3)
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit()
    monkeypatch.undo()
    assert checkpoints.load(tmp_path / "run.pt")["epoch"] == 2

    resumed = Trainer(tiny_model(seed=99), tiny_data(), RECIPE, seed=1, checkpoint=tmp_path / "run.pt", progress=False)
    resumed.fit(resume=True)
    assert resumed.history.metrics() == whole.history.metrics()
    for name, tensor in whole.model.state_dict().items():
        assert torch.equal(tensor, resumed.model.state_dict()[name]), name
    momentum = [state["momentum_buffer"] for state in resumed.optimizer.state_dict()["state"].values()]
    expected = [state["momentum_buffer"] for state in whole.optimizer.state_dict()["state"].values()]
    assert all(torch.equal(a, b) for a, b in zip(momentum, expected))


def test_resume_refuses_another_runs_checkpoint(tmp_path):
    path = tmp_path / "run.pt"
    Trainer(tiny_model(), tiny_data(), RECIPE.replace(epochs=2), seed=1, checkpoint=path, progress=False).fit()
    for changed, seed, data, named in (
        (RECIPE.replace(lr=0.01), 1, tiny_data(), "recipe.lr: 0.05 there, 0.01 here"),
        (RECIPE, 2, tiny_data(), "seed: 1 there, 2 here"),
        (RECIPE, 1, tiny_data(count=64), "data.train: 72 there, 48 here"),
    ):
        trainer = Trainer(tiny_model(), data, changed, seed=seed, checkpoint=path, progress=False)
        with pytest.raises(ValueError, match=f"was written by a different run .*{re.escape(named)}"):
            trainer.fit(resume=True)
    longer = Trainer(tiny_model(), tiny_data(), RECIPE, seed=1, checkpoint=path, progress=False)
    assert len(longer.fit(resume=True)) == RECIPE.epochs  # more epochs: the finished run trains further


def test_step_budget_stops_mid_epoch_on_the_same_trajectory(tmp_path):
    full, budgeted = [], []  # 72 training images in batches of 16: 5 steps per epoch
    Trainer(tiny_model(), tiny_data(), RECIPE, seed=2, progress=False).fit(on_step=full.append)
    trainer = Trainer(tiny_model(), tiny_data(), RECIPE, seed=2, checkpoint=tmp_path / "run.pt", progress=False)
    history = trainer.fit(max_steps=7, on_step=budgeted.append)
    assert budgeted == full[:7] and [step.epoch for step in budgeted] == [1] * 5 + [2] * 2
    assert trainer.step == 7 and trainer.epoch == 1 and history.epoch == [1, 2]  # epoch 2 cut short: a row...
    assert checkpoints.load(tmp_path / "run.pt")["epoch"] == 1  # ...but no checkpoint
    sizes = [16, 16, 16, 16, 8]
    epoch_loss = sum(step.loss * size for step, size in zip(full[:5], sizes)) / 72
    assert history.train_loss[0] == pytest.approx(epoch_loss, rel=1e-5)
    assert history.train_accuracy[0] == pytest.approx(sum(s.accuracy * n for s, n in zip(full, sizes)) / 72)


def test_a_step_budget_in_the_environment_caps_every_run(monkeypatch):
    monkeypatch.setenv("CLASSIC_CNN_MAX_STEPS", "3")  # a smoke run: 3 steps, whatever the recipe or the caller asks
    steps = []
    history = Trainer(tiny_model(), tiny_data(), RECIPE, progress=False).fit(on_step=steps.append)
    assert [step.step for step in steps] == [1, 2, 3] and history.epoch == [1]
    steps.clear()
    Trainer(tiny_model(), tiny_data(), RECIPE, progress=False).fit(max_steps=2, on_step=steps.append)
    assert len(steps) == 2  # a smaller budget of the caller's holds
    monkeypatch.setenv("CLASSIC_CNN_MAX_STEPS", "1000")
    assert len(Trainer(tiny_model(), tiny_data(), RECIPE, progress=False).fit()) == RECIPE.epochs  # never more


def test_stop_condition_ends_training_after_the_step_it_fires():
    seen = []
    trainer = Trainer(tiny_model(), tiny_data(), RECIPE, progress=False)
    history = trainer.fit(stop=lambda step: seen.append(step) or step.step == 3)
    assert [step.step for step in seen] == [1, 2, 3] and trainer.step == 3 and len(history) == 1
    assert seen[0] == Step(1, 1, seen[0].loss, seen[0].accuracy, RECIPE.lr) and seen[0].error == 1 - seen[0].accuracy
    with pytest.raises(ValueError, match="max_steps must be >= 1"):
        trainer.fit(max_steps=0)


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "run.pt"
    checkpoints.save({"epoch": 1, "weights": torch.ones(3)}, path)

    def power_cut(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", power_cut)
    with pytest.raises(OSError, match="disk full"):
        checkpoints.save({"epoch": 2, "weights": torch.zeros(3)}, path)
    assert checkpoints.load(path)["epoch"] == 1  # the old checkpoint is intact
    assert [p.name for p in tmp_path.iterdir()] == ["run.pt"]  # no temporary left behind


def test_checkpoint_reads_with_weights_only(tmp_path):
    trainer = Trainer(tiny_model(), tiny_data(), RECIPE.replace(epochs=1), checkpoint=tmp_path / "a.pt", progress=False)
    trainer.fit()
    state = torch.load(tmp_path / "a.pt", weights_only=True)
    assert state["epoch"] == 1 and set(state) >= {"model", "optimizer", "schedule", "rng", "history"}


class Explodes(nn.Module):
    """A linear model whose output turns infinite at a given forward call."""

    def __init__(self, at_call: int):
        super().__init__()
        self.linear, self.calls, self.at_call = nn.Linear(64, 2), 0, at_call

    def forward(self, x):
        if self.training:
            self.calls += 1
        out = self.linear(x.flatten(1))
        return out * math.inf if self.training and self.calls == self.at_call else out


def test_nan_loss_stops_with_epoch_step_and_hint():
    steps_per_epoch = math.ceil(72 / 16)  # 5
    model = Explodes(at_call=steps_per_epoch + 3)  # epoch 2, step 3
    trainer = Trainer(model, tiny_data(), RECIPE, progress=False)
    with pytest.raises(
        TrainingDiverged, match=r"loss became (nan|inf) at epoch 2, step 3 of 5.*learning rate 0.05.*0.005"
    ):
        trainer.fit()
    assert len(trainer.history) == 1


class WithAuxiliaries(nn.Module):
    """GoogLeNet's interface: (logits, aux1, aux2) while training, logits alone in eval mode."""

    def __init__(self):
        super().__init__()
        self.main, self.aux1, self.aux2 = nn.Linear(64, 2), nn.Linear(64, 2), nn.Linear(64, 2)

    def forward(self, x):
        x = x.flatten(1)
        return (self.main(x), self.aux1(x), self.aux2(x)) if self.training else self.main(x)


def test_auxiliary_losses_weighted_0_3():
    trainer = Trainer(WithAuxiliaries(), tiny_data(), RECIPE, progress=False)
    images, labels = tiny_data().train_images[:8], tiny_data().train_labels[:8]
    output = trainer.model(images)
    logits, loss = trainer._loss(output, labels)
    assert Recipe().aux_weight == AUX_WEIGHT == 0.3  # §5: "a discount weight (0.3)"
    expected = F.cross_entropy(output[0], labels) + 0.3 * (
        F.cross_entropy(output[1], labels) + F.cross_entropy(output[2], labels)
    )
    assert torch.equal(logits, output[0]) and torch.allclose(loss, expected)
    trainer.fit()  # and it trains end to end


def test_evaluate_matches_a_direct_computation():
    trainer = Trainer(tiny_model(), tiny_data(), RECIPE.replace(eval_batch_size=5), progress=False)
    trainer.fit()
    model = trainer.model.eval()
    data = tiny_data()
    with torch.no_grad():
        logits = model(data.test_images)
    loss, accuracy = trainer.evaluate()
    assert loss == pytest.approx(F.cross_entropy(logits, data.test_labels).item(), rel=1e-6)
    assert accuracy == (logits.argmax(1) == data.test_labels).float().mean().item()
    assert torch.equal(trainer.predict(data.test_images), logits.argmax(1))


def test_recipes():
    # He et al.: lr /10 at 32k and 48k iterations, stop at 64k; batch 128 on 50k images = 391 steps/epoch.
    steps = math.ceil(50_000 / 128)
    cifar = recipe("resnet20", "paper")
    assert cifar.milestones == (round(32_000 / steps), round(48_000 / steps)) and cifar.epochs == round(64_000 / steps)
    assert recipe("resnet50", "paper") is PAPER_RECIPES["resnet"]
    assert recipe("vgg16_bn", "paper").weight_decay == 5e-4 and recipe("googlenet", "paper").gamma == 0.96
    # The full profile trains on data a Colab session can download: never ImageNet, never the paper's batch of 1.
    for name in ("lenet5", "alexnet", "zfnet", "vgg16", "googlenet", "resnet18", "resnet20", "plain56"):
        assert recipe(name, "full").data in NAMES and recipe(name, "full").batch_size >= 64, name
    assert recipe("lenet5", "full").data == "mnist" and recipe("resnet56", "full").data == "cifar10"
    assert recipe("lenet5", "quick").data == "digits" and recipe("alexnet", "quick").data == "patterns"
    with pytest.raises(ValueError, match="no recipe for model 'mobilenet'"):
        recipe("mobilenet")
    with pytest.raises(ValueError, match="lr must be > 0, got 0"):
        Recipe(lr=0)
    with pytest.raises(ValueError, match="epochs must be an integer >= 1, got 0"):
        Recipe(epochs=0)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        Trainer("resnet", tiny_data())


def test_command_line(tmp_path):
    from classic_cnn.train.__main__ import main

    trainer = main(
        [
            "--model",
            "lenet5",
            "--variant",
            "modern",
            "--data",
            "digits",
            "--epochs",
            "1",
            "--quiet",
            "--checkpoint",
            str(tmp_path / "cli.pt"),
            "--history",
            str(tmp_path / "history.json"),
        ]
    )
    assert trainer.epoch == 1 and (tmp_path / "cli.pt").exists() and (tmp_path / "history.json").exists()
    with pytest.raises(ValueError, match="lenet6"):
        main(["--model", "lenet6", "--data", "digits", "--epochs", "1"])


def test_command_line_fits_mnist_to_lenet5(tmp_path, monkeypatch):
    """MNIST's 28×28 digits reach LeNet-5 padded to the 32×32 it is built for, with no --size."""
    import numpy as np
    from test_data import write_idx

    from classic_cnn.train.__main__ import main

    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, count in (("train", 20), ("t10k", 10)):
        write_idx(raw / f"{split}-images-idx3-ubyte", rng.integers(0, 256, (count, 28, 28)))
        write_idx(raw / f"{split}-labels-idx1-ubyte", np.arange(count) % 10)
    monkeypatch.setenv("CLASSIC_CNN_DATA", str(tmp_path))
    trainer = main(
        ["--model", "lenet5", "--data", "mnist", "--epochs", "1", "--quiet", "--checkpoint", str(tmp_path / "cli.pt")]
    )
    assert trainer.data.name == "mnist" and trainer.data.input_shape == (1, 32, 32)
