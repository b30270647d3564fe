"""Exercises: the graders in classic_cnn.check, and the student versions written by classic_cnn.assign.

The notebooks' exercise cells run in this process (``exec``), not in a kernel: for each notebook, the code
cells tagged ``imports`` run once, in order, into a fresh namespace; then each exercise's solution cell and
check cells run, in order, in a copy of that namespace. So an exercise must be self-contained given its
chapter's ``imports`` cells, and independent of the other exercises. One test runs the student fixture in a
real kernel to see what a student sees.
"""

import copy
import io
import json
import re
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import torch
from torch import nn

from classic_cnn import check
from classic_cnn.assign import assign, cell_source, exercises, main, read_notebook, stub_solution, student_version
from classic_cnn.check import CheckFailed

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "exercises.ipynb"


def _has_exercises(path: Path) -> bool:
    """Any cell tagged solution or check (the conventions themselves are checked by the test, not here)."""
    cells = read_notebook(path)["cells"]
    return any({"solution", "check"} & set(cell.get("metadata", {}).get("tags", [])) for cell in cells)


CHAPTERS = sorted(path for path in (ROOT / "book").glob("*.ipynb") if _has_exercises(path))


# --- running a notebook's exercises ----------------------------------------------------------------


def _run(cell: dict, namespace: dict, index: int) -> None:
    exec(compile(cell_source(cell), f"<cell {index}>", "exec"), namespace)


def run_exercises(notebook: dict) -> dict[str, object]:
    """label → what its check cells printed, or the exception its solution or check cells raised."""
    base = {"__name__": "__main__"}
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code" and "imports" in cell.get("metadata", {}).get("tags", []):
            with redirect_stdout(io.StringIO()):
                _run(cell, base, index)
    results = {}
    for exercise in exercises(notebook, markers=False):
        if exercise.written:
            continue  # a discussion exercise: nothing to run
        namespace, printed = dict(base), io.StringIO()
        try:
            with redirect_stdout(io.StringIO()):
                _run(notebook["cells"][exercise.solution], namespace, exercise.solution)
            with redirect_stdout(printed):  # keep only what the checks print
                for index in exercise.checks:
                    _run(notebook["cells"][index], namespace, index)
        except Exception as error:  # noqa: BLE001 - the result under test
            results[exercise.label] = error
        else:
            results[exercise.label] = printed.getvalue()
    return results


def assert_all_pass(notebook: dict, name: str) -> None:
    checks = {exercise.label: len(exercise.checks) for exercise in exercises(notebook, markers=False)}
    for label, result in run_exercises(notebook).items():
        assert isinstance(result, str), f"{name}: exercise {label} fails with its solution: {result!r}"
        assert result.count("✓") == checks[label], f"{name}: {label}'s {checks[label]} check cell(s) printed {result!r}"


def assert_all_fail(notebook: dict, name: str) -> None:
    for label, result in run_exercises(notebook).items():
        assert isinstance(result, (NotImplementedError, AssertionError)), (
            f"{name}: the student version of {label} should fail with NotImplementedError or a check's "
            f"AssertionError, got {result!r}"
        )


def restore_solutions(student: dict, book: dict) -> dict:
    """The student version with each exercise's book solution typed back in."""
    restored = copy.deepcopy(student)
    for exercise in exercises(book):
        restored["cells"][exercise.solution]["source"] = book["cells"][exercise.solution]["source"]
    return restored


# Chapter 3's exercises run AlexNet-sized layers three times over (book, student, restored): ~6 s.
SLOW_EXERCISES = {"03_alexnet.ipynb"}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(path, marks=pytest.mark.slow) if path.name in SLOW_EXERCISES else path
        for path in [FIXTURE, *CHAPTERS]
    ],
    ids=lambda path: path.name,
)
def test_student_version_fails_until_the_solutions_are_back(path):
    book = read_notebook(path)
    assert exercises(book), f"{path.name} has no exercises"
    assert_all_pass(book, f"{path.name} (book)")
    student = student_version(book, name=path.name)
    assert_all_fail(student, f"{path.name} (student)")
    assert_all_pass(restore_solutions(student, book), f"{path.name} (solutions restored)")


# --- what the student version contains -------------------------------------------------------------


