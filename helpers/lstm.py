"""Long short-term memory (LSTM) in the notation of Greff et al., "LSTM: A Search Space Odyssey" (2017).

Notation (one batch row per sequence; the row-vector layout ``x_t @ W_z.T`` computes W_z x_t)
--------
x    (T, N, D)   inputs, time-major          y0, c0 (N, H)  initial output and cell state (zeros)
y    (T, N, H)   block outputs                c      (T, N, H) cell states
W_z, W_i, W_f, W_o  (H, D)  input weights of block input z, input gate i, forget gate f, output gate o
R_z, R_i, R_f, R_o  (H, H)  recurrent weights (from y_{t-1})
b_z, b_i, b_f, b_o  (H,)    biases
p_i, p_f, p_o       (H,)    peephole weights (optional: without these keys the cell has no peepholes)
sigma = logistic sigmoid; g = h = tanh; * is the Hadamard (elementwise) product

Forward (Greff et al., eqs. 1-6, with a bar for pre-activations)
-------
zbar_t = W_z x_t + R_z y_{t-1} + b_z                       z_t = g(zbar_t)          block input
ibar_t = W_i x_t + R_i y_{t-1} + p_i * c_{t-1} + b_i       i_t = sigma(ibar_t)      input gate
fbar_t = W_f x_t + R_f y_{t-1} + p_f * c_{t-1} + b_f       f_t = sigma(fbar_t)      forget gate
c_t    = z_t * i_t + c_{t-1} * f_t                                                  cell
obar_t = W_o x_t + R_o y_{t-1} + p_o * c_t + b_o           o_t = sigma(obar_t)      output gate
y_t    = h(c_t) * o_t                                                               block output
(the output peephole sees the *current* cell c_t; the other two see c_{t-1})

Backward (Greff et al., eqs. 7-14); Delta_t is the gradient from the layer above (``dy[t]``)
--------
dy_t    = Delta_t + R_z^T dzbar_{t+1} + R_i^T dibar_{t+1} + R_f^T dfbar_{t+1} + R_o^T dobar_{t+1}
dobar_t = dy_t * h(c_t) * sigma'(obar_t)
dc_t    = dy_t * o_t * h'(c_t) + p_o * dobar_t + p_i * dibar_{t+1} + p_f * dfbar_{t+1} + dc_{t+1} * f_{t+1}
dfbar_t = dc_t * c_{t-1} * sigma'(fbar_t)
dibar_t = dc_t * z_t * sigma'(ibar_t)
dzbar_t = dc_t * i_t * g'(zbar_t)
dx_t    = W_z^T dzbar_t + W_i^T dibar_t + W_f^T dfbar_t + W_o^T dobar_t
dW_* = sum_t d*bar_t x_t^T     dR_* = sum_t d*bar_t y_{t-1}^T     db_* = sum_t d*bar_t
dp_i = sum_t c_{t-1} * dibar_t     dp_f = sum_t c_{t-1} * dfbar_t     dp_o = sum_t c_t * dobar_t

Reading order: start with ``step_forward`` and ``step_backward``, the equations above line by line for one step;
``forward`` and ``backward`` compute the same numbers for a whole sequence, fused and sign-scaled for speed.

Implementation: the four gates are fused. One matrix product computes the input part of all four
pre-activations for all T steps; each step does one batched (N, H) x (H, H) product per gate for the
recurrent part; the weight gradients are large products after the loop. Gate values are stored
gate-major, (4, T, N, H), so that each gate's numbers are contiguous in memory, and one exp call per step
serves all four nonlinearities (tanh(a) = 2 sigma(2a) - 1): exp costs much less than tanh.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .seeding import check_rng
from .shapes import check_array, check_float_dtype, check_int, check_params, check_real

__all__ = ["GATES", "PEEPHOLES", "CELL_EDGES", "init_params", "has_peepholes", "step_forward", "step_backward",
           "forward", "backward", "state_gradients", "cell_delta_terms", "StepCache", "LSTMCache"]

GATES = ("z", "i", "f", "o")
PEEPHOLES = ("p_i", "p_f", "p_o")
CELL_EDGES = ("y", "obar", "ibar_next", "fbar_next", "c_next")  # the edges leaving c_t (cell_delta_terms)
_SPECS = {**{f"W_{g}": ("H", "D") for g in GATES}, **{f"R_{g}": ("H", "H") for g in GATES},
          **{f"b_{g}": ("H",) for g in GATES}, **{p: ("H",) for p in PEEPHOLES}}


def _sigmoid(a):
    return 0.5 + 0.5 * np.tanh(0.5 * a)  # = 1 / (1 + exp(-a)), without overflow, one tanh call


def init_params(input_size: int, hidden_size: int, rng: np.random.Generator, peepholes: bool = True,
                forget_bias: float = 0.0, dtype=np.float64) -> dict:
    """Random LSTM parameters: W_* ~ N(0, 1/D), R_* ~ N(0, 1/H), peepholes ~ N(0, 0.1^2), biases 0
    except b_f = forget_bias (1.0 is the common choice of Jozefowicz et al., 2015).

    Returns: dict with W_z..W_o (H, D), R_z..R_o (H, H), b_z..b_o (H,), and p_i, p_f, p_o (H,) if peepholes
    """
    check_rng(rng)
    check_int("input_size", input_size)
    check_int("hidden_size", hidden_size)
    dtype = check_float_dtype(dtype)
    forget_bias = check_real("forget_bias", forget_bias, minimum=None)
    if not isinstance(peepholes, (bool, np.bool_)):
        raise ValueError(f"peepholes: expected True or False, got {peepholes!r}")
    D, H = input_size, hidden_size
    params = {}
    for g in GATES:
        params[f"W_{g}"] = rng.standard_normal((H, D)) / np.sqrt(D)  # (H, D)
    for g in GATES:
        params[f"R_{g}"] = rng.standard_normal((H, H)) / np.sqrt(H)  # (H, H)
    for g in GATES:
        params[f"b_{g}"] = np.full(H, forget_bias if g == "f" else 0.0)  # (H,)
    if peepholes:
        for p in PEEPHOLES:
            params[p] = 0.1 * rng.standard_normal(H)  # (H,)
    return {k: v.astype(dtype) for k, v in params.items()}


def has_peepholes(params: dict) -> bool:
    """True if the cell has peephole connections (all three p_* keys), False if none."""
    if not isinstance(params, Mapping):
        raise ValueError(f"params: expected a dict of arrays, got {type(params).__name__}")
    present = [p for p in PEEPHOLES if p in params]
    if present and len(present) != len(PEEPHOLES):
        missing = [p for p in PEEPHOLES if p not in params]
        raise ValueError(f"params: has peepholes {present} but is missing {missing}; "
                         f"give all of {list(PEEPHOLES)} or none")
    return bool(present)


def _validate_params(params):
    dims = check_params(params, _SPECS, optional=PEEPHOLES)
    return dims, has_peepholes(params)


def _fused(params, dtype):
    W_all = np.concatenate([params[f"W_{g}"] for g in GATES]).astype(dtype, copy=False)  # (4H, D)
    R_all = np.concatenate([params[f"R_{g}"] for g in GATES]).astype(dtype, copy=False)  # (4H, H)
    b_all = np.concatenate([params[f"b_{g}"] for g in GATES]).astype(dtype, copy=False)  # (4H,)
    return W_all, R_all, b_all


def _peep(params, peep, H, dtype):
    if peep:
        return tuple(params[p].astype(dtype, copy=False) for p in PEEPHOLES)
    zero = np.zeros(H, dtype=dtype)
    return zero, zero, zero


# --------------------------------------------------------------------------- one step

class StepCache(NamedTuple):
    """Everything one step's backward needs (gate values are after their nonlinearity)."""

    x_t: np.ndarray     # (N, D)
    y_prev: np.ndarray  # (N, H)
    c_prev: np.ndarray  # (N, H)
    z: np.ndarray       # (N, H)
    i: np.ndarray       # (N, H)
    f: np.ndarray       # (N, H)
    o: np.ndarray       # (N, H)
    c: np.ndarray       # (N, H)
    tanh_c: np.ndarray  # (N, H)
    params: dict


