"""Exercises of notebook 08 (from seq2seq to attention): the additive score, scaled dot-product attention, the
padding and causal masks, and the softmax under a mask.

Shapes (batch first, one query, key or value per row): queries (N, Tq, d_q or d_k), keys (N, Tk, d_k),
values (N, Tk, d_v), scores and weights (N, Tq, Tk); masks are boolean with True = may attend (helpers.attention).
"""
from __future__ import annotations

import numpy as np

from .core import Case, Exercise, Mistake, make_stub

__all__ = ["EXERCISES"]


# --------------------------------------------------------------------------- 08.1 the additive score

def additive_scores(s, h, W_a, U_a, v_a):
    """The additive score (Bahdanau et al. 2015; Luong et al.'s "concat") of every query against every key:

        e_ij = tanh(s_i W_a + h_j U_a) v_a      (row vectors, as in the notebook's table)

    Inputs:  s (N, Tq, d_q) queries (decoder states); h (N, Tk, d_k) keys (encoder outputs);
             W_a (d_q, A), U_a (d_k, A), v_a (A,): the parameters of the score network
    Returns: e (N, Tq, Tk), e[n, i, j] the score of query i against key j in sequence n
    """
    Ws = s @ W_a  # (N, Tq, A): once per query
    Uh = h @ U_a  # (N, Tk, A): once per key
    E = np.tanh(Ws[:, :, None, :] + Uh[:, None, :, :])  # (N, Tq, Tk, A): every (query, key) pair
    return E @ v_a  # (N, Tq, Tk)


def _additive_cases(rng):
    def case(label, N, Tq, Tk, d_q, d_k, A, scale=1.0):
        return Case(label, (np.tanh(rng.standard_normal((N, Tq, d_q))), np.tanh(rng.standard_normal((N, Tk, d_k))),
                            scale * rng.standard_normal((d_q, A)) / np.sqrt(d_q),
                            scale * rng.standard_normal((d_k, A)) / np.sqrt(d_k),
                            rng.standard_normal(A) / np.sqrt(A)))
    return [case("N = 2, Tq = 3, Tk = 4, d_q = 5, d_k = 7, A = 6", 2, 3, 4, 5, 7, 6),
            case("Tq = Tk = 4, d_q = d_k = 3 (square: swapped axes run silently)", 2, 4, 4, 3, 3, 5),
            case("one sequence, one query (N = Tq = 1)", 1, 1, 5, 4, 2, 3),
            case("weights 4 times larger: a saturated tanh", 2, 2, 3, 3, 4, 5, 4.0)]


def _pairs(s, h, W_a, U_a):  # (N, Tq, Tk, A): s_i W_a + h_j U_a, the pre-activation of the score network
    return (s @ W_a)[:, :, None, :] + (h @ U_a)[:, None, :, :]


ADDITIVE = Exercise(
    id="08.1", title="The additive score", solution=additive_scores,
    stub=make_stub(additive_scores, "compute s W_a once per query and h U_a once per key, give them axes of length 1 "
                                    "so that they broadcast to (N, Tq, Tk, A), then the tanh and the product with v_a"),
    cases=_additive_cases, outputs=("e",), axes={"e": ("n", "i", "j")}, seed=81,
    hint="s @ W_a is (N, Tq, A) and h @ U_a is (N, Tk, A); insert axes (None) so that their sum is (N, Tq, Tk, A).",
    mistakes=(
        Mistake("Your e has no tanh: without it the score falls apart into s_i W_a v_a + h_j U_a v_a, a part of "
                "the query plus a part of the key, and the softmax over the keys cancels the first: nothing "
                "compares the query with the key any more.",
                lambda s, h, W_a, U_a, v_a: _pairs(s, h, W_a, U_a) @ v_a),
        Mistake("Your e takes the tanh of the score, tanh((s_i W_a + h_j U_a) v_a): the tanh acts on the A-vector "
                "s_i W_a + h_j U_a (the hidden layer of the score network), before the product with v_a.",
                lambda s, h, W_a, U_a, v_a: np.tanh(_pairs(s, h, W_a, U_a) @ v_a)),
        Mistake("Your e[n, i, j] pairs key i with query j (shape (N, Tk, Tq)): the query axis must come first, "
                "(s W_a)[:, :, None, :] + (h U_a)[:, None, :, :].",
                lambda s, h, W_a, U_a, v_a: np.tanh((s @ W_a)[:, None, :, :] + (h @ U_a)[:, :, None, :]) @ v_a),
        Mistake("Your e swaps W_a and U_a: W_a (d_q, A) multiplies the queries s, U_a (d_k, A) the keys h.",
                lambda s, h, W_a, U_a, v_a: np.tanh(_pairs(s, h, U_a, W_a)) @ v_a),
        Mistake("Your e pairs query i only with key i, tanh(s_i W_a + h_i U_a) v_a: every query must be scored "
                "against every key, so e is (N, Tq, Tk); give s W_a and h U_a axes of length 1 before adding.",
                lambda s, h, W_a, U_a, v_a: np.tanh(s @ W_a + h @ U_a) @ v_a),
        Mistake("Your e sums the tanh over its A components instead of taking the dot product with v_a.",
                lambda s, h, W_a, U_a, v_a: np.tanh(_pairs(s, h, W_a, U_a)).sum(axis=-1)),
    ))


