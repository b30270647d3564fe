"""benchmarks/gpu_check.py: its printed T4 estimate (the model is tested in test_cost.py), and its CPU smoke run."""

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


def test_every_chapter_with_training_is_estimated_as_the_chapters_state_it(gpu_check, capsys):
    from classic_cnn.cost import t4_minutes

    chapters = gpu_check.estimate()
    assert sorted(chapters) == [2, 3, 4, 5, 6, 7, 8]
    assert "T4 minutes (estimate)" in capsys.readouterr().out
    assert chapters == pytest.approx({chapter: t4_minutes(chapter) for chapter in chapters})


@pytest.mark.slow
def test_smoke_run_on_the_cpu(gpu_check, capsys, monkeypatch):
    every = gpu_check.workloads
    monkeypatch.setattr(gpu_check, "workloads", lambda: [w for w in every() if w.chapter in (2, 7)][:3])
    assert gpu_check.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "LeNet-5 paper" in out and "projected full-profile minutes" in out
