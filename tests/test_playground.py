"""Chapter 2's playground: the weights it ships, the input it builds, and its JavaScript forward pass in Chromium.

The browser's numbers are compared with PyTorch running the same (int8-quantized) weights, layer by layer, and
with the trained float32 network; the drawn input with ``classic_cnn.data``'s own digits.
"""

from __future__ import annotations

import base64

import pytest
import torch
import torch.nn.functional as F
from test_site import browser  # noqa: F401 — the module's Chromium (skips where there is none)

from classic_cnn import data
from classic_cnn.hooks import capture, eval_mode
from classic_cnn.models import lenet5
from classic_cnn.models.lenet import connection_table
from classic_cnn.train import Step, Trainer, recipe
from classic_cnn.widgets import LeNetPlayground, TrainingMoments
from classic_cnn.widgets.playground import BUDGET_BYTES, decode, decode_network, drawing_format, encode, encode_network

# float32 in PyTorch against float64 sums in JavaScript, on the same (dequantized) weights: the bound
# for float32 weights (2e-5 measured on the chapter's networks, whose squared distances reach about 100)
SAME_WEIGHTS = 1e-4
# int8 weights against the trained float32 ones: the outputs move by less than this (0.23 measured on the
# chapter's networks, whose squared distances reach the hundreds), and a prediction may change only where
# PyTorch's two best outputs are closer than twice that digit's change: a tie at the quantization's resolution
# (none of the chapter's 360 test digits changes; the short run of the test changes one of 200)
QUANTIZED = 0.5
LAYERS = ("C1", "S2", "C3", "S4", "C5", "F6")


def digits_trainer(variant: str, epochs: int = 4) -> Trainer:
    torch.manual_seed(0)
    images = data.load("digits", normalize="lecun" if variant == "paper" else "standard")
    return Trainer(lenet5(variant=variant), images, recipe("lenet5", "quick").replace(epochs=epochs), progress=False)


def recorded_without_training(trainer: Trainer) -> TrainingMoments:
    """Moments recorded at the steps where fit would record them (the weights do not matter for the size)."""
    moments = TrainingMoments(trainer)
    for epoch in range(1, trainer.recipe.epochs + 1):
        moments(Step(epoch * len(trainer.loader), epoch, 0.0, 0.0, 0.01))
    return moments


# --- Python side ----------------------------------------------------------------------------------


