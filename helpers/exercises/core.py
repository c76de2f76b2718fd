"""What an exercise is, and the checker that explains a wrong answer in the terms of the math.

An :class:`Exercise` holds the reference ``solution`` (a plain NumPy function with the signature the learner
implements), the ``stub`` the notebook shows (the same signature and docstring, with ``raise
NotImplementedError`` for a body), a generator of test ``cases`` (random batches in float64 from a fixed seed,
and the edge cases that matter), and ``mistakes``: implementations with one typical error each, and the sentence
that explains that error. :func:`check` runs a learner's function on every case and compares each returned
array with the solution's:

* the function still raises NotImplementedError (the stub): "not attempted yet", with a one-line hint;
* it raises anything else, returns None, the wrong number of values or a non-array: it says so, with the
  shapes of the inputs of the case where it happened;
* a returned array has the wrong shape: it names the output and both shapes, and says "looks transposed"
  when the numbers are the right ones in transposed order;
* the numbers differ: it first asks whether a known mistake gives exactly the learner's numbers, and if so
  prints that mistake's explanation; then whether the answer is the right one times a constant (a missing
  1/sqrt(d_k), a sign), shifted by one time step, or transposed; finally it names the first entries that differ,
  with their indices (time step first for time-major arrays) and both values;
* for a backward pass, the right answer is also checked against central differences of the forward pass,
  so the message can quote the numerical gradient, not only another implementation.

``check`` never raises for a wrong candidate: whatever the learner's function does, the result is a
:class:`CheckResult`.
"""
from __future__ import annotations

import inspect
import itertools
import math
import textwrap
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..gradcheck import rel_error

__all__ = ["Case", "Mistake", "Exercise", "CheckResult", "run_check", "make_stub", "describe_args"]

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
            parts.append(f"{name} {{" + ", ".join(f"{k}: {np.shape(v)}" for k, v in value.items()) + "}")
        elif callable(value):
            parts.append(f"{name} (a function)")
        else:
            parts.append(f"{name} = {value!r}")
    return ", ".join(parts)


# --------------------------------------------------------------------------- calling and normalising

def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
            np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return True


class _Wrong(Exception):
    """A learner's answer that could not be compared; the message says why."""


def _as_outputs(exercise: Exercise, returned) -> list:
    """The returned value(s) as a list of arrays, one per output name; _Wrong explains anything else."""
    names = exercise.outputs
    if returned is None:
        raise _Wrong("returned None (did the function end without `return`? It must return "
                     + (names[0] if len(names) == 1 else "the tuple (" + ", ".join(names) + ")") + ")")
    if len(names) > 1:
        if not isinstance(returned, (tuple, list)):
            raise _Wrong(f"returned one {type(returned).__name__}; expected the {len(names)} values "
                         f"({', '.join(names)}), in that order.")
        if len(returned) != len(names):
            raise _Wrong(f"returned {len(returned)} values; expected {len(names)}: ({', '.join(names)}).")
        values = list(returned)
    elif isinstance(returned, tuple):
        raise _Wrong(f"returned a tuple of {len(returned)} values; expected one array, {names[0]}")
    else:
        values = [returned]
    arrays = []
    for name, value in zip(names, values):
        if value is None:
            raise _Wrong(f"returned None for {name}.")
        try:
            array = np.asarray(value)
        except Exception:  # noqa: BLE001 - anything the learner returns must be explained, not raised
            array = None
        if array is None or array.dtype.kind not in "biuf":
            raise _Wrong(f"{name} is a {type(value).__name__} that is not an array of numbers "
                         "(a list of arrays of different shapes?).")
        arrays.append(array)
    return arrays


def _call(function, args):
    """(outputs or None, error message or None, mutated argument names) of one call."""
    before = _copy(args)
    try:
        returned = function(*args)
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001 - a learner's error is reported, never raised
        return None, f"raised {type(err).__name__}: {err}", []
    names = list(inspect.signature(function).parameters) if _has_signature(function) else []
    mutated = [names[i] if i < len(names) else f"argument {i + 1}" for i, (a, b) in enumerate(zip(before, args))
               if not _same(a, b)]
    return returned, None, mutated


def _has_signature(function) -> bool:
    try:
        inspect.signature(function)
        return True
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- comparing and explaining

def _kind(a: np.ndarray) -> str:
    return "i" if a.dtype.kind in "iu" else a.dtype.kind


