"""LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998, §II.B): the paper's network and a modern twin.

``lenet5()`` is the paper's model: trainable subsampling, the partial C3 connection table, the scaled tanh
and a Euclidean RBF output with fixed ±1 prototypes — exactly 60,000 trainable parameters.
``lenet5(variant="modern")`` is what courses build today: ReLU, max pooling, a full C3 and a linear output.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from classic_cnn.hooks import capture, eval_mode
from classic_cnn.models._input import InputSpec, Network, Variant, check_variant

# Table I of the paper: which S2 maps (rows) feed each C3 map (columns). Columns 0-5 take 3 contiguous
# maps, 6-11 take 4 contiguous, 12-14 take 4 non-contiguous, 15 takes all 6 (checked in the tests).
#            C3 map:  0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
C3_TABLE = (
    "X . . . X X X . . X X X X . X X",  # S2 map 0
    "X X . . . X X X . . X X X X . X",  # S2 map 1
    "X X X . . . X X X . . X . X X X",  # S2 map 2
    ". X X X . . X X X X . . X . X X",  # S2 map 3
    ". . X X X . . X X X X . X X . X",  # S2 map 4
    ". . . X X X . . X X X X . X X X",  # S2 map 5
)

# The output prototypes: each digit drawn on a 7×12 grid ('#' = +1, '.' = -1). The paper used stylized
# 7×12 bitmaps of the ASCII characters (Fig. 3); these are our own drawings of the ten digits.
DIGIT_BITMAPS = {
    0: (".........###...#...#.#.....##.....##.....##.....##.....##.....#.#...#...###........."),
    1: ("..........#.....##....#.#......#......#......#......#......#......#....#####........"),
    2: (".........###...#...#......#......#.....#.....#.....#.....#.....#......#######......."),
    3: ("........####.......#......#......#...###.......#......#......#......#..####........."),
    4: ("...........#.....##....#.#...#..#..#...#..#######....#......#......#......#........."),
    5: (".......########......#......#####.......#.......#......#......#.....#.#####........."),
    6: ("..........##....#.....#.....#......#.###..##...#.#.....##.....#.#...#...###........."),
    7: (".......#######......#.....#.....#......#.....#......#.....#......#......#..........."),
    8: (".........###...#...#..#...#..#...#...###...#...#.#.....##.....#.#...#...###........."),
    9: (".........###...#...#.#.....##.....#.#...##..###.#......#.....#.....#....##.........."),
}
BITMAP_HEIGHT, BITMAP_WIDTH = 12, 7


def digit_prototypes() -> Tensor:
    """The 10×84 RBF prototypes: digit d's 7×12 bitmap, row by row, as ±1."""
    rows = []
    for digit in range(10):
        bitmap = DIGIT_BITMAPS[digit]
        assert len(bitmap) == BITMAP_HEIGHT * BITMAP_WIDTH, f"bitmap of {digit} is not 7×12"
        rows.append([1.0 if pixel == "#" else -1.0 for pixel in bitmap])
    return torch.tensor(rows, device="cpu")


def connection_table(table: tuple[str, ...] = C3_TABLE) -> Tensor:
    """The table as a boolean ``(in_maps, out_maps)`` tensor: ``[i, j]`` is True when map i feeds map j."""
    return torch.tensor([[mark == "X" for mark in row.split()] for row in table], device="cpu")


def scaled_tanh(a: Tensor) -> Tensor:
    """The paper's squashing function (Appendix A): f(a) = 1.7159 tanh(2a/3), so f(±1) = ±1."""
    return 1.7159 * torch.tanh(2.0 / 3.0 * a)


class ScaledTanh(nn.Module):
    """f(a) = 1.7159 tanh(2a/3), applied after every layer up to F6."""

    def forward(self, x: Tensor) -> Tensor:
        return scaled_tanh(x)


class Subsampling(nn.Module):
    """S2/S4: sum each 2×2 block, multiply by a trainable coefficient and add a trainable bias (per map)."""

    def __init__(self, channels: int, kernel_size: int = 2):
        super().__init__()
        self.kernel_size = kernel_size
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        area = self.kernel_size * self.kernel_size
        block_sums = F.avg_pool2d(x, self.kernel_size) * area
        return block_sums * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)

    def multiply_adds(self, output: Tensor) -> int:
        """One multiplication (by the coefficient) per output unit."""
        return output[0].numel()

    def connections(self, output: Tensor) -> int:
        """Each output unit sees its k×k block and the bias."""
        return output[0].numel() * (self.kernel_size**2 + 1)


