"""The explorers without a front end: their logic against PyTorch and the papers, their widgets driven from Python."""

import itertools
import json
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from classic_cnn import widgets
from classic_cnn.widgets import render
from classic_cnn.widgets.explorers import DEFINITIONS, TABLE
from classic_cnn.widgets.logic import bottleneck_view, conv_view, example_grid, pool_view, receptive_field_view


def shown(html: str, name: str) -> str:
    """The text of the element marked data-output=name."""
    match = re.search(rf'data-output="{name}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no data-output={name!r} shown"
    return match.group(1)


# --- logic against PyTorch ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, f, s, p",
    [(n, f, s, p) for n, f, s, p in itertools.product((1, 3, 7, 8, 13), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2))],
)
def test_conv_view_matches_conv2d(n, f, s, p):
    depth, filters = 3, 4
    view = conv_view(input_size=n, depth=depth, kernel_size=f, stride=s, padding=p, filters=filters)
    conv = nn.Conv2d(depth, filters, f, stride=s, padding=p)
    assert view.params == sum(parameter.numel() for parameter in conv.parameters())
    try:
        out = conv(torch.zeros(1, depth, n, n))
    except RuntimeError:
        assert view.status == "impossible" and view.output_size is None
        return
    assert view.status in ("ok", "floor")
    assert (view.output_size, view.output_size, filters) == (out.shape[2], out.shape[3], out.shape[1])
    assert view.activations == out.numel()
    assert view.macs == out.numel() * conv.weight[0].numel()
    # the stride fits exactly when the last window ends on the padded input's last column
    last_end = view.positions[-1] + f
    assert (view.status == "ok") == (last_end == n + 2 * p)
    assert view.ignored == n + 2 * p - last_end


def test_conv_view_cs231n_stride_does_not_fit():
    view = conv_view(input_size=7, kernel_size=3, stride=3)
    assert (view.status, view.output_size, view.ignored, view.positions) == ("floor", 2, 1, [0, 3])
    assert conv_view(input_size=7, kernel_size=3, stride=2).status == "ok"


@pytest.mark.parametrize("n, f, s, mode", list(itertools.product((2, 5, 6, 7), (1, 2, 3), (1, 2, 3), ("max", "avg"))))
def test_pool_view_matches_torch_pooling(n, f, s, mode):
    view = pool_view(input_size=n, kernel_size=f, stride=s, mode=mode)
    grid = torch.tensor(example_grid(n), dtype=torch.float64)[None, None]
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    try:
        expected = pool(grid, f, s)[0, 0]
    except RuntimeError:
        assert view.status == "impossible" and view.pooled == []
        return
    assert view.output_size == expected.shape[0]
    assert torch.allclose(
        torch.tensor([[float(value) for value in row] for row in view.pooled], dtype=torch.float64), expected
    )


def test_example_grid_is_the_fixed_pattern():
    assert example_grid(3) == [[0, 5, 0], [3, 9, 5], [6, 3, 0]]


def receptive_field_by_gradient(layers: int, kernel: int, stride: int) -> int:
    """Independent oracle: how many input pixels move the centre output unit of a real stack of convolutions."""
    stack = nn.Sequential(*[nn.Conv2d(1, 1, kernel, stride, bias=False) for _ in range(layers)])
    for conv in stack:
        nn.init.ones_(conv.weight)
    size = 1 + (kernel + 1) * stride**layers * 2
    image = torch.zeros(1, 1, size, size, requires_grad=True)
    out = stack(image)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = image.grad[0, 0].abs().sum(dim=1).nonzero()
    return int(rows.max() - rows.min() + 1)


@pytest.mark.parametrize("layers, kernel, stride", [(1, 3, 1), (3, 3, 1), (2, 5, 1), (3, 3, 2), (2, 7, 2)])
def test_receptive_field_view_matches_gradients(layers, kernel, stride):
    view = receptive_field_view(layers=layers, kernel_size=kernel, stride=stride, channels=8)
    assert view.field == receptive_field_by_gradient(layers, kernel, stride)
    assert view.fields == [receptive_field_by_gradient(depth, kernel, stride) for depth in range(1, layers + 1)]


