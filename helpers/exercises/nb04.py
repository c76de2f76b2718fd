"""Exercises of notebook 04 (the LSTM forward pass): the gated cell update, one step, one step with peepholes.

Notation of Greff et al. (2017), row vectors (one row per sequence): x_t (N, D), y_{t-1} and c_{t-1} (N, H);
params W_z W_i W_f W_o (H, D), R_z R_i R_f R_o (H, H), b_z b_i b_f b_o (H,), peepholes p_i p_f p_o (H,).
"""
from __future__ import annotations

import numpy as np

from ..numerics import sigmoid
from .core import Case, Exercise, Mistake, make_stub

__all__ = ["EXERCISES"]

GATES = ("z", "i", "f", "o")


# --------------------------------------------------------------------------- 04.1 the gated cell update

def cell_update(z, i, f, c_prev):
    """The new cell state (Greff et al. 2017), for a batch of N sequences and H units:

        c_t = z_t ⊙ i_t + c_{t-1} ⊙ f_t          (⊙: the Hadamard, elementwise, product)

    Inputs:  z (N, H) the block input z_t, in (-1, 1); i (N, H) the input gate i_t and f (N, H) the forget
             gate f_t, in [0, 1]; c_prev (N, H) the previous cell c_{t-1}
    Returns: c (N, H) the new cell c_t
    """
    return z * i + c_prev * f  # (N, H)


def _cell_cases(rng):
    def case(label, N, H, gates=None):
        z = np.tanh(rng.standard_normal((N, H)))  # (N, H)
        if gates is None:
            i, f = sigmoid(2.0 * rng.standard_normal((2, N, H)))  # (N, H) each
        else:
            i, f = rng.integers(0, 2, size=(2, N, H)).astype(np.float64)  # (N, H) each, 0 or 1
        return Case(label, (z, i, f, 2.0 * rng.standard_normal((N, H))))
    return [case("N = 3, H = 5", 3, 5), case("N = H = 4 (square: a matrix product runs too)", 4, 4),
            case("one sequence, one unit", 1, 1), case("gates exactly 0 or 1 (the extremes of section 5)", 3, 6, True)]


CELL = Exercise(
    id="04.1", title="The gated cell update", solution=cell_update,
    stub=make_stub(cell_update, "one line: two Hadamard products and a sum"),
    cases=_cell_cases, outputs=("c",), axes={"c": ("n", "j")}, seed=41,
    hint="⊙ multiplies two arrays of the same shape entry by entry; in NumPy that is *, not @.",
    mistakes=(
        Mistake("Your c uses matrix products (@) where the equation has Hadamard products ⊙ (written * in NumPy). "
                "With N = H the @ runs without complaint, but it mixes the units: unit j's gates must touch only "
                "unit j's cell.",
                lambda z, i, f, c_prev: z @ i + c_prev @ f),
        Mistake("Your c is a matrix product (z @ i.T): it is (N, N), one number per pair of sequences. ⊙ is the "
                "elementwise product, written * in NumPy; it keeps the shape (N, H).",
                lambda z, i, f, c_prev: z @ i.T + c_prev @ f.T),
        Mistake("Your c swaps the two gates: the input gate i_t scales the new content z_t, and the forget gate "
                "f_t scales the old cell c_{t-1}.",
                lambda z, i, f, c_prev: z * f + c_prev * i),
        Mistake("Your c uses 1 - i_t in place of the forget gate (coupled gates, as in Greff et al.'s CIFG "
                "variant or in a GRU): the vanilla LSTM has its own forget gate, c_t = z_t ⊙ i_t + c_{t-1} ⊙ f_t.",
                lambda z, i, f, c_prev: z * i + c_prev * (1 - i)),
        Mistake("Your c leaves out the forget gate (that is the original 1997 LSTM, before Gers et al. added it): "
                "the old cell is scaled by f_t, c_t = z_t ⊙ i_t + c_{t-1} ⊙ f_t.",
                lambda z, i, f, c_prev: z * i + c_prev),
        Mistake("Your c is squashed by tanh: the cell update is a plain sum, so c_t may grow beyond ±1. The tanh "
                "comes later, in the block output y_t = h(c_t) ⊙ o_t.",
                lambda z, i, f, c_prev: np.tanh(z * i + c_prev * f)),
    ))


