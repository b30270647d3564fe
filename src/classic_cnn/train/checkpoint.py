"""Checkpoints that survive a crash: written to a temporary file, then renamed over the old one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch


def save(state: dict, path: str | os.PathLike) -> None:
    """Write ``state`` atomically: a reader sees the old checkpoint or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save(state, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(path: str | os.PathLike) -> dict:
    """Read a checkpoint with ``weights_only=True``: tensors and plain containers only, no code."""
    return torch.load(path, map_location="cpu", weights_only=True)