def test_stubs_replace_only_the_marked_regions():
    student = student_version(read_notebook(FIXTURE))["cells"]
    assert cell_source(student[5]) == (
        "def output_size(n, f, s, p):\n"
        '    """Output width of an N-wide input under F-wide filters at stride S with padding P."""\n'
        "    # YOUR CODE HERE\n"
        "    raise NotImplementedError()"
    )
    assert cell_source(student[8]) == ('# YOUR CODE HERE\nraise NotImplementedError()\nprint(f"{params:,} parameters")')
    assert cell_source(student[11]) == (
        "def receptive_field(layers):\n"
        "    field, jump = 1, 1\n"
        "    for kernel_size, stride in layers:\n"
        "        # YOUR CODE HERE\n"
        "        raise NotImplementedError()\n"
        "    return field\n"
        "\n"
        "# YOUR CODE HERE\n"
        "raise NotImplementedError()"
    )


def test_only_exercise_cells_change():
    book = read_notebook(FIXTURE)
    student = student_version(book)
    exercise_cells = {5, 6, 8, 9, 11, 12, 13}
    statements = {4, 7, 10, 14}  # {exercise} directives, as plain Markdown (tests/test_assign_safety.py)
    written = 15
    assert len(student["cells"]) == len(book["cells"])
    assert student["metadata"] == book["metadata"]
    for index, (before, after) in enumerate(zip(book["cells"], student["cells"])):
        if index in statements:
            assert after["metadata"] == before["metadata"] and cell_source(after).startswith("**Exercise** `ex-")
            continue
        if index == written:
            assert set(after) == set(before) == {"cell_type", "metadata", "source"}
            assert after["metadata"]["tags"] == before["metadata"]["tags"] == ["solution"]
            continue
        if index not in exercise_cells:
            assert after == before, f"cell {index} changed"
            continue
        assert before["execution_count"] is not None, f"fixture cell {index} should have been run"
        assert after["outputs"] == [] and after["execution_count"] is None
        assert "hide-input" in before["metadata"]["tags"] and "hide-input" not in after["metadata"]["tags"]
        assert after["metadata"]["exercise"] == before["metadata"]["exercise"]
    assert read_notebook(FIXTURE) == book, "student_version must not modify its input"