def test_encode_is_int8_with_a_scale_per_row_and_round_trips_within_half_a_step():
    tensor = torch.randn(7, 3, 5, 5) * torch.logspace(-3, 1, 7).view(7, 1, 1, 1)  # rows of very different sizes
    packed = encode(tensor)
    decoded = decode(packed)
    assert decoded.shape == tensor.shape and decoded.dtype == torch.float32
    step = tensor.abs().amax(dim=(1, 2, 3)) / 127
    assert ((decoded - tensor).abs().amax(dim=(1, 2, 3)) <= step / 2 + 1e-9).all()
    assert len(packed["data"]) == 4 * -(-tensor.numel() // 3)  # one byte per value, base64
    vector = torch.tensor([0.5, -2.0, 0.0])
    assert torch.allclose(decode(encode(vector)), vector, atol=2.0 / 254)
    assert decode(encode(torch.zeros(4))).eq(0).all()


def test_network_round_trip_keeps_every_tensor_and_the_c3_table():
    for variant in ("paper", "modern"):
        model = lenet5(variant=variant)
        description = encode_network(model)
        state = decode_network(description)
        fresh = lenet5(variant=variant)
        fresh.load_state_dict(state, strict=True)  # every key, every shape
        for name, value in model.state_dict().items():
            assert (state[name] - value).abs().max() <= value.abs().max() / 254 + 1e-9, name
    table = connection_table()  # (S2 map, C3 map) from the paper's literal grid
    c3_inputs = encode_network(lenet5())["c3_inputs"]
    assert c3_inputs == [table[:, j].nonzero().flatten().tolist() for j in range(16)]
    assert "c3_inputs" not in encode_network(lenet5(variant="modern"))
    with pytest.raises(TypeError, match="LeNet-5"):
        encode_network(torch.nn.Linear(2, 2))


def test_training_moments_copy_the_weights_of_the_run_itself():
    trainer = Trainer(
        lenet5(),
        data.load("digits", normalize="lecun"),
        recipe("lenet5", "quick").replace(epochs=3, batch_size=128),
        progress=False,
    )
    before = {name: value.clone() for name, value in trainer.model.state_dict().items()}
    moments = TrainingMoments(trainer, epochs=(1, 3))
    trainer.fit(on_step=moments)
    assert sorted(moments.states) == [0, 1, 3]
    final = trainer.model.state_dict()
    for name in before:
        assert torch.equal(moments.states[0][name], before[name])
        assert torch.equal(moments.states[3][name], final[name])
    assert not torch.equal(moments.states[1]["layers.C1.weight"], moments.states[0]["layers.C1.weight"])
    assert not torch.equal(moments.states[1]["layers.C1.weight"], moments.states[3]["layers.C1.weight"])
    with pytest.raises(ValueError, match="already taken"):
        TrainingMoments(trainer)
    with pytest.raises(ValueError, match=r"1\.\.3"):
        TrainingMoments(Trainer(lenet5(), trainer.data, trainer.recipe, progress=False), epochs=(0, 4))


def test_the_chapters_playground_fits_the_page_budget():
    """Four moments of the classic network and the trained modern one, the picker's digits and the scripts."""
    classic = recorded_without_training(digits_trainer("paper", epochs=50))
    modern = recorded_without_training(digits_trainer("modern", epochs=50))
    playground = LeNetPlayground(classic, modern)
    assert [m["label"] for m in playground.payload["classic"]["moments"]][:2] == [
        "before training",
        "after epoch 1 of 50",
    ]
    assert [m["epoch"] for m in playground.payload["classic"]["moments"]] == [0, 1, 25, 50]
    assert [m["epoch"] for m in playground.payload["modern"]["moments"]] == [50]
    size = len(playground.html().encode("utf-8"))
    assert 300_000 < size < BUDGET_BYTES, size
    with pytest.raises(ValueError, match="variant='paper'"):
        LeNetPlayground(modern)


def test_drawing_format_rebuilds_the_data_modules_digits():
    """Scans resized and placed as drawing_format says, then coded, are exactly load()'s test images."""
    lecun = data.load("digits", normalize="lecun")
    form = drawing_format(lecun)
    assert (form["side"], form["box"], form["field"]) == (8, 8, 32)
    assert (form["inner"], form["margin"]) == data.digit_box(32)
    raw = torch.tensor(list(base64.b64decode(form["scans"])), dtype=torch.float32)
    scans = raw.view(-1, 1, 8, 8) / form["levels"]
    assert len(scans) == len(lecun.test_labels) and form["labels"] == lecun.test_labels.tolist()
    placed = F.interpolate(scans, size=(form["inner"],) * 2, mode="bilinear", align_corners=False).clamp(0, 1)
    after = 32 - form["inner"] - form["margin"]
    fields = F.pad(placed, (form["margin"], after, form["margin"], after))
    assert torch.equal(fields, data.load("digits", normalize="none").test_images)
    for dataset in (lecun, data.load("digits")):
        coded = (fields - dataset.shift[0]) / dataset.scale[0]
        assert torch.allclose(coded, dataset.test_images, atol=1e-6)
    with pytest.raises(ValueError, match="grey digits, patterns has 3 channels"):
        drawing_format(data.load("patterns", normalize="none"))


# --- in Chromium ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained():
    """A short real run of both networks (moments at epochs 1, 2 and 4) and their playground."""
    classic, modern = digits_trainer("paper"), digits_trainer("modern")
    moments = TrainingMoments(classic)
    classic.fit(on_step=moments)
    modern.fit()
    return moments, modern, LeNetPlayground(moments, modern)


@pytest.fixture(scope="module")
def page_of(browser, trained, tmp_path_factory):  # noqa: F811 — test_site's fixture
    """Open the playground in a fresh page at a given width; console errors are collected on ``page.errors``."""
    folder = tmp_path_factory.mktemp("playground")
    file = folder / "playground.html"
    file.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
        f"</head><body>{trained[2].html()}</body></html>",
        encoding="utf-8",
    )
    pages = []

    def open_page(width: int = 1100):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.errors = []
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(file.as_uri())
        page.wait_for_selector("[data-mounted='true']")
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()


JS_FORWARD = """([name, moment, count, names]) => {
  const pg = Object.values(ClassicCnn.playgrounds)[0], out = [];
  for (let i = 0; i < count; i++) {
    const field = pg.place(pg.scanOf(i));
    const layers = ClassicCnn.lenet.forward(pg.networks[name][moment], pg.code(field, name));
    const row = {field: Array.from(field), prediction: layers.prediction,
                 output: Array.from(layers.distances || layers.scores)};
    if (i < 5) { for (const layer of names) { row[layer] = Array.from(layers[layer]); } }
    out.push(row);
  }
  return out;
}"""


def torch_layers(model, images):
    names = {name: getattr(model.layers, f"{name}_squash" if model.variant == "paper" else name) for name in LAYERS}
    if model.variant == "modern":  # after the ReLU, as the page draws them
        names.update({name: getattr(model.layers, f"{name}_relu") for name in ("C1", "C3", "C5", "F6")})
    with capture(names) as outputs, eval_mode(model), torch.no_grad():
        logits = model(images)
    return {name: value.flatten(1) for name, value in outputs.items()}, logits


