"""The simple recurrent network (Elman RNN): forward pass and backpropagation through time (BPTT).

Notation (Goodfellow, Bengio & Courville, *Deep Learning*, ch. 10; a batch stores one sequence per row
of the N axis, and the row-vector layout ``x[t] @ U.T`` computes ``U x`` for every sequence at once)
--------
x    (T, N, D)  inputs, time-major: x[t] is step t of every sequence
h0   (N, H)     the initial state (zeros by default), written h_{-1} below; not the same as h[0]
h    (T, N, H)  hidden states: h[t] is the state after input x[t], t = 0 ... T-1
U    (H, D)     input -> hidden weights        W (H, H) hidden -> hidden weights      b (H,) bias
V    (K, H)     hidden -> output weights       c (K,)   output bias (the output layer, see below)

Equations (eqs. 10.8-10.11)
---------
a_t = b + W h_{t-1} + U x_t
h_t = f(a_t)                    f = tanh (the default); sigmoid or identity for the experiments of notebook 06
o_t = c + V h_t                 (output layer: :func:`output_forward`)
yhat_t = softmax(o_t)           (in the loss: :func:`helpers.losses.softmax_cross_entropy`)

Backward (eqs. 10.17-10.28), with g_t = dL/dh_t the *total* gradient reaching h_t:
g_t        = dh_t (from the output at step t) + W^T diag(f'(a_{t+1})) g_{t+1}
da_t       = diag(f'(a_t)) g_t                 f'(a_t) = 1 - h_t^2 for tanh, h_t (1 - h_t) for sigmoid, 1
dL/dU      = sum_t da_t x_t^T      dL/dW = sum_t da_t h_{t-1}^T      dL/db = sum_t da_t
dL/dx_t    = U^T da_t              dL/dh0 = W^T da_0

The parameters do not depend on t; the errors do. The gradient of a parameter is the *sum over time*
of per-step contributions, each computed from that step's error.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .seeding import check_rng
from .shapes import check_array, check_choice, check_float_dtype, check_instance, check_int, check_params, check_real

__all__ = [
    "init_params", "step_forward", "step_backward", "forward", "backward", "truncated_backward",
    "error_contributions", "per_step_contributions", "state_gradients", "init_output_params",
    "output_forward", "output_backward", "StepCache", "RNNCache", "OutputCache", "PARAM_SPECS",
    "OUTPUT_SPECS", "ACTIVATIONS",
]

PARAM_SPECS = {"U": ("H", "D"), "W": ("H", "H"), "b": ("H",)}
ACTIVATIONS = ("tanh", "sigmoid", "identity")  # f; the bound gamma on |f'| is 1, 1/4 and 1
OUTPUT_SPECS = {"V": ("K", "H"), "c": ("K",)}


def init_params(input_size: int, hidden_size: int, rng: np.random.Generator,
                weight_scale: float = 1.0, dtype=np.float64) -> dict:
    """Random RNN core parameters: U ~ N(0, 1/D), W ~ N(0, weight_scale^2 / H), b = 0.

    For large H and weight_scale = 1, the spectral radius of W is close to 1 and its largest singular
    value close to 2 (both a little lower for small H); notebook 06 turns this knob to make gradients
    vanish or explode.

    Returns: {"U": (H, D), "W": (H, H), "b": (H,)}
    """
    check_rng(rng)
    check_int("input_size", input_size)
    check_int("hidden_size", hidden_size)
    dtype = check_float_dtype(dtype)
    check_real("weight_scale", weight_scale, inclusive=True, what="a finite non-negative number")
    D, H = input_size, hidden_size
    U = rng.standard_normal((H, D)) / np.sqrt(D)  # (H, D)
    W = weight_scale * rng.standard_normal((H, H)) / np.sqrt(H)  # (H, H)
    return {"U": U.astype(dtype), "W": W.astype(dtype), "b": np.zeros(H, dtype=dtype)}


class StepCache(NamedTuple):
    """What one step's backward needs."""

    x_t: np.ndarray     # (N, D)
    h_prev: np.ndarray  # (N, H)
    h_t: np.ndarray     # (N, H)
    U: np.ndarray       # (H, D)
    W: np.ndarray       # (H, H)


def step_forward(params: dict, x_t, h_prev):
    """One step: h_t = tanh(b + W h_{t-1} + U x_t).

    Inputs:  params {"U", "W", "b"}; x_t (N, D); h_prev (N, H)
    Returns: h_t (N, H); StepCache
    """
    dims = check_params(params, PARAM_SPECS)
    x_t = check_array("x_t", x_t, ("N", "D"), dims)
    h_prev = check_array("h_prev", h_prev, ("N", "H"), dims)
    a_t = params["b"] + h_prev @ params["W"].T + x_t @ params["U"].T  # (N, H)
    h_t = np.tanh(a_t)  # (N, H)
    return h_t, StepCache(x_t=x_t, h_prev=h_prev, h_t=h_t, U=params["U"], W=params["W"])