class PartialConv2d(nn.Module):
    """A convolution in which output map j sees only the input maps marked in column j of ``table``.

    Only the kernels of real connections are parameters (``weight`` holds one k×k kernel per X in the
    table), so the parameter count is the paper's: C3 has 60 kernels of 5×5 + 16 biases = 1,516.
    """

    def __init__(self, table: tuple[str, ...], kernel_size: int):
        super().__init__()
        connected = connection_table(table)  # (in, out)
        self.in_channels, self.out_channels = connected.shape
        self.kernel_size = kernel_size
        # Position of each real kernel in the full (out, in) weight grid, output map by output map.
        where = connected.t().reshape(-1).nonzero().squeeze(1)
        self.register_buffer("kernel_index", where, persistent=False)
        self.weight = nn.Parameter(torch.empty(len(where), kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(self.out_channels))
        nn.init.uniform_(self.weight, -0.1, 0.1)

    def full_weight(self) -> Tensor:
        """The ``(out, in, k, k)`` weight of an ordinary convolution, zero where the table has no X."""
        k = self.kernel_size
        grid = self.weight.new_zeros(self.out_channels * self.in_channels, k, k)
        grid = grid.index_copy(0, self.kernel_index, self.weight)
        return grid.view(self.out_channels, self.in_channels, k, k)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.full_weight(), self.bias)

    def fan_in(self) -> Tensor:
        """Inputs of one unit of each output map: (connected maps)·k·k."""
        kernels_per_map = torch.bincount(self.kernel_index // self.in_channels, minlength=self.out_channels)
        return (kernels_per_map * self.kernel_size**2).float()

    def multiply_adds(self, output: Tensor) -> int:
        """One k×k dot product per real connection and output position."""
        positions = output.shape[-2] * output.shape[-1]
        return positions * self.weight.numel()


class EuclideanRBF(nn.Module):
    """The output layer: y_i = Σ_j (x_j − w_ij)² against fixed prototypes w_i; returns −y_i as logits.

    The prototypes are a buffer, not parameters: the paper kept them fixed.
    """

    def __init__(self, prototypes: Tensor):
        super().__init__()
        self.register_buffer("prototypes", prototypes.clone())

    def forward(self, x: Tensor) -> Tensor:
        squared_distances = (x.unsqueeze(1) - self.prototypes).pow(2).sum(dim=-1)
        return -squared_distances

    def multiply_adds(self, output: Tensor) -> int:
        return self.prototypes.numel()


class LeNet5(Network):
    """LeNet-5 (LeCun et al. 1998, §II.B), the paper's network or its modern twin.

    The classic network returns the NEGATIVE squared RBF distances −y_i as logits, so that
    ``nn.CrossEntropyLoss`` can train it: the paper's criterion (eq. 9),
    E = y_D + log(e^{−j} + Σ_i e^{−y_i}), is a softmax cross-entropy over −y_i with one more term inside the
    log-sum-exp, a "rubbish class" of fixed score −j — cross-entropy on these logits is that criterion with j → ∞.
    The predicted class is the nearest prototype: ``logits.argmax(1)``.
    """

    input_spec = InputSpec(1, 32)
    name = "LeNet-5"

    def __init__(self, variant: Variant = "paper", num_classes: int = 10):
        super().__init__()
        variant = check_variant(variant, ("paper", "modern"), "LeNet-5")
        if variant == "paper":
            if num_classes != 10:
                raise ValueError(
                    f"the classic LeNet-5 has one RBF prototype per digit, so num_classes must be 10, "
                    f"got {num_classes} — use variant='modern' for another number of classes"
                )
            layers = [
                ("C1", nn.Conv2d(1, 6, kernel_size=5)), ("C1_squash", ScaledTanh()),
                ("S2", Subsampling(6)), ("S2_squash", ScaledTanh()),
                ("C3", PartialConv2d(C3_TABLE, kernel_size=5)), ("C3_squash", ScaledTanh()),
                ("S4", Subsampling(16)), ("S4_squash", ScaledTanh()),
                ("C5", nn.Conv2d(16, 120, kernel_size=5)), ("C5_squash", ScaledTanh()),
                ("flatten", nn.Flatten()),
                ("F6", nn.Linear(120, 84)), ("F6_squash", ScaledTanh()),
                ("output", EuclideanRBF(digit_prototypes())),
            ]  # fmt: skip
        else:
            layers = [
                ("C1", nn.Conv2d(1, 6, kernel_size=5)), ("C1_relu", nn.ReLU()),
                ("S2", nn.MaxPool2d(2)),
                ("C3", nn.Conv2d(6, 16, kernel_size=5)), ("C3_relu", nn.ReLU()),
                ("S4", nn.MaxPool2d(2)),
                ("C5", nn.Conv2d(16, 120, kernel_size=5)), ("C5_relu", nn.ReLU()),
                ("flatten", nn.Flatten()),
                ("F6", nn.Linear(120, 84)), ("F6_relu", nn.ReLU()),
                ("output", nn.Linear(84, num_classes)),
            ]  # fmt: skip
        self.variant = variant
        self.layers = nn.Sequential(OrderedDict(layers))
        if variant == "paper":
            _init_like_paper(self)

    def forward(self, x: Tensor) -> Tensor:
        self.check_input(x, {(28, 28): "pad MNIST by 2 pixels: transforms.Pad(2) or F.pad(x, (2, 2, 2, 2))"})
        return self.layers(x)


def _init_like_paper(model: nn.Module) -> None:
    """Appendix C: weights (and biases) uniform in ±2.4/F_i, F_i the fan-in of the unit."""
    if any(p.is_meta for p in model.parameters()):
        return  # built on the meta device: shapes only, nothing to draw
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            fan_in = module.in_channels * module.kernel_size[0] * module.kernel_size[1]
        elif isinstance(module, PartialConv2d):
            fan_in = module.fan_in()  # differs from one output map to the next
            owner = module.kernel_index // module.in_channels  # output map of each kernel
            with torch.no_grad():
                module.weight.uniform_(-1, 1).mul_((2.4 / fan_in[owner]).view(-1, 1, 1))
                module.bias.uniform_(-1, 1).mul_(2.4 / fan_in)
            continue
        elif isinstance(module, Subsampling):
            fan_in = module.kernel_size**2
        elif isinstance(module, nn.Linear):
            fan_in = module.in_features
        else:
            continue
        for parameter in (module.weight, module.bias):
            nn.init.uniform_(parameter, -2.4 / fan_in, 2.4 / fan_in)


def lenet5(variant: Variant = "paper", num_classes: int = 10) -> LeNet5:
    """LeNet-5 (LeCun et al. 1998): ``"paper"`` as in the paper (60,000 parameters), or ``"modern"``."""
    return LeNet5(variant, num_classes)


class LayerCount(NamedTuple):
    """One row of the paper's §II.B accounting."""

    layer: str
    output: tuple[int, ...]
    params: int  # trainable parameters
    connections: int


def layer_counts(model: LeNet5) -> list[LayerCount]:
    """Trainable parameters and connections of each weighted layer, counted as the paper does (§II.B).

    A connection joins one input unit (or the bias) to one output unit; with weight sharing one parameter
    serves many connections: C1 has 156 parameters but 122,304 connections.
    """
    with capture(dict(model.layers.named_children())) as outputs, eval_mode(model), torch.no_grad():
        model(torch.zeros(1, *model.input_size))
    rows = []
    for name, module in model.layers.named_children():
        params = sum(p.numel() for p in module.parameters() if p.requires_grad)
        out = outputs[name]
        positions = out.shape[-2] * out.shape[-1] if out.dim() == 4 else 1
        if isinstance(module, (nn.Conv2d, PartialConv2d)):
            connections = positions * params  # every shared weight and bias is used at every position
        elif isinstance(module, Subsampling):
            connections = module.connections(out)
        elif isinstance(module, nn.MaxPool2d):
            connections = out[0].numel() * module.kernel_size**2
        elif isinstance(module, nn.Linear):
            connections = params
        elif isinstance(module, EuclideanRBF):
            connections = module.prototypes.numel()
        else:
            continue
        rows.append(LayerCount(name, tuple(out.shape[1:]), params, connections))
    return rows