def step_forward(params: dict, x_t, y_prev, c_prev):
    """One LSTM step (Greff eqs. 1-6). Returns y_t (N, H), c_t (N, H), StepCache."""
    dims, peep = _validate_params(params)
    x_t = check_array("x_t", x_t, ("N", "D"), dims)
    y_prev = check_array("y_prev", y_prev, ("N", "H"), dims)
    c_prev = check_array("c_prev", c_prev, ("N", "H"), dims)
    P = lambda name: params[name] if peep else 0.0  # noqa: E731
    pre = {g: x_t @ params[f"W_{g}"].T + y_prev @ params[f"R_{g}"].T + params[f"b_{g}"] for g in GATES}
    z = np.tanh(pre["z"])
    i = _sigmoid(pre["i"] + P("p_i") * c_prev)
    f = _sigmoid(pre["f"] + P("p_f") * c_prev)
    c = z * i + c_prev * f
    o = _sigmoid(pre["o"] + P("p_o") * c)
    tanh_c = np.tanh(c)
    return tanh_c * o, c, StepCache(x_t, y_prev, c_prev, z, i, f, o, c, tanh_c, params)


def step_backward(dy_t, dc_t, cache: StepCache):
    """Backward of one step.

    Inputs:  dy_t (N, H): total gradient reaching y_t (from above and from step t+1);
             dc_t (N, H): gradient reaching c_t from step t+1 (dc_{t+1} * f_{t+1} + peephole terms);
             StepCache
    Returns: dx_t (N, D), dy_prev (N, H), dc_prev (N, H), grads keyed like params
    """
    if not isinstance(cache, StepCache):
        raise ValueError(f"cache: expected the StepCache returned by step_forward, got {type(cache).__name__}")
    dy_t = check_array("dy_t", dy_t, cache.c.shape)
    dc_t = check_array("dc_t", dc_t, cache.c.shape)
    p = cache.params
    peep = has_peepholes(p)
    P = lambda name: p[name] if peep else 0.0  # noqa: E731
    do_bar = dy_t * cache.tanh_c * cache.o * (1 - cache.o)
    dc = dc_t + dy_t * cache.o * (1 - cache.tanh_c ** 2) + P("p_o") * do_bar
    df_bar = dc * cache.c_prev * cache.f * (1 - cache.f)
    di_bar = dc * cache.z * cache.i * (1 - cache.i)
    dz_bar = dc * cache.i * (1 - cache.z ** 2)
    d = {"z": dz_bar, "i": di_bar, "f": df_bar, "o": do_bar}
    grads = {}
    for g in GATES:
        grads[f"W_{g}"] = d[g].T @ cache.x_t
        grads[f"R_{g}"] = d[g].T @ cache.y_prev
        grads[f"b_{g}"] = d[g].sum(axis=0)
    if peep:
        grads["p_i"] = np.sum(di_bar * cache.c_prev, axis=0)
        grads["p_f"] = np.sum(df_bar * cache.c_prev, axis=0)
        grads["p_o"] = np.sum(do_bar * cache.c, axis=0)
    dx = sum(d[g] @ p[f"W_{g}"] for g in GATES)
    dy_prev = sum(d[g] @ p[f"R_{g}"] for g in GATES)
    dc_prev = dc * cache.f + P("p_i") * di_bar + P("p_f") * df_bar
    return dx, dy_prev, dc_prev, grads


