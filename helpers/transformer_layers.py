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

from .attention import _attention_backward, _attention_forward
from .seeding import check_rng
from .shapes import (check_array, check_choice, check_instance, check_int, check_mask, check_nonempty, check_params,
                     check_real)

__all__ = ["MHA_KEYS", "ENCODER_LAYER_KEYS", "DECODER_LAYER_KEYS", "MHA_SPECS", "LN_SPECS", "FFN_SPECS", "layer_specs",
           "init_mha", "mha_forward", "mha_backward", "MHACache", "init_layer_norm", "layer_norm_forward",
           "layer_norm_backward", "LayerNormCache", "init_ffn", "ffn_forward", "ffn_backward", "FFNCache",
           "init_encoder_layer", "encoder_layer_forward", "encoder_layer_backward", "init_decoder_layer",
           "decoder_layer_forward", "decoder_layer_backward", "LayerCache", "check_norm", "sub_params", "prefixed"]


MHA_KEYS = ("W_q", "W_k", "W_v", "W_o", "b_q", "b_k", "b_v", "b_o")
ENCODER_LAYER_KEYS = ("self_attn", "ln1", "ffn", "ln2")
DECODER_LAYER_KEYS = ("self_attn", "ln1", "cross_attn", "ln2", "ffn", "ln3")
MHA_SPECS = {**{f"W_{n}": ("d_model", "d_model") for n in "qkvo"}, **{f"b_{n}": ("d_model",) for n in "qkvo"}}
LN_SPECS = {"gamma": ("d_model",), "beta": ("d_model",)}
FFN_SPECS = {"W_1": ("d_model", "d_ff"), "b_1": ("d_ff",), "W_2": ("d_ff", "d_model"), "b_2": ("d_model",)}
_PARTS = {"self_attn": MHA_SPECS, "cross_attn": MHA_SPECS, "ffn": FFN_SPECS, "ln1": LN_SPECS, "ln2": LN_SPECS,
          "ln3": LN_SPECS}


def layer_specs(kind: str) -> dict:
    """Shape specs (named sizes d_model, d_ff) of one "enc" or "dec" layer's params, keyed without a layer prefix."""
    check_choice("kind", kind, ("enc", "dec"))
    names = ENCODER_LAYER_KEYS if kind == "enc" else DECODER_LAYER_KEYS
    return {f"{part}.{k}": spec for part in names for k, spec in _PARTS[part].items()}


def _check_tokens(name, x, d_model, what="position (T >= 1)"):
    """x (N, T, d_model), a float array; with ``what``, T >= 1 (keys need at least one position)."""
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != d_model or x.dtype.kind != "f":
        raise ValueError(f"{name}: expected a float array of shape (N, T, d_model = {d_model}), "
                         f"got shape {x.shape}, dtype {x.dtype}")
    return x if what is None else check_nonempty(name, x, 1, what)


def _check_heads(h, d_model):
    check_int("h", h)
    if d_model % h:
        raise ValueError(f"h: expected a divisor of d_model = {d_model}, got {h}")
    return h


