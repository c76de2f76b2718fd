"""Exercises of notebook 07 (gradient clipping): Pascanu et al.'s one-unit network, clipping by global norm, and
clipping by value with the turn it gives the update.

Shapes: the one-unit network for M pairs (w, b) at once, w (M,), b (M,), states x (T + 1, M); the gradients of a
simple RNN's three parameters dU (H, D), dW (H, H), db (H,).
"""
from __future__ import annotations

import numpy as np

from .core import Case, Exercise, Mistake, make_stub

__all__ = ["EXERCISES"]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# --------------------------------------------------------------------------- 07.1 the one-unit network, forward

def scalar_rnn_forward(w, b, T):
    """Pascanu et al.'s one-unit network (2013, sec. 2.2-2.3), for M pairs (w, b) at once:

        x_t = w sigma(x_{t-1}) + b,   t = 1 ... T,   x_0 = 0.5;        E = (sigma(x_T) - 0.7)^2

    with sigma(x) = 1 / (1 + exp(-x)) the logistic sigmoid. The state x_t is the value *before* the sigmoid.

    Inputs:  w (M,) recurrent weights; b (M,) biases; T the number of steps (50 in the paper)
    Returns: x (T + 1, M) the states x_0 ... x_T of every network (x[0] = 0.5); E (M,) the error of each
    """
    x = np.empty((T + 1,) + w.shape)  # (T + 1, M)
    x[0] = 0.5
    for t in range(1, T + 1):
        x[t] = w / (1 + np.exp(-x[t - 1])) + b  # (M,): w sigma(x_{t-1}) + b
    E = (1 / (1 + np.exp(-x[T])) - 0.7) ** 2  # (M,)
    return x, E


def _scalar_cases(rng):
    w_cliff = 5.0
    b_cliff = 0.5 - w_cliff * _sigmoid(0.5)  # x_0 = 0.5 is the unstable fixed point: the cliff (notebook, sec. 2)
    return [Case("M = 6 networks across the surface, T = 50",
                 (rng.uniform(-3.0, 9.0, 6), rng.uniform(-5.0, 3.0, 6), 50)),
            Case("T = 1", (rng.uniform(1.0, 9.0, 3), rng.uniform(-5.0, 3.0, 3), 1)),
            Case("w = 5, b within 1e-4 of the cliff",
                 (np.full(4, w_cliff), b_cliff + np.array([-1e-4, -1e-6, 1e-6, 1e-4]), 50)),
            Case("one network, M = 1, T = 12", (np.array([2.5]), np.array([-1.0]), 12))]


def _scalar_wrong(step=lambda w, b, x_prev: w * _sigmoid(x_prev) + b, start_from_half=False, score=_sigmoid,
                  keep_x0=True, steps=0):
    """A wrong forward pass: ``step`` in place of the recurrence, x_1 = 0.5 w + b, E scored on ``score``(x_T),
    x without x_0, or ``steps`` steps more (or fewer) than T."""
    def wrong(w, b, T):
        n = T + steps
        x = np.empty((n + 1,) + w.shape)
        x[0] = 0.5
        for t in range(1, n + 1):
            x[t] = w * 0.5 + b if (start_from_half and t == 1) else step(w, b, x[t - 1])
        E = (score(x[n]) - 0.7) ** 2
        return (x if keep_x0 else x[1:]), E
    return wrong


SCALAR = Exercise(
    id="07.1", title="The one-unit network", solution=scalar_rnn_forward,
    stub=make_stub(scalar_rnn_forward, "T + 1 rows with x[0] = 0.5, then a loop over t = 1 ... T; each line "
                                       "acts on all M networks"),
    cases=_scalar_cases, outputs=("x", "E"), axes={"x": ("t", "m"), "E": ("m",)}, seed=71,
    hint="the sigmoid acts on the previous state, and w and b come after it; x has T + 1 rows because x_0 is one "
         "of them.",
    mistakes=(
        Mistake("Your x follows x_t = sigma(w x_{t-1} + b), the usual RNN form. In Pascanu et al.'s network the "
                "state is the value before the sigmoid: x_t = w sigma(x_{t-1}) + b (it can leave (0, 1)).",
                _scalar_wrong(lambda w, b, x_prev: _sigmoid(w * x_prev + b))),
        Mistake("Your x_1 is w * 0.5 + b, as if sigma(x_0) were 0.5: x_0 = 0.5 is the state itself, so x_1 = "
                "w sigma(0.5) + b, with sigma(0.5) = 0.622.",
                _scalar_wrong(start_from_half=True)),
        Mistake("Your E compares x_T itself with the target: the unit's output is sigma(x_T), so E = "
                "(sigma(x_T) - 0.7)^2.",
                _scalar_wrong(score=lambda x: x)),
        Mistake("Your E is sigma(x_T) - 0.7, the error before squaring: E = (sigma(x_T) - 0.7)^2.",
                lambda w, b, T: (scalar_rnn_forward(w, b, T)[0],
                                 _sigmoid(scalar_rnn_forward(w, b, T)[0][-1]) - 0.7)),
        Mistake("Your x leaves out x_0: it must hold T + 1 rows, x_0 = 0.5 first, then x_1 ... x_T.",
                _scalar_wrong(keep_x0=False)),
        Mistake("Your loop stops one step early: your x ends at x_{T-1} and E scores sigma(x_{T-1}). The "
                "recurrence runs for t = 1 ... T (range(1, T + 1)), and x holds T + 1 rows.",
                _scalar_wrong(steps=-1)),
    ))


