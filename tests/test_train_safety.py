"""Nothing lost, nothing silently wrong (issue 14): checkpoints of other runs, crashed writes, interrupted epochs,
a last batch of one, NaN test losses, and the command line's errors."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from test_train import RECIPE, tiny_data, tiny_model
from torch import nn

from classic_cnn.data import Dataset, DeviceLoader, make_patterns
from classic_cnn.models import plain20, resnet20
from classic_cnn.train import Trainer, TrainingDiverged
from classic_cnn.train import checkpoint as checkpoints
from classic_cnn.train.__main__ import main, run

# --- 1. a checkpoint of another run is never replaced silently ---------------------------------------------


@pytest.mark.slow
def test_fit_refuses_to_replace_an_earlier_runs_checkpoint(tmp_path):
    path = tmp_path / "run.pt"
    first = Trainer(tiny_model(), tiny_data(), RECIPE.replace(epochs=1), seed=1, checkpoint=path, progress=False)
    first.fit()
    written = path.read_bytes()
    again = Trainer(tiny_model(), tiny_data(), RECIPE.replace(epochs=1), seed=1, checkpoint=path, progress=False)
    with pytest.raises(FileExistsError, match=r"fit\(resume=True\).*another path.*fit\(overwrite=True\)"):
        again.fit()
    assert path.read_bytes() == written and again.step == 0  # nothing trained, nothing written
    first.recipe = first.recipe.replace(epochs=2)
    first.fit()  # the trainer that wrote it trains on into it
    assert checkpoints.load(path)["epoch"] == 2
    again.fit(overwrite=True)
    assert checkpoints.load(path)["epoch"] == 1


@pytest.mark.slow
def test_command_line_refuses_to_replace_a_checkpoint(tmp_path, capsys):
    arguments = ["--model", "lenet5", "--data", "digits", "--epochs", "1", "--quiet"]
    arguments += ["--checkpoint", str(tmp_path / "cli.pt")]
    (tmp_path / "cli.pt").write_bytes(b"a finished run")
    with pytest.raises(SystemExit) as exit:
        run(arguments)
    message = capsys.readouterr().err
    assert exit.value.code == 2 and message.count("\n") == 1
    assert "--resume" in message and "--checkpoint PATH" in message and "--overwrite" in message
    assert (tmp_path / "cli.pt").read_bytes() == b"a finished run"


# --- 3. a write killed half way leaves no temporary file for good --------------------------------------------


def finished_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_temporary_of_a_dead_writer_is_removed(tmp_path):
    path = tmp_path / "run.pt"
    checkpoints.save({"epoch": 1}, path)
    host = checkpoints._host()
    dead = tmp_path / f".run.pt.{host}-{finished_pid()}.abc123_x.tmp"
    alive = tmp_path / f".run.pt.{host}-{os.getpid()}.def456.tmp"  # a writer that is still running
    others = [
        tmp_path / f".other.pt.{host}-{finished_pid()}.abc123.tmp",  # another checkpoint's
        tmp_path / "run.pt.tmp",  # not our naming
        tmp_path / f".run.pt.elsewhere-{finished_pid()}.abc123.tmp",  # another machine's writer
    ]
    for file in [dead, alive, *others]:
        file.write_bytes(b"half a checkpoint")
    assert checkpoints.load(path)["epoch"] == 1
    assert not dead.exists() and alive.exists() and all(file.exists() for file in others)


@pytest.mark.slow
def test_kill_9_during_a_write_then_the_next_save_cleans_up(tmp_path):
    path = tmp_path / "run.pt"
    writer = """
import sys, time, torch
from classic_cnn.train import checkpoint
def slow_save(state, file):
    file.write(b"x" * 1000); file.flush(); time.sleep(60)
