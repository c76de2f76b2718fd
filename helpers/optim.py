"""Optimisers and gradient clipping as pure functions over parameter dicts.

Every update takes the parameters, their gradients (a dict with the same keys) and the optimiser's
state, and returns *new* parameters and state; nothing is modified in place. The clipping functions
likewise return new gradient dicts and never touch their input.

Equations
---------
SGD:   theta <- theta - lr * g
Adam (Kingma & Ba, 2015), with step count k starting at 1:
       m <- beta1 m + (1 - beta1) g          v <- beta2 v + (1 - beta2) g^2
       m_hat = m / (1 - beta1^k)             v_hat = v / (1 - beta2^k)
       theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)

Gradient clipping: three different operations share the name. With g the whole gradient (every
entry of every parameter's gradient array, read as one long vector), g_k the gradient array of
parameter k and c > 0 a threshold:

  by global norm (Pascanu, Mikolov & Bengio 2013, Algorithm 1; Goodfellow et al. 2016, sec. 10.11.1)
       ||g|| = sqrt(sum_k sum_j g_kj^2);     if ||g|| > c:  g <- (c / ||g||) g
       one factor for everything: the update keeps its direction, only its length is capped.
  by value (elementwise)
       g_kj <- min(max(g_kj, -c), c)
       every entry on its own: large entries are cut, small ones kept, so the direction changes.
  by norm, per parameter
       if ||g_k|| > c:  g_k <- (c / ||g_k||) g_k          (for each k separately)
       each array keeps its own direction, but the arrays are shrunk by different factors, so
       the direction of the whole update changes.

All three act once per update, on the gradient that backpropagation through all time steps has
already summed up; none of them acts inside the backward pass, time step by time step.

Non-finite gradients (nan or inf): all three clipping functions (and :func:`global_norm`) raise
:class:`NonFiniteGradientError`, a ValueError naming the parameter(s) whose gradient contains nan
or inf; so do :func:`sgd_step` and :func:`adam_step`, since one nan entry would make the parameters
(and Adam's moments) nan for good. Why an error rather than a result: such a gradient has no norm
and no direction left to keep, and rescaling it quietly does harm either way. With an inf entry the
factor c / ||g|| is 0, so every finite entry becomes 0 and the inf becomes nan (0 * inf); with a
nan, ||g|| is nan, the test ||g|| > c is False, and the nan passes unchanged into the parameters,
after which every loss is nan. (PyTorch's clip_grad_norm_ returns the non-finite norm and scales the gradients anyway,
unless called with error_if_nonfinite=True.) An error at the step where it happens points at the
cause: lower the learning rate or the threshold, or catch the error and skip that update.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .shapes import check_array, check_finite, check_instance, check_int, check_params, check_real

__all__ = ["sgd_step", "linear_decay", "AdamState", "adam_init", "adam_step", "global_norm", "clip_grad_norm",
           "clip_grad_value", "clip_grad_norm_per_parameter", "NonFiniteGradientError", "transformer_lr"]


def _param_shapes(params) -> dict:
    """{key: shape} of a dict of real arrays; a ValueError names anything else."""
    if not isinstance(params, Mapping):
        raise ValueError(f"params: expected a dict of parameter arrays, got {type(params).__name__}")
    return {k: v.shape if type(v) is np.ndarray and v.dtype.kind in "fbiu" else check_array(f"params[{k!r}]", v).shape
            for k, v in params.items()}


def _check_update(params, grads, lr) -> dict:
    """The checks every update makes: params and grads real arrays with the same keys and shapes, every gradient
    finite (NonFiniteGradientError otherwise: one nan would turn every parameter nan), lr >= 0 and finite."""
    shapes = _param_shapes(params)
    if not isinstance(grads, Mapping) or set(grads) != set(params):
        got = sorted(grads) if isinstance(grads, Mapping) else type(grads).__name__
        raise ValueError(f"grads: expected the keys of params {sorted(params)}, got {got}")
    check_params(grads, shapes, name="grads")
    if grads:
        _check_grads(grads, "an update with it would make every parameter it touches nan. Lower the learning "
                            "rate, clip the gradient, or skip this update.")
    check_real("lr", lr, inclusive=True, what="a non-negative finite learning rate")
    return shapes


def sgd_step(params: dict, grads: dict, lr: float) -> dict:
    """Plain gradient descent. Returns the new parameters.

    Raises ValueError for mismatched params and grads or a bad lr, and NonFiniteGradientError (a ValueError)
    if a gradient contains nan or inf."""
    _check_update(params, grads, lr)
    return {k: params[k] - lr * grads[k] for k in params}


@dataclass
class AdamState:
    """Adam's moving averages (m, v: dicts shaped like the parameters) and its step count."""

    m: dict = field(default_factory=dict)
    v: dict = field(default_factory=dict)
    step: int = 0