def test_the_sites_hiding_is_taken_off_the_students_cells():
    """The book hides answers whole (``hide-cell`` with "Show solution" labels); a student must see the cells."""
    book = read_notebook(FIXTURE)
    hidden = [cell for cell in book["cells"] if {"solution", "check"} & set(cell["metadata"].get("tags", []))]
    for cell in hidden:
        if cell["cell_type"] == "code":
            cell["metadata"]["tags"] = [tag for tag in cell["metadata"]["tags"] if tag != "hide-input"] + ["hide-cell"]
            cell["metadata"]["mystnb"] = {"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
    student = student_version(book)
    for cell in student["cells"]:
        if "nbgrader" in cell["metadata"] and cell["cell_type"] == "code":
            assert not {"hide-cell", "hide-input"} & set(cell["metadata"]["tags"])
            assert "mystnb" not in cell["metadata"]


def test_selected_exercises_only():
    book = read_notebook(FIXTURE)
    student = student_version(book, {"ex-fixture-conv1-params"})
    changed = [index for index, (a, b) in enumerate(zip(book["cells"], student["cells"])) if a != b]
    # 8, 9: the exercise; 4, 7, 10, 14: the statements as plain Markdown; 5, 11, 15: the other solutions,
    # kept without their marks (code) or directive (written)
    assert changed == [4, 5, 7, 8, 9, 10, 11, 14, 15]
    for index in (5, 11, 15):
        assert "nbgrader" not in student["cells"][index]["metadata"]
    results = run_exercises(student)
    assert isinstance(results["ex-fixture-conv1-params"], NotImplementedError)
    assert results["ex-fixture-output-size"] == "✓ output size: right on all 212 cases\n"


def test_nbgrader_metadata(tmp_path):
    """nbgrader's cell metadata, schema 3: required keys, id charset, unique ids, points on graded cells."""
    import nbformat

    (path,) = assign([FIXTURE], tmp_path)
    nbformat.validate(nbformat.read(path, as_version=4))
    cells = [cell for cell in read_notebook(path)["cells"] if "nbgrader" in cell["metadata"]]
    metadata = [cell["metadata"]["nbgrader"] for cell in cells]
    allowed = {"schema_version", "grade", "locked", "solution", "task", "grade_id", "points"}
    for meta in metadata:
        assert {"schema_version", "grade", "locked", "solution", "grade_id"} <= set(meta) <= allowed
        assert meta["schema_version"] == 3
        assert re.fullmatch(r"[A-Za-z0-9_-]+", meta["grade_id"])
        assert ("points" in meta) == meta["grade"]
    assert len({meta["grade_id"] for meta in metadata}) == len(metadata)
    roles = [
        (meta["grade_id"], meta["solution"], meta["grade"], meta["locked"], meta.get("points")) for meta in metadata
    ]
    assert roles == [
        ("ex-fixture-output-size", True, False, False, None),
        ("ex-fixture-output-size-check", False, True, True, 1),
        ("ex-fixture-conv1-params", True, False, False, None),
        ("ex-fixture-conv1-params-check", False, True, True, 1),
        ("ex-fixture-receptive-field", True, False, False, None),
        ("ex-fixture-receptive-field-check-1", False, True, True, 1),
        ("ex-fixture-receptive-field-check-2", False, True, True, 1),
        ("ex-fixture-discuss", True, True, False, 1),  # a written solution: a manually graded answer
    ]


def test_keep_solutions_is_the_nbgrader_source_copy():
    book = read_notebook(FIXTURE)
    source = student_version(book, keep_solutions=True)
    student = student_version(book)
    for exercise in exercises(book):
        for index in (exercise.solution, *exercise.checks):
            assert source["cells"][index]["metadata"] == student["cells"][index]["metadata"]
        assert source["cells"][exercise.solution]["source"] == book["cells"][exercise.solution]["source"]
    assert_all_pass(source, "keep_solutions")


def test_written_solution_becomes_an_answer_cell():
    """A discussion exercise's markdown solution: nbgrader's text stub for students, kept with --keep-solutions."""
    book = read_notebook(FIXTURE)
    (exercise,) = [exercise for exercise in exercises(book) if exercise.written]
    assert (exercise.label, exercise.solution, exercise.checks) == ("ex-fixture-discuss", 15, ())
    student = student_version(book, {"ex-fixture-discuss"})
    changed = [index for index, (a, b) in enumerate(zip(book["cells"], student["cells"])) if a != b]
    assert changed == [4, 5, 7, 8, 10, 11, 14, 15]  # statements as Markdown, other solutions without marks
    cell = student["cells"][15]
    assert cell["cell_type"] == "markdown" and cell_source(cell) == "YOUR ANSWER HERE"
    assert cell["metadata"]["exercise"] == "ex-fixture-discuss"
    source = student_version(book, {"ex-fixture-discuss"}, keep_solutions=True)["cells"][15]
    assert source["source"] == book["cells"][15]["source"]
    assert cell_source(source).startswith("```{solution} ex-fixture-discuss\n:class: dropdown\n")
    assert source["metadata"] == cell["metadata"]


# --- conventions enforced, with clear errors ------------------------------------------------------


def _broken(index: int, source: str | None = None, **metadata) -> dict:
    notebook = read_notebook(FIXTURE)
    cell = notebook["cells"][index]
    if source is not None:
        cell["source"] = source
    cell["metadata"].update(metadata)
    return notebook


@pytest.mark.parametrize(
    ("notebook", "message"),
    [
        (
            _broken(5, "def f():\n    ### BEGIN SOLUTION\n    return 1\n"),
            "'### BEGIN SOLUTION' on line 2 is never closed",
        ),
        (_broken(5, "return 1\n### END SOLUTION\n"), "line 2 has '### END SOLUTION' without a '### BEGIN SOLUTION'"),
        (
            _broken(5, "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"),
            "line 2 opens '### BEGIN SOLUTION' again before line 1's is closed",
        ),
        (_broken(5, "def f():\n    return 1"), "cell 5 \\(tagged 'solution'\\): no '### BEGIN SOLUTION'"),
        (_broken(5, exercise="ex-fixture-typo"), "no \\{exercise\\} directive has :label: ex-fixture-typo"),
        (_broken(6, exercise=None), 'cell 6 .*needs cell metadata "exercise"'),
        (
            _broken(6, exercise="ex-fixture-conv1-params"),
            "the check of ex-fixture-conv1-params must come after its solution",
        ),
        (
            _broken(9, tags=["hide-input"]),
            "exercise ex-fixture-conv1-params has a solution cell \\(cell 8\\) but no check",
        ),
        (
            _broken(12, tags=["solution"]),
            "exercise ex-fixture-receptive-field already has a solution cell \\(cell 11\\)",
        ),
        (
            _broken(15, "```{solution} ex-fixture-typo\n```"),
            "needs one \\{solution\\} directive for ex-fixture-discuss, has",
        ),
        (_broken(15, "The answer, without a directive."), "cell 15 .*needs one \\{solution\\} directive"),
        (_broken(16, tags=["check"], exercise="ex-fixture-discuss"), "ex-fixture-discuss has a written solution"),
        (
            _broken(14, tags=["check"], exercise="ex-fixture-discuss"),
            "cell 14 .*must be a code cell, is a markdown cell",
        ),
    ],
)
def test_broken_conventions_raise(notebook, message):
    with pytest.raises(ValueError, match=message):
        student_version(notebook, name="chapter.ipynb")


def test_bad_labels_raise():
    notebook = read_notebook(FIXTURE)
    notebook["cells"][4]["source"] = "```{exercise}\n:label: output size\n\nText.\n```"
    with pytest.raises(ValueError, match="exercise label 'output size' must look like 'ex-<chapter>-<name>'"):
        exercises(notebook)
    with pytest.raises(ValueError, match=r"unknown exercise label\(s\) \['ex-nope'\]; its exercises are \['ex-fixture"):
        student_version(read_notebook(FIXTURE), {"ex-nope", "ex-fixture-output-size"})


def test_stub_keeps_the_indentation_of_the_mark():
    code = "for x in y:\n    if x:\n        ### BEGIN SOLUTION\n        z = x\n        ### END SOLUTION\n    print(x)"
    assert stub_solution(code) == (
        "for x in y:\n    if x:\n        # YOUR CODE HERE\n        raise NotImplementedError()\n    print(x)"
    )


# --- the command line -----------------------------------------------------------------------------


def test_command_line(tmp_path, capsys):
    assert main([str(FIXTURE), "--out", str(tmp_path), "--exercises", "ex-fixture-output-size"]) == 0
    assert (
        capsys.readouterr().out
        == f"{FIXTURE} -> {tmp_path / FIXTURE.name}: 1 exercise(s) stubbed: ex-fixture-output-size\n"
    )
    assert "raise NotImplementedError()" in cell_source(read_notebook(tmp_path / FIXTURE.name)["cells"][5])
    assert main([str(FIXTURE), "--out", str(tmp_path / "x"), "--exercises", "ex-nope"]) == 2
    assert "error: unknown exercise label(s) ['ex-nope']" in capsys.readouterr().err
    assert main([str(FIXTURE), "--out", str(FIXTURE.parent), "--force"]) == 2
    assert f"is the chapter {FIXTURE} itself" in capsys.readouterr().err


def test_python_dash_m(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "classic_cnn.assign", str(FIXTURE), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "4 exercise(s) stubbed: ex-fixture-output-size, ex-fixture-conv1-params, ex-fixture-receptive-field, "
        "ex-fixture-discuss"
    ) in result.stdout
    assert json.loads((tmp_path / FIXTURE.name).read_text())["cells"][5]["metadata"]["nbgrader"]["solution"] is True


# --- the graders against PyTorch, and their messages ------------------------------------------------


def test_the_instructors_page_commands_work(tmp_path, capsys):
    """Every `python -m classic_cnn.assign` line of book/instructors.md runs as printed (labels included)."""
    page = (ROOT / "book" / "instructors.md").read_text()
    # (commands that start from "$REPO", in the nbgrader walkthrough, are run by tests/test_nbgrader.py)
    commands = re.findall(r"^python -m classic_cnn\.assign (book/.+)$", page, flags=re.MULTILINE)
    assert commands, "the instructors' page shows no assign command"
    for number, command in enumerate(commands):
        words = command.split()
        words[words.index("--out") + 1] = str(tmp_path / str(number))
        paths = [str(path) for word in words if word.startswith("book/") for path in sorted(ROOT.glob(word))]
        arguments = paths + [word for word in words if not word.startswith("book/")]
        assert main(arguments) == 0, (command, capsys.readouterr().err)


@pytest.mark.slow  # every named check, each over its own cases, through real PyTorch layers
def test_named_checks_accept_pytorch_as_the_student(capsys):
    """Answers computed by PyTorch's own layers (an independent oracle) pass every named check."""

    def conv_size(n, f, s, p):
        return nn.Conv2d(1, 1, f, s, p)(torch.zeros(1, 1, n, n)).shape[-1]

    def pool_size(n, f, s):
        return nn.MaxPool2d(f, s)(torch.zeros(1, 1, n, n)).shape[-1]

    def same(f):
        for p in range(f):
            if nn.Conv2d(1, 1, f, padding=p)(torch.zeros(1, 1, 15, 15)).shape[-1] == 15:
                return p

    def params(d, k, f):
        return sum(weight.numel() for weight in nn.Conv2d(d, k, f).parameters())

    def receptive_field(layers):
        """Grow one output unit's gradient back to the input and measure its footprint."""
        size = 128
        x = torch.zeros(1, 1, size, size, requires_grad=True)
        y = x
        for f, s in layers:
            conv = nn.Conv2d(1, 1, f, s, bias=False)
            nn.init.ones_(conv.weight)
            y = conv(y)
        y[0, 0, 0, 0].backward()
        rows = x.grad[0, 0].abs().sum(dim=1).nonzero()
        return int(rows.max() - rows.min() + 1)

    check.output_size(conv_size)
    check.pool_output_size(pool_size)
    check.same_padding(same)
    check.conv_params(params)
    check.receptive_field(receptive_field)
    assert capsys.readouterr().out.splitlines() == [
        "✓ output size: right on all 212 cases",
        "✓ pooling output size: right on all 36 cases",
        "✓ same padding: right on all 6 cases",
        "✓ parameter count: right on all 7 cases",
        "✓ receptive field: right on all 8 cases",
    ]


def _failure(checker, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as caught:
        checker(*args, **kwargs)
    assert isinstance(caught.value, AssertionError)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__  # no chained traceback
    return str(caught.value)


def test_wrong_answers_get_one_sentence():
    assert _failure(check.output_size, lambda n, f, s, p: (n - f) // s + 1) == (
        "output size for N=5, F=1, S=1, P=1: your function returned 5, which is not right"
    )
    assert _failure(check.output_size, lambda n, f, s, p: (n - f + 2 * p) / s + 1) == (
        "output size for N=5, F=1, S=3, P=0: your function returned 2.333333333333333, which is not right "
        "(sizes and counts are whole numbers: PyTorch rounds down, so use // rather than /)"
    )
    assert _failure(check.conv_params, lambda d, k, f: f * f * d * k) == (
        "parameter count for in_channels=3, out_channels=96, kernel_size=11: your function returned 34,848, "
        "which is not right"
    )

    def same_padding(f):
        raise NotImplementedError()

    assert _failure(check.same_padding, same_padding) == (
        "`same_padding` is not written yet: replace `raise NotImplementedError()` with your code"
    )
    assert _failure(check.pool_output_size, lambda n, f, s: [][0]) == (
        "pooling output size for N=4, F=2, S=1: your function raised IndexError: list index out of range"
    )
    assert _failure(check.receptive_field, lambda layers: None).endswith("(did you forget `return`?)")
    assert _failure(check.value, 34848, 34944, what="parameters of CONV1") == (
        "parameters of CONV1: you have 34,848, which is not right"
    )
    assert _failure(check.value, True, 1, what="count") == "count: you have True, which is not right"
    assert _failure(check.output_size, 3) == "expected a function for the output size, got int 3"


def test_value_tolerance(capsys):
    check.value(0.30000000000000004, 0.3, what="sum", tolerance=1e-9)
    check.value(3.0, 3, what="size")
    assert capsys.readouterr().out == "✓ sum: 0.30000000000000004\n✓ size: 3.0\n"
    assert _failure(check.value, 0.31, 0.3, what="sum", tolerance=1e-3) == "sum: you have 0.31, which is not right"


def test_generic_function_check(capsys):
    check.function(abs, lambda x: x if x >= 0 else -x, [(-2,), (0,), (5,)], what="absolute value", names="x")
    assert capsys.readouterr().out == "✓ absolute value: right on all 3 cases\n"
    with pytest.raises(ValueError, match=r"case \(1, 2\) has 2 values but names has 1"):
        check.function(abs, abs, [(1, 2)], what="x", names="x")


@pytest.mark.slow
def test_a_student_sees_one_line_per_failed_check(tmp_path, monkeypatch):
    """In a real kernel a failed check shows '✗ message' and no traceback (CheckFailed._render_traceback_)."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "quick")
    (path,) = assign([FIXTURE], tmp_path)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, allow_errors=True).execute()
    errors = {
        index: output
        for index, cell in enumerate(notebook.cells)
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    }
    assert errors[6]["ename"] == "CheckFailed"
    assert errors[6]["traceback"] == [
        "✗ `output_size` is not written yet: replace `raise NotImplementedError()` with your code"
    ]
    assert errors[8]["ename"] == "NotImplementedError"
    assert errors[12]["traceback"] == [
        "✗ `receptive_field` is not written yet: replace `raise NotImplementedError()` with your code"
    ]