# --------------------------------------------------------------------------- a whole sequence

class LSTMCache(NamedTuple):
    """Per-step values of a forward pass, all (T, N, H) unless noted; gates after their nonlinearity."""

    x: np.ndarray       # (T, N, D)
    y0: np.ndarray      # (N, H)
    c0: np.ndarray      # (N, H)
    z: np.ndarray
    i: np.ndarray
    f: np.ndarray
    o: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray
    y: np.ndarray
    W_all: np.ndarray   # (4H, D) fused input weights, gate order z, i, f, o
    R_all: np.ndarray   # (4H, H) fused recurrent weights
    peepholes: tuple    # (p_i, p_f, p_o), zeros when the cell has none
    has_peepholes: bool

    @property
    def c_prev(self) -> np.ndarray:
        """(T, N, H): c_{t-1} for every step (c0 first)."""
        return np.concatenate([self.c0[None], self.c[:-1]], axis=0)


def forward(params: dict, x, y0=None, c0=None):
    """Run the LSTM over a sequence batch.

    Inputs:  params (see module docstring); x (T, N, D); y0, c0 (N, H) or None for zeros
    Returns: y (T, N, H); LSTMCache (exposes z, i, f, o, c per step)
    """
    dims, peep = _validate_params(params)
    x = check_array("x", x, ("T", "N", "D"), dims)
    if dims["T"] < 1:
        raise ValueError(f"x: expected at least one time step, got shape {x.shape}")
    T, N, D = x.shape
    H = dims["H"]
    dtype = np.result_type(x, *params.values())
    y0 = np.zeros((N, H), dtype) if y0 is None else check_array("y0", y0, ("N", "H"), dims)
    c0 = np.zeros((N, H), dtype) if c0 is None else check_array("c0", c0, ("N", "H"), dims)
    dtype = np.result_type(dtype, y0, c0)
    return _forward_prepared(_prepare(params, dtype), x, y0, c0)


