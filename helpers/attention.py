"""Scaled dot-product attention, its masks, and positional encoding (Vaswani et al., 2017).

Notation (row-vector convention of the paper: one query, key or value per row)
--------
q  (..., Tq, d_k)   queries          k (..., Tk, d_k)  keys          v (..., Tk, d_v)  values
mask               boolean, broadcastable to (..., Tq, Tk); True = this query may attend to this key
S  (..., Tq, Tk)    scores           P (..., Tq, Tk)   attention weights, each row sums to 1
"..." is any number of leading axes (batch, heads), the same for q, k and v.

Forward
-------
S = q k^T / sqrt(d_k)                   (masked entries: -inf)
P = softmax(S) along the keys           (a row whose keys are all masked: P = 0, see below)
out = P v                               (..., Tq, d_v)

Backward, with dout = dL/dout
--------
dv = P^T dout
dP = dout v^T
dS = P * (dP - sum_j(dP * P))           (the softmax backward, row by row; masked entries get 0)
dq = dS k / sqrt(d_k)                   dk = dS^T q / sqrt(d_k)

Convention for masks: True means "may attend". PyTorch's ``nn.MultiheadAttention`` (``attn_mask``,
``key_padding_mask``) uses the opposite for boolean masks: True there means "may NOT attend", while
PyTorch's ``F.scaled_dot_product_attention`` uses True = may attend. Keras' ``MultiHeadAttention``
(``attention_mask``) uses True (1) = may attend, like this module. Read the documentation every time.

A query row whose keys are all masked has no distribution to attend with. Instead of the NaN that the
formula gives (0 / 0), this module returns weights 0 and output 0 for that row, and no gradient
flows through it; ``fully_masked_rows`` tells you where that happened. (It arises, for example, from
the padding positions of a padded query sequence when their own row is masked too.)

Positional encoding (sec. 3.5 of the paper): PE[pos, 2i] = sin(pos / 10000^(2i / d_model)),
PE[pos, 2i+1] = cos(pos / 10000^(2i / d_model)): sines in the even columns, cosines in the odd ones.

Additive attention (Bahdanau, Cho & Bengio 2015; Luong, Pham & Manning 2015 call it "concat")
------------------
The older score: a one-hidden-layer network compares a query with a key, instead of a dot product.

s   (N, Tq, d_q)  queries (e.g. decoder states)     h (N, Tk, d_k)  keys (e.g. encoder outputs)
v   (N, Tk, d_v)  values (often the keys again)     A               the size of the score network
W_a (d_q, A)      U_a (d_k, A)      v_a (A,)        its parameters (no bias; row-vector convention)

E_ij   = tanh(s_i W_a + h_j U_a)        (N, Tq, Tk, A)     (the paper: tanh(W_a s_i + U_a h_j), column vectors)
S_ij   = E_ij . v_a                     (N, Tq, Tk)        score of query i against key j
P      = softmax(S) along the keys      (masked entries: -inf; a fully masked row gets P = 0, as above)
out    = P v                            (N, Tq, d_v)

Backward, with dout = dL/dout: dv = P^T dout, dP = dout v^T, dS = P * (dP - sum_j(dP * P)) as above, then
dE_ij  = dS_ij v_a * (1 - E_ij^2)       dv_a = sum_{n,i,j} dS_ij E_ij
dW_a   = sum_n s^T (sum_j dE_ij)        ds_i = (sum_j dE_ij) W_a^T
dU_a   = sum_n h^T (sum_i dE_ij)        dh_j = (sum_i dE_ij) U_a^T
Unlike the dot product, the score needs no common size of queries and keys (d_q and d_k may differ), and
s_i W_a is computed once per query, h_j U_a once per key: only the tanh and the product with v_a are paid
for every (query, key) pair.
"""
from __future__ import annotations

import math

from typing import NamedTuple

import numpy as np

from .seeding import check_rng
from .shapes import check_array, check_float_dtype, check_ids, check_int, check_mask, check_nonempty, check_params

__all__ = ["scaled_dot_product_attention", "attention_forward", "attention_backward", "AttentionCache",
           "fully_masked_rows", "causal_mask", "padding_mask", "positional_encoding",
           "init_additive_attention", "additive_attention_forward", "additive_attention_backward",
           "additive_attention", "AdditiveAttentionCache"]


class AttentionCache(NamedTuple):
    q: np.ndarray        # (..., Tq, d_k)
    k: np.ndarray        # (..., Tk, d_k)
    v: np.ndarray        # (..., Tk, d_v)
    weights: np.ndarray  # (..., Tq, Tk): P
    scale: float         # 1 / sqrt(d_k)


