"""Grading from notebook files: a learner's progress over the course, and an instructor's grade of one notebook.

A notebook file is read, never written. Each exercise's stub cell is found by its cell metadata
(``"exercise": "03.2"``) or, if that was lost, as the last code cell that defines the exercise's function.
A cell still equal to the stub is "not attempted" without running anything. The cells a learner changed run in
a fresh Jupyter kernel (the way the notebook itself runs them), after the notebook's first code cell (its
imports), and :func:`helpers.exercises.check` judges each function there.

    grade_notebook(path)          -> [Grade(id, title, status, message)] for the exercises of one notebook
    course_progress(notebooks_dir) -> the same for every notebook of the course, printed as a table
    python -m helpers.exercises grade FILE [FILE ...]   one line per exercise; exit 1 if an attempted one fails
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import EXERCISES, check, exercises_of

__all__ = ["Grade", "find_exercise_cells", "grade_notebook", "course_progress", "format_grades", "REPORT_PREFIX"]

REPORT_PREFIX = "UNROLLED-GRADE "  # the report cell prints one such line per exercise, then a JSON object
DEFAULT_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@dataclass(frozen=True)
class Grade:
    """The status of one exercise in one notebook file: "done", "not attempted" or "failing"."""

    id: str
    title: str
    status: str
    message: str


def _notebook(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: expected a notebook file (.ipynb), got {str(path)!r}, which does not exist")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"path: {path.name} is not a readable notebook (JSON): {err}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"path: {path.name} is not a Jupyter notebook (no list of cells)")
    return nb


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def find_exercise_cells(nb: dict, exercises) -> dict:
    """{exercise id: the source of its cell, or None if the notebook has none} for ``exercises``."""
    found = {}
    code = [c for c in nb["cells"] if c.get("cell_type") == "code"]
    for exercise in exercises:
        tagged = [c for c in code if c.get("metadata", {}).get("exercise") == exercise.id]
        defining = [c for c in code if re.search(rf"^def {exercise.function_name}\(", _source(c), re.M)]
        cell = (tagged or defining or [None])[-1]
        found[exercise.id] = None if cell is None else _source(cell)
    return found


def _first_code_cell(nb: dict) -> str:
    return next((_source(c) for c in nb["cells"] if c.get("cell_type") == "code"), "")


def grade_notebook(path, timeout: int = 120) -> list:
    """Grade the exercises of one notebook file (named NN_*.ipynb) without modifying it.

    Returns: [Grade] in the order of the exercises
    """
    path = Path(path)
    exercises = exercises_of(path.name)
    if not exercises:
        raise ValueError(f"path: expected a course notebook named NN_name.ipynb with exercises (01 ... 10), "
                         f"got {path.name!r}")
    nb = _notebook(path)
    cells = find_exercise_cells(nb, exercises)
    grades, changed = {}, []
    for e in exercises:
        source = cells[e.id]
        if source is None:
            grades[e.id] = Grade(e.id, e.title, "not attempted", f"no cell defines {e.function_name}")
        elif source.strip() == e.stub.strip():
            grades[e.id] = Grade(e.id, e.title, "not attempted", check(e.id, None).message)
        else:
            changed.append(e)
    if changed:
        grades.update(_run_in_kernel(path, nb, changed, cells, timeout))
    return [grades[e.id] for e in exercises]


def _run_in_kernel(path: Path, nb: dict, exercises: list, cells: dict, timeout: int) -> dict:
    """Run the notebook's first code cell and the changed exercise cells in a fresh kernel, then check them."""
    import nbformat
    from nbclient import NotebookClient

    functions = {e.id: e.function_name for e in exercises}
    report = ("from helpers.exercises.grading import report_cell\n"
              f"report_cell({json.dumps(functions)}, globals())\n")
    sources = [_first_code_cell(nb)] + [cells[e.id] for e in exercises] + [report]
    run = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = NotebookClient(run, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.resolve().parent)}})
    try:
        client.execute()
    except Exception as err:  # noqa: BLE001 - a kernel that cannot run is reported per exercise
        return {e.id: Grade(e.id, e.title, "failing", f"the notebook's cells could not run: {err}") for e in exercises}
    grades = {}
    errors = {e.id: _error_of(run.cells[1 + i]) for i, e in enumerate(exercises)}
    setup_error = _error_of(run.cells[0])
    for line in _stream_text(run.cells[-1]).splitlines():
        if line.startswith(REPORT_PREFIX):
            item = json.loads(line[len(REPORT_PREFIX):])
            grades[item["id"]] = Grade(item["id"], EXERCISES[item["id"]].title, item["status"], item["message"])
    for e in exercises:
        if errors[e.id]:
            grades[e.id] = Grade(e.id, e.title, "failing", f"✗ {e.id} {e.title}: the exercise cell raised "
                                                           f"{errors[e.id]}")
        elif e.id not in grades:
            why = f" (the notebook's first cell raised {setup_error})" if setup_error else ""
            grades[e.id] = Grade(e.id, e.title, "failing", f"✗ {e.id} {e.title}: could not be checked{why}")
    return grades