# --------------------------------------------------------------------------- 08.2 scaled dot-product attention

def scaled_attention(q, k, v):
    """Scaled dot-product attention (Vaswani et al. 2017, sec. 3.2.1) for a batch of N sequences:

        Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V      (one query, key or value per row)

    Inputs:  q (N, Tq, d_k) queries; k (N, Tk, d_k) keys; v (N, Tk, d_v) values
    Returns: out (N, Tq, d_v); weights (N, Tq, Tk): the softmax along the keys, each row summing to 1
    """
    d_k = q.shape[-1]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d_k)  # (N, Tq, Tk): swap only the last two axes of k
    scores = scores - scores.max(axis=-1, keepdims=True)  # (N, Tq, Tk): every entry <= 0, exp cannot overflow
    e = np.exp(scores)  # (N, Tq, Tk)
    weights = e / e.sum(axis=-1, keepdims=True)  # (N, Tq, Tk)
    return weights @ v, weights  # (N, Tq, d_v), (N, Tq, Tk)


def _attention_cases(rng):
    def case(label, N, Tq, Tk, d_k, d_v, scale=1.0):
        return Case(label, (scale * rng.standard_normal((N, Tq, d_k)), scale * rng.standard_normal((N, Tk, d_k)),
                            rng.standard_normal((N, Tk, d_v))))
    return [case("N = 2, Tq = 3, Tk = 5, d_k = 4, d_v = 6", 2, 3, 5, 4, 6),
            case("Tq = Tk = 4, N = d_k = 3 (square score tables)", 3, 4, 4, 3, 2),
            case("one sequence, one query (N = Tq = 1), d_k = 8", 1, 1, 4, 8, 3),
            case("scores in the thousands (exp overflows without the row max)", 2, 3, 4, 4, 2, 40.0)]


def _softmax_rows(scores, axis=-1):
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _attention_with(score, axis=-1):
    def wrong(q, k, v):
        weights = _softmax_rows(score(q, k), axis)
        return weights @ v, weights
    return wrong


def _kt(k):
    return np.swapaxes(k, -1, -2)


def _no_softmax(q, k, v):
    scores = q @ _kt(k) / np.sqrt(q.shape[-1])
    return scores @ v, scores


