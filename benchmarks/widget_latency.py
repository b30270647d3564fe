"""Update latency of the explorers: control change → output redrawn.

Kernel form (ipywidgets): inside a real IPython kernel (jupyter_client), so every redraw also serialises the
new output and sends it on the kernel's comm channel, as in Jupyter/Colab. Target: p95 < 30 ms.
Static form: the same redraws computed by the shipped JavaScript under node (the browser's share, before
layout/paint). Random walks over each explorer's controls, seeded.

    .venv/bin/python benchmarks/widget_latency.py [--changes 300]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from classic_cnn.widgets.explorers import DEFINITIONS, Choice

TARGET_P95_MS = 30.0


def walk(kind: str, changes: int, seed: int = 0) -> list[tuple[str, object]]:
    """A reproducible sequence of (control, new value) moves over an explorer's whole range."""
    rng = random.Random(seed)
    controls = DEFINITIONS[kind].controls
    moves = []
    for _ in range(changes):
        control = rng.choice(controls)
        if isinstance(control, Choice):
            moves.append((control.name, rng.choice(control.options)))
        else:
            moves.append((control.name, rng.randint(control.minimum, control.maximum)))
    return moves


KERNEL_CODE = """
import json, time
from classic_cnn.widgets import Explorer
moves = json.loads({moves!r})
explorer = Explorer({kind!r}).widget()
samples = []
for name, value in moves:
    control = explorer.controls[name]
    start = time.perf_counter()
    if control.value == value:       # a move that changes nothing redraws nothing: move away first
        if isinstance(value, str):
            control.value = next(option for option in control.options if option != value)
        else:
            control.value = value + 1 if value < control.max else value - 1
        start = time.perf_counter()
    control.value = value
    samples.append((time.perf_counter() - start) * 1000)
print("SAMPLES" + json.dumps(samples))
"""


def in_kernel(kind: str, moves: list) -> list[float]:
    """Time the moves inside a fresh IPython kernel (comm messages really sent)."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel()  # the kernelspec of this interpreter's Jupyter (the venv's)
    try:
        output: list[str] = []
        code = KERNEL_CODE.format(moves=json.dumps(moves), kind=kind)

        def collect(message: dict) -> None:
            content = message["content"]
            output.append(content.get("text", "") + "\n".join(content.get("traceback", [])))

        client.execute_interactive(code, timeout=300, output_hook=collect)
        text = "".join(output)
        if "SAMPLES" not in text:
            raise RuntimeError(f"kernel run failed: {text[-2000:]}")
        return json.loads(text.split("SAMPLES", 1)[1].strip().splitlines()[0])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


NODE_HARNESS = r"""
const fs = require("fs"), vm = require("vm");
const [library, casesFile] = process.argv.slice(2);
const sandbox = {}; vm.runInNewContext(fs.readFileSync(library, "utf8"), sandbox);
const render = sandbox.ClassicCnn.render, out = {};
for (const [kind, settingsList] of Object.entries(JSON.parse(fs.readFileSync(casesFile, "utf8")))) {
  out[kind] = settingsList.map((settings) => {
    const start = process.hrtime.bigint(); render[kind](settings);
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
}
process.stdout.write(JSON.stringify(out));
"""


def in_node(walks: dict[str, list]) -> dict[str, list[float]] | None:
    """Time the shipped JavaScript's redraws (the static explorer's computation) under node."""
    node = shutil.which("node")
    if node is None:
        return None
    from classic_cnn.widgets.static import library_js

    cases = {}
    for kind, moves in walks.items():
        settings, sequence = dict(DEFINITIONS[kind].defaults), []
        for name, value in moves:
            settings[name] = value
            sequence.append(dict(settings))
        cases[kind] = sequence
    with tempfile.TemporaryDirectory() as folder:
        paths = {name: Path(folder) / name for name in ("library.js", "harness.js", "cases.json")}
        paths["library.js"].write_text(library_js(), encoding="utf-8")
        paths["harness.js"].write_text(NODE_HARNESS, encoding="utf-8")
        paths["cases.json"].write_text(json.dumps(cases), encoding="utf-8")
        command = [node, str(paths["harness.js"]), str(paths["library.js"]), str(paths["cases.json"])]
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def report(label: str, samples: list[float]) -> str:
    return (
        f"{label:<40} n={len(samples):<4} p50 {percentile(samples, 50):6.2f} ms   "
        f"p95 {percentile(samples, 95):6.2f} ms   max {max(samples):6.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=300, help="control changes per explorer")
    args = parser.parse_args()
    walks = {kind: walk(kind, args.changes) for kind in DEFINITIONS}
    print(f"python {sys.version.split()[0]}, {args.changes} control changes per explorer, seeded random walks")
    failed = False
    for kind, moves in walks.items():
        samples = in_kernel(kind, moves)
        print(report(f"kernel (ipywidgets) {kind}", samples))
        if kind == "conv" and percentile(samples, 95) >= TARGET_P95_MS:
            failed = True
    node = in_node(walks)
    if node is None:
        print("static (JavaScript): node not found, skipped")
    else:
        for kind, samples in node.items():
            print(report(f"static (JS under node) {kind}", samples))
    print(f"target: conv explorer p95 < {TARGET_P95_MS:.0f} ms in the kernel: {'MISSED' if failed else 'met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
