"""Shared fixtures. The book is built once per test session: tests/test_book.py and tests/test_site.py use it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests (tests/test_shapes.py) try 500 examples each; `make test-fast` runs them with
# --hypothesis-profile=fast, 50 examples. No deadline: a busy 2-core machine makes timings meaningless.
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.register_profile("fast", max_examples=50, deadline=None)
settings.load_profile("thorough")

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class BookBuild:
    returncode: int
    log: str
    html: Path  # the built site's root folder
    seconds: float


def build_book(source: Path, output: Path) -> BookBuild:
    """Fetch the site's JavaScript assets (skipped when present) and build ``source`` into ``output``.

    The real book (``source`` is the repository) is built as ``make book`` builds it: English, then the Korean
    edition under ``ko/`` (``tools/i18n.py build``).
    """
    subprocess.run([sys.executable, str(ROOT / "tools" / "site_assets.py")], check=True, timeout=300)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    start = time.perf_counter()
    result = subprocess.run(
        [str(jupyter_book), "build", str(source), "--path-output", str(output), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    html = output / "_build" / "html"
    returncode, log = result.returncode, result.stdout + result.stderr
    if source == ROOT and returncode == 0:
        korean = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "i18n.py"), "build", "--site", str(html)],
            capture_output=True,
            text=True,
            timeout=900,
        )
        returncode, log = korean.returncode, log + korean.stdout + korean.stderr
    return BookBuild(returncode, log, html, time.perf_counter() - start)


@pytest.fixture(scope="session")
def book_builder():
    """``build_book(source, output)`` for tests that build a book of their own."""
    return build_book


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> BookBuild:
    """The real book (the repository's _config.yml and _toc.yml), built with warnings as errors."""
    output = tmp_path_factory.mktemp("book")
    yield build_book(ROOT, output)
    shutil.rmtree(output / "_build", ignore_errors=True)
