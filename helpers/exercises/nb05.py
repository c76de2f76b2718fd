"""Exercises of notebook 05 (LSTM backprop): the gate deltas, the cell delta δc_t, one whole step backward.

Notation of Greff et al. (2017), row vectors, time-major: z, i, f, o, c (T, N, H) after their nonlinearities,
c0 (N, H) the initial cell; a bar marks a pre-activation and δa = dL/da is a total derivative.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import lstm
from ..gradcheck import numerical_gradient
from ..numerics import sigmoid
from .core import Case, Exercise, Mistake, make_stub

__all__ = ["EXERCISES"]

GATES = lstm.GATES  # z, i, f, o


class _Run(NamedTuple):
    """A forward and backward pass behind a case (the tests compare the exercises with helpers.lstm on it)."""

    params: dict
    x: np.ndarray      # (T, N, D)
    y0: np.ndarray     # (N, H)
    c0: np.ndarray     # (N, H)
    Delta: np.ndarray  # (T, N, H): dL/dy_t from the layer above
    cache: lstm.LSTMCache
    dy: np.ndarray     # (T, N, H): total dL/dy_t
    dc: np.ndarray     # (T, N, H): total dL/dc_t


def _run(rng, T, N, D, H, scale=1.0, forget_bias=0.0, peepholes=True):
    params = lstm.init_params(D, H, rng, peepholes=True)
    params = {k: scale * v for k, v in params.items()}
    params.update({p: (0.5 if peepholes else 0.0) * rng.standard_normal(H) for p in lstm.PEEPHOLES})
    params.update({f"b_{g}": 0.3 * rng.standard_normal(H) + (forget_bias if g == "f" else 0.0) for g in GATES})
    x = rng.standard_normal((T, N, D))  # (T, N, D)
    y0 = np.tanh(rng.standard_normal((N, H))) * sigmoid(rng.standard_normal((N, H)))  # (N, H)
    c0 = rng.standard_normal((N, H))  # (N, H)
    Delta = rng.standard_normal((T, N, H))  # (T, N, H)
    _, cache = lstm.forward(params, x, y0, c0)
    dy, dc = lstm.state_gradients(Delta, cache)
    return _Run(params, x, y0, c0, Delta, cache, dy, dc)


def _logit(a):
    return np.log(a) - np.log1p(-a)


# --------------------------------------------------------------------------- 05.1 the gate deltas

def gate_deltas(dc, z, i, f, c, c0):
    """The deltas of the block input and of the input and forget gates, at every step (Greff et al. 2017):

        δz̄_t = δc_t ⊙ i_t ⊙ g'(z̄_t)           g'(z̄_t) = 1 - z_t²
        δī_t = δc_t ⊙ z_t ⊙ σ'(ī_t)           σ'(ī_t) = i_t (1 - i_t)
        δf̄_t = δc_t ⊙ c_{t-1} ⊙ σ'(f̄_t)       σ'(f̄_t) = f_t (1 - f_t)
    (from c_t = z_t ⊙ i_t + c_{t-1} ⊙ f_t; the derivatives are written with the values after the nonlinearity)

    Inputs:  dc (T, N, H) the total derivatives δc_t; z, i, f (T, N, H) the block input and the gates, after
             their nonlinearity (as lstm.forward's cache holds them); c (T, N, H) the cells c_t;
             c0 (N, H) the initial cell, which plays c_{t-1} at t = 0
    Returns: dz_bar, di_bar, df_bar, each (T, N, H)
    """
    c_prev = np.concatenate([c0[None], c[:-1]], axis=0)  # (T, N, H): c_{t-1}
    dz_bar = dc * i * (1 - z ** 2)  # (T, N, H)
    di_bar = dc * z * i * (1 - i)  # (T, N, H)
    df_bar = dc * c_prev * f * (1 - f)  # (T, N, H)
    return dz_bar, di_bar, df_bar


def _gate_runs(rng):
    return [("T = 4, N = 2, H = 3", _run(rng, 4, 2, 3, 3)),
            ("T = 1: c_{t-1} is c0 at every step", _run(rng, 1, 3, 2, 2)),
            ("one sequence, one unit, T = 6", _run(rng, 6, 1, 2, 1)),
            ("large weights: nearly saturated gates", _run(rng, 3, 2, 3, 4, scale=3.0))]


def _gate_cases(rng):
    return [Case(label, (r.dc, r.cache.z, r.cache.i, r.cache.f, r.cache.c, r.c0)) for label, r in _gate_runs(rng)]


def _gate_numeric(dc, z, i, f, c, c0):
    """Central differences of the forward equation c_t = g(z̄_t) σ(ī_t) + c_{t-1} σ(f̄_t), upstream δc_t."""
    c_prev = np.concatenate([c0[None], c[:-1]], axis=0)  # (T, N, H)
    zbar, ibar, fbar = np.arctanh(z), _logit(i), _logit(f)  # (T, N, H) each: the pre-activations

    def cell(zb, ib, fb):
        return np.tanh(zb) * sigmoid(ib) + c_prev * sigmoid(fb)

    return {"dz_bar": numerical_gradient(lambda v: cell(v, ibar, fbar), zbar, dc),
            "di_bar": numerical_gradient(lambda v: cell(zbar, v, fbar), ibar, dc),
            "df_bar": numerical_gradient(lambda v: cell(zbar, ibar, v), fbar, dc)}


def _gates(dc, z, i, f, c, c0, *, prev="c0", dsig=lambda a: a * (1 - a), dg=lambda a: 1 - a ** 2, own=False):
    """gate_deltas with one thing changed (the mistakes of 05.1)."""
    c_prev = {"c0": np.concatenate([c0[None], c[:-1]]), "same": c, "roll": np.roll(c, 1, axis=0)}[prev]
    if own:
        return dc * z * dg(z), dc * i * dsig(i), dc * f * dsig(f)
    return dc * i * dg(z), dc * z * dsig(i), dc * c_prev * dsig(f)


GATE_DELTAS = Exercise(
    id="05.1", title="The gate deltas", solution=gate_deltas,
    stub=make_stub(gate_deltas, "first build c_{t-1} for every t (an array of shape (T, N, H) that starts with "
                                "c0); then one line per delta"),
    cases=_gate_cases, outputs=("dz_bar", "di_bar", "df_bar"),
    axes={k: ("t", "n", "j") for k in ("dz_bar", "di_bar", "df_bar")}, gradient=_gate_numeric, seed=51,
    hint="each pre-activation reaches the loss only through c_t: δc_t times the partial of c_t with respect to "
         "the gate's value, times the derivative of its nonlinearity.",
    mistakes=(
        Mistake("Your df_bar uses c_t instead of c_{t-1}: the forget gate multiplies the previous cell, "
                "c_t = z_t ⊙ i_t + c_{t-1} ⊙ f_t, so ∂c_t/∂f_t = c_{t-1} (with c_{-1} = c0).",
                lambda dc, z, i, f, c, c0: _gates(dc, z, i, f, c, c0, prev="same")),
        Mistake("Your df_bar at t = 0 uses c_{T-1} as c_{t-1} (np.roll, or c[t - 1] with t = 0, wraps around to "
                "the last step): before the first step the cell is c0.",
                lambda dc, z, i, f, c, c0: _gates(dc, z, i, f, c, c0, prev="roll")),
        Mistake("Your di_bar and df_bar leave out σ'(ā) = σ(ā)(1 - σ(ā)): δī_t and δf̄_t are deltas of the "
                "pre-activations, one step further down than the gate values i_t and f_t.",
                lambda dc, z, i, f, c, c0: _gates(dc, z, i, f, c, c0, dsig=lambda a: 1.0)),
        Mistake("Your σ' applies the sigmoid once more: i and f already hold σ(ī_t) and σ(f̄_t), so "
                "σ'(ī_t) = i_t ⊙ (1 - i_t), not σ(i_t) ⊙ (1 - σ(i_t)).",
                lambda dc, z, i, f, c, c0: _gates(dc, z, i, f, c, c0, dsig=lambda a: sigmoid(a) * (1 - sigmoid(a)))),
        Mistake("Your dz_bar leaves out g'(z̄_t) = 1 - z_t²: δz̄_t is the delta of the pre-activation, below the "
                "tanh of the block input.",
                lambda dc, z, i, f, c, c0: _gates(dc, z, i, f, c, c0, dg=lambda a: 1.0)),
        Mistake("Your g' applies the tanh once more: z already holds tanh(z̄_t), so g'(z̄_t) = 1 - z_t², not "
                "1 - tanh²(z_t).",
                lambda dc, z, i, f, c, c0: _gates(dc, z, i, f, c, c0, dg=lambda a: 1 - np.tanh(a) ** 2)),
        Mistake("Your deltas multiply δc_t by the variable's own value: the partial derivative of a product with "
                "respect to one factor is the *other* factor, ∂c_t/∂i_t = z_t, ∂c_t/∂z_t = i_t and "
                "∂c_t/∂f_t = c_{t-1}.",
                lambda dc, z, i, f, c, c0: _gates(dc, z, i, f, c, c0, own=True)),
        Mistake("Your function returns the deltas in the order f, i, z: return (dz_bar, di_bar, df_bar), the "
                "course's gate order z, i, f (your numbers are right).",
                lambda dc, z, i, f, c, c0: _gates(dc, z, i, f, c, c0)[::-1]),
    ))


# --------------------------------------------------------------------------- 05.2 the cell delta

def cell_deltas(dy, z, i, f, o, c, p_i, p_f, p_o):
    """δc_t, the total derivative of the loss with respect to the cell, at every step (Greff et al. 2017).
    One term per edge that leaves c_t; the terms of step t+1 are 0 at the last step (t = T-1):

        δc_t = δy_t ⊙ o_t ⊙ h'(c_t)                    edge c_t -> y_t       (h = tanh, o_t held fixed)
             + p_o ⊙ δō_t                              edge c_t -> ō_t       (output peephole)
             + p_i ⊙ δī_{t+1} + p_f ⊙ δf̄_{t+1}         edges c_t -> ī_{t+1}, f̄_{t+1}
             + δc_{t+1} ⊙ f_{t+1}                      edge c_t -> c_{t+1}
    with δō_t = δy_t ⊙ h(c_t) ⊙ σ'(ō_t), δī_t = δc_t ⊙ z_t ⊙ σ'(ī_t) and δf̄_t = δc_t ⊙ c_{t-1} ⊙ σ'(f̄_t),
    where σ'(ā_t) = a_t (1 - a_t) for a gate a. Go backwards in time: δc_t needs δc_{t+1}.

    Inputs:  dy (T, N, H) the total derivatives δy_t (from the layer above and from step t+1; given here);
             z, i, f, o (T, N, H) the block input and the gates, after their nonlinearity; c (T, N, H) the cells;
             p_i, p_f, p_o (H,) the peepholes
    Returns: dc (T, N, H)
    """
    T = dy.shape[0]
    tanh_c = np.tanh(c)  # (T, N, H)
    dc = np.zeros_like(c)  # (T, N, H)
    for t in range(T - 1, -1, -1):
        do_bar = dy[t] * tanh_c[t] * o[t] * (1 - o[t])  # (N, H): δō_t
        dc[t] = dy[t] * o[t] * (1 - tanh_c[t] ** 2) + p_o * do_bar  # (N, H): the edges into y_t and ō_t
        if t + 1 < T:  # the edges into step t+1
            di_bar = dc[t + 1] * z[t + 1] * i[t + 1] * (1 - i[t + 1])  # (N, H): δī_{t+1}
            df_bar = dc[t + 1] * c[t] * f[t + 1] * (1 - f[t + 1])  # (N, H): δf̄_{t+1}
            dc[t] += p_i * di_bar + p_f * df_bar + dc[t + 1] * f[t + 1]
    return dc


def _cell_runs(rng):
    return [("T = 5, N = 2, H = 3", _run(rng, 5, 2, 3, 3)),
            ("T = 1: no step t+1", _run(rng, 1, 2, 3, 3)),
            ("T = 6, one sequence, one unit, forget gate near 1", _run(rng, 6, 1, 2, 1, forget_bias=5.0)),
            ("no peepholes (p = 0), T = 4, N = 3, H = 2", _run(rng, 4, 3, 2, 2, peepholes=False))]


def _cell_cases(rng):
    return [Case(label, (r.dy, r.cache.z, r.cache.i, r.cache.f, r.cache.o, r.cache.c) + r.cache.peepholes)
            for label, r in _cell_runs(rng)]


def _cell_numeric(dy, z, i, f, o, c, p_i, p_f, p_o):
    """Central differences of the cell's forward pass from c_t on, with the part of every pre-activation that
    comes from x_t, y_{t-1} and b held fixed, and the loss sum_s δy_s · y_s (δy_s is the total derivative of
    y_s, so this loss has the same dL/dc_t as the whole network)."""
    T = dy.shape[0]
    i_in = _logit(i[1:]) - p_i * c[:-1]  # (T-1, N, H): ī_s without its peephole term, s = 1 ... T-1
    f_in = _logit(f[1:]) - p_f * c[:-1]  # (T-1, N, H)
    o_in = _logit(o) - p_o * c  # (T, N, H)

    def loss(t, c_t):
        total = np.sum(dy[t] * np.tanh(c_t) * sigmoid(o_in[t] + p_o * c_t))
        for s in range(t + 1, T):
            c_t = z[s] * sigmoid(i_in[s - 1] + p_i * c_t) + c_t * sigmoid(f_in[s - 1] + p_f * c_t)
            total += np.sum(dy[s] * np.tanh(c_t) * sigmoid(o_in[s] + p_o * c_t))
        return total

    return {"dc": np.stack([numerical_gradient(lambda v: loss(t, v), c[t]) for t in range(T)])}


def _cells(dy, z, i, f, o, c, p_i, p_f, p_o, *, highway=True, f_now=False, h_prime="tanh", po="once",
           next_peepholes=True, c_next=False, forwards=False):
    """cell_deltas with one thing changed (the mistakes of 05.2)."""
    T = dy.shape[0]
    tanh_c = np.tanh(c)
    dh = {"tanh": 1 - tanh_c ** 2, "none": np.ones_like(c), "c": 1 - c ** 2}[h_prime]
    dc = np.zeros_like(c)
    for t in (range(T) if forwards else range(T - 1, -1, -1)):
        do_bar = dy[t] * tanh_c[t] * o[t] * (1 - o[t])
        dc[t] = dy[t] * o[t] * dh[t] + (0.0 if po == "none" else p_o * do_bar)
        if po == "twice":
            dc[t] += dy[t] * tanh_c[t] * o[t] * (1 - o[t]) * p_o
        if t + 1 < T:
            di_bar = dc[t + 1] * z[t + 1] * i[t + 1] * (1 - i[t + 1])
            df_bar = dc[t + 1] * c[t + 1 if c_next else t] * f[t + 1] * (1 - f[t + 1])
            dc[t] += (p_i * di_bar + p_f * df_bar if next_peepholes else 0.0)
            dc[t] += (dc[t + 1] * (f[t] if f_now else f[t + 1]) if highway else 0.0)
    return dc


CELL_DELTAS = Exercise(
    id="05.2", title="δc: every path once", solution=cell_deltas,
    stub=make_stub(cell_deltas, "loop t from T-1 down to 0; at each step first the two terms of step t, then, if "
                                "t + 1 < T, the three terms that come back from step t+1"),
    cases=_cell_cases, outputs=("dc",), axes={"dc": ("t", "n", "j")}, gradient=_cell_numeric, seed=52,
    hint="five edges leave c_t; write one term per edge, each (the edge's partial derivative) ⊙ (the child's "
         "total delta), and go backwards in time.",
    mistakes=(
        Mistake("Your dc misses a term: the path through c_{t+1}, δc_{t+1} ⊙ f_{t+1} — the cell highway along "
                "which the gradient reaches earlier steps. (Only the last step, which has no c_{t+1}, is right.)",
                lambda *a: _cells(*a, highway=False)),
        Mistake("Your dc carries δc_{t+1} back with the forget gate of step t: c_{t+1} = z_{t+1} ⊙ i_{t+1} + "
                "c_t ⊙ f_{t+1}, so the partial ∂c_{t+1}/∂c_t is f_{t+1}, the forget gate of step t+1.",
                lambda *a: _cells(*a, f_now=True)),
        Mistake("Your dc leaves out h'(c_t) = 1 - tanh²(c_t) in the term of the edge c_t -> y_t: "
                "y_t = h(c_t) ⊙ o_t, so with o_t held fixed ∂y_t/∂c_t = o_t ⊙ h'(c_t).",
                lambda *a: _cells(*a, h_prime="none")),
        Mistake("Your h'(c_t) is 1 - c_t²: that would be right for a value that is already a tanh (as z_t is), "
                "but c_t is not; h'(c_t) = 1 - tanh²(c_t).",
                lambda *a: _cells(*a, h_prime="c")),
        Mistake("Your dc misses the term p_o ⊙ δō_t, the path c_t -> ō_t -> o_t -> y_t through the output "
                "peephole. The term δy_t ⊙ o_t ⊙ h'(c_t) is the partial derivative along the edge c_t -> y_t, "
                "with o_t held fixed; the route through o_t is another edge, with its own term.",
                lambda *a: _cells(*a, po="none")),
        Mistake("Your dc counts the path through the output gate twice: it uses the total dy_t/dc_t = "
                "o_t ⊙ h'(c_t) + h(c_t) ⊙ σ'(ō_t) ⊙ p_o (which already includes the route c_t -> ō_t -> o_t) and "
                "also adds p_o ⊙ δō_t. Take the partial along each edge (o_t held fixed in y_t = h(c_t) ⊙ o_t) "
                "plus the peephole term, or the total without it — not both.",
                lambda *a: _cells(*a, po="twice")),
        Mistake("Your dc misses p_i ⊙ δī_{t+1} + p_f ⊙ δf̄_{t+1}: through the input and forget peepholes, c_t is "
                "also a parent of the gates of step t+1, two more edges with their own terms.",
                lambda *a: _cells(*a, next_peepholes=False)),
        Mistake("Your δf̄_{t+1} (in the term p_f ⊙ δf̄_{t+1}) uses c_{t+1}: the forget gate of step t+1 multiplies "
                "c_t, so δf̄_{t+1} = δc_{t+1} ⊙ c_t ⊙ σ'(f̄_{t+1}) (exercise 05.1, one step later).",
                lambda *a: _cells(*a, c_next=True)),
        Mistake("Your loop runs forwards in time: δc_t needs δc_{t+1}, which a forward loop has not computed yet "
                "(it is still 0). Go from t = T-1 down to 0, like the backward pass it is.",
                lambda *a: _cells(*a, forwards=True)),
    ))


# --------------------------------------------------------------------------- 05.3 one step backward

def lstm_step_backward(dy_t, dc_t, params, x_t, y_prev, c_prev):
    """One step of the LSTM with peepholes, backward (Greff et al. 2017), for N sequences. First recompute the
    step's forward (exercise 04.3) from x_t, y_prev, c_prev; then, with dy_t the total gradient reaching y_t and
    dc_t the gradient reaching c_t from step t+1 (δc_{t+1} ⊙ f_{t+1} + p_i ⊙ δī_{t+1} + p_f ⊙ δf̄_{t+1}):

        δō_t = dy_t ⊙ h(c_t) ⊙ σ'(ō_t)
        δc_t = dc_t + dy_t ⊙ o_t ⊙ h'(c_t) + p_o ⊙ δō_t
        δz̄_t, δī_t, δf̄_t from δc_t as in exercise 05.1
        dx_t = Σ_a W_a^T δā_t          dy_{t-1} = Σ_a R_a^T δā_t          (a = z, i, f, o)
        dc_{t-1} = δc_t ⊙ f_t + p_i ⊙ δī_t + p_f ⊙ δf̄_t
        δW_a = δā_t x_t^T      δR_a = δā_t y_{t-1}^T      δb_a = δā_t
        δp_i = c_{t-1} ⊙ δī_t      δp_f = c_{t-1} ⊙ δf̄_t      δp_o = c_t ⊙ δō_t
    (one sequence, column vectors; the parameter gradients of a batch are summed over its N sequences)

    Inputs:  dy_t (N, H); dc_t (N, H), 0 at the last step; params: dict with W_z, W_i, W_f, W_o (H, D),
             R_z, R_i, R_f, R_o (H, H), b_z, b_i, b_f, b_o (H,), p_i, p_f, p_o (H,); x_t (N, D); y_prev (N, H)
             the outputs y_{t-1}; c_prev (N, H) the cells c_{t-1}
    Returns: dx_t (N, D), dy_prev (N, H), dc_prev (N, H),
             dW (4, H, D) = [δW_z, δW_i, δW_f, δW_o], dR (4, H, H) and db (4, H) in the same order,
             dp (3, H) = [δp_i, δp_f, δp_o]
    """
    P = params
    z = np.tanh(x_t @ P["W_z"].T + y_prev @ P["R_z"].T + P["b_z"])  # (N, H)
    i = sigmoid(x_t @ P["W_i"].T + y_prev @ P["R_i"].T + P["p_i"] * c_prev + P["b_i"])  # (N, H)
    f = sigmoid(x_t @ P["W_f"].T + y_prev @ P["R_f"].T + P["p_f"] * c_prev + P["b_f"])  # (N, H)
    c = z * i + c_prev * f  # (N, H)
    o = sigmoid(x_t @ P["W_o"].T + y_prev @ P["R_o"].T + P["p_o"] * c + P["b_o"])  # (N, H)
    tanh_c = np.tanh(c)  # (N, H)

    do_bar = dy_t * tanh_c * o * (1 - o)  # (N, H)
    dc = dc_t + dy_t * o * (1 - tanh_c ** 2) + P["p_o"] * do_bar  # (N, H): δc_t, every edge out of c_t
    d = {"z": dc * i * (1 - z ** 2), "i": dc * z * i * (1 - i),  # (N, H) each: the four δā_t
         "f": dc * c_prev * f * (1 - f), "o": do_bar}
    dx_t = sum(d[g] @ P[f"W_{g}"] for g in "zifo")  # (N, D): row form of W^T δ
    dy_prev = sum(d[g] @ P[f"R_{g}"] for g in "zifo")  # (N, H)
    dc_prev = dc * f + P["p_i"] * d["i"] + P["p_f"] * d["f"]  # (N, H)
    dW = np.stack([d[g].T @ x_t for g in "zifo"])  # (4, H, D)
    dR = np.stack([d[g].T @ y_prev for g in "zifo"])  # (4, H, H)
    db = np.stack([d[g].sum(axis=0) for g in "zifo"])  # (4, H)
    dp = np.stack([np.sum(c_prev * d["i"], axis=0), np.sum(c_prev * d["f"], axis=0),
                   np.sum(c * d["o"], axis=0)])  # (3, H)
    return dx_t, dy_prev, dc_prev, dW, dR, db, dp


def _step_cases(rng):
    def case(label, N, D, H, scale=1.0, last=False):
        params = lstm.init_params(D, H, rng, peepholes=True)
        params = {k: scale * v for k, v in params.items()}
        params.update({p: 0.5 * rng.standard_normal(H) for p in lstm.PEEPHOLES})
        params.update({f"b_{g}": 0.3 * rng.standard_normal(H) for g in GATES})
        dy_t, dc_t = rng.standard_normal((2, N, H))  # (N, H) each
        y_prev = np.tanh(rng.standard_normal((N, H))) * sigmoid(rng.standard_normal((N, H)))  # (N, H)
        return Case(label, (dy_t, 0.0 * dc_t if last else dc_t, params, rng.standard_normal((N, D)), y_prev,
                            rng.standard_normal((N, H))))
    return [case("N = 2, D = 3, H = 4", 2, 3, 4),
            case("N = D = H = 3 (square: a missing or extra .T runs too)", 3, 3, 3),
            case("one sequence, one unit, D = 2", 1, 2, 1),
            case("the last step (dc_t = 0), large weights: nearly saturated gates", 3, 2, 2, scale=3.0, last=True)]


def _step_numeric(dy_t, dc_t, params, x_t, y_prev, c_prev):
    """Central differences of the step's forward (lstm.step_forward), L = sum(dy_t * y_t) + sum(dc_t * c_t)."""
    def loss(P=params, x=x_t, yp=y_prev, cp=c_prev):
        y, c, _ = lstm.step_forward(P, x, yp, cp)
        return np.sum(dy_t * y) + np.sum(dc_t * c)

    def wrt(key):
        return numerical_gradient(lambda v: loss(P={**params, key: v}), params[key])

    return {"dx_t": numerical_gradient(lambda v: loss(x=v), x_t),
            "dy_prev": numerical_gradient(lambda v: loss(yp=v), y_prev),
            "dc_prev": numerical_gradient(lambda v: loss(cp=v), c_prev),
            "dW": np.stack([wrt(f"W_{g}") for g in GATES]), "dR": np.stack([wrt(f"R_{g}") for g in GATES]),
            "db": np.stack([wrt(f"b_{g}") for g in GATES]), "dp": np.stack([wrt(p) for p in lstm.PEEPHOLES])}


def _backward(dy_t, dc_t, params, x_t, y_prev, c_prev, *, dR_with="y_prev", dc_prev_peepholes=True,
              whole_dc=True, dp_o_with="c", dy_prev_T=False):
    """lstm_step_backward with one thing changed (the mistakes of 05.3)."""
    P = params
    y_t, c, cache = lstm.step_forward(P, x_t, y_prev, c_prev)
    z, i, f, o, tanh_c = cache.z, cache.i, cache.f, cache.o, cache.tanh_c
    do_bar = dy_t * tanh_c * o * (1 - o)
    dc = dc_t + (dy_t * o * (1 - tanh_c ** 2) + P["p_o"] * do_bar if whole_dc else 0.0)
    d = {"z": dc * i * (1 - z ** 2), "i": dc * z * i * (1 - i), "f": dc * c_prev * f * (1 - f), "o": do_bar}
    dx_t = sum(d[g] @ P[f"W_{g}"] for g in "zifo")
    dy_prev = sum(d[g] @ (P[f"R_{g}"].T if dy_prev_T else P[f"R_{g}"]) for g in "zifo")
    dc_prev = dc * f + (P["p_i"] * d["i"] + P["p_f"] * d["f"] if dc_prev_peepholes else 0.0)
    y_in = {"y_prev": y_prev, "y_t": y_t}[dR_with]
    dW = np.stack([d[g].T @ x_t for g in "zifo"])
    dR = np.stack([d[g].T @ y_in for g in "zifo"])
    db = np.stack([d[g].sum(axis=0) for g in "zifo"])
    c_o = {"c": c, "c_prev": c_prev}[dp_o_with]
    dp = np.stack([np.sum(c_prev * d["i"], axis=0), np.sum(c_prev * d["f"], axis=0), np.sum(c_o * d["o"], axis=0)])
    return dx_t, dy_prev, dc_prev, dW, dR, db, dp


STEP_BACKWARD = Exercise(
    id="05.3", title="One LSTM step backward", solution=lstm_step_backward,
    stub=make_stub(lstm_step_backward, "the forward of the step, then δō_t and δc_t, then the three other deltas; "
                                       "every output is a sum or a product of those four deltas"),
    cases=_step_cases, outputs=("dx_t", "dy_prev", "dc_prev", "dW", "dR", "db", "dp"),
    axes={"dx_t": ("n", "d"), "dy_prev": ("n", "j"), "dc_prev": ("n", "j"), "dW": ("gate", "j", "d"),
          "dR": ("gate", "j", "k"), "db": ("gate", "j"), "dp": ("peephole", "j")},
    gradient=_step_numeric, seed=53,
    hint="compute the four pre-activation deltas first (δc_t collects dc_t and the two edges inside the step); "
         "with one sequence per row, W^T δ is δ @ W and δ x^T summed over the batch is δ.T @ x_t.",
    mistakes=(
        Mistake("Your dR uses y_t: the recurrent weights multiply the previous output, ā_t = W x_t + R y_{t-1} + "
                "..., so δR_⋆ = δ⋆̄_t y_{t-1}^T (in row form d.T @ y_prev).",
                lambda *a: _backward(*a, dR_with="y_t")),
        Mistake("Your dc_prev is only δc_t ⊙ f_t: c_{t-1} also feeds ī_t and f̄_t through the peepholes, two more "
                "edges, so dc_{t-1} = δc_t ⊙ f_t + p_i ⊙ δī_t + p_f ⊙ δf̄_t.",
                lambda *a: _backward(*a, dc_prev_peepholes=False)),
        Mistake("Your δc_t is the incoming dc_t alone, which counts only the paths through step t+1. Inside this "
                "step c_t also reaches the loss through y_t and ō_t: δc_t = dc_t + dy_t ⊙ o_t ⊙ h'(c_t) + "
                "p_o ⊙ δō_t (the gradients of the output gate, which do not need δc_t, are right).",
                lambda *a: _backward(*a, whole_dc=False)),
        Mistake("Your dp (its last row, δp_o) uses c_{t-1}: the output peephole multiplies the new cell, "
                "ō_t = ... + p_o ⊙ c_t, so δp_o = c_t ⊙ δō_t summed over the sequences.",
                lambda *a: _backward(*a, dp_o_with="c_prev")),
        Mistake("Your dy_prev multiplies by R.T: the column form R^T δ is written δ @ R for rows (no .T); "
                "R is square, so the wrong one runs too.",
                lambda *a: _backward(*a, dy_prev_T=True)),
    ))

EXERCISES = [GATE_DELTAS, CELL_DELTAS, STEP_BACKWARD]
