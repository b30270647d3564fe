"""Chapter 6's experiment: the small GoogLeNet (``models.small_googlenet``) trained with its auxiliary
classifiers, at a size each profile can afford. Read the settings with ``profile.pick(AUX_SETTINGS)``."""

from __future__ import annotations

from dataclasses import dataclass

from classic_cnn.profile import Profile
from classic_cnn.train import Recipe, recipe


@dataclass(frozen=True)
class AuxSettings:
    """How large the small GoogLeNet's training run is in a profile."""

    profile: Profile
    width: float
    data: str
    epochs: int
    batch_size: int
    lr: float
    seeds: tuple[int, ...]  # one run per seed

    def recipe(self) -> Recipe:
        """The profile's GoogLeNet recipe (auxiliary losses weighted 0.3) with this experiment's settings."""
        return recipe("googlenet", self.profile).replace(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr)


AUX_SETTINGS: dict[Profile, AuxSettings] = {
    # CPU: a sixteenth of the filters, one seed. Measured on 2 cores, ~35 s a run: 65-83% test accuracy after
    # 6 epochs with or without the auxiliaries (seeds 0 and 1), so a with/without comparison at this scale is
    # noise; after 3 epochs some runs were still at chance.
    "quick": AuxSettings("quick", width=0.0625, data="patterns", epochs=6, batch_size=32, lr=0.02, seeds=(0,)),
    "full": AuxSettings("full", width=0.5, data="cifar10", epochs=30, batch_size=128, lr=0.01, seeds=(0,)),
}