@pytest.mark.slow
def test_javascript_forward_equals_pytorch_on_200_test_digits(trained, page_of):
    moments, modern_trainer, playground = trained
    page = page_of()
    sources = {"classic": moments.trainer, "modern": modern_trainer}
    pixels = data.load("digits", normalize="none").test_images[:200]
    for name, trainer in sources.items():
        descriptions = [moment["network"] for moment in playground.payload[name]["moments"]]
        for index, description in enumerate(descriptions):
            js = page.evaluate(JS_FORWARD, [name, index, 200, list(LAYERS)])
            fields = torch.tensor([row["field"] for row in js]).view(-1, 1, 32, 32)
            assert (fields - pixels).abs().max() < 1e-6  # the input: the data module's own digits
            model = lenet5(variant=trainer.model.variant)
            model.load_state_dict(decode_network(description))
            layers, logits = torch_layers(model, trainer.data.test_images[:200])
            output = -logits if name == "classic" else logits  # the page shows distances, not their negatives
            js_output = torch.tensor([row["output"] for row in js], dtype=torch.float64)
            assert (js_output - output.double()).abs().max() <= SAME_WEIGHTS, (name, index)
            assert [row["prediction"] for row in js] == logits.argmax(1).tolist(), (name, index)
            for layer in LAYERS:
                js_layer = torch.tensor([row[layer] for row in js[:5]], dtype=torch.float64)
                assert (js_layer - layers[layer][:5].double()).abs().max() <= SAME_WEIGHTS, (name, index, layer)
        # the last moment is the trained network itself, in float32
        _, float_logits = torch_layers(trainer.model.cpu(), trainer.data.test_images[:200])
        float_output = (-float_logits if name == "classic" else float_logits).double()
        change = (js_output - float_output).abs().max(dim=1).values
        assert change.max() <= QUANTIZED, name
        best_two = float_logits.topk(2, dim=1).values
        tie = (best_two[:, 0] - best_two[:, 1]).double() < 2 * change
        same = torch.tensor([row["prediction"] for row in js]) == float_logits.argmax(1)
        assert (same | tie).all() and (~same).sum() <= 2, (name, (~same).sum())  # at most 1% of the digits
    assert page.errors == []


def draw_stroke(page, points):
    box = page.locator("[data-input='pad']").bounding_box()
    scale = box["width"] / 224
    page.mouse.move(box["x"] + points[0][0] * scale, box["y"] + points[0][1] * scale)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=3)
    page.mouse.up()
    page.wait_for_timeout(100)  # one animation frame at least


LAST = "(name) => { const l = Object.values(ClassicCnn.playgrounds)[0].last[name]; return [Array.from(l.input), Array.from(l.C1), Array.from(l.S4), l.prediction]; }"


@pytest.mark.slow
@pytest.mark.parametrize("width", [1100, 390])
def test_a_drawn_stroke_changes_the_input_the_maps_and_the_prediction(trained, page_of, width):
    page = page_of(width)
    labels = trained[2].payload["drawing"]["labels"]
    page.select_option("[data-control='digit']", str(labels.index(0)))  # a test zero
    page.check("[data-control='modern']")
    before = {name: page.evaluate(LAST, name) for name in ("classic", "modern")}
    draw_stroke(page, [(112, 30 + 8 * t) for t in range(21)])  # a one
    after = {name: page.evaluate(LAST, name) for name in ("classic", "modern")}
    for name in ("classic", "modern"):
        for what, old, new in zip(("input", "C1", "S4", "prediction"), before[name], after[name]):
            assert old != new, (name, what)
        shown = page.locator(f"[data-network='{name}']").get_attribute("data-prediction")
        assert shown == str(after[name][3])
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sticks out at phone width
    pad = page.locator("[data-input='pad']").bounding_box()
    assert pad["x"] >= 0 and pad["x"] + pad["width"] <= width
    page.click("[data-action='clear']")
    assert page.evaluate(LAST, "classic")[0] != after["classic"][0]
    page.fill("[data-control='moment']", "0")
    page.dispatch_event("[data-control='moment']", "input")
    assert "before training" in page.locator("[data-output='prediction']").first.text_content()
    assert page.errors == []


def test_drawing_format_of_mnist_is_its_28x28_digits_padded_by_2():
    """The full profile's MNIST: a 20×20 digit box in a 28×28 scan, and the scan padded by 2 (no resizing)."""
    pixels = torch.randint(0, 256, (5, 1, 28, 28), generator=torch.Generator().manual_seed(0)).float() / 255
    fields = F.pad(pixels, (2, 2, 2, 2))
    labels = torch.arange(5)
    mnist = data.Dataset("mnist", fields, labels, fields, labels, tuple("0123456789"), "generated")
    form = drawing_format(mnist)
    assert (form["side"], form["box"], form["inner"], form["margin"], form["levels"]) == (28, 20, 28, 2, 255)
    scans = torch.tensor(list(base64.b64decode(form["scans"])), dtype=torch.float32).view(-1, 1, 28, 28)
    assert torch.equal(scans / 255, pixels) and form["labels"] == labels.tolist()
