"""Independent training runs side by side on a multi-core CPU: :func:`fit_all`.

A chapter that trains several seeds or several networks on the CPU spends most of each step in small
operations that one or two threads cannot fill. Several runs in their own processes, each with its share of
the cores, finish sooner than the same runs one after another with all the cores each: on 2 cores chapter 7,
which trains twelve ResNets, executes in 126 s instead of 214 s.

>>> trainers = [Trainer(resnet20(), data, recipe, seed=seed) for seed in (0, 1, 2)]
>>> histories = fit_all(trainers)   # as [trainer.fit() for trainer in trainers], sooner
"""

from __future__ import annotations

import io
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import torch
from tqdm.auto import tqdm

from ..profile import quiet
from .trainer import History, Trainer


def fit_all(trainers: Sequence[Trainer], *, processes: int | None = None) -> list[History]:
    """Fit every trainer; returns their histories, in order.

    On the CPU the runs go to ``processes`` worker processes (default: one per thread torch may use here,
    ``torch.get_num_threads()``, at most one per run), which share those threads. Each worker continues its
    trainer exactly where it stands and sends the state back, so afterwards every trainer, and its model, is
    as if ``trainer.fit()`` had run here; results match a run here up to floating-point rounding. On a GPU,
    under ``torchrun``, with one thread, or for a model a worker cannot rebuild (its class defined in a notebook,
    or a lambda inside), the trainers are fit here, one after another. An error in any run is raised here, and stops
    the others.
    """
    trainers = list(trainers)
    budget = torch.get_num_threads()
    processes = min(len(trainers), budget if processes is None else processes)
    if processes < 2 or not all(jobs := [_pack(trainer) for trainer in trainers]):
        return [trainer.fit() for trainer in trainers]
    todo: queue.SimpleQueue = queue.SimpleQueue()
    done: queue.SimpleQueue = queue.SimpleQueue()
    for index, packed in enumerate(jobs):
        todo.put((index, packed))
    workers = [_Worker(threads=max(1, budget // processes)) for _ in range(processes)]
    try:
        for worker in workers:
            threading.Thread(target=worker.serve, args=(todo, done), daemon=True).start()
        with tqdm(total=len(trainers), desc="runs", unit="run", disable=quiet()) as bar:
            for _ in trainers:
                index, outcome = done.get()
                if isinstance(outcome, BaseException):
                    raise outcome
                state, unfinished = outcome
                trainer = trainers[index]
                trainer._restore(state)
                trainer._unfinished = unfinished  # a step budget cut the last epoch short (see Trainer.fit)
                if trainer.checkpoint is not None:
                    trainer._own_checkpoint = trainer.checkpoint
                bar.update()
    finally:
        for worker in workers:  # also on Ctrl-C or an error: no run goes on in the background
            worker.stop()
    return [trainer.history for trainer in trainers]


class _Worker:
    """A Python process that fits the trainers it is sent, one at a time. It is started with ``-c``, so it never
    runs the caller's script or notebook again (as ``multiprocessing``'s spawn would)."""

    def __init__(self, threads: int):
        self.log = tempfile.TemporaryFile()
        package = str(Path(__file__).resolve().parents[2])  # the folder holding classic_cnn
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (package, os.environ.get("PYTHONPATH"))))}
        command = f"from classic_cnn.train.parallel import _serve; _serve({threads})"
        self.process = subprocess.Popen(
            [sys.executable, "-c", command], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=env
        )

    def serve(self, todo: queue.SimpleQueue, done: queue.SimpleQueue) -> None:
        """Fit runs from ``todo`` until it is empty, putting ``(index, (state, unfinished) or error)`` in ``done``."""
        while True:
            try:
                index, packed = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done.put((index, self._fit(packed)))
            except BaseException as error:
                done.put((index, error))
                return

    def _fit(self, packed: bytes) -> tuple[dict, dict | None]:
        _send(self.process.stdin, packed)
        reply = _receive(self.process.stdout)
        if reply is None:
            self.log.seek(0)
            said = self.log.read().decode(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(
                f"a training process ended unexpectedly (exit code {self.process.wait()}): " + " / ".join(said)
            )
        kind, *outcome = _loads(reply)
        if kind == "error":
            raise outcome[0]
        return outcome[0], outcome[1]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.log.close()


def _pack(trainer: Trainer) -> bytes | None:
    """The trainer as a worker rebuilds it, or None where no worker can: off the CPU, under ``torchrun``, or with
    a model a worker cannot import (a class defined in a notebook) or that does not pickle (a lambda inside)."""
    if trainer.device.type != "cpu" or trainer.world_size > 1:
        return None
    if any(type(module).__module__ == "__main__" for module in trainer.model.modules()):
        return None
    parts = (trainer.model, trainer.data, trainer.recipe, trainer.seed, trainer.checkpoint, trainer._own_checkpoint)
    try:
        return _dumps((*parts, trainer.state()))
    except (pickle.PicklingError, AttributeError, TypeError):
        return None


def _dumps(value: object) -> bytes:
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


def _loads(packed: bytes) -> object:
    return torch.load(io.BytesIO(packed), weights_only=False)  # written by this module, in this run


def _send(stream: BinaryIO, message: bytes) -> None:
    stream.write(len(message).to_bytes(8, "little") + message)
    stream.flush()


def _receive(stream: BinaryIO) -> bytes | None:
    """The next message, or None when the other side has closed the stream."""
    header = stream.read(8)
    if len(header) < 8:
        return None
    return stream.read(int.from_bytes(header, "little"))


def _fit_packed(packed: bytes) -> tuple[dict, dict | None]:
    """In a worker: rebuild the trainer, fit it, and return its state (and the state before a cut-short epoch)."""
    model, data, recipe, seed, checkpoint, own, state = _loads(packed)
    trainer = Trainer(model, data, recipe, device="cpu", seed=seed, checkpoint=checkpoint, progress=False)
    trainer._restore(state)
    trainer._own_checkpoint = own
    trainer.fit()
    return trainer.state(), trainer._unfinished


def _serve(threads: int) -> None:
    """A worker's main loop: read a packed trainer from stdin, fit it, write the outcome to stdout; until EOF."""
    torch.set_num_threads(threads)
    requests, replies = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the run prints goes to the log, not into the replies
    while (packed := _receive(requests)) is not None:
        try:
            reply = _dumps(("done", *_fit_packed(packed)))
        except Exception as error:
            try:
                reply = _dumps(("error", error))
            except Exception:  # an exception that does not pickle: its type and message
                reply = _dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))
        _send(replies, reply)
