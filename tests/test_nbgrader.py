"""book/instructors.md followed literally with the real nbgrader: two assignments, a correct and a wrong student.

The page's nbgrader walkthrough (its ``bash`` blocks, in order) runs in one shell with ``HOME`` in a temporary
folder, where ``~/classic_cnn`` links to this checkout. Between making the release and collecting the hand-ins,
this file (run as a script) plays the students: ``ada`` types in the book's solutions; ``bob`` gives wrong
answers, the library's own function, and an empty cell where the chapter imported the library's function
under the answer's name. The grading machine is told to use the full profile: the shipped configuration must
switch it to the quick one.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "instructors.md"

# bob's answers, by exercise label: wrong arithmetic, shortcuts through the library, an empty cell
WRONG = {
    "ex-conv-output-size": "def output_size(n, f, s, p):\n    return (n - f) // s + 1",
    "ex-conv-params": "layer_params = conv_params",
    "ex-conv-receptive-field": "",
    "ex-conv-why-pad": "I do not know.",
    "ex-zfnet-conv1": "conv1_side = (224 - 7) // 2 + 1",
    "ex-zfnet-stride": "def effective_stride(layers):\n    return sum(stride for _, stride in layers)",
}


def walkthrough() -> list[str]:
    """The ``bash`` blocks of the page's nbgrader section, in order."""
    section = PAGE.read_text(encoding="utf-8").split("\n## Grading with nbgrader\n")[1].split("\n## ")[0]
    return re.findall(r"^```bash\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)


def play_students(course: Path, handins: Path) -> None:
    """Write ada's (the book's solutions) and bob's (``WRONG``) hand-ins of every released notebook."""
    for released in sorted((course / "release").glob("*/*.ipynb")):
        assignment = released.parent.name
        source = json.loads((course / "source" / assignment / released.name).read_text(encoding="utf-8"))
        for student in ("ada", "bob"):
            notebook = json.loads(released.read_text(encoding="utf-8"))
            for index, cell in enumerate(notebook["cells"]):
                meta = cell["metadata"].get("nbgrader", {})
                if meta.get("solution"):
                    label = meta["grade_id"]
                    cell["source"] = source["cells"][index]["source"] if student == "ada" else WRONG[label]
            (handins / assignment).mkdir(parents=True, exist_ok=True)
            (handins / assignment / f"{student}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")


@pytest.mark.slow
def test_the_instructors_page_grades_a_course_with_nbgrader(tmp_path):
    blocks = walkthrough()
    collecting = next(index for index, block in enumerate(blocks) if "~/handins" in block)
    script = "\n".join(
        [*blocks[:collecting], f'"{sys.executable}" "{Path(__file__)}" play-students', *blocks[collecting:]]
    )
    home = tmp_path / "home"
    home.mkdir()
    (home / "classic_cnn").symlink_to(ROOT)
    environment = {
        **os.environ,
        "HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "CLASSIC_CNN_PROFILE": "full",  # what a GPU machine would choose: the course's configuration overrides it
        "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR", str(Path.home() / ".config" / "matplotlib")),
    }
    environment.pop("CLASSIC_CNN_QUIET", None)
    started = time.perf_counter()
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    course = home / "cnn-course"

    # The release: stubs, readable statements; the exercises not selected keep their solution as plain code.
    for released in (course / "release").glob("*/*.ipynb"):
        text = released.read_text(encoding="utf-8")
        assert "### BEGIN SOLUTION" not in text and "{exercise}" not in text, released
    zfnet = json.loads((course / "release" / "zfnet" / "04_zfnet.ipynb").read_text(encoding="utf-8"))
    answers = [cell["metadata"]["nbgrader"]["grade_id"] for cell in zfnet["cells"] if "nbgrader" in cell["metadata"]]
    assert answers == ["ex-zfnet-conv1", "ex-zfnet-conv1-check", "ex-zfnet-stride", "ex-zfnet-stride-check"]

    # The grades: ada full marks (three checks and, graded by hand, her written answer), bob nothing.
    with open(course / "grades.csv", newline="", encoding="utf-8") as file:
        grades = {
            (row["assignment"], row["student_id"]): (float(row["score"]), float(row["max_score"]))
            for row in csv.DictReader(file)
        }
    assert grades == {
        ("convolution", "ada"): (4.0, 4.0),
        ("convolution", "bob"): (0.0, 4.0),
        ("zfnet", "ada"): (2.0, 2.0),
        ("zfnet", "bob"): (0.0, 2.0),
    }, f"{grades} after {seconds:.0f} s"

    # bob reads why, but not the answers.
    graded = json.loads((course / "autograded" / "bob" / "convolution" / "01_convolution.ipynb").read_text())
    errors = {
        cell["metadata"]["nbgrader"]["grade_id"]: "\n".join(output.get("traceback", []))
        for cell in graded["cells"]
        if cell["metadata"].get("nbgrader", {}).get("grade")
        for output in cell.get("outputs", [])
        if output["output_type"] == "error"
    }
    assert "your function returned" in errors["ex-conv-output-size-check"]
    assert "is the library's own `classic_cnn.shapes.conv_params`" in errors["ex-conv-params-check"]
    assert "is the library's own `classic_cnn.shapes.receptive_field`" in errors["ex-conv-receptive-field-check"]
    setup = "".join(text for output in graded["cells"][1].get("outputs", []) for text in output.get("text", ""))
    assert setup.startswith("classic_cnn profile: quick"), f"graded in another profile: {setup!r}"
    assert not any("should be" in message or "34,944" in message for message in errors.values())
    for student in ("ada", "bob"):
        for assignment, notebook in (("convolution", "01_convolution"), ("zfnet", "04_zfnet")):
            assert (course / "feedback" / student / assignment / f"{notebook}.html").is_file()

    # Everything lives in the course folder; nothing in the repository.
    assert (course / "gradebook.db").is_file()
    for name in ("gradebook.db", "source", "release", "submitted", "autograded", "feedback", "grades.csv"):
        assert not (ROOT / name).exists(), f"{name} was written into the repository"
    print(f"nbgrader walkthrough: {seconds:.0f} s")


if __name__ == "__main__" and sys.argv[1:] == ["play-students"]:
    play_students(Path.cwd(), Path.home() / "handins")