def _heads_mask(name: str, mask, N: int, h: int, Tq: int, Tk: int):
    """The mask ``name`` of multi-head attention, checked and shaped to broadcast to (N, h, Tq, Tk) (the rules
    are in :func:`mha_forward`'s docstring)."""
    if mask is None:
        return None
    shape = np.shape(mask)
    if len(shape) == 2 and shape != (Tq, Tk):
        raise ValueError(f"{name}: a 2-D mask is read as (Tq, Tk) = ({Tq}, {Tk}), the same for every sequence, "
                         f"got shape {shape}; for a padding mask per sequence use shape (N, 1, Tk) = ({N}, 1, {Tk}), "
                         f"as helpers.attention.padding_mask makes")
    if len(shape) == 3:
        mask = check_mask(name, mask, (N, Tq, Tk), "(N, Tq, Tk)")[:, None]  # (N, 1, Tq, Tk): same for every head
    return check_mask(name, mask, (N, h, Tq, Tk), "(N, h, Tq, Tk)")


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
    _check_heads(h, check_int("d_model", d_model))
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

    mask: boolean, True = may attend, broadcastable to (N, h, Tq, Tk), or None. By its number of axes:
      4-D  (N, h, Tq, Tk), or any shape that broadcasts to it
      3-D  (N, Tq, Tk), the same for every head (a head axis is added); a key padding mask is (N, 1, Tk), the
           shape helpers.attention.padding_mask makes
      2-D  exactly (Tq, Tk), the same for every sequence (e.g. helpers.attention.causal_mask). Any other 2-D shape
           is refused: a key padding mask of shape (N, Tk) would broadcast as (Tq, Tk) whenever N == Tq, silently
           giving query row i the padding of sequence i. The ambiguity that remains: when N == Tq, an (N, Tk) mask
           *has* the shape (Tq, Tk) and is read as (Tq, Tk), the same for every sequence; give padding as (N, 1, Tk).
      1-D  (Tk,), the same for every sequence, head and query
    Self-attention: pass the same array twice.
    Returns: out (N, Tq, d_model); MHACache (``cache.attention.weights`` are the heads' weights)
    """
    d_model = check_params(params, MHA_SPECS)["d_model"]
    _check_heads(h, d_model)
    x_q = _check_tokens("x_q", x_q, d_model, None)
    x_kv = _check_tokens("x_kv", x_kv, d_model, "key position (Tk >= 1): a softmax over no keys is undefined")
    if x_kv.shape[0] != x_q.shape[0]:
        raise ValueError(f"x_kv: expected N = {x_q.shape[0]} sequences (from x_q), got shape {x_kv.shape}")
    mask = _heads_mask("mask", mask, x_q.shape[0], h, x_q.shape[1], x_kv.shape[1])
    return _mha_forward(params, x_q, x_kv, h, mask)


def _mha_forward(params, x_q, x_kv, h, mask):
    """:func:`mha_forward` on checked arguments, the mask already shaped by _heads_mask."""
    Q = _split(x_q @ params["W_q"] + params["b_q"], h)  # (N, h, Tq, d_k)
    K = _split(x_kv @ params["W_k"] + params["b_k"], h)  # (N, h, Tk, d_k)
    V = _split(x_kv @ params["W_v"] + params["b_v"], h)  # (N, h, Tk, d_k)
    heads, att = _attention_forward(Q, K, V, mask)  # (N, h, Tq, d_k)
    concat = _merge(heads)  # (N, Tq, d_model)
    out = concat @ params["W_o"] + params["b_o"]  # (N, Tq, d_model)
    return out, MHACache(x_q, x_kv, att, concat, params, h)


def sum_outer(a, b):  # sum over N and T of a^T b: (N, T, i), (N, T, j) -> (i, j)
    return a.reshape(-1, a.shape[-1]).T @ b.reshape(-1, b.shape[-1])


def mha_backward(dout, cache: MHACache):
    """Returns dx_q (N, Tq, d_model), dx_kv (N, Tk, d_model), grads keyed like the params.
    For self-attention the gradient of x is dx_q + dx_kv."""
    check_instance("cache", cache, MHACache, "the MHACache of mha_forward")
    dout = check_array("dout", dout)
    if dout.shape != cache.x_q.shape:
        raise ValueError(f"dout: expected shape {cache.x_q.shape}, got {dout.shape}")
    return _mha_backward(dout, cache)


def _mha_backward(dout, cache):
    """:func:`mha_backward` on checked arguments."""
    p = cache.params
    grads = {"W_o": sum_outer(cache.concat, dout), "b_o": dout.sum(axis=(0, 1))}
    dheads = _split(dout @ p["W_o"].T, cache.h)  # (N, h, Tq, d_k)
    dQ, dK, dV, _ = _attention_backward(dheads, cache.attention)
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
    d = check_params(params, LN_SPECS)["d_model"]
    check_nonempty("params['gamma']", np.asarray(params["gamma"]), what="feature (d >= 1)")
    x = check_array("x", x)
    if x.shape[-1:] != (d,):
        raise ValueError(f"x: expected shape (..., d = {d}) (the size of params['gamma']), got {x.shape}")
    check_real("eps", eps)
    return _layer_norm_forward(params, x, eps)


def _layer_norm_forward(params, x, eps=1e-5):
    """:func:`layer_norm_forward` on checked arguments."""
    centred = x - x.mean(axis=-1, keepdims=True)
    # the variance as x.var computes it (the mean of the squared deviations), from the deviations needed anyway
    inv_std = 1.0 / np.sqrt(np.square(centred).sum(axis=-1, keepdims=True) / x.shape[-1] + eps)
    x_hat = centred * inv_std
    return params["gamma"] * x_hat + params["beta"], LayerNormCache(x_hat, inv_std, params["gamma"])


def layer_norm_backward(dy, cache: LayerNormCache):
    """dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat)), with g = dy * gamma. Returns dx, grads."""
    check_instance("cache", cache, LayerNormCache, "the LayerNormCache of layer_norm_forward")
    dy = check_array("dy", dy)
    if dy.shape != cache.x_hat.shape:
        raise ValueError(f"dy: expected shape {cache.x_hat.shape}, got {dy.shape}")
    return _layer_norm_backward(dy, cache)


def _layer_norm_backward(dy, cache):
    """:func:`layer_norm_backward` on checked arguments."""
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
    d_model = check_params(params, FFN_SPECS)["d_model"]
    x = check_array("x", x)
    if x.shape[-1:] != (d_model,):
        raise ValueError(f"x: expected shape (..., d_model = {d_model}), got {x.shape}")
    return _ffn_forward(params, x)


def _ffn_forward(params, x):
    """:func:`ffn_forward` on checked arguments."""
    hidden = np.maximum(x @ params["W_1"] + params["b_1"], 0.0)  # (..., d_ff)
    return hidden @ params["W_2"] + params["b_2"], FFNCache(x, hidden, params)


def ffn_backward(dout, cache: FFNCache):
    """Backward of :func:`ffn_forward`: dout (..., d_model), the shape of x. Returns dx, grads."""
    check_instance("cache", cache, FFNCache, "the FFNCache of ffn_forward")
    dout = check_array("dout", dout)
    if dout.shape != cache.x.shape:
        raise ValueError(f"dout: expected shape {cache.x.shape} (..., d_model), the shape of ffn_forward's x, "
                         f"got {dout.shape}")
    return _ffn_backward(dout, cache)


def _ffn_backward(dout, cache):
    """:func:`ffn_backward` on checked arguments."""
    p = cache.params
    dhidden = (dout @ p["W_2"].T) * (cache.hidden > 0)  # (..., d_ff)
    grads = {"W_2": sum_outer(cache.hidden, dout), "b_2": dout.reshape(-1, dout.shape[-1]).sum(axis=0),
             "W_1": sum_outer(cache.x, dhidden), "b_1": dhidden.reshape(-1, dhidden.shape[-1]).sum(axis=0)}
    return dhidden @ p["W_1"].T, grads


def sub_params(params, prefix):
    """The entries of ``params`` whose key starts with ``prefix + "."``, with that part of the key removed."""
    if not isinstance(params, dict):
        raise ValueError(f"params: expected a dict of arrays, got {type(params).__name__}")
    check_instance("prefix", prefix, str, "a str such as 'ffn'")
    return {k[len(prefix) + 1:]: v for k, v in params.items() if k.startswith(prefix + ".")}


def prefixed(prefix, grads):
    """The entries of ``grads`` with ``prefix + "."`` put in front of every key."""
    if not isinstance(grads, dict):
        raise ValueError(f"grads: expected a dict of arrays, got {type(grads).__name__}")
    check_instance("prefix", prefix, str, "a str such as 'ffn'")
    return {f"{prefix}.{k}": v for k, v in grads.items()}


class LayerCache(NamedTuple):
    caches: dict   # the sublayers' caches by name
    norm: str      # "post" or "pre"
    h: int


def check_norm(norm):
    if not isinstance(norm, str) or norm not in ("post", "pre"):
        raise ValueError(f"norm: expected 'post' (the paper) or 'pre', got {norm!r}")


def _check_layer(kind, params, x, h, norm):
    """Check an encoder ("enc") or decoder ("dec") layer's params, x (N, T, d_model) (T >= 1), h and norm."""
    check_norm(norm)
    d_model = check_params(params, layer_specs(kind))["d_model"]
    return _check_tokens("x", x, d_model), _check_heads(h, d_model)


