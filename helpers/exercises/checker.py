"""The checker: runs a learner's function on an exercise's cases and explains a wrong answer in the terms of the math.

For every case of an :class:`~helpers.exercises.core.Exercise`, :func:`run_check` calls the learner's function
and compares each returned array with the reference solution's:

* the function still raises NotImplementedError (the stub): "not attempted yet", with a one-line hint;
* it raises anything else, returns None, the wrong number of values or a non-array: it says so, with the
  shapes of the inputs of the case where it happened;
* a returned array has the wrong shape: it names the output and both shapes, and says "looks transposed"
  when the numbers are the right ones in transposed order;
* the right values in another order, or with another dtype (a mask of 0/1 floats): it says so;
* the numbers differ: it first asks whether a known mistake gives exactly the learner's numbers (NaN included),
  and if so prints that mistake's explanation (the one that explains the most failing cases: a mistake may
  coincide with another answer on a single case); then whether the answer is the right one times a constant (a
  missing 1/sqrt(d_k), a sign), shifted by one time step, transposed, or its axes in another order; finally it
  names the first entries that differ, with their indices (time step first for time-major arrays) and both
  values, with enough digits to tell them apart;
* the function changed one of its inputs in place: it says which;
* for a backward pass, the right answer is also checked against central differences of the forward pass,
  so the message can quote the numerical gradient, not only another implementation.

``run_check`` never raises for a wrong candidate: whatever the learner's function does, the result is a
:class:`CheckResult`.
"""
from __future__ import annotations

import inspect
import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..gradcheck import rel_error
from .core import MATCH_TOL, TOL, Case, CheckResult, Exercise, describe_args

__all__ = ["run_check"]


# --------------------------------------------------------------------------- calling and normalising

def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple (e.g. a cache)
        return type(value)(*(_copy(v) for v in value))
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
        if array is not None and array.dtype.kind == "c":
            raise _Wrong(f"{name} holds complex numbers (eigenvalues of a non-symmetric matrix? take their absolute "
                         "values, or use singular values, which are real)")
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


def _close(a: np.ndarray, b: np.ndarray, exact: bool, tol: float = TOL, nan_equal: bool = False) -> bool:
    """Equal shapes and (exact) the same kind and values, or (not exact) a relative error below ``tol``.
    With ``nan_equal`` (comparing a learner's answer with a known mistake), NaN and inf at the same places with
    the same signs count as equal, so that a mistake that produces NaN can still be recognised."""
    if a.shape != b.shape:
        return False
    if exact:
        return _kind(a) == _kind(b) and bool(np.array_equal(a, b, equal_nan=nan_equal and a.dtype.kind == "f"))
    if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
        return False
    finite_a, finite_b = np.isfinite(a), np.isfinite(b)
    if not np.all(finite_a):
        if not nan_equal or not np.array_equal(finite_a, finite_b):
            return False
        with np.errstate(invalid="ignore"):
            same_specials = np.array_equal(np.where(finite_a, 0, a), np.where(finite_b, 0, b), equal_nan=True)
        if not same_specials:
            return False
        a, b = a[finite_a], b[finite_b]
    return rel_error(a, b) < tol


def _index_text(name: str, index: tuple, axes: tuple | None) -> str:
    if axes and len(axes) == len(index):
        return f"{name}[" + ", ".join(f"{a}={i}" for a, i in zip(axes, index)) + "]"
    return f"{name}[" + ", ".join(str(i) for i in index) + "]"


