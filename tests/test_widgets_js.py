"""The JavaScript the static explorers ship computes and draws what Python does.

The script is cut out of a real explorer's HTML output and run under node, so the test exercises exactly
what a reader's browser runs. Formulas are compared with ``classic_cnn.shapes`` (value, or refusal where
Python raises), rendered markup byte for byte with ``render.py`` (hashed, to keep the traffic small).
"""

import hashlib
import html
import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from classic_cnn import widgets
from classic_cnn.shapes import (
    Conv,
    conv_macs,
    conv_output_size,
    conv_params,
    pool_output_size,
    receptive_field,
    same_padding,
)
from classic_cnn.widgets.explorers import DEFINITIONS, TABLE
from classic_cnn.widgets.render import RENDERERS
from classic_cnn.widgets.static import SCRIPTS, library_js, table_js

NODE = shutil.which("node")


def require_node() -> None:
    """Skip without node on a laptop; under CI (``CI`` set, as CI services do) a missing node is a failure."""
    if NODE is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed, and CI is set: the JavaScript explorers would go untested")
        pytest.skip("node is not installed")


def test_missing_node_skips_locally_but_fails_under_ci(monkeypatch):
    monkeypatch.setattr(f"{__name__}.NODE", None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require_node()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_node()


HARNESS = r"""
const fs = require("fs"), vm = require("vm"), crypto = require("crypto");
const [library, casesFile] = process.argv.slice(2);
const sandbox = {};
vm.runInNewContext(fs.readFileSync(library, "utf8"), sandbox);
const api = sandbox.ClassicCnn;
const sha = (text) => crypto.createHash("sha256").update(text, "utf8").digest("hex");
const out = JSON.parse(fs.readFileSync(casesFile, "utf8")).map(([what, name, args]) => {
  try {
    if (what === "formula") return api.shapes[name](...args);
    if (what === "render") return sha(api.render[name](args));
    if (what === "render-full") return api.render[name](args);
    if (what === "action") return api.actions[name[0]][name[1]](args);
  } catch (error) { return { error: error.name + ": " + error.message }; }
});
process.stdout.write(JSON.stringify(out));
"""


def shipped_library() -> str:
    """The script inside an explorer's HTML output, without its mount call."""
    page = widgets.conv_explorer()._repr_html_()
    match = re.search(r"<script>\n(.*)\nClassicCnn\.mount\(\"(ccnn-\d+)\"\);\n</script>", page, re.S)
    assert match, "the explorer's output carries no script"
    return match.group(1)


@pytest.fixture(scope="module")
def run_js(tmp_path_factory):
    require_node()
    folder = tmp_path_factory.mktemp("js")
    (folder / "library.js").write_text(shipped_library(), encoding="utf-8")
    (folder / "harness.js").write_text(HARNESS, encoding="utf-8")

    def run(cases: list) -> list:
        (folder / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
        result = subprocess.run(
            [NODE, str(folder / "harness.js"), str(folder / "library.js"), str(folder / "cases.json")],
            capture_output=True,
            text=True,
            timeout=120,
            encoding="utf-8",
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    return run


def python_result(function, *args, **kwargs):
    """The value, or the refusal as the browser reports it: a RangeError with ``str(error)`` as its message."""
    try:
        return function(*args, **kwargs)
    except ValueError as error:
        return {"error": f"RangeError: {error}"}


def test_shipped_script_is_the_package_files():
    source_lines = [table_js()]
    for name in SCRIPTS:
        text = (Path(widgets.__file__).parent / "js" / name).read_text(encoding="utf-8")
        source_lines += [
            line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("//")
        ]
    assert shipped_library() == library_js() == "\n".join(source_lines)
    assert "</script" not in library_js()


def test_sentences_are_typed_once():
    """No sentence of explorers.json is also spelled out in render.py or render.js."""
    leaves, stack = [], [TABLE["text"]]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack += item.values()
        elif isinstance(item, list):
            stack += item
        elif isinstance(item, str):
            leaves.append(item)
    fragments = {part for leaf in leaves for part in re.split(r"\{\w+\}|<[^>]*>", leaf) if len(part) >= 20}
    assert len(fragments) > 30
    folder = Path(widgets.__file__).parent
    for source in (folder / "render.py", folder / "js" / "render.js"):
        text = source.read_text(encoding="utf-8")
        assert not [part for part in fragments if part in text], source.name


def test_formulas_agree_with_shapes(run_js):
    cases, expected = [], []
    for n, k, s, p, d, strict in itertools.product(
        range(1, 13), range(1, 7), range(1, 5), range(4), (1, 2), (False, True)
    ):
        cases.append(("formula", "convOutputSize", [n, k, s, p, d, strict]))
        expected.append(python_result(conv_output_size, n, k, s, p, d, strict=strict))
    for n, k, s, p, d, ceil, strict in itertools.product(
        range(1, 11), range(1, 6), range(1, 5), range(3), (1, 2), (False, True), (False, True)
    ):
        cases.append(("formula", "poolOutputSize", [n, k, s, p, d, ceil, strict]))
        expected.append(python_result(pool_output_size, n, k, s, p, d, ceil_mode=ceil, strict=strict))
    for k, s, d in itertools.product(range(1, 9), range(1, 4), range(1, 4)):
        cases.append(("formula", "samePadding", [k, s, d]))
        expected.append(python_result(same_padding, k, s, d))
    for layers in ([], [[3, 1]] * 3, [[11, 4], [3, 2], [5, 1], [3, 2], [3, 1]], [[7, 2], [3, 2], [3, 1, 2]]):
        cases.append(("formula", "receptiveField", [layers]))
        expected.append(
            receptive_field(Conv(1, *layer[:2], dilation=layer[2] if len(layer) > 2 else 1) for layer in layers)
        )
    for cin, cout, k, bias, groups in itertools.product(
        (1, 3, 4, 96), (1, 2, 6, 256), (1, 3, 5), (True, False), (1, 2)
    ):
        cases.append(("formula", "convParams", [cin, cout, k, bias, groups]))
        expected.append(python_result(conv_params, cin, cout, k, bias, groups))
    for cin, cout, k, size, groups in itertools.product(
        (0, 1, 4, 192), (0, 2, 3, 32), (0, 1, 5), (0, 1, 28, 55), (0, 1, 2)
    ):
        cases.append(("formula", "convMacs", [cin, cout, k, size, size, groups]))
        expected.append(python_result(conv_macs, cin, cout, k, size, size, groups))
    got = run_js(cases)
    mismatches = [(case, want, have) for case, want, have in zip(cases, expected, got) if want != have]
    assert len(got) == len(cases) > 9000
    assert not mismatches, mismatches[:5]
    assert sum("error" in str(want) for want in expected) > 2000  # the grid reaches the refusals too


# Settings no slider produces: zero, negative, fractional, text, boolean and missing (None) values.
BAD = (0, -1, 1.5, "3", True, None)
FORMULAS = {
    "convOutputSize": (conv_output_size, (7, 3, 1, 0, 1)),
    "poolOutputSize": (pool_output_size, (7, 3, 2, 0, 1)),
    "samePadding": (same_padding, (3, 1, 1)),
    "convParams": (conv_params, (3, 4, 3, True, 1)),
    "convMacs": (conv_macs, (4, 2, 3, 5, 5, 2)),
}


def test_refusals_read_as_in_python(run_js):
    """Each argument in turn set to a value no slider gives: the JS message is ``str(error)``, word for word."""
    cases, expected = [], []
    for name, (function, valid) in FORMULAS.items():
        for position, bad in itertools.product(range(len(valid)), BAD):
            if name == "convParams" and position == 3:
                continue  # bias is a flag, not a number: any value is taken as true or false
            if name == "poolOutputSize" and position == 2 and bad is None:
                continue  # a missing pooling stride means the kernel size, in both languages
            args = list(valid)
            args[position] = bad
            cases.append(("formula", name, args))
            expected.append(python_result(function, *args))
    for layers in ([[0, 1]], [[3, 0]], [[3, 1], [1.5, 1]], [[3, "2"]], [[3, None]], [[True, 1]]):
        cases.append(("formula", "receptiveField", [layers]))
        expected.append(python_result(receptive_field, [tuple(layer) for layer in layers]))
    got = run_js(cases)
    mismatches = [(case, want, have) for case, want, have in zip(cases, expected, got) if want != have]
    assert not mismatches, mismatches[:5]
    assert all("error" in want for want in expected[-6:])


def test_explorers_refuse_settings_as_in_python(run_js):
    """Each setting of each explorer in turn set to a value no control gives: the browser's message is Python's."""
    cases, expected = [], []
    for kind, definition in DEFINITIONS.items():
        for name, bad in itertools.product(definition.defaults, BAD + ("median",)):
            settings = {**definition.defaults, name: bad}
            cases.append(("render", kind, settings))
            view = python_result(RENDERERS[kind], **settings)
            expected.append(hashlib.sha256(view.encode()).hexdigest() if isinstance(view, str) else view)
    got = run_js(cases)
    mismatches = [(case, want, have) for case, want, have in zip(cases, expected, got) if want != have]
    assert not mismatches, mismatches[:5]
    assert sum(isinstance(want, str) for want in expected) == 2  # only padding 0 and bottleneck width 0 are settings


def render_grid() -> list[tuple[str, dict]]:
    grid = []
    for n, k, s, p, depth, filters in itertools.product(
        (1, 2, 3, 5, 7, 8, 32, 70), (1, 2, 3, 4, 5, 11), (1, 2, 3, 4), (0, 1, 2, 5), (1, 3), (1, 96)
    ):
        grid.append(("conv", dict(input_size=n, depth=depth, kernel_size=k, stride=s, padding=p, filters=filters)))
    grid.append(("conv", dict(input_size=227, depth=3, kernel_size=11, stride=4, padding=0, filters=96)))  # AlexNet
    for n, k, s, mode in itertools.product(range(1, 13), range(1, 7), range(1, 7), ("max", "avg")):
        grid.append(("pool", dict(input_size=n, kernel_size=k, stride=s, mode=mode)))
    for layers, k, s, channels in itertools.product(range(1, 6), range(1, 8), (1, 2), (1, 64, 512)):
        grid.append(("receptive-field", dict(layers=layers, kernel_size=k, stride=s, channels=channels)))
    for size, cin, cout, k, narrow in itertools.product(
        (1, 7, 28, 56), (1, 16, 192, 512), (1, 32, 256), (1, 3, 5, 7), (0, 1, 16, 64, 256)
    ):
        grid.append(
            ("bottleneck", dict(size=size, in_channels=cin, out_channels=cout, kernel_size=k, bottleneck=narrow))
        )
    return grid


def test_rendered_views_are_identical(run_js):
    grid = render_grid()
    got = run_js([("render", kind, settings) for kind, settings in grid])
    python = [RENDERERS[kind](**settings) for kind, settings in grid]
    statuses = {view.split('data-status="')[1].split('"')[0] for view in python}
    assert statuses == {"ok", "floor", "impossible"}  # the grid reaches every case
    for (kind, settings), have, want in zip(grid, got, python):
        if have != hashlib.sha256(want.encode()).hexdigest():
            [full] = run_js([("render-full", kind, settings)])
            at = next((i for i, (a, b) in enumerate(zip(full, want)) if a != b), min(len(full), len(want)))
            pytest.fail(
                f"{kind} {settings}: JS and Python differ at {at}:\nJS: {full[at - 60 : at + 60]!r}\n"
                f"PY: {want[at - 60 : at + 60]!r}"
            )


def test_buttons_agree(run_js):
    cases, expected = [], []
    for kind, definition in DEFINITIONS.items():
        for button in definition.buttons:
            for kernel in range(1, 8):
                settings = {**definition.defaults, "kernel_size": kernel}
                cases.append(("action", [kind, button.action], settings))
                expected.append(button.apply(settings))
    assert run_js(cases) == expected
    assert {"padding": 2} in expected and {} in expected  # odd F: (F-1)/2; even F: nothing to do


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_static_explorer_recomputes_in_a_browser(tmp_path):
    """Load an explorer's output in headless Chromium, move the stride and press 'same padding' via the hooks."""
    explorer = widgets.conv_explorer(input_size=7, kernel_size=3, stride=1)
    probe = """<script>
    const root = document.querySelector('[data-explorer="conv"]');
    const size = () => root.querySelector('[data-output="size"]').textContent;
    const seen = [root.getAttribute("data-mounted"), size()];
    const stride = root.querySelector('[data-control="stride"]');
    stride.value = 3; stride.dispatchEvent(new Event("input"));
    seen.push(size(), root.querySelector('[data-output="view"] > div').getAttribute("data-status"));
    root.querySelector('[data-control="kernel_size"]').value = 5;
    root.querySelector('[data-action="same-padding"]').click();
    seen.push(root.querySelector('[data-control="padding"]').value, size());
    document.body.setAttribute("data-probe", JSON.stringify(seen));
    </script>"""
    page = tmp_path / "page.html"
    page.write_text(
        f"<!doctype html><meta charset=utf-8><body>{explorer._repr_html_()}{probe}</body>", encoding="utf-8"
    )
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<body data-probe="(.*?)">', result.stdout)
    assert found, result.stderr[-2000:]
    # 7×7, F=3: S=1 → 5×5×2; S=3 → 2×2×2 floored; F=5 with same padding 2 at S=3 → (7-5+4)/3+1 = 3
    assert json.loads(html.unescape(found.group(1))) == ["true", "5×5×2", "2×2×2", "floor", "2", "3×3×2"]


# --- the activation explorer: the page draws the kernel's picture -----------------------------------------

ACTIVATIONS_HARNESS = r"""
const fs = require("fs"), vm = require("vm");
const [library, specFile, casesFile] = process.argv.slice(2);
const sandbox = {atob: (text) => Buffer.from(text, "base64").toString("binary")};
vm.runInNewContext(fs.readFileSync(library, "utf8"), sandbox);
const api = sandbox.ClassicCnn, spec = JSON.parse(fs.readFileSync(specFile, "utf8"));
const levels = api.bytes(spec.levels), colours = api.bytes(spec.colours), inputs = api.bytes(spec.inputs);
const layout = api.activationLayout(spec);
const drawn = JSON.parse(fs.readFileSync(casesFile, "utf8")).map(([image, layer, channel]) => {
  const shape = spec.layers[layer];
  const map = api.mapPixels(levels, layout.map(image, layer, channel), shape[2] * shape[3], colours);
  const input = api.rgbPixels(inputs, layout.input(image), spec.input[0] * spec.input[1]);
  const range = spec.ranges[image][layer].split(" ");
  return {map: Array.from(map), input: Array.from(input), range: [range[2 * channel], range[2 * channel + 1]]};
});
console.log(JSON.stringify(drawn));
"""


def _pixels(png: bytes, height: int, width: int):
    """A kernel picture (enlarged by a whole factor, nearest neighbour) back at one pixel per value, as RGBA."""
    import io

    import numpy as np
    from PIL import Image

    picture = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    factor = picture.shape[0] // height
    rgb = picture[::factor, ::factor][:height, :width]
    return np.concatenate([rgb, np.full((height, width, 1), 255, np.uint8)], axis=-1).ravel().tolist()


def test_activation_explorer_page_draws_the_kernels_picture(tmp_path):
    require_node()
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Tanh(), nn.MaxPool2d(2), nn.Conv2d(4, 5, 3))
    images = torch.randn(3, 3, 12, 12)
    explorer = widgets.activation_explorer(model, images)
    page = explorer.html()
    script = re.search(r"<script>\n(.*)\nClassicCnn\.mountActivations", page, re.S).group(1)
    spec = re.search(r'<script type="application/json">(.*?)</script>', page, re.S).group(1)
    (tmp_path / "library.js").write_text(script)
    (tmp_path / "spec.json").write_text(spec.replace("<\\/", "</"))
    cases = [(0, 0, 0), (2, 0, 3), (1, 1, 2), (2, 2, 1), (1, 3, 4)]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "harness.js").write_text(ACTIVATIONS_HARNESS)
    run = subprocess.run(
        [
            NODE,
            str(tmp_path / "harness.js"),
            *(str(tmp_path / name) for name in ("library.js", "spec.json", "cases.json")),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    drawn = json.loads(run.stdout)
    kernel = explorer.widget()  # the ipywidgets form: draws with the kernel (matplotlib's colour map, PIL)
    layers = list(kernel.maps)
    for (image, layer, channel), page_drew in zip(cases, drawn):
        kernel.controls["image"].value, kernel.controls["layer"].value = image, layers[layer]
        kernel.controls["channel"].value = channel
        height, width = kernel.activation().shape
        assert page_drew["map"] == _pixels(kernel.image.value, height, width), (image, layer, channel)
        assert page_drew["input"] == _pixels(kernel.input.value, 12, 12)
        low, high = page_drew["range"]
        assert f"min {low}, max {high}" in kernel.caption.value
    assert f"image 0, 0: 10×10×4, channel 0: min {drawn[0]['range'][0]}" in page  # the first view, before JS
