"""summary() of real modules against independent counters, on the meta device (issue 14, item 6): FlopCounterMode's
FLOPs / 2 for multiply-adds, the sum of ``numel()`` for parameters, and for activations a count at the
torch-function level (a ``TorchFunctionMode``, above the dispatcher summary() counts at): every leaf module's
output and every tensor a torch function returns outside leaf modules, once per new storage. On every book
network, torchvision's modern CNNs and hand-made models that reuse modules, call functional operations and
branch through a ModuleDict.
"""

import time

import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten
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


def on_meta(builder, **options) -> nn.Module:
    with torch.device("meta"):
        return builder(**options).eval()


def flop_counts(model: nn.Module, input_size=None) -> tuple[int, dict[str, int]]:
    """FlopCounterMode's total and per-module FLOPs of one eval-mode forward pass of a batch of 1."""
    device = next(model.parameters()).device
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.eval()(torch.zeros((1, *(input_size or model.input_size)), device=device))
    prefix = type(model).__name__ + "."
    per_module = {
        name.removeprefix(prefix): sum(counts.values())
        for name, counts in counter.get_flop_counts().items()
        if name.startswith(prefix)
    }
    return counter.get_total_flops(), per_module


def tensors(value) -> list[torch.Tensor]:
    return [item for item in tree_flatten(value)[0] if isinstance(item, torch.Tensor)]


class ActivationCount(TorchFunctionMode):
    """Numbers written into new storage: each leaf module's output, and each tensor a torch function (a module's
    F.conv2d, a torch.cat, an x + y) returns outside leaf modules; views and in-place results share a storage
    already counted. Nested functions run inside a torch function are not seen (the mode is off there)."""

    def __init__(self, model: nn.Module, x: torch.Tensor) -> None:
        super().__init__()
        self.model, self.total, self.inside_leaf = model, 0, 0
        self.kept = [x, *model.parameters(), *model.buffers()]  # alive, so no storage address is reused
        self.storages = {t.untyped_storage()._cdata for t in self.kept}

    def count(self, value) -> None:
        for tensor in tensors(value):
            key = tensor.untyped_storage()._cdata
            if key not in self.storages:
                self.storages.add(key)
                self.kept.append(tensor)
                self.total += tensor.numel()  # a batch of one

    def __torch_function__(self, func, types, args=(), kwargs=None):
        output = func(*args, **(kwargs or {}))
        if not self.inside_leaf:
            self.count(output)
        return output

    def enter(self, module, inputs) -> None:
        self.inside_leaf += next(module.children(), None) is None

    def leave(self, module, inputs, output) -> None:
        if next(module.children(), None) is None:
            self.inside_leaf -= 1
            if not self.inside_leaf:
                with torch._C.DisableTorchFunction():
                    self.count(output)


def activation_count(model: nn.Module, input_size) -> int:
    x = torch.zeros(1, *input_size, device=next(model.parameters()).device)
    counter = ActivationCount(model, x)
    handles = []
    for module in model.modules():
        handles += [module.register_forward_pre_hook(counter.enter), module.register_forward_hook(counter.leave)]
    try:
        with torch.no_grad(), counter:
            model.eval()(x)
    finally:
        for handle in handles:
            handle.remove()
    return counter.total


def assert_matches_the_oracles(model: nn.Module, input_size, used_params: int | None = None) -> None:
    table = summary(model, input_size)
    all_params = sum(p.numel() for p in model.parameters())
    assert table.model_params == all_params
    assert table.params == (all_params if used_params is None else used_params)
    assert 2 * table.macs == flop_counts(model, input_size)[0]
    assert table.activations == activation_count(model, input_size)
    assert sum(row.activations for row in table.rows) == table.activations  # the rows add up


@pytest.mark.parametrize("name", [name for name in NETWORKS if name != "lenet5"])
def test_multiply_adds_and_parameters_match_pytorchs_own_counts(name):
    model = on_meta(NETWORKS[name])
    total, per_module = flop_counts(model)
    result = summary(model)
    assert 2 * result.macs == total
    for module, flops in per_module.items():  # each module's rows (its layers' and its own) carry its FLOPs
        inside = [row.macs for row in result.rows if row.name == module or row.name.startswith(module + ".")]
        assert 2 * sum(inside) == flops, module
    assert result.model_params == sum(p.numel() for p in model.parameters())
    # GoogLeNet's auxiliary classifiers run in training only, so an eval-mode pass does not use them.
    used = sum(p.numel() for key, p in model.named_parameters() if not key.startswith(("aux1.", "aux2.")))
    assert result.params == used
    assert result.activations == activation_count(model, model.input_size)


def test_lenet5_counts_only_its_real_connections_and_its_own_layers():
    """FlopCounterMode sees C3 as a dense 16×6 convolution and counts neither S2/S4's coefficients nor the RBF."""
    model = M.lenet5().eval()  # on the CPU: its connection table and prototypes are built as CPU tensors
    total, per_module = flop_counts(model)
    result = summary(model)
    assert result.params == sum(p.numel() for p in model.parameters()) == 60_000
    assert result.activations == activation_count(model, model.input_size)
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


def test_the_largest_networks_take_about_as_long_as_flop_counter_mode():
    for builder in (M.vgg19, M.resnet152):
        model = on_meta(builder)  # no memory for their 144 M and 60 M weights
        start = time.perf_counter()
        flop_counts(model)
        middle = time.perf_counter()
        summary(model)
        assert time.perf_counter() - middle < 2 * (middle - start) + 0.2  # a second or two on a busy CPU
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


# --- hand-made models ---------------------------------------------------------------------------


