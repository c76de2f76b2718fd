"""Gradient checking, written once: central differences, relative error, and a checker for
``forward``/``backward`` pairs.

Equations
---------
numerical gradient (central differences, step h):
    dL/dx_j ~= (L(x + h e_j) - L(x - h e_j)) / (2 h),            error O(h^2)
with an upstream gradient df for an array-valued f, the scalar being checked is L(x) = sum(f(x) * df).

relative error of two arrays (Euclidean norms over all entries):
    rel_error(a, b) = ||a - b|| / (||a|| + ||b||),   and 0 when both are 0.

Why norms and not the worst entry: an entry that is 1e-9 of the array's scale carries little
information after rounding, and an entry-wise ratio would flag it as a huge "error". A real bug
changes the gradient by much more than round-off, so it still shows as a large norm-wise error.
A correct float64 backward typically gives 1e-9 to 1e-11; the course asks for < 1e-7.

Why float64: with h = 1e-5 the round-off in L(x +- h) is about eps * |L| / h. In float64
(eps ~ 1e-16) that is ~1e-11; in float32 (eps ~ 1e-7) it is ~1e-2, which hides any bug.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from .seeding import check_rng

__all__ = ["numerical_gradient", "rel_error", "check_gradients", "GradCheckResult", "check_close"]

DEFAULT_TOL = 1e-7


def _require_float64(name: str, x) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype != np.float64:
        raise ValueError(f"{name}: gradient checks need float64, got {arr.dtype} "
                         f"(convert with .astype(np.float64))")
    return arr


def numerical_gradient(f: Callable[[np.ndarray], object], x, df=None, h: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of ``f`` at ``x``.

    ``f`` is called with the perturbed array as its argument — ``f(x_perturbed)`` — so it never
    has to rely on an array being mutated behind its back. ``x`` itself is not modified.

    Inputs:
      f:  callable taking an array shaped like ``x``; returns a scalar if ``df`` is None,
          otherwise an array shaped like ``df``
      x:  float64 array, the point at which to differentiate
      df: optional upstream gradient dL/df; then the gradient of L = sum(f(x) * df) is returned
      h:  step size (1e-5 balances truncation error h^2 against round-off eps / h in float64)
    Returns:
      grad: array shaped like ``x``, the numerical dL/dx
    """
    x = _require_float64("x", x)
    if not h > 0:
        raise ValueError(f"h: expected a positive step size, got {h!r}")
    if df is not None:
        df = np.asarray(df, dtype=np.float64)
    xw = np.array(x, dtype=np.float64, copy=True)  # the working copy that f sees, perturbed
    grad = np.zeros_like(xw)
    for idx in np.ndindex(xw.shape):
        orig = xw[idx]
        xw[idx] = orig + h
        f_plus = f(xw)
        xw[idx] = orig - h
        f_minus = f(xw)
        xw[idx] = orig
        grad[idx] = _directional(f_plus, f_minus, df) / (2.0 * h)
    return grad


def _directional(f_plus, f_minus, df) -> float:
    f_plus = np.asarray(f_plus, dtype=np.float64)
    f_minus = np.asarray(f_minus, dtype=np.float64)
    if df is None:
        if f_plus.ndim != 0 and f_plus.size != 1:
            raise ValueError(f"f: without df, f must return a scalar; it returned shape "
                             f"{f_plus.shape} (pass df, the upstream gradient, of that shape)")
        return float(f_plus.reshape(()) - f_minus.reshape(()))
    if f_plus.shape != df.shape:
        raise ValueError(f"df: expected the shape of f's output {f_plus.shape}, got {df.shape}")
    return float(np.sum((f_plus - f_minus) * df))


