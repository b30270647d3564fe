"""The Trainer: fit and evaluate a classifier on a :class:`~classic_cnn.data.Dataset`.

>>> trainer = Trainer(model, load("digits"), recipe("lenet5"), checkpoint="checkpoints/lenet5.pt")
>>> history = trainer.fit()          # resume=True continues an interrupted run
>>> trainer.fit(max_steps=600, stop=lambda step: step.accuracy == 1)   # a step budget and a stop condition

Nothing is lost and nothing is mixed: ``fit()`` refuses to replace another run's checkpoint (``resume=True``
continues it, ``overwrite=True`` replaces it), a checkpoint resumes only the run that wrote it (same
architecture, data, seed and recipe), and an epoch that does not finish is rolled back, so that training on
gives the history of an uninterrupted run.
"""

from __future__ import annotations

import copy
import math
import os
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.auto import tqdm

from ..data import Dataset, DeviceLoader, _share
from ..hooks import eval_mode
from ..models.googlenet import GoogLeNetOutputs, googlenet_loss
from ..profile import max_steps as step_budget
from ..profile import quiet
from . import checkpoint as checkpoints
from . import distributed, identity
from .recipes import Recipe

CHECK_EVERY = 50  # steps between checks for a NaN/inf loss (each check waits for the device)


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite."""


@dataclass(frozen=True)
class Step:
    """One optimizer step, as ``fit``'s ``stop`` and ``on_step`` see it: the step's number in the run (from 1),
    its epoch, and the loss, accuracy and learning rate on its mini-batch (this process's share of it)."""

    step: int
    epoch: int
    loss: float
    accuracy: float
    lr: float

    @property
    def error(self) -> float:
        return 1 - self.accuracy


@dataclass
class History:
    """One row per epoch: losses and accuracies (train and test), learning rate, seconds of training."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def append(self, **row: float) -> None:
        for column in fields(self):
            getattr(self, column.name).append(row[column.name])

    def as_dict(self) -> dict[str, list]:
        return {column.name: list(getattr(self, column.name)) for column in fields(self)}

    @classmethod
    def from_dict(cls, values: dict[str, list]) -> History:
        return cls(**{column.name: list(values[column.name]) for column in fields(cls)})

    def metrics(self) -> dict[str, list]:
        """Everything but the timings: what two runs with the same seed must share."""
        values = self.as_dict()
        del values["seconds"]
        return values

    def __len__(self) -> int:
        return len(self.epoch)

    def __str__(self) -> str:
        lines = ["epoch  train loss  train acc  test loss  test acc        lr   seconds"]
        for row in zip(*self.as_dict().values()):
            epoch, train_loss, train_accuracy, test_loss, test_accuracy, lr, seconds = row
            lines.append(
                f"{epoch:>5}  {train_loss:>10.4f}  {train_accuracy:>9.2%}  {test_loss:>9.4f}  {test_accuracy:>8.2%}"
                f"  {lr:>8.2g}  {seconds:>8.2f}"
            )
        return "\n".join(lines)


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The given device, else CUDA (this rank's GPU under torchrun), then Apple's MPS, then the CPU."""
    if device is not None:
        try:
            chosen = torch.device(device)
        except RuntimeError as error:
            raise ValueError(f"unknown device {device!r}: use cuda, mps or cpu") from error
        mps = getattr(torch.backends, "mps", None)
        if (chosen.type == "cuda" and not torch.cuda.is_available()) or (
            chosen.type == "mps" and not (mps and mps.is_available())
        ):
            raise ValueError(f"device {device!r} is not available on this machine; leave it out to use the best one")
        return chosen
    if torch.cuda.is_available():
        return distributed.local_device() or torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def autocast_dtype(device: torch.device) -> torch.dtype:
    """The mixed-precision type for ``device``: bfloat16 where the GPU computes it natively (compute capability
    8.0 and up), else float16 with a gradient scaler. A T4 (7.5) only emulates bfloat16, and cuDNN has no
    bfloat16 convolutions there, so ``is_bf16_supported()`` is asked without emulation."""
    if device.type == "cuda" and torch.cuda.is_bf16_supported(including_emulation=False):
        return torch.bfloat16
    return torch.float16


def prepare_model(model: nn.Module, device: torch.device, world_size: int) -> nn.Module:
    """``model`` as it trains on ``device``: on CUDA, cuDNN picks its fastest kernels (the book's inputs have one
    fixed size), and with several processes batch norm is synchronized (its statistics over the global batch)."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        if world_size > 1:
            return nn.SyncBatchNorm.convert_sync_batchnorm(model)
    return model


class Trainer:
    """Train ``model`` on ``data`` with a :class:`Recipe`; keyword arguments override recipe fields.

    ``checkpoint``: a file written (atomically) after every epoch; ``fit`` will not replace one that another
    run wrote (see :meth:`fit`). ``progress``: show tqdm bars (default:
    unless ``classic_cnn.profile.quiet()``). ``amp`` and ``channels_last`` default to on for CUDA only.
    A ``seed`` fixes the order, the augmentations and dropout: on the CPU two runs give identical
    histories. A model that returns ``(logits, aux1, aux2)`` in training mode (GoogLeNet) is trained on
    ``loss(logits) + aux_weight * (loss(aux1) + loss(aux2))`` (:func:`~classic_cnn.models.googlenet.googlenet_loss`).
    Mixed precision uses :func:`autocast_dtype`; under ``torchrun`` on GPUs batch norm is synchronized.
    The whole dataset moves to the device once (CIFAR-10 in float32 is 614 MB: a T4 has 16 GB), so batches,
    shuffling and augmentation never leave it.
    """

    def __init__(
        self,
        model: nn.Module,
        data: Dataset,
        recipe: Recipe | None = None,
        *,
        device: str | torch.device | None = None,
        seed: int = 0,
        checkpoint: str | os.PathLike | None = None,
        progress: bool | None = None,
        amp: bool | None = None,
        channels_last: bool | None = None,
        **changes,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if not isinstance(data, Dataset):
            raise TypeError(f"data must be a classic_cnn.data.Dataset, got {type(data).__name__}")
        self.recipe = (recipe or Recipe()).replace(**changes) if changes else (recipe or Recipe())
        self.data, self.seed = data, seed
        self.device = pick_device(device)
        self.rank, self.world_size = distributed.rank_and_world(self.device)
        if self.recipe.batch_size < self.world_size:
            raise ValueError(
                f"batch_size {self.recipe.batch_size} is smaller than the {self.world_size} processes: "
                "each needs at least one image per step"
            )
        cuda = self.device.type == "cuda"
        self.amp = cuda if amp is None else amp and cuda
        self.channels_last = cuda if channels_last is None else channels_last
        self.amp_dtype = autocast_dtype(self.device)
        self.scaler = torch.amp.GradScaler("cuda") if self.amp and self.amp_dtype == torch.float16 else None
        self.checkpoint = Path(checkpoint) if checkpoint is not None else None
        self.progress = (not quiet() if progress is None else progress) and self.rank == 0

        memory_format = torch.channels_last if self.channels_last else torch.preserve_format
        self.model = prepare_model(model, self.device, self.world_size).to(self.device, memory_format=memory_format)
        self.network = self.model
        if self.world_size > 1:
            ids = [self.device.index] if cuda else None
            self.network = nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        self.criterion = self.recipe.loss_function()
        self.optimizer = self.recipe.make_optimizer(self.model.parameters())
        self.schedule = self.recipe.make_schedule(self.optimizer)
        self.generator = torch.Generator().manual_seed(seed)
        self.train_images, self.train_labels = data.train_images.to(self.device), data.train_labels.to(self.device)
        self.test_images, self.test_labels = data.test_images.to(self.device), data.test_labels.to(self.device)
        self.loader = DeviceLoader(
            self.train_images,
            self.train_labels,
            self.recipe.batch_size,
            shuffle=True,
            augment=data.augment if self.recipe.augment is None else self.recipe.augment,
            fill=data.fill,
            generator=self.generator,
            rank=self.rank,
            world_size=self.world_size,
        )
        self.history = History()
        self.epoch = 0  # epochs completed
        self.step = 0  # optimizer steps taken
        self._unfinished: dict | None = None  # the state before an epoch that max_steps or stop cut short
        self._own_checkpoint: Path | None = None  # the checkpoint file this trainer wrote or resumed

    # --- training ---------------------------------------------------------------------------------

    def fit(
        self,
        *,
        resume: bool = False,
        overwrite: bool = False,
        max_steps: int | None = None,
        stop: Callable[[Step], bool] | None = None,
        on_step: Callable[[Step], None] | None = None,
    ) -> History:
        """Train until ``recipe.epochs`` epochs are done; with ``resume``, first load the checkpoint.

        A checkpoint file that this trainer did not write is never replaced silently: ``resume=True`` continues
        that run, ``overwrite=True`` starts afresh over it (else ``FileExistsError``; or give another path).

        ``max_steps``: train for this many optimizer steps in all instead (the last epoch may end part way).
        A step budget in the environment (``CLASSIC_CNN_MAX_STEPS``, a smoke run) caps either.
        ``stop``: end training after the first step for which it returns True. ``on_step`` is called after
        every step. An epoch cut short still gets its row in the history (test set evaluated), but no checkpoint;
        the model stays where it stopped, and the next ``fit`` starts again from the last completed epoch.
        An exception in an epoch (Ctrl-C, a diverged loss, an error in ``on_step``) rolls the trainer back to
        the last completed epoch at once: weights, optimizer, schedule, random state, step count and history.
        A NaN or infinite loss, in training or on the test set, raises :class:`TrainingDiverged` and is never
        checkpointed.
        """
        if max_steps is not None and max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        if resume and self.checkpoint is None:
            raise ValueError("resume=True needs a checkpoint path: Trainer(..., checkpoint='run.pt')")
        budget = step_budget()
        if budget is not None:
            max_steps = min(max_steps or self.recipe.epochs * len(self.loader), budget)
        if self._unfinished is not None:  # an earlier call stopped mid-epoch: continue as if it had not
            self._restore(self._unfinished)
        if resume and self.checkpoint.exists():
            self.load_checkpoint(self.checkpoint)
        elif self.checkpoint is not None and self.checkpoint.exists() and not overwrite:
            if self._own_checkpoint is None or self._own_checkpoint.resolve() != self.checkpoint.resolve():
                raise FileExistsError(
                    f"{self.checkpoint} holds the checkpoint of an earlier run; continue it with fit(resume=True), "
                    "keep it and train afresh with Trainer(..., checkpoint=<another path>), or replace it with "
                    "fit(overwrite=True)"
                )
        if self.epoch == 0:
            torch.manual_seed(self.seed)  # dropout and anything else drawing from the global generator
        epochs = self.recipe.epochs if max_steps is None else math.ceil(max_steps / len(self.loader))
        bar = tqdm(total=epochs, initial=self.epoch, desc="training", unit="epoch", disable=not self.progress)
        try:
            for epoch in range(self.epoch + 1, epochs + 1):
                lr = self.optimizer.param_groups[0]["lr"]
                started = time.perf_counter()
                batches = len(self.loader) if max_steps is None else min(len(self.loader), max_steps - self.step)
                if batches < 1:
                    break
                before = self._snapshot()
                try:
                    train_loss, train_accuracy, complete = self._train_epoch(epoch, batches, stop, on_step)
                    seconds = time.perf_counter() - started
                    test_loss, test_accuracy = self.evaluate("test")
                    if not math.isfinite(test_loss):
                        raise TrainingDiverged(
                            f"the test loss became {test_loss} after epoch {epoch}: training stopped, nothing saved. "
                            f"The learning rate {lr:g} is probably too high — try {lr / 10:g}"
                            + (
                                f"; the last good state is in {self.checkpoint}"
                                if self.checkpoint and self.epoch
                                else ""
                            )
                        )
                except BaseException:
                    self._restore(before)
                    raise
                self.history.append(
                    epoch=epoch,
                    train_loss=train_loss,
                    train_accuracy=train_accuracy,
                    test_loss=test_loss,
                    test_accuracy=test_accuracy,
                    lr=lr,
                    seconds=seconds,
                )
                bar.update()
                bar.set_postfix(loss=f"{train_loss:.3f}", train=f"{train_accuracy:.1%}", test=f"{test_accuracy:.1%}")
                if not complete:  # cut short: no schedule step, no checkpoint; the next fit starts from `before`
                    self._unfinished = before
                    break
                self._step_schedule(test_accuracy)
                self.epoch = epoch
                if self.checkpoint is not None:
                    self.save_checkpoint(self.checkpoint)
        finally:
            bar.close()
        return self.history

    def _train_epoch(
        self,
        epoch: int,
        batches: int | None = None,
        stop: Callable[[Step], bool] | None = None,
        on_step: Callable[[Step], None] | None = None,
    ) -> tuple[float, float, bool]:
        """Train on the epoch's first ``batches`` mini-batches (default: all) or until ``stop`` fires; returns the
        mean loss, the accuracy and whether the epoch ran to its end."""
        self.network.train()
        steps = len(self.loader)
        losses = torch.zeros(steps, device=self.device)
        sizes = torch.zeros(steps, device=self.device)
        correct = torch.zeros((), device=self.device, dtype=torch.int64)
        global_sizes = self.loader.batch_sizes()
        checked, stopped = 0, False
        bar = tqdm(total=steps, desc=f"epoch {epoch}", unit="batch", leave=False, disable=not self.progress)
        for index, (images, labels) in enumerate(self.loader):
            if self.channels_last:
                images = images.contiguous(memory_format=torch.channels_last)
            with self._autocast():
                output = self.network(images)
                logits, loss = self._loss(output, labels)
                # DDP averages the processes' gradients; weighting each by its share of the batch makes that
                # the gradient of the whole batch's mean loss, also when the shares differ in size.
                share = len(labels) * self.world_size / global_sizes[index]
                scaled = loss if share == 1 else loss * share
            self.optimizer.zero_grad(set_to_none=True)
            if self.scaler is not None:
                self.scaler.scale(scaled).backward()
                self.scaler.step(self.optimizer)
                self.scaler.update()
            else:
                scaled.backward()
                self.optimizer.step()
            self.step += 1
            losses[index] = loss.detach()
            sizes[index] = len(labels)
            hits = (logits.argmax(1) == labels).sum()
            correct += hits
            if stop is not None or on_step is not None:
                lr = self.optimizer.param_groups[0]["lr"]
                record = Step(self.step, epoch, loss.item(), hits.item() / len(labels), lr)
                if on_step is not None:
                    on_step(record)
                stopped = stop is not None and bool(stop(record))
            done = stopped or index + 1 == batches
            if index + 1 - checked >= CHECK_EVERY or index + 1 == steps or done:
                self._check_finite(losses[checked : index + 1], epoch, checked, steps)
                checked = index + 1
            bar.update()
            if done:
                break
        bar.close()
        loss_sum, correct_sum, count = distributed.total((losses * sizes).sum(), correct, sizes.sum())
        return (loss_sum / count).item(), (correct_sum / count).item(), index + 1 == steps and not stopped

    def _loss(self, output: Tensor | tuple, labels: Tensor) -> tuple[Tensor, Tensor]:
        """Main logits and the loss; auxiliary classifiers (GoogLeNet, also torchvision's) add ``aux_weight`` × theirs."""
        if isinstance(output, (tuple, list)):
            output = GoogLeNetOutputs(*output)
        logits = output.logits if isinstance(output, GoogLeNetOutputs) else output
        return logits, googlenet_loss(output, labels, self.recipe.aux_weight, criterion=self.criterion)

    def _check_finite(self, losses: Tensor, epoch: int, first_step: int, steps: int) -> None:
        finite = torch.isfinite(losses)
        (failures,) = distributed.total((~finite).sum())  # every process stops together: none waits for the others
        if failures.item() == 0:
            return
        if bool(finite.all()):
            raise TrainingDiverged(
                f"the loss became NaN or infinite in another process at epoch {epoch}, "
                f"steps {first_step + 1}-{first_step + len(losses)} of {steps}: training stopped"
            )
        step = first_step + int((~finite).nonzero()[0]) + 1
        lr = self.optimizer.param_groups[0]["lr"]
        value = losses[step - first_step - 1].item()
        raise TrainingDiverged(
            f"the loss became {value} at epoch {epoch}, step {step} of {steps}: training stopped. "
            f"The learning rate {lr:g} is probably too high — try {lr / 10:g}"
            + (f"; the last good state is in {self.checkpoint}" if self.checkpoint and self.epoch else "")
        )

    def _step_schedule(self, test_accuracy: float) -> None:
        if isinstance(self.schedule, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.schedule.step(test_accuracy)
        else:
            self.schedule.step()

    def _autocast(self):
        return torch.autocast("cuda", dtype=self.amp_dtype) if self.amp else nullcontext()

    # --- evaluation -------------------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self, split: str = "test") -> tuple[float, float]:
        """(mean cross-entropy loss, accuracy) on the ``"test"`` or ``"train"`` split, no augmentation."""
        if split not in ("test", "train"):
            raise ValueError(f"split must be 'test' or 'train', got {split!r}")
        images, labels = (
            (self.test_images, self.test_labels) if split == "test" else (self.train_images, self.train_labels)
        )
        start, end = _share(len(labels), self.rank, self.world_size)
        loss_sum = torch.zeros((), device=self.device, dtype=torch.float64)
        correct = torch.zeros((), device=self.device, dtype=torch.int64)
        with eval_mode(self.model):
            for first in range(start, end, self.recipe.eval_batch_size):
                last = min(first + self.recipe.eval_batch_size, end)
                logits = self._logits(images[first:last])
                loss_sum += F.cross_entropy(logits.float(), labels[first:last], reduction="sum")
                correct += (logits.argmax(1) == labels[first:last]).sum()
        loss_sum, correct, count = distributed.total(
            loss_sum, correct, torch.tensor(float(end - start), device=self.device)
        )
        return (loss_sum / count).item(), (correct / count).item()

    def _logits(self, images: Tensor) -> Tensor:
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        with self._autocast():
            output = self.model(images)
        return output[0] if isinstance(output, (tuple, list)) else output

    @torch.no_grad()
    def predict(self, images: Tensor) -> Tensor:
        """Predicted class of each image (normalized like the dataset), on the CPU."""
        with eval_mode(self.model):
            predictions = [
                self._logits(images[first : first + self.recipe.eval_batch_size].to(self.device)).argmax(1).cpu()
                for first in range(0, len(images), self.recipe.eval_batch_size)
            ]
        return torch.cat(predictions) if predictions else torch.zeros(0, dtype=torch.int64)

    # --- checkpoints ------------------------------------------------------------------------------

    def state(self) -> dict:
        """Everything needed to continue bit-identically: weights, optimizer, schedule, RNG, history, and what
        identifies the run (architecture, data, seed, recipe)."""
        return {
            "epoch": self.epoch,
            "step": self.step,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "schedule": self.schedule.state_dict(),
            "scaler": self.scaler.state_dict() if self.scaler is not None else {},
            "rng": {
                "torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                "data": self.generator.get_state(),
            },
            "history": self.history.as_dict(),
            "recipe": asdict(self.recipe),
            "seed": self.seed,
            "data": identity.data_signature(self.data),
            "architecture": identity.model_signature(self.model),
        }

    def _check_same_run(self, state: dict, path: str | os.PathLike) -> None:
        """Refuse a checkpoint of another run (architecture, data, seed or recipe), so a resume never mixes two
        experiments. Only the number of epochs may differ: resuming with more epochs trains a finished run further.
        """
        ours = identity.run_settings(
            self.seed, identity.model_signature(self.model), identity.data_signature(self.data), asdict(self.recipe)
        )
        theirs = identity.run_settings(
            state.get("seed"), state.get("architecture"), state.get("data"), state.get("recipe", {})
        )
        differ = identity.differences(ours, theirs)
        if differ:
            raise ValueError(
                f"{path} was written by a different run ({'; '.join(differ)}); resume it with the same settings, "
                "or give this run another checkpoint path"
            )

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write the state to ``path``; after a ``fit`` cut short mid-epoch, the state of the last completed epoch."""
        if self.rank == 0:
            checkpoints.save(self.state() if self._unfinished is None else {**self.state(), **self._unfinished}, path)
        distributed.barrier()
        self._own_checkpoint = Path(path)

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        state = checkpoints.load(path)
        self._check_same_run(state, path)
        if state["epoch"] > self.recipe.epochs:
            raise ValueError(f"{path} holds {state['epoch']} epochs, more than this recipe's {self.recipe.epochs}")
        self._restore(state)
        self._own_checkpoint = Path(path)

    def _restore(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.schedule.load_state_dict(state["schedule"])
        if self.scaler is not None and state["scaler"]:
            self.scaler.load_state_dict(state["scaler"])
        torch.set_rng_state(state["rng"]["torch"])
        if state["rng"]["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng"]["cuda"])
        self.generator.set_state(state["rng"]["data"])
        self.history = History.from_dict(state["history"])
        self.epoch = state["epoch"]
        self.step = state.get("step", self.epoch * len(self.loader))  # checkpoints from before steps were counted
        self._unfinished = None

    def _snapshot(self) -> dict:
        """A copy of the state, held on the CPU, that later training does not change: what a rollback restores."""
        return _copy_to_cpu({key: value for key, value in self.state().items() if key not in ("data", "architecture")})

    def __repr__(self) -> str:
        done = f"{self.epoch}/{self.recipe.epochs} epochs"
        where = f"{self.device}" + (f", {self.world_size} processes" if self.world_size > 1 else "")
        return f"Trainer({type(self.model).__name__} on {self.data!r}, {done}, {where})"


def _copy_to_cpu(value: object) -> object:
    """A deep copy with every tensor cloned to the CPU; containers keep their type (a scheduler's Counter)."""
    if isinstance(value, Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        copied = copy.copy(value)
        for key in copied:
            copied[key] = _copy_to_cpu(value[key])
        return copied
    if isinstance(value, list):
        return [_copy_to_cpu(item) for item in value]
    return copy.deepcopy(value)