def _fmt(value, other=None) -> str:
    """A number with 6 significant digits, or as many more as it takes to tell it from ``other``."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    for digits in (6, 9, 12, 17):
        text = f"{value:.{digits}g}"
        if other is None or not math.isfinite(float(other)) or text != f"{float(other):.{digits}g}":
            return text
    return text


def _where(name: str, mine: np.ndarray, ref: np.ndarray, axes: tuple | None, exact: bool) -> str:
    """"3 of 60 entries of h differ, the first h[t=2, n=0, j=1]: yours 0.12, expected 0.53" (and which steps)."""
    if exact:
        with np.errstate(invalid="ignore"):
            differ = np.asarray(mine != ref)
    else:
        scale = max(float(np.max(np.abs(ref))) if ref.size else 0.0, 1e-300)
        with np.errstate(invalid="ignore"):
            differ = ~(np.abs(mine - ref) <= 1e-6 * scale)  # NaN counts as differing
    idx = np.argwhere(differ)
    if len(idx) == 0:  # equal entry by entry, but not to the norm-wise tolerance
        return f"{name} is close, but not within the tolerance (relative error {rel_error(mine, ref):.1e})"
    if ref.size == 1:  # a single number: no indices
        return f"your {name} is {_fmt(mine.ravel()[0], ref.ravel()[0])}, expected {_fmt(ref.ravel()[0], mine.ravel()[0])}"
    shown = "; ".join(f"{_index_text(name, tuple(int(i) for i in j), axes)}: yours "
                      f"{_fmt(mine[tuple(j)], ref[tuple(j)])}, expected {_fmt(ref[tuple(j)], mine[tuple(j)])}"
                      for j in idx[:2])
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
    if steps == [0]:
        return "only the first, t = 0"
    if steps == list(range(0, steps[-1] + 1)):
        return f"t = 0 ... {steps[-1]} (the last steps are right)"
    return ", ".join(f"t = {s}" for s in steps[:8]) + (" ..." if len(steps) > 8 else "")


def _axes_text(axes: tuple | None, perm: tuple) -> str:
    return "(" + ", ".join(axes[i] for i in perm) + ")" if axes else str(perm)


def _generic(name: str, mine: np.ndarray, ref: np.ndarray, axes: tuple | None) -> str | None:
    """A pattern that explains the difference without a registered mistake, or None."""
    if mine.dtype.kind == "f" and not np.all(np.isfinite(mine)):
        return f"there is NaN or inf in your {name} (an overflow, a 0/0, or a log of 0?)"
    if mine.dtype.kind not in "biuf" or ref.dtype.kind not in "biuf":
        return None
    mine, ref = mine.astype(np.float64), ref.astype(np.float64)
    close = lambda a, b: a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-12)  # noqa: E731
    if mine.shape == ref.shape:
        if not np.any(mine) and np.any(ref):
            return f"your {name} is all zeros (still the initial np.zeros? nothing was written into it)"
        denom = float(np.sum(ref * ref))
        if denom > 0 and ref.size > 1:  # (any two single numbers are proportional: that says nothing)
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
    return len(outputs) == len(expected) and all(_close(m, e, exact) for m, e in zip(outputs, expected))


def _permutation(mine: list, expected: list, exact: bool):
    """The order in which the learner returned the right values, if it is another order (else None)."""
    n = len(expected)
    if n < 2:
        return None
    for order in itertools.permutations(range(n)):
        if order != tuple(range(n)) and all(_close(mine[k], expected[i], exact) for k, i in enumerate(order)):
            return order
    return None


def _diagnose_mistakes(exercise: Exercise, case: Case, mine: list) -> list:
    """The hints of the registered mistakes that give exactly the learner's numbers on this case."""
    hints = []
    for mistake in exercise.mistakes:
        try:
            wrong = _as_outputs(exercise, mistake.wrong(*_copy(case.args)))
        except Exception:  # noqa: BLE001 - a mistake that cannot run on this case explains nothing here
            continue
        same = [i for i, (m, w) in enumerate(zip(mine, wrong)) if _close(m, w, exercise.exact, MATCH_TOL, True)]
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

@dataclass
class _Failure:
    """What went wrong on one case: the hints of the known mistakes that give exactly the learner's numbers there,
    and the explanation to show with those hints (``text``) or without them (``plain``)."""

    hints: list
    text: str
    plain: str


def run_check(exercise: Exercise, candidate) -> CheckResult:
    """Run ``candidate`` on every case of ``exercise`` and explain what is wrong (see the module docstring).

    When known mistakes explain the failures, the explanation shown is the one that explains the most failing cases
    (a mistake can coincide with another answer on one case: on that case alone it says little), on the first case
    where it does."""
    head = f"{exercise.id} {exercise.title}"
    if candidate is None:
        return CheckResult(False, False, f"… {head}: not attempted yet (nothing to check: the function is None). "
                                         f"Hint: {exercise.hint}")
    if not callable(candidate):
        return CheckResult(False, True, f"✗ {head}: expected a function `{exercise.function_name}`, got an object "
                                        f"of type {type(candidate).__name__}.")
    cases = exercise.cases(np.random.default_rng(exercise.seed))
    failures = []
    for number, case in enumerate(cases):
        try:
            failure = _check_case(exercise, candidate, case)
        except NotImplementedError:
            if number == 0:
                return CheckResult(False, False, f"… {head}: not attempted yet. Hint: {exercise.hint}")
            text = f"It raised NotImplementedError on case '{case.label}' after working on the cases before it."
            failure = _Failure([], text, text)
        if failure is not None:
            failures.append(failure)
    if failures:
        tally = f" ({len(failures)} of {len(cases)} cases fail.)" if len(cases) > 1 else ""
        return CheckResult(False, True, f"✗ {head}: {_explain(failures)}{tally}")
    checked = "every gradient also agrees with central differences, " if exercise.gradient is not None else ""
    labels = "; ".join(c.label for c in cases)
    precision = "" if exercise.exact else f"; {checked}relative error < {TOL:.0e}"
    return CheckResult(True, True, f"✓ {head}: right on all {len(cases)} cases ({labels}){precision}.")