def adam_init(params: dict) -> AdamState:
    """A fresh Adam state: zero moments for every parameter."""
    _param_shapes(params)
    return AdamState(m={k: np.zeros_like(v) for k, v in params.items()},
                     v={k: np.zeros_like(v) for k, v in params.items()}, step=0)


def adam_step(params: dict, grads: dict, state: AdamState, lr: float = 1e-3, beta1: float = 0.9,
              beta2: float = 0.999, eps: float = 1e-8):
    """One Adam update. Returns (new_params, new_state).

    ``state`` must belong to these parameters (the AdamState of adam_init(params) or of the previous step): the
    same keys and shapes in m and v, v >= 0, everything finite. Raises ValueError otherwise, and
    NonFiniteGradientError (a ValueError) if a gradient contains nan or inf."""
    shapes = _check_update(params, grads, lr)
    check_instance("state", state, AdamState, "the AdamState of adam_init or of the previous adam_step")
    check_int("state.step", state.step, minimum=0)
    for name in ("m", "v"):
        moments = getattr(state, name)
        check_params(moments, shapes, name=f"state.{name}")
        for k, a in moments.items():  # (the message is only written for an array that fails)
            if not (type(a) is np.ndarray and np.count_nonzero(np.isfinite(a)) == a.size):
                check_finite(f"state.{name}[{k!r}]", a)
    negative = [k for k, a in state.v.items() if np.size(a) and np.min(a) < 0]  # finite: min is not nan
    if negative:
        raise ValueError(f"state.v[{negative[0]!r}]: expected non-negative second moments, got negative entries")
    check_real("beta1", beta1, inclusive=True, maximum=1.0)
    check_real("beta2", beta2, inclusive=True, maximum=1.0)
    check_real("eps", eps)
    step = state.step + 1
    m = {k: beta1 * state.m[k] + (1 - beta1) * grads[k] for k in params}
    v = {k: beta2 * state.v[k] + (1 - beta2) * grads[k] ** 2 for k in params}
    new = {}
    for k in params:
        m_hat = m[k] / (1 - beta1 ** step)
        v_hat = v[k] / (1 - beta2 ** step)
        new[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new, AdamState(m=m, v=v, step=step)


# --------------------------------------------------------------------------- gradient clipping

class NonFiniteGradientError(ValueError):
    """A gradient passed to a clipping function contains nan or inf (the module docstring says why
    this is an error). Catch it to skip an update; its message names the parameters."""


_WHY_CLIP = ("a gradient that has overflowed has no norm or direction to clip. Lower the learning rate or the "
             "clipping threshold, or skip this update.")


def _check_grads(grads, why: str = _WHY_CLIP) -> dict:
    """grads as {key: real floating array}; raises ValueError for anything else, and
    NonFiniteGradientError (naming the parameters, then saying ``why`` that is an error) if an entry is nan or inf."""
    if not isinstance(grads, Mapping):
        raise ValueError(f"grads: expected a dict of gradient arrays {{name: array}}, got {type(grads).__name__}")
    if not grads:
        raise ValueError("grads: expected a dict of gradient arrays, got an empty dict")
    arrays = {k: v if type(v) is np.ndarray and v.dtype.kind == "f" else check_array(f"grads[{k!r}]", v)
              for k, v in grads.items()}
    bad = {k: int(np.size(a) - np.count_nonzero(np.isfinite(a))) for k, a in arrays.items()}
    bad = {k: n for k, n in bad.items() if n}
    if bad:
        where = ", ".join(f"grads[{k!r}] ({n} of {np.size(arrays[k])} entries)" for k, n in bad.items())
        raise NonFiniteGradientError(f"{where}: not finite (nan or inf); {why}")
    return arrays


def _norm(a: np.ndarray) -> float:
    """Euclidean norm of all entries, in float64, without overflow for huge finite entries."""
    a = np.asarray(a, dtype=np.float64)
    scale = float(np.max(np.abs(a))) if a.size else 0.0
    if scale == 0.0:
        return 0.0
    return scale * float(np.sqrt(np.sum((a / scale) ** 2)))


def global_norm(grads: dict) -> float:
    """||g|| = sqrt(sum_k sum_j g_kj^2): the norm of all gradients together, as one vector.

    Computed in float64 with a scale factor, so huge finite entries (1e200) do not overflow.
    Raises NonFiniteGradientError if any entry is nan or inf.
    """
    arrays = _check_grads(grads)
    return _norm(np.concatenate([a.ravel() for a in arrays.values()]))


def clip_grad_norm(grads: dict, max_norm: float):
    """Clip by global norm (Pascanu, Mikolov & Bengio 2013, Algorithm 1).

        ||g|| = sqrt(sum over every entry of every array of g^2)
        if ||g|| > max_norm:   g <- (max_norm / ||g||) g        (all arrays, one common factor)

    The update keeps its direction; only its length is capped at max_norm. Below the threshold
    the gradients come back unchanged.

    Inputs:  grads {name: array}; max_norm: positive finite threshold c
    Returns: (clipped, total_norm): a new dict of new arrays (dtypes kept; the inputs are never
             modified or returned), and ||g|| before clipping, a float
    Raises:  ValueError for a bad max_norm or grads; NonFiniteGradientError (a ValueError naming
             the parameters) if any gradient contains nan or inf. Not a nan/inf result: an
             overflowed gradient has no direction to keep, and scaling it would silently turn the
             parameters into nan (the module docstring has the details).
    """
    max_norm = check_real("max_norm", max_norm)
    arrays = _check_grads(grads)
    total = _norm(np.concatenate([a.ravel() for a in arrays.values()]))
    factor = max_norm / total if total > max_norm else 1.0
    clipped = {k: (a * factor).astype(a.dtype, copy=False) for k, a in arrays.items()}  # new arrays
    return clipped, total


def clip_grad_value(grads: dict, limit: float) -> dict:
    """Clip by value: every entry on its own into [-limit, limit].

        g_kj <- min(max(g_kj, -limit), limit)

    Entries larger than the limit are cut, smaller ones kept: the direction of the update changes
    (a gradient (10, 1) clipped at 1 becomes (1, 1)). Its norm can still reach limit * sqrt(#entries).

    Inputs:  grads {name: array}; limit: positive finite number
    Returns: clipped: a new dict of new arrays (dtypes kept; the inputs are not modified)
    Raises:  ValueError for a bad limit or grads; NonFiniteGradientError for nan or inf entries.
    """
    limit = check_real("limit", limit)
    arrays = _check_grads(grads)
    return {k: np.clip(a, -limit, limit) for k, a in arrays.items()}


def clip_grad_norm_per_parameter(grads: dict, max_norm: float):
    """Clip by norm, one parameter array at a time.

        for each parameter k:   if ||g_k|| > max_norm:   g_k <- (max_norm / ||g_k||) g_k

    Each array keeps its own direction, but different arrays are shrunk by different factors (or
    not at all), so the direction of the whole update changes — unlike :func:`clip_grad_norm`.

    Inputs:  grads {name: array}; max_norm: positive finite threshold
    Returns: (clipped, norms): a new dict of new arrays, and {name: ||g_k|| before clipping}
    Raises:  ValueError for a bad max_norm or grads; NonFiniteGradientError for nan or inf entries.
    """
    max_norm = check_real("max_norm", max_norm)
    arrays = _check_grads(grads)
    norms = {k: _norm(a) for k, a in arrays.items()}
    clipped = {k: (a * (max_norm / norms[k] if norms[k] > max_norm else 1.0)).astype(a.dtype, copy=False)
               for k, a in arrays.items()}
    return clipped, norms


def linear_decay(step: int, steps: int, lr: float, lr_end: float | None) -> float:
    """The learning rate of step 1 ... steps: lr, falling linearly to lr_end at the last step (lr_end None: lr at
    every step)."""
    steps = check_int("steps", steps)
    if check_int("step", step) > steps:
        raise ValueError(f"step: expected a step in [1, steps = {steps}], got {step}")
    if lr_end is None:
        return lr
    return lr + (lr_end - lr) * (step - 1) / max(steps - 1, 1)


def transformer_lr(step, d_model: int, warmup: int = 4000):
    """The learning-rate schedule of Vaswani et al. (2017, eq. 3):

        lrate = d_model^-0.5 * min(step^-0.5, step * warmup^-1.5)

    a linear warm-up for ``warmup`` steps, then decay as 1 / sqrt(step); the peak, at step = warmup, is
    (d_model * warmup)^-0.5. Steps count from 1. Accepts a single step or an array of steps.
    """
    steps = np.asarray(step)
    if steps.dtype.kind not in "iuf" or np.any(steps < 1) or not np.all(np.isfinite(steps)):
        raise ValueError(f"step: expected steps >= 1 (counting from 1), got {step!r}")
    steps = steps.astype(np.float64)
    check_int("d_model", d_model)
    check_int("warmup", warmup)
    lr = d_model ** -0.5 * np.minimum(steps ** -0.5, steps * warmup ** -1.5)
    return float(lr) if lr.ndim == 0 else lr
