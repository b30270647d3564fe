"""Student versions of the chapters: exercise solutions replaced by stubs, with nbgrader metadata.

    python -m classic_cnn.assign book/01_convolution.ipynb [...] --out student/ [--exercises LABEL ...] [--force]

An exercise in a chapter is a markdown cell with an ```` ```{exercise} ```` directive and
``:label: ex-<chapter>-<name>``, a solution code cell (tags ``solution``, ``hide-cell``; metadata
``"exercise": label``) whose student part lies between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, and
one or more check cells (tags ``check``, ``hide-cell``; same ``"exercise"``) that call ``classic_cnn.check``.
A discussion exercise has instead a written solution: a markdown cell (tag ``solution``, same ``"exercise"``)
holding a ```` ```{solution} <label> ```` directive, and no check cell.

In the student version each selected exercise has its marked regions replaced by
``# YOUR CODE HERE`` / ``raise NotImplementedError()`` (the code around the marks, such as the ``def`` line,
stays), the outputs of its solution and check cells cleared, the site's hiding (``hide-cell``, ``hide-input`` and
their toggle labels) removed from them, and nbgrader
metadata added (schema 3: solution cells graded by the check cells after them, one point per check cell).
Exercises not selected keep their solution code, with the marks taken out (nbgrader refuses marks outside an
answer cell), so the notebook still runs top to bottom up to the first stub. A written solution is replaced
by ``YOUR ANSWER HERE`` and becomes a manually graded answer cell (one point), as nbgrader does with markdown
solution cells. The ``{exercise}`` (and a kept ``{solution}``) directives become plain Markdown, which Jupyter
shows as text rather than as raw MyST. Every other cell is left as it is.

Nothing is written over: an existing file in the output folder is an error unless ``force`` (and then the
file is replaced, never written through, so a link there cannot change what it points to); two inputs with
the same file name are an error. With a selection, a notebook without any selected exercise is not written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
TEXT_STUB = "YOUR ANSWER HERE"  # nbgrader's stub for a written (markdown) solution
LABEL = re.compile(r"ex-[A-Za-z0-9_-]+")  # nbgrader's grade_id allows letters, digits, '_' and '-'
_DIRECTIVE = re.compile(r"^\s*(`{3,}|:{3,})\{exercise\}")
_OPTION = re.compile(r"^\s*:([\w-]+):\s*(.*?)\s*$")
_SOLUTION = re.compile(r"^\s*(?:`{3,}|:{3,})\{solution\}\s+(\S+)", re.MULTILINE)
_PLAIN_EXERCISE = re.compile(r"^\*\*Exercise(?:: .*)?\*\* `(ex-[^`]+)`\s*$")  # what plain_markdown makes of one
_FENCE = re.compile(r"^\s*(`{3,}|:{3,})\{(exercise|solution)\}\s*(.*?)\s*$")
_ROLE = re.compile(r"\{[\w:-]+\}(`[^`]+`)")  # {doc}`02_lenet`, {cite:t}`key`: MyST roles Jupyter shows raw


@dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook: its label and the indices of its solution and check cells.

    ``written``: the solution is a markdown cell (a discussion exercise), with no check cells.
    """

    label: str
    solution: int
    checks: tuple[int, ...]
    written: bool = False