def _close(a: np.ndarray, b: np.ndarray, exact: bool, tol: float = TOL) -> bool:
    """Equal shapes and (exact) the same kind and values, or (not exact) a relative error below ``tol``."""
    if a.shape != b.shape:
        return False
    if exact:
        return _kind(a) == _kind(b) and bool(np.array_equal(a, b))
    if a.dtype.kind not in "biuf" or not np.all(np.isfinite(a)):
        return False
    return rel_error(a, b) < tol


def _index_text(name: str, index: tuple, axes: tuple | None) -> str:
    if axes and len(axes) == len(index):
        return f"{name}[" + ", ".join(f"{a}={i}" for a, i in zip(axes, index)) + "]"
    return f"{name}[" + ", ".join(str(i) for i in index) + "]"


def _fmt(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    value = float(value)
    return f"{value:.6g}" if math.isfinite(value) else str(value)


def _where(name: str, mine: np.ndarray, ref: np.ndarray, axes: tuple | None, exact: bool) -> str:
    """"3 of 60 entries of h differ, the first h[t=2, n=0, j=1]: yours 0.12, expected 0.53" (and which steps)."""
    if exact:
        differ = mine.astype(ref.dtype, copy=False) != ref
    else:
        scale = max(float(np.max(np.abs(ref))) if ref.size else 0.0, 1e-300)
        with np.errstate(invalid="ignore"):
            differ = ~(np.abs(mine - ref) <= 1e-6 * scale)  # NaN counts as differing
    idx = np.argwhere(differ)
    if len(idx) == 0:  # equal entry by entry, but not to the norm-wise tolerance
        return f"{name} is close, but not within the tolerance (relative error {rel_error(mine, ref):.1e})"
    shown = "; ".join(f"{_index_text(name, tuple(int(i) for i in j), axes)}: yours {_fmt(mine[tuple(j)])}, "
                      f"expected {_fmt(ref[tuple(j)])}" for j in idx[:2])
    text = f"{len(idx)} of {ref.size} entries of {name} differ, the first {shown}"
    if axes and axes[0] == "t" and ref.ndim > 1 and ref.shape[0] > 1:
        steps = sorted({int(j[0]) for j in idx})
        text += f"; time steps that differ: {_steps_text(steps, ref.shape[0])}"
    return text


def _steps_text(steps: list, T: int) -> str:
    if len(steps) == T:
        return "all of them"
    if steps == list(range(steps[0], T)):
        return f"t = {steps[0]} ... {T - 1}" if steps[0] < T - 1 else f"only the last, t = {T - 1}"
    if steps == list(range(0, steps[-1] + 1)):
        return f"t = 0 ... {steps[-1]} (the last steps are right)"
    return ", ".join(f"t = {s}" for s in steps[:8]) + (" ..." if len(steps) > 8 else "")


def _axes_text(axes: tuple | None, perm: tuple) -> str:
    return "(" + ", ".join(axes[i] for i in perm) + ")" if axes else str(perm)


def _generic(name: str, mine: np.ndarray, ref: np.ndarray, axes: tuple | None) -> str | None:
    """A pattern that explains the difference without a registered mistake, or None."""
    if mine.dtype.kind == "f" and not np.all(np.isfinite(mine)):
        return f"your {name} contains NaN or inf (an overflow, a 0/0, or a log of 0?)"
    if mine.dtype.kind not in "biuf" or ref.dtype.kind not in "biuf":
        return None
    mine, ref = mine.astype(np.float64), ref.astype(np.float64)
    close = lambda a, b: a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-12)  # noqa: E731
    if mine.shape == ref.shape:
        if not np.any(mine) and np.any(ref):
            return f"your {name} is all zeros (still the initial np.zeros? nothing was written into it)"
        denom = float(np.sum(ref * ref))
        if denom > 0:
            alpha = float(np.sum(mine * ref) / denom)
            if abs(alpha) > 1e-12 and rel_error(mine, alpha * ref) < MATCH_TOL and abs(alpha - 1) > 1e-6:
                if abs(alpha + 1) < 1e-6:
                    return f"your {name} has the right size but the wrong sign (a minus sign too many or too few)"
                return f"your {name} is the right answer times {alpha:.6g}: a constant factor is missing or extra"
        if ref.ndim >= 2 and close(mine, np.swapaxes(ref, -1, -2)):
            return f"your {name} is the right answer transposed (its last two axes swapped)"
        if axes and axes[0] == "t" and ref.shape[0] > 1:
            if close(mine[1:], ref[:-1]):
                return (f"your {name} is shifted by one time step: your {name}[t] is the true {name}[t-1] "
                        "(an off-by-one in the time index)")
            if close(mine[:-1], ref[1:]):
                return (f"your {name} is shifted by one time step: your {name}[t] is the true {name}[t+1] "
                        "(an off-by-one in the time index)")
            if close(mine, ref[::-1]):
                return f"your {name} is in reversed time order"
        return None
    if mine.ndim == ref.ndim and sorted(mine.shape) == sorted(ref.shape):
        for perm in itertools.permutations(range(ref.ndim)):
            if perm != tuple(range(ref.ndim)) and close(mine, np.transpose(ref, perm)):
                if ref.ndim == 2:
                    return f"your {name} looks transposed: the right numbers in shape {mine.shape}, expected {ref.shape}"
                return (f"your {name} has the right numbers with its axes in another order: shape {mine.shape} = "
                        f"{_axes_text(axes, perm)}, expected {ref.shape} = {_axes_text(axes, tuple(range(ref.ndim)))}")
    if mine.size == ref.size and close(mine.ravel(), ref.ravel()):
        return f"your {name} has the right numbers in the wrong shape {mine.shape}; expected {ref.shape} (a reshape?)"
    return None


