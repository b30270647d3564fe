"""assign under an instructor's mistakes: nothing written over or through a link, one-line errors, clean selections."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from classic_cnn.assign import BEGIN, END, assign, cell_source, exercises, main, read_notebook, student_version

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "exercises.ipynb"
STUB = "raise NotImplementedError()"


def copy_of(fixture: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / fixture.name).write_bytes(fixture.read_bytes())
    return folder / fixture.name


# --- item 2: nothing lost -------------------------------------------------------------------------


def test_an_existing_notebook_is_not_written_over(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    edited = out / FIXTURE.name
    edited.write_text("the instructor's edited copy")
    assert main([str(FIXTURE), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"error: {edited} exists; pass --force to replace it, or choose another --out\n"
    assert edited.read_text() == "the instructor's edited copy"
    assert main([str(FIXTURE), "--out", str(out), "--force"]) == 0
    assert STUB in cell_source(read_notebook(edited)["cells"][5])


def test_nothing_is_written_when_one_target_exists(tmp_path):
    """All targets are checked before the first is written: an error leaves the folder as it was."""
    second = copy_of(FIXTURE, tmp_path / "b")
    second = second.rename(second.with_name("other.ipynb"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "other.ipynb").write_text("kept")
    with pytest.raises(ValueError, match="other.ipynb exists"):
        assign([FIXTURE, second], out)
    assert sorted(path.name for path in out.iterdir()) == ["other.ipynb"]


def test_two_inputs_with_one_name_are_refused(tmp_path, capsys):
    first, second = copy_of(FIXTURE, tmp_path / "a"), copy_of(FIXTURE, tmp_path / "b")
    assert main([str(first), str(second), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"error: {first} and {second} would both be written to {tmp_path / 'out' / FIXTURE.name}; assign them "
        "separately, each with its own --out folder\n"
    )
    assert not (tmp_path / "out").exists()


def test_the_summary_lists_each_notebooks_own_exercises(tmp_path, capsys):
    other = copy_of(FIXTURE, tmp_path / "b").rename(tmp_path / "b" / "other.ipynb")
    notebook = read_notebook(other)
    for cell in notebook["cells"]:  # the second notebook's exercises get other labels
        cell["source"] = cell_source(cell).replace("ex-fixture-", "ex-other-")
        if "exercise" in cell.get("metadata", {}):
            cell["metadata"]["exercise"] = cell["metadata"]["exercise"].replace("ex-fixture-", "ex-other-")
    other.write_text(json.dumps(notebook))
    out = tmp_path / "out"
    assert main([str(FIXTURE), str(other), "--out", str(out), "--exercises", "ex-other-discuss"]) == 0
    assert capsys.readouterr().out == (
        f"{other} -> {out / 'other.ipynb'}: 1 exercise(s) stubbed: ex-other-discuss\n"
        f"{FIXTURE}: not written, none of the selected exercises is in it\n"
    )
    assert sorted(path.name for path in out.iterdir()) == ["other.ipynb"]


@pytest.mark.parametrize("link", ["hard", "symbolic"])
def test_a_link_in_the_output_folder_is_replaced_not_written_through(tmp_path, link):
    chapter = copy_of(FIXTURE, tmp_path / "book")
    before = chapter.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    target = out / chapter.name
    os.link(chapter, target) if link == "hard" else target.symlink_to(chapter)
    with pytest.raises(ValueError, match="exists; pass --force"):
        assign([chapter], out)
    assign([chapter], out, force=True)
    assert chapter.read_bytes() == before, "the chapter behind the link must not change"
    assert not target.is_symlink() and STUB in target.read_text()
    assert [path.name for path in out.iterdir()] == [chapter.name], "no temporary file left behind"


def test_an_output_folder_that_is_the_book_is_refused_even_with_force(tmp_path):
    chapter = copy_of(FIXTURE, tmp_path / "book")
    (tmp_path / "out").symlink_to(tmp_path / "book")
    with pytest.raises(ValueError, match="is the chapter .* itself"):
        assign([chapter], tmp_path / "out", force=True)
    assert chapter.read_bytes() == FIXTURE.read_bytes()


# --- item 9: a malformed notebook is one line, exit 2 ---------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"cells": [', "not a notebook (invalid JSON: "),
        (b"\xff\xfe\x00garbage", "not a notebook (not UTF-8 text"),
        (b"[1, 2]", "not a notebook (the JSON is a list, not an object)"),
        (b'{"nbformat": 4}', "not a notebook (no list of cells)"),
        (b'{"nbformat": 4, "cells": [{"source": "x"}]}', "cell 0: not a notebook cell"),
        (b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}', "cell 0: source must be a string"),
        (b'{"nbformat": 4, "cells": [{"cell_type": "code", "metadata": []}]}', "cell 0: metadata must be an object"),
        (
            b'{"nbformat": 4, "cells": [{"cell_type": "code", "metadata": {"tags": "solution"}}]}',
            "cell 0: metadata tags must be a list of strings",
        ),
        (
            b'{"nbformat": 4, "cells": [{"cell_type": "code", "metadata": {"tags": ["solution"], "exercise": 1}}]}',
            'cell 0: metadata "exercise" must be a label',
        ),
    ],
)
def test_a_malformed_notebook_is_one_line(tmp_path, content, message):
    broken = tmp_path / "broken.ipynb"
    broken.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-m", "classic_cnn.assign", str(broken), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {broken}") and message in result.stderr
    assert result.stderr.count("\n") == 1


# --- items 10 and 13: selections nbgrader accepts, readable statements -----------------------------


def test_unselected_exercises_keep_their_code_without_marks():
    book = read_notebook(FIXTURE)
    student = student_version(book, {"ex-fixture-conv1-params"})
    for copy in (student, student_version(book, {"ex-fixture-conv1-params"}, keep_solutions=True)):
        for index, cell in enumerate(copy["cells"]):
            marked = BEGIN in cell_source(cell) or END in cell_source(cell)
            assert not marked or "nbgrader" in cell["metadata"], f"cell {index} has marks but no nbgrader metadata"
    unselected = cell_source(student["cells"][5])
    assert unselected == (
        "def output_size(n, f, s, p):\n"
        '    """Output width of an N-wide input under F-wide filters at stride S with padding P."""\n'
        "    return (n - f + 2 * p) // s + 1"
    )


def test_exercise_statements_are_plain_markdown():
    student = student_version(read_notebook(FIXTURE))
    statement = cell_source(student["cells"][4])
    assert statement == (
        "**Exercise** `ex-fixture-output-size`\n\nWrite `output_size(n, f, s, p)`, the output width of a convolution."
    )
    for cell in student["cells"]:
        assert "{exercise}" not in cell_source(cell) and ":label:" not in cell_source(cell)
    assert [exercise.label for exercise in exercises(student, markers=False)] == [
        "ex-fixture-output-size",
        "ex-fixture-conv1-params",
        "ex-fixture-receptive-field",
        "ex-fixture-discuss",
    ]


def test_a_selection_over_many_chapters_writes_only_theirs(tmp_path, capsys):
    chapters = sorted(str(path) for path in (ROOT / "book").glob("*.ipynb"))
    out = tmp_path / "out"
    assert main([*chapters, "--out", str(out), "--exercises", "ex-conv-output-size", "ex-lenet-c3"]) == 0
    assert sorted(path.name for path in out.iterdir()) == ["01_convolution.ipynb", "02_lenet.ipynb"]
    for path in out.iterdir():
        for exercise in exercises(read_notebook(path), markers=False):
            solution = read_notebook(path)["cells"][exercise.solution]
            assert ("nbgrader" in solution["metadata"]) == (exercise.label in {"ex-conv-output-size", "ex-lenet-c3"})
