"""How a gradient changes as it travels back through time: the measurements behind notebook 06.

Setting (one sequence, N = 1, so that every norm belongs to one concrete run)
-------
A loss on the last output only, L = u^T h_{T-1}, with u a fixed random unit vector. Then

    g_k = dL/dh_k = (dh_{T-1} / dh_k)^T u,            k = T-1, T-2, ..., 0

and ||g_k|| against the lag T-1-k shows how much of the error survives k steps back. Every norm is
computed by the real backward passes (:func:`helpers.rnn.state_gradients`,
:func:`helpers.lstm.state_gradients`), never by a formula standing in for them.

Simple RNN (Pascanu, Mikolov & Bengio 2013, sec. 2.1), h_t = f(W h_{t-1} + U x_t + b):

    dh_t / dh_{t-1} = diag(f'(a_t)) W,      so      ||g_k|| <= (gamma * lambda_1) ** (T-1-k) * ||u||

with gamma the bound on |f'| (1 for tanh and identity, 1/4 for sigmoid) and lambda_1 the largest
singular value of W. lambda_1 < 1/gamma is *sufficient* for the gradient to vanish; lambda_1 > 1/gamma
is *necessary* (not sufficient) for it to explode. Over many steps a linear RNN's gradient grows or
shrinks like rho^lag, with rho <= lambda_1 the spectral radius (largest |eigenvalue|) of W; for a
random Gaussian W, rho is about lambda_1 / 2.

LSTM (Greff et al. notation, no peepholes): the cell path gives

    dc_t / dc_{t-1} = diag(f_t) + (terms through y_{t-1} = o_{t-1} * tanh(c_{t-1}) and R_z, R_i, R_f)

so along the cell alone the gradient is multiplied by the forget gates, not by a weight matrix:
``cell_path[k] = || (f_{k+1} * f_{k+2} * ... * f_{T-1}) * dL/dc_{T-1} ||``, what would reach c_k if
the gradient travelled along the cell and nowhere else. Forget gates near 1 (a forget-gate
bias of 1, Jozefowicz et al. 2015) keep that product from shrinking.

:class:`GradientFlowProbe` draws its random numbers once, so that moving one slider changes one
setting and nothing else.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import lstm, rnn
from .seeding import check_rng

__all__ = ["GAMMA", "GradientFlowProbe", "RNNFlow", "LSTMFlow", "safe_norms", "pascanu_bound"]

GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "identity": 1.0}  # sup |f'(a)|


def safe_norms(g) -> np.ndarray:
    """Euclidean norm of each g[t] (any trailing shape) without overflow in the squares.

    ||v|| = m * sqrt(sum((v / m)^2)) with m = max |v|: finite whenever every entry is finite;
    0 when g[t] is all zeros (underflow), inf when an entry is inf.
    """
    g = np.asarray(g, dtype=np.float64)
    flat = np.abs(g.reshape(len(g), -1))  # (T, everything else)
    m = flat.max(axis=1)  # (T,)
    finite = np.isfinite(m) & (m > 0)
    out = np.where(np.isfinite(m), 0.0, np.inf)  # (T,): 0 for all-zero rows, inf for inf/nan rows
    scaled = flat[finite] / m[finite, None]
    out[finite] = m[finite] * np.sqrt(np.sum(scaled * scaled, axis=1))
    return out


def pascanu_bound(gamma: float, lambda1: float, lags) -> np.ndarray:
    """(gamma * lambda_1) ** lag, computed in log space so that no power overflows or underflows early."""
    lags = np.asarray(lags, dtype=np.float64)
    rate = gamma * lambda1
    if rate <= 0:
        return np.where(lags == 0, 1.0, 0.0)
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(lags * np.log(rate))  # 0 or inf where the power leaves float64's range


class RNNFlow(NamedTuple):
    """The measured gradient norms of one simple-RNN setting (N = 1)."""

    lags: np.ndarray    # (T,) T-1-k for k = 0 ... T-1
    norms: np.ndarray   # (T,) ||dL/dh_k||, indexed by k
    bound: np.ndarray   # (T,) (gamma lambda_1)^(T-1-k), indexed by k
    gamma: float
    lambda1: float
    rho: float          # spectral radius of W (largest |eigenvalue|), <= lambda1
    activation: str
    params: dict        # the RNN core actually used
    x: np.ndarray       # (T, 1, D)
    u: np.ndarray       # (H,) the loss direction, L = u^T h_{T-1}
    h: np.ndarray       # (T, 1, H)


class LSTMFlow(NamedTuple):
    """The measured gradient norms of one LSTM setting (N = 1, no peepholes)."""

    lags: np.ndarray       # (T,)
    dy_norms: np.ndarray   # (T,) ||dL/dy_k||
    dc_norms: np.ndarray   # (T,) ||dL/dc_k||
    cell_path: np.ndarray  # (T,) ||(f_{k+1} ... f_{T-1}) * dL/dc_{T-1}||: the cell path alone
    f: np.ndarray          # (T, H) forget-gate values
    forget_bias: float
    lambda1: float
    params: dict
    x: np.ndarray          # (T, 1, D)
    u: np.ndarray          # (H,)


def _scaled_to(matrix, lambda1):
    """matrix rescaled so that its largest singular value is lambda1."""
    return matrix * (lambda1 / np.linalg.norm(matrix, 2))


class GradientFlowProbe:
    """Fixed random draws for the gradient-flow experiments; settings are chosen per call.

    Inputs:  rng; max_steps, max_hidden: the largest T and H that will be asked for; input_size D
    The RNN uses U[:H] (H, D), W = lambda_1 * W0[:H, :H] / ||W0[:H, :H]||_2, b = 0; the LSTM uses
    W_k[:H] and R_k = lambda_1 * R0_k[:H, :H] / ||R0_k[:H, :H]||_2 for each gate, b_f = forget_bias,
    other biases 0. Inputs x[:T] are standard normal; u is the first H entries of a fixed vector,
    normalised.
    """

    def __init__(self, rng: np.random.Generator, max_steps: int = 200, max_hidden: int = 64,
                 input_size: int = 4):
        check_rng(rng)
        for name, value in (("max_steps", max_steps), ("max_hidden", max_hidden), ("input_size", input_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: expected a positive int, got {value!r}")
        self.max_steps, self.max_hidden, self.input_size = max_steps, max_hidden, input_size
        T, H, D = max_steps, max_hidden, input_size
        self.x = rng.standard_normal((T, 1, D))  # (T, 1, D)
        self.U = rng.standard_normal((H, D)) / np.sqrt(D)  # (H, D)
        self.W0 = rng.standard_normal((H, H))  # (H, H): direction of W; its scale is a setting
        self.u = rng.standard_normal(H)  # (H,)
        self.W_gates = rng.standard_normal((4, H, D)) / np.sqrt(D)  # (4, H, D): W_z, W_i, W_f, W_o
        self.R0 = rng.standard_normal((4, H, H))  # (4, H, H): directions of R_z, R_i, R_f, R_o
        self._unit = {}  # H -> (W0 and R0 blocks scaled to singular value 1), computed once per H

    def _check(self, lambda1, T, H):
        if not (np.isfinite(lambda1) and lambda1 >= 0):
            raise ValueError(f"lambda1: expected a finite non-negative number, got {lambda1!r}")
        if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or not 1 <= T <= self.max_steps:
            raise ValueError(f"T: expected an int in [1, {self.max_steps}], got {T!r}")
        if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or not 1 <= H <= self.max_hidden:
            raise ValueError(f"H: expected an int in [1, {self.max_hidden}], got {H!r}")
        if H not in self._unit:
            W1 = _scaled_to(self.W0[:H, :H], 1.0)  # (H, H), largest singular value 1
            self._unit[H] = (W1, np.stack([_scaled_to(R[:H, :H], 1.0) for R in self.R0]),
                             float(np.max(np.abs(np.linalg.eigvals(W1)))))
        u = self.u[:H] / np.linalg.norm(self.u[:H])  # (H,)
        return u, *self._unit[H]

    def rnn(self, lambda1: float, T: int, H: int, activation: str = "tanh") -> RNNFlow:
        """Measure ||dL/dh_k|| for every k with a simple RNN of the given setting."""
        u, W1, _, rho1 = self._check(lambda1, T, H)
        if activation not in GAMMA:
            raise ValueError(f"activation: expected one of {tuple(GAMMA)}, got {activation!r}")
        params = {"U": self.U[:H], "W": lambda1 * W1, "b": np.zeros(H)}
        x = self.x[:T]  # (T, 1, D)
        with np.errstate(over="ignore", invalid="ignore"):  # identity with lambda_1 > 1 may overflow: shown as inf
            h, cache = rnn.forward(params, x, activation=activation)
            dh = np.zeros_like(h)  # (T, 1, H): the loss reads the last step only
            dh[-1, 0] = u
            g = rnn.state_gradients(dh, cache)  # (T, 1, H)
        lags = np.arange(T - 1, -1, -1)  # (T,) T-1-k
        return RNNFlow(lags, safe_norms(g), pascanu_bound(GAMMA[activation], lambda1, lags), GAMMA[activation],
                       float(lambda1), float(lambda1) * rho1, activation, params, x, u, h)

    def lstm(self, lambda1: float, T: int, H: int, forget_bias: float = 0.0) -> LSTMFlow:
        """Measure ||dL/dy_k||, ||dL/dc_k|| and the cell-path product for an LSTM of the given setting."""
        u, _, R1, _ = self._check(lambda1, T, H)
        if not np.isfinite(forget_bias):
            raise ValueError(f"forget_bias: expected a finite number, got {forget_bias!r}")
        params = {}
        for k, gate in enumerate(lstm.GATES):
            params[f"W_{gate}"] = self.W_gates[k, :H]  # (H, D)
            params[f"R_{gate}"] = lambda1 * R1[k]  # (H, H)
            params[f"b_{gate}"] = np.full(H, float(forget_bias) if gate == "f" else 0.0)  # (H,)
        x = self.x[:T]  # (T, 1, D)
        y, cache = lstm.forward(params, x)
        dy = np.zeros_like(y)  # (T, 1, H)
        dy[-1, 0] = u
        dy_total, dc_total = lstm.state_gradients(dy, cache)  # (T, 1, H) each
        f = cache.f[:, 0]  # (T, H)
        # products f_{k+1} ... f_{T-1}: a reversed cumulative product, shifted so that k = T-1 gets 1
        suffix = np.ones((T, H))  # (T, H)
        if T > 1:
            suffix[:-1] = np.cumprod(f[:0:-1], axis=0)[::-1]
        lags = np.arange(T - 1, -1, -1)
        return LSTMFlow(lags, safe_norms(dy_total), safe_norms(dc_total), safe_norms(suffix * dc_total[-1, 0]), f,
                        float(forget_bias), float(lambda1), params, x, u)
