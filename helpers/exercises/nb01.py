"""Exercises of notebook 01 (mappings and sequence data): a dense layer forward and backward, time-major windows.

Shapes (one example per row; sequences time-major): x (N, D), W (H, D), b (H,), y (N, H); a series (L, D) is cut
into windows x (T, N, D) with targets y (N, D).
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from .core import Case, Exercise, Mistake, make_stub

__all__ = ["EXERCISES"]


# --------------------------------------------------------------------------- 01.1 the dense layer, forward

def dense_forward(x, W, b):
    """A dense layer with a tanh (section 1), for a batch of N examples, one example per row:

        y = tanh(W x + b)                    (one example, a column vector x)
        a = x W^T + b,   y = tanh(a)         (the batch: row n of a is W x_n + b)

    Inputs:  x (N, D) N examples with D features; W (H, D); b (H,)
    Returns: y (N, H)
    """
    a = x @ W.T + b  # (N, H)
    return np.tanh(a)  # (N, H)


def _dense_args(rng, N, D, H, scale=1.0, with_dy=False):
    x = rng.standard_normal((N, D))  # (N, D)
    W = scale * rng.standard_normal((H, D)) / np.sqrt(D)  # (H, D)
    b = 0.5 * rng.standard_normal(H)  # (H,)
    return (rng.standard_normal((N, H)), x, W, b) if with_dy else (x, W, b)


def _forward_cases(rng):
    return [Case("N = 5, D = 4, H = 3", _dense_args(rng, 5, 4, 3)),
            Case("N = D = H = 4 (a missing transpose runs)", _dense_args(rng, 4, 4, 4)),
            Case("one example, one output (N = H = 1)", _dense_args(rng, 1, 3, 1)),
            Case("large weights: a saturated tanh", _dense_args(rng, 3, 2, 5, scale=8.0))]


FORWARD = Exercise(
    id="01.1", title="A dense layer, forward", solution=dense_forward,
    stub=make_stub(dense_forward, "one line, as in section 1: the weights, the bias, the activation (one example "
                                  "per row, so W x_n becomes a product with W.T on the right)"),
    cases=_forward_cases, outputs=("y",), axes={"y": ("n", "j")}, seed=11,
    hint="the pre-activation a has shape (N, H): which product of x (N, D) and W (H, D) gives that? Then add b, "
         "then the tanh.",
    mistakes=(
        Mistake("Your y matches tanh(x @ W + b): with one example per row, W x_n becomes x @ W.T (row n of x @ W.T "
                "is W times example n; x @ W only runs when D = H, and then computes W^T x_n).",
                lambda x, W, b: np.tanh(x @ W + b)),
        Mistake("Your y is tanh(W @ x.T + b), the one-example equation applied to the batch as it stands: W @ x.T "
                "has one *column* per example, shape (H, N), and b is added along the wrong axis. With one example "
                "per row, W x_n becomes x @ W.T.",
                lambda x, W, b: np.tanh(W @ x.T + b)),
        Mistake("Your y leaves out the bias b.", lambda x, W, b: np.tanh(x @ W.T)),
        Mistake("Your y is the pre-activation a = x W^T + b: the tanh is missing (y must lie in (-1, 1)).",
                lambda x, W, b: x @ W.T + b),
        Mistake("Your y adds the bias after the tanh: b belongs inside, y = tanh(W x + b).",
                lambda x, W, b: np.tanh(x @ W.T) + b),
        Mistake("Your y uses the logistic sigmoid 1 / (1 + e^-a): the layer of section 1 uses tanh (values in "
                "(-1, 1), not (0, 1)).",
                lambda x, W, b: 1.0 / (1.0 + np.exp(-(x @ W.T + b)))),
    ))


# --------------------------------------------------------------------------- 01.2 the dense layer, backward

def dense_backward(dy, x, W, b):
    """The backward pass of dense_forward (exercise 01.1): from dy = dL/dy, the gradients of a loss L.

        a = x W^T + b,   y = tanh(a)                       (the forward pass, recomputed)
        da = dy * (1 - tanh(a)^2)                          (chain rule through the tanh, entry by entry)
        dW = da^T x      (= sum over examples n of the outer product da_n x_n^T)
        db = sum over the batch of da                      (b enters every example's a_n)
        dx = da W

    Inputs:  dy (N, H) the upstream gradient dL/dy; x (N, D); W (H, D); b (H,)
    Returns: dx (N, D), dW (H, D), db (H,): dL/dx, dL/dW, dL/db
    """
    y = np.tanh(x @ W.T + b)  # (N, H)
    da = dy * (1.0 - y ** 2)  # (N, H)
    dW = da.T @ x  # (H, D)
    db = da.sum(axis=0)  # (H,)
    dx = da @ W  # (N, D)
    return dx, dW, db


def _backward_cases(rng):
    return [Case("N = 5, D = 4, H = 3", _dense_args(rng, 5, 4, 3, with_dy=True)),
            Case("N = D = H = 3 (a transpose runs silently)", _dense_args(rng, 3, 3, 3, with_dy=True)),
            Case("one example, one output (N = H = 1)", _dense_args(rng, 1, 4, 1, with_dy=True)),
            Case("large weights: some units saturated", _dense_args(rng, 6, 3, 4, scale=3.0, with_dy=True))]


def _backward_numerical(dy, x, W, b):
    """Central differences of the forward pass, with the upstream gradient dy."""
    return {"dx": numerical_gradient(lambda x_: dense_forward(x_, W, b), x, dy),
            "dW": numerical_gradient(lambda W_: dense_forward(x, W_, b), W, dy),
            "db": numerical_gradient(lambda b_: dense_forward(x, W, b_), b, dy)}


def _backward_with(dy, x, W, b, derivative=None, dW_of=None, db_of=None, dx_of=None):
    """dense_backward with one piece replaced (a typical mistake)."""
    a = x @ W.T + b  # (N, H)
    da = dy * (1.0 - np.tanh(a) ** 2 if derivative is None else derivative(a))  # (N, H)
    dW = da.T @ x if dW_of is None else dW_of(da, x)  # (H, D) or not
    db = da.sum(axis=0) if db_of is None else db_of(da)  # (H,)
    dx = da @ W if dx_of is None else dx_of(da, W)  # (N, D) or not
    return dx, dW, db


BACKWARD = Exercise(
    id="01.2", title="A dense layer, backward", solution=dense_backward,
    stub=make_stub(dense_backward, "recompute a and y, then da; each gradient is one product or one sum (compare "
                                   "the shapes: dW must have the shape of W, dx that of x)"),
    cases=_backward_cases, outputs=("dx", "dW", "db"), axes={"dx": ("n", "d"), "dW": ("j", "d"), "db": ("j",)},
    gradient=_backward_numerical, seed=12,
    hint="first da = dy * g'(a) with g'(a) = 1 - tanh(a)^2; then let the shapes guide you: dW is (H, D), dx is (N, D).",
    mistakes=(
        Mistake("Your dW is x^T da, the transpose of dL/dW: W has shape (H, D), and dL/dW_jd = sum_n da_nj x_nd, "
                "which is da.T @ x.",
                lambda dy, x, W, b: _backward_with(dy, x, W, b, dW_of=lambda da, x: x.T @ da)),
        Mistake("Your db is the mean of da over the batch: b enters every example's a_n, so dL/db = sum_n da_n, a "
                "sum (a 1/N of the loss, if it has one, is already in dy).",
                lambda dy, x, W, b: _backward_with(dy, x, W, b, db_of=lambda da: da.mean(axis=0))),
        Mistake("Your dW and db are averaged over the batch (divided by N): each example adds its own contribution, "
                "so both are sums over n (a 1/N of the loss, if it has one, is already in dy).",
                lambda dy, x, W, b: _backward_with(dy, x, W, b, dW_of=lambda da, x: da.T @ x / len(x),
                                                   db_of=lambda da: da.mean(axis=0))),
        Mistake("Your gradients leave out the derivative of the tanh: the chain rule gives da = dy * (1 - y^2) "
                "with y = tanh(a), not da = dy.",
                lambda dy, x, W, b: _backward_with(dy, x, W, b, derivative=np.ones_like)),
        Mistake("Your tanh derivative is 1 - a^2, taken of the pre-activation a: d tanh(a)/da = 1 - tanh(a)^2 "
                "= 1 - y^2.",
                lambda dy, x, W, b: _backward_with(dy, x, W, b, derivative=lambda a: 1.0 - a ** 2)),
        Mistake("Your dx is da @ W.T: for one example dL/dx = W^T da, which for rows becomes da @ W, shape "
                "(N, H) times (H, D) = (N, D).",
                lambda dy, x, W, b: _backward_with(dy, x, W, b, dx_of=lambda da, W: da @ W.T)),
    ))


# --------------------------------------------------------------------------- 01.3 time-major windows

def cut_windows(series, T, horizon, stride):
    """Cut a long series into time-major windows and their targets (section 5), as make_windows does.

    Window n starts at step n * stride and covers T consecutive steps. Its target is the series `horizon` steps
    after the window's last step. There are as many windows N as fit with their target inside the series.

    Inputs:  series (L, D) L steps of D features; T, horizon, stride: positive ints
    Returns: x (T, N, D), time-major: x[t, n] is step t of window n;
             y (N, D): y[n] is window n's target (all D features)
    """
    L = series.shape[0]
    N = (L - T - horizon) // stride + 1  # the last target, step (N-1)*stride + T - 1 + horizon, is <= L - 1
    starts = np.arange(N) * stride  # (N,)
    x = np.stack([series[s:s + T] for s in starts], axis=1)  # (T, N, D): window n is x[:, n]
    y = series[starts + T - 1 + horizon]  # (N, D)
    return x, y


def _steps(L, D):
    """A series whose value at step l, feature d is l + d/10: a wrong entry shows which step it came from."""
    return np.arange(L)[:, None] + np.arange(D)[None, :] / 10.0  # (L, D)


def _window_cases(rng):
    return [Case("L = 20, D = 2, T = 4, horizon = 1, stride = 1", (_steps(20, 2), 4, 1, 1)),
            Case("horizon = 3, stride = 2 (the last steps are left over)", (_steps(23, 3), 5, 3, 2)),
            Case("T = 1, one feature", (_steps(9, 1), 1, 2, 3)),
            Case("exactly one window (L = T + horizon)", (_steps(7, 2), 5, 2, 1)),
            Case("a random series, N = T = D = 4", (rng.standard_normal((8, 4)), 4, 1, 1))]


def _windows_with(series, T, horizon, stride, last=None, count=None, start=None):
    """cut_windows with the target's step, the number of windows or their starts changed (a typical mistake)."""
    L = series.shape[0]
    N = (L - T - horizon) // stride + 1 if count is None else count(L, T, horizon, stride)
    starts = np.arange(N) * stride if start is None else start(np.arange(N), stride)  # (N,)
    x = np.stack([series[s:s + T] for s in starts], axis=1)  # (T, N, D)
    y = series[starts + (T - 1 + horizon if last is None else last(T, horizon))]  # (N, D)
    return x, y


STRIDE_IGNORED = ("Your windows start at every step (0, 1, 2, ...): the stride is ignored; window n starts at step "
                  "n * stride.")

TARGET_LATE = ("Your y is one step too late: the target lies horizon steps after the window's *last* step, "
               "start + T - 1, so at start + T - 1 + horizon (start + T is already the step after the window; for "
               "the last window, one step more runs past the end of the series).")

WINDOWS = Exercise(
    id="01.3", title="Time-major windows", solution=cut_windows,
    stub=make_stub(cut_windows, "count the windows N first (the last target must be a step of the series), then "
                                "fill x window by window; window n is x[:, n]"),
    cases=_window_cases, outputs=("x", "y"), axes={"x": ("t", "n", "d"), "y": ("n", "d")}, seed=13,
    hint="write down the start, the last step and the target step of window n; N is how many targets fit in the L "
         "steps.",
    mistakes=(
        Mistake("Your x looks like (N, T, D): batch first. The course is time-major, x (T, N, D): x[t] is step t "
                "of every window, what a recurrent network reads at step t (np.stack(..., axis=1)).",
                lambda series, T, horizon, stride: (lambda x, y: (x.transpose(1, 0, 2), y))(
                    *cut_windows(series, T, horizon, stride))),
        Mistake("Your x is the (N, T, D) stack of the windows reshaped to (T, N, D): a reshape keeps the numbers in "
                "their order in memory, so it mixes windows and steps. Swap the axes instead (x.transpose(1, 0, 2)), "
                "or stack the windows along axis 1.",
                lambda series, T, horizon, stride: (lambda x, y: (x.transpose(1, 0, 2).reshape(x.shape), y))(
                    *cut_windows(series, T, horizon, stride))),
        Mistake(STRIDE_IGNORED, lambda series, T, horizon, stride: cut_windows(series, T, horizon, 1)),
        Mistake(STRIDE_IGNORED, lambda series, T, horizon, stride: _windows_with(series, T, horizon, stride,
                                                                                  start=lambda n, s: n)),
        Mistake(TARGET_LATE, lambda series, T, horizon, stride: _windows_with(series, T, horizon, stride,
                                                                               last=lambda T, h: T + h)),
        Mistake(TARGET_LATE, lambda series, T, horizon, stride: _windows_with(
            series, T, horizon, stride, last=lambda T, h: T + h, count=lambda L, T, h, s: (L - T - h - 1) // s + 1)),
        Mistake("Your y is one step too early (horizon - 1 steps after the window's last step): with horizon = 1 "
                "the target would be the last day the model reads, not the next one.",
                lambda series, T, horizon, stride: _windows_with(series, T, horizon, stride,
                                                                 last=lambda T, h: T - 2 + h)),
        Mistake("Your x and y have one window too few: the last window whose target is still a step of the series is "
                "missing (the count of windows needs a + 1, like the count of steps from 0 to L - 1).",
                lambda series, T, horizon, stride: _windows_with(series, T, horizon, stride,
                                                                 count=lambda L, T, h, s: (L - T - h) // s)),
        Mistake("Your windows run past the end of the series: the last window's target, step (N - 1) * stride "
                "+ T - 1 + horizon, must be at most L - 1. Count only the windows whose target fits (the horizon "
                "counts too), and check the target's step.",
                lambda series, T, horizon, stride: _windows_with(series, T, horizon, stride,
                                                                 count=lambda L, T, h, s: (L - T) // s + 1)),
    ))

EXERCISES = [FORWARD, BACKWARD, WINDOWS]