def _check_layer_backward(dy, cache, kind):
    """Check a layer backward's cache (of ``kind``_layer_forward) and dy (the shape of the layer's x)."""
    made_by = f"the LayerCache of {kind}_layer_forward"
    check_instance("cache", cache, LayerCache, made_by)
    if ("cross" in cache.caches) != (kind == "decoder"):
        raise ValueError(f"cache: expected {made_by}, got the LayerCache of "
                         f"{'decoder' if kind == 'encoder' else 'encoder'}_layer_forward")
    dy = check_array("dy", dy)
    expected = cache.caches["ffn_ln"].x_hat.shape  # (N, T, d_model): the layer's input and output
    if dy.shape != expected:
        raise ValueError(f"dy: expected shape (N, T, d_model) = {expected}, the shape of the layer's output, "
                         f"got {dy.shape}")
    return dy


def _residual_forward(x, sublayer, ln_params, norm, caches, name):
    """post: LN(x + F(x));  pre: x + F(LN(x)). sublayer(z) -> (F(z), cache)."""
    if norm == "post":
        f, caches[name] = sublayer(x)
        y, caches[name + "_ln"] = _layer_norm_forward(ln_params, x + f)
    else:
        z, caches[name + "_ln"] = _layer_norm_forward(ln_params, x)
        f, caches[name] = sublayer(z)
        y = x + f
    return y


