"""What an exercise is: the records of the registry and the stub a notebook shows.

An :class:`Exercise` holds the reference ``solution`` (a plain NumPy function with the signature the learner
implements), the ``stub`` the notebook shows (the same signature and docstring, with ``raise
NotImplementedError`` for a body), a generator of test ``cases`` (random batches in float64 from a fixed seed,
and the edge cases that matter), and ``mistakes``: implementations with one typical error each, and the sentence
that explains that error. :mod:`helpers.exercises.checker` runs a learner's function on the cases and explains
what is wrong.
"""
from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


__all__ = ["Case", "Mistake", "Exercise", "CheckResult", "make_stub", "describe_args", "TOL", "MATCH_TOL"]

TOL = 1e-7          # relative error below which a float answer is right (float64 throughout)
MATCH_TOL = 1e-6    # relative error below which a learner's numbers are taken to be a mistake's numbers


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: ``args`` in the order of the solution's parameters."""

    label: str
    args: tuple


@dataclass(frozen=True)
class Mistake:
    """A typical error: ``wrong`` is an implementation that makes it, ``hint`` explains it."""

    hint: str
    wrong: Callable


@dataclass(frozen=True)
class Exercise:
    """One exercise of the course.

    Attributes:
      id:        "NN.k": notebook NN, exercise k
      title:     a few words
      solution:  the reference solution, a plain function with the signature the learner implements
      stub:      the code cell the notebook shows: the solution's signature and docstring, no body
      cases:     cases(rng) -> list of Case; rng is seeded from ``seed``
      outputs:   names of the returned values, in order (one name: a single array is returned)
      hint:      a one-line hint printed while the stub is untouched
      mistakes:  typical wrong answers with their explanations (the tests check that each is recognised)
      axes:      optional {output name: axis names}, so that a message can say "at t = 3, n = 0"
      gradient:  for a backward pass: gradient(*args) -> {output name: numerical gradient} (central
                 differences of the forward pass); the learner's answer is also compared with these
      exact:     compare exactly (boolean masks, integer ids) rather than by relative error
      seed:      the seed of the cases
    """

    id: str
    title: str
    solution: Callable
    stub: str
    cases: Callable[[np.random.Generator], list]
    outputs: tuple
    hint: str
    mistakes: tuple = ()
    axes: dict = field(default_factory=dict)
    gradient: Callable | None = None
    exact: bool = False
    seed: int = 0

    @property
    def notebook(self) -> str:
        return self.id.split(".")[0]

    @property
    def function_name(self) -> str:
        return self.solution.__name__


@dataclass(frozen=True)
class CheckResult:
    """The verdict on a learner's function: ``passed``, ``attempted`` and a ``message`` that explains it."""

    passed: bool
    attempted: bool
    message: str

    @property
    def status(self) -> str:
        """"done", "not attempted" or "failing"."""
        return "done" if self.passed else ("failing" if self.attempted else "not attempted")

    def __str__(self) -> str:
        return self.message


def make_stub(solution: Callable, todo: str) -> str:
    """The stub cell of an exercise: the solution's ``def`` line and docstring, then a TODO and
    ``raise NotImplementedError`` (so that an untouched stub reads as "not attempted")."""
    source = textwrap.dedent(inspect.getsource(solution))
    lines = source.splitlines()
    quotes = [i for i, line in enumerate(lines) if '"""' in line]
    if not quotes or ('"""' in lines[quotes[0]].split('"""', 1)[1]):
        end = quotes[0] if quotes else 0  # a one-line docstring (or none)
    else:
        end = quotes[1]
    body = "\n".join(lines[:end + 1])
    todo_lines = "\n".join(f"    # {line}" for line in textwrap.wrap(todo, 100))
    return f"{body}\n{todo_lines}\n    raise NotImplementedError\n"


def describe_args(exercise: Exercise, args: tuple) -> str:
    """"x_t (3, 4), h_prev (3, 5), ..." : the solution's parameter names with the shapes (or values) of a case."""
    names = list(inspect.signature(exercise.solution).parameters)
    parts = []
    for name, value in zip(names, args):
        if isinstance(value, np.ndarray):
            parts.append(f"{name} {value.shape}" if value.ndim else f"{name} = {value.item():.4g}")
        elif isinstance(value, dict):
            parts.append(f"{name} {{" + ", ".join(_grouped_shapes(value)) + "}")
        elif isinstance(value, tuple) and hasattr(value, "_fields"):
            parts.append(f"{name} (a {type(value).__name__})")
        elif callable(value):
            parts.append(f"{name} (a function)")
        else:
            parts.append(f"{name} = {value!r}")
    return ", ".join(parts)


def _grouped_shapes(params: dict) -> list:
    """"W_*: (5, 4)" for keys W_z, W_i, ... of one shape; other keys one by one."""
    groups = {}
    for key, value in params.items():
        prefix = key.split("_", 1)[0] if "_" in key else key
        groups.setdefault((prefix, np.shape(value)), []).append(key)
    return [f"{prefix}_*: {shape}" if len(keys) > 1 else f"{keys[0]}: {shape}" for (prefix, shape), keys in groups.items()]
