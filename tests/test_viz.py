"""viz: every function returns a Figure, for our models and for torchvision's; the pixels are the oracle's."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from torch import nn  # noqa: E402

from classic_cnn import viz  # noqa: E402
from classic_cnn.data import load, sample_photo  # noqa: E402
from classic_cnn.shapes import FC, Conv, Flatten, Pool, trace  # noqa: E402
from classic_cnn.train import History  # noqa: E402


@pytest.fixture(scope="module")
def resnet18():
    torch.manual_seed(0)
    return torchvision.models.resnet18(weights=None).eval()


def test_filters_of_torchvision_resnet_in_colour(resnet18):
    figure = viz.show_filters(resnet18)
    assert isinstance(figure, Figure)
    tiles = [axis.images[0].get_array() for axis in figure.axes if axis.images]
    assert len(tiles) == 64 and tiles[0].shape == (7, 7, 3)
    weight = resnet18.conv1.weight.detach()[5]
    expected = ((weight - weight.min()) / (weight.max() - weight.min())).permute(1, 2, 0)
    assert torch.allclose(torch.tensor(tiles[5]), expected, atol=1e-6)


def test_filters_of_lenet_in_grey():
    from classic_cnn.models import lenet5

    model = lenet5("modern")
    figure = viz.show_filters(model)
    tiles = [axis.images[0].get_array() for axis in figure.axes if axis.images]
    assert len(tiles) == 6 and tiles[0].shape == (5, 5)
    c3 = viz.show_filters(model, "layers.C3")  # 16 filters × 6 input maps
    assert sum(1 for axis in c3.axes if axis.images) == 96
    with pytest.raises(ValueError, match="no layer named 'conv9'"):
        viz.show_filters(model, "conv9")


def test_activations_of_a_torchvision_layer(resnet18):
    image = sample_photo("china", size=64)
    figure = viz.show_activations(resnet18, image, "layer1.0.conv1", max_maps=8)
    tiles = [axis.images[0].get_array() for axis in figure.axes if axis.images]
    with torch.no_grad():  # the oracle: run the stem and the layer by hand
        x = resnet18.maxpool(resnet18.relu(resnet18.bn1(resnet18.conv1(image[None]))))
        expected = resnet18.layer1[0].conv1(x)[0]
    assert len(tiles) == 8 and torch.allclose(torch.tensor(tiles[3]), expected[3], atol=1e-5)
    by_module = viz.activations(resnet18, image, resnet18.layer1[0].conv1)
    assert torch.allclose(by_module, expected, atol=1e-5)
    assert isinstance(viz.show_activations(resnet18, image, "fc"), Figure)  # a vector: bars


def test_activations_of_our_lenet():
    from classic_cnn.models import lenet5

    model = lenet5("paper")
    image = load("digits").test_images[0]
    assert viz.activations(model, image, "layers.C1").shape == (6, 28, 28)
    assert isinstance(viz.show_activations(model, image, "layers.S4"), Figure)


def test_training_curves():
    history = History([1, 2], [1.0, 0.5], [0.5, 0.8], [1.1, 0.7], [0.4, 0.75], [0.1, 0.1], [0.3, 0.3])
    figure = viz.plot_history(history)
    loss_axis, accuracy_axis = figure.axes
    assert list(accuracy_axis.lines[1].get_ydata()) == [40.0, 75.0]
    assert [line.get_label() for line in loss_axis.lines] == ["train", "test"]
    with pytest.raises(ValueError, match="history is empty"):
        viz.plot_history(History())


def test_training_curves_of_several_runs():
    first = History([1, 2], [1.0, 0.5], [0.5, 0.8], [1.1, 0.7], [0.4, 0.75], [0.1, 0.1], [0.3, 0.3])
    second = History([1], [2.0], [0.1], [2.1], [0.2], [0.1], [0.3]).as_dict()
    runs = {"plain": first, "resnet": second}
    figure = viz.plot_history(runs, "two runs", panels=("train error", "test accuracy"), styles={"plain": {"lw": 3}})
    error_axis, accuracy_axis = figure.axes
    assert [line.get_label() for line in error_axis.lines] == ["plain", "resnet"]
    assert list(error_axis.lines[0].get_ydata()) == pytest.approx([50.0, 20.0])  # 1 - training accuracy
    assert list(accuracy_axis.lines[1].get_ydata()) == [20.0]
    assert error_axis.lines[0].get_linewidth() == 3 and error_axis.get_title() == "training error"
    assert error_axis.lines[0].get_color() != error_axis.lines[1].get_color()
    with pytest.raises(ValueError, match="a panel is a metric"):
        viz.plot_history(runs, panels=("validation loss",))
    with pytest.raises(ValueError, match="history of 'empty' is empty"):
        viz.plot_history({"empty": History()})


def test_curves_by_layer_start_at_one_on_a_log_scale():
    figure = viz.plot_by_layer({"plain": [1.0, 0.1, 0.01], "resnet": [1.0, 0.9]}, "gradient norm", layer="conv")
    axis = figure.axes[0]
    assert axis.get_yscale() == "log" and list(axis.lines[0].get_xdata()) == [1, 2, 3]
    assert axis.get_xlabel() == "conv (1 = next to the input)" and axis.get_ylabel() == "gradient norm"


def test_memory_and_parameters_of_a_trace():
    traced = trace((1, 32, 32), [Conv(6, 5), Pool(2), Flatten(), FC(10)])
    memory_axis, params_axis = viz.memory_and_parameters(traced).axes
    assert [bar.get_height() * 1e6 for bar in memory_axis.patches] == pytest.approx([6 * 28 * 28, 6 * 14 * 14, 10])
    assert [bar.get_height() * 1e6 for bar in params_axis.patches] == pytest.approx([156, 0, 11770])


def test_accuracy_vs_cost_one_panel_per_entry():
    rows = [
        {"name": "a", "macs": 1e6, "params": 10, "accuracy": 50},
        {"name": "b", "macs": 1e9, "params": 20, "accuracy": 90},
    ]
    figure = viz.plot_accuracy_vs_cost({"paper": rows, "ours": rows[:1]})
    assert [axis.get_title() for axis in figure.axes] == ["paper", "ours"]
    assert [text.get_text() for text in figure.axes[0].texts] == ["a", "b"]


def test_volume_diagram():
    lenet = trace(
        (1, 32, 32),
        [
            Conv(6, 5, name="C1"),
            Pool(2, name="S2"),
            Conv(16, 5, name="C3"),
            Pool(2, name="S4"),
            Flatten(),
            FC(120, name="C5"),
            FC(84, name="F6"),
            FC(10, name="output"),
        ],
    )
    figure = viz.draw_volumes(lenet)
    labels = [text.get_text() for text in figure.axes[0].texts]
    assert {"32×32×1", "28×28×6", "14×14×6", "10×10×16", "5×5×16", "120", "84", "10"} <= set(labels)
    with pytest.raises(TypeError, match="takes a classic_cnn.shapes.Trace"):
        viz.draw_volumes([Conv(6, 5)])


def test_volume_diagram_of_a_real_module_skips_layers_that_keep_the_volume():
    from classic_cnn import summary
    from classic_cnn.models import lenet5

    figure = viz.draw_volumes(summary(lenet5()))
    names = [text.get_text() for text in figure.axes[0].texts if text.get_weight() == "bold"]
    assert names == ["input", "C1", "S2", "C3", "S4", "C5", "F6", "output"]  # no squashing, no flatten


def test_misclassified_and_images():
    data = load("digits")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, 10))  # untrained: mostly wrong
    figure = viz.show_misclassified(model, data, count=6)
    with torch.no_grad():
        wrong = int((model(data.test_images).argmax(1) != data.test_labels).sum())
    assert figure.get_suptitle().startswith(f"{wrong} of 360 test images misclassified")
    assert sum(1 for axis in figure.axes if axis.images) == 6
    assert isinstance(
        viz.show_images(data.to_pixels(data.train_images[:4]), data.train_labels[:4], data.classes), Figure
    )


CONTENT_WIDTH_PX = 688  # the book's text column at desktop width (tests/test_site.py measures the pages)


def _diagram(name: str):
    from classic_cnn import summary
    from classic_cnn.models import ARCHITECTURES

    with torch.device("meta"):
        network = ARCHITECTURES[name]()
    staged = any(
        type(module).__name__ in ("InceptionModule", "Bottleneck", "BasicBlock") for module in network.modules()
    )
    return viz.draw_volumes(summary(network, depth=1 if staged else None))


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "zfnet", "vgg16", "vgg19", "googlenet", "resnet50", "resnet110"])
def test_volume_diagrams_are_readable_at_the_page_width(name):
    figure = _diagram(name)
    canvas = FigureCanvasAgg(figure)  # pyplot has let the figure go: draw it on a canvas of our own
    canvas.draw()
    renderer = canvas.get_renderer()
    axis = figure.axes[0]
    texts = [text for text in [*axis.texts, axis.title] if text.get_text()]
    # shown at its own size (96 px per inch), shrunk to the column if wider
    scale = min(1.0, CONTENT_WIDTH_PX / (figure.get_figwidth() * 96))
    smallest = min(text.get_fontsize() for text in texts) * 96 / 72 * scale
    assert smallest >= 9, f"{name}: a label is {smallest:.1f} px on the page"
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in texts]
    overlapping = [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1 :] if box_a.overlaps(box_b)]
    assert overlapping == [], f"{name}: labels overlap: {overlapping[:5]}"
    inside = figure.bbox
    assert all(inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1) for _, box in boxes), name


def test_volume_diagram_labels_every_box_with_its_volume():
    figure = _diagram("alexnet")
    labels = [text.get_text() for text in figure.axes[0].texts]
    for volume in ("227×227×3", "55×55×96", "27×27×256", "13×13×384", "6×6×256", "4096", "1000"):
        assert volume in labels
    stages = [text.get_text() for text in figure.axes[0].texts if text.get_style() == "italic"]
    assert stages == ["227×227", "55×55", "27×27", "13×13", "13×13", "6×6", "vectors"]  # the 13×13 stage wraps


def test_volume_diagram_svg_is_the_same_on_every_run():
    first, second = _diagram("lenet5")._repr_svg_(), _diagram("lenet5")._repr_svg_()
    assert first == second and first.lstrip().startswith("<?xml") and "<dc:date>" not in first


def test_accuracy_vs_cost_labels_do_not_overlap():
    # the book's crowd: AlexNet and ZFNet almost on top of each other, the ResNets in a row
    points = [("AlexNet", 0.72e9, 92.3), ("ZFNet", 1.17e9, 92.3), ("VGG-16", 15.5e9, 92.8), ("GoogLeNet", 1.6e9, 93.3)]
    points += [("ResNet-18", 1.8e9, 93.0), ("ResNet-34", 3.6e9, 93.4), ("ResNet-50", 4.1e9, 93.6)]
    rows = [{"name": n, "macs": m, "params": 1e7, "accuracy": a} for n, m, a in points]
    figure = viz.plot_accuracy_vs_cost({"ours": rows})
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    boxes = [text.get_window_extent(canvas.get_renderer()) for text in figure.axes[0].texts]
    assert len(boxes) == len(points)
    assert not [(i, j) for i in range(len(boxes)) for j in range(i) if boxes[i].overlaps(boxes[j])]
    assert min(text.get_fontsize() for text in figure.axes[0].texts) >= 8
