"""Shared fixtures. The book is built once per test run, also when pytest-xdist spreads the files that use it
(tests/test_book.py, test_site.py, test_i18n.py) over several workers: the first builds it, the others wait."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from filelock import FileLock
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
    with FileLock(ROOT / "book" / "_static_offline.lock"):  # one fetch at a time into book/_static_offline
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
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder above the workers' own: theirs to share
    output, record = shared / "book", shared / "book.json"
    with FileLock(shared / "book.lock"):
        if not record.exists():
            record.write_text(json.dumps(asdict(build_book(ROOT, output)), default=str))
    built = json.loads(record.read_text())
    return BookBuild(**{**built, "html": Path(built["html"])})
