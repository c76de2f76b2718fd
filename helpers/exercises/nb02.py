"""Exercises of notebook 02 (the simple RNN, forward): one step, the loop over time, the output layer.

Shapes (row vectors, time-major): x (T, N, D), h (T, N, H), U (H, D), W (H, H), b (H,), V (K, H), c (K,).
"""
from __future__ import annotations

import numpy as np

from .core import Case, Exercise, Mistake, make_stub

__all__ = ["EXERCISES"]


# --------------------------------------------------------------------------- 02.1 one step

def rnn_step(x_t, h_prev, U, W, b):
    """One step of the simple RNN (Goodfellow et al. eqs. 10.8-10.9), for a batch of N sequences:

        h_t = tanh(b + W h_{t-1} + U x_t)      (one sequence, column vectors)

    Inputs:  x_t (N, D) the inputs of step t; h_prev (N, H) the states of step t-1;
             U (H, D), W (H, H), b (H,)
    Returns: h_t (N, H)
    """
    return np.tanh(b + h_prev @ W.T + x_t @ U.T)  # (N, H)


def _step_cases(rng):
    def case(label, N, D, H, scale=1.0):
        return Case(label, (rng.standard_normal((N, D)), np.tanh(rng.standard_normal((N, H))),
                            scale * rng.standard_normal((H, D)), scale * rng.standard_normal((H, H)) / np.sqrt(H),
                            rng.standard_normal(H)))
    return [case("N = 3, D = 4, H = 5", 3, 4, 5), case("N = 4, D = 2, H = 4 (N = H)", 4, 2, 4),
            case("one sequence, one unit", 1, 3, 1), case("large weights: a saturated tanh", 2, 3, 4, 8.0)]


STEP = Exercise(
    id="02.1", title="One RNN step", solution=rnn_step,
    stub=make_stub(rnn_step, "one line: b + h_prev W^T + x_t U^T, then tanh (rows are sequences, so W h becomes "
                             "h_prev @ W.T)"),
    cases=_step_cases, outputs=("h_t",), axes={"h_t": ("n", "j")}, seed=21,
    hint="add three terms of shape (N, H) and take the tanh; with one state per row, W h_{t-1} is h_prev @ W.T.",
    mistakes=(
        Mistake("Your h_t matches h_prev @ W instead of h_prev @ W.T: with one state per row, W h_{t-1} is "
                "written h_prev @ W.T (row n of the result is W times state n).",
                lambda x_t, h_prev, U, W, b: np.tanh(b + h_prev @ W + x_t @ U.T)),
        Mistake("Your h_t is the pre-activation a_t = b + W h_{t-1} + U x_t: the tanh is missing "
                "(h_t must lie in (-1, 1)).",
                lambda x_t, h_prev, U, W, b: b + h_prev @ W.T + x_t @ U.T),
        Mistake("Your h_t leaves out the bias b.", lambda x_t, h_prev, U, W, b: np.tanh(h_prev @ W.T + x_t @ U.T)),
        Mistake("Your h_t leaves out the recurrent term W h_{t-1}: without it the network forgets everything "
                "at every step.", lambda x_t, h_prev, U, W, b: np.tanh(b + x_t @ U.T)),
    ))


# --------------------------------------------------------------------------- 02.2 the loop over time

def rnn_forward(x, h0, U, W, b):
    """The whole forward pass: the step of exercise 02.1 for t = 0 ... T-1, with the same U, W, b at every step.

        h_t = tanh(b + W h_{t-1} + U x_t),   h_{-1} = h0

    Inputs:  x (T, N, D) time-major inputs; h0 (N, H) the initial state; U (H, D), W (H, H), b (H,)
    Returns: h (T, N, H), where h[t] is the state *after* input x[t] (so h[0] is not h0)
    """
    T = x.shape[0]
    h = np.empty((T,) + h0.shape)  # (T, N, H)
    h_t = h0  # (N, H)
    for t in range(T):
        h_t = np.tanh(b + h_t @ W.T + x[t] @ U.T)  # (N, H)
        h[t] = h_t
    return h