def step_backward(dh_t, cache: StepCache):
    """Backward of one step, given the total gradient dL/dh_t reaching this step.

    Inputs:  dh_t (N, H); StepCache
    Returns: dx_t (N, D); dh_prev (N, H); grads {"U": (H, D), "W": (H, H), "b": (H,)}
    """
    if not isinstance(cache, StepCache):
        raise ValueError(f"cache: expected the StepCache returned by step_forward, got {type(cache).__name__}")
    dh_t = check_array("dh_t", dh_t, cache.h_t.shape)
    da = dh_t * (1.0 - cache.h_t ** 2)  # (N, H): diag(1 - h_t^2) g_t
    grads = {"U": da.T @ cache.x_t, "W": da.T @ cache.h_prev, "b": da.sum(axis=0)}
    return da @ cache.U, da @ cache.W, grads  # dx_t (N, D), dh_prev (N, H)


class RNNCache(NamedTuple):
    """What the sequence backward needs: inputs, initial state, every hidden state, the weights.

    U and W are the parameter arrays themselves, not copies: update parameters by making new arrays
    (as :mod:`helpers.optim` does), not in place, between a forward pass and its backward pass.
    """

    x: np.ndarray   # (T, N, D)
    h0: np.ndarray  # (N, H)
    h: np.ndarray   # (T, N, H)
    U: np.ndarray   # (H, D)
    W: np.ndarray   # (H, H)
    activation: str = "tanh"

    @property
    def h_prev(self) -> np.ndarray:
        """(T, N, H): the state each step started from, h_{t-1} (h0 for the first step)."""
        return np.concatenate([self.h0[None], self.h[:-1]], axis=0)


def _validate(params, x, h0):
    dims = check_params(params, PARAM_SPECS)
    x = check_array("x", x, ("T", "N", "D"), dims)
    if dims["T"] < 1:
        raise ValueError(f"x: expected at least one time step, got shape {x.shape}")
    if h0 is None:
        dtype = np.result_type(x, params["U"], params["W"], params["b"])
        h0 = np.zeros((dims["N"], dims["H"]), dtype=dtype)  # (N, H)
    else:
        h0 = check_array("h0", h0, ("N", "H"), dims)
    return x, h0


def _check_activation(activation):
    check_choice("activation", activation, ACTIVATIONS)


def _activation_derivative(cache):
    """f'(a_t) for every step, (T, N, H), from the stored outputs h_t = f(a_t)."""
    h = cache.h
    if cache.activation == "tanh":
        return 1.0 - h ** 2
    if cache.activation == "sigmoid":
        return h * (1.0 - h)
    return np.ones_like(h)


def forward(params: dict, x, h0=None, activation: str = "tanh"):
    """Run the RNN core over a whole sequence batch.

    The input projection U x_t + b for all T steps is one matrix product; the loop over time does only
    the part that is truly sequential, W h_{t-1}.

    Inputs:  params {"U": (H, D), "W": (H, H), "b": (H,)}; x (T, N, D); h0 (N, H) or None for zeros;
             activation f: "tanh" (default), "sigmoid" or "identity"
    Returns: h (T, N, H); RNNCache
    """
    _check_activation(activation)
    x, h0 = _validate(params, x, h0)
    T = x.shape[0]
    U, W = params["U"], params["W"]
    dtype = np.result_type(x, h0, U, W, params["b"])
    N, D = x.shape[1], x.shape[2]
    H = W.shape[0]
    a_in = (x.reshape(T * N, D) @ U.T + params["b"]).reshape(T, N, H)  # (T, N, H): input part, all steps
    h = a_in.astype(dtype, copy=True)  # (T, N, H): starts as the input part, becomes tanh(a_t) in place
    W_T = np.ascontiguousarray(W.T, dtype=dtype)  # (H, H)
    rec = np.empty((N, H), dtype=dtype)  # (N, H): workspace for W h_{t-1}
    h_prev = h0
    for t in range(T):
        np.matmul(h_prev, W_T, out=rec)  # (N, H): W h_{t-1}
        rec += h[t]  # a_t
        if activation == "tanh":
            h_prev = np.tanh(rec, out=h[t])  # (N, H), written straight into h
        elif activation == "sigmoid":
            np.multiply(rec, 0.5, out=h[t])
            np.tanh(h[t], out=h[t])
            h[t] *= 0.5
            h[t] += 0.5  # sigma(a) = (1 + tanh(a / 2)) / 2: no overflow for any a
            h_prev = h[t]
        else:
            h[t] = rec
            h_prev = h[t]
    return h, RNNCache(x=x, h0=h0, h=h, U=U, W=W, activation=activation)