def _residual_backward(dy, sublayer_backward, norm, caches, name):
    """Returns dx, the sublayer's extra input gradients (tuple), sublayer grads, layer-norm grads."""
    if norm == "post":
        ds, ln_grads = _layer_norm_backward(dy, caches[name + "_ln"])
        dz, *extra, grads = sublayer_backward(ds, caches[name])
        return ds + dz, extra, grads, ln_grads
    dz, *extra, grads = sublayer_backward(dy, caches[name])
    dx_ln, ln_grads = _layer_norm_backward(dz, caches[name + "_ln"])
    return dy + dx_ln, extra, grads, ln_grads


def init_encoder_layer(d_model: int, h: int, d_ff: int, rng: np.random.Generator) -> dict:
    """Keys: self_attn.*, ln1.*, ffn.*, ln2.*"""
    return {**prefixed("self_attn", init_mha(d_model, h, rng)), **prefixed("ln1", init_layer_norm(d_model)),
            **prefixed("ffn", init_ffn(d_model, d_ff, rng)), **prefixed("ln2", init_layer_norm(d_model))}


def encoder_layer_forward(params: dict, x, h: int, mask=None, norm: str = "post"):
    """One encoder layer: self-attention then feed-forward, each with a residual connection and layer
    norm. x (N, T, d_model); mask (True = may attend, e.g. a padding mask) broadcastable to (N, h, T, T).
    Returns y (N, T, d_model), LayerCache. A 2-D mask must be exactly (T, T) (see :func:`mha_forward`)."""
    x, h = _check_layer("enc", params, x, h, norm)
    mask = _heads_mask("mask", mask, x.shape[0], h, x.shape[1], x.shape[1])
    return _encoder_layer_forward(params, x, h, mask, norm)