ATTENTION = Exercise(
    id="08.2", title="Scaled dot-product attention", solution=scaled_attention,
    stub=make_stub(scaled_attention, "scores of shape (N, Tq, Tk), a softmax along the keys (subtract each row's "
                                     "max first), then the weighted average of the values"),
    cases=_attention_cases, outputs=("out", "weights"), axes={"out": ("n", "i", "c"), "weights": ("n", "i", "j")},
    seed=82,
    hint=("k is 3-D, so K^T is np.swapaxes(k, -1, -2) (k.T would reverse all three axes); the softmax runs over "
          "axis -1."),
    mistakes=(
        Mistake("Your weights are softmax(Q K^T) without the scaling: off by the factor 1/sqrt(d_k) inside the "
                "softmax (section 4: it keeps the scores' variance at 1 whatever d_k).",
                _attention_with(lambda q, k: q @ _kt(k))),
        Mistake("Your weights divide the scores by d_k instead of sqrt(d_k).",
                _attention_with(lambda q, k: q @ _kt(k) / q.shape[-1])),
        Mistake("Your weights divide the scores by sqrt(q.shape[1]) = sqrt(Tq): q is (N, Tq, d_k), so d_k is its "
                "last axis, q.shape[-1].", _attention_with(lambda q, k: q @ _kt(k) / np.sqrt(q.shape[1]))),
        Mistake("Your weights are normalised over the queries (each column sums to 1): the softmax runs along each "
                "row, over the keys (axis=-1), so that every query gets one distribution over the keys.",
                _attention_with(lambda q, k: q @ _kt(k) / np.sqrt(q.shape[-1]), axis=-2)),
        Mistake("Your scores are K Q^T, the transpose of Q K^T: row i of the score table must hold query i's "
                "scores against every key, so it is q @ swapaxes(k), not k @ swapaxes(q).",
                _attention_with(lambda q, k: k @ _kt(q) / np.sqrt(q.shape[-1]))),
        Mistake("Your code uses k.T: on a 3-D array .T reverses all three axes, (N, Tk, d_k) -> (d_k, Tk, N); swap "
                "only the last two, np.swapaxes(k, -1, -2) or k.transpose(0, 2, 1).",
                _attention_with(lambda q, k: q @ k.T / np.sqrt(q.shape[-1]))),
        Mistake("Your weights are the scaled scores themselves: the softmax is missing (weights must be "
                "non-negative and sum to 1 along each row).", _no_softmax),
    ))


# --------------------------------------------------------------------------- 08.3 the masks

def attention_mask(lengths, T, causal, side):
    """The self-attention mask of a padded batch, True = may attend (the convention of helpers.attention):

        mask[n, i, j] = (key j is a real token of sequence n) and (j <= i, if causal)

    Sequence n has lengths[n] real tokens: positions 0 ... lengths[n]-1 when its pads are on the right
    (side="right"), the last positions T-lengths[n] ... T-1 when they are on the left (side="left").
    Inputs:  lengths (N,) integers in 0 ... T; T the padded length; causal (bool): add the no-look-ahead mask;
             side: "right" or "left"
    Returns: mask (N, T, T) boolean, mask[n, i, j] for query i and key j
    """
    pos = np.arange(T)  # (T,)
    if side == "right":
        real = pos[None, :] < lengths[:, None]  # (N, T): the first lengths[n] positions
    else:
        real = pos[None, :] >= T - lengths[:, None]  # (N, T): the last lengths[n] positions
    order = pos[None, :] <= pos[:, None] if causal else np.ones((T, T), dtype=bool)  # (T, T): key j <= query i
    return real[:, None, :] & order  # (N, T, T): the same real keys for every query


def _mask_cases(rng):
    return [Case("lengths (3, 1), T = 4, not causal, pads on the right", (np.array([3, 1]), 4, False, "right")),
            Case("lengths (5, 3), T = 6, causal, pads on the right", (np.array([5, 3]), 6, True, "right")),
            Case("lengths (4, 0, 6), T = 6, not causal, pads on the left", (np.array([4, 0, 6]), 6, False, "left")),
            Case("length 5, T = 8, causal, pads on the left (rows with no key left)", (np.array([5]), 8, True, "left")),
            Case("one token (T = 1), causal", (np.array([1]), 1, True, "right"))]


def _real(lengths, T, side, slack=0):  # (N, T): the real keys, with `slack` pads let through
    pos = np.arange(T)
    if side == "right":
        return pos[None, :] < lengths[:, None] + slack
    return pos[None, :] >= T - lengths[:, None] - slack


def _look(T, causal, diagonal=0):  # (T, T): np.tril with the given diagonal, or all True
    return np.tril(np.ones((T, T), dtype=bool), k=diagonal) if causal else np.ones((T, T), dtype=bool)


def _future_mask(lengths, T, causal, side):
    upper = np.triu(np.ones((T, T), dtype=bool)) if causal else _look(T, False)
    return _real(lengths, T, side)[:, None, :] & upper