def _as_float(name, a, ndim_min=2):
    a = np.asarray(a)
    if a.dtype.kind != "f":
        raise ValueError(f"{name}: expected a floating-point array, got dtype {a.dtype}")
    if a.ndim < ndim_min:
        raise ValueError(f"{name}: expected shape (..., T, d) with at least 2 axes, got shape {a.shape}")
    return a


def _validate(q, k, v, mask):
    q, k, v = _as_float("q", q), _as_float("k", k), _as_float("v", v)
    if q.shape[:-2] != k.shape[:-2] or k.shape[:-2] != v.shape[:-2]:
        raise ValueError(f"q, k, v: expected the same leading axes, got shapes {q.shape}, {k.shape}, {v.shape}")
    if k.shape[-1] != q.shape[-1]:
        raise ValueError(f"k: expected shape (..., Tk, d_k) with d_k = {q.shape[-1]} (from q), got {k.shape}")
    if v.shape[-2] != k.shape[-2]:
        raise ValueError(f"v: expected shape (..., Tk, d_v) with Tk = {k.shape[-2]} (from k), got {v.shape}")
    check_nonempty("q", q, -1, "feature per query (d_k >= 1)")
    check_nonempty("k", k, -2, _ONE_KEY)
    target = q.shape[:-1] + (k.shape[-2],)  # (..., Tq, Tk)
    return q, k, v, check_mask("mask", mask, target, "(..., Tq, Tk)")


_ONE_KEY = "key (Tk >= 1): a softmax over no keys is undefined"


def attention_forward(params: dict, q, k, v, mask=None):
    """out = softmax(q k^T / sqrt(d_k)) v, in the course's forward/backward style.

    Inputs:  params: {} (attention itself has no parameters; the argument keeps the common signature);
             q (..., Tq, d_k), k (..., Tk, d_k), v (..., Tk, d_v); mask broadcastable to (..., Tq, Tk)
    Returns: out (..., Tq, d_v); AttentionCache (its ``weights`` are P)
    """
    if params is not None and (not isinstance(params, dict) or params):
        got = f"keys {sorted(params)}" if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params: scaled dot-product attention has no parameters; expected {{}} or None, got {got}")
    q, k, v, mask = _validate(q, k, v, mask)
    return _attention_forward(q, k, v, mask)


def _attention_forward(q, k, v, mask):
    """:func:`attention_forward` on checked arguments (the layers that call it have checked theirs)."""
    scale = 1.0 / math.sqrt(q.shape[-1])  # a Python float: keeps float32 inputs float32
    scores = (q @ np.swapaxes(k, -1, -2)) * scale  # (..., Tq, Tk)
    weights = _masked_softmax(scores, mask)  # (..., Tq, Tk); fully masked rows: all 0, not NaN
    out = weights @ v  # (..., Tq, d_v)
    return out, AttentionCache(q, k, v, weights, float(scale))


def attention_backward(dout, cache: AttentionCache):
    """Backward of :func:`attention_forward`. Returns dq, dk, dv (shapes of q, k, v) and {} (no params)."""
    if not isinstance(cache, AttentionCache):
        raise ValueError(f"cache: expected the AttentionCache of attention_forward, got {type(cache).__name__}")
    expected = cache.weights.shape[:-1] + cache.v.shape[-1:]
    dout = check_array("dout", dout)
    if dout.shape != expected:
        raise ValueError(f"dout: expected shape {expected} (..., Tq, d_v), got {dout.shape}")
    return _attention_backward(dout, cache)


def _attention_backward(dout, cache):
    """:func:`attention_backward` on checked arguments."""
    P = cache.weights
    dv = np.swapaxes(P, -1, -2) @ dout  # (..., Tk, d_v)
    dP = dout @ np.swapaxes(cache.v, -1, -2)  # (..., Tq, Tk)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))  # (..., Tq, Tk); 0 where P = 0
    dq = (dS @ cache.k) * cache.scale  # (..., Tq, d_k)
    dk = (np.swapaxes(dS, -1, -2) @ cache.q) * cache.scale  # (..., Tk, d_k)
    return dq, dk, dv, {}


def scaled_dot_product_attention(q, k, v, mask=None):
    """The paper's Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V.

    Inputs:  q (..., Tq, d_k), k (..., Tk, d_k), v (..., Tk, d_v); mask (bool, True = may attend)
             broadcastable to (..., Tq, Tk), or None
    Returns: out (..., Tq, d_v), weights (..., Tq, Tk)
    """
    out, cache = attention_forward({}, q, k, v, mask)
    return out, cache.weights


