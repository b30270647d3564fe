"""The graders take answers of any numeric kind, never give the expected value away, and reject the library's code."""

import numpy as np
import pytest
import torch

from classic_cnn import check, shapes
from classic_cnn.check import CheckFailed


def failure(checker, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as caught:
        checker(*args, **kwargs)
    return str(caught.value)


@pytest.mark.parametrize(
    "answer",
    [torch.tensor(7), torch.tensor([7])[0], np.int64(7), np.array(7), np.float32(7.0), torch.tensor(7.0)],
    ids=repr,
)
def test_a_right_tensor_or_numpy_answer_passes(answer, capsys):
    check.value(answer, 7, what="receptive field")
    assert capsys.readouterr().out in ("✓ receptive field: 7\n", "✓ receptive field: 7.0\n")


@pytest.mark.parametrize("answer", [torch.tensor(8), np.int64(8), np.array([7, 7]), torch.zeros(2, 2)], ids=repr)
def test_a_wrong_tensor_or_numpy_answer_fails_in_one_sentence(answer):
    assert failure(check.value, answer, 7, what="receptive field").startswith("receptive field: you have ")


def test_shapes_and_sequences_compare_element_by_element(capsys):
    check.value(torch.zeros(3, 32, 32).shape, (3, 32, 32), what="shape")
    check.value(np.array([3, 32, 32]), (3, 32, 32), what="shape")
    check.function(lambda n: torch.tensor([n, n]), lambda n: (n, n), [(1,), (2,)], what="pair", names="n")
    assert capsys.readouterr().out.count("✓") == 3
    assert failure(check.value, [3, 32], (3, 32, 32), what="shape") == "shape: you have [3, 32], which is not right"


def test_a_function_may_return_tensors_and_numpy(capsys):
    check.output_size(lambda n, f, s, p: torch.tensor((n - f + 2 * p) // s + 1))
    check.output_size(lambda n, f, s, p: np.int64((n - f + 2 * p) // s + 1))
    assert capsys.readouterr().out.count("✓") == 2


def test_a_failed_check_does_not_give_the_answer():
    message = failure(check.conv_params, lambda d, k, f: f * f * d * k)
    assert message == (
        "parameter count for in_channels=3, out_channels=96, kernel_size=11: your function returned 34,848, "
        "which is not right"
    )
    assert "34,944" not in message and "34944" not in message
    message = failure(check.value, 34848, 34944, what="parameters of CONV1")
    assert message == "parameters of CONV1: you have 34,848, which is not right"
    message = failure(check.receptive_field, lambda layers: 1 + sum(k - 1 for k, _ in layers))
    assert "your function returned" in message and "should be" not in message


def test_the_librarys_own_function_does_not_pass():
    """`layer_params = conv_params`, or an earlier `from classic_cnn.shapes import receptive_field` left in place."""
    layer_params = shapes.conv_params
    assert "is the library's own `classic_cnn.shapes.conv_params`" in failure(check.conv_params, layer_params)
    assert "is the library's own" in failure(check.receptive_field, shapes.receptive_field)
    assert "is the library's own" in failure(check.output_size, shapes.conv_output_size)


def test_a_function_that_calls_the_library_does_not_pass():
    def layer_params(in_channels, out_channels, kernel_size):
        return shapes.conv_params(in_channels, out_channels, kernel_size)

    def field(layers):
        return int(np.int64(shapes.receptive_field(layers)))

    assert failure(check.conv_params, layer_params) == (
        "`layer_params` calls the library's `classic_cnn.shapes.conv_params`: compute the parameter count with "
        "your own code, without classic_cnn"
    )
    assert "calls the library's `classic_cnn.shapes.receptive_field`" in failure(check.receptive_field, field)
    assert "calls the library's" in failure(
        check.function,
        lambda i, o, k, g: shapes.conv_params(i, o, k, groups=g),
        lambda i, o, k, g: (k * k * (i // g) + 1) * o,
        [(96, 256, 5, 2)],
        what="grouped parameters",
        names="in_channels out_channels kernel_size groups",
    )


def test_the_profiler_is_restored(capsys):
    import sys

    def mine(frame, event, arg):
        return None

    sys.setprofile(mine)
    try:
        check.same_padding(lambda f: (f - 1) // 2)
        assert sys.getprofile() is mine
    finally:
        sys.setprofile(None)