def _or_mask(lengths, T, causal, side):
    keys = _real(lengths, T, side)[:, None, :]  # (N, 1, T)
    return keys | _look(T, True) if causal else keys & _look(T, False)


MASK = Exercise(
    id="08.3", title="Padding and causal masks", solution=attention_mask,
    stub=make_stub(attention_mask, "compare np.arange(T) with the lengths to find the real keys (N, T), and positions "
                                   "with each other for the causal part (T, T); combine them with & by broadcasting"),
    cases=_mask_cases, outputs=("mask",), axes={"mask": ("n", "i", "j")}, exact=True, seed=83,
    hint=("a key is real when pos < lengths[n] (pads on the right); causal: key j <= query i; combine with & to "
          "(N, T, T)."),
    mistakes=(
        Mistake("Your mask is inverted: True must mean *may attend* (helpers.attention; PyTorch's "
                "nn.MultiheadAttention uses the opposite), so True for real keys on and below the diagonal.",
                lambda lengths, T, causal, side: ~attention_mask(lengths, T, causal, side)),
        Mistake("Your causal mask hides the diagonal: query i may attend to keys j <= i, itself included "
                "(without it, position 0 has no key at all).",
                lambda lengths, T, causal, side: _real(lengths, T, side)[:, None, :] & _look(T, causal, -1)),
        Mistake("Your causal mask lets query i see the keys j >= i, the future, and hides the past: True must sit on "
                "and *below* the diagonal (np.tril, j <= i).",
                _future_mask),
        Mistake("Your padding mask lets one pad through: sequence n has lengths[n] real tokens, positions "
                "0 ... lengths[n]-1 (pos < lengths[n], not <=), or T-lengths[n] ... T-1 with pads on the left.",
                lambda lengths, T, causal, side: _real(lengths, T, side, slack=1)[:, None, :] & _look(T, causal)),
        Mistake("Your mask hides the pad *queries* (rows i) instead of the pad *keys* (columns j): padding says what "
                "may be attended to, so it masks columns; a pad query still attends (the loss ignores its output).",
                lambda lengths, T, causal, side: _real(lengths, T, side)[:, :, None] & _look(T, causal)),
        Mistake("Your mask also hides the rows of the pad queries: the padding mask is about keys (columns) only; "
                "masking pad queries too leaves their rows with no key at all.",
                lambda lengths, T, causal, side: (_real(lengths, T, side)[:, :, None]
                                                  & _real(lengths, T, side)[:, None, :] & _look(T, causal))),
        Mistake("Your mask ignores side: with side='left' the real tokens are the *last* lengths[n] positions, "
                "T-lengths[n] ... T-1, not the first ones.",
                lambda lengths, T, causal, side: _real(lengths, T, "right")[:, None, :] & _look(T, causal)),
        Mistake("Your mask has shape (N, 1, T) when causal is False: the padding mask alone only broadcasts over the "
                "queries; the function must return every query's row, (N, T, T).",
                lambda lengths, T, causal, side: (_real(lengths, T, side)[:, None, :] & _look(T, True)) if causal
                else _real(lengths, T, side)[:, None, :]),
        Mistake("Your mask combines padding and causal with OR: masks combine with AND (a key must be real *and* "
                "not in the future).", _or_mask),
    ))


# --------------------------------------------------------------------------- 08.4 the softmax under a mask

def masked_softmax(scores, mask):
    """The attention weights under a mask: a softmax along the keys in which masked keys get weight exactly 0.

        P_ij = exp(S_ij) / sum_{k: mask_ik} exp(S_ik)  where mask_ij is True,   P_ij = 0  where it is False

    A row whose keys are all masked has no distribution to attend with: it gets weights 0 (as in
    helpers.attention), not the NaN of 0/0. Scores may be large: exp must never overflow.
    Inputs:  scores (N, Tq, Tk); mask (N, Tq, Tk) boolean, True = may attend
    Returns: weights (N, Tq, Tk), each row summing to 1 (or all 0 for a fully masked row)
    """
    scores = np.where(mask, scores, -np.inf)  # (N, Tq, Tk): a masked key gets exp(-inf) = 0
    row_max = scores.max(axis=-1, keepdims=True)  # (N, Tq, 1): -inf for a fully masked row
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)  # (N, Tq, 1)
    e = np.exp(scores - row_max)  # (N, Tq, Tk): at most 1, no overflow
    total = e.sum(axis=-1, keepdims=True)  # (N, Tq, 1): 0 for a fully masked row
    return e / np.where(total > 0, total, 1.0)  # (N, Tq, Tk)


