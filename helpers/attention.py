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
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["scaled_dot_product_attention", "attention_forward", "attention_backward", "AttentionCache",
           "fully_masked_rows", "causal_mask", "padding_mask", "positional_encoding"]


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
    target = q.shape[:-1] + (k.shape[-2],)  # (..., Tq, Tk)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype != bool:
            raise ValueError(f"mask: expected a boolean array (True = may attend), got dtype {mask.dtype}")
        try:
            if np.broadcast_shapes(mask.shape, target) != target:
                raise ValueError
        except ValueError:
            raise ValueError(f"mask: expected a shape broadcastable to (..., Tq, Tk) = {target}, "
                             f"got {mask.shape}") from None
    return q, k, v, mask


def attention_forward(params: dict, q, k, v, mask=None):
    """out = softmax(q k^T / sqrt(d_k)) v, in the course's forward/backward style.

    Inputs:  params: {} (attention itself has no parameters; the argument keeps the common signature);
             q (..., Tq, d_k), k (..., Tk, d_k), v (..., Tk, d_v); mask broadcastable to (..., Tq, Tk)
    Returns: out (..., Tq, d_v); AttentionCache (its ``weights`` are P)
    """
    if params:
        raise ValueError(f"params: scaled dot-product attention has no parameters, got keys {sorted(params)}")
    q, k, v, mask = _validate(q, k, v, mask)
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = (q @ np.swapaxes(k, -1, -2)) * scale  # (..., Tq, Tk)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    row_max = scores.max(axis=-1, keepdims=True)  # (..., Tq, 1); -inf for a fully masked row
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    e = np.exp(scores - row_max)  # exp(-inf) = 0 for masked entries
    total = e.sum(axis=-1, keepdims=True)  # (..., Tq, 1); 0 for a fully masked row
    weights = e / np.where(total > 0, total, 1.0)  # fully masked rows: all 0, not NaN
    out = weights @ v  # (..., Tq, d_v)
    return out, AttentionCache(q, k, v, weights, float(scale))


def attention_backward(dout, cache: AttentionCache):
    """Backward of :func:`attention_forward`. Returns dq, dk, dv (shapes of q, k, v) and {} (no params)."""
    if not isinstance(cache, AttentionCache):
        raise ValueError(f"cache: expected the AttentionCache of attention_forward, got {type(cache).__name__}")
    expected = cache.weights.shape[:-1] + cache.v.shape[-1:]
    dout = np.asarray(dout)
    if dout.shape != expected:
        raise ValueError(f"dout: expected shape {expected} (..., Tq, d_v), got {dout.shape}")
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
    return ~np.broadcast_to(np.asarray(mask, dtype=bool), shape).any(axis=-1)


def causal_mask(Tq: int, Tk: int | None = None) -> np.ndarray:
    """(Tq, Tk) boolean, True on and below the diagonal: query t may attend to keys 0 ... t (no look-ahead).

    With Tk > Tq (queries aligned with the last Tq keys) the diagonal is shifted accordingly.
    """
    Tk = Tq if Tk is None else Tk
    for name, value in (("Tq", Tq), ("Tk", Tk)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: expected a positive int, got {value!r}")
    return np.tril(np.ones((Tq, Tk), dtype=bool), k=Tk - Tq)


def padding_mask(lengths, T: int) -> np.ndarray:
    """(N, 1, T) boolean, True for the first lengths[n] positions of sequence n: the real keys.

    Broadcasts against attention weights of shape (N, Tq, T); add an axis for heads, mask[:, None].
    """
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu":
        raise ValueError(f"lengths: expected a 1-D integer array (N,), got shape {lengths.shape}, "
                         f"dtype {lengths.dtype}")
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T: expected a positive int, got {T!r}")
    if np.any(lengths < 0) or np.any(lengths > T):
        raise ValueError(f"lengths: expected values in [0, T = {T}], got {lengths.tolist()}")
    return (np.arange(T)[None, :] < lengths[:, None])[:, None, :]  # (N, 1, T)


def positional_encoding(length: int, d_model: int) -> np.ndarray:
    """(length, d_model): PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(same angle)."""
    for name, value in (("length", length), ("d_model", d_model)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: expected a positive int, got {value!r}")
    pos = np.arange(length)[:, None]  # (length, 1)
    two_i = np.arange(0, d_model, 2)  # (ceil(d_model / 2),): the even column indices 2i
    angle = pos / 10000.0 ** (two_i / d_model)  # (length, ceil(d_model / 2))
    pe = np.empty((length, d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d_model // 2])
    return pe
