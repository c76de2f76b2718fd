"""Optimisers as pure functions over parameter dicts.

Every update takes the parameters, their gradients (a dict with the same keys) and the optimiser's
state, and returns *new* parameters and state; nothing is modified in place.

Equations
---------
SGD:   theta <- theta - lr * g
Adam (Kingma & Ba, 2015), with step count k starting at 1:
       m <- beta1 m + (1 - beta1) g          v <- beta2 v + (1 - beta2) g^2
       m_hat = m / (1 - beta1^k)             v_hat = v / (1 - beta2^k)
       theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["sgd_step", "AdamState", "adam_init", "adam_step"]


def _check_same_keys(params, grads):
    if set(params) != set(grads):
        raise ValueError(f"grads: expected the keys of params {sorted(params)}, got {sorted(grads)}")
    for key in params:
        if np.shape(grads[key]) != np.shape(params[key]):
            raise ValueError(f"grads[{key!r}]: expected shape {np.shape(params[key])}, got {np.shape(grads[key])}")


def sgd_step(params: dict, grads: dict, lr: float) -> dict:
    """Plain gradient descent. Returns the new parameters."""
    _check_same_keys(params, grads)
    return {k: params[k] - lr * grads[k] for k in params}


@dataclass
class AdamState:
    """Adam's moving averages (m, v: dicts shaped like the parameters) and its step count."""

    m: dict = field(default_factory=dict)
    v: dict = field(default_factory=dict)
    step: int = 0


def adam_init(params: dict) -> AdamState:
    """A fresh Adam state: zero moments for every parameter."""
    return AdamState(m={k: np.zeros_like(v) for k, v in params.items()},
                     v={k: np.zeros_like(v) for k, v in params.items()}, step=0)


def adam_step(params: dict, grads: dict, state: AdamState, lr: float = 1e-3, beta1: float = 0.9,
              beta2: float = 0.999, eps: float = 1e-8):
    """One Adam update. Returns (new_params, new_state)."""
    _check_same_keys(params, grads)
    step = state.step + 1
    m = {k: beta1 * state.m[k] + (1 - beta1) * grads[k] for k in params}
    v = {k: beta2 * state.v[k] + (1 - beta2) * grads[k] ** 2 for k in params}
    new = {}
    for k in params:
        m_hat = m[k] / (1 - beta1 ** step)
        v_hat = v[k] / (1 - beta2 ** step)
        new[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new, AdamState(m=m, v=v, step=step)