class ReusedConv(nn.Module):
    """One 16→16 convolution applied three times: its 2,320 parameters are one layer's."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.shared = nn.Conv2d(16, 16, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        for _ in range(3):
            x = self.shared(x)
        return self.fc(torch.flatten(self.pool(x), 1))


class Functional(nn.Module):
    """Everything in forward: a bare weight through F.conv2d, F.relu, F.max_pool2d, a sum and a concatenation."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(8, 3, 3, 3))
        self.bias = nn.Parameter(torch.zeros(8))
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        y = F.relu(F.conv2d(x, self.weight, self.bias, padding=1))  # 8×8×8, then its ReLU: two new tensors
        z = F.max_pool2d(y, 2)  # 4×4×8
        z = torch.cat([z, z + 1], dim=1)  # z + 1: 4×4×8, the concatenation 4×4×16
        return self.fc(z.flatten(1))


class Transposed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1)

    def forward(self, x):
        return self.up(self.down(x))


class ScaledBlock(nn.Module):
    """A parameter owned by a module with children, as ConvNeXt's layer_scale."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.ReLU())
        self.layer_scale = nn.Parameter(torch.ones(4, 1, 1))

    def forward(self, x):
        return self.layer_scale * self.body(x)


class Branches(nn.Module):
    """Two branches in a ModuleDict that is only indexed, never called."""

    def __init__(self) -> None:
        super().__init__()
        self.branches = nn.ModuleDict({"a": nn.Conv2d(3, 4, 1), "b": nn.Conv2d(3, 4, 3, padding=1)})
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        return self.head(torch.cat([self.branches["a"](x), self.branches["b"](x)], dim=1))


def test_a_reused_module_counts_its_parameters_once():
    model = ReusedConv()
    table = summary(model, (3, 8, 8))
    assert table.params == table.model_params == 448 + 2_320 + 170 == 2_938
    assert table.unused_params == 0
    shared = [row for row in table.rows if row.name == "shared"]
    assert [row.params for row in shared] == [2_320, 0, 0]  # in the row of its first call
    assert [row.macs for row in shared] == [8 * 8 * 16 * 16 * 9] * 3  # but three times the work
    assert_matches_the_oracles(model, (3, 8, 8))


def test_functional_operations_count_their_multiply_adds_and_activations():
    model = Functional()
    table = summary(model, (3, 8, 8))
    assert table.macs == 8 * 8 * 8 * 3 * 9 + 256 * 10
    assert table.params == 8 * 27 + 8 + 256 * 10 + 10
    assert table.activations == 2 * 8 * 8 * 8 + 4 * 4 * 8 + 4 * 4 * 8 + 4 * 4 * 16 + 10
    assert_matches_the_oracles(model, (3, 8, 8))


def test_a_transposed_convolution_counts_its_multiply_adds():
    model = Transposed()
    rows = {row.name: row for row in summary(model, (3, 8, 8)).rows}
    # Each of the 4×4×8 input numbers is multiplied by each of the 4 filters' 4×4 weights (FlopCounterMode's rule).
    assert rows["up"].macs == 4 * 4 * 8 * 4 * 4 * 4
    assert str(rows["up"].output) == "8×8×4"
    assert_matches_the_oracles(model, (3, 8, 8))


def test_a_parameter_of_a_module_with_children_is_counted():
    model = ScaledBlock()
    table = summary(model, (4, 6, 6))
    assert table.params == table.model_params == 4 * 4 * 9 + 4 + 4 and table.unused_params == 0
    own = [row for row in table.rows if row.name == "(forward)"]
    assert [(row.layer, row.params, row.activations) for row in own] == [("ScaledBlock", 4, 4 * 6 * 6)]
    assert_matches_the_oracles(model, (4, 6, 6))


def test_an_indexed_module_dict_groups_by_depth():
    model = Branches()
    leaves, groups = summary(model, (3, 5, 5)), summary(model, (3, 5, 5), depth=1)
    assert [(row.name, row.layer, str(row.output)) for row in groups.rows] == [
        ("branches", "ModuleDict", "5×5×4"),
        ("(forward)", "Branches", "5×5×8"),  # the concatenation
        ("head", "Conv2d", "5×5×2"),
    ]
    assert (groups.params, groups.macs, groups.activations) == (leaves.params, leaves.macs, leaves.activations)
    assert_matches_the_oracles(model, (3, 5, 5))


def test_googlenet_counts_its_nine_concatenations():
    model = on_meta(M.googlenet)
    table = summary(model)
    concatenations = [row for row in table.rows if row.layer == "InceptionModule"]
    assert len(concatenations) == 9 and all(row.params == row.macs == 0 for row in concatenations)
    assert sum(row.activations for row in concatenations) == 1_235_584
    assert [row.output.activations for row in concatenations] == [row.activations for row in concatenations]


TORCHVISION = ["mobilenet_v2", "efficientnet_b0", "densenet121", "convnext_tiny"]


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_networks_match_the_oracles(name):
    model = on_meta(getattr(torchvision.models, name), weights=None)
    assert_matches_the_oracles(model, (3, 224, 224))


def test_convnext_layer_scale_is_used():
    table = summary(on_meta(torchvision.models.convnext_tiny, weights=None), (3, 224, 224))
    assert table.unused_params == 0
    blocks = [row for row in table.rows if row.layer == "CNBlock"]
    assert len(blocks) == 18 and sum(row.params for row in blocks) == 6_624  # 18 layer scales: 3·96 + … + 3·768


def test_meta_and_cpu_agree_on_a_functional_network():
    torch.manual_seed(0)
    model = Functional()
    assert summary(model, (3, 8, 8)).to_dicts() == summary(model, (3, 8, 8), device=None).to_dicts()
