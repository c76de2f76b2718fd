"""The layers of the Transformer (Vaswani et al., 2017), each a forward/backward pair.

Notation (the paper's row-vector convention: x W, one token per row)
--------
x        (N, T, d_model)   a batch of N sequences of T token vectors
h        number of heads;  d_k = d_v = d_model / h
W_q, W_k, W_v, W_o  (d_model, d_model)    b_q, b_k, b_v, b_o  (d_model,)      multi-head attention
gamma, beta         (d_model,)                                               layer normalisation
W_1 (d_model, d_ff), b_1 (d_ff,), W_2 (d_ff, d_model), b_2 (d_model,)        position-wise feed-forward

Multi-head attention (sec. 3.2.2)
    Q = x_q W_q + b_q, K = x_kv W_k + b_k, V = x_kv W_v + b_v          (N, T, d_model) each
    split the last axis into h heads of d_k:                            (N, h, T, d_k)
    head_i = Attention(Q_i, K_i, V_i) = softmax(Q_i K_i^T / sqrt(d_k)) V_i
    MultiHead = Concat(head_1, ..., head_h) W_o + b_o                    (N, Tq, d_model)
Layer normalisation (Ba et al. 2016), over the last axis:
    LN(x) = gamma * (x - mean(x)) / sqrt(var(x) + eps) + beta
Feed-forward (sec. 3.3):  FFN(x) = max(0, x W_1 + b_1) W_2 + b_2

Encoder layer, post-LN as in the paper ("LayerNorm(x + Sublayer(x))") or pre-LN as most code today
("x + Sublayer(LayerNorm(x))"):
    post: a = LN_1(x + MHA(x, x)),             y = LN_2(a + FFN(a))
    pre:  a = x + MHA(LN_1(x), LN_1(x)),       y = a + FFN(LN_2(a))
Decoder layer: the same with three sublayers: causal self-attention, attention to the encoder's
output ("memory"), feed-forward. Dropout is left out: every function here is deterministic.

Layer parameters are flat dicts with prefixed keys ("self_attn.W_q", "ln1.gamma", "ffn.W_1", ...),
so that optimisers and gradient checks treat them like any other params dict.

The whole encoder-decoder built from these layers is in :mod:`helpers.transformer`.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .attention import attention_backward, attention_forward
from .seeding import check_rng
from .shapes import check_int

__all__ = ["MHA_KEYS", "init_mha", "mha_forward", "mha_backward", "MHACache", "init_layer_norm", "layer_norm_forward",
           "layer_norm_backward", "LayerNormCache", "init_ffn", "ffn_forward", "ffn_backward", "FFNCache",
           "init_encoder_layer", "encoder_layer_forward", "encoder_layer_backward", "init_decoder_layer",
           "decoder_layer_forward", "decoder_layer_backward", "LayerCache", "check_norm", "sub_params", "prefixed"]


MHA_KEYS = ("W_q", "W_k", "W_v", "W_o", "b_q", "b_k", "b_v", "b_o")


def _check_tokens(name, x, d_model):
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != d_model or x.dtype.kind != "f":
        raise ValueError(f"{name}: expected a float array of shape (N, T, d_model = {d_model}), "
                         f"got shape {x.shape}, dtype {x.dtype}")
    return x


def _check_params(params, shapes, where):
    for key, shape in shapes.items():
        if key not in params:
            raise ValueError(f"params: {where} needs key {key!r} of shape {shape}; missing")
        if np.shape(params[key]) != shape:
            raise ValueError(f"params[{key!r}]: expected shape {shape}, got {np.shape(params[key])}")


class MHACache(NamedTuple):
    x_q: np.ndarray     # (N, Tq, d_model)
    x_kv: np.ndarray    # (N, Tk, d_model)
    attention: object   # AttentionCache of the heads: q, k, v (N, h, T, d_k), weights (N, h, Tq, Tk)
    concat: np.ndarray  # (N, Tq, d_model): the heads' outputs side by side
    params: dict
    h: int


def init_mha(d_model: int, h: int, rng: np.random.Generator) -> dict:
    """W_* ~ N(0, 1/d_model) (d_model, d_model), biases 0."""
    check_rng(rng)
    check_int("d_model", d_model)
    check_int("h", h)
    if d_model % h:
        raise ValueError(f"h: expected a divisor of d_model = {d_model}, got {h}")
    params = {f"W_{n}": rng.standard_normal((d_model, d_model)) / np.sqrt(d_model) for n in "qkvo"}
    params.update({f"b_{n}": np.zeros(d_model) for n in "qkvo"})
    return params


def _split(x, h):  # (N, T, d_model) -> (N, h, T, d_k)
    N, T, d = x.shape
    return x.reshape(N, T, h, d // h).transpose(0, 2, 1, 3)


def _merge(x):  # (N, h, T, d_k) -> (N, T, d_model)
    N, h, T, d_k = x.shape
    return x.transpose(0, 2, 1, 3).reshape(N, T, h * d_k)


def mha_forward(params: dict, x_q, x_kv, h: int, mask=None):
    """Multi-head attention of the queries x_q (N, Tq, d_model) to x_kv (N, Tk, d_model).

    mask: boolean, True = may attend, broadcastable to (N, h, Tq, Tk); a mask of shape (N, Tq, Tk)
    (the same for every head) is given a head axis. Self-attention: pass the same array twice.
    Returns: out (N, Tq, d_model); MHACache (``cache.attention.weights`` are the heads' weights)
    """
    d_model = np.shape(params.get("W_q", np.zeros((0, 0))))[0]
    _check_params(params, {**{f"W_{n}": (d_model, d_model) for n in "qkvo"},
                           **{f"b_{n}": (d_model,) for n in "qkvo"}}, "multi-head attention")
    check_int("h", h)
    if d_model % h:
        raise ValueError(f"h: expected a divisor of d_model = {d_model}, got {h}")
    x_q, x_kv = _check_tokens("x_q", x_q, d_model), _check_tokens("x_kv", x_kv, d_model)
    if x_kv.shape[0] != x_q.shape[0]:
        raise ValueError(f"x_kv: expected N = {x_q.shape[0]} sequences (from x_q), got shape {x_kv.shape}")
    if mask is not None and np.ndim(mask) == 3:
        mask = np.asarray(mask)[:, None]  # (N, 1, Tq, Tk): the same for every head
    Q = _split(x_q @ params["W_q"] + params["b_q"], h)  # (N, h, Tq, d_k)
    K = _split(x_kv @ params["W_k"] + params["b_k"], h)  # (N, h, Tk, d_k)
    V = _split(x_kv @ params["W_v"] + params["b_v"], h)  # (N, h, Tk, d_k)
    heads, att = attention_forward({}, Q, K, V, mask)  # (N, h, Tq, d_k)
    concat = _merge(heads)  # (N, Tq, d_model)
    out = concat @ params["W_o"] + params["b_o"]  # (N, Tq, d_model)
    return out, MHACache(x_q, x_kv, att, concat, params, h)


def sum_outer(a, b):  # sum over N and T of a^T b: (N, T, i), (N, T, j) -> (i, j)
    return a.reshape(-1, a.shape[-1]).T @ b.reshape(-1, b.shape[-1])


def mha_backward(dout, cache: MHACache):
    """Returns dx_q (N, Tq, d_model), dx_kv (N, Tk, d_model), grads keyed like the params.
    For self-attention the gradient of x is dx_q + dx_kv."""
    if not isinstance(cache, MHACache):
        raise ValueError(f"cache: expected the MHACache of mha_forward, got {type(cache).__name__}")
    dout = np.asarray(dout)
    if dout.shape != cache.x_q.shape:
        raise ValueError(f"dout: expected shape {cache.x_q.shape}, got {dout.shape}")
    p = cache.params
    grads = {"W_o": sum_outer(cache.concat, dout), "b_o": dout.sum(axis=(0, 1))}
    dheads = _split(dout @ p["W_o"].T, cache.h)  # (N, h, Tq, d_k)
    dQ, dK, dV, _ = attention_backward(dheads, cache.attention)
    dQ, dK, dV = _merge(dQ), _merge(dK), _merge(dV)  # (N, T, d_model) each
    for name, d, x in (("q", dQ, cache.x_q), ("k", dK, cache.x_kv), ("v", dV, cache.x_kv)):
        grads[f"W_{name}"], grads[f"b_{name}"] = sum_outer(x, d), d.sum(axis=(0, 1))
    dx_q = dQ @ p["W_q"].T
    dx_kv = dK @ p["W_k"].T + dV @ p["W_v"].T
    return dx_q, dx_kv, grads


class LayerNormCache(NamedTuple):
    x_hat: np.ndarray   # (..., d): the normalised input
    inv_std: np.ndarray  # (..., 1)
    gamma: np.ndarray


def init_layer_norm(d_model: int) -> dict:
    """gamma = 1, beta = 0."""
    check_int("d_model", d_model)
    return {"gamma": np.ones(d_model), "beta": np.zeros(d_model)}


def layer_norm_forward(params: dict, x, eps: float = 1e-5):
    """LN(x) = gamma * (x - mean) / sqrt(var + eps) + beta over the last axis. Returns y, cache."""
    x = np.asarray(x)
    d = x.shape[-1] if x.ndim else 0
    _check_params(params, {"gamma": (d,), "beta": (d,)}, "layer norm")
    mean = x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    x_hat = (x - mean) * inv_std
    return params["gamma"] * x_hat + params["beta"], LayerNormCache(x_hat, inv_std, params["gamma"])


def layer_norm_backward(dy, cache: LayerNormCache):
    """dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat)), with g = dy * gamma. Returns dx, grads."""
    dy = np.asarray(dy)
    if dy.shape != cache.x_hat.shape:
        raise ValueError(f"dy: expected shape {cache.x_hat.shape}, got {dy.shape}")
    axes = tuple(range(dy.ndim - 1))
    grads = {"gamma": (dy * cache.x_hat).sum(axis=axes), "beta": dy.sum(axis=axes)}
    g = dy * cache.gamma
    dx = cache.inv_std * (g - g.mean(axis=-1, keepdims=True)
                          - cache.x_hat * (g * cache.x_hat).mean(axis=-1, keepdims=True))
    return dx, grads


class FFNCache(NamedTuple):
    x: np.ndarray       # (..., d_model)
    hidden: np.ndarray  # (..., d_ff) after the ReLU
    params: dict


def init_ffn(d_model: int, d_ff: int, rng: np.random.Generator) -> dict:
    """W_1 ~ N(0, 2/d_model) (He, for the ReLU), W_2 ~ N(0, 1/d_ff), biases 0."""
    check_rng(rng)
    check_int("d_model", d_model)
    check_int("d_ff", d_ff)
    return {"W_1": rng.standard_normal((d_model, d_ff)) * np.sqrt(2.0 / d_model), "b_1": np.zeros(d_ff),
            "W_2": rng.standard_normal((d_ff, d_model)) / np.sqrt(d_ff), "b_2": np.zeros(d_model)}


def ffn_forward(params: dict, x):
    """FFN(x) = max(0, x W_1 + b_1) W_2 + b_2, the same for every position. Returns out, cache."""
    d_model, d_ff = np.shape(params.get("W_1", np.zeros((0, 0))))
    _check_params(params, {"W_1": (d_model, d_ff), "b_1": (d_ff,), "W_2": (d_ff, d_model), "b_2": (d_model,)},
                  "feed-forward")
    x = np.asarray(x)
    if x.shape[-1:] != (d_model,):
        raise ValueError(f"x: expected shape (..., d_model = {d_model}), got {x.shape}")
    hidden = np.maximum(x @ params["W_1"] + params["b_1"], 0.0)  # (..., d_ff)
    return hidden @ params["W_2"] + params["b_2"], FFNCache(x, hidden, params)


def ffn_backward(dout, cache: FFNCache):
    """Returns dx, grads."""
    dout = np.asarray(dout)
    p = cache.params
    dhidden = (dout @ p["W_2"].T) * (cache.hidden > 0)  # (..., d_ff)
    grads = {"W_2": sum_outer(cache.hidden, dout), "b_2": dout.reshape(-1, dout.shape[-1]).sum(axis=0),
             "W_1": sum_outer(cache.x, dhidden), "b_1": dhidden.reshape(-1, dhidden.shape[-1]).sum(axis=0)}
    return dhidden @ p["W_1"].T, grads


def sub_params(params, prefix):
    return {k[len(prefix) + 1:]: v for k, v in params.items() if k.startswith(prefix + ".")}


def prefixed(prefix, grads):
    return {f"{prefix}.{k}": v for k, v in grads.items()}


class LayerCache(NamedTuple):
    caches: dict   # the sublayers' caches by name
    norm: str      # "post" or "pre"
    h: int


def check_norm(norm):
    if norm not in ("post", "pre"):
        raise ValueError(f"norm: expected 'post' (the paper) or 'pre', got {norm!r}")


def _residual_forward(x, sublayer, ln_params, norm, caches, name):
    """post: LN(x + F(x));  pre: x + F(LN(x)). sublayer(z) -> (F(z), cache)."""
    if norm == "post":
        f, caches[name] = sublayer(x)
        y, caches[name + "_ln"] = layer_norm_forward(ln_params, x + f)
    else:
        z, caches[name + "_ln"] = layer_norm_forward(ln_params, x)
        f, caches[name] = sublayer(z)
        y = x + f
    return y


def _residual_backward(dy, sublayer_backward, norm, caches, name):
    """Returns dx, the sublayer's extra input gradients (tuple), sublayer grads, layer-norm grads."""
    if norm == "post":
        ds, ln_grads = layer_norm_backward(dy, caches[name + "_ln"])
        dz, *extra, grads = sublayer_backward(ds, caches[name])
        return ds + dz, extra, grads, ln_grads
    dz, *extra, grads = sublayer_backward(dy, caches[name])
    dx_ln, ln_grads = layer_norm_backward(dz, caches[name + "_ln"])
    return dy + dx_ln, extra, grads, ln_grads


