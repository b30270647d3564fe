"""Student versions of the chapters: exercise solutions replaced by stubs, with nbgrader metadata.

    python -m classic_cnn.assign book/convolution.ipynb [...] --out student/ [--exercises LABEL ...]

An exercise in a chapter is a markdown cell with an ```` ```{exercise} ```` directive and
``:label: ex-<chapter>-<name>``, a solution code cell (tags ``solution``, ``hide-input``; metadata
``"exercise": label``) whose student part lies between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, and
one or more check cells (tags ``check``, ``hide-input``; same ``"exercise"``) that call ``classic_cnn.check``.
A discussion exercise has instead a written solution: a markdown cell (tag ``solution``, same ``"exercise"``)
holding a ```` ```{solution} <label> ```` directive, and no check cell.

In the student version each selected exercise has its marked regions replaced by
``# YOUR CODE HERE`` / ``raise NotImplementedError()`` (the code around the marks, such as the ``def`` line,
stays), the outputs of its solution and check cells cleared, ``hide-input`` removed from them, and nbgrader
metadata added (schema 3: solution cells graded by the check cells after them, one point per check cell).
Exercises not selected keep their solution, exactly as in the book, so the notebook still runs top to
bottom up to the first stub. A written solution is replaced by ``YOUR ANSWER HERE`` and becomes a manually
graded answer cell (one point), as nbgrader does with markdown solution cells. Every other cell is left as it is.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
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
    """The notebook at ``path`` as plain JSON (nbformat 4)."""
    with open(path, encoding="utf-8") as file:
        notebook = json.load(file)
    if notebook.get("nbformat") != 4:
        raise ValueError(f"{path}: only nbformat 4 notebooks are supported, got nbformat {notebook.get('nbformat')}")
    return notebook


def write_notebook(notebook: dict, path: str | Path) -> None:
    """Write ``notebook`` as Jupyter does (sorted keys, one-space indent)."""
    text = json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def cell_source(cell: dict) -> str:
    """A cell's source as one string (notebooks store it as a string or a list of lines)."""
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def directive_labels(notebook: dict) -> list[str]:
    """Labels of the ``{exercise}`` directives in the notebook's markdown cells, in order."""
    labels = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        lines = cell_source(cell).splitlines()
        for start, line in enumerate(lines):
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


def _prepare(cell: dict, nbgrader: dict) -> None:
    metadata = cell.setdefault("metadata", {})
    metadata["tags"] = [tag for tag in _tags(cell) if tag != "hide-input"]
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
    for exercise in found:
        if selected is not None and exercise.label not in selected:
            continue
        cell = copy["cells"][exercise.solution]
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


def assign(
    paths: Sequence[str | Path],
    out: str | Path,
    selected: Collection[str] | None = None,
    *,
    keep_solutions: bool = False,
) -> list[Path]:
    """Write the student version of each notebook in ``paths`` into the folder ``out``; return the new paths."""
    out = Path(out)
    notebooks = {Path(path): read_notebook(path) for path in paths}
    if selected is not None:
        known = {exercise.label for path, nb in notebooks.items() for exercise in exercises(nb, name=str(path))}
        unknown = sorted(set(selected) - known)
        if unknown:
            raise ValueError(f"unknown exercise label(s) {unknown}; the notebooks given have {sorted(known)}")
    written = []
    for path, notebook in notebooks.items():
        target = out / path.name
        if target.resolve() == path.resolve():
            raise ValueError(f"--out {out} would overwrite the chapter {path} itself; choose another folder")
        chosen = None if selected is None else {e.label for e in exercises(notebook)} & set(selected)
        written.append((target, student_version(notebook, chosen, keep_solutions=keep_solutions, name=str(path))))
    out.mkdir(parents=True, exist_ok=True)
    for target, notebook in written:
        write_notebook(notebook, target)
    return [target for target, _ in written]


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
    args = parser.parse_args(argv)
    try:
        written = assign(args.notebooks, args.out, args.exercises, keep_solutions=args.keep_solutions)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    verb = "annotated" if args.keep_solutions else "stubbed"
    for source, target in zip(args.notebooks, written):
        cells = read_notebook(target)["cells"]
        done = [
            cell["metadata"]["exercise"]
            for cell in cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
        ]
        print(f"{source} -> {target}: {len(done)} exercise(s) {verb}: {', '.join(done) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
