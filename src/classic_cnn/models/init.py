"""Weight initializations the chapters compare, in one place: He et al. (2015), Glorot & Bengio (2010), and a
fixed normal (VGG's §3.1). Each fills the weights of every convolution and linear layer and zeroes the biases."""

from __future__ import annotations

from typing import Literal

from torch import nn

Scheme = Literal["he", "xavier", "normal"]
WEIGHT_LAYERS = (nn.Conv2d, nn.Linear)


def init_weights(
    model: nn.Module,
    scheme: Scheme = "he",
    *,
    nonlinearity: Literal["relu", "tanh"] = "relu",
    std: float = 0.01,
    layers: tuple[type[nn.Module], ...] = WEIGHT_LAYERS,
) -> nn.Module:
    """Initialize ``model`` in place and return it.

    ``"he"``: N(0, 2/fan_in), for ReLU networks. ``"xavier"``: Glorot's normal with the gain of ``nonlinearity``
    (5/3 for tanh). ``"normal"``: N(0, ``std``²), the fixed scale of the papers before 2015. ``layers`` limits
    which module types are touched.
    """
    if scheme not in ("he", "xavier", "normal"):
        raise ValueError(f"scheme must be 'he', 'xavier' or 'normal', got {scheme!r}")
    for module in model.modules():
        if not isinstance(module, layers):
            continue
        if scheme == "he":
            nn.init.kaiming_normal_(module.weight, nonlinearity=nonlinearity)
        elif scheme == "xavier":
            nn.init.xavier_normal_(module.weight, gain=nn.init.calculate_gain(nonlinearity))
        else:
            nn.init.normal_(module.weight, 0.0, std)
        if getattr(module, "bias", None) is not None:
            nn.init.zeros_(module.bias)
    return model