# --------------------------------------------------------------------------- 04.2 one step without peepholes

def lstm_step(params, x_t, y_prev, c_prev):
    """One step of the LSTM without peepholes (Greff et al. 2017 with p_i = p_f = p_o = 0), for N sequences:

        z_t = g(W_z x_t + R_z y_{t-1} + b_z)       block input, g = tanh
        i_t = σ(W_i x_t + R_i y_{t-1} + b_i)       input gate
        f_t = σ(W_f x_t + R_f y_{t-1} + b_f)       forget gate
        c_t = z_t ⊙ i_t + c_{t-1} ⊙ f_t            cell
        o_t = σ(W_o x_t + R_o y_{t-1} + b_o)       output gate
        y_t = h(c_t) ⊙ o_t                         block output, h = tanh
    (one sequence, column vectors; σ is `sigmoid`, imported at the top of the notebook)

    Inputs:  params: dict with W_z, W_i, W_f, W_o (H, D), R_z, R_i, R_f, R_o (H, H), b_z, b_i, b_f, b_o (H,);
             x_t (N, D) the inputs; y_prev (N, H) the previous outputs y_{t-1}; c_prev (N, H) the cells c_{t-1}
    Returns: y_t (N, H), c_t (N, H)
    """
    P = params
    z = np.tanh(x_t @ P["W_z"].T + y_prev @ P["R_z"].T + P["b_z"])  # (N, H)
    i = sigmoid(x_t @ P["W_i"].T + y_prev @ P["R_i"].T + P["b_i"])  # (N, H)
    f = sigmoid(x_t @ P["W_f"].T + y_prev @ P["R_f"].T + P["b_f"])  # (N, H)
    c_t = z * i + c_prev * f  # (N, H)
    o = sigmoid(x_t @ P["W_o"].T + y_prev @ P["R_o"].T + P["b_o"])  # (N, H)
    y_t = np.tanh(c_t) * o  # (N, H)
    return y_t, c_t


def _params(rng, D, H, scale=1.0, peepholes=False):
    params = {f"W_{g}": scale * rng.standard_normal((H, D)) / np.sqrt(D) for g in GATES}  # (H, D) each
    params.update({f"R_{g}": scale * rng.standard_normal((H, H)) / np.sqrt(H) for g in GATES})  # (H, H) each
    params.update({f"b_{g}": 0.5 * rng.standard_normal(H) for g in GATES})  # (H,) each
    if peepholes:
        params.update({f"p_{g}": rng.standard_normal(H) for g in "ifo"})  # (H,) each
    return params


def _step_cases(rng, peepholes):
    def case(label, N, D, H, scale=1.0, cell=1.0):
        return Case(label, (_params(rng, D, H, scale, peepholes), rng.standard_normal((N, D)),
                            np.tanh(rng.standard_normal((N, H))) * sigmoid(rng.standard_normal((N, H))),
                            cell * rng.standard_normal((N, H))))
    last = (case("huge weights: most gates shut or wide open", 2, 3, 4, scale=20.0) if not peepholes else
            case("large previous cells c_{t-1}, so the peepholes matter", 3, 2, 4, cell=2.0))
    return [case("N = 3, D = 4, H = 5", 3, 4, 5), case("N = D = H = 4 (square: a missing .T runs too)", 4, 4, 4),
            case("one sequence, H = 2", 1, 3, 2), last]


