"""classic_cnn.cost: the T4 model behind every chapter's stated full- and paper-profile time."""

import math

import pytest
from torch import nn

from classic_cnn.cost import (
    CHAPTERS,
    SECONDS_PER_MODULE,
    SECONDS_PER_STEP,
    T4_MACS_PER_SECOND,
    Cost,
    Workload,
    minutes,
    step_seconds,
    t4_minutes,
    workloads,
)
from classic_cnn.train import Recipe


@pytest.fixture(scope="module")
def estimates() -> dict[tuple[int, str], float]:
    return {(chapter, profile): t4_minutes(chapter, profile) for chapter in CHAPTERS for profile in ("full", "paper")}


def test_step_time_is_the_longest_of_compute_memory_and_launches():
    heavy = Cost(macs=400_000_000, activations=1_000_000, modules=50)
    assert step_seconds(heavy, 128) == pytest.approx(3 * 128 * 4e8 / T4_MACS_PER_SECOND)
    traffic = Cost(macs=1_000, activations=10_000_000, modules=50)
    assert step_seconds(traffic, 128) == pytest.approx(128 * 10_000_000 * 2 * 8 / 250e9)
    tiny = Cost(macs=300_000, activations=10_000, modules=14)
    assert step_seconds(tiny, 64) == pytest.approx(1e-3 + 14 * 40e-6)  # launch-bound, like LeNet-5


def test_a_tiny_workload_costs_what_the_formula_says():
    # Flatten and a 4 → 2 linear layer: 8 multiply-adds, 2 modules; so launch-bound at 1 ms + 2 × 40 µs a step.
    tiny = Workload(2, "tiny", lambda: nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), (1, 2, 2), Recipe(), 100, 2, 3)
    cost = Cost.of(tiny)
    assert (cost.macs, cost.modules) == (8, 2)
    step = SECONDS_PER_STEP + 2 * SECONDS_PER_MODULE
    # 2 runs of 100 steps, each with 3 test passes of 10 batches at a third of a step
    assert minutes(tiny, cost) == pytest.approx(2 * (100 * step + 3 * 10 * step / 3) / 60)


def test_every_chapter_that_trains_gets_a_positive_estimate_in_both_gpu_profiles(estimates):
    assert sorted(CHAPTERS) == [2, 3, 4, 5, 6, 7, 8]
    assert all(value > 0 and math.isfinite(value) for value in estimates.values()), estimates


def test_the_full_profile_is_colab_sized(estimates):
    # The full profile's promise (classic_cnn.colab.DESCRIPTIONS): about ten minutes a chapter on a T4.
    assert all(estimates[chapter, "full"] <= 10 for chapter in CHAPTERS), estimates


def test_the_papers_schedules_take_longer(estimates):
    assert estimates[7, "paper"] > 5 * estimates[7, "full"]  # 164 epochs against the full profile's few
    assert estimates[2, "paper"] > 5 * estimates[2, "full"]  # batch 1 against 64


def test_workloads_follow_the_chapters_settings():
    from classic_cnn.experiments.resnet import DEGRADATION

    paper = workloads(7, "paper")
    assert [w.label for w in paper] == ["plain-20", "ResNet-20", "plain-56", "ResNet-56"]
    epochs = DEGRADATION["paper"].recipe.epochs
    assert {w.steps for w in paper} == {epochs * math.ceil(50_000 / 128)}
    assert {w.evaluations for w in paper} == {epochs}
    # Step budgets (chapter 4: Trainer.fit(max_steps=...)) evaluate the test set after every epoch begun.
    first = workloads(4, "full")[0]
    assert first.evaluations == math.ceil(first.steps / math.ceil(50_000 / first.recipe.batch_size)) > 1


@pytest.mark.parametrize(
    ("chapter", "profile", "message"),
    [
        (1, "full", r"chapter must be one of \[2, 3, 4, 5, 6, 7, 8\] \(the chapters that train\), got 1"),
        (2, "quick", r"profile must be 'full' or 'paper' \(the GPU profiles\), got 'quick'"),
        (2, "fast", r"profile must be 'full' or 'paper' \(the GPU profiles\), got 'fast'"),
    ],
)
def test_bad_arguments_are_named(chapter, profile, message):
    with pytest.raises(ValueError, match=message):
        t4_minutes(chapter, profile)
