"""Training: the :class:`Trainer`, its :class:`History`, the papers' and the quick profile's recipes, and
:func:`fit_all` for several runs side by side on a multi-core CPU.

``python -m classic_cnn.train --model resnet20 --data cifar10 --epochs 5`` trains from the command line
(also under ``torchrun``).
"""

from .parallel import fit_all
from .recipes import FULL_RECIPES, PAPER_RECIPES, QUICK_RECIPES, Recipe, recipe
from .trainer import History, Step, Trainer, TrainingDiverged, pick_device

__all__ = [
    "FULL_RECIPES",
    "PAPER_RECIPES",
    "QUICK_RECIPES",
    "History",
    "Recipe",
    "Step",
    "Trainer",
    "TrainingDiverged",
    "fit_all",
    "pick_device",
    "recipe",
]