def _explain(failures: list) -> str:
    """The message of a failed check: the known mistakes that explain the most failing cases, shown on the first
    case they explain; else the first failing case's own explanation."""
    score = {}
    for f in failures:
        for h in dict.fromkeys(f.hints):
            score[h] = score.get(h, 0) + 1
    if not score:
        return failures[0].plain
    best = max(score.values())
    shown = next(f for f in failures if any(score.get(h) == best for h in f.hints))
    hints = [h for h in dict.fromkeys(shown.hints) if score[h] == best]
    return shown.text.replace("{hints}", " ".join(hints))


def _check_case(exercise: Exercise, candidate, case: Case):
    """None if the candidate is right on ``case``, else a _Failure."""
    where = f"on case '{case.label}' ({describe_args(exercise, case.args)})"
    returned, error, mutated = _call(candidate, list(_copy(case.args)))
    if error is not None:
        hints = _same_error_mistakes(exercise, case, error)
        return _Failure(hints, "{hints}" + f" (It {error} {where}.)", f"It {error} {where}.")
    expected = _as_outputs(exercise, exercise.solution(*_copy(case.args)))
    try:
        mine = _as_outputs(exercise, returned)
    except _Wrong as wrong:
        text = f"It {str(wrong).rstrip('.')} {where}."
        return _Failure([], text, text)
    if mutated:
        text = (f"The function changed its input {', '.join(mutated)} in place {where}: work on a copy (e.g. "
                "x = x.copy()) so that the caller's arrays stay as they were.")
        return _Failure([], text, text)
    hints, plain, details = _compare(exercise, case, mine, expected)
    if plain is not None:
        tail = f" On case '{case.label}' ({describe_args(exercise, case.args)}): {details}."
        return _Failure(hints, "{hints}" + tail, plain + tail)
    if exercise.gradient is not None:
        numeric = exercise.gradient(*_copy(case.args))
        for name, value in zip(exercise.outputs, mine):
            if name in numeric:
                err = rel_error(value, numeric[name])
                if not err < TOL:
                    text = (f"{name} agrees with the reference but differs from the numerical gradient (central "
                            f"differences) by a relative error of {err:.1e} {where}.")
                    return _Failure([], text, text)
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
    """(hints of the known mistakes that give these numbers, explanation without them, details);
    ([], None, None) when every output is right.

    The explanation says what is wrong in the math's terms (a known mistake's hint, or a pattern such as a
    transpose, a constant factor or a shift in time); the details name the outputs, shapes and first entries."""
    if _matches(mine, expected, exercise.exact):
        return [], None, None
    hints = _diagnose_mistakes(exercise, case, mine)
    order = _permutation(mine, expected, exercise.exact)
    if order is not None and not hints:
        names = exercise.outputs
        return [], (f"Right values, wrong order: you returned ({', '.join(names[i] for i in order)}), expected "
                    f"({', '.join(names)})."), "each value is right, in another place of the tuple"
    if exercise.exact and all(m.shape == e.shape and np.array_equal(m, e) for m, e in zip(mine, expected)):
        kinds = [f"your {n} is {m.dtype}, expected {e.dtype}" for n, m, e in zip(exercise.outputs, mine, expected)
                 if _kind(m) != _kind(e)]
        return [], f"Right values, wrong type: {'; '.join(kinds)}.", "the entries are right"
    explanations, details = [], []
    for index, (name, m, e) in enumerate(zip(exercise.outputs, mine, expected)):
        if _close(m, e, exercise.exact):
            continue
        axes = exercise.axes.get(name)
        if not hints:
            hints = _diagnose_output_mistakes(exercise, case, mine, index)
        generic = _generic(name, m, e, axes)
        if len(details) >= 2:  # the first two wrong outputs in detail; the others are named in "wrong: ..."
            if generic:
                explanations.append(generic[0].upper() + generic[1:] + ".")
            continue
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
    text = " ".join(explanations)
    if not text:
        shapes = [f"your {n} has shape {m.shape}, expected {e.shape}" for n, m, e in zip(exercise.outputs, mine, expected)
                  if m.shape != e.shape]
        text = ("Y" + "; ".join(shapes)[1:] + ".") if shapes else \
            "Wrong numbers in " + ", ".join(n for n in exercise.outputs if n not in right) + "."
    return list(dict.fromkeys(hints)), text, "; ".join(details)
