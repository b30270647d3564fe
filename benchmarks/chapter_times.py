"""Seconds to execute each chapter in a fresh kernel, as CI's nbval and a reader's "Run all" do.

    .venv/bin/python benchmarks/chapter_times.py [book/03_alexnet.ipynb ...] [--profile quick] [--write]

Runs the chapters one after another (never in parallel: the machine has 2 cores) in the quick profile with
progress bars off, and prints one line per chapter and the total. ``--write`` stores the executed notebooks
back in place, which is how the committed outputs are refreshed. Target: the whole book under 10 minutes.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

BOOK = Path(__file__).resolve().parent.parent / "book"


def execute(path: Path, write: bool) -> tuple[float, str]:
    """Run one chapter from its own folder; returns (seconds, "ok" or the error's last lines)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": path.parent}})
    started = time.perf_counter()
    try:
        client.execute()
        status = "ok"
    except Exception as error:  # report the failure and go on with the other chapters
        status = "FAILED: " + str(error).strip().splitlines()[-1]
    seconds = time.perf_counter() - started
    if write and status == "ok":
        nbformat.write(notebook, path)
    return seconds, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="default: every chapter in book/")
    parser.add_argument("--profile", default="quick", choices=("quick", "full"))
    parser.add_argument("--write", action="store_true", help="store the executed notebooks in place")
    options = parser.parse_args()
    os.environ.update(CLASSIC_CNN_PROFILE=options.profile, CLASSIC_CNN_QUIET="1")
    chapters = options.chapters or sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
    total = 0.0
    for chapter in chapters:
        seconds, status = execute(chapter.resolve(), options.write)
        total += seconds
        print(f"{chapter.name:<26} {seconds:6.0f} s  {status}", flush=True)
    print(f"{'total':<26} {total:6.0f} s")


if __name__ == "__main__":
    main()