def init_encoder_layer(d_model: int, h: int, d_ff: int, rng: np.random.Generator) -> dict:
    """Keys: self_attn.*, ln1.*, ffn.*, ln2.*"""
    return {**prefixed("self_attn", init_mha(d_model, h, rng)), **prefixed("ln1", init_layer_norm(d_model)),
            **prefixed("ffn", init_ffn(d_model, d_ff, rng)), **prefixed("ln2", init_layer_norm(d_model))}


def encoder_layer_forward(params: dict, x, h: int, mask=None, norm: str = "post"):
    """One encoder layer: self-attention then feed-forward, each with a residual connection and layer
    norm. x (N, T, d_model); mask (True = may attend, e.g. a padding mask) broadcastable to (N, h, T, T).
    Returns y (N, T, d_model), LayerCache."""
    check_norm(norm)
    caches = {}
    attn = sub_params(params, "self_attn")
    a = _residual_forward(x, lambda z: mha_forward(attn, z, z, h, mask), sub_params(params, "ln1"), norm, caches, "attn")
    y = _residual_forward(a, lambda z: ffn_forward(sub_params(params, "ffn"), z), sub_params(params, "ln2"), norm, caches,
                          "ffn")
    return y, LayerCache(caches, norm, h)


def _self_attention_backward(ds, cache):
    dx_q, dx_kv, grads = mha_backward(ds, cache)
    return dx_q + dx_kv, grads  # the same x fed queries, keys and values


