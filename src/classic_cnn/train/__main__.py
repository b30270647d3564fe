"""Train a model from the command line (also under ``torchrun --nproc_per_node=N``).

python -m classic_cnn.train --model resnet20 --data cifar10 --epochs 5
python -m classic_cnn.train --model lenet5 --variant modern --data digits --resume

An existing checkpoint is never replaced silently: ``--resume`` continues it, ``--overwrite`` replaces it,
``--checkpoint PATH`` keeps it and trains into another file. A mistake in the flags is one line (``error: ...``)
and exit status 2.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from pathlib import Path

import torch

from ..data import NAMES, load_for
from ..profile import PROFILES
from .recipes import recipe
from .trainer import Trainer, TrainingDiverged


def build_model(name: str, num_classes: int, variant: str | None = None) -> torch.nn.Module:
    """``classic_cnn.models.ARCHITECTURES[name](num_classes=..., variant=...)``."""
    from ..models import ARCHITECTURES

    if name not in ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    options = {"num_classes": num_classes}
    if variant is not None:
        if "variant" not in inspect.signature(ARCHITECTURES[name]).parameters:
            raise ValueError(f"model {name!r} has no variants; leave out --variant")
        options["variant"] = variant
    return ARCHITECTURES[name](**options)


def parse(arguments: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m classic_cnn.train", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", required=True, help="a network of classic_cnn.models.ARCHITECTURES, e.g. lenet5, resnet20"
    )
    parser.add_argument(
        "--variant", help="the model's variant: paper, modern (lenet5) or torchvision (alexnet, googlenet)"
    )
    parser.add_argument("--data", choices=NAMES, help="dataset (default: the recipe's)")
    parser.add_argument("--size", type=int, help="image side (default: the one the model is built for)")
    parser.add_argument("--normalize", choices=("standard", "lecun", "none"), default="standard")
    parser.add_argument("--profile", choices=PROFILES, help="recipe profile (default: the active one)")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--weight-decay", type=float)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    parser.add_argument("--checkpoint", type=Path, help="checkpoint file (default: checkpoints/<model>-<data>.pt)")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint if it exists")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing checkpoint: train afresh")
    parser.add_argument("--history", type=Path, help="also write the history as JSON here")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(arguments)


def main(arguments: list[str] | None = None) -> Trainer:
    """Train as the flags say; mistakes raise ``ValueError``/``OSError`` before any training (see :func:`run`)."""
    options = parse(arguments)
    if options.resume and options.overwrite:
        raise ValueError("--resume continues the checkpoint, --overwrite replaces it: give one of them")
    if options.history and not options.history.parent.is_dir():
        raise FileNotFoundError(f"--history {options.history}: no folder {options.history.parent}")
    settings = recipe(options.model, options.profile)
    changes = {
        key: value
        for key, value in (
            ("epochs", options.epochs),
            ("batch_size", options.batch_size),
            ("lr", options.lr),
            ("weight_decay", options.weight_decay),
        )
        if value is not None
    }
    data_name = options.data or (settings.data if settings.data in NAMES else "patterns")
    with torch.device("meta"):  # the side the model is built for: LeNet-5's 32 pads MNIST's 28 as in the paper
        shape = build_model(options.model, 10, options.variant)
    size = {"size": options.size} if options.size else {}
    data = load_for(shape, data_name, normalize=options.normalize, seed=options.seed, **size)
    torch.manual_seed(options.seed)
    model = build_model(options.model, data.num_classes, options.variant)
    checkpoint = options.checkpoint or Path("checkpoints") / f"{options.model}-{data.name}.pt"
    if checkpoint.exists() and not (options.resume or options.overwrite):
        raise FileExistsError(
            f"{checkpoint} holds the checkpoint of an earlier run: --resume continues it, --checkpoint PATH "
            "trains into another file, --overwrite replaces it"
        )
    trainer = Trainer(
        model,
        data,
        settings.replace(**changes),
        device=options.device,
        seed=options.seed,
        checkpoint=checkpoint,
        progress=False if options.quiet else None,
    )
    history = trainer.fit(resume=options.resume, overwrite=options.overwrite)
    if trainer.rank == 0:
        print(history)
        print(f"{options.model} on {data!r}: test accuracy {history.test_accuracy[-1]:.2%}; checkpoint {checkpoint}")
        if options.history:
            options.history.write_text(json.dumps(history.as_dict(), indent=1))
    return trainer


def run(arguments: list[str] | None = None) -> None:
    """:func:`main` as a command: a wrong flag, file or setting is one line on stderr, exit status 2."""
    try:
        main(arguments)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    except TrainingDiverged as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted: the checkpoint holds the last completed epoch; --resume continues", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    run()