def _check_dh(dh, cache):
    if not isinstance(cache, RNNCache):
        raise ValueError(f"cache: expected the RNNCache returned by rnn.forward, got {type(cache).__name__}")
    return check_array("dh", dh, cache.h.shape)


def _backward_da(dh, cache, record=None):
    """The BPTT recursion: da[t] = dL/da_t for every step, and dL/dh0.

    With ``record`` (a (T, N, H) array), also stores the total gradient g_t = dL/dh_t of every step.
    """
    T = dh.shape[0]
    dtype = np.result_type(dh, cache.h, cache.W)
    da = _activation_derivative(cache)  # (T, N, H): f'(a_t) for every step at once; becomes dL/da_t
    da = da.astype(dtype, copy=False)
    W = cache.W.astype(dtype, copy=False)
    g = np.empty(dh.shape[1:], dtype=dtype)  # (N, H): workspace for the total dL/dh_t
    g_next = np.zeros(dh.shape[1:], dtype=dtype)  # (N, H): gradient flowing back from step t+1 into h_t
    for t in range(T - 1, -1, -1):
        np.add(dh[t], g_next, out=g)  # total dL/dh_t
        if record is not None:
            record[t] = g
        da[t] *= g  # (N, H): diag(f'(a_t)) g_t
        g_next = da[t] @ W  # (N, H): W^T diag(f'(a_t)) g_t, for h_{t-1}
    return da, g_next


def backward(dh, cache: RNNCache):
    """Backpropagation through time.

    ``dh[t]`` is the gradient arriving at h_t *from outside the recurrence* (from the output or loss
    at step t); the recurrence adds the part that flows back from step t+1.

    Inputs:  dh (T, N, H); RNNCache
    Returns: dx (T, N, D); dh0 (N, H); grads {"U": (H, D), "W": (H, H), "b": (H,)}
    """
    dh = _check_dh(dh, cache)
    da, dh0 = _backward_da(dh, cache)
    return _grads_from_da(da, cache, dh0=dh0)


def _grads_from_da(da, cache, dh0):
    """Weight gradients as large products over all steps at once (the sums over t)."""
    T, N, H = da.shape
    D = cache.x.shape[2]
    da_flat = da.reshape(T * N, H)  # (T*N, H)
    grads = {
        "U": da_flat.T @ cache.x.reshape(T * N, D),  # (H, D) = sum_t da_t x_t^T
        # sum_t da_t h_{t-1}^T: steps 1..T-1 pair with h[0..T-2], step 0 with h0
        "W": da[1:].reshape(-1, H).T @ cache.h[:-1].reshape(-1, H) + da[0].T @ cache.h0,  # (H, H)
        "b": da_flat.sum(axis=0),  # (H,)
    }
    dx = (da_flat @ cache.U).reshape(T, N, D)  # (T, N, D)
    return dx, dh0, grads


def state_gradients(dh, cache: RNNCache) -> np.ndarray:
    """The total gradient g_t = dL/dh_t reaching every hidden state: what flows along the recurrence.

    The same recursion as :func:`backward` (g_t = dh_t + W^T diag(f'(a_{t+1})) g_{t+1}), keeping g_t
    for every step. With an error only at the last step, ||g_k|| against k shows the gradient
    vanishing or exploding as it travels back (notebook 06).

    Inputs:  dh (T, N, H); RNNCache
    Returns: g (T, N, H)
    """
    dh = _check_dh(dh, cache)
    g = np.empty(dh.shape, dtype=np.result_type(dh, cache.h, cache.W))  # (T, N, H)
    _backward_da(dh, cache, record=g)
    return g