def test_receptive_field_vgg_argument_three_3x3_is_one_7x7():
    channels = 64
    view = receptive_field_view(layers=3, kernel_size=3, stride=1, channels=channels)
    stack = [nn.Conv2d(channels, channels, 3, bias=False) for _ in range(3)]
    assert view.field == 7
    assert (view.stack_coefficient, view.single_coefficient) == (27, 49)  # Simonyan & Zisserman §2.3: 27C² vs 49C²
    assert view.stack_weights == sum(conv.weight.numel() for conv in stack) == 27 * channels**2
    assert view.single_weights == nn.Conv2d(channels, channels, 7, bias=False).weight.numel() == 49 * channels**2


def macs_of(conv: nn.Conv2d, size: int) -> int:
    out = conv(torch.zeros(1, conv.in_channels, size, size))
    assert out.shape[-1] == size
    return out.numel() * conv.weight[0].numel()


def test_bottleneck_view_inception_numbers():
    view = bottleneck_view(size=28, in_channels=192, out_channels=32, kernel_size=5, bottleneck=16)
    direct = nn.Conv2d(192, 32, 5, padding=2)
    reduce, conv = nn.Conv2d(192, 16, 1), nn.Conv2d(16, 32, 5, padding=2)
    assert view.direct_macs == macs_of(direct, 28) == 120_422_400  # "≈ 120M" (Szegedy et al., lecture)
    assert view.total_macs == macs_of(reduce, 28) + macs_of(conv, 28) == 12_443_648  # "≈ 12.4M"
    assert view.total_params == sum(p.numel() for m in (reduce, conv) for p in m.parameters())
    assert bottleneck_view(bottleneck=0).total_macs == view.direct_macs


def test_bad_settings_raise_naming_the_constraint():
    with pytest.raises(ValueError, match="input_size must be >= 1, got 0"):
        conv_view(input_size=0)
    with pytest.raises(ValueError, match="stride must be an integer, got 1.5"):
        conv_view(stride=1.5)
    with pytest.raises(ValueError, match="mode must be one of max, avg, got 'median'"):
        pool_view(mode="median")
    with pytest.raises(ValueError, match="padding must be >= 0, got -1"):
        widgets.conv_explorer(padding=-1)
    with pytest.raises(TypeError, match="has no setting"):
        widgets.Explorer("conv", dilation=2)


# --- the kernel (ipywidgets) form, driven from Python ------------------------------------------


def test_conv_widget_stride_padding_and_impossible_settings():
    explorer = widgets.conv_explorer(input_size=7, depth=3, kernel_size=3, stride=1, filters=2).widget()
    assert shown(explorer.output.value, "size") == "5×5×2"
    assert shown(explorer.output.value, "params") == "56"  # (3·3·3 + 1)·2
    explorer.controls["stride"].value = 3
    assert shown(explorer.output.value, "size") == "2×2×2"
    assert "Stride 3 does not fit" in shown(explorer.output.value, "status")
    assert 'data-status="floor"' in explorer.output.value
    explorer.controls["stride"].value = 2
    assert shown(explorer.output.value, "size") == "3×3×2"
    explorer.controls["kernel_size"].value = 9
    assert shown(explorer.output.value, "size") == "none"
    assert shown(explorer.output.value, "status").startswith("Impossible: the 9×9 filter is larger than the padded")
    explorer.controls["kernel_size"].value = 5
    explorer.buttons["same-padding"].click()
    assert explorer.settings["padding"] == 2
    explorer.controls["stride"].value = 1
    assert shown(explorer.output.value, "size") == "7×7×2"  # same padding keeps the size
    explorer.controls["kernel_size"].value = 4
    explorer.buttons["same-padding"].click()
    assert explorer.settings["padding"] == 2  # an even filter has no same padding: nothing changes
    assert "is even" in shown(explorer.output.value, "same-padding")


def test_pool_widget_modes_and_presets():
    explorer = widgets.pool_explorer(input_size=4, kernel_size=2, stride=2, mode="max").widget()
    grid = torch.tensor(example_grid(4), dtype=torch.float64)[None, None]
    values = re.findall(r">([\d.]+)</text>", shown_group(explorer.output.value))
    assert values == [f"{v:g}" for v in F.max_pool2d(grid, 2).flatten().tolist()]
    explorer.controls["mode"].value = "avg"
    values = re.findall(r">([\d.]+)</text>", shown_group(explorer.output.value))
    assert [float(v) for v in values] == F.avg_pool2d(grid, 2).flatten().tolist()  # quarters: exact at 2 decimals
    explorer.buttons["overlapping"].click()
    assert (explorer.settings["kernel_size"], explorer.settings["stride"]) == (3, 2)
    assert "Overlapping (3/2)" in shown(explorer.output.value, "overlap")
    assert shown(explorer.output.value, "size") == "1×1"