# --------------------------------------------------------------------------- 07.2 clipping by global norm

def clip_rnn_grads_by_norm(dU, dW, db, tau):
    """Clipping by global norm (Pascanu et al. 2013, Algorithm 1), for the gradient of an RNN's three parameters:

        ||g|| = sqrt(sum of the squares of all entries of dU, dW and db)      (one norm for all of them)
        if ||g|| > tau:   g <- (tau / ||g||) g                                  (one factor for all of them)

    Inputs:  dU (H, D), dW (H, H), db (H,) the gradients; tau > 0 the threshold
    Returns: dU (H, D), dW (H, H), db (H,) the clipped gradients (new arrays; the inputs stay as they were);
             total_norm: ||g|| before clipping (a number)
    """
    total_norm = np.sqrt(np.sum(dU ** 2) + np.sum(dW ** 2) + np.sum(db ** 2))  # one norm over every entry
    factor = tau / total_norm if total_norm > tau else 1.0  # never more than 1: small gradients stay as they are
    return dU * factor, dW * factor, db * factor, total_norm


def _grad_case(rng, label, H, D, scales, tau, norm=None):
    """Gradients with entries of the given scales (for dU, dW, db), rescaled to global norm ``norm`` if given,
    and the threshold tau."""
    sU, sW, sb = scales
    grads = (sU * rng.standard_normal((H, D)), sW * rng.standard_normal((H, H)), sb * rng.standard_normal(H))
    if norm is not None:
        factor = norm / np.sqrt(sum(np.sum(g ** 2) for g in grads))
        grads = tuple(factor * g for g in grads)
    return Case(label, (*grads, tau))


def _norm_cases(rng):
    return [_grad_case(rng, "far above the threshold: ||g|| = 100, tau = 1", 4, 3, (1.0, 1.0, 1.0), 1.0, 100.0),
            _grad_case(rng, "below the threshold: ||g|| = 3, tau = 4 (nothing to do)", 3, 2, (1.0, 1.0, 1.0), 4.0, 3.0),
            _grad_case(rng, "dW dominates: ||g|| = 1000, tau = 5", 4, 2, (0.01, 1.0, 0.01), 5.0, 1000.0),
            _grad_case(rng, "far below: ||g|| = 0.5, tau = 2", 3, 3, (1.0, 1.0, 1.0), 2.0, 0.5),
            _grad_case(rng, "one unit, H = D = 1, tau = 0.5", 1, 1, (2.0, 3.0, 1.0), 0.5)]


def _sq(a):
    return float(np.sum(a ** 2))


def _scaled(arrays, factor):
    return tuple(a * factor for a in arrays)


def _per_parameter(dU, dW, db, tau):
    clipped = tuple(g * min(1.0, tau / np.sqrt(_sq(g))) for g in (dU, dW, db))
    return (*clipped, np.sqrt(_sq(dU) + _sq(dW) + _sq(db)))


def _always_rescaled(dU, dW, db, tau):
    norm = np.sqrt(_sq(dU) + _sq(dW) + _sq(db))
    return (*_scaled((dU, dW, db), tau / norm), norm)


def _sum_of_norms(dU, dW, db, tau):
    norm = sum(np.sqrt(_sq(g)) for g in (dU, dW, db))
    return (*_scaled((dU, dW, db), min(1.0, tau / norm)), norm)


def _no_square_root(dU, dW, db, tau):
    squared = _sq(dU) + _sq(dW) + _sq(db)
    return (*_scaled((dU, dW, db), min(1.0, tau / squared)), squared)