def encoder_layer_backward(dy, cache: LayerCache):
    """Returns dx (N, T, d_model), grads keyed like init_encoder_layer's params."""
    if not isinstance(cache, LayerCache):
        raise ValueError(f"cache: expected the LayerCache of encoder_layer_forward, got {type(cache).__name__}")
    c = cache.caches
    da, _, g_ffn, g_ln2 = _residual_backward(dy, ffn_backward, cache.norm, c, "ffn")
    dx, _, g_attn, g_ln1 = _residual_backward(da, _self_attention_backward, cache.norm, c, "attn")
    return dx, {**prefixed("self_attn", g_attn), **prefixed("ln1", g_ln1), **prefixed("ffn", g_ffn),
                **prefixed("ln2", g_ln2)}


def init_decoder_layer(d_model: int, h: int, d_ff: int, rng: np.random.Generator) -> dict:
    """Keys: self_attn.*, ln1.*, cross_attn.*, ln2.*, ffn.*, ln3.*"""
    return {**prefixed("self_attn", init_mha(d_model, h, rng)), **prefixed("ln1", init_layer_norm(d_model)),
            **prefixed("cross_attn", init_mha(d_model, h, rng)), **prefixed("ln2", init_layer_norm(d_model)),
            **prefixed("ffn", init_ffn(d_model, d_ff, rng)), **prefixed("ln3", init_layer_norm(d_model))}


