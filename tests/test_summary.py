"""summary() of real modules against shapes.trace of the same layer list, and its table."""

import pytest
import torch
from torch import nn

from classic_cnn import models as M
from classic_cnn import summary
from classic_cnn.shapes import FC, Conv, Flatten, Pool, trace

# The layers a spec list describes (a Flatten may be a module or torch.flatten; it costs nothing either way).
COUNTED = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.Linear)


def spec_rows(model: nn.Module, result) -> list:
    kinds = {name: type(module) for name, module in model.named_modules()}
    return [row for row in result.rows if issubclass(kinds[row.name], COUNTED)]


def assert_agrees_with_trace(model: nn.Module, input_size, specs) -> None:
    expected = trace(input_size, specs)
    result = summary(model, input_size)
    rows = spec_rows(model, result)
    layers = [row for row, spec in zip(expected.rows, specs) if not isinstance(spec, Flatten)]
    assert [str(row.output) for row in rows] == [str(row.output) for row in layers]
    assert [row.params for row in rows] == [row.params for row in layers]
    assert [row.macs for row in rows] == [row.macs for row in layers]
    assert [row.activations for row in rows] == [row.activations for row in layers]
    assert (result.params, result.macs) == (expected.params, expected.macs)


def test_summary_of_modern_lenet5_agrees_with_the_trace():
    specs = [Conv(6, 5), Pool(2), Conv(16, 5), Pool(2), Conv(120, 5), Flatten(), FC(84), FC(10)]
    assert_agrees_with_trace(M.lenet5("modern"), (1, 32, 32), specs)


def test_summary_of_vgg16_agrees_with_the_trace():
    specs = []
    for _stage, (channels, convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]):
        specs += [Conv(channels, 3, padding=1)] * convs + [Pool(2)]
    specs += [Flatten(), FC(4096), FC(4096), FC(1000)]
    with torch.device("meta"):
        model = M.vgg16()
    assert_agrees_with_trace(model, (3, 224, 224), specs)
    result = summary(model)
    assert result.params == 138_357_544 and round(result.macs / 1e9, 1) == 15.5  # VGG-16: 15.5 GFLOPs
    in_place = [row for row in result.rows if row.layer in ("ReLU", "Dropout", "AdaptiveAvgPool2d")]
    assert all(row.activations == 0 for row in in_place if row.layer != "AdaptiveAvgPool2d")


def test_summary_counts_lenet5s_own_layers():
    result = summary(M.lenet5())
    rows = {row.name.split(".")[-1]: row for row in result.rows}
    assert result.params == 60_000
    assert rows["C3"].macs == 10 * 10 * 60 * 25  # 60 real 5×5 kernels at 10×10 positions
    assert rows["output"].params == 0 and rows["output"].macs == 10 * 84
    assert [str(rows[name].output) for name in ("C1", "S2", "C3", "S4", "C5", "F6", "output")] == [
        "28×28×6",
        "14×14×6",
        "10×10×16",
        "5×5×16",
        "1×1×120",
        "84",
        "10",
    ]


def test_meta_and_real_passes_agree_and_modes_are_restored():
    model = M.resnet20().train()
    model.layer2.eval()
    meta, real = summary(model), summary(model, device=None)
    assert meta.to_dicts() == real.to_dicts()
    assert model.training and model.layer1.training and not model.layer2.training


def test_grouped_rows_add_up():
    model = M.googlenet()
    leaves, groups = summary(model), summary(model, depth=1)
    assert (groups.params, groups.macs, groups.activations) == (leaves.params, leaves.macs, leaves.activations)
    names = [row.name for row in groups.rows]
    assert "inception4a" in names and "aux1" not in names  # auxiliary classifiers run in training only
    assert groups.unused_params == sum(p.numel() for p in [*model.aux1.parameters(), *model.aux2.parameters()])
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
        "params": 156,
        "activations": 4704,
        "macs": 117_600,
        "memory": 4704 * 4,
    }
    assert result.totals() == {
        "params": result.params,
        "activations": result.activations,
        "memory": 4 * result.activations,
        "macs": result.macs,
    }
    text = str(result)
    assert "layers.C3" in text and "28×28×6" in text and f"{result.params:,}" in text and "total" in text
    html = result._repr_html_()
    assert html.startswith("<table") and "<td" in html and "117,600" in html


def test_summary_rejects_bad_input_sizes():
    with pytest.raises(ValueError, match="expects 1×32×32 inputs, got 1×28×28"):
        summary(M.lenet5(), (1, 28, 28))
    with pytest.raises(ValueError, match=r"input_size must be \(channels, height, width\)"):
        summary(M.lenet5(), (32, 32))
    with pytest.raises(ValueError, match="no input_size attribute"):
        summary(nn.Conv2d(1, 2, 3))
    assert summary(nn.Sequential(nn.Conv2d(1, 2, 3)), (1, 5, 5)).macs == 2 * 9 * 3 * 3