def _largest_entry(dU, dW, db, tau):
    norm = max(float(np.max(np.abs(g))) for g in (dU, dW, db))
    return (*_scaled((dU, dW, db), min(1.0, tau / norm)), norm)


def _norm_after(dU, dW, db, tau):
    *clipped, norm = clip_rnn_grads_by_norm(dU, dW, db, tau)
    return (*clipped, min(norm, tau))


NORM = Exercise(
    id="07.2", title="Clipping by global norm", solution=clip_rnn_grads_by_norm,
    stub=make_stub(clip_rnn_grads_by_norm, "first the one norm of all entries together, then the factor (which must "
                                           "never make a gradient longer), then the three new arrays"),
    cases=_norm_cases, outputs=("dU", "dW", "db", "total_norm"), seed=72,
    hint="one norm over the entries of all three arrays together; rescale all three by the same factor, and only "
         "when that norm exceeds tau.",
    mistakes=(
        Mistake("Your dU, dW and db are each clipped by their own norm: that is clipping per parameter, a different "
                "rule, which changes the direction of the whole update. Algorithm 1 computes one norm over all "
                "entries of all three arrays and rescales them all by the same factor tau / ||g||.",
                _per_parameter),
        Mistake("Your function rescaled a gradient whose norm is at most tau, and so stretched it to length tau. "
                "Clipping only shortens: if ||g|| <= tau the gradients come back unchanged (the factor is "
                "min(1, tau / ||g||); and the test compares the norm itself, not its square, with tau).",
                _always_rescaled),
        Mistake("Your norm is ||dU|| + ||dW|| + ||db||, the sum of the three norms. The global norm reads all "
                "entries as one vector: ||g|| = sqrt(||dU||^2 + ||dW||^2 + ||db||^2).",
                _sum_of_norms),
        Mistake("Your total_norm is the sum of squares ||g||^2, and it is what you compare with tau and divide by: "
                "the square root is missing.",
                _no_square_root),
        Mistake("Your norm is the largest |entry| (the max norm): Algorithm 1 uses the Euclidean norm of all "
                "entries together, ||g|| = sqrt(sum of their squares).",
                _largest_entry),
        Mistake("Your total_norm is the norm after clipping (at most tau); return ||g|| before clipping, the "
                "number a training loop logs to see how large the gradients really were.",
                _norm_after),
    ))


# --------------------------------------------------------------------------- 07.3 clipping by value

def clip_rnn_grads_by_value(dU, dW, db, tau):
    """Clipping by value, and how much it turns the update (notebook 07, section 4):

        g_i <- min(max(g_i, -tau), tau)       for every entry i of dU, dW and db, each on its own
        cos = <g_clipped, g> / (||g_clipped|| ||g||)      all three arrays read as one long vector g

    Inputs:  dU (H, D), dW (H, H), db (H,) the gradients; tau > 0 the limit
    Returns: dU (H, D), dW (H, H), db (H,) the clipped gradients (new arrays); cosine: the cosine between the
             clipped and the original gradient (1: the same direction)
    """
    grads = (dU, dW, db)
    clipped = tuple(np.clip(g, -tau, tau) for g in grads)  # entries cut to [-tau, tau]
    dot = sum(np.sum(c * g) for c, g in zip(clipped, grads))  # <g_clipped, g> over every entry
    norm_clipped = np.sqrt(sum(np.sum(c ** 2) for c in clipped))
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return (*clipped, dot / (norm_clipped * norm))


def _mostly_cut(case):
    """The case with the first entry of each gradient moved inside [-tau, tau] (every other one lies far outside)."""
    *grads, tau = case.args
    grads = [g.copy() for g in grads]
    for g in grads:
        g.flat[0] = 0.5 * tau * np.sign(g.flat[0])
    return Case(case.label, (*grads, tau))


def _value_cases(rng):
    return [_grad_case(rng, "entries on both sides of +-tau, tau = 1", 4, 3, (2.0, 2.0, 2.0), 1.0),
            _grad_case(rng, "every entry inside: nothing to cut, tau = 10", 3, 2, (1.0, 1.0, 1.0), 10.0),
            _mostly_cut(_grad_case(rng, "all entries but one per array cut, tau = 0.1", 3, 2, (50.0, 80.0, 30.0), 0.1)),
            _grad_case(rng, "dW dominates, tau = 1", 4, 2, (0.3, 30.0, 0.2), 1.0),
            Case("one unit, H = 1, D = 3, tau = 0.5", (np.array([[1.7, -0.3, -2.2]]), np.array([[0.4]]),
                                                      np.array([-0.1]), 0.5))]