def fully_masked_rows(mask, shape) -> np.ndarray:
    """Boolean (..., Tq): the query rows of a (..., Tq, Tk) attention whose every key is masked."""
    shape = check_ids("shape", shape, spec=(None,), what="axis lengths")
    if len(shape) < 2 or shape.min() < 0:
        raise ValueError(f"shape: expected the attention's shape (..., Tq, Tk), got {tuple(shape.tolist())}")
    shape = tuple(shape.tolist())
    return ~np.broadcast_to(check_mask("mask", mask, shape, "(..., Tq, Tk)"), shape).any(axis=-1)


def causal_mask(Tq: int, Tk: int | None = None) -> np.ndarray:
    """(Tq, Tk) boolean, True on and below the diagonal: query t may attend to keys 0 ... t (no look-ahead).

    With Tk > Tq (queries aligned with the last Tq keys) the diagonal is shifted accordingly.
    """
    Tq = check_int("Tq", Tq)
    Tk = Tq if Tk is None else check_int("Tk", Tk)
    return np.tril(np.ones((Tq, Tk), dtype=bool), k=Tk - Tq)


def padding_mask(lengths, T: int) -> np.ndarray:
    """(N, 1, T) boolean, True for the first lengths[n] positions of sequence n: the real keys.

    Broadcasts against attention weights of shape (N, Tq, T); add an axis for heads, mask[:, None].
    """
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu":
        raise ValueError(f"lengths: expected a 1-D integer array (N,), got shape {lengths.shape}, "
                         f"dtype {lengths.dtype}")
    check_int("T", T)
    if np.any(lengths < 0) or np.any(lengths > T):
        raise ValueError(f"lengths: expected values in [0, T = {T}], got {lengths.tolist()}")
    return (np.arange(T)[None, :] < lengths[:, None])[:, None, :]  # (N, 1, T)