def _step(params, x_t, y_prev, c_prev, *, g=np.tanh, h=np.tanh, forget=True, TW=np.transpose, TR=np.transpose,
          rec=None, column=False, swap=False, peep=lambda p, c: p * c, peep_first=False, peep_o_on_new=True,
          use=("i", "f", "o")):
    """The LSTM step with one thing changed (the mistakes of 04.2 and 04.3)."""
    P = params
    r = y_prev if rec is None else rec(y_prev, c_prev)
    if column:
        pre = {k: P[f"W_{k}"] @ x_t + P[f"R_{k}"] @ r + P[f"b_{k}"] for k in GATES}
    else:
        pre = {k: x_t @ TW(P[f"W_{k}"]) + r @ TR(P[f"R_{k}"]) + P[f"b_{k}"] for k in GATES}
    p = {k: P.get(f"p_{k}", 0.0) if k in use else 0.0 for k in "ifo"}
    if swap:
        p["i"], p["f"] = p["f"], p["i"]
    add = (lambda a, b: b + a) if peep_first else (lambda a, b: a + b)
    z = g(pre["z"])
    i = sigmoid(add(pre["i"], peep(p["i"], c_prev)))
    f = sigmoid(add(pre["f"], peep(p["f"], c_prev)))
    c_t = z * i + c_prev * (f if forget else 1.0)
    o = sigmoid(add(pre["o"], peep(p["o"], c_t if peep_o_on_new else c_prev)))
    return h(c_t) * o, c_t


STEP = Exercise(
    id="04.2", title="One LSTM step", solution=lstm_step,
    stub=make_stub(lstm_step, "four pre-activations of shape (N, H), each x_t W^T + y_prev R^T + b; then the "
                              "nonlinearities, the cell, the output"),
    cases=lambda rng: _step_cases(rng, peepholes=False), outputs=("y_t", "c_t"),
    axes={"y_t": ("n", "j"), "c_t": ("n", "j")}, seed=42,
    hint="the block input and the three gates are four small dense layers reading the same x_t and y_prev; "
         "with one sequence per row, W x_t is x_t @ W.T.",
    mistakes=(
        Mistake("Your z_t uses the sigmoid: the block input is squashed by g = tanh, so that it lies in (-1, 1) "
                "and can add to the cell or subtract from it; only the three gates use σ.",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, g=sigmoid)),
        Mistake("Your y_t is c_t ⊙ o_t: the cell is squashed before the output gate, y_t = h(c_t) ⊙ o_t with "
                "h = tanh (your c_t is right).",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, h=lambda c: c)),
        Mistake("Your c_t leaves out the forget gate (that is the original 1997 LSTM): c_t = z_t ⊙ i_t + "
                "c_{t-1} ⊙ f_t, with f_t = σ(W_f x_t + R_f y_{t-1} + b_f).",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, forget=False)),
        Mistake("Your recurrent terms use y_prev @ R instead of y_prev @ R.T: with one sequence per row, R y_{t-1} "
                "is written y_prev @ R.T (R is square, so the wrong one runs too).",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, TR=lambda a: a)),
        Mistake("Your weights are not transposed (x_t @ W, y_prev @ R): with one sequence per row, W x_t is "
                "x_t @ W.T and R y_{t-1} is y_prev @ R.T.",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, TW=lambda a: a,
                                                                            TR=lambda a: a)),
        Mistake("Your step uses the column form W_z @ x_t (as for one sequence in section 3): here x_t holds one "
                "sequence per row, (N, D), so W x_t is written x_t @ W.T and R y_{t-1} is y_prev @ R.T.",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, column=True)),
        Mistake("Your function returns (c_t, y_t): return them in the order (y_t, c_t), as lstm.step_forward does.",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev)[::-1]),
        Mistake("Your gates read the previous cell c_{t-1} through R: the recurrent weights act on the previous "
                "block output y_{t-1}. (A gate sees the cell itself only through a peephole, exercise 04.3.)",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, rec=lambda y, c: c)),
    ))


# --------------------------------------------------------------------------- 04.3 one step with peepholes

