"""The shared context managers: evaluation mode restored even when the body raises; outputs captured by name."""

import pytest
import torch
from torch import nn

from classic_cnn.hooks import capture, eval_mode, named


def net() -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5), nn.Linear(3, 2))


def test_eval_mode_restores_every_submodules_own_mode_even_after_an_error():
    model = net()
    model[1].eval()  # a submodule left in its own mode must get it back
    with pytest.raises(RuntimeError), eval_mode(model):
        assert not any(module.training for module in model.modules())
        raise RuntimeError("the forward pass failed")
    assert [module.training for module in model.modules()] == [True, True, False, True]


def test_capture_records_named_outputs_and_removes_its_hooks():
    model = net()
    with capture(named(model, ["0", "2"])) as outputs:
        model(torch.zeros(5, 4))
    assert outputs["0"].shape == (5, 3) and outputs["2"].shape == (5, 2)
    assert not any(module._forward_hooks for module in model.modules())


def test_capture_keeps_the_first_output_keep_accepts():
    shared = nn.Identity()
    with capture({"twice": shared}, keep=lambda out: out if out.dim() == 2 else None, first_only=True) as outputs:
        shared(torch.zeros(3))  # skipped by keep
        shared(torch.ones(1, 2))
        shared(torch.full((1, 2), 7.0))
    assert outputs["twice"].tolist() == [[1.0, 1.0]]


def test_named_says_which_layers_exist():
    with pytest.raises(ValueError, match=r"model has no layer\(s\) \['C9'\]; its layers are \['0', '1', '2'\]"):
        named(net(), ["C9"])
