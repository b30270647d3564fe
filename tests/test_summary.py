"""summary() of real modules against PyTorch's own counters (FlopCounterMode, parameters), on the meta device."""

import time

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from classic_cnn import models as M
from classic_cnn import summary

# Every registry network (the paper's model) and the torchvision variants the chapters compare with.
NETWORKS = {
    **M.ARCHITECTURES,
    "lenet5-modern": lambda: M.lenet5("modern"),
    "alexnet-torchvision": lambda: M.alexnet(variant="torchvision"),
    "googlenet-torchvision": lambda: M.googlenet(variant="torchvision"),
    "vgg16-bn": lambda: M.vgg16(batch_norm=True),
}


def on_meta(builder) -> nn.Module:
    with torch.device("meta"):
        return builder().eval()


def flop_counts(model: nn.Module) -> tuple[int, dict[str, int]]:
    """FlopCounterMode's total and per-module FLOPs of one eval-mode forward pass of a batch of 1."""
    device = next(model.parameters()).device
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.eval()(torch.zeros((1, *model.input_size), device=device))
    prefix = type(model).__name__ + "."
    per_module = {
        name.removeprefix(prefix): sum(counts.values())
        for name, counts in counter.get_flop_counts().items()
        if name.startswith(prefix)
    }
    return counter.get_total_flops(), per_module


@pytest.mark.parametrize("name", [name for name in NETWORKS if name != "lenet5"])
def test_multiply_adds_and_parameters_match_pytorchs_own_counts(name):
    model = on_meta(NETWORKS[name])
    total, per_module = flop_counts(model)
    result = summary(model)
    assert 2 * result.macs == total
    assert {row.name: 2 * row.macs for row in result.rows} == {
        row.name: per_module.get(row.name, 0) for row in result.rows
    }
    assert result.model_params == sum(p.numel() for p in model.parameters())
    # GoogLeNet's auxiliary classifiers run in training only, so an eval-mode pass does not use them.
    used = sum(p.numel() for key, p in model.named_parameters() if not key.startswith(("aux1.", "aux2.")))
    assert result.params == used


def test_lenet5_counts_only_its_real_connections_and_its_own_layers():
    """FlopCounterMode sees C3 as a dense 16×6 convolution and counts neither S2/S4's coefficients nor the RBF."""
    model = M.lenet5().eval()  # on the CPU: its connection table and prototypes are built as CPU tensors
    total, per_module = flop_counts(model)
    result = summary(model)
    assert result.params == sum(p.numel() for p in model.parameters()) == 60_000
    rows = {row.name.removeprefix("layers."): row.macs for row in result.rows}
    c3_dense, c3_real = 16 * 6 * 25 * 10 * 10, 60 * 25 * 10 * 10
    assert per_module["layers.C3"] == 2 * c3_dense and rows["C3"] == c3_real == 150_000
    assert (rows["S2"], rows["S4"], rows["output"]) == (14 * 14 * 6, 5 * 5 * 16, 84 * 10)
    assert "layers.S2" not in per_module and "layers.output" not in per_module
    for layer in ("C1", "C5", "F6"):
        assert 2 * rows[layer] == per_module[f"layers.{layer}"]
    assert 2 * (sum(rows.values()) - c3_real + c3_dense - rows["S2"] - rows["S4"] - rows["output"]) == total


@pytest.mark.parametrize(
    "name", ["lenet5", "lenet5-modern", "resnet20", pytest.param("googlenet", marks=pytest.mark.slow)]
)
def test_meta_and_cpu_give_the_same_table(name):
    torch.manual_seed(0)
    on_cpu = NETWORKS[name]()
    real = summary(on_cpu, device=None)
    assert summary(on_cpu).to_dicts() == real.to_dicts()  # the default pass swaps in meta tensors
    if name != "lenet5":  # LeNet-5's connection table and prototypes are CPU tensors even under torch.device("meta")
        assert summary(on_meta(NETWORKS[name])).to_dicts() == real.to_dicts()


