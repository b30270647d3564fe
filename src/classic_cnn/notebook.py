"""Plumbing for the chapters: glue numbers into the prose, and tables for a page.

Kept here so that chapters hold ideas, not set-up code. Works with or without the book's toolchain (myst-nb):
in Colab, where myst-nb is absent, ``glue`` does nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from numbers import Integral, Real
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from IPython.display import HTML


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


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> HTML:
    """A table for a notebook page: numbers with thousands separators, first column left, others right.

    HTML rather than Markdown, because the book renders Markdown outputs as CommonMark, which has no tables.
    """
    from IPython.display import HTML

    def cells(line: Sequence[object], tag: str) -> str:
        texts = [cell if isinstance(cell, str) else format_number(cell, 2) for cell in line]
        return "".join(
            f'<{tag} style="text-align:{"left" if index == 0 else "right"}">{escape(text)}</{tag}>'
            for index, text in enumerate(texts)
        )

    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows)
    return HTML(f"<table><thead><tr>{cells(header, 'th')}</tr></thead><tbody>{body}</tbody></table>")