def _matches(outputs, expected, exact) -> bool:
    return len(outputs) == len(expected) and all(_close(m, e, exact, MATCH_TOL) for m, e in zip(outputs, expected))


def _diagnose_mistakes(exercise: Exercise, case: Case, mine: list) -> list:
    """The hints of the registered mistakes that give exactly the learner's numbers on this case."""
    hints = []
    for mistake in exercise.mistakes:
        try:
            wrong = _as_outputs(exercise, mistake.wrong(*_copy(case.args)))
        except Exception:  # noqa: BLE001 - a mistake that cannot run on this case explains nothing here
            continue
        same = [i for i, (m, w) in enumerate(zip(mine, wrong)) if m.shape == w.shape and _close(m, w, exercise.exact,
                                                                                                 MATCH_TOL)]
        if len(same) == len(mine):
            hints.append(mistake.hint)
    return hints


def _diagnose_output_mistakes(exercise: Exercise, case: Case, mine: list, index: int) -> list:
    """Hints of mistakes whose output number ``index`` equals the learner's (others may differ)."""
    hints = []
    for mistake in exercise.mistakes:
        try:
            wrong = _as_outputs(exercise, mistake.wrong(*_copy(case.args)))
        except Exception:  # noqa: BLE001
            continue
        if wrong[index].shape == mine[index].shape and _close(mine[index], wrong[index], exercise.exact, MATCH_TOL):
            hints.append(mistake.hint)
    return hints


# --------------------------------------------------------------------------- the check

def run_check(exercise: Exercise, candidate) -> CheckResult:
    """Run ``candidate`` on every case of ``exercise`` and explain what is wrong (see the module docstring)."""
    head = f"{exercise.id} {exercise.title}"
    if candidate is None:
        return CheckResult(False, False, f"… {head}: not attempted yet (nothing to check: the function is None). "
                                         f"Hint: {exercise.hint}")
    if not callable(candidate):
        return CheckResult(False, True, f"✗ {head}: expected a function `{exercise.function_name}`, got an object "
                                        f"of type {type(candidate).__name__}.")
    cases = exercise.cases(np.random.default_rng(exercise.seed))
    failures = []  # (text, explained by a known mistake)
    for number, case in enumerate(cases):
        try:
            failure = _check_case(exercise, candidate, case)
        except NotImplementedError:
            if number == 0:
                return CheckResult(False, False, f"… {head}: not attempted yet. Hint: {exercise.hint}")
            failure = (f"raised NotImplementedError on case '{case.label}' after working on the cases before it.",
                       False)
        if failure is not None:
            failures.append(failure)
    if failures:
        text, _ = next((f for f in failures if f[1]), failures[0])
        tally = f" ({len(failures)} of {len(cases)} cases fail.)" if len(cases) > 1 else ""
        return CheckResult(False, True, f"✗ {head}: {text}{tally}")
    checked = "every gradient also agrees with central differences, " if exercise.gradient is not None else ""
    labels = ", ".join(c.label for c in cases)
    precision = "" if exercise.exact else f"; {checked}relative error < {TOL:.0e}"
    return CheckResult(True, True, f"✓ {head}: right on all {len(cases)} cases ({labels}){precision}.")


