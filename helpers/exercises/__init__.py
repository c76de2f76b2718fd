"""Exercises with automatic checks: the registry, the check, the solutions on request, and progress.

Every notebook from 01 on holds exercises: a statement, a stub cell the learner fills in, and a check cell
right after it. The registry :data:`EXERCISES` maps ids like "03.2" (notebook 03, exercise 2) to
:class:`Exercise` records; one module per notebook (``nb01`` ... ``nb11``) defines them.

    check("03.2", candidate) -> CheckResult(passed, attempted, message)   never raises for a wrong candidate
    check_exercise("03.2", candidate)      the notebook's check cell: prints the message
    show_solution("03.2")                  the reference solution (the code the tests run), on request only
    course_progress()                      done / not attempted / failing for every exercise, from the saved
                                           notebooks (helpers.exercises.grading)

Instructors grade a notebook file without modifying it with
``python -m helpers.exercises grade path/to/03_backpropagation_through_time.ipynb``.
"""
from __future__ import annotations

import textwrap

from . import nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10, nb11
from .checker import run_check
from .core import Case, CheckResult, Exercise, Mistake

__all__ = ["EXERCISES", "Exercise", "CheckResult", "Case", "Mistake", "check", "check_exercise", "show_solution",
           "exercises_of", "course_progress"]

EXERCISES: dict = {e.id: e for module in (nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10, nb11)
                   for e in module.EXERCISES}


def _exercise(exercise_id) -> Exercise:
    if exercise_id not in EXERCISES:
        raise ValueError(f"exercise_id: expected one of {sorted(EXERCISES)}, got {exercise_id!r}")
    return EXERCISES[exercise_id]


def exercises_of(notebook: str) -> list:
    """The exercises of one notebook ("03" or "03_backpropagation_through_time.ipynb"), in order."""
    prefix = str(notebook).split("/")[-1][:2]
    return [e for e in EXERCISES.values() if e.notebook == prefix]


def check(exercise_id: str, candidate) -> CheckResult:
    """Check a learner's function against the exercise's reference on all its cases (see helpers.exercises.core).

    Inputs:  exercise_id, e.g. "03.2"; candidate: a callable with the solution's signature (or None)
    Returns: CheckResult(passed, attempted, message); a wrong candidate never raises
    """
    return run_check(_exercise(exercise_id), candidate)


def check_exercise(exercise_id: str, candidate) -> None:
    """The check cell of a notebook: print what :func:`check` says (✓ right, … not attempted, ✗ wrong and why)."""
    print(textwrap.fill(check(exercise_id, candidate).message, 110, break_on_hyphens=False,
                        break_long_words=False))


def show_solution(exercise_id: str) -> None:
    """Show the reference solution of an exercise: the very function the tests check the checker with."""
    import inspect
    source = inspect.getsource(_exercise(exercise_id).solution)
    try:
        from IPython.display import Markdown, display
    except ImportError:  # outside Jupyter: plain text
        print(source)
        return
    display(Markdown(f"**Solution of {exercise_id}** (compare it with yours, then re-run your check cell):\n\n"
                     f"```python\n{source}```"))


def course_progress(notebooks_dir=None, quiet: bool = False) -> list:
    """Every exercise of the course with its status, read from the saved notebooks (see helpers.exercises.grading)."""
    from .grading import course_progress as _progress
    return _progress(notebooks_dir, quiet=quiet)
