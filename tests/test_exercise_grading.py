"""Grading notebook files: progress over the course, and the instructor's command, which never modifies a file."""
import hashlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.exercises import EXERCISES
from helpers.exercises.grading import course_progress, grade_notebook

ROOT = Path(__file__).resolve().parent.parent
NB02 = ROOT / "notebooks" / "02_simple_rnn_forward.ipynb"

WRONG_FORWARD = '''def rnn_forward(x, h0, U, W, b):
    h = []
    for t in range(x.shape[0]):
        h.append(np.tanh(b + h0 @ W.T + x[t] @ U.T))   # always from h0: the state is not carried
    return np.stack(h)
'''


def _edited_copy(tmp_path, replacements, strip_metadata=False):
    nb = json.loads(NB02.read_text())
    for cell in nb["cells"]:
        exercise = cell.get("metadata", {}).get("exercise")
        if exercise in replacements:
            cell["source"] = replacements[exercise].splitlines(keepends=True)
        if strip_metadata:
            cell["metadata"] = {}
    path = tmp_path / NB02.name
    path.write_text(json.dumps(nb))
    return path


def test_grading_a_notebook_runs_the_changed_cells_and_leaves_the_file_alone(tmp_path):
    solution = inspect.getsource(EXERCISES["02.1"].solution)
    path = _edited_copy(tmp_path, {"02.1": solution, "02.2": WRONG_FORWARD})
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    grades = grade_notebook(path)
    assert [(g.id, g.status) for g in grades] == [("02.1", "done"), ("02.2", "failing"), ("02.3", "not attempted")]
    assert "starts from h0" in grades[1].message  # the explanation of the mistake, from the kernel
    proc = subprocess.run([sys.executable, "-m", "helpers.exercises", "grade", str(path)], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == str(path) and lines[1].split()[:2] == ["02.1", "done"] and lines[2].split()[:2] == ["02.2",
                                                                                                          "failing"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_cell_that_does_not_run_and_lost_metadata_are_reported(tmp_path):
    path = _edited_copy(tmp_path, {"02.1": "def rnn_step(x_t, h_prev, U, W, b):\n    return np.tanh(\n",
                                   "02.3": inspect.getsource(EXERCISES["02.3"].solution)}, strip_metadata=False)
    grades = {g.id: g for g in grade_notebook(path)}
    assert grades["02.1"].status == "failing" and "SyntaxError" in grades["02.1"].message
    assert grades["02.3"].status == "done"
    stripped = _edited_copy(tmp_path, {"02.3": inspect.getsource(EXERCISES["02.3"].solution)}, strip_metadata=True)
    assert [g.status for g in grade_notebook(stripped)] == ["not attempted", "not attempted", "done"]


def test_a_fully_passing_notebook_exits_zero(tmp_path):
    path = _edited_copy(tmp_path, {i: inspect.getsource(EXERCISES[i].solution) for i in ("02.1", "02.2", "02.3")})
    proc = subprocess.run([sys.executable, "-m", "helpers.exercises", "grade", str(path)], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(" done ") == 3


def test_progress_over_the_stored_course_reads_every_exercise_as_not_attempted(capsys):
    grades = course_progress(ROOT / "notebooks")
    assert [g.id for g in grades] == sorted(EXERCISES) and {g.status for g in grades} == {"not attempted"}
    out = capsys.readouterr().out
    assert f"0 done, 0 failing, {len(EXERCISES)} not attempted (of {len(EXERCISES)})" in out


def test_bad_paths_are_explained(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        grade_notebook(tmp_path / "02_missing.ipynb")
    other = tmp_path / "notes.ipynb"
    other.write_text("{}")
    with pytest.raises(ValueError, match="NN_name.ipynb"):
        grade_notebook(other)
    broken = tmp_path / "02_broken.ipynb"
    broken.write_text("not json")
    with pytest.raises(ValueError, match="not a readable notebook"):
        grade_notebook(broken)
    proc = subprocess.run([sys.executable, "-m", "helpers.exercises", "grade", str(broken)], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 2 and "not a readable notebook" in proc.stderr