def _softmax_cases(rng):
    random_mask = rng.random((2, 3, 5)) < 0.6  # (N, Tq, Tk)
    random_mask[:, :, 1] = True  # every query keeps a key
    left_causal = attention_mask(np.array([3, 5]), 5, True, "left")  # (2, 5, 5): rows 0, 1 of sequence 0 empty
    near_max = np.ones((1, 2, 6), dtype=bool)
    near_max[0, 1, 2] = False
    return [Case("N = 2, Tq = 3, Tk = 5, a random mask, no row fully masked",
                 (rng.standard_normal((2, 3, 5)), random_mask)),
            Case("padding on the left and causal: two rows with no key left",
                 (2.0 * rng.standard_normal((2, 5, 5)), left_causal)),
            Case("scores near 709 (each exp fits in a float64, their sum does not)",
                 (709.0 + rng.uniform(-0.5, 0.5, (1, 2, 6)), near_max)),
            Case("one key (Tk = 1): weight 1, or 0 where it is masked",
                 (rng.standard_normal((2, 3, 1)), np.array([[[True], [False], [True]], [[True], [True], [False]]])))]


def _stable(scores, axis=-1):  # softmax with a guard for an empty row (all weights 0)
    row_max = scores.max(axis=axis, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(row_max), row_max, 0.0))
    total = e.sum(axis=axis, keepdims=True)
    return e / np.where(total > 0, total, 1.0)


def _no_max(scores, mask):
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the mistake; no warning from here
        e = np.exp(np.where(mask, scores, -np.inf))
        total = e.sum(axis=-1, keepdims=True)
        return e / np.where(total > 0, total, 1.0)


SOFTMAX = Exercise(
    id="08.4", title="The softmax under a mask", solution=masked_softmax,
    stub=make_stub(masked_softmax, "masked scores become -inf; subtract each row's max (careful: a fully masked row's "
                                   "max is -inf), exponentiate, and divide by the row sum unless it is 0"),
    cases=_softmax_cases, outputs=("weights",), axes={"weights": ("n", "i", "j")}, seed=84,
    hint="np.where(mask, scores, -np.inf), then a softmax over axis -1 that survives a row of -inf (its max and sum).",
    mistakes=(
        Mistake("Your weights are normalised over the queries (axis -2): the softmax runs along each row, over the "
                "keys (axis=-1).", lambda scores, mask: _stable(np.where(mask, scores, -np.inf), axis=-2)),
        Mistake("Your masked scores are set to 0 before the softmax, so masked keys still get weight exp(0) / sum: "
                "a masked score must become -inf (weight exactly 0).",
                lambda scores, mask: _stable(np.where(mask, scores, 0.0))),
        Mistake("Your weights are uniform over all keys in a row whose keys are all masked (the scores set to -1e9): "
                "such a row has no distribution to attend with; it must get weights 0.",
                lambda scores, mask: _stable(np.where(mask, scores, -1e9))),
        Mistake("Your weights add -1e9 to the masked scores: in a row whose keys are all masked every score shifts "
                "by the same amount, the softmax does not change, and the row attends as if unmasked; it must get "
                "weights 0 (use -inf, and guard the empty row).",
                lambda scores, mask: _stable(scores + np.where(mask, 0.0, -1e9))),
        Mistake("Your weights are 0 where the scores are large: without subtracting each row's max, exp(~709) "
                "terms sum past the largest float64 (1.8e308) to inf. Softmax does not change when a row is shifted, "
                "so subtract the row max before exp.", _no_max),
        Mistake("Your weights are the softmax of all scores with the masked ones zeroed afterwards: the remaining "
                "weights no longer sum to 1. Mask the scores (-inf) *before* the softmax.",
                lambda scores, mask: _stable(scores) * mask),
    ))

EXERCISES = [ADDITIVE, ATTENTION, MASK, SOFTMAX]
