import pytest

from classic_cnn.profile import active_profile, quiet


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "Full")
    assert active_profile() == "full"
    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "fast")
    with pytest.raises(ValueError, match=r"CLASSIC_CNN_PROFILE must be one of \('quick', 'full'\), got 'fast'"):
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