def decoder_layer_forward(params: dict, x, memory, h: int, self_mask=None, memory_mask=None,
                          norm: str = "post"):
    """One decoder layer: masked self-attention over x (N, Tq, d_model) (pass a causal mask, combined
    with padding if needed, as self_mask), attention to the encoder output memory (N, Tk, d_model)
    (memory_mask: e.g. the source padding), then feed-forward; each with residual and layer norm.
    Returns y (N, Tq, d_model), LayerCache."""
    check_norm(norm)
    caches = {}
    self_p, cross_p = sub_params(params, "self_attn"), sub_params(params, "cross_attn")
    a = _residual_forward(x, lambda z: mha_forward(self_p, z, z, h, self_mask), sub_params(params, "ln1"), norm,
                          caches, "self")
    b = _residual_forward(a, lambda z: mha_forward(cross_p, z, memory, h, memory_mask), sub_params(params, "ln2"), norm,
                          caches, "cross")
    y = _residual_forward(b, lambda z: ffn_forward(sub_params(params, "ffn"), z), sub_params(params, "ln3"), norm, caches,
                          "ffn")
    return y, LayerCache(caches, norm, h)


def decoder_layer_backward(dy, cache: LayerCache):
    """Returns dx (N, Tq, d_model), dmemory (N, Tk, d_model), grads keyed like init_decoder_layer's."""
    if not isinstance(cache, LayerCache):
        raise ValueError(f"cache: expected the LayerCache of decoder_layer_forward, got {type(cache).__name__}")
    c = cache.caches
    db, _, g_ffn, g_ln3 = _residual_backward(dy, ffn_backward, cache.norm, c, "ffn")
    da, (dmemory,), g_cross, g_ln2 = _residual_backward(db, mha_backward, cache.norm, c, "cross")
    dx, _, g_self, g_ln1 = _residual_backward(da, _self_attention_backward, cache.norm, c, "self")
    grads = {**prefixed("self_attn", g_self), **prefixed("ln1", g_ln1), **prefixed("cross_attn", g_cross),
             **prefixed("ln2", g_ln2), **prefixed("ffn", g_ffn), **prefixed("ln3", g_ln3)}
    return dx, dmemory, grads
