"""Which profile the chapters run: ``quick`` (CPU, embedded data), ``full`` (GPU, real datasets, minutes per
chapter on a Colab T4) or ``paper`` (the papers' complete schedules where a chapter can run them: up to an hour or more on a T4, opt-in).

Chosen by the environment variable ``CLASSIC_CNN_PROFILE``; unset means ``full`` on a CUDA machine and
``quick`` otherwise. ``CLASSIC_CNN_QUIET=1`` silences progress bars (CI sets it).
``CLASSIC_CNN_MAX_STEPS=N`` caps every training run at N optimizer steps: a smoke run, which executes every
code path of a profile in seconds but whose results mean nothing (check cells ask :func:`smoke`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, TypeVar

Profile = Literal["quick", "full", "paper"]
PROFILES: tuple[Profile, ...] = ("quick", "full", "paper")
T = TypeVar("T")


def active_profile() -> Profile:
    """The profile in force now."""
    chosen = os.environ.get("CLASSIC_CNN_PROFILE", "").strip().lower()
    if chosen:
        if chosen not in PROFILES:
            raise ValueError(f"CLASSIC_CNN_PROFILE must be one of {PROFILES}, got {chosen!r}")
        return chosen  # type: ignore[return-value]
    import torch

    return "full" if torch.cuda.is_available() else "quick"


def quiet() -> bool:
    """True when progress output should be suppressed (``CLASSIC_CNN_QUIET`` set to 1/true/yes)."""
    return os.environ.get("CLASSIC_CNN_QUIET", "").strip().lower() in {"1", "true", "yes"}


def max_steps() -> int | None:
    """The step budget every training run honours (``CLASSIC_CNN_MAX_STEPS``), or None for no budget."""
    value = os.environ.get("CLASSIC_CNN_MAX_STEPS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"CLASSIC_CNN_MAX_STEPS must be an integer >= 1, got {value!r}")
    return int(value)


def smoke() -> bool:
    """True in a smoke run (a step budget is set): code paths run, but accuracies are not results to check."""
    return max_steps() is not None


def pick(settings: Mapping[str, T], profile: str | None = None) -> T:
    """The entry of a ``{"quick": ..., "full": ...}`` table for ``profile`` (default: the active one).

    Every experiment keeps its settings in such a table; this is the one way to read them. A table without a
    ``paper`` entry gives its ``full`` one in the paper profile.
    """
    chosen = active_profile() if profile is None else profile
    if chosen == "paper" and "paper" not in settings:
        chosen = "full"
    if chosen not in settings:
        raise ValueError(f"profile must be one of {sorted(settings)}, got {chosen!r}")
    return settings[chosen]