def _stream_text(cell) -> str:
    return "".join(_source({"source": o.get("text", "")}) for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream")


def _error_of(cell) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}"
    return None


def report_cell(functions: dict, namespace: dict) -> None:
    """Run inside the grading kernel: check each exercise's function and print one line per exercise."""
    for exercise_id, name in functions.items():
        candidate = namespace.get(name)
        if candidate is None:
            e = EXERCISES[exercise_id]
            item = {"id": exercise_id, "status": "failing",
                    "message": f"✗ {exercise_id} {e.title}: the exercise cell does not define {name}"}
        else:
            result = check(exercise_id, candidate)
            item = {"id": exercise_id, "status": result.status, "message": result.message}
        print(REPORT_PREFIX + json.dumps(item, ensure_ascii=False))


def format_grades(grades, detail: bool = True) -> str:
    """One line per exercise ("03.2  failing        Truncated BPTT"), with the explanation of failures indented."""
    lines = []
    for g in grades:
        lines.append(f"{g.id:<6}{g.status:<15}{g.title}")
        if detail and g.status == "failing":
            lines.append("      " + g.message)
    return "\n".join(lines)


def _course_notebooks(notebooks_dir) -> list:
    if notebooks_dir is None:
        here = Path.cwd()
        notebooks_dir = here if any(here.glob("[0-9][0-9]_*.ipynb")) else DEFAULT_NOTEBOOKS
    notebooks_dir = Path(notebooks_dir)
    if not notebooks_dir.is_dir():
        raise ValueError(f"notebooks_dir: expected the folder of the course's notebooks, got {str(notebooks_dir)!r}")
    prefixes = sorted({e.notebook for e in EXERCISES.values()})
    return [(p, sorted(notebooks_dir.glob(f"{p}_*.ipynb"))) for p in prefixes]


def course_progress(notebooks_dir=None, quiet: bool = False) -> list:
    """Every exercise of the course with its status, read from the saved notebooks in ``notebooks_dir`` (default:
    the current folder if it holds the course's notebooks, else the course's notebooks/ folder).

    Save your notebooks first (Ctrl-S): this reads the files, not the running notebooks.
    Prints a table unless ``quiet``; returns [Grade].
    """
    grades = []
    for prefix, paths in _course_notebooks(notebooks_dir):
        if not paths:
            grades += [Grade(e.id, e.title, "not attempted", f"no notebook {prefix}_*.ipynb found")
                       for e in exercises_of(prefix)]
        else:
            grades += grade_notebook(paths[0])
    if not quiet:
        counts = {s: sum(g.status == s for g in grades) for s in ("done", "failing", "not attempted")}
        print(format_grades(grades, detail=False))
        print(f"\n{counts['done']} done, {counts['failing']} failing, {counts['not attempted']} not attempted "
              f"(of {len(grades)})")
    return grades