class _Prepared(NamedTuple):
    """What every forward pass derives from the params before its first step (one dtype): the fused weights and
    their scaled, transposed copies. Made once, it serves several runs (the packed encoder's segments)."""

    W_all: np.ndarray   # (4H, D)
    R_all: np.ndarray   # (4H, H)
    peepholes: tuple    # (p_i, p_f, p_o), zeros without peepholes
    peep: bool
    W4T: np.ndarray     # (4, D, H): -2 W_z^T, -W_i^T, -W_f^T, -W_o^T
    R4T: np.ndarray     # (4, H, H): the same for R_k^T
    b4: np.ndarray      # (4, 1, H): the biases, scaled the same way
    dtype: np.dtype


def _prepare(params, dtype) -> _Prepared:
    """The _Prepared of checked params, in ``dtype``."""
    peep, (H, D) = has_peepholes(params), params["W_z"].shape
    W_all, R_all, b_all = _fused(params, dtype)
    # G (in _forward_prepared) holds the pre-activations of all four gates for all T steps, gate-major
    # (4, T, N, H) so that each gate's values are contiguous. They are stored scaled by -2 (z) and -1 (i, f, o):
    # then one exp call per step serves all four nonlinearities, sigma(a) = 1 / (1 + exp(-a)) and
    # tanh(a) = 2 sigma(2a) - 1, and exp is much cheaper than tanh. The scale is folded into copies of
    # the weights. Each step adds its recurrent part and applies the nonlinearities in place, so that G
    # ends up holding z, i, f, o.
    scale = np.array([-2, -1, -1, -1], dtype).reshape(4, 1, 1)
    W4T = W_all.reshape(4, H, D).transpose(0, 2, 1) * scale  # (4, D, H): -2 W_z^T, -W_i^T, -W_f^T, -W_o^T
    R4T = R_all.reshape(4, H, H).transpose(0, 2, 1) * scale  # (4, H, H): the same for R_k^T
    return _Prepared(W_all, R_all, _peep(params, peep, H, dtype), peep, W4T, R4T, b_all.reshape(4, 1, H) * scale,
                     np.dtype(dtype))