def truncated_backward(dh, cache: RNNCache, k: int):
    """BPTT in which every error travels at most ``k`` steps back in time.

    The error injected at step s (``dh[s]``) reaches h_s, h_{s-1}, ..., h_{s-k+1} and stops. With
    k = 1 each error stays at the step where it enters (no error passes from h_s back to h_{s-1}), except
    that step 0's still reaches the initial state: dh0 = W^T delta_0. With k >= T this equals :func:`backward`.
    Cost: T*k - k(k-1)/2 step-backward operations (about T*k for k << T) instead of T.

    Inputs:  dh (T, N, H); RNNCache; k >= 1
    Returns: dx (T, N, D); dh0 (N, H); grads — the truncated gradient, same layout as :func:`backward`
    """
    dh = _check_dh(dh, cache)
    check_int("k", k)
    T = dh.shape[0]
    W = cache.W
    deriv = _activation_derivative(cache)  # (T, N, H)
    da = np.zeros_like(cache.h, dtype=np.result_type(dh, cache.h))  # (T, N, H)
    dh0 = np.zeros_like(dh[0])  # (N, H)
    for s in range(T):  # the step where the error enters
        g = dh[s]  # (N, H)
        for t in range(s, max(s - k, -1), -1):  # carry it back k steps at most
            d = g * deriv[t]  # (N, H)
            da[t] += d
            g = d @ W  # (N, H): into h_{t-1}
            if t == 0:
                dh0 += g
    return _grads_from_da(da, cache, dh0=dh0)


def error_contributions(dh, cache: RNNCache) -> np.ndarray:
    """Where each step's error comes from: E[s, t] = the part of dL/dh_t that entered at step s.

    E[s, t] = (dh_s/dh_t)^T dh[s] for s >= t, and 0 for s < t (an error only flows backwards in time).
    Summing over s gives the total gradient g_t = dL/dh_t that :func:`backward` computes.
    Memory grows as T^2 N H: meant for the small examples of the notebooks.

    Inputs:  dh (T, N, H); RNNCache
    Returns: E (T, T, N, H), indexed [source step s, receiving step t]
    """
    dh = _check_dh(dh, cache)
    T = dh.shape[0]
    deriv = _activation_derivative(cache)  # (T, N, H)
    E = np.zeros((T,) + dh.shape, dtype=np.result_type(dh, cache.h))  # (T, T, N, H)
    for s in range(T):
        g = dh[s]  # (N, H)
        for t in range(s, -1, -1):
            E[s, t] = g
            g = (g * deriv[t]) @ cache.W  # into h_{t-1}
    return E


def per_step_contributions(dh, cache: RNNCache) -> dict:
    """Each time step's contribution to each parameter gradient: the terms of the sums over t.

    Returns: {"U": (T, H, D), "W": (T, H, H), "b": (T, H)}; summing over the first axis gives the
    gradients of :func:`backward`.
    """
    dh = _check_dh(dh, cache)
    da, _ = _backward_da(dh, cache)  # (T, N, H): dL/da_t
    return {"U": np.einsum("tnh,tnd->thd", da, cache.x),
            "W": np.einsum("tnh,tnj->thj", da, cache.h_prev),
            "b": da.sum(axis=1)}


# --------------------------------------------------------------------------- the output layer

class OutputCache(NamedTuple):
    h: np.ndarray  # (..., H)
    V: np.ndarray  # (K, H)


def init_output_params(hidden_size: int, output_size: int, rng: np.random.Generator,
                       dtype=np.float64) -> dict:
    """Output layer parameters: V ~ N(0, 1/H), c = 0. Returns {"V": (K, H), "c": (K,)}."""
    check_rng(rng)
    check_int("hidden_size", hidden_size)
    check_int("output_size", output_size)
    dtype = check_float_dtype(dtype)
    V = rng.standard_normal((output_size, hidden_size)) / np.sqrt(hidden_size)  # (K, H)
    return {"V": V.astype(dtype), "c": np.zeros(output_size, dtype=dtype)}


def output_forward(params: dict, h):
    """o = c + V h for every step (or for any stack of hidden states).

    Inputs:  params {"V": (K, H), "c": (K,)}; h (..., H), e.g. (T, N, H) or the last state (N, H)
    Returns: o (..., K); OutputCache
    """
    dims = check_params(params, OUTPUT_SPECS)
    h = check_array("h", h)
    if h.ndim < 1 or h.shape[-1] != dims["H"]:
        raise ValueError(f"h: expected shape (..., H) with H = {dims['H']}, got {h.shape}")
    return h @ params["V"].T + params["c"], OutputCache(h=h, V=params["V"])


def output_backward(do, cache: OutputCache):
    """Backward of :func:`output_forward`.

    Inputs:  do (..., K); OutputCache
    Returns: dh (..., H); grads {"V": (K, H), "c": (K,)}
    """
    check_instance("cache", cache, OutputCache, "the OutputCache returned by output_forward")
    K = cache.V.shape[0]
    do = check_array("do", do, cache.h.shape[:-1] + (K,))
    do_flat = do.reshape(-1, K)  # (M, K)
    h_flat = cache.h.reshape(-1, cache.h.shape[-1])  # (M, H)
    return do @ cache.V, {"V": do_flat.T @ h_flat, "c": do_flat.sum(axis=0)}
