"""Exercises of notebook 03 (backpropagation through time): one step backward, the whole BPTT loop, truncated BPTT.

Shapes (row vectors, time-major): x (T, N, D), h0 (N, H), h (T, N, H), U (H, D), W (H, H), b (H,).
The arguments are what the forward pass stores (the fields of helpers.rnn.StepCache and RNNCache); the bias b is
not one of them, so the numerical gradients recover it from the stored states (:func:`_implied_bias`).
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from .core import Case, Exercise, Mistake, make_stub

__all__ = ["EXERCISES"]


# --------------------------------------------------------------------------- shared: cases and forward passes

def _run(x, h_start, U, W, b):
    """h_t = tanh(b + W h_{t-1} + U x_t) for the steps of x, from h_start; returns (T, N, H)."""
    h, h_t = [], h_start
    for x_t in x:
        h_t = np.tanh(b + h_t @ W.T + x_t @ U.T)  # (N, H)
        h.append(h_t)
    return np.stack(h)  # (T, N, H)


def _implied_bias(x, h0, h, U, W):
    """The bias b of the forward pass that produced h: b = arctanh(h_t) - W h_{t-1} - U x_t, read for each unit
    from the entry farthest from saturation (where arctanh is well conditioned)."""
    H = W.shape[0]
    h_prev = np.concatenate([h0[None], h[:-1]])  # (T, N, H)
    b_all = (np.arctanh(h) - h_prev @ W.T - x @ U.T).reshape(-1, H)  # (T*N, H): one estimate per entry
    best = np.argmin(np.abs(h).reshape(-1, H), axis=0)  # (H,)
    return b_all[best, np.arange(H)]  # (H,)


def _sequence(rng, T, N, D, H, scale=1.0):
    """(x, h0, h, U, W): a forward pass from a non-zero initial state; scale > 1 saturates the tanh."""
    x = rng.standard_normal((T, N, D))  # (T, N, D)
    h0 = np.tanh(rng.standard_normal((N, H)))  # (N, H)
    U = scale * rng.standard_normal((H, D)) / np.sqrt(D)  # (H, D)
    W = scale * rng.standard_normal((H, H)) / np.sqrt(H)  # (H, H)
    b = 0.5 * rng.standard_normal(H)  # (H,)
    return x, h0, _run(x, h0, U, W, b), U, W


def _sequence_gradients(dh, x, h0, h, U, W):
    """Central differences of L = sum_t dh[t] . h_t (full forward pass) for x, h0, U, W and b."""
    b = _implied_bias(x, h0, h, U, W)
    return {"dx": numerical_gradient(lambda v: _run(v, h0, U, W, b), x, dh),
            "dh0": numerical_gradient(lambda v: _run(x, v, U, W, b), h0, dh),
            "dU": numerical_gradient(lambda v: _run(x, h0, v, W, b), U, dh),
            "dW": numerical_gradient(lambda v: _run(x, h0, U, v, b), W, dh),
            "db": numerical_gradient(lambda v: _run(x, h0, U, W, v), b, dh)}


def _from_deltas(delta, x, h0, h, U):
    """dx, dU, dW, db from delta_t = dL/da_t of every step (T, N, H): the sums over t of eqs. 10.22-10.28."""
    h_prev = np.concatenate([h0[None], h[:-1]])  # (T, N, H): h_{t-1}, with h_{-1} = h0
    dU = sum(d.T @ x_t for d, x_t in zip(delta, x))  # (H, D)
    dW = sum(d.T @ p for d, p in zip(delta, h_prev))  # (H, H)
    return delta @ U, dU, dW, delta.sum(axis=(0, 1))  # dx (T, N, D), dU, dW, db (H,)


def _nonzero(wrong, zero_ok=()):
    """A mistake that explains a case only where its outputs are not all zero (except those in ``zero_ok``, which
    the mistake is about): where it computes nothing (a loop that never runs, an empty window), a learner's
    unfilled np.zeros would match it and get its hint. The guard raises there, and core skips the mistake."""
    def guarded(*args):
        out = wrong(*args)
        if any(not np.any(o) for i, o in enumerate(out) if i not in zero_ok):
            raise ValueError("this mistake computes nothing on this case")
        return out
    return guarded


# --------------------------------------------------------------------------- 03.1 one step backward

def rnn_step_backward(dh_t, x_t, h_prev, h_t, U, W):
    """Backward of one RNN step (Goodfellow et al. eqs. 10.21-10.28), for a batch of N sequences.

    The forward step was h_t = tanh(a_t), a_t = b + W h_{t-1} + U x_t. Given dL/dh_t, the *total* gradient
    reaching h_t (one sequence, column vectors):

        delta_t     = diag(1 - h_t^2) dL/dh_t         the error of a_t (tanh' from the stored h_t)
        dL/dx_t     = U^T delta_t                      dL/dh_{t-1} = W^T delta_t
        this step's terms of the sums over time:  delta_t x_t^T (for U),  delta_t h_{t-1}^T (for W),  delta_t (for b)

    With one sequence per row, each weight term is summed over the N sequences.

    Inputs:  dh_t (N, H) dL/dh_t; x_t (N, D); h_prev (N, H) the state h_{t-1}; h_t (N, H); U (H, D), W (H, H)
    Returns: dx_t (N, D), dh_prev (N, H), dU (H, D), dW (H, H), db (H,)
    """
    delta = dh_t * (1.0 - h_t ** 2)  # (N, H): dL/da_t
    dx_t = delta @ U  # (N, D): row n is U^T delta_t of sequence n
    dh_prev = delta @ W  # (N, H): W^T delta_t
    dU = delta.T @ x_t  # (H, D): sum over n of delta_t x_t^T
    dW = delta.T @ h_prev  # (H, H): sum over n of delta_t h_{t-1}^T
    db = delta.sum(axis=0)  # (H,)
    return dx_t, dh_prev, dU, dW, db


def _step_cases(rng):
    def case(label, N, D, H, scale=1.0):
        x, h0, h, U, W = _sequence(rng, 1, N, D, H, scale)
        return Case(label, (rng.standard_normal((N, H)), x[0], h0, h[0], U, W))
    return [case("N = 3, D = 4, H = 5", 3, 4, 5), case("N = D = H = 4", 4, 4, 4),
            case("one sequence, one unit", 1, 3, 1), case("large weights: a saturated tanh", 3, 3, 4, 5.0)]


def _step_gradients(dh_t, x_t, h_prev, h_t, U, W):
    numeric = _sequence_gradients(dh_t[None], x_t[None], h_prev, h_t[None], U, W)
    return {"dx_t": numeric["dx"][0], "dh_prev": numeric["dh0"], "dU": numeric["dU"], "dW": numeric["dW"],
            "db": numeric["db"]}


def _wrong_step(derivative=lambda h_prev, h_t: 1.0 - h_t ** 2, previous=lambda h_prev, h_t: h_prev,
                dW_transposed=False, dh_W=lambda W: W, dx_U=lambda U: U, average=False):
    def wrong(dh_t, x_t, h_prev, h_t, U, W):
        delta = dh_t * derivative(h_prev, h_t)  # (N, H)
        dW = previous(h_prev, h_t).T @ delta if dW_transposed else delta.T @ previous(h_prev, h_t)
        scale = 1.0 / dh_t.shape[0] if average else 1.0
        return delta @ dx_U(U), delta @ dh_W(W), scale * delta.T @ x_t, scale * dW, scale * delta.sum(axis=0)
    return wrong


STEP = Exercise(
    id="03.1", title="One step backward", solution=rnn_step_backward,
    stub=make_stub(rnn_step_backward, "delta first (elementwise, shape (N, H)); then five products: match each "
                                      "one's shape to the Returns line (rows of delta are sequences)"),
    cases=_step_cases, outputs=("dx_t", "dh_prev", "dU", "dW", "db"),
    axes={"dx_t": ("n", "d"), "dh_prev": ("n", "j")}, gradient=_step_gradients, seed=31,
    hint="compute delta = dL/da_t first; every output is then a product of delta with U, W, x_t or h_prev, or a "
         "sum of delta over the batch.",
    mistakes=(
        Mistake("Your gradients use dL/dh_t where dL/da_t belongs: the tanh derivative is missing. First "
                "delta_t = (1 - h_t^2) * dL/dh_t, then every product uses delta_t.",
                _wrong_step(derivative=lambda h_prev, h_t: 1.0)),
        Mistake("Your tanh derivative is 1 - tanh(h_t)^2, the tanh applied twice: h_t already is tanh(a_t), so "
                "tanh'(a_t) = 1 - h_t^2.", _wrong_step(derivative=lambda h_prev, h_t: 1.0 - np.tanh(h_t) ** 2)),
        Mistake("Your derivative is h_t (1 - h_t), the sigmoid's: for h_t = tanh(a_t) it is 1 - h_t^2.",
                _wrong_step(derivative=lambda h_prev, h_t: h_t * (1.0 - h_t))),
        Mistake("Your tanh derivative is taken at h_{t-1}: this step produced h_t = tanh(a_t), so delta_t = "
                "diag(1 - h_t^2) dL/dh_t (eq. 10.21's 1 - h_{t+1}^2 is the same thing, seen from step t).",
                _wrong_step(derivative=lambda h_prev, h_t: 1.0 - h_prev ** 2)),
        Mistake("Your dW matches the true dW with h_t in place of h_{t-1}: W multiplies the previous state in "
                "a_t = b + W h_{t-1} + U x_t, so this step's term is delta_t h_{t-1}^T.",
                _wrong_step(previous=lambda h_prev, h_t: h_t)),
        Mistake("Your dW is transposed: in delta_t h_{t-1}^T the row is the receiving unit (as in W), so with one "
                "sequence per row it is delta.T @ h_prev, not h_prev.T @ delta.", _wrong_step(dW_transposed=True)),
        Mistake("Your dh_prev is W delta_t, not W^T delta_t: with one sequence per row, W^T delta_t is written "
                "delta @ W.", _wrong_step(dh_W=lambda W: W.T)),
        Mistake("Your dx_t is U delta_t, not U^T delta_t: with one sequence per row, U^T delta_t is written "
                "delta @ U (shape (N, D)).", _wrong_step(dx_U=lambda U: U.T)),
        Mistake("Your dU, dW and db are averaged over the N sequences: each sequence adds its own term, so sum "
                "them (any 1/N of the loss is already inside dL/dh_t).", _wrong_step(average=True)),
    ))


# --------------------------------------------------------------------------- 03.2 the whole BPTT loop

def rnn_backward(dh, x, h0, h, U, W):
    """Backpropagation through time (Goodfellow et al. eqs. 10.19-10.28), for a batch of N sequences.

    dh[t] is the gradient reaching h_t from outside the recurrence (from o_t and the loss L_t). Going
    backwards, t = T-1, ..., 0, the total gradient at h_t adds what flows back from step t+1 (eq. 10.21):

        dL/dh_t = dh[t] + W^T delta_{t+1}            (no second term at t = T-1)
        delta_t = diag(1 - h_t^2) dL/dh_t
        dL/dx_t = U^T delta_t                        dL/dh0 = W^T delta_0
        dL/dU = sum_t delta_t x_t^T     dL/dW = sum_t delta_t h_{t-1}^T  (h_{-1} = h0)     dL/db = sum_t delta_t

    Inputs:  dh (T, N, H); x (T, N, D); h0 (N, H) the initial state h_{-1}; h (T, N, H) the states of the
             forward pass (h[t] after input x[t]); U (H, D), W (H, H)
    Returns: dx (T, N, D), dh0 (N, H), dU (H, D), dW (H, H), db (H,)
    """
    T = x.shape[0]
    dx = np.zeros_like(x)  # (T, N, D)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])  # (H, D), (H, H), (H,)
    from_later = np.zeros_like(h0)  # (N, H): W^T delta_{t+1}, the error flowing back into h_t
    for t in range(T - 1, -1, -1):
        h_prev = h[t - 1] if t > 0 else h0  # (N, H): h_{t-1}
        delta = (dh[t] + from_later) * (1.0 - h[t] ** 2)  # (N, H): dL/da_t
        dx[t] = delta @ U  # (N, D)
        dU += delta.T @ x[t]  # (H, D)
        dW += delta.T @ h_prev  # (H, H)
        db += delta.sum(axis=0)  # (H,)
        from_later = delta @ W  # (N, H): W^T delta_t, into h_{t-1}
    return dx, from_later, dU, dW, db  # after t = 0, from_later is W^T delta_0 = dL/dh0


def _sequence_args(rng, T, N, D, H, scale=1.0, last_only=False):
    """(dh, x, h0, h, U, W): a forward pass and a random gradient arriving at every step (or at the last only)."""
    x, h0, h, U, W = _sequence(rng, T, N, D, H, scale)
    dh = rng.standard_normal((T, N, H))  # (T, N, H)
    if last_only:
        dh[:-1] = 0.0
    return dh, x, h0, h, U, W


def _sequence_cases(rng):
    return [Case("T = 6, N = 3, D = 4, H = 5", _sequence_args(rng, 6, 3, 4, 5)),
            Case("T = 1", _sequence_args(rng, 1, 2, 3, 4)),
            Case("T = 5, N = D = H = 4", _sequence_args(rng, 5, 4, 4, 4)),
            Case("an error at the last step only (many-to-one)", _sequence_args(rng, 7, 2, 2, 3, last_only=True)),
            Case("large weights: a saturated tanh", _sequence_args(rng, 4, 2, 3, 4, scale=4.0))]


def _wrong_bptt(carry=lambda delta, g, h_t, W: delta @ W, previous=lambda h, h0, t: h[t - 1] if t > 0 else h0,
                times=lambda T: range(T - 1, -1, -1), tanh_of=lambda h, h0, t: h[t], add_later=True,
                dh0_is_total=False, dh0_zero=False, accumulate=True):
    def wrong(dh, x, h0, h, U, W):
        T = x.shape[0]
        delta = np.zeros_like(h)  # (T, N, H): stays zero at any step the loop misses
        from_later, g = np.zeros_like(h0), np.zeros_like(h0)  # (N, H)
        for t in times(T):
            g = dh[t] + from_later if add_later else dh[t]  # (N, H)
            delta[t] = g * (1.0 - tanh_of(h, h0, t) ** 2)
            from_later = carry(delta[t], g, h[t], W)
        steps = range(T) if accumulate else [0]  # dW = ... instead of dW += ...: the loop's last step, t = 0, stays
        dU = sum(delta[t].T @ x[t] for t in steps)  # (H, D)
        dW = sum(delta[t].T @ previous(h, h0, t) for t in steps)  # (H, H)
        dh0 = np.zeros_like(h0) if dh0_zero else g if dh0_is_total else from_later  # (N, H)
        return delta @ U, dh0, dU, dW, delta[list(steps)].sum(axis=(0, 1))
    return _nonzero(wrong, zero_ok=(1,) if dh0_zero else ())


BPTT = Exercise(
    id="03.2", title="Backpropagation through time", solution=rnn_backward,
    stub=make_stub(rnn_backward, "loop t = T-1 ... 0; keep the error flowing back from step t+1 in a variable; at "
                                 "each step the lines of exercise 03.1, with the weight terms added up"),
    cases=_sequence_cases, outputs=("dx", "dh0", "dU", "dW", "db"),
    axes={"dx": ("t", "n", "d"), "dh0": ("n", "j")}, gradient=_sequence_gradients, seed=32,
    hint="loop backwards in time; the total gradient at h_t is dh[t] plus what step t+1 sends back, W^T delta_{t+1}.",
    mistakes=(
        Mistake("Your gradients use only dh[t] at step t: the error flowing back from the later steps is missing. "
                "The total gradient at h_t is dh[t] + W^T delta_{t+1} (eq. 10.21).",
                _wrong_bptt(add_later=False)),
        Mistake("Your loop runs forward in time: h_t's error comes from the *later* steps, so start at t = T-1 and "
                "carry W^T delta_t down to step t-1.", _wrong_bptt(times=range)),
        Mistake("Your loop stops at t = 1: range(T - 1, 0, -1) leaves out step 0. Use range(T - 1, -1, -1), so that "
                "step 0 adds its terms and passes W^T delta_0 on to h0.",
                _wrong_bptt(times=lambda T: range(T - 1, 0, -1))),
        Mistake("Your delta_t takes the tanh derivative at h_{t-1}: step t produced h_t = tanh(a_t), so "
                "delta_t = diag(1 - h_t^2) dL/dh_t.",
                _wrong_bptt(tanh_of=lambda h, h0, t: h[t - 1] if t > 0 else h0)),
        Mistake("Your error sent back to h_{t-1} skips the tanh derivative: it is W^T delta_t = "
                "W^T diag(1 - h_t^2) dL/dh_t, not W^T dL/dh_t.", _wrong_bptt(carry=lambda delta, g, h_t, W: g @ W)),
        Mistake("Your error sent back to h_{t-1} scales by 1 - h_t^2 after multiplying by W^T: that is the "
                "tempting misreading of eq. 10.21 shown in section 2. Scale first, then multiply: W^T (diag(1 - "
                "h_t^2) dL/dh_t).", _wrong_bptt(carry=lambda delta, g, h_t, W: (g @ W) * (1.0 - h_t ** 2))),
        Mistake("Your error is sent back with W, not W^T: with one sequence per row, W^T delta_t is written "
                "delta @ W.", _wrong_bptt(carry=lambda delta, g, h_t, W: delta @ W.T)),
        Mistake("Your dW matches the true dW with h_t in place of h_{t-1}: W multiplies the previous state, so "
                "step t adds delta_t h_{t-1}^T.", _wrong_bptt(previous=lambda h, h0, t: h[t])),
        Mistake("Your dW leaves out step 0's term delta_0 h_{-1}^T: section 2 could drop it because its h_{-1} "
                "was zero, but here the initial state h0 is not.",
                _wrong_bptt(previous=lambda h, h0, t: h[t - 1] if t > 0 else np.zeros_like(h0))),
        Mistake("Your dW uses h[t-1] at t = 0, and h[-1] is the *last* state in NumPy: step 0's previous state "
                "is h0.", _wrong_bptt(previous=lambda h, h0, t: h[t - 1])),
        Mistake("Your dh0 is dL/dh_0, the gradient at the first state h[0]; dh0 is the gradient at the initial "
                "state h_{-1} = h0, one step further back: W^T delta_0.", _wrong_bptt(dh0_is_total=True)),
        Mistake("Your dh0 is zero: the initial state feeds step 0 like any other state, so dL/dh0 = W^T delta_0 "
                "(a network that hands its state on, or a stacked one, needs it).", _wrong_bptt(dh0_zero=True)),
        Mistake("Your dU, dW and db hold step 0's terms alone: each step adds its term to the sums over t "
                "(dW += ..., not dW = ...).", _wrong_bptt(accumulate=False)),
    ))


# --------------------------------------------------------------------------- 03.3 truncated BPTT

def rnn_truncated_backward(dh, x, h0, h, U, W, k):
    """Truncated BPTT with truncation length k: the gradients of exercise 03.2, but every error travels at most
    k steps back (the semantics of helpers.rnn.truncated_backward).

    The error entering at step s, dh[s], is carried back through steps s, s-1, ..., s-k+1 (k steps, fewer if step
    0 comes first) and then dropped. At each step t it reaches, with g the part of it arriving at h_t (dh[s] at
    t = s), it adds diag(1 - h_t^2) g to delta_t = dL/da_t and goes on to h_{t-1} as W^T diag(1 - h_t^2) g. If it
    goes through step 0, what it sends on to h_{-1} = h0 is added to dh0. The gradients are then the sums over t of
    exercise 03.2, formed from these delta_t:

        dL/dx_t = U^T delta_t    dL/dU = sum_t delta_t x_t^T    dL/dW = sum_t delta_t h_{t-1}^T    dL/db = sum_t delta_t

    With k = 1 each error stays at the step where it enters (step 0's still reaches dh0); with k >= T this is
    full BPTT (exercise 03.2).

    Inputs:  dh (T, N, H); x (T, N, D); h0 (N, H); h (T, N, H); U (H, D), W (H, H); k >= 1 an int
    Returns: dx (T, N, D), dh0 (N, H), dU (H, D), dW (H, H), db (H,): the truncated gradients
    """
    T = x.shape[0]
    delta = np.zeros_like(h)  # (T, N, H): dL/da_t, summed over the errors whose window holds step t
    dh0 = np.zeros_like(h0)  # (N, H)
    for s in range(T):  # the step where the error enters
        g = dh[s]  # (N, H)
        for t in range(s, max(s - k, -1), -1):  # t = s, ..., max(s-k+1, 0): at most k steps
            delta_t = g * (1.0 - h[t] ** 2)  # (N, H)
            delta[t] += delta_t
            g = delta_t @ W  # (N, H): W^T delta_t, into h_{t-1}
            if t == 0:
                dh0 += g
    h_prev = np.concatenate([h0[None], h[:-1]])  # (T, N, H): h_{t-1}, with h_{-1} = h0
    dx = delta @ U  # (T, N, D)
    dU = sum(delta[t].T @ x[t] for t in range(T))  # (H, D)
    dW = sum(delta[t].T @ h_prev[t] for t in range(T))  # (H, H)
    db = delta.sum(axis=(0, 1))  # (H,)
    return dx, dh0, dU, dW, db


def _truncated_cases(rng):
    def case(label, T, N, D, H, k):
        return Case(label, _sequence_args(rng, T, N, D, H) + (k,))
    return [case("T = 6, k = 3", 6, 3, 4, 5, 3), case("k = 1", 5, 2, 3, 4, 1),
            case("k = T - 1 = 4, N = D = H = 4", 5, 4, 4, 4, 4), case("k = 7 > T = 5: full BPTT", 5, 2, 3, 3, 7),
            case("T = 1, k = 2", 1, 2, 2, 3, 2)]


def _truncated_gradients(dh, x, h0, h, U, W, k):
    """Central differences of L = sum_s dh[s] . h_s^(k): each h_s recomputed over its window, from the stored
    state h_{s-k} held fixed (from h0, which is not held fixed, when the window starts at step 0). Truncated
    BPTT is the exact gradient of this L."""
    T, b = x.shape[0], _implied_bias(x, h0, h, U, W)

    def loss(x, h0, U, W, b):
        total = 0.0
        for s in range(T):
            start = max(s - k + 1, 0)  # the first step of the window of the error entering at s
            h_start = h0 if start == 0 else h[start - 1]  # (N, H)
            total += np.sum(dh[s] * _run(x[start:s + 1], h_start, U, W, b)[-1])
        return total
    return {"dx": numerical_gradient(lambda v: loss(v, h0, U, W, b), x),
            "dh0": numerical_gradient(lambda v: loss(x, v, U, W, b), h0),
            "dU": numerical_gradient(lambda v: loss(x, h0, v, W, b), U),
            "dW": numerical_gradient(lambda v: loss(x, h0, U, v, b), W),
            "db": numerical_gradient(lambda v: loss(x, h0, U, W, v), b)}


def _wrong_truncated(window=lambda s, k, T: range(s, max(s - k, -1), -1), keep_dh0=True, zero_ok=()):
    def wrong(dh, x, h0, h, U, W, k):
        T = x.shape[0]
        delta, dh0 = np.zeros_like(h), np.zeros_like(h0)  # (T, N, H), (N, H)
        for s in range(T):
            g = dh[s]  # (N, H)
            for t in window(s, k, T):
                delta_t = g * (1.0 - h[t] ** 2)  # (N, H)
                delta[t] += delta_t
                g = delta_t @ W  # (N, H)
                if t == 0 and keep_dh0:
                    dh0 += g
        dx, dU, dW, db = _from_deltas(delta, x, h0, h, U)
        return dx, dh0, dU, dW, db
    return _nonzero(wrong, zero_ok=(1,) if not keep_dh0 else zero_ok)


TRUNCATED = Exercise(
    id="03.3", title="Truncated BPTT", solution=rnn_truncated_backward,
    stub=make_stub(rnn_truncated_backward, "an outer loop over the step s where an error enters, an inner loop that "
                                           "carries it back at most k steps; collect delta_t of every step, then "
                                           "form the sums over t as in 03.2"),
    cases=_truncated_cases, outputs=("dx", "dh0", "dU", "dW", "db"),
    axes={"dx": ("t", "n", "d"), "dh0": ("n", "j")}, gradient=_truncated_gradients, seed=33,
    hint="treat each error dh[s] on its own: carry it back through steps s, s-1, ... and stop after k of them (or "
         "at step 0).",
    mistakes=(
        Mistake("Your gradients are those of full BPTT (exercise 03.2): k is not used. Each error must stop after "
                "k steps back.", _wrong_truncated(window=lambda s, k, T: range(s, -1, -1))),
        Mistake("Your window is one step too long: the error entering at step s goes through steps s, ..., s-k+1 "
                "(k steps, so k = 1 is its own step only), not down to s-k.",
                _wrong_truncated(window=lambda s, k, T: range(s, max(s - k - 1, -1), -1))),
        Mistake("Your window is one step too short: the error entering at step s goes through k steps, s, ..., "
                "s-k+1; with k = 1 it still goes through its own step, delta_s = diag(1 - h_s^2) dh[s].",
                _wrong_truncated(window=lambda s, k, T: range(s, max(s - k + 1, -1), -1))),
        Mistake("Your window runs past step 0: range(s, s - k, -1) goes on to t = -1, -2, ..., which NumPy reads "
                "as the *last* steps of the sequence. Stop at t = 0: range(s, max(s - k, -1), -1).",
                _wrong_truncated(window=lambda s, k, T: range(s, s - k, -1))),
        Mistake("Your dh0 is zero: an error whose window reaches step 0 (one entering at s <= k-1) goes on through "
                "step 0's backward, and the W^T delta_0 it leaves is the gradient at h0.",
                _wrong_truncated(keep_dh0=False)),
        Mistake("Your gradient keeps only the errors of the last k steps: truncation drops no error, every dh[s] "
                "counts; what it limits is how far back each one travels from the step s where it enters.",
                _wrong_truncated(window=lambda s, k, T: range(s, max(T - k - 1, -1), -1), zero_ok=(1,))),
        Mistake("Your gradient is that of chunked truncation, BPTT inside non-overlapping chunks of k steps (the "
                "practical form at the end of section 5). Here the window moves with the error: every error "
                "travels k steps back from where it enters (fewer only near t = 0).",
                _wrong_truncated(window=lambda s, k, T: range(s, (s // k) * k - 1, -1))),
    ))

EXERCISES = [STEP, BPTT, TRUNCATED]