def _forward_prepared(prep: _Prepared, x, y0, c0):
    """:func:`forward` on checked arguments: x (T, N, D), y0 and c0 (N, H), weights prepared by _prepare."""
    T, N, D = x.shape
    H = prep.R4T.shape[1]
    dtype, peep, R4T = prep.dtype, prep.peep, prep.R4T
    p_i, p_f, p_o = prep.peepholes
    G = np.matmul(x.reshape(T * N, D).astype(dtype, copy=False), prep.W4T)  # (4, T*N, H)
    G += prep.b4
    G = G.reshape(4, T, N, H)
    z, i, f, o = G  # (T, N, H) each, once the loop is done
    n_i, n_f, n_o = -p_i, -p_f, -p_o
    c, tanh_c, y = np.empty((3, T, N, H), dtype)
    rec = np.empty((4, N, H), dtype)  # workspace: the recurrent parts of step t
    y_prev, c_prev = y0.astype(dtype, copy=False), c0.astype(dtype, copy=False)
    with np.errstate(over="ignore"):  # exp(-a) = inf for very negative a gives sigma(a) = 0 exactly
        for t in range(T):
            g = G[:, t]  # (4, N, H): -2 zbar, -ibar, -fbar, -obar
            np.matmul(y_prev, R4T, out=rec)
            g += rec
            if peep:
                g[1] += n_i * c_prev
                g[2] += n_f * c_prev
                gates = g[:3]  # z, i, f now; o needs c_t first
            else:
                gates = g  # all four at once
            np.exp(gates, out=gates)
            gates += 1.0
            np.reciprocal(gates, out=gates)  # sigma(2 zbar), i, f (, o)
            g[0] *= 2.0
            g[0] -= 1.0  # z = tanh(zbar) = 2 sigma(2 zbar) - 1
            np.multiply(z[t], i[t], out=c[t])
            np.multiply(c_prev, f[t], out=rec[0])
            c[t] += rec[0]  # c_t = z * i + c_{t-1} * f
            if peep:
                g[3] += n_o * c[t]  # the output peephole sees the current cell
                np.exp(g[3], out=g[3])
                g[3] += 1.0
                np.reciprocal(g[3], out=g[3])  # o
            np.tanh(c[t], out=tanh_c[t])
            np.multiply(tanh_c[t], o[t], out=y[t])
            y_prev, c_prev = y[t], c[t]
    cache = LSTMCache(x, y0, c0, z, i, f, o, c, tanh_c, y, prep.W_all, prep.R_all, prep.peepholes, peep)
    return y, cache


def _check_dy(dy, cache):
    if not isinstance(cache, LSTMCache):
        raise ValueError(f"cache: expected the LSTMCache returned by lstm.forward, got {type(cache).__name__}")
    return check_array("dy", dy, cache.y.shape)


def backward(dy, cache: LSTMCache, dc_last=None):
    """Backpropagation through time for the LSTM (Greff eqs. 7-14).

    Inputs:  dy (T, N, H): gradient from above at every step (Delta_t); LSTMCache;
             dc_last (N, H) or None: a gradient reaching the last cell state c_{T-1} from outside the
             sequence, e.g. from a decoder that starts from it (None: 0)
    Returns: dx (T, N, D), dy0 (N, H), dc0 (N, H), grads keyed exactly like the params of forward
    """
    dy = _check_dy(dy, cache)
    if dc_last is not None:
        dc_last = check_array("dc_last", dc_last, cache.y.shape[1:])
    dA, dy0, dc0 = _backward_dA(dy, cache, dc_last=dc_last)
    dx, grads = _grads_from_dA(dA, cache)
    return dx, dy0, dc0, grads


