"""The one-unit recurrent network of Pascanu, Mikolov & Bengio (2013), sections 2.2-2.3: the smallest
network whose error surface has a cliff (their Fig. 6).

Every function is vectorised over arrays of (w, b): pass two arrays of the same (or broadcastable)
shape S and every network in the grid runs at once, so a 200 x 200 error surface is one call.

Notation
--------
w, b   the recurrent weight and the bias (scalars, or arrays of a common shape S)
x_t    the state at step t, t = 0 ... T; x_0 is given (0.5 in the paper)
s_t    sigma(x_t), the unit's output; sigma is the logistic sigmoid
y      the target output (0.7 in the paper)

Equations
---------
forward:    x_t = w sigma(x_{t-1}) + b,    t = 1 ... T            (no input; T = 50 in the paper)
error:      E = (sigma(x_T) - y)^2
backward (backpropagation through time), with g_t = dE/dx_t:
            g_T     = 2 (sigma(x_T) - y) sigma'(x_T)
            g_{t-1} = g_t * w sigma'(x_{t-1})                      (the chain rule through one step)
            dE/dw   = sum_{t=1}^{T} g_t sigma(x_{t-1})             dE/db = sum_{t=1}^{T} g_t

So dE/dx_t = g_T * prod_{k=t}^{T-1} w sigma'(x_k): a product of one factor per step, as in every RNN.

Why there is a cliff
--------------------
The map f(x) = w sigma(x) + b is increasing for w > 0. When its slope at some fixed point exceeds 1
the map has two stable fixed points, a low one and a high one, with an unstable one between them, the
watershed. Where they lie depends on w and b: for w = 5 on the cliff line below (b = -2.6123) they are
x* = -2.03 and 1.39, where sigma = 0.116 and 0.801 (not 0 and 1; they approach 0 and 1 as w grows).
The start x_0 = 0.5 is itself the unstable fixed point exactly when b = x_0 - w sigma(x_0) and the
slope there, w sigma'(x_0), exceeds 1 — that is, for w > 1 / sigma'(0.5) ~ 4.25 (see
:func:`cliff_line`). Cross that line in (w, b) and x_T switches from one fixed point to the other: E
jumps between two plateaus. Near the line x_t lingers at the watershed for many steps, where each
factor w sigma'(x_t) is larger than 1, so their product — the gradient — explodes.
"""
from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from .numerics import sigmoid, sigmoid_derivative
from .shapes import check_array, check_finite, check_int, check_real

__all__ = ["ScalarRNNCache", "forward", "backward", "error_and_gradient", "cliff_line", "error_surface",
           "DescentPath", "gradient_descent", "X0", "TARGET", "STEPS"]

X0 = 0.5      # x_0 in Pascanu et al.
TARGET = 0.7  # the target output y
STEPS = 50    # T


class ScalarRNNCache(NamedTuple):
    """What :func:`backward` needs: the parameters and the whole trajectory."""

    w: np.ndarray   # S (broadcast shape of w and b)
    b: np.ndarray   # S
    x: np.ndarray   # (T + 1, *S): x_0 ... x_T
    s: np.ndarray   # (T + 1, *S): sigma(x_0) ... sigma(x_T)
    target: float


def _check_inputs(w, b, names=("w", "b")):
    w = check_array(names[0], w)
    b = check_array(names[1], b)
    try:
        shape = np.broadcast_shapes(w.shape, b.shape)
    except ValueError:
        raise ValueError(f"{names[1]}: expected a shape that broadcasts with {names[0]}'s {w.shape}, "
                         f"got {b.shape}") from None
    check_finite(names[0], w)
    check_finite(names[1], b)
    dtype = np.result_type(w, b)
    return np.broadcast_to(w, shape).astype(dtype), np.broadcast_to(b, shape).astype(dtype)  # S, S


