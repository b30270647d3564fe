"""Checkpoints that survive a crash: written to a temporary file, then renamed over the old one.

The temporary file is ``.<name>.<host>-<pid>.<random>.tmp`` beside the checkpoint. A process killed while
writing (``kill -9``, a power cut) leaves it behind; the next save or load of that checkpoint on the same
machine deletes it once its process is gone. Nothing else in the folder is touched.
"""

from __future__ import annotations

import glob
import os
import pickle
import re
import socket
import tempfile
import zipfile
from pathlib import Path

import torch


def save(state: dict, path: str | os.PathLike) -> None:
    """Write ``state`` atomically: a reader sees the old checkpoint or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{_host()}-{os.getpid()}.", suffix=".tmp"
    )
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
    """Read a checkpoint with ``weights_only=True``: tensors and plain containers only, no code.

    A missing file raises ``FileNotFoundError``, a truncated or foreign one ``ValueError``; both name the path.
    """
    path = Path(path)
    remove_stale_temporaries(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a readable checkpoint ({error}); delete it or give another path") from error
    if not isinstance(state, dict):
        raise ValueError(f"{path} is not a checkpoint: it holds a {type(state).__name__}, not a dict")
    return state


def remove_stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Delete the temporary files that crashed writers of ``path`` on this machine left; returns them."""
    path = Path(path)
    pattern = re.compile(rf"\.{re.escape(path.name)}\.{re.escape(_host())}-(\d+)\.[A-Za-z0-9_]+\.tmp")
    removed = []
    if not path.parent.is_dir():
        return removed
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        match = pattern.fullmatch(candidate.name)
        if match and candidate.is_file() and not candidate.is_symlink() and not _running(int(match[1])):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname()) or "host"


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (a process of another user counts)."""
    if pid == os.getpid() or os.name == "nt":  # our own writer may be busy; Windows' os.kill would end the process
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True