def rel_error(a, b) -> float:
    """Norm-wise relative error ||a - b|| / (||a|| + ||b||); 0.0 when both are all zeros.

    Inputs:  a, b: arrays of the same shape (scalars allowed)
    Returns: float in [0, 1]
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"b: expected the shape of a {a.shape}, got {b.shape}")
    denom = np.linalg.norm(a.ravel()) + np.linalg.norm(b.ravel())
    if denom == 0.0:
        return 0.0
    return float(np.linalg.norm((a - b).ravel()) / denom)


@dataclass
class GradCheckResult:
    """Per-argument relative errors of an analytic gradient against central differences.

    Attributes:
      errors: relative error per checked name (parameters first, then inputs), in check order
      shapes: the shape of each checked array
      tol:    the tolerance the result is judged against
    """

    errors: dict = field(default_factory=dict)
    shapes: dict = field(default_factory=dict)
    tol: float = DEFAULT_TOL

    @property
    def worst(self) -> tuple:
        """(name, error) of the largest relative error."""
        if not self.errors:
            raise ValueError("errors: nothing was checked")
        name = max(self.errors, key=self.errors.get)
        return name, self.errors[name]

    @property
    def ok(self) -> bool:
        """True when every relative error is below ``tol`` (NaN counts as a failure)."""
        return all(np.isfinite(e) and e < self.tol for e in self.errors.values())

    @property
    def failed(self) -> list:
        return [k for k, e in self.errors.items() if not (np.isfinite(e) and e < self.tol)]

    def verdict(self) -> str:
        """A one-line summary with no machine-dependent digits (safe to print in a notebook)."""
        names = ", ".join(self.errors)
        if self.ok:
            return f"gradient check passed for {names}: every relative error < {self.tol:.0e}"
        return (f"gradient check FAILED for {', '.join(self.failed)} "
                f"(tolerance {self.tol:.0e}); worst: {self.worst[0]} at {self.worst[1]:.2e}")

    def __str__(self) -> str:
        lines = [f"{'name':<12}{'shape':<16}{'rel. error':>12}"]
        for name, err in self.errors.items():
            mark = "ok" if (np.isfinite(err) and err < self.tol) else "WRONG"
            lines.append(f"{name:<12}{str(self.shapes[name]):<16}{err:>12.2e}  {mark}")
        lines.append(self.verdict())
        return "\n".join(lines)

    def assert_ok(self) -> None:
        """Raise AssertionError, with the table, if any gradient is off."""
        if not self.ok:
            raise AssertionError("\n" + str(self))


def check_gradients(forward: Callable, backward: Callable, params: Mapping[str, np.ndarray],
                    inputs: Mapping[str, np.ndarray] | None = None, *, rng: np.random.Generator,
                    constants: Mapping | None = None, h: float = 1e-5,
                    tol: float = DEFAULT_TOL) -> GradCheckResult:
    """Check a ``forward``/``backward`` pair against central differences, argument by argument.

    The pair follows the course convention::

        out, cache = forward(params, **inputs, **constants)
        *d_inputs, grads = backward(dout, cache)      # d_inputs in the order of ``inputs``

    A random upstream gradient ``dout`` (drawn from ``rng``) turns ``out`` into the scalar
    L = sum(out * dout), so every output entry is checked, not just their sum.

    Inputs:
      forward, backward: the pair to check
      params:    dict of float64 arrays; ``grads`` must have exactly these keys
      inputs:    dict of float64 arrays that backward also differentiates (e.g. ``{"x": x, "h0": h0}``)
      rng:       np.random.Generator for ``dout``
      constants: extra keyword arguments for ``forward`` that are not differentiated (e.g. targets)
      h, tol:    finite-difference step and pass threshold
    Returns:
      GradCheckResult with one relative error per parameter and per input
    """
    check_rng(rng)
    inputs = dict(inputs or {})
    constants = dict(constants or {})
    params = {k: _require_float64(f"params[{k!r}]", v) for k, v in params.items()}
    inputs = {k: _require_float64(k, v) for k, v in inputs.items()}
    clash = set(params) & set(inputs)
    if clash:
        raise ValueError(f"inputs: names {sorted(clash)} are also parameter names; rename them")

    out, cache = forward(params, **inputs, **constants)
    out = np.asarray(out)
    dout = rng.standard_normal(out.shape)  # same shape as out
    result = backward(dout, cache)
    if not isinstance(result, tuple):
        result = (result,)
    if len(result) != len(inputs) + 1:
        raise ValueError(f"backward: expected {len(inputs) + 1} return values (one per input "
                         f"{list(inputs)}, then the grads dict), got {len(result)}")
    *d_inputs, grads = result
    if not isinstance(grads, Mapping) or set(grads) != set(params):
        got = sorted(grads) if isinstance(grads, Mapping) else type(grads).__name__
        raise ValueError(f"backward: grads must be a dict keyed like params {sorted(params)}, got {got}")

    report = GradCheckResult(tol=tol)
    for key in params:
        def f_param(p, key=key):
            return forward({**params, key: p}, **inputs, **constants)[0]
        num = numerical_gradient(f_param, params[key], df=dout, h=h)
        report.errors[key] = _checked_error(f"grads[{key!r}]", grads[key], num)
        report.shapes[key] = params[key].shape
    for (name, value), analytic in zip(inputs.items(), d_inputs):
        def f_input(v, name=name):
            return forward(params, **{**inputs, name: v}, **constants)[0]
        num = numerical_gradient(f_input, value, df=dout, h=h)
        report.errors[name] = _checked_error(f"d{name}", analytic, num)
        report.shapes[name] = value.shape
    return report


def _checked_error(name: str, analytic, numeric) -> float:
    analytic = np.asarray(analytic)
    if analytic.shape != numeric.shape:
        raise ValueError(f"{name}: expected shape {numeric.shape}, got {analytic.shape}")
    return rel_error(analytic, numeric)


def check_close(name: str, actual, expected, tol: float = DEFAULT_TOL) -> None:
    """The course's check-cell helper: compare two arrays, print a verdict, raise if they differ.

    The printed line carries no machine-dependent digits, so a stored notebook output stays
    identical from run to run; the actual error appears only in the AssertionError.

    Inputs:  name: what is being checked; actual, expected: arrays of equal shape; tol
    Returns: None (so that a check cell shows only the printed verdict)
    """
    err = rel_error(actual, expected)
    if not (np.isfinite(err) and err < tol):
        raise AssertionError(f"{name}: relative error {err:.3e} is not below {tol:.0e}")
    print(f"✓ {name}: matches (relative error < {tol:.0e})")