def _check_scalar(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite real number, got {value!r}")
    return float(value)


def forward(w, b, T: int = STEPS, x0: float = X0, target: float = TARGET):
    """Run x_t = w sigma(x_{t-1}) + b for T steps from x_0 and score the last output.

    Inputs:  w, b: arrays (or scalars) of broadcastable shapes, common shape S; T: steps (>= 1);
             x0: the start; target: y in E = (sigma(x_T) - y)^2
    Returns: E (S) the error of every (w, b); ScalarRNNCache with the trajectory x (T + 1, *S)
    """
    w, b = _check_inputs(w, b)
    T = check_int("T", T)
    x0 = _check_scalar("x0", x0)
    target = _check_scalar("target", target)
    x = np.empty((T + 1,) + w.shape, dtype=w.dtype)  # (T + 1, *S)
    s = np.empty_like(x)  # (T + 1, *S)
    x[0] = x0
    s[0] = sigmoid(x[0])
    for t in range(1, T + 1):
        x[t] = w * s[t - 1] + b
        s[t] = sigmoid(x[t])
    E = (s[T] - target) ** 2  # S
    return E, ScalarRNNCache(w=w, b=b, x=x, s=s, target=target)


def backward(cache: ScalarRNNCache):
    """Backpropagation through time for :func:`forward`: the exact gradient, no finite differences.

    Inputs:  the cache returned by forward
    Returns: (dE_dw, dE_db), each of shape S
    """
    if not isinstance(cache, ScalarRNNCache):
        raise ValueError(f"cache: expected the ScalarRNNCache returned by scalar_rnn.forward, "
                         f"got {type(cache).__name__}")
    x, s, w = cache.x, cache.s, cache.w
    T = x.shape[0] - 1
    g = 2.0 * (s[T] - cache.target) * sigmoid_derivative(x[T])  # S: g_T = dE/dx_T
    dw = np.zeros_like(w)  # S
    db = np.zeros_like(w)  # S
    for t in range(T, 0, -1):
        dw += g * s[t - 1]  # x_t = w sigma(x_{t-1}) + b
        db += g
        g = g * w * sigmoid_derivative(x[t - 1])  # g_{t-1}
    return dw, db


def error_and_gradient(w, b, T: int = STEPS, x0: float = X0, target: float = TARGET):
    """forward + backward in one call. Returns (E, dE_dw, dE_db), each of shape S."""
    E, cache = forward(w, b, T, x0, target)
    return (E, *backward(cache))


def error_surface(w_lim=(1.0, 9.0), b_lim=(-5.0, 3.0), n: int = 200, T: int = STEPS, x0: float = X0,
                  target: float = TARGET):
    """E on an n x n grid of (w, b) — the surface of Pascanu et al.'s Figure 6 — in one vectorised call.

    Inputs:  w_lim, b_lim: (low, high) ranges; n: grid points per axis (>= 2)
    Returns: w (n,), b (n,), E (n, n) with E[i, j] the error at (w[j], b[i]) (rows are b, as in an image)
    """
    for name, lim in (("w_lim", w_lim), ("b_lim", b_lim)):
        a = np.asarray(lim)
        if a.shape != (2,) or a.dtype.kind not in "iuf" or not np.all(np.isfinite(a)) or not a[0] < a[1]:
            raise ValueError(f"{name}: expected (low, high) with finite low < high, got {lim!r}")
    n = check_int("n", n, minimum=2)
    w = np.linspace(w_lim[0], w_lim[1], n)  # (n,)
    b = np.linspace(b_lim[0], b_lim[1], n)  # (n,)
    E, _ = forward(w[None, :], b[:, None], T, x0, target)  # (n, n)
    return w, b, E


def cliff_line(w, x0: float = X0):
    """Where the cliff is: the b for which x_0 is the unstable fixed point of x -> w sigma(x) + b.

        b = x_0 - w sigma(x_0),   valid where the slope there, w sigma'(x_0), exceeds 1

    For x_0 = 0.5 that is w > 1 / sigma'(0.5) ~ 4.25; below, there is a single fixed point and the
    surface has no cliff (the entries are nan there).

    Inputs:  w array of weights; x0 the start
    Returns: b (same shape as w), nan where there is no cliff
    """
    w = check_finite("w", check_array("w", w))  # a nan w would read as "no cliff here"
    x0 = _check_scalar("x0", x0)
    b = x0 - w * sigmoid(np.float64(x0))  # same shape as w
    return np.where(w * sigmoid_derivative(np.float64(x0)) > 1.0, b, np.nan)


class DescentPath(NamedTuple):
    """Gradient descent on the error surface, one path per starting point.

    w, b, E have one row per visited point (steps + 1 rows), grad_norm and clipped one row per step.
    """

    w: np.ndarray          # (steps + 1, *S)
    b: np.ndarray          # (steps + 1, *S)
    E: np.ndarray          # (steps + 1, *S)
    grad_norm: np.ndarray  # (steps, *S): ||(dE/dw, dE/db)|| before clipping
    clipped: np.ndarray    # (steps, *S): True where the step was rescaled
    escaped: np.ndarray    # S: True where a step left the box |w|, |b| <= bound (the path stops there)


def _error_and_gradient_one(w: float, b: float, T: int, x0: float, target: float):
    """forward + backward for a single (w, b) in plain Python floats: the same equations as
    :func:`forward` and :func:`backward` (and the same overflow-free sigmoid), but many times faster
    than NumPy on one-element arrays, where every NumPy call costs microseconds however small its
    array. gradient_descent's loop uses it."""
    exp = math.exp
    s_prev, d_prev = [], []  # sigma(x_{t-1}) and sigma'(x_{t-1}) for t = 1 ... T
    x = x0
    for _ in range(T):
        e = exp(-x) if x >= 0 else exp(x)  # exp(-|x|): never overflows
        s = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        s_prev.append(s)
        d_prev.append(e / (1.0 + e) ** 2)
        x = w * s + b
    e = exp(-x) if x >= 0 else exp(x)
    s_T = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
    g = 2.0 * (s_T - target) * e / (1.0 + e) ** 2  # g_T = dE/dx_T
    dw = db = 0.0
    for t in range(T - 1, -1, -1):  # list index t holds step t + 1's inputs
        dw += g * s_prev[t]
        db += g
        g = g * w * d_prev[t]  # the gradient one step further back
    return (s_T - target) ** 2, dw, db


def gradient_descent(w0, b0, lr: float, steps: int, max_norm=None, T: int = STEPS, x0: float = X0,
                     target: float = TARGET, bound: float = 1e3) -> DescentPath:
    """Plain gradient descent on E(w, b), optionally with Pascanu et al.'s clipping.

        g = (dE/dw, dE/db);    if ||g|| > max_norm:  g <- (max_norm / ||g||) g;    (w, b) <- (w, b) - lr g

    This is :func:`helpers.optim.clip_grad_norm` applied to each path's two-entry gradient on its
    own (tests check that the two agree). Each path runs in plain Python floats (see
    ``_error_and_gradient_one``), so a path of 100 steps takes milliseconds.

    A step that lands outside |w| <= bound, |b| <= bound stops its path there (``escaped``): the
    point is kept, so a figure shows the jump, and the path stays at it for the remaining steps.

    Inputs:  w0, b0: starting points (broadcastable, common shape S); lr > 0; steps >= 1;
             max_norm: None (no clipping), a positive number, or an array of positive numbers
             broadcastable to S (np.inf = no clipping for that path); T, x0, target as in forward
    Returns: DescentPath
    """
    w_start, b_start = _check_inputs(w0, b0, ("w0", "b0"))
    lr = _check_scalar("lr", lr)
    if lr <= 0:
        raise ValueError(f"lr: expected a positive learning rate, got {lr!r}")
    steps = check_int("steps", steps)
    T = check_int("T", T)
    x0, target = _check_scalar("x0", x0), _check_scalar("target", target)
    bound = check_real("bound", bound, what="a positive finite half-width of the box")
    S = w_start.shape
    if max_norm is None:
        limit = np.full(S, np.inf)  # S
    else:
        limit = np.asarray(max_norm)
        if limit.dtype.kind not in "iuf" or np.any(np.isnan(limit)) or np.any(limit <= 0):
            raise ValueError(f"max_norm: expected None or positive numbers (inf = no clipping), got {max_norm!r}")
        try:
            limit = np.broadcast_to(limit, S)  # S
        except ValueError:
            raise ValueError(f"max_norm: expected a shape that broadcasts to {S}, got {limit.shape}") from None
        limit = limit.astype(np.float64)
    ws = np.empty((steps + 1,) + S)  # (steps + 1, *S)
    bs, Es = np.empty_like(ws), np.empty_like(ws)  # (steps + 1, *S)
    norms = np.empty((steps,) + S)  # (steps, *S)
    clipped = np.zeros((steps,) + S, dtype=bool)  # (steps, *S)
    escaped = np.zeros(S, dtype=bool)  # S
    for idx in np.ndindex(S):
        w, b, c = float(w_start[idx]), float(b_start[idx]), float(limit[idx])
        active = True
        for k in range(steps):
            E, dw, db = _error_and_gradient_one(w, b, int(T), x0, target)
            ws[(k,) + idx], bs[(k,) + idx], Es[(k,) + idx] = w, b, E
            norm = math.hypot(dw, db)
            norms[(k,) + idx] = norm
            if not active:
                continue
            factor = c / norm if norm > c else 1.0  # Pascanu et al.'s rescaling
            clipped[(k,) + idx] = norm > c
            w, b = w - lr * factor * dw, b - lr * factor * db
            if not (abs(w) <= bound and abs(b) <= bound):
                active = False
                escaped[idx] = True
        ws[(steps,) + idx], bs[(steps,) + idx] = w, b
        Es[(steps,) + idx] = _error_and_gradient_one(w, b, int(T), x0, target)[0]
    return DescentPath(w=ws, b=bs, E=Es, grad_norm=norms, clipped=clipped, escaped=escaped)
