"""How a gradient changes as it travels back through time (notebook 06), and through the depth of a stack
of Transformer layers at initialisation (:class:`EncoderStackProbe`, notebook 09).

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
from .losses import softmax_cross_entropy
from .seeding import check_rng
from .shapes import check_array, check_choice, check_finite, check_int, check_nonempty, check_real
from .transformer_layers import (check_norm, encoder_layer_backward, encoder_layer_forward, init_encoder_layer,
                                 init_layer_norm, layer_norm_backward, layer_norm_forward)

__all__ = ["GAMMA", "GradientFlowProbe", "RNNFlow", "LSTMFlow", "safe_norms", "pascanu_bound", "EncoderStackProbe",
           "StackGradients"]

GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "identity": 1.0}  # sup |f'(a)|


def safe_norms(g) -> np.ndarray:
    """Euclidean norm of each g[t] (any trailing shape) without overflow in the squares.

    ||v|| = m * sqrt(sum((v / m)^2)) with m = max |v|: finite whenever every entry is finite;
    0 when g[t] is all zeros (underflow), inf when an entry is inf.
    """
    g = check_array("g", g)
    if g.ndim < 1:
        raise ValueError(f"g: expected an array (T, ...) with one gradient per step, got shape {g.shape}")
    check_nonempty("g", g, what="entry (one step with at least one entry)")
    g = g.astype(np.float64, copy=False)
    flat = np.abs(g.reshape(len(g), -1))  # (T, everything else)
    m = flat.max(axis=1)  # (T,)
    finite = np.isfinite(m) & (m > 0)
    out = np.where(np.isfinite(m), 0.0, np.inf)  # (T,): 0 for all-zero rows, inf for inf/nan rows
    scaled = flat[finite] / m[finite, None]
    out[finite] = m[finite] * np.sqrt(np.sum(scaled * scaled, axis=1))
    return out


def pascanu_bound(gamma: float, lambda1: float, lags) -> np.ndarray:
    """(gamma * lambda_1) ** lag, computed in log space so that no power overflows or underflows early.

    gamma >= 0 (the bound on |f'|), lambda1 >= 0 (a largest singular value) and lags >= 0 (steps back), all finite.
    """
    check_real("gamma", gamma, inclusive=True, what="a non-negative finite bound on |f'|")
    check_real("lambda1", lambda1, inclusive=True, what="a non-negative finite singular value")
    lags = check_finite("lags", check_array("lags", lags))
    if np.any(lags < 0):
        raise ValueError(f"lags: expected non-negative numbers of steps, got a minimum of {lags.min()}")
    lags = lags.astype(np.float64, copy=False)
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
            check_int(name, value)
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
        check_real("lambda1", lambda1, inclusive=True, what="a finite non-negative number")
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
        check_choice("activation", activation, tuple(GAMMA))
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
        check_real("forget_bias", forget_bias, minimum=None)
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


# --------------------------------------------------------------------------- through the depth of a Transformer (notebook 09)

class StackGradients(NamedTuple):
    """The gradients of one loss through a stack of n encoder layers at initialisation (one measurement)."""

    norm: str                 # "post" or "pre"
    layers: np.ndarray        # (n,) 1 ... n, counted from the input
    param_norms: np.ndarray   # (n,) ||dL/dtheta_l||: all of layer l's parameters as one vector
    ffn_norms: np.ndarray     # (n,) ||dL/dW_2|| of layer l's feed-forward (the weight Xiong et al. analyse)
    input_norms: np.ndarray   # (n + 1,) ||dL/dx_l|| for the input x_l of layer l; [n] is the stack's output
    loss: float


class EncoderStackProbe:
    """Measure, with the real backward passes, how large each layer's gradients are at initialisation in a
    stack of encoder layers, post-LN or pre-LN (Xiong et al. 2020, "On Layer Normalization in the
    Transformer Architecture").

    Setting: x_0 (N, T, d_model) standard normal tokens; x_{l+1} = EncoderLayer_l(x_l); a final layer norm for
    pre-LN (as pre-LN models have); logits = F W_out with W_out ~ N(0, 1/d_model) (d_model, vocab); the loss is
    the mean softmax cross-entropy against random targets. Everything random is drawn once, in __init__, for
    ``max_layers`` layers; :meth:`measure` uses the first n of them, so that post and pre, and different depths,
    share the same weights.
    """

    def __init__(self, rng: np.random.Generator, d_model: int = 64, h: int = 4, d_ff: int = 256,
                 max_layers: int = 12, T: int = 10, N: int = 8, vocab: int = 50):
        check_rng(rng)
        for name, value in (("d_model", d_model), ("h", h), ("d_ff", d_ff), ("max_layers", max_layers), ("T", T),
                            ("N", N), ("vocab", vocab)):
            check_int(name, value)
        self.h, self.max_layers = h, max_layers
        self.layers = [init_encoder_layer(d_model, h, d_ff, rng) for _ in range(max_layers)]
        self.x = rng.standard_normal((N, T, d_model))  # (N, T, d_model)
        self.W_out = rng.standard_normal((d_model, vocab)) / np.sqrt(d_model)  # (d_model, vocab)
        self.targets = rng.integers(0, vocab, size=(N, T))  # (N, T)
        self.final_ln = init_layer_norm(d_model)

    def measure(self, n_layers: int, norm: str) -> StackGradients:
        """One forward and backward pass through the first n_layers layers."""
        check_norm(norm)
        check_int("n_layers", n_layers)
        if n_layers > self.max_layers:
            raise ValueError(f"n_layers: expected at most max_layers = {self.max_layers}, got {n_layers}")
        x, caches = self.x, []
        for params in self.layers[:n_layers]:
            x, cache = encoder_layer_forward(params, x, self.h, norm=norm)  # (N, T, d_model)
            caches.append(cache)
        features, ln_cache = (x, None) if norm == "post" else layer_norm_forward(self.final_ln, x)
        loss, dlogits = softmax_cross_entropy(features @ self.W_out, self.targets, batch_axis=None)  # (N, T, vocab)
        dx = dlogits @ self.W_out.T  # (N, T, d_model)
        if ln_cache is not None:
            dx, _ = layer_norm_backward(dx, ln_cache)
        input_norms, param_norms, ffn_norms = [np.linalg.norm(dx)], [], []
        for cache in reversed(caches):
            dx, grads = encoder_layer_backward(dx, cache)
            input_norms.append(np.linalg.norm(dx))
            param_norms.append(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
            ffn_norms.append(np.linalg.norm(grads["ffn.W_2"]))
        return StackGradients(norm, np.arange(1, n_layers + 1), np.array(param_norms[::-1]),
                              np.array(ffn_norms[::-1]), np.array(input_norms[::-1]), loss)
