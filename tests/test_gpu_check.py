"""benchmarks/gpu_check.py: its T4 model, and its CPU smoke run (the GPU run itself needs a GPU)."""

import importlib.util
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


@pytest.fixture(scope="module")
def gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules["gpu_check"]


def test_step_time_is_the_longest_of_compute_memory_and_launches(gpu_check):
    heavy = gpu_check.Cost(macs=400_000_000, activations=1_000_000, modules=50)
    assert gpu_check.step_seconds(heavy, 128) == pytest.approx(3 * 128 * 4e8 / gpu_check.T4_MACS_PER_SECOND)
    tiny = gpu_check.Cost(macs=300_000, activations=10_000, modules=14)
    assert gpu_check.step_seconds(tiny, 64) == pytest.approx(1e-3 + 14 * 40e-6)  # launch-bound, like LeNet-5


def test_every_chapter_with_training_is_estimated(gpu_check, capsys):
    chapters = gpu_check.estimate()
    assert sorted(chapters) == [2, 3, 4, 5, 6, 7, 8]
    assert "T4 minutes (estimate)" in capsys.readouterr().out
    # The recipes this project sizes for a Colab session: about ten minutes a chapter on a T4.
    assert chapters[2] <= 10 and chapters[5] <= 10, chapters


@pytest.mark.slow
def test_smoke_run_on_the_cpu(gpu_check, capsys, monkeypatch):
    every = gpu_check.workloads
    monkeypatch.setattr(gpu_check, "workloads", lambda: [w for w in every() if w.chapter in (2, 7)][:3])
    assert gpu_check.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "LeNet-5 paper" in out and "projected full-profile minutes" in out