def read_notebook(path: str | Path) -> dict:
    """The notebook at ``path`` as plain JSON (nbformat 4); ``ValueError`` naming the file if it is not one."""
    try:
        with open(path, encoding="utf-8") as file:
            notebook = json.load(file)
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not a notebook (not UTF-8 text: {error.reason} at byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not a notebook (invalid JSON: {error})") from None
    if not isinstance(notebook, dict):
        raise ValueError(f"{path}: not a notebook (the JSON is a {type(notebook).__name__}, not an object)")
    if notebook.get("nbformat") != 4:
        raise ValueError(f"{path}: only nbformat 4 notebooks are supported, got nbformat {notebook.get('nbformat')}")
    _check_cells(notebook, path)
    return notebook


def _check_cells(notebook: dict, path: str | Path) -> None:
    """The parts of nbformat 4 this module relies on, each failure named by cell."""
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise ValueError(f"{path}: not a notebook (no list of cells)")
    for index, cell in enumerate(cells):
        where = f"{path}, cell {index}"
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise ValueError(f"{where}: not a notebook cell (needs a cell_type of code, markdown or raw)")
        source = cell.get("source", "")
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            raise ValueError(f"{where}: source must be a string or a list of strings")
        metadata = cell.get("metadata", {})
        if not isinstance(metadata, dict):
            raise ValueError(f"{where}: metadata must be an object")
        tags = metadata.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise ValueError(f"{where}: metadata tags must be a list of strings")
        if not isinstance(metadata.get("exercise", ""), str):
            raise ValueError(f'{where}: metadata "exercise" must be a label (a string)')


def write_notebook(notebook: dict, path: str | Path) -> None:
    """Write ``notebook`` as Jupyter does (sorted keys, one-space indent).

    The file is written beside ``path`` and then moved onto it, so an existing ``path`` is replaced, never
    written through: a symbolic or hard link there leaves the file it points to unchanged.
    """
    path = Path(path)
    text = json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cell_source(cell: dict) -> str:
    """A cell's source as one string (notebooks store it as a string or a list of lines)."""
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def directive_labels(notebook: dict) -> list[str]:
    """Labels of the ``{exercise}`` directives in the notebook's markdown cells, in order.

    An exercise already turned into plain Markdown (a student version) counts too.
    """
    labels = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        lines = cell_source(cell).splitlines()
        for start, line in enumerate(lines):
            if plain := _PLAIN_EXERCISE.match(line):
                labels.append(plain.group(1))
                continue
            if not _DIRECTIVE.match(line):
                continue
            for option in lines[start + 1 :]:
                match = _OPTION.match(option)
                if not match:
                    break
                if match.group(1) == "label":
                    labels.append(match.group(2))
    return labels


def exercises(notebook: dict, *, name: str = "notebook", markers: bool = True) -> list[Exercise]:
    """The exercises with a solution, checked against the conventions (``ValueError`` naming the cell if not).

    ``markers=False`` skips checking the solution marks and directives (a student version has none left).
    """
    declared = directive_labels(notebook)
    for label in declared:
        if not LABEL.fullmatch(label):
            raise ValueError(
                f"{name}: exercise label {label!r} must look like 'ex-<chapter>-<name>' "
                "(letters, digits, '-' and '_' only)"
            )
    duplicates = sorted({label for label in declared if declared.count(label) > 1})
    if duplicates:
        raise ValueError(f"{name}: exercise label(s) {duplicates} are used by more than one {{exercise}} directive")
    solutions: dict[str, int] = {}
    checks: dict[str, list[int]] = {}
    written: set[str] = set()
    for index, cell in enumerate(notebook["cells"]):
        tags = _tags(cell)
        role = "solution" if "solution" in tags else "check" if "check" in tags else None
        if role is None:
            continue
        where = f"{name}, cell {index} (tagged {role!r})"
        if cell["cell_type"] != "code" and not (role == "solution" and cell["cell_type"] == "markdown"):
            raise ValueError(f"{where}: must be a code cell, is a {cell['cell_type']} cell")
        label = cell.get("metadata", {}).get("exercise")
        if not label:
            raise ValueError(f'{where}: needs cell metadata "exercise": "<label of its {{exercise}} directive>"')
        if label not in declared:
            raise ValueError(f"{where}: no {{exercise}} directive has :label: {label} (labels here: {declared})")
        if role == "solution":
            if label in solutions:
                raise ValueError(f"{where}: exercise {label} already has a solution cell (cell {solutions[label]})")
            solutions[label] = index
            if cell["cell_type"] == "markdown":
                written.add(label)
                targets = _SOLUTION.findall(cell_source(cell))
                if markers and targets != [label]:
                    raise ValueError(f"{where}: needs one {{solution}} directive for {label}, has {targets}")
            elif markers:
                stub_solution(cell_source(cell), where=where)  # raises on unbalanced marks
        else:
            if label not in solutions:
                raise ValueError(f"{where}: the check of {label} must come after its solution cell")
            if label in written:
                raise ValueError(f"{where}: {label} has a written solution, which no code can check")
            checks.setdefault(label, []).append(index)
    found = []
    for label, index in solutions.items():
        if label not in checks and label not in written:
            raise ValueError(f"{name}: exercise {label} has a solution cell (cell {index}) but no check cell")
        found.append(Exercise(label, index, tuple(checks.get(label, ())), label in written))
    return found


def stub_solution(code: str, *, where: str = "solution cell") -> str:
    """``code`` with each ``### BEGIN SOLUTION``…``### END SOLUTION`` region replaced by the stub."""
    lines = code.splitlines()
    out: list[str] = []
    begin: int | None = None
    regions = 0
    for number, line in enumerate(lines, start=1):
        mark = line.strip()
        if mark == BEGIN:
            if begin is not None:
                raise ValueError(f"{where}: line {number} opens {BEGIN!r} again before line {begin}'s is closed")
            begin = number
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + text for text in STUB)
        elif mark == END:
            if begin is None:
                raise ValueError(f"{where}: line {number} has {END!r} without a {BEGIN!r} before it")
            begin, regions = None, regions + 1
        elif begin is None:
            out.append(line)
    if begin is not None:
        raise ValueError(f"{where}: {BEGIN!r} on line {begin} is never closed by {END!r}")
    if regions == 0:
        raise ValueError(f"{where}: no {BEGIN!r} … {END!r} region to replace")
    return "\n".join(out)


