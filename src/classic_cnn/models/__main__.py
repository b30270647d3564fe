"""The book's networks from the command line, every number computed by ``classic_cnn.summary`` (meta device).

python -m classic_cnn.models                 # one line per network: input, parameters, multiply-adds
python -m classic_cnn.models vgg16 lenet5    # the per-layer table of each
"""

from __future__ import annotations

import argparse
import sys

from classic_cnn.models import ARCHITECTURES


def overview() -> str:
    """One line per registry network: its name, input volume, parameters and multiply-adds."""
    from classic_cnn.summary import network_summary

    lines = [f"{'model':<10} {'network':<11} {'input':>11} {'parameters':>13} {'multiply-adds':>16}"]
    for key, build in ARCHITECTURES.items():
        table = network_summary(build)
        lines.append(f"{key:<10} {table.model:<11} {str(table.input):>11} {table.params:>13,} {table.macs:>16,}")
    return "\n".join(lines)


def main(arguments: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m classic_cnn.models", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"one of: {', '.join(ARCHITECTURES)}")
    options = parser.parse_args(arguments)
    unknown = [name for name in options.names if name not in ARCHITECTURES]
    if unknown:
        parser.error(f"unknown network(s) {', '.join(unknown)}; choose from {', '.join(ARCHITECTURES)}")
    if not options.names:
        return overview()
    import torch

    from classic_cnn.summary import summary

    tables = []
    for name in options.names:
        with torch.device("meta"):
            model = ARCHITECTURES[name]()
        tables.append(str(summary(model)))
    return "\n\n".join(tables)


if __name__ == "__main__":
    sys.stdout.write(main() + "\n")