def positional_encoding(length: int, d_model: int) -> np.ndarray:
    """(length, d_model): PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(same angle)."""
    check_int("length", length)
    check_int("d_model", d_model)
    pos = np.arange(length)[:, None]  # (length, 1)
    two_i = np.arange(0, d_model, 2)  # (ceil(d_model / 2),): the even column indices 2i
    angle = pos / 10000.0 ** (two_i / d_model)  # (length, ceil(d_model / 2))
    pe = np.empty((length, d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d_model // 2])
    return pe


# --------------------------------------------------------------------------- additive attention

ADDITIVE_SPECS = {"W_a": ("d_q", "A"), "U_a": ("d_k", "A"), "v_a": ("A",)}


class AdditiveAttentionCache(NamedTuple):
    s: np.ndarray        # (N, Tq, d_q) queries
    h: np.ndarray        # (N, Tk, d_k) keys
    v: np.ndarray        # (N, Tk, d_v) values
    E: np.ndarray        # (N, Tq, Tk, A): tanh(s_i W_a + h_j U_a)
    weights: np.ndarray  # (N, Tq, Tk): P
    params: dict


def init_additive_attention(query_size: int, key_size: int, score_size: int, rng: np.random.Generator,
                            dtype=np.float64) -> dict:
    """Random parameters of additive attention: W_a ~ N(0, 1/d_q), U_a ~ N(0, 1/d_k), v_a ~ N(0, 1/A).

    Inputs:  query_size d_q, key_size d_k, score_size A (positive ints); rng; dtype (float)
    Returns: {"W_a": (d_q, A), "U_a": (d_k, A), "v_a": (A,)}
    """
    check_rng(rng)
    for name, value in (("query_size", query_size), ("key_size", key_size), ("score_size", score_size)):
        check_int(name, value)
    dtype = check_float_dtype(dtype)
    W_a = rng.standard_normal((query_size, score_size)) / np.sqrt(query_size)  # (d_q, A)
    U_a = rng.standard_normal((key_size, score_size)) / np.sqrt(key_size)  # (d_k, A)
    v_a = rng.standard_normal(score_size) / np.sqrt(score_size)  # (A,)
    return {"W_a": W_a.astype(dtype), "U_a": U_a.astype(dtype), "v_a": v_a.astype(dtype)}


def _validate_additive(params, s, h, v, mask):
    dims = check_params(params, ADDITIVE_SPECS)
    s = check_array("s", s, ("N", "Tq", "d_q"), dims)
    h = check_array("h", h, ("N", "Tk", "d_k"), dims)
    v = check_array("v", v, ("N", "Tk", None), dims)
    check_nonempty("h", h, 1, _ONE_KEY)
    target = (dims["N"], dims["Tq"], dims["Tk"])  # (N, Tq, Tk)
    return s, h, v, check_mask("mask", mask, target, "(N, Tq, Tk)")


def _row_max(scores):
    """scores.max(axis=-1, keepdims=True), the same numbers. With many short rows (a batch of attention maps) it is
    computed one column at a time: NumPy's max over a short last axis pays a fixed cost per row, and a maximum is
    exact in any order."""
    rows, Tk = scores.size // max(scores.shape[-1], 1), scores.shape[-1]
    if Tk == 0 or Tk > 32 or rows < 256:
        return scores.max(axis=-1, keepdims=True)
    out = scores[..., 0].copy()
    for j in range(1, Tk):
        np.maximum(out, scores[..., j], out=out)
    return out[..., None]


def _masked_softmax(scores, mask):
    """softmax along the last axis; masked entries get 0, a fully masked row all 0 (not NaN)."""
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    row_max = _row_max(scores)  # (..., Tq, 1); -inf for a fully masked row
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    e = np.exp(scores - row_max)  # exp(-inf) = 0 for masked entries
    total = e.sum(axis=-1, keepdims=True)  # (..., Tq, 1)
    return e / np.where(total > 0, total, 1.0)


def additive_attention_forward(params: dict, s, h, v, mask=None):
    """out = softmax_j(tanh(s_i W_a + h_j U_a) . v_a) v, in the course's forward/backward style.

    Inputs:  params {"W_a": (d_q, A), "U_a": (d_k, A), "v_a": (A,)}; queries s (N, Tq, d_q),
             keys h (N, Tk, d_k), values v (N, Tk, d_v); mask (bool, True = may attend) broadcastable to
             (N, Tq, Tk), or None
    Returns: out (N, Tq, d_v); AdditiveAttentionCache (its ``weights`` are P, (N, Tq, Tk))
    """
    s, h, v, mask = _validate_additive(params, s, h, v, mask)
    Ws = s @ params["W_a"]  # (N, Tq, A): once per query
    Uh = h @ params["U_a"]  # (N, Tk, A): once per key
    E = np.tanh(Ws[:, :, None, :] + Uh[:, None, :, :])  # (N, Tq, Tk, A): every (query, key) pair
    scores = E @ params["v_a"]  # (N, Tq, Tk)
    weights = _masked_softmax(scores, mask)  # (N, Tq, Tk)
    out = weights @ v  # (N, Tq, d_v)
    return out, AdditiveAttentionCache(s, h, v, E, weights, params)


def additive_attention_backward(dout, cache: AdditiveAttentionCache):
    """Backward of :func:`additive_attention_forward`.

    Inputs:  dout (N, Tq, d_v); AdditiveAttentionCache
    Returns: ds (N, Tq, d_q), dh (N, Tk, d_k), dv (N, Tk, d_v), grads {"W_a", "U_a", "v_a"}
    """
    if not isinstance(cache, AdditiveAttentionCache):
        raise ValueError(f"cache: expected the AdditiveAttentionCache of additive_attention_forward, "
                         f"got {type(cache).__name__}")
    expected = cache.weights.shape[:-1] + cache.v.shape[-1:]
    dout = check_array("dout", dout)
    if dout.shape != expected:
        raise ValueError(f"dout: expected shape {expected} (N, Tq, d_v), got {dout.shape}")
    P, E, p = cache.weights, cache.E, cache.params
    dv = np.swapaxes(P, -1, -2) @ dout  # (N, Tk, d_v)
    dP = dout @ np.swapaxes(cache.v, -1, -2)  # (N, Tq, Tk)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))  # (N, Tq, Tk); 0 where P = 0
    dv_a = np.einsum("nij,nija->a", dS, E)  # (A,)
    dE = dS[..., None] * p["v_a"] * (1.0 - E ** 2)  # (N, Tq, Tk, A): through tanh
    dWs = dE.sum(axis=2)  # (N, Tq, A)
    dUh = dE.sum(axis=1)  # (N, Tk, A)
    A = E.shape[-1]
    dW_a = cache.s.reshape(-1, cache.s.shape[-1]).T @ dWs.reshape(-1, A)  # (d_q, A)
    dU_a = cache.h.reshape(-1, cache.h.shape[-1]).T @ dUh.reshape(-1, A)  # (d_k, A)
    ds = dWs @ p["W_a"].T  # (N, Tq, d_q)
    dh = dUh @ p["U_a"].T  # (N, Tk, d_k)
    return ds, dh, dv, {"W_a": dW_a, "U_a": dU_a, "v_a": dv_a}


def additive_attention(params: dict, s, h, v, mask=None):
    """Additive attention in one call. Returns out (N, Tq, d_v), weights (N, Tq, Tk)."""
    out, cache = additive_attention_forward(params, s, h, v, mask)
    return out, cache.weights
