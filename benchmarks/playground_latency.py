"""Chapter 2's playground: time from a pen movement to both networks' layers redrawn, in headless Chromium.

Trains both LeNet-5s briefly on the digits (the weights' values do not change the work), opens the playground
with the modern network beside the classic one, draws strokes with Playwright's mouse, and reads the page's
own timings (``ClassicCnn.playgrounds[id].timings``: rasterize + place + code + two forward passes + every
canvas drawn, per update; updates are coalesced to one per animation frame). Target: p95 < 16 ms (one frame).

    .venv/bin/python benchmarks/playground_latency.py [--strokes 40]
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import tempfile
from pathlib import Path

import torch

from classic_cnn import data
from classic_cnn.models import lenet5
from classic_cnn.train import Trainer, recipe
from classic_cnn.widgets import LeNetPlayground, TrainingMoments

TARGET_P95_MS = 16.0


def playground_html() -> str:
    trainers = {}
    for variant, normalize in (("paper", "lecun"), ("modern", "standard")):
        torch.manual_seed(0)
        images = data.load("digits", normalize=normalize)
        trainers[variant] = Trainer(lenet5(variant=variant), images, recipe("lenet5", "quick").replace(epochs=2))
    moments = TrainingMoments(trainers["paper"])
    trainers["paper"].fit(on_step=moments)
    trainers["modern"].fit()
    return LeNetPlayground(moments, trainers["modern"]).html()


def stroke(index: int) -> list[tuple[float, float]]:
    """A circle-ish stroke of 30 points, a different one each time."""
    radius, cx, cy = 50 + 5 * (index % 5), 112 + 3 * (index % 7), 112 - 2 * (index % 3)
    return [(cx + radius * math.cos(t / 5), cy + 1.3 * radius * math.sin(t / 5)) for t in range(30)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=40)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    arguments = parser.parse_args()
    torch.set_num_threads(1)
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp())
    page_file = folder / "playground.html"
    page_file.write_text(f"<!doctype html><meta charset='utf-8'><body>{playground_html()}</body>", encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=arguments.chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(page_file.as_uri())
        page.wait_for_selector("[data-mounted='true']")
        page.check("[data-control='modern']")
        box = page.locator("[data-input='pad']").bounding_box()
        page.evaluate("Object.values(ClassicCnn.playgrounds)[0].timings.length = 0")
        for index in range(arguments.strokes):
            points = stroke(index)
            page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
            page.mouse.down()
            for x, y in points[1:]:
                page.mouse.move(box["x"] + x, box["y"] + y)
            page.mouse.up()
            page.click("[data-action='clear']")
        page.wait_for_timeout(200)
        timings = page.evaluate("Array.from(Object.values(ClassicCnn.playgrounds)[0].timings)")
        browser.close()
    shutil.rmtree(folder)
    timings.sort()
    p95 = timings[min(len(timings) - 1, math.ceil(0.95 * len(timings)) - 1)]
    print(
        f"{len(timings)} updates (both networks): median {statistics.median(timings):.1f} ms, "
        f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms; target p95 < {TARGET_P95_MS:g} ms: "
        + ("met" if p95 < TARGET_P95_MS else "MISSED")
    )


if __name__ == "__main__":
    main()