def shown_group(html: str) -> str:
    return html.split('<g data-output="pooled">')[1].split("</g>")[0]


def test_receptive_field_and_bottleneck_widgets():
    explorer = widgets.receptive_field_explorer().widget()
    assert shown(explorer.output.value, "field") == "7×7"
    explorer.controls["layers"].value = 5
    assert shown(explorer.output.value, "field") == "11×11"
    cost = widgets.bottleneck_explorer().widget()
    assert shown(cost.output.value, "direct-macs") == "120,422,400"
    assert shown(cost.output.value, "bottleneck-macs") == "12,443,648"
    cost.controls["bottleneck"].value = 0
    assert shown(cost.output.value, "bottleneck-macs") == "none"


def reductions() -> dict[str, list[tuple[int, int, int, int]]]:
    """Every 1×1 reduction followed by a k×k convolution in the book's networks (built on the meta device):
    (input depth, 1×1 width, output depth, k), as the bottleneck explorer's settings name them."""
    from classic_cnn.models import ARCHITECTURES

    found = {}
    with torch.device("meta"):
        for name, build in ARCHITECTURES.items():
            convs = [m for m in build().modules() if isinstance(m, nn.Conv2d)]
            found[name] = [
                (reduce.in_channels, reduce.out_channels, conv.out_channels, conv.kernel_size[0])
                for reduce, conv in zip(convs, convs[1:])
                if reduce.kernel_size == (1, 1) and conv.kernel_size[0] > 1 and conv.in_channels == reduce.out_channels
            ]
    return found


def test_bottleneck_explorer_reaches_every_reduction_in_the_book():
    """GoogLeNet's 4e takes 528 channels in, ResNet-50's last stage 2048: the sliders reach every such layer."""
    found = reductions()
    assert (528, 160, 320, 3) in found["googlenet"] and (528, 32, 128, 5) in found["googlenet"]  # Table 1, 4e
    assert (2048, 512, 512, 3) in found["resnet50"]
    layers = [layer for network in found.values() for layer in network]
    sliders = {c.name: c for c in DEFINITIONS["bottleneck"].controls}
    for position, name in enumerate(("in_channels", "bottleneck", "out_channels", "kernel_size")):
        deepest = max(layer[position] for layer in layers)
        assert sliders[name].minimum <= min(layer[position] for layer in layers) and deepest <= sliders[name].maximum
    assert sliders["in_channels"].maximum == max(layer[0] for layer in layers) == 2048  # and no further
    html = widgets.bottleneck_explorer().html()
    assert re.search(r'max="2048"[^>]*data-control="in_channels"', html)
    assert widgets.bottleneck_explorer().widget().controls["in_channels"].max == 2048
    assert shown(widgets.bottleneck_explorer(in_channels=528).widget().output.value, "direct-macs") == "331,161,600"


def test_explorer_table_is_the_one_source():
    """Titles, controls, defaults and colours come from explorers.json, and the browser gets that same table."""
    assert {kind: d.title for kind, d in DEFINITIONS.items()} == {k: e["title"] for k, e in TABLE["explorers"].items()}
    assert {kind: d.defaults for kind, d in DEFINITIONS.items()} == {
        k: e["defaults"] for k, e in TABLE["explorers"].items()
    }
    assert render.WINDOW == TABLE["colours"]["window"] and render.MAX_CELLS == TABLE["sizes"]["max_cells"]
    [line] = [line for line in widgets.conv_explorer().html().splitlines() if line.startswith("ClassicCnn.TEXT = ")]
    shipped = {key: value for key, value in TABLE.items() if key != "ui"}  # the other widgets' words stay home
    assert json.loads(line.removeprefix("ClassicCnn.TEXT = ").removesuffix(";")) == shipped
    assert "</" not in line  # escaped as <\/, so that no sentence can close the <script>


def leaves(value: object):
    """Every string in a nested JSON value."""
    if isinstance(value, str):
        yield value
    for item in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
        yield from leaves(item)