def lstm_step_peepholes(params, x_t, y_prev, c_prev):
    """One step of the LSTM with peepholes (Greff et al. 2017), for N sequences:

        z_t = g(W_z x_t + R_z y_{t-1} + b_z)
        i_t = σ(W_i x_t + R_i y_{t-1} + p_i ⊙ c_{t-1} + b_i)
        f_t = σ(W_f x_t + R_f y_{t-1} + p_f ⊙ c_{t-1} + b_f)
        c_t = z_t ⊙ i_t + c_{t-1} ⊙ f_t
        o_t = σ(W_o x_t + R_o y_{t-1} + p_o ⊙ c_t + b_o)       the output gate sees the *new* cell
        y_t = h(c_t) ⊙ o_t                                     g = h = tanh

    Inputs:  params: as in exercise 04.2, plus the peepholes p_i, p_f, p_o (H,);
             x_t (N, D); y_prev (N, H) the outputs y_{t-1}; c_prev (N, H) the cells c_{t-1}
    Returns: y_t (N, H), c_t (N, H)
    """
    P = params
    z = np.tanh(x_t @ P["W_z"].T + y_prev @ P["R_z"].T + P["b_z"])  # (N, H)
    i = sigmoid(x_t @ P["W_i"].T + y_prev @ P["R_i"].T + P["p_i"] * c_prev + P["b_i"])  # (N, H)
    f = sigmoid(x_t @ P["W_f"].T + y_prev @ P["R_f"].T + P["p_f"] * c_prev + P["b_f"])  # (N, H)
    c_t = z * i + c_prev * f  # (N, H)
    o = sigmoid(x_t @ P["W_o"].T + y_prev @ P["R_o"].T + P["p_o"] * c_t + P["b_o"])  # (N, H)
    y_t = np.tanh(c_t) * o  # (N, H)
    return y_t, c_t


_DOT_PEEPHOLE = ("Your peephole terms are dot products (c @ p: one number per sequence, shared by every unit): a "
                 "peephole is a Hadamard product, p ⊙ c, written p * c. Each unit's gate looks at its own cell only; "
                 "p holds one weight per unit.")

PEEPHOLES = Exercise(
    id="04.3", title="One LSTM step with peepholes", solution=lstm_step_peepholes,
    stub=make_stub(lstm_step_peepholes, "as in 04.2, with one peephole term in each gate; mind the order: "
                                        "o_t needs c_t"),
    cases=lambda rng: _step_cases(rng, peepholes=True), outputs=("y_t", "c_t"),
    axes={"y_t": ("n", "j"), "c_t": ("n", "j")}, seed=43,
    hint="each gate gets one more term, p ⊙ (a cell); the input and forget gates look at c_{t-1}, the output "
         "gate at the cell you have just computed.",
    mistakes=(
        Mistake("Your output gate looks at the old cell c_{t-1}: its peephole sees the new one, "
                "ō_t = W_o x_t + R_o y_{t-1} + p_o ⊙ c_t + b_o. Compute c_t first, then o_t.",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, peep_o_on_new=False)),
        Mistake(_DOT_PEEPHOLE,
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, peep=lambda p, c: c @ p)),
        Mistake(_DOT_PEEPHOLE,  # the same, with the peephole term first (another broadcasting error where it fails)
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, peep=lambda p, c: c @ p,
                                                          peep_first=True)),
        Mistake("Your input and forget gates swap their peepholes: p_i belongs to the input gate, p_f to the "
                "forget gate.",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, swap=True)),
        Mistake("Your output gate has no peephole: ō_t also gets p_o ⊙ c_t (your c_t is right).",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, use=("i", "f"))),
        Mistake("Your step ignores the peepholes (it is the step of exercise 04.2): add p_i ⊙ c_{t-1} to ī_t, "
                "p_f ⊙ c_{t-1} to f̄_t and p_o ⊙ c_t to ō_t.",
                lambda params, x_t, y_prev, c_prev: _step(params, x_t, y_prev, c_prev, use=())),
    ))

EXERCISES = [CELL, STEP, PEEPHOLES]
