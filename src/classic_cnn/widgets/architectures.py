"""The classic networks as layer specs, for the architecture walker: each list reads like its paper's table.

These describe volumes only (no activations, normalisation or dropout, which do not change a volume).
The one place in the widgets that lists architectures; ``classic_cnn.models`` builds the real modules.
"""

from __future__ import annotations

from classic_cnn.shapes import FC, Conv, Flatten, Pool, Spec

# LeCun et al. 1998, Fig. 2 — C3 taken fully connected (the modern variant), F6 = 84, output = 10.
LENET5 = [
    Conv(6, 5, name="C1"),
    Pool(2, kind="avg", name="S2"),
    Conv(16, 5, name="C3"),
    Pool(2, kind="avg", name="S4"),
    Conv(120, 5, name="C5"),
    Flatten(name="flatten"),
    FC(84, name="F6"),
    FC(10, name="output"),
]

# Krizhevsky et al. 2012, Fig. 2, on one GPU (no grouping), 227×227 input so that conv1 gives 55×55.
ALEXNET = [
    Conv(96, 11, stride=4, name="conv1"),
    Pool(3, 2, name="pool1"),
    Conv(256, 5, padding=2, name="conv2"),
    Pool(3, 2, name="pool2"),
    Conv(384, 3, padding=1, name="conv3"),
    Conv(384, 3, padding=1, name="conv4"),
    Conv(256, 3, padding=1, name="conv5"),
    Pool(3, 2, name="pool5"),
    Flatten(name="flatten"),
    FC(4096, name="fc6"),
    FC(4096, name="fc7"),
    FC(1000, name="fc8"),
]

# Zeiler & Fergus 2014, Fig. 3: 224 → 110 → 55 → 26 → 13 → 13 → 13 → 6 (padding chosen to give those sizes).
ZFNET = [
    Conv(96, 7, stride=2, padding=1, name="conv1"),
    Pool(3, 2, padding=1, name="pool1"),
    Conv(256, 5, stride=2, name="conv2"),
    Pool(3, 2, padding=1, name="pool2"),
    Conv(384, 3, padding=1, name="conv3"),
    Conv(384, 3, padding=1, name="conv4"),
    Conv(256, 3, padding=1, name="conv5"),
    Pool(3, 2, name="pool5"),
    Flatten(name="flatten"),
    FC(4096, name="fc6"),
    FC(4096, name="fc7"),
    FC(1000, name="fc8"),
]


def _vgg(blocks: list[list[int]]) -> list[Spec]:
    """Simonyan & Zisserman 2015, Table 1: 3×3 convs (padding 1) in blocks, each block closed by a 2×2 max-pool."""
    specs: list[Spec] = []
    for block, widths in enumerate(blocks, start=1):
        specs += [Conv(width, 3, padding=1, name=f"conv{block}_{index}") for index, width in enumerate(widths, 1)]
        specs.append(Pool(2, name=f"pool{block}"))
    return specs + [Flatten(name="flatten"), FC(4096, name="fc6"), FC(4096, name="fc7"), FC(1000, name="fc8")]


VGG16 = _vgg([[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]])  # configuration D

ARCHITECTURES: dict[str, tuple[tuple[int, int, int], list[Spec]]] = {
    "LeNet-5": ((1, 32, 32), LENET5),
    "AlexNet": ((3, 227, 227), ALEXNET),
    "ZFNet": ((3, 224, 224), ZFNET),
    "VGG-16": ((3, 224, 224), VGG16),
}