def test_no_sentence_of_the_table_is_typed_again():
    """The explorers' words live in explorers.json alone: no five-word run of its sentences is in their code."""
    folder = Path(widgets.__file__).parent
    code = ["explorers.py", "logic.py", "render.py", "kernel.py", "static.py", "js/render.js", "js/mount.js"]
    code += ["activations.py", "playground.py", "walker.py", "js/activations.js", "js/playground.js", "js/i18n.js"]
    sources = {name: (folder / name).read_text(encoding="utf-8") for name in code}  # js/shapes.js words shapes.py's
    fragments = [
        fragment.strip(" .,:;()=·")
        for sentence in leaves(TABLE)
        for fragment in re.split(r"\{\w+\}|<[^>]*>", sentence)  # the words between the numbers and the markup
    ]
    fragments = [fragment for fragment in fragments if len(fragment.split()) >= 5]
    assert len(fragments) > 20
    assert not [(fragment, name) for fragment in fragments for name, source in sources.items() if fragment in source]


# --- the static (browser) form's HTML -----------------------------------------------------------


def test_static_explorer_html_carries_controls_view_and_hooks():
    explorer = widgets.conv_explorer(stride=3)
    page = explorer._repr_html_()
    for name, value in explorer.settings.items():
        assert re.search(rf'value="{value}" data-control="{name}"', page)
    assert 'data-action="same-padding"' in page and 'data-explorer="conv"' in page
    assert explorer.view_html in page  # Python's rendering is shown before any script runs
    assert explorer.view_html == explorer.widget().output.value  # kernel and static forms show the same view
    assert repr(explorer) == "conv_explorer(input_size=7, depth=3, kernel_size=3, stride=3, padding=0, filters=2)"
    first, second = widgets.pool_explorer(), widgets.pool_explorer()
    assert int(second.id.split("-")[1]) == int(first.id.split("-")[1]) + 1  # a counter, not random
    assert widgets.conv_explorer(input_size=227, kernel_size=11, stride=4).settings["input_size"] == 227
    assert 'max="227"' in widgets.conv_explorer(input_size=227, kernel_size=11, stride=4).html()


# --- the architecture walker (its numbers: tests/test_walker.py) ----------------------------------


def test_walker_static_and_widget():
    walker = widgets.architecture_walker(selected="AlexNet")
    page = walker._repr_html_()
    assert 'data-control="architecture"' in page
    assert '<div data-panel="AlexNet">' in page and '<div data-panel="VGG-16" hidden>' in page
    widget = walker.widget()
    assert "55×55×96" in widget.output.value
    widget.controls["architecture"].value = "VGG-16"
    assert "138,357,544" in widget.output.value and "7×7×512" in widget.output.value
    with pytest.raises(ValueError, match="is not one of"):
        widgets.architecture_walker(selected="ResNet-1000")


# --- the activation explorer on a model with known weights --------------------------------------


def test_activation_explorer_shows_the_hooked_maps():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(18, 3))
    image = torch.randn(1, 8, 8)
    explorer = widgets.ActivationExplorer(model, image)
    assert list(explorer.maps) == ["0", "1", "2"]  # flatten and linear give no maps
    assert not any(module._forward_hooks for module in model.modules())  # hooks removed
    conv = F.conv2d(image[None], model[0].weight, model[0].bias)[0]
    explorer.controls["channel"].value = 1
    assert torch.allclose(explorer.activation(), conv[1])
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    explorer.controls["layer"].value = "2"
    assert torch.allclose(explorer.activation(), F.max_pool2d(conv.relu(), 2)[1])
    assert "3×3×2" in explorer.caption.value
    with pytest.raises(ValueError, match="no layer"):
        widgets.ActivationExplorer(model, image, layers=["nope"])
    with pytest.raises(ValueError, match="image must be"):
        widgets.ActivationExplorer(model, torch.zeros(2, 2, 1, 8, 8))


def test_activation_explorer_steps_through_a_batch_of_images():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    images = torch.randn(5, 3, 8, 8)
    explorer = widgets.ActivationExplorer(model, images)
    assert len(explorer.recorded) == 5 and explorer.controls["image"].max == 4
    explorer.controls["channel"].value = 2
    explorer.controls["image"].value = 3
    assert torch.allclose(explorer.activation(), model[0](images[3:4])[0, 2], atol=1e-6)
    assert explorer.input.value[:8] == b"\x89PNG\r\n\x1a\n" and "image 3, 0: 6×6×4, channel 2" in explorer.caption.value
    assert repr(explorer) == "ActivationExplorer(5 image(s), layers=['0', '1'])"
    single = widgets.ActivationExplorer(model, images[0])
    assert single.controls["image"].layout.display == "none"
    assert len(widgets.ActivationExplorer(model, [images[0], images[1]]).recorded) == 2