def _cosine(a, b):
    dot = sum(np.sum(x * y) for x, y in zip(a, b))
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 for an all-zero gradient: nan, quietly
        return dot / (np.sqrt(sum(np.sum(x ** 2) for x in a)) * np.sqrt(sum(np.sum(y ** 2) for y in b)))


def _value_with(cut):
    def wrong(dU, dW, db, tau):
        clipped = tuple(cut(g, tau) for g in (dU, dW, db))
        return (*clipped, _cosine(clipped, (dU, dW, db)))
    return wrong


def _averaged_cosine(dU, dW, db, tau):
    clipped = tuple(np.clip(g, -tau, tau) for g in (dU, dW, db))
    return (*clipped, np.mean([_cosine((c,), (g,)) for c, g in zip(clipped, (dU, dW, db))]))


def _length_ratio(dU, dW, db, tau):
    clipped = tuple(np.clip(g, -tau, tau) for g in (dU, dW, db))
    return (*clipped, np.sqrt(sum(_sq(c) for c in clipped)) / np.sqrt(sum(_sq(g) for g in (dU, dW, db))))


def _dot_product(dU, dW, db, tau):
    clipped = tuple(np.clip(g, -tau, tau) for g in (dU, dW, db))
    return (*clipped, sum(np.sum(c * g) for c, g in zip(clipped, (dU, dW, db))))


def _angle(dU, dW, db, tau):
    *clipped, cosine = clip_rnn_grads_by_value(dU, dW, db, tau)
    return (*clipped, np.arccos(np.clip(cosine, -1.0, 1.0)))


def _rescaled_by_norm(dU, dW, db, tau):
    *clipped, _ = clip_rnn_grads_by_norm(dU, dW, db, tau)
    return (*clipped, _cosine(clipped, (dU, dW, db)))


VALUE = Exercise(
    id="07.3", title="Clipping by value, and the turn it gives", solution=clip_rnn_grads_by_value,
    stub=make_stub(clip_rnn_grads_by_value, "cut every entry on its own, then the cosine of the clipped and the "
                                            "original gradient, with all three arrays as one vector"),
    cases=_value_cases, outputs=("dU", "dW", "db", "cosine"), seed=73,
    hint="each entry into [-tau, tau] (np.clip); the dot product and both norms run over the entries of all three "
         "arrays together.",
    mistakes=(
        Mistake("Your clipping cuts only the entries above +tau: entries below -tau must be raised to -tau too "
                "(the large negative entries are just as large).",
                _value_with(lambda g, tau: np.minimum(g, tau))),
        Mistake("Your clipped entries lost their sign: cut |g_i| to tau and keep the sign, min(max(g_i, -tau), "
                "tau); an entry of -3 with tau = 1 becomes -1, not 1.",
                _value_with(lambda g, tau: np.minimum(np.abs(g), tau))),
        Mistake("Your clipped gradient is the whole gradient rescaled to length tau: that is clipping by global "
                "norm (exercise 07.2), which keeps the direction (cosine 1). Clipping by value cuts each entry on "
                "its own, keeps the small ones, and so turns the update.",
                _rescaled_by_norm),
        Mistake("Your clipping sets the entries beyond +-tau to 0: they are cut to +-tau (the largest entries keep "
                "their sign and the largest allowed size), not dropped.",
                _value_with(lambda g, tau: np.where(np.abs(g) > tau, 0.0, g))),
        Mistake("Your cosine is the mean of the three arrays' own cosines: the direction of the update is that of "
                "all entries together, so the dot product and the norms run over dU, dW and db at once.",
                _averaged_cosine),
        Mistake("Your cosine is ||g_clipped|| / ||g||, how much shorter the gradient got, not how much it turned: "
                "cos = <g_clipped, g> / (||g_clipped|| ||g||).",
                _length_ratio),
        Mistake("Your cosine is the dot product <g_clipped, g> alone: divide it by both lengths, ||g_clipped|| "
                "||g||, so that it measures the angle and not the size (it must lie in [-1, 1]).",
                _dot_product),
        Mistake("Your cosine is the angle itself, arccos(cos), in radians: return the cosine (1 for the same "
                "direction, 0 at right angles).",
                _angle),
    ))

EXERCISES = [SCALAR, NORM, VALUE]