def remove_marks(code: str) -> str:
    """``code`` with the ``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines taken out and the solution kept."""
    return "\n".join(line for line in code.splitlines() if line.strip() not in (BEGIN, END))


def plain_markdown(text: str) -> str:
    """``text`` with ``{exercise}``/``{solution}`` directives and MyST roles as the plain Markdown Jupyter shows.

    A directive becomes a bold title (its argument, or its label) above its body; its options are dropped.
    """
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            out.append(lines[index])
            index += 1
            continue
        fence, kind, argument = match.groups()
        index += 1
        label = ""
        while index < len(lines) and (option := _OPTION.match(lines[index])):
            label = option.group(2) if option.group(1) == "label" else label
            index += 1
        if kind == "exercise":  # the argument is an optional title
            out.append(f"**Exercise{': ' + argument if argument else ''}**" + (f" `{label}`" if label else ""))
        else:  # the argument is the label of the exercise it solves
            out.append(f"**Solution** `{argument}`" if argument else "**Solution**")
        while index < len(lines) and not _closes(lines[index], fence):
            out.append(lines[index])
            index += 1
        index += 1  # the closing fence
    return _ROLE.sub(r"\1", "\n".join(out))


def _closes(line: str, fence: str) -> bool:
    mark = line.strip()
    return len(mark) >= len(fence) and set(mark) == {fence[0]}


def _lines(text: str) -> list[str]:
    """Source in Jupyter's on-disk form: a list of lines, each but the last ending in a newline."""
    return text.splitlines(keepends=True)


def _nbgrader(grade_id: str, *, solution: bool, grade: bool | None = None) -> dict:
    """Autograded answer (``solution``), test (not ``solution``) or, with ``grade=True``, manually graded answer."""
    grade = not solution if grade is None else grade
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3}
    meta.update({"solution": solution, "task": False})
    if grade:
        meta["points"] = 1
    return meta


HIDING_TAGS = ("hide-cell", "hide-input")  # how the site hides answers; a student's cells must show


def _prepare(cell: dict, nbgrader: dict) -> None:
    metadata = cell.setdefault("metadata", {})
    metadata["tags"] = [tag for tag in _tags(cell) if tag not in HIDING_TAGS]
    metadata.pop("mystnb", None)  # the site's "Show solution" toggle labels
    metadata["nbgrader"] = nbgrader
    if cell["cell_type"] == "code":
        cell["outputs"] = []
        cell["execution_count"] = None


def student_version(
    notebook: dict,
    selected: Collection[str] | None = None,
    *,
    keep_solutions: bool = False,
    name: str = "notebook",
) -> dict:
    """A copy of ``notebook`` with the ``selected`` exercises (all when ``None``) set for students.

    ``keep_solutions=True`` adds the same metadata but keeps the solutions: the copy to put in nbgrader's
    ``source/`` folder (its ``generate_assignment`` stubs the same ``### BEGIN/END SOLUTION`` marks).
    """
    copy = json.loads(json.dumps(notebook))
    found = exercises(copy, name=name)
    labels = [exercise.label for exercise in found]
    unknown = sorted(set(selected or ()) - set(labels))
    if unknown:
        raise ValueError(f"{name}: unknown exercise label(s) {unknown}; its exercises are {labels}")
    for cell in copy["cells"]:
        if cell["cell_type"] == "markdown" and directive_labels({"cells": [cell]}):
            cell["source"] = _lines(plain_markdown(cell_source(cell)))
    for exercise in found:
        cell = copy["cells"][exercise.solution]
        if selected is not None and exercise.label not in selected:  # kept, as plain code or Markdown
            plain = plain_markdown if exercise.written else remove_marks
            cell["source"] = _lines(plain(cell_source(cell)))
            continue
        if exercise.written:
            if not keep_solutions:
                cell["source"] = TEXT_STUB
            _prepare(cell, _nbgrader(exercise.label, solution=True, grade=True))
            continue
        if not keep_solutions:
            cell["source"] = _lines(stub_solution(cell_source(cell), where=f"{name}, cell {exercise.solution}"))
        _prepare(cell, _nbgrader(exercise.label, solution=True))
        for number, index in enumerate(exercise.checks, start=1):
            suffix = "-check" if len(exercise.checks) == 1 else f"-check-{number}"
            _prepare(copy["cells"][index], _nbgrader(exercise.label + suffix, solution=False))
    return copy


