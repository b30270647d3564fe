"""receptive_field rejects impossible layers with a ValueError naming the constraint, like the rest of shapes."""

import pytest
from torch import nn

from classic_cnn.shapes import Conv, Pool, receptive_field


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (Conv(8, 3, stride=0), "stride must be >= 1, got 0"),
        (Pool(2, stride=0), "stride must be >= 1, got 0"),
        ((3, 0), "stride must be >= 1, got 0"),
        (Conv(8, 3, dilation=0), "dilation must be >= 1, got 0"),
        (Conv(8, 3, dilation=-1), "dilation must be >= 1, got -1"),
        (Conv(8, 3, dilation=2.5), "dilation must be an integer, got 2.5"),
        (Pool(3, dilation=0), "dilation must be >= 1, got 0"),
        ((3,), r"\(kernel_size, stride\) pairs, got \(3,\)"),
    ],
)
def test_impossible_layers_raise(layer, message):
    with pytest.raises(ValueError, match=message):
        receptive_field([layer])


def test_dilation_and_default_pool_stride_against_pytorch():
    """A dilated conv then a default-stride pool: the input footprint of one output unit, measured by autograd."""
    import torch

    x = torch.zeros(1, 1, 64, 64, requires_grad=True)
    conv = nn.Conv2d(1, 1, 3, dilation=2, bias=False)
    nn.init.ones_(conv.weight)
    nn.AvgPool2d(2)(conv(x))[0, 0, 0, 0].backward()
    rows = x.grad[0, 0].abs().sum(dim=1).nonzero()
    assert receptive_field([Conv(8, 3, dilation=2), Pool(2)]) == int(rows.max() - rows.min() + 1) == 6
