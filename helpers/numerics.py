"""Numerically stable activations and their derivatives.

Every function here works elementwise (or along one axis for the softmax family), keeps the dtype
of a floating-point input (float32 stays float32), turns integer input into float64, and never
overflows: at |x| = 1000 the results are the exact limits, with no warning.

Notation
--------
x      pre-activation ("logits" for the softmax family), any shape
y      activation value, same shape as x
dy     upstream gradient dL/dy, same shape as y
K      number of classes along ``axis`` (softmax family)

Equations
---------
sigmoid(x)      = 1 / (1 + exp(-x))                      sigmoid'(x) = sigmoid(x) (1 - sigmoid(x))
tanh(x)         = (exp(x) - exp(-x)) / (exp(x) + exp(-x))   tanh'(x) = 1 - tanh(x)^2
softmax(x)_k    = exp(x_k - m) / sum_j exp(x_j - m),     m = max_j x_j  (the shift cancels)
log_softmax(x)_k = (x_k - m) - log sum_j exp(x_j - m)
dL/dx = y * (dy - sum_k dy_k y_k)          for y = softmax(x)   (vector-Jacobian product)
dL/dx = dy - softmax(x) * sum_k dy_k       for y = log_softmax(x)

Why "stable": exp(1000) overflows float64 (and exp(89) already overflows float32). Each function is
written so that ``exp`` only ever sees arguments <= 0, where it can underflow to 0 — harmless — but
never overflow.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    "softmax",
    "softmax_backward",
    "softmax_jacobian",
    "log_softmax",
    "log_softmax_backward",
]


def _as_float(x, name: str = "x") -> np.ndarray:
    """Return ``x`` as a floating-point array (integers and bools become float64)."""
    a = np.asarray(x)
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    if a.dtype.kind != "f":
        raise ValueError(f"{name}: expected a real floating-point array, got dtype {a.dtype}")
    return a


def sigmoid(x):
    """Logistic sigmoid, 1 / (1 + exp(-x)), computed without overflow.

    For x >= 0 we use 1 / (1 + exp(-x)); for x < 0 the equal form exp(x) / (1 + exp(x)).
    Either way exp sees only -|x| <= 0.

    Inputs:  x: array of any shape (float32 or float64; integers become float64)
    Returns: y: array of the same shape and dtype, values in [0, 1]
    """
    x = _as_float(x)
    e = np.exp(-np.abs(x))  # in (0, 1]; underflows to 0 for large |x|, never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def sigmoid_derivative(x):
    """d sigmoid(x) / dx = sigmoid(x) * (1 - sigmoid(x)); at most 1/4, reached at x = 0.

    Computed as e / (1 + e)^2 with e = exp(-|x|), which is exact in both tails (the form
    s * (1 - s) loses everything to rounding once s rounds to 1).
    """
    x = _as_float(x)
    e = np.exp(-np.abs(x))
    return (e / (1.0 + e) ** 2).astype(x.dtype, copy=False)


def tanh(x):
    """Hyperbolic tangent; NumPy's ``np.tanh`` is already stable (tanh(+-1000) = +-1 exactly)."""
    return np.tanh(_as_float(x))


def tanh_derivative(x):
    """d tanh(x) / dx = 1 - tanh(x)^2; at most 1, reached at x = 0.

    Computed as 4 e / (1 + e)^2 with e = exp(-2|x|), so the tails stay positive and accurate
    instead of rounding to 1 - 1 = 0 for moderate |x|.
    """
    x = _as_float(x)
    e = np.exp(-2.0 * np.abs(x))
    return (4.0 * e / (1.0 + e) ** 2).astype(x.dtype, copy=False)


def softmax(x, axis: int = -1):
    """Softmax along ``axis``: exp(x_k - m) / sum_j exp(x_j - m), with m the max along ``axis``.

    Inputs:  x: array (..., K, ...), logits; axis: the class axis (default last)
    Returns: y: same shape and dtype, non-negative, sums to 1 along ``axis``
    """
    x = _as_float(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)  # (..., K): every entry <= 0
    e = np.exp(shifted)  # (..., K): the max entry is exactly 1, so the sum is >= 1
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis: int = -1):
    """log(softmax(x)) computed directly: (x - m) - log(sum_j exp(x_j - m)).

    Never takes the log of an underflowed 0, so log_softmax([1000, 0]) = [0, -1000] exactly,
    where log(softmax(...)) would give -inf.
    """
    x = _as_float(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)  # (..., K)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax_backward(dy, y, axis: int = -1):
    """Backward of y = softmax(x): dL/dx = y * (dy - sum_k dy_k y_k).

    This is the vector-Jacobian product dy^T J with J = diag(y) - y y^T, computed without
    building J.

    Inputs:  dy: upstream gradient dL/dy; y: the softmax output (same shape as dy)
    Returns: dx: dL/dx, same shape
    """
    dy = _as_float(dy, "dy")
    y = _as_float(y, "y")
    if dy.shape != y.shape:
        raise ValueError(f"dy: expected the shape of y {y.shape}, got {dy.shape}")
    return y * (dy - np.sum(dy * y, axis=axis, keepdims=True))


def log_softmax_backward(dy, log_y, axis: int = -1):
    """Backward of log_y = log_softmax(x): dL/dx = dy - softmax(x) * sum_k dy_k.

    Inputs:  dy: upstream gradient dL/d(log_y); log_y: the log_softmax output (same shape)
    Returns: dx: dL/dx, same shape
    """
    dy = _as_float(dy, "dy")
    log_y = _as_float(log_y, "log_y")
    if dy.shape != log_y.shape:
        raise ValueError(f"dy: expected the shape of log_y {log_y.shape}, got {dy.shape}")
    return dy - np.exp(log_y) * np.sum(dy, axis=axis, keepdims=True)


def softmax_jacobian(x):
    """The full Jacobian dy_i/dx_j = y_i (delta_ij - y_j) of y = softmax(x) over the last axis.

    For teaching and checking; backward passes use :func:`softmax_backward`, which never
    materialises this (K, K) matrix.

    Inputs:  x: (..., K)
    Returns: J: (..., K, K)
    """
    y = softmax(x, axis=-1)  # (..., K)
    eye = np.eye(y.shape[-1], dtype=y.dtype)  # (K, K)
    return y[..., :, None] * (eye - y[..., None, :])  # (..., K, K)