def state_gradients(dy, cache: LSTMCache):
    """The total gradients dL/dy_t and dL/dc_t reaching every step's output and cell.

    The same recursion as :func:`backward`, keeping the total dy_t (Delta_t plus what flows back
    through the recurrent weights) and dc_t of every step. With an error only at the last step, their
    norms against t show how far back a gradient survives along each path (notebook 06).

    Inputs:  dy (T, N, H); LSTMCache
    Returns: dy_total (T, N, H), dc_total (T, N, H)
    """
    dy = _check_dy(dy, cache)
    dtype = np.result_type(dy, cache.y)
    record = np.empty((2,) + dy.shape, dtype)  # (2, T, N, H)
    _backward_dA(dy, cache, record=record)
    return record[0], record[1]


def cell_delta_terms(dy, cache: LSTMCache, t: int) -> dict:
    """The terms of dc_t, one per edge that leaves the cell c_t, from a real backward pass (notebook 05's graph):

    dc_t = dy_t * o_t * h'(c_t)      edge "y":         c_t -> y_t through h, with o_t held fixed
         + p_o * dobar_t             edge "obar":      the output peephole
         + p_i * dibar_{t+1}         edge "ibar_next": the input peephole of step t+1
         + p_f * dfbar_{t+1}         edge "fbar_next": the forget peephole of step t+1
         + dc_{t+1} * f_{t+1}        edge "c_next":    the cell of step t+1, through its forget gate
    Each term is the partial derivative along the edge times the child's total derivative. At the last step the
    terms of step t+1 are 0 (partial and delta), and without peepholes the peephole terms are 0.

    Inputs:  dy (T, N, H) the gradient from above (Delta_t); LSTMCache; t, a step in [0, T)
    Returns: {edge: (partial, delta, term)} for the edges of CELL_EDGES, each array (N, H), term = partial * delta;
             the terms sum to dc_t, ``state_gradients(dy, cache)[1][t]``
    """
    dy = _check_dy(dy, cache)
    T = dy.shape[0]
    t = check_int("t", t, minimum=0)
    if t >= T:
        raise ValueError(f"t: expected a step in [0, {T}), got {t}")
    record = np.empty((2,) + dy.shape, np.result_type(dy, cache.y))  # (2, T, N, H)
    dA, _, _ = _backward_dA(dy, cache, record=record)
    d_y, d_c = record
    shape = d_c[t].shape  # (N, H)
    p_i, p_f, p_o = (np.broadcast_to(p, shape) for p in cache.peepholes)  # (N, H) each
    zero = np.zeros(shape, d_c.dtype)
    later = t + 1 < T
    edges = {"y": (cache.o[t] * (1 - cache.tanh_c[t] ** 2), d_y[t]),
             "obar": (p_o, dA[3, t]),
             "ibar_next": (p_i if later else zero, dA[1, t + 1] if later else zero),
             "fbar_next": (p_f if later else zero, dA[2, t + 1] if later else zero),
             "c_next": (cache.f[t + 1] if later else zero, d_c[t + 1] if later else zero)}
    return {k: (np.array(partial), np.array(delta), partial * delta) for k, (partial, delta) in edges.items()}