torch.save = slow_save
checkpoint.save({"epoch": 2}, sys.argv[1])
"""
    process = subprocess.Popen([sys.executable, "-c", writer, str(path)])
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".run.pt.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    (temporary,) = tmp_path.glob(".run.pt.*.tmp")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert temporary.exists()
    checkpoints.save({"epoch": 1}, path)
    assert sorted(file.name for file in tmp_path.iterdir()) == ["run.pt"]


# --- 4. resume only the run that wrote the checkpoint ------------------------------------------------------


def colour_data(seed: int = 0, shift: tuple[float, ...] = (0.0,)) -> Dataset:
    patterns = make_patterns(train_size=48, test_size=16, size=8, seed=seed)
    return Dataset(
        patterns.name,
        patterns.train_images,
        patterns.train_labels,
        patterns.test_images,
        patterns.test_labels,
        patterns.classes,
        patterns.description,
        shift=shift,
    )


@pytest.mark.parametrize(
    ("model", "data", "named"),
    [
        (lambda: plain20(12, width=0.25), colour_data(), "model: 'CifarResNet#"),  # same parameters, no shortcuts
        (lambda: resnet20(12, width=0.25), colour_data(shift=(0.5,)), "data.shift: [0.0, 0.0, 0.0] there"),
        (lambda: resnet20(12, width=0.25), colour_data(seed=1), "data.images: other images"),
    ],
)
def test_resume_refuses_another_architecture_normalization_or_generated_data(tmp_path, model, data, named):
    path = tmp_path / "run.pt"
    torch.manual_seed(0)
    Trainer(resnet20(12, width=0.25), colour_data(), RECIPE, checkpoint=path, progress=False).save_checkpoint(path)
    other = Trainer(model(), data, RECIPE, checkpoint=path, progress=False)
    with pytest.raises(ValueError, match=f"was written by a different run .*{re.escape(named)}"):
        other.fit(resume=True)


def test_same_run_is_recognized_across_fresh_weights_and_last_bit_differences(tmp_path):
    path = tmp_path / "run.pt"
    data = colour_data()
    Trainer(resnet20(12, width=0.25), data, RECIPE, checkpoint=path, progress=False).save_checkpoint(path)
    nudged = Dataset(**{**vars(data), "train_images": data.train_images * (1 + 1e-7)})  # another machine's rounding
    resumed = Trainer(resnet20(12, width=0.25), nudged, RECIPE.replace(epochs=1), checkpoint=path, progress=False)
    resumed.model.layer1[0].register_full_backward_hook(lambda *args: None)  # a chapter's probe: not the architecture
    resumed.load_checkpoint(path)
    assert resumed.epoch == 0


# --- 5. an interrupted epoch is rolled back -----------------------------------------------------------------

SHORT = RECIPE.replace(epochs=2, step_size=1)  # the learning rate halves after epoch 1: the schedule counts


@pytest.mark.slow
def test_ctrl_c_mid_epoch_rolls_back_and_fit_again_equals_an_uninterrupted_run():
    whole = Trainer(tiny_model(), tiny_data(), SHORT, seed=1, progress=False)
    whole.fit()

    def ctrl_c_at_step_7(step):  # 5 steps per epoch: in the middle of epoch 2
        if step.step == 7:
            raise KeyboardInterrupt

    interrupted = Trainer(tiny_model(), tiny_data(), SHORT, seed=1, progress=False)
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(on_step=ctrl_c_at_step_7)
    after_one = Trainer(tiny_model(), tiny_data(), RECIPE.replace(epochs=1), seed=1, progress=False)
    after_one.fit()
    assert interrupted.epoch == 1 and interrupted.step == 5 and len(interrupted.history) == 1
    for name, tensor in after_one.model.state_dict().items():
        assert torch.equal(tensor, interrupted.model.state_dict()[name]), name
    interrupted.fit()
    assert interrupted.history.metrics() == whole.history.metrics()
    for name, tensor in whole.model.state_dict().items():
        assert torch.equal(tensor, interrupted.model.state_dict()[name]), name


@pytest.mark.slow
def test_fit_after_a_step_budget_continues_as_an_uninterrupted_run(tmp_path):
    whole = Trainer(tiny_model(), tiny_data(), SHORT, seed=2, progress=False)
    whole.fit()
    trainer = Trainer(tiny_model(), tiny_data(), SHORT, seed=2, checkpoint=tmp_path / "run.pt", progress=False)
    trainer.fit(max_steps=7)
    assert trainer.step == 7 and trainer.history.epoch == [1, 2]  # the model stays where the budget ended
    trainer.save_checkpoint(tmp_path / "run.pt")
    saved = checkpoints.load(tmp_path / "run.pt")
    assert saved["epoch"] == 1 and saved["step"] == 5 and saved["history"]["epoch"] == [1]  # a consistent state
    trainer.fit()
    assert trainer.history.metrics() == whole.history.metrics()


# --- 7. a last batch of one, an empty process, a NaN test loss ---------------------------------------------


def test_last_batch_of_one_joins_the_batch_before():
    images, labels = torch.zeros(34, 1, 2, 2), torch.arange(34)
    loader = DeviceLoader(images[:33], labels[:33], 16)
    assert len(loader) == 2 and [len(batch) for _, batch in loader] == [16, 17]
    assert [len(batch) for _, batch in DeviceLoader(images, labels, 16)] == [16, 16, 2]
    assert [len(batch) for _, batch in DeviceLoader(images[:1], labels[:1], 16)] == [1]
    assert [len(batch) for _, batch in DeviceLoader(images[:3], labels[:3], 1)] == [1, 1, 1]  # asked for


def test_no_process_gets_an_empty_or_single_share():
    images, labels = torch.zeros(35, 1, 2, 2), torch.arange(35)
    shares = [[len(batch) for _, batch in DeviceLoader(images, labels, 16, rank=rank, world_size=2)] for rank in (0, 1)]
    assert shares == [[8, 10], [8, 9]]  # 35 = 16 + 19: the last 3 would leave a process 1 image
    seen = torch.cat(
        [batch for rank in (0, 1) for _, batch in DeviceLoader(images, labels, 16, rank=rank, world_size=2)]
    )
    assert sorted(seen.tolist()) == list(range(35))


def test_batch_norm_trains_when_the_data_leaves_one_image_over():
    data = tiny_data(count=100)  # 75 training images in batches of 37: 37, 38 (not 37, 37, 1)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(64, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2)
    )  # 1 value/channel
    history = Trainer(model, data, RECIPE.replace(epochs=1, batch_size=37), progress=False).fit()
    assert len(history) == 1


class NanWhenEvaluated(nn.Module):
    """Finite while training; its test-set outputs turn NaN from the second evaluation on."""

    def __init__(self):
        super().__init__()
        self.linear, self.evaluations = nn.Linear(64, 2), 0

    def forward(self, x):
        out = self.linear(x.flatten(1))
        return out if self.training else out * (float("nan") if self.evaluations >= 2 else 1.0)

    def train(self, mode: bool = True):
        self.evaluations += not mode
        return super().train(mode)


def test_nan_test_loss_stops_without_checkpointing(tmp_path):
    path = tmp_path / "run.pt"
    trainer = Trainer(NanWhenEvaluated(), tiny_data(), RECIPE, checkpoint=path, progress=False)
    with pytest.raises(TrainingDiverged, match=r"test loss became nan after epoch 2.*last good state is in"):
        trainer.fit()
    assert checkpoints.load(path)["epoch"] == 1 and trainer.epoch == 1 and len(trainer.history) == 1


# --- 9. the command line: one line per mistake, before any training ------------------------------------------


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--model", "lenet5", "--epochs", "0"], "epochs must be an integer >= 1"),
        (["--model", "resnet20", "--variant", "modern"], "'resnet20' has no variants"),
        (["--model", "lenet5", "--device", "tpu9"], "unknown device 'tpu9'"),
        (["--model", "lenet5", "--history", "no/such/folder/history.json"], "no folder no/such/folder"),
        (["--model", "lenet5", "--resume", "--overwrite"], "give one of them"),
    ],
)
def test_command_line_mistakes_are_one_line_with_exit_2(tmp_path, capsys, flags, named):
    with pytest.raises(SystemExit) as exit:
        run([*flags, "--data", "digits", "--quiet", "--checkpoint", str(tmp_path / "cli.pt")])
    message = capsys.readouterr().err
    assert exit.value.code == 2 and message.startswith("error: ") and message.count("\n") == 1
    assert named in message and not (tmp_path / "cli.pt").exists()


def test_history_folder_is_checked_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr(Trainer, "fit", lambda *args, **kwargs: pytest.fail("trained before checking --history"))
    with pytest.raises(FileNotFoundError, match="no folder"):
        main(["--model", "lenet5", "--data", "digits", "--history", str(tmp_path / "missing" / "h.json")])