@dataclass(frozen=True)
class Assignment:
    """One notebook to write: where it comes from, where it goes, and the exercises set in it."""

    source: Path
    target: Path
    notebook: dict
    labels: tuple[str, ...]


def plan(
    paths: Sequence[str | Path],
    out: str | Path,
    selected: Collection[str] | None = None,
    *,
    keep_solutions: bool = False,
    force: bool = False,
) -> list[Assignment]:
    """The student versions :func:`assign` would write, checked first so that nothing is written on an error.

    With ``selected``, notebooks without any selected exercise are left out.
    """
    out = Path(out)
    sources = [Path(path) for path in paths]
    notebooks = {path: read_notebook(path) for path in sources}
    found = {path: [e.label for e in exercises(nb, name=str(path))] for path, nb in notebooks.items()}
    if selected is not None:
        known = {label for labels in found.values() for label in labels}
        unknown = sorted(set(selected) - known)
        if unknown:
            raise ValueError(f"unknown exercise label(s) {unknown}; the notebooks given have {sorted(known)}")
    # A file's directory entry: where a write lands. A link at the target is replaced, so only a folder that
    # is (or links to) a chapter's folder makes the target the chapter itself.
    chapters = {path.parent.resolve() / path.name: path for path in sources}
    planned: dict[Path, Assignment] = {}
    for path, notebook in notebooks.items():
        chosen = None if selected is None else [label for label in found[path] if label in set(selected)]
        if chosen == []:
            continue
        target = out / path.name
        entry = out.resolve() / path.name
        if entry in chapters:
            raise ValueError(f"{target} is the chapter {chapters[entry]} itself; choose another --out")
        if target in planned:
            raise ValueError(
                f"{planned[target].source} and {path} would both be written to {target}; assign them separately, "
                "each with its own --out folder"
            )
        if os.path.lexists(target) and not force:
            raise ValueError(f"{target} exists; pass --force to replace it, or choose another --out")
        student = student_version(notebook, chosen, keep_solutions=keep_solutions, name=str(path))
        set_up = tuple(chosen if chosen is not None else found[path])
        planned[target] = Assignment(path, target, student, set_up)
    return list(planned.values())


def assign(
    paths: Sequence[str | Path],
    out: str | Path,
    selected: Collection[str] | None = None,
    *,
    keep_solutions: bool = False,
    force: bool = False,
) -> list[Path]:
    """Write the student version of each notebook in ``paths`` into the folder ``out``; return the new paths.

    An existing file is replaced only with ``force`` (and never written through); see :func:`plan`.
    """
    planned = plan(paths, out, selected, keep_solutions=keep_solutions, force=force)
    Path(out).mkdir(parents=True, exist_ok=True)
    for assignment in planned:
        write_notebook(assignment.notebook, assignment.target)
    return [assignment.target for assignment in planned]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m classic_cnn.assign CHAPTER.ipynb [...] --out DIR [--exercises LABEL ...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m classic_cnn.assign",
        description="Write student versions of chapters: exercise solutions replaced by stubs, nbgrader metadata added.",
    )
    parser.add_argument("notebooks", nargs="+", type=Path, help="chapter notebooks (.ipynb)")
    parser.add_argument("--out", required=True, type=Path, help="folder for the student notebooks")
    parser.add_argument(
        "--exercises",
        nargs="+",
        metavar="LABEL",
        help="stub only these exercises (default: all); others keep their solution",
    )
    parser.add_argument(
        "--keep-solutions",
        action="store_true",
        help="add the nbgrader metadata but keep the solutions (the copy for nbgrader's source/ folder)",
    )
    parser.add_argument("--force", action="store_true", help="replace notebooks that already exist in --out")
    args = parser.parse_args(argv)
    try:
        planned = plan(args.notebooks, args.out, args.exercises, keep_solutions=args.keep_solutions, force=args.force)
        args.out.mkdir(parents=True, exist_ok=True)
        for assignment in planned:
            write_notebook(assignment.notebook, assignment.target)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    verb = "annotated" if args.keep_solutions else "stubbed"
    for assignment in planned:
        labels = ", ".join(assignment.labels) or "-"
        print(f"{assignment.source} -> {assignment.target}: {len(assignment.labels)} exercise(s) {verb}: {labels}")
    skipped = sorted(set(args.notebooks) - {assignment.source for assignment in planned})
    for source in skipped:
        print(f"{source}: not written, none of the selected exercises is in it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
