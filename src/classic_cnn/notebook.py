"""Plumbing for the chapters: glue numbers into the prose, and the figure style.

Kept here so that chapters hold ideas, not set-up code. Works with or without the book's toolchain (myst-nb):
in Colab, where myst-nb is absent, ``glue`` does nothing.
"""

from __future__ import annotations

from numbers import Integral, Real


class _Text(str):
    """A string whose repr is itself, so myst-nb shows ``34,944`` rather than ``'34,944'``."""

    def __repr__(self) -> str:
        return str(self)


def format_number(value: object, digits: int = 1) -> str:
    """34944 → '34,944'; 0.98333 → '0.98' (``digits`` after the point for floats); other values → str."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return str(value)
    if isinstance(value, Integral):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def glue(name: str, value: object, digits: int = 1) -> None:
    """Make ``value`` citable in the chapter's prose as ``{glue:}`name` ``.

    Numbers are formatted for reading (thousands separators, ``digits`` decimals for floats). Returns None, so
    a cell may end with a call and show nothing (a trailing ``;`` is not honoured under nbval).
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab or plain Jupyter without the book's toolchain: nothing to record
        return
    myst_glue(name, _Text(format_number(value, digits)), display=False)