def _backward_dA(dy, cache, record=None, dc_last=None):
    """The recursion of :func:`backward`: dA (4, T, N, H) = d(zbar, ibar, fbar, obar), dy0, dc0.

    With ``record`` (a (2, T, N, H) array) also stores the total dL/dy_t and dL/dc_t of every step;
    ``dc_last`` (N, H) is a gradient reaching c_{T-1} from outside.
    """
    T, N, H = dy.shape
    dtype = np.result_type(dy, cache.y)
    p_i, p_f, p_o = cache.peepholes
    peep = cache.has_peepholes
    z, i, f, o, c, tanh_c = cache.z, cache.i, cache.f, cache.o, cache.c, cache.tanh_c  # (T, N, H) each
    # dA holds d(zbar, ibar, fbar, obar) for every step, gate-major (4, T, N, H) like the forward's gates.
    # It is first filled with the factors that do not depend on the recursion, for all steps at once;
    # the loop then multiplies them in place by dc_t (z, i, f) or by dy_t (o).
    dA = np.empty((4, T, N, H), dtype)
    Fz, Fi, Ff, Fo = dA
    np.square(z, out=Fz)
    np.subtract(1, Fz, out=Fz)
    Fz *= i                                   # dzbar = dc * i * g'(zbar)
    np.subtract(1, i, out=Fi)
    Fi *= i
    Fi *= z                                   # dibar = dc * z * sigma'(ibar)
    np.subtract(1, f, out=Ff)
    Ff *= f
    Ff[0] *= cache.c0
    Ff[1:] *= c[:-1]                          # dfbar = dc * c_{t-1} * sigma'(fbar)
    np.subtract(1, o, out=Fo)
    Fo *= o
    Fo *= tanh_c                              # dobar = dy * h(c) * sigma'(obar)
    to_c = np.square(tanh_c)
    np.subtract(1, to_c, out=to_c)
    to_c *= o                                 # dc receives dy * o * h'(c)
    R4 = cache.R_all.reshape(4, H, H)  # (4, H, H): R_k
    dy_rec = np.zeros((N, H), dtype)  # sum_k R_k^T dkbar_{t+1}
    dc_next = np.zeros((N, H), dtype)  # dc_{t+1} * f_{t+1} + p_i * dibar_{t+1} + p_f * dfbar_{t+1}
    if dc_last is not None:
        dc_next += dc_last  # after the last step: whatever reaches c_{T-1} from outside
    d_y = np.empty((N, H), dtype)
    dc = np.empty((N, H), dtype)
    rec = np.empty((4, N, H), dtype)
    for t in range(T - 1, -1, -1):
        np.add(dy[t], dy_rec, out=d_y)  # total dL/dy_t
        dA[3, t] *= d_y  # dobar_t
        np.multiply(d_y, to_c[t], out=dc)
        dc += dc_next
        if peep:
            dc += p_o * dA[3, t]  # dc_t
        dA[:3, t] *= dc  # dzbar_t, dibar_t, dfbar_t
        np.matmul(dA[:, t], R4, out=rec)  # (4, N, H)
        np.add.reduce(rec, axis=0, out=dy_rec)
        if record is not None:
            record[0, t] = d_y
            record[1, t] = dc
        np.multiply(dc, f[t], out=dc_next)
        if peep:
            dc_next += p_i * dA[1, t] + p_f * dA[2, t]
    return dA, dy_rec, dc_next


def _grads_from_dA(dA, cache):
    """dx and the parameter gradients from dA (4, T, N, H): large products over all steps at once."""
    _, T, N, H = dA.shape
    D = cache.x.shape[2]
    c = cache.c
    dA3 = dA.reshape(4, T * N, H)
    dW = np.matmul(dA3.transpose(0, 2, 1), cache.x.reshape(T * N, D))  # (4, H, D)
    dR = np.matmul(dA[:, 1:].reshape(4, -1, H).transpose(0, 2, 1), cache.y[:-1].reshape(-1, H))
    dR += np.matmul(dA[:, 0].transpose(0, 2, 1), cache.y0)  # (4, H, H)
    db = dA3.sum(axis=1)  # (4, H)
    grads = {}
    for k, g in enumerate(GATES):
        grads[f"W_{g}"], grads[f"R_{g}"], grads[f"b_{g}"] = dW[k], dR[k], db[k]
    if cache.has_peepholes:
        grads["p_i"] = np.einsum("nh,nh->h", dA[1, 0], cache.c0) + np.einsum("tnh,tnh->h", dA[1, 1:], c[:-1])
        grads["p_f"] = np.einsum("nh,nh->h", dA[2, 0], cache.c0) + np.einsum("tnh,tnh->h", dA[2, 1:], c[:-1])
        grads["p_o"] = np.einsum("tnh,tnh->h", dA[3], c)
    W4 = cache.W_all.reshape(4, H, D)
    dx = dA3[0] @ W4[0]
    for k in range(1, 4):
        dx += dA3[k] @ W4[k]
    dx = dx.reshape(T, N, D)  # (T, N, D)
    return dx, grads
