import pytest

from classic_cnn.profile import active_profile, max_steps, quiet, smoke


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "Full")
    assert active_profile() == "full"
    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "fast")
    with pytest.raises(
        ValueError, match=r"CLASSIC_CNN_PROFILE must be one of \('quick', 'full', 'paper'\), got 'fast'"
    ):
        active_profile()


def test_profile_defaults_to_the_hardware(monkeypatch):
    import torch

    monkeypatch.delenv("CLASSIC_CNN_PROFILE", raising=False)
    assert active_profile() == ("full" if torch.cuda.is_available() else "quick")


def test_quiet(monkeypatch):
    monkeypatch.setenv("CLASSIC_CNN_QUIET", "1")
    assert quiet()
    monkeypatch.delenv("CLASSIC_CNN_QUIET")
    assert not quiet()


def test_step_budget_marks_a_smoke_run(monkeypatch):
    monkeypatch.delenv("CLASSIC_CNN_MAX_STEPS", raising=False)
    assert max_steps() is None and not smoke()
    monkeypatch.setenv("CLASSIC_CNN_MAX_STEPS", " 20 ")
    assert max_steps() == 20 and smoke()
    for wrong in ("0", "-3", "ten", "2.5"):
        monkeypatch.setenv("CLASSIC_CNN_MAX_STEPS", wrong)
        with pytest.raises(ValueError, match=rf"CLASSIC_CNN_MAX_STEPS must be an integer >= 1, got '{wrong}'"):
            max_steps()


def test_tables_without_a_paper_entry_give_their_full_one_in_the_paper_profile(monkeypatch):
    from classic_cnn.profile import pick

    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "paper")
    assert active_profile() == "paper"
    assert pick({"quick": 1, "full": 2}) == 2 and pick({"quick": 1, "full": 2, "paper": 3}) == 3
