"""Chapter 7 and 8 experiment helpers: against PyTorch, torchvision and the papers' tables."""

import pytest
import torch
from torch import nn

from classic_cnn.data import load
from classic_cnn.experiments import after_resnet, resnet
from classic_cnn.shapes import Conv, build, conv_params, scaled, trace


@pytest.fixture(scope="module")
def digits():
    return resnet.as_colour(load("digits", size=16))


def test_as_colour_repeats_the_grey_channel(digits):
    grey = load("digits", size=16)
    assert digits.input_shape == (3, 16, 16)
    for channel in range(3):
        assert torch.equal(digits.train_images[:, channel], grey.train_images[:, 0])
    assert digits.to_pixels(digits.test_images[:2]).shape == (2, 3, 16, 16)


def test_as_colour_rejects_other_depths(digits):
    from dataclasses import replace

    two = replace(
        digits,
        train_images=digits.train_images[:, :2],
        test_images=digits.test_images[:, :2],
        shift=digits.shift[:2],
        scale=digits.scale[:2],
    )
    with pytest.raises(ValueError, match="1 or 3 channels, digits has 2"):
        resnet.as_colour(two)


def test_plain_and_residual_twins_share_every_parameter_shape(digits):
    plain = resnet.cifar_network(20, False, digits, 0.5)
    residual = resnet.cifar_network(20, True, digits, 0.5)
    assert [p.shape for p in plain.parameters()] == [p.shape for p in residual.parameters()]
    assert plain(digits.test_images[:2]).shape == (2, 10)


@pytest.mark.slow
def test_gradient_norms_equal_autograd_on_each_convolution(digits):
    torch.manual_seed(0)
    model = resnet.cifar_network(20, True, digits, 0.5)
    images, labels = digits.train_images[:8], digits.train_labels[:8]
    norms = resnet.gradient_norms(model, images, labels)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(norms) == len(convs) == 19  # 6n + 1 convolutions, n = 3
    loss = nn.functional.cross_entropy(model(images), labels)
    grads = torch.autograd.grad(loss, [conv.weight for conv in convs])
    assert norms == pytest.approx([grad.norm().item() for grad in grads], rel=1e-5)


def test_all_cnn_c_ends_in_6x6_then_10_averages():
    traced = trace((3, 32, 32), after_resnet.ALL_CNN_C)
    assert traced.sizes[-3:] == ["6×6×192", "6×6×10", "1×1×10"]
    # same volumes as model C: each max pool became a stride-2 convolution
    assert traced.sizes == trace((3, 32, 32), after_resnet.MODEL_C).sizes


def test_built_all_cnn_c_matches_its_trace_and_pytorch():
    network = build(after_resnet.ALL_CNN_C)
    traced = trace((3, 32, 32), after_resnet.ALL_CNN_C)
    assert sum(p.numel() for p in network.parameters()) == traced.params
    assert network(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    convs = [m for m in network if isinstance(m, nn.Conv2d)]
    assert [c.stride[0] for c in convs] == [1, 1, 2, 1, 1, 2, 1, 1, 1]


def test_alphago_policy_keeps_19x19_and_counts_by_hand():
    traced = trace((48, 19, 19), after_resnet.alphago_policy(192))
    assert all(size.startswith("19×19") for size in traced.sizes)
    first = 5 * 5 * 48 * 192 + 192
    middle = 11 * (3 * 3 * 192 * 192 + 192)
    assert traced.params == first + middle + 192  # last: one 1×1 filter, its biases counted apart
    assert len(after_resnet.alphago_policy()) == 13


@pytest.mark.parametrize("name", sorted({*after_resnet.SKETCHES, *after_resnet.SKETCH_SPECS}))
def test_every_sketch_classifies_16x16_colour_images(name):
    model = after_resnet.sketch(name)
    assert model(torch.zeros(3, 3, 16, 16)).shape == (3, 10)


def test_bad_names_and_specs_raise():
    with pytest.raises(ValueError, match="unknown sketch 'Inception'"):
        after_resnet.sketch("Inception")
    with pytest.raises(ValueError, match="build\\(\\) knows"):
        build([Conv(4, 3), "pool"])


def test_scaled_keeps_the_layout_and_ends_with_the_classes():
    small = scaled(after_resnet.ALL_CNN_C, 0.25, 7)
    assert [s.out_channels for s in small if isinstance(s, Conv)] == [24, 24, 24, 48, 48, 48, 48, 48, 7]
    assert trace((3, 32, 32), small).output.channels == 7
    assert conv_params(3, 24, 3) == trace((3, 32, 32), small[:1]).params
    assert (
        scaled(after_resnet.ALL_CNN_C, 0.25)[-2].out_channels == 2
    )  # no num_classes: 10 × 0.25 = 2.5, rounded to even


def test_built_sketch_has_batch_norm_after_every_hidden_convolution():
    network = build(after_resnet.SKETCH_SPECS["VGG"], batch_norm=True)
    kinds = [type(layer).__name__ for layer in network]
    assert kinds.count("BatchNorm2d") == kinds.count("Conv2d") == 7
    assert all(conv.bias is None for conv in network if isinstance(conv, nn.Conv2d))
    assert kinds[-1] == "LazyLinear" and kinds[-2] == "ReLU"  # the logits: no ReLU after the last layer


def test_degradation_styles_follow_fig_6():
    setup = resnet.DEGRADATION["quick"]
    result = resnet.DegradationResult(setup, dict.fromkeys(["plain-20", "plain-56", "resnet-20", "resnet-56"]), {})
    assert result.styles["plain-56"] == {"color": "tab:red", "linestyle": "--"}
    assert result.styles["resnet-20"] == {"color": "tab:orange", "linestyle": "-"}


def test_degradation_result_reports_every_seed_and_their_mean():
    from classic_cnn.train import History

    def history(train_accuracies):
        run = History()
        for epoch, accuracy in enumerate(train_accuracies, 1):
            run.append(
                epoch=epoch,
                train_loss=1.0,
                train_accuracy=accuracy,
                test_loss=1.0,
                test_accuracy=accuracy / 2,
                lr=0.1,
                seconds=1.0,
            )
        return run

    setup = resnet.DEGRADATION["quick"]
    result = resnet.DegradationResult(setup, {"plain-20": [history([0.5, 0.9]), history([0.3, 0.7])]}, {})
    assert result.training_errors("plain-20") == pytest.approx([0.1, 0.3])
    assert result.test_errors("plain-20") == pytest.approx([0.55, 0.65])
    assert result.mean_history("plain-20").train_accuracy == pytest.approx([0.4, 0.8])
    assert len(setup.seeds) >= 3  # the quick profile's claims are checked on every one of several seeds