def _encoder_layer_forward(params, x, h, mask, norm):
    """:func:`encoder_layer_forward` on checked arguments, the mask already shaped by _heads_mask."""
    caches = {}
    attn = sub_params(params, "self_attn")
    a = _residual_forward(x, lambda z: _mha_forward(attn, z, z, h, mask), sub_params(params, "ln1"), norm, caches,
                          "attn")
    y = _residual_forward(a, lambda z: _ffn_forward(sub_params(params, "ffn"), z), sub_params(params, "ln2"), norm,
                          caches, "ffn")
    return y, LayerCache(caches, norm, h)


def _self_attention_backward(ds, cache):
    dx_q, dx_kv, grads = _mha_backward(ds, cache)
    return dx_q + dx_kv, grads  # the same x fed queries, keys and values


def encoder_layer_backward(dy, cache: LayerCache):
    """Returns dx (N, T, d_model), grads keyed like init_encoder_layer's params."""
    return _encoder_layer_backward(_check_layer_backward(dy, cache, "encoder"), cache)


def _encoder_layer_backward(dy, cache):
    """:func:`encoder_layer_backward` on checked arguments."""
    c = cache.caches
    da, _, g_ffn, g_ln2 = _residual_backward(dy, _ffn_backward, cache.norm, c, "ffn")
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
    Returns y (N, Tq, d_model), LayerCache. A 2-D mask must be exactly (Tq, Tq) or (Tq, Tk) (see
    :func:`mha_forward`)."""
    x, h = _check_layer("dec", params, x, h, norm)
    N, Tq, d_model = x.shape
    memory = _check_tokens("memory", memory, d_model, "source position (Tk >= 1): a softmax over no keys is undefined")
    Tk = memory.shape[1]
    if memory.shape[0] != N:
        raise ValueError(f"memory: expected N = {N} sequences (from x), got shape {memory.shape}")
    self_mask = _heads_mask("self_mask", self_mask, N, h, Tq, Tq)
    memory_mask = _heads_mask("memory_mask", memory_mask, N, h, Tq, Tk)
    return _decoder_layer_forward(params, x, memory, h, self_mask, memory_mask, norm)


def _decoder_layer_forward(params, x, memory, h, self_mask, memory_mask, norm):
    """:func:`decoder_layer_forward` on checked arguments, the masks already shaped by _heads_mask."""
    caches = {}
    self_p, cross_p = sub_params(params, "self_attn"), sub_params(params, "cross_attn")
    a = _residual_forward(x, lambda z: _mha_forward(self_p, z, z, h, self_mask), sub_params(params, "ln1"), norm,
                          caches, "self")
    b = _residual_forward(a, lambda z: _mha_forward(cross_p, z, memory, h, memory_mask), sub_params(params, "ln2"),
                          norm, caches, "cross")
    y = _residual_forward(b, lambda z: _ffn_forward(sub_params(params, "ffn"), z), sub_params(params, "ln3"), norm,
                          caches, "ffn")
    return y, LayerCache(caches, norm, h)


def decoder_layer_backward(dy, cache: LayerCache):
    """Returns dx (N, Tq, d_model), dmemory (N, Tk, d_model), grads keyed like init_decoder_layer's."""
    return _decoder_layer_backward(_check_layer_backward(dy, cache, "decoder"), cache)


def _decoder_layer_backward(dy, cache):
    """:func:`decoder_layer_backward` on checked arguments."""
    c = cache.caches
    db, _, g_ffn, g_ln3 = _residual_backward(dy, _ffn_backward, cache.norm, c, "ffn")
    da, (dmemory,), g_cross, g_ln2 = _residual_backward(db, _mha_backward, cache.norm, c, "cross")
    dx, _, g_self, g_ln1 = _residual_backward(da, _self_attention_backward, cache.norm, c, "self")
    grads = {**prefixed("self_attn", g_self), **prefixed("ln1", g_ln1), **prefixed("cross_attn", g_cross),
             **prefixed("ln2", g_ln2), **prefixed("ffn", g_ffn), **prefixed("ln3", g_ln3)}
    return dx, dmemory, grads
