"""The browser test's output check (tests/stored_outputs.py) finds what nbval finds, and forgives what nbval forgives.

Each test edits a copy of a stored notebook the way a run could differ from it and compares the copy with the
original.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import browser_lab
import stored_outputs

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "03_backpropagation_through_time.ipynb"  # checked and ignored cells, figures


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _first(nb, predicate):
    """(index among code cells, cell) of the first code cell meeting predicate."""
    return next((i, c) for i, c in enumerate(_code_cells(nb)) if predicate(c))


def _checked_with_text(cell):
    options = stored_outputs.cell_options(cell)
    return options["check"] and any(o.output_type == "stream" and o.name == "stdout" for o in cell.outputs)


def _ignored_with_text(cell):
    return not stored_outputs.cell_options(cell)["check"] and any(o.output_type == "stream" for o in cell.outputs)


@pytest.fixture
def copy(tmp_path):
    nb = nbformat.read(str(NOTEBOOK), as_version=4)

    def write(edit=None):
        if edit is not None:
            edit(nb)
        path = tmp_path / NOTEBOOK.name
        nbformat.write(nb, str(path))
        return path

    return nb, write


def _stdout(cell):
    return next(o for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def test_the_stored_notebook_matches_itself(copy, pytestconfig):
    _, write = copy
    assert stored_outputs.differences(NOTEBOOK, write(), pytestconfig) == []


def test_a_changed_number_in_a_checked_cell_is_reported_with_its_cell(copy, pytestconfig):
    nb, write = copy
    number, cell = _first(nb, _checked_with_text)
    out = _stdout(cell)
    out.text = out.text.replace("0", "1", 1) if "0" in out.text else out.text + "x"
    problems = stored_outputs.differences(NOTEBOOK, write(), pytestconfig)
    assert len(problems) == 1 and f"Cell {number}: cell outputs differ" in problems[0], problems


def test_a_missing_output_is_reported(copy, pytestconfig):
    nb, write = copy
    number, cell = _first(nb, _checked_with_text)
    cell.outputs = []
    problems = stored_outputs.differences(NOTEBOOK, write(), pytestconfig)
    assert len(problems) == 1 and f"Cell {number}" in problems[0] and "Missing output" in problems[0], problems


def test_an_extra_stderr_output_is_reported(copy, pytestconfig):
    nb, write = copy
    number, cell = _first(nb, _checked_with_text)
    cell.outputs.append(nbformat.v4.new_output("stream", name="stderr", text="a warning\n"))
    problems = stored_outputs.differences(NOTEBOOK, write(), pytestconfig)
    assert len(problems) == 1 and f"Cell {number}" in problems[0], problems


def test_a_cell_that_did_not_run_is_reported(copy, pytestconfig):
    nb, write = copy
    number, cell = _first(nb, lambda c: True)
    cell.execution_count, cell.outputs = None, []
    problems = stored_outputs.differences(NOTEBOOK, write(), pytestconfig)
    assert problems == [f"{NOTEBOOK.name}::Cell {number}: the cell did not run"]


def test_other_code_is_reported(copy, pytestconfig):
    nb, write = copy
    _code_cells(nb)[0].source += "\nx = 1"
    assert stored_outputs.differences(NOTEBOOK, write(), pytestconfig) == [
        f"{NOTEBOOK.name}: the executed notebook's code cells are not those of {NOTEBOOK.name}"]


def test_what_nbval_forgives_is_forgiven(copy, pytestconfig):
    """Ignored cells, sanitised addresses, images, execution counts and a stream split in two chunks."""
    nb, write = copy
    _, ignored = _first(nb, _ignored_with_text)
    next(o for o in ignored.outputs if o.output_type == "stream").text = "anything else\n"
    _, checked = _first(nb, _checked_with_text)
    out = _stdout(checked)
    half = len(out.text) // 2
    at = checked.outputs.index(out)
    checked.outputs[at:at + 1] = [nbformat.v4.new_output("stream", name="stdout", text=out.text[:half]),
                                  nbformat.v4.new_output("stream", name="stdout", text=out.text[half:])]
    for k, cell in enumerate(_code_cells(nb)):
        cell.execution_count = 100 + k
        for o in cell.outputs:
            if "data" in o and "image/png" in o.data:
                o.data["image/png"] = "iVBORw0KGgo="  # another picture
    assert stored_outputs.differences(NOTEBOOK, write(), pytestconfig) == []


def test_sanitised_patterns_are_forgiven_and_others_are_not(tmp_path, pytestconfig):
    stored, run = tmp_path / "stored.ipynb", tmp_path / "run.ipynb"

    def notebook(text):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("print(object())", execution_count=1)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        nb.cells = [cell]
        return nb

    nbformat.write(notebook("<object object at 0x7f3a2b1c9d40>\n"), str(stored))
    nbformat.write(notebook("<object object at 0x7f00deadbeef>\n"), str(run))
    assert stored_outputs.differences(stored, run, pytestconfig) == []
    nbformat.write(notebook("<other object at 0x7f00deadbeef>\n"), str(run))
    assert len(stored_outputs.differences(stored, run, pytestconfig)) == 1


def test_markers_a_run_all_cannot_honour_are_reported(tmp_path, pytestconfig):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("# NBVAL_SKIP\nprint(1)", execution_count=1)]
    path = tmp_path / "skip.ipynb"
    nbformat.write(nb, str(path))
    problems = stored_outputs.differences(path, path, pytestconfig)
    assert len(problems) == 1 and "NBVAL_SKIP" in problems[0]


def _collected(extra_env) -> list:
    """The test ids `pytest --collect-only` lists for the notebooks and the browser tests, with extra_env set."""
    env = {**os.environ, **extra_env}
    args = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "notebooks",
            "tests/test_browser.py", "tests/test_browser_translator.py", "--nbval", "--nbval-current-env",
            "--nbval-sanitize-with", "notebooks/nbval_sanitize.cfg"]
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return [line for line in out.stdout.splitlines() if "::" in line]


def test_nbval_runs_the_notebooks_itself_when_the_browser_test_cannot():
    items = _collected({"UNROLLED_CHROMIUM": str(ROOT / "no-such-chromium")})
    stored = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted({i.split("::")[0].split("/")[-1] for i in items if i.startswith("notebooks/")}) == stored


def test_nbval_leaves_a_notebook_to_the_browser_test_when_it_runs():
    if browser_lab.unavailable_reason() is not None:
        pytest.skip(browser_lab.unavailable_reason())
    items = _collected({})
    assert not [i for i in items if i.startswith("notebooks/")], "a notebook would run twice"
    browser = sorted(i.split("[")[-1].rstrip("]") for i in items if i.startswith("tests/test_browser") and "[" in i)
    assert browser == sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