def _forward_cases(rng):
    def case(label, T, N, D, H):
        return Case(label, (rng.standard_normal((T, N, D)), np.tanh(rng.standard_normal((N, H))),
                            rng.standard_normal((H, D)), rng.standard_normal((H, H)) / np.sqrt(H),
                            rng.standard_normal(H)))
    return [case("T = 6, N = 3, D = 4, H = 5", 6, 3, 4, 5), case("T = 1", 1, 2, 3, 4),
            case("T = 8, one sequence", 8, 1, 2, 3), case("T = 5, N = H = 4", 5, 4, 2, 4)]


def _forward_from_h0_every_step(x, h0, U, W, b):
    return np.stack([np.tanh(b + h0 @ W.T + x[t] @ U.T) for t in range(x.shape[0])])


def _forward_storing_previous(x, h0, U, W, b):
    h, h_t = [], h0
    for t in range(x.shape[0]):
        h.append(h_t)
        h_t = np.tanh(b + h_t @ W.T + x[t] @ U.T)
    return np.stack(h)


FORWARD = Exercise(
    id="02.2", title="The forward pass through time", solution=rnn_forward,
    stub=make_stub(rnn_forward, "loop over t, carry the state from one step to the next, store every h_t in an "
                                "array of shape (T, N, H)"),
    cases=_forward_cases, outputs=("h",), axes={"h": ("t", "n", "j")}, seed=22,
    hint="start from h_t = h0; in a loop over t, compute the next state from the previous one and store it in h[t].",
    mistakes=(
        Mistake("Every step of yours starts from h0: the state computed at step t must be the h_{t-1} of step t+1 "
                "(carry h_t through the loop).", _forward_from_h0_every_step),
        Mistake("Your h[t] is the state *before* input x[t] (h[0] = h0): store h_t after computing it, so that "
                "h[t] is the state after x[t].", _forward_storing_previous),
        Mistake("Your loop multiplies the state by W instead of W.T (h_prev @ W): with one state per row, "
                "W h_{t-1} is h_prev @ W.T.",
                lambda x, h0, U, W, b: rnn_forward(x, h0, U, W.T, b)),
    ))


# --------------------------------------------------------------------------- 02.3 the output layer

def rnn_outputs(h, V, c):
    """The output layer at every step (eq. 10.10): o_t = c + V h_t, for all T steps and N sequences at once.

    Inputs:  h (T, N, H) hidden states; V (K, H); c (K,)
    Returns: o (T, N, K)
    """
    return h @ V.T + c  # (T, N, K)


def _output_cases(rng):
    def case(label, T, N, H, K):
        return Case(label, (np.tanh(rng.standard_normal((T, N, H))), rng.standard_normal((K, H)),
                            rng.standard_normal(K)))
    return [case("T = 6, N = 3, H = 5, K = 2", 6, 3, 5, 2), case("T = 1, K = 1", 1, 2, 4, 1),
            case("H = K = 3", 4, 2, 3, 3)]


OUTPUTS = Exercise(
    id="02.3", title="The output layer at every step", solution=rnn_outputs,
    stub=make_stub(rnn_outputs, "one line; the product with V.T works on the last axis of h, for every t and n"),
    cases=_output_cases, outputs=("o",), axes={"o": ("t", "n", "k")}, seed=23,
    hint="one matrix product and the bias; @ acts on the last axis of h, so all T steps and N sequences go at once.",
    mistakes=(
        Mistake("Your o uses V instead of V.T: o_t = c + V h_t is h @ V.T for row vectors.",
                lambda h, V, c: h @ V + c),
        Mistake("Your o leaves out the output bias c.", lambda h, V, c: h @ V.T),
        Mistake("Your o has a tanh: the output layer of eq. 10.10 is linear (a softmax or a loss comes after it).",
                lambda h, V, c: np.tanh(h @ V.T + c)),
    ))

EXERCISES = [STEP, FORWARD, OUTPUTS]