def test_the_largest_networks_take_well_under_a_second_or_two():
    for builder in (M.vgg19, M.resnet152):
        model = on_meta(builder)  # no memory for their 144 M and 60 M weights
        start = time.perf_counter()
        summary(model)
        assert time.perf_counter() - start < 2.0
        assert all(p.device.type == "meta" for p in model.parameters())


def test_modes_are_restored():
    model = M.resnet20().train()
    model.layer2.eval()
    summary(model)
    assert model.training and model.layer1.training and not model.layer2.training


def test_vgg16_matches_the_paper():
    result = summary(on_meta(M.vgg16))
    assert result.params == 138_357_544 and round(result.macs / 1e9, 1) == 15.5  # Simonyan & Zisserman: 15.5 GFLOPs
    assert [str(row.output) for row in result.rows if row.layer == "MaxPool2d"] == [
        "112×112×64",
        "56×56×128",
        "28×28×256",
        "14×14×512",
        "7×7×512",
    ]
    in_place = [row for row in result.rows if row.layer in ("ReLU", "Dropout", "Flatten")]
    assert in_place and all(row.activations == 0 for row in in_place)


def test_lenet5_volumes():
    rows = {row.name.split(".")[-1]: row for row in summary(M.lenet5()).rows}
    assert [str(rows[name].output) for name in ("C1", "S2", "C3", "S4", "C5", "F6", "output")] == [
        "28×28×6",
        "14×14×6",
        "10×10×16",
        "5×5×16",
        "1×1×120",
        "84",
        "10",
    ]


def test_grouped_rows_add_up():
    model = on_meta(M.googlenet)
    leaves, groups = summary(model), summary(model, depth=1)
    assert (groups.params, groups.macs, groups.activations) == (leaves.params, leaves.macs, leaves.activations)
    names = [row.name for row in groups.rows]
    assert "inception4a" in names and "aux1" not in names  # auxiliary classifiers run in training only
    row = {row.name: row for row in groups.rows}["inception3a"]
    assert (row.output.channels, row.output.height, row.output.width) == (256, 28, 28)


def test_outputs_for_people_and_programs():
    result = summary(M.lenet5("modern"))
    dicts = result.to_dicts()
    assert dicts[0] == {
        "name": "layers.C1",
        "layer": "Conv2d",
        "output": "28×28×6",
        "shape": (6, 28, 28),
        "params": 6 * 25 + 6,
        "activations": 6 * 28 * 28,
        "macs": 6 * 28 * 28 * 25,
        "memory": 6 * 28 * 28 * 4,
    }
    assert result.totals() == {
        "params": result.params,
        "activations": result.activations,
        "memory": 4 * result.activations,
        "macs": result.macs,
    }
    text = str(result)
    assert "layers.C3" in text and "28×28×6" in text and f"{result.params:,}" in text and "total" in text
    assert "18.8 kB" in text  # C1's 4,704 float32 activations: 18,816 bytes, decimal units
    html = result._repr_html_()
    assert html.startswith("<table") and "<td" in html and "117,600" in html


def test_memory_is_in_decimal_units():
    result = summary(on_meta(M.vgg16))
    assert result.memory == 4 * 15_112_168 == 60_448_672
    total = str(result).splitlines()[-2]
    assert total.startswith("total") and "60.4 MB" in total  # 10⁶ bytes a megabyte, not 2²⁰ (57.6)


def test_summary_rejects_bad_input_sizes():
    with pytest.raises(ValueError, match="expects 1×32×32 inputs, got 1×28×28"):
        summary(M.lenet5(), (1, 28, 28))
    with pytest.raises(ValueError, match=r"input_size must be \(channels, height, width\)"):
        summary(M.lenet5(), (32, 32))
    with pytest.raises(ValueError, match="no input_size attribute"):
        summary(nn.Conv2d(1, 2, 3))
    assert summary(nn.Sequential(nn.Conv2d(1, 2, 3)), (1, 5, 5)).macs == 2 * 9 * 3 * 3