def _check_case(exercise: Exercise, candidate, case: Case):
    """None if the candidate is right on ``case``, else (explanation, whether a known mistake explains it)."""
    where = f"on case '{case.label}' ({describe_args(exercise, case.args)})"
    returned, error, mutated = _call(candidate, list(_copy(case.args)))
    if error is not None:
        hints = _same_error_mistakes(exercise, case, error)
        if hints:
            return " ".join(hints) + f" (It {error} {where}.)", True
        return f"It {error} {where}.", False
    expected = _as_outputs(exercise, exercise.solution(*_copy(case.args)))
    try:
        mine = _as_outputs(exercise, returned)
    except _Wrong as wrong:
        return f"It {str(wrong).rstrip('.')} {where}.", False
    text, details, explained = _compare(exercise, case, mine, expected)
    if text is not None:
        return f"{text} On case '{case.label}' ({describe_args(exercise, case.args)}): {details}.", explained
    if mutated:
        return (f"Right numbers, but the function changed its input {', '.join(mutated)} in place {where}; work on "
                "a copy (e.g. x = x.copy()) so that the caller's arrays stay as they were.", False)
    if exercise.gradient is not None:
        numeric = exercise.gradient(*_copy(case.args))
        for name, value in zip(exercise.outputs, mine):
            if name in numeric:
                err = rel_error(value, numeric[name])
                if not err < TOL:
                    return (f"{name} agrees with the reference but differs from the numerical gradient (central differences) by a relative error "
                            f"of {err:.1e} {where}.", False)
    return None


def _same_error_mistakes(exercise: Exercise, case: Case, error: str) -> list:
    """Hints of the known mistakes that fail on ``case`` with exactly the same error."""
    hints = []
    for mistake in exercise.mistakes:
        _, wrong_error, _ = _call(mistake.wrong, list(_copy(case.args)))
        if wrong_error == error:
            hints.append(mistake.hint)
    return hints


def _compare(exercise: Exercise, case: Case, mine: list, expected: list):
    """(explanation, details, whether a known mistake explains it); (None, None, False) when every output is right.

    The explanation says what is wrong in the math's terms (a known mistake's hint, or a pattern such as a
    transpose, a constant factor or a shift in time); the details name the outputs, shapes and first entries."""
    if _matches(mine, expected, exercise.exact):
        return None, None, False
    hints = _diagnose_mistakes(exercise, case, mine)
    explanations, details = [], []
    for index, (name, m, e) in enumerate(zip(exercise.outputs, mine, expected)):
        if _close(m, e, exercise.exact):
            continue
        axes = exercise.axes.get(name)
        if not hints:
            hints = _diagnose_output_mistakes(exercise, case, mine, index)
        generic = _generic(name, m, e, axes)
        if m.shape != e.shape:
            details.append(f"your {name} has shape {m.shape}, expected {e.shape}")
        elif exercise.exact and _kind(m) != _kind(e) and np.array_equal(m, e):
            details.append(f"{name} has the right values as {m.dtype}, expected a {e.dtype} array")
        else:
            details.append(_where(name, m, e, axes, exercise.exact))
            if m.dtype.kind == "f" and m.dtype != np.float64 and e.dtype == np.float64:
                details.append(f"{name} is {m.dtype}: keep float64, the checks need its precision")
        if generic:
            explanations.append(generic[0].upper() + generic[1:] + ".")
    right = [n for n, m, e in zip(exercise.outputs, mine, expected) if _close(m, e, exercise.exact)]
    if len(exercise.outputs) > 1:
        wrong = [n for n in exercise.outputs if n not in right]
        details.insert(0, f"wrong: {', '.join(wrong)}" + (f"; right: {', '.join(right)}" if right else ""))
    text = " ".join(dict.fromkeys(hints)) if hints else " ".join(explanations)
    if not text:
        shapes = [f"your {n} has shape {m.shape}, expected {e.shape}" for n, m, e in zip(exercise.outputs, mine, expected)
                  if m.shape != e.shape]
        text = ("Y" + "; ".join(shapes)[1:] + ".") if shapes else \
            "Wrong numbers in " + ", ".join(n for n in exercise.outputs if n not in right) + "."
    return text, "; ".join(details), bool(hints)
