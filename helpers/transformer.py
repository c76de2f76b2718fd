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

The whole encoder-decoder (Fig. 1 of the paper), token ids in, logits out
    src (N, T_src), tgt_in (N, T_tgt)   integer token ids; src_lengths, tgt_lengths (N,) real lengths or None
    x_0 = sqrt(d_model) * src_embed[src] + PE          (sec. 3.4 and 3.5)               (N, T_src, d_model)
    x_{l+1} = EncoderLayer_l(x_l)  with the source padding mask;   memory = x_L (pre-LN: LN_enc(x_L))
    y_0 = sqrt(d_model) * tgt_embed[tgt_in] + PE                                       (N, T_tgt, d_model)
    y_{l+1} = DecoderLayer_l(y_l, memory)  self-attention: causal & target padding; cross: source padding
    logits = F W_out + b_out,  F = y_L (pre-LN: LN_dec(y_L))                            (N, T_tgt, tgt_vocab)
Keys of :func:`init_transformer`: src_embed, tgt_embed, enc.{l}.*, dec.{l}.*, out.W, out.b, and for pre-LN
enc.ln.*, dec.ln.* (a pre-LN stack ends with a layer norm of its own). The norm is *passed* to every function
("post" or "pre"), like h, not stored in params; the forward checks that the keys fit it.
:func:`encode` and :func:`decode` (each with its backward) split the model for greedy decoding, which runs the
encoder once and the decoder once per generated token (:func:`greedy_decode`).
"""
from __future__ import annotations

import math

from typing import NamedTuple

import numpy as np

from .attention import attention_backward, attention_forward, causal_mask, padding_mask, positional_encoding
from .seeding import check_rng
from .shapes import check_int, check_params

__all__ = ["init_mha", "mha_forward", "mha_backward", "init_layer_norm", "layer_norm_forward",
           "layer_norm_backward", "init_ffn", "ffn_forward", "ffn_backward", "init_encoder_layer",
           "encoder_layer_forward", "encoder_layer_backward", "init_decoder_layer", "decoder_layer_forward",
           "decoder_layer_backward", "init_transformer", "transformer_forward", "transformer_backward", "encode",
           "encode_backward", "decode", "decode_backward", "greedy_decode", "EncoderCache", "DecoderCache",
           "TransformerCache"]

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


# --------------------------------------------------------------------------- multi-head attention

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


def _sum_outer(a, b):  # sum over N and T of a^T b: (N, T, i), (N, T, j) -> (i, j)
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
    grads = {"W_o": _sum_outer(cache.concat, dout), "b_o": dout.sum(axis=(0, 1))}
    dheads = _split(dout @ p["W_o"].T, cache.h)  # (N, h, Tq, d_k)
    dQ, dK, dV, _ = attention_backward(dheads, cache.attention)
    dQ, dK, dV = _merge(dQ), _merge(dK), _merge(dV)  # (N, T, d_model) each
    for name, d, x in (("q", dQ, cache.x_q), ("k", dK, cache.x_kv), ("v", dV, cache.x_kv)):
        grads[f"W_{name}"], grads[f"b_{name}"] = _sum_outer(x, d), d.sum(axis=(0, 1))
    dx_q = dQ @ p["W_q"].T
    dx_kv = dK @ p["W_k"].T + dV @ p["W_v"].T
    return dx_q, dx_kv, grads


# --------------------------------------------------------------------------- layer norm, feed-forward

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
    grads = {"W_2": _sum_outer(cache.hidden, dout), "b_2": dout.reshape(-1, dout.shape[-1]).sum(axis=0),
             "W_1": _sum_outer(cache.x, dhidden), "b_1": dhidden.reshape(-1, dhidden.shape[-1]).sum(axis=0)}
    return dhidden @ p["W_1"].T, grads


# --------------------------------------------------------------------------- encoder and decoder layers

def _sub(params, prefix):
    return {k[len(prefix) + 1:]: v for k, v in params.items() if k.startswith(prefix + ".")}


def _prefixed(prefix, grads):
    return {f"{prefix}.{k}": v for k, v in grads.items()}


class LayerCache(NamedTuple):
    caches: dict   # the sublayers' caches by name
    norm: str      # "post" or "pre"
    h: int


def _check_norm(norm):
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
    return {**_prefixed("self_attn", init_mha(d_model, h, rng)), **_prefixed("ln1", init_layer_norm(d_model)),
            **_prefixed("ffn", init_ffn(d_model, d_ff, rng)), **_prefixed("ln2", init_layer_norm(d_model))}


def encoder_layer_forward(params: dict, x, h: int, mask=None, norm: str = "post"):
    """One encoder layer: self-attention then feed-forward, each with a residual connection and layer
    norm. x (N, T, d_model); mask (True = may attend, e.g. a padding mask) broadcastable to (N, h, T, T).
    Returns y (N, T, d_model), LayerCache."""
    _check_norm(norm)
    caches = {}
    attn = _sub(params, "self_attn")
    a = _residual_forward(x, lambda z: mha_forward(attn, z, z, h, mask), _sub(params, "ln1"), norm, caches, "attn")
    y = _residual_forward(a, lambda z: ffn_forward(_sub(params, "ffn"), z), _sub(params, "ln2"), norm, caches,
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
    return dx, {**_prefixed("self_attn", g_attn), **_prefixed("ln1", g_ln1), **_prefixed("ffn", g_ffn),
                **_prefixed("ln2", g_ln2)}


def init_decoder_layer(d_model: int, h: int, d_ff: int, rng: np.random.Generator) -> dict:
    """Keys: self_attn.*, ln1.*, cross_attn.*, ln2.*, ffn.*, ln3.*"""
    return {**_prefixed("self_attn", init_mha(d_model, h, rng)), **_prefixed("ln1", init_layer_norm(d_model)),
            **_prefixed("cross_attn", init_mha(d_model, h, rng)), **_prefixed("ln2", init_layer_norm(d_model)),
            **_prefixed("ffn", init_ffn(d_model, d_ff, rng)), **_prefixed("ln3", init_layer_norm(d_model))}


def decoder_layer_forward(params: dict, x, memory, h: int, self_mask=None, memory_mask=None,
                          norm: str = "post"):
    """One decoder layer: masked self-attention over x (N, Tq, d_model) (pass a causal mask, combined
    with padding if needed, as self_mask), attention to the encoder output memory (N, Tk, d_model)
    (memory_mask: e.g. the source padding), then feed-forward; each with residual and layer norm.
    Returns y (N, Tq, d_model), LayerCache."""
    _check_norm(norm)
    caches = {}
    self_p, cross_p = _sub(params, "self_attn"), _sub(params, "cross_attn")
    a = _residual_forward(x, lambda z: mha_forward(self_p, z, z, h, self_mask), _sub(params, "ln1"), norm,
                          caches, "self")
    b = _residual_forward(a, lambda z: mha_forward(cross_p, z, memory, h, memory_mask), _sub(params, "ln2"), norm,
                          caches, "cross")
    y = _residual_forward(b, lambda z: ffn_forward(_sub(params, "ffn"), z), _sub(params, "ln3"), norm, caches,
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
    grads = {**_prefixed("self_attn", g_self), **_prefixed("ln1", g_ln1), **_prefixed("cross_attn", g_cross),
             **_prefixed("ln2", g_ln2), **_prefixed("ffn", g_ffn), **_prefixed("ln3", g_ln3)}
    return dx, dmemory, grads


# --------------------------------------------------------------------------- the full encoder-decoder

ENCODER_LAYER_KEYS = ("self_attn", "ln1", "ffn", "ln2")
DECODER_LAYER_KEYS = ("self_attn", "ln1", "cross_attn", "ln2", "ffn", "ln3")


def _layer_specs(kind: str) -> dict:
    """Shape specs (named sizes) of one encoder or decoder layer's params, keyed without the layer prefix."""
    mha = {**{f"W_{n}": ("d_model", "d_model") for n in "qkvo"}, **{f"b_{n}": ("d_model",) for n in "qkvo"}}
    ln = {"gamma": ("d_model",), "beta": ("d_model",)}
    ffn = {"W_1": ("d_model", "d_ff"), "b_1": ("d_ff",), "W_2": ("d_ff", "d_model"), "b_2": ("d_model",)}
    parts = {"self_attn": mha, "cross_attn": mha, "ffn": ffn, "ln1": ln, "ln2": ln, "ln3": ln}
    names = ENCODER_LAYER_KEYS if kind == "enc" else DECODER_LAYER_KEYS
    return {f"{part}.{k}": spec for part in names for k, spec in parts[part].items()}


def init_transformer(src_vocab: int, tgt_vocab: int, d_model: int, h: int, d_ff: int, n_layers: int,
                     rng: np.random.Generator, norm: str = "post") -> dict:
    """Parameters of a whole encoder-decoder Transformer, as one flat dict with prefixed keys:

    ``src_embed`` (src_vocab, d_model), ``tgt_embed`` (tgt_vocab, d_model)   token embeddings, ~ N(0, 1/d_model)
    ``enc.{l}.*`` for l = 0 ... n_layers-1                                     encoder layers (init_encoder_layer)
    ``dec.{l}.*``                                                             decoder layers (init_decoder_layer)
    ``enc.ln.gamma``, ``enc.ln.beta``, ``dec.ln.*`` (d_model,)                 only for norm="pre": the final layer
                                                                              norm after each stack (see below)
    ``out.W`` (d_model, tgt_vocab) ~ N(0, 1/d_model), ``out.b`` (tgt_vocab,) = 0   the pre-softmax projection

    The embeddings start with standard deviation d_model^-1/2, so that after the forward pass multiplies them by
    sqrt(d_model) (sec. 3.4) their entries have variance 1, like the positional encoding's. The paper shares one
    matrix between the two embeddings and the output projection; here the three are separate.

    ``norm`` is not stored in the dict: pass the same value to :func:`transformer_forward` (it checks that the
    keys match: a pre-LN stack ends with its own layer norm, because its residual stream is never normalised
    otherwise; a post-LN stack already ends with one).
    """
    check_rng(rng)
    _check_norm(norm)
    for name, value in (("src_vocab", src_vocab), ("tgt_vocab", tgt_vocab), ("d_model", d_model), ("h", h),
                        ("d_ff", d_ff), ("n_layers", n_layers)):
        check_int(name, value)
    if d_model % h:
        raise ValueError(f"h: expected a divisor of d_model = {d_model}, got {h}")
    params = {"src_embed": rng.standard_normal((src_vocab, d_model)) / np.sqrt(d_model),  # (V_src, d_model)
              "tgt_embed": rng.standard_normal((tgt_vocab, d_model)) / np.sqrt(d_model)}  # (V_tgt, d_model)
    for l in range(n_layers):
        params.update(_prefixed(f"enc.{l}", init_encoder_layer(d_model, h, d_ff, rng)))
    for l in range(n_layers):
        params.update(_prefixed(f"dec.{l}", init_decoder_layer(d_model, h, d_ff, rng)))
    if norm == "pre":
        params.update(_prefixed("enc.ln", init_layer_norm(d_model)))
        params.update(_prefixed("dec.ln", init_layer_norm(d_model)))
    params["out.W"] = rng.standard_normal((d_model, tgt_vocab)) / np.sqrt(d_model)  # (d_model, V_tgt)
    params["out.b"] = np.zeros(tgt_vocab)  # (V_tgt,)
    return params


def _count_layers(params, stack):
    found = set()
    for key in params:
        parts = key.split(".")
        if parts[0] == stack and len(parts) > 2 and parts[1].isdigit():
            found.add(int(parts[1]))
    n = len(found)
    if found != set(range(n)):
        raise ValueError(f"params: expected {stack} layers numbered 0 ... {n - 1}, got layers {sorted(found)}")
    return n


def _check_model_params(params, norm, stacks=("enc", "dec")) -> dict:
    """Check the keys and shapes a part of the model needs; return the number of layers of each stack."""
    _check_norm(norm)
    if not isinstance(params, dict):
        raise ValueError(f"params: expected the dict of init_transformer, got {type(params).__name__}")
    has_final = [s for s in stacks if f"{s}.ln.gamma" in params]
    if norm == "post" and has_final:
        raise ValueError(f"norm: params have final layer norms {[s + '.ln.*' for s in has_final]}, made by "
                         f"init_transformer(..., norm='pre'), but norm = 'post'; pass norm='pre'")
    missing = [f"{s}.ln.*" for s in stacks if s not in has_final]
    if norm == "pre" and missing:
        raise ValueError(f"norm: norm = 'pre' needs the final layer norms {missing} of "
                         f"init_transformer(..., norm='pre'), missing here; params made with norm='post' need "
                         f"norm='post'")
    counts = {stack: _count_layers(params, stack) for stack in stacks}
    for stack, n in counts.items():
        if n == 0:
            raise ValueError(f"params: expected at least one '{stack}.0.*' layer, found none")
    specs = {}
    if "enc" in stacks:
        specs["src_embed"] = ("V_src", "d_model")
    if "dec" in stacks:
        specs.update({"tgt_embed": ("V_tgt", "d_model"), "out.W": ("d_model", "V_tgt"), "out.b": ("V_tgt",)})
    for stack, n in counts.items():
        for l in range(n):
            specs.update({f"{stack}.{l}.{k}": s for k, s in _layer_specs(stack).items()})
        if norm == "pre":
            specs.update({f"{stack}.ln.gamma": ("d_model",), f"{stack}.ln.beta": ("d_model",)})
    owner = {"src_embed": "enc", "tgt_embed": "dec", "out": "dec"}  # everything else: its first key part
    if set(stacks) == {"enc", "dec"}:
        mine = params  # the whole model: an unknown key is an error
    else:
        mine = {k: v for k, v in params.items() if owner.get(k.split(".")[0], k.split(".")[0]) in stacks}
    check_params(mine, specs)
    return counts


def _check_ids(name, ids, vocab, n=None):
    ids = np.asarray(ids)
    if ids.ndim != 2 or ids.dtype.kind not in "iu" or 0 in ids.shape:
        raise ValueError(f"{name}: expected a non-empty integer array of token ids of shape (N, T), "
                         f"got shape {ids.shape}, dtype {ids.dtype}")
    if n is not None and ids.shape[0] != n:
        raise ValueError(f"{name}: expected shape (N, T) with N = {n} sequences (from src), got {ids.shape}")
    if ids.min() < 0 or ids.max() >= vocab:
        raise ValueError(f"{name}: expected token ids in [0, {vocab}) (the vocabulary size), "
                         f"got values from {ids.min()} to {ids.max()}")
    return ids


def _check_lengths(name, lengths, n, T):
    if lengths is None:
        return None
    lengths = np.asarray(lengths)
    if lengths.shape != (n,) or lengths.dtype.kind not in "iu":
        raise ValueError(f"{name}: expected an integer array of shape (N,) = ({n},), got shape {lengths.shape}, "
                         f"dtype {lengths.dtype}")
    if lengths.min() < 1 or lengths.max() > T:
        raise ValueError(f"{name}: expected lengths in [1, T = {T}], got {lengths.tolist()}")
    return lengths


def _embed(table, ids, d_model):
    """sqrt(d_model) * E[ids] + PE[:T]: (N, T) ids -> (N, T, d_model)."""
    scale = math.sqrt(d_model)  # a Python float: keeps float32 tables float32
    pe = positional_encoding(ids.shape[1], d_model).astype(table.dtype)  # (T, d_model)
    return table[ids] * scale + pe, float(scale)  # (N, T, d_model)


def _embed_backward(dx, ids, vocab, scale):
    """Gradient of the embedding table: row v collects scale * dx of every position holding token v."""
    d_table = np.zeros((vocab, dx.shape[-1]), dtype=dx.dtype)  # (V, d_model)
    np.add.at(d_table, ids, dx * scale)  # repeated tokens add up
    return d_table


class EncoderCache(NamedTuple):
    src: np.ndarray            # (N, T_src) token ids
    src_mask: np.ndarray | None  # (N, 1, T_src) True = a real (not padding) source position, or None
    layer_inputs: list         # x entering encoder layer l, (N, T_src, d_model); [0] = sqrt(d) E[src] + PE
    layer_caches: list         # LayerCache of each layer
    final_ln: object           # LayerNormCache of enc.ln (norm="pre"), else None
    memory: np.ndarray         # (N, T_src, d_model): the encoder's output
    scale: float               # sqrt(d_model)
    vocab: int                 # V_src
    h: int
    norm: str


class DecoderCache(NamedTuple):
    tgt_in: np.ndarray         # (N, T_tgt) token ids
    self_mask: np.ndarray      # (N or 1, T_tgt, T_tgt) causal, combined with target padding
    memory_mask: np.ndarray | None  # (N, 1, T_src) the source padding, or None
    layer_inputs: list         # x entering decoder layer l, (N, T_tgt, d_model)
    layer_caches: list
    final_ln: object           # LayerNormCache of dec.ln (norm="pre"), else None
    features: np.ndarray       # (N, T_tgt, d_model): what the output projection reads
    memory: np.ndarray         # (N, T_src, d_model)
    out_W: np.ndarray          # (d_model, V_tgt)
    scale: float
    vocab: int                 # V_tgt
    h: int
    norm: str


class TransformerCache(NamedTuple):
    encoder: EncoderCache
    decoder: DecoderCache


def encode(params: dict, src, h: int, src_lengths=None, norm: str = "post"):
    """The encoder: token ids src (N, T_src) -> memory (N, T_src, d_model).

        x_0 = sqrt(d_model) * src_embed[src] + PE,   x_{l+1} = EncoderLayer_l(x_l, padding mask),
        memory = x_L (post-LN)  or  LN_enc(x_L) (pre-LN)

    src_lengths (N,) in [1, T_src]: sequence n is real up to src_lengths[n], padding after; no position attends
    to padding. None: no padding. Only the keys src_embed and enc.* of params are used.
    Returns: memory, EncoderCache (for :func:`encode_backward`)
    """
    n_layers = _check_model_params(params, norm, ("enc",))["enc"]
    check_int("h", h)
    src = _check_ids("src", src, params["src_embed"].shape[0])
    src_lengths = _check_lengths("src_lengths", src_lengths, *src.shape)
    return _encode(params, src, h, src_lengths, norm, n_layers)


def _encode(params, src, h, src_lengths, norm, n_layers):
    """:func:`encode` on checked arguments."""
    N, T_src = src.shape
    d_model = params["src_embed"].shape[1]
    mask = None if src_lengths is None else padding_mask(src_lengths, T_src)  # (N, 1, T_src)
    x, scale = _embed(params["src_embed"], src, d_model)  # (N, T_src, d_model)
    inputs, caches = [], []
    for l in range(n_layers):
        inputs.append(x)
        x, c = encoder_layer_forward(_sub(params, f"enc.{l}"), x, h, mask, norm)  # (N, T_src, d_model)
        caches.append(c)
    final = None
    if norm == "pre":
        x, final = layer_norm_forward(_sub(params, "enc.ln"), x)  # (N, T_src, d_model)
    return x, EncoderCache(src, mask, inputs, caches, final, x, scale, params["src_embed"].shape[0], h, norm)


def encode_backward(dmemory, cache: EncoderCache) -> dict:
    """Backward of :func:`encode`: dmemory (N, T_src, d_model) -> grads of src_embed and enc.*"""
    if not isinstance(cache, EncoderCache):
        raise ValueError(f"cache: expected the EncoderCache of encode, got {type(cache).__name__}")
    dx = np.asarray(dmemory)
    if dx.shape != cache.memory.shape:
        raise ValueError(f"dmemory: expected shape (N, T_src, d_model) = {cache.memory.shape}, got {dx.shape}")
    grads = {}
    if cache.final_ln is not None:
        dx, g = layer_norm_backward(dx, cache.final_ln)
        grads.update(_prefixed("enc.ln", g))
    for l in reversed(range(len(cache.layer_caches))):
        dx, g = encoder_layer_backward(dx, cache.layer_caches[l])  # (N, T_src, d_model)
        grads.update(_prefixed(f"enc.{l}", g))
    grads["src_embed"] = _embed_backward(dx, cache.src, cache.vocab, cache.scale)  # (V_src, d_model)
    return grads


def decode(params: dict, memory, tgt_in, h: int, src_lengths=None, tgt_lengths=None, norm: str = "post"):
    """The decoder and the output projection: tgt_in (N, T_tgt) ids, memory (N, T_src, d_model) -> logits.

        y_0 = sqrt(d_model) * tgt_embed[tgt_in] + PE,
        y_{l+1} = DecoderLayer_l(y_l, memory, causal & target-padding mask, source-padding mask),
        logits = F W_out + b_out with F = y_L (post-LN) or LN_dec(y_L) (pre-LN)     (N, T_tgt, tgt_vocab)

    Position t sees target tokens 0 ... t only (the causal mask), so logits[:, t] may be trained to predict
    tgt_in[:, t + 1]. For greedy decoding, run :func:`encode` once and call this with a growing tgt_in.
    Returns: logits, DecoderCache (for :func:`decode_backward`)
    """
    n_layers = _check_model_params(params, norm, ("dec",))["dec"]
    check_int("h", h)
    d_model = params["tgt_embed"].shape[1]
    memory = np.asarray(memory)
    if memory.ndim != 3 or memory.shape[2] != d_model or memory.dtype.kind != "f":
        raise ValueError(f"memory: expected a float array of shape (N, T_src, d_model = {d_model}), "
                         f"got shape {memory.shape}, dtype {memory.dtype}")
    N, T_src = memory.shape[:2]
    tgt_in = _check_ids("tgt_in", tgt_in, params["tgt_embed"].shape[0], N)
    src_lengths = _check_lengths("src_lengths", src_lengths, N, T_src)
    tgt_lengths = _check_lengths("tgt_lengths", tgt_lengths, N, tgt_in.shape[1])
    return _decode(params, memory, tgt_in, h, src_lengths, tgt_lengths, norm, n_layers)


def _decode(params, memory, tgt_in, h, src_lengths, tgt_lengths, norm, n_layers):
    """:func:`decode` on checked arguments."""
    d_model = params["tgt_embed"].shape[1]
    T_src, T_tgt = memory.shape[1], tgt_in.shape[1]
    self_mask = causal_mask(T_tgt)[None]  # (1, T_tgt, T_tgt)
    if tgt_lengths is not None:
        self_mask = self_mask & padding_mask(tgt_lengths, T_tgt)  # (N, T_tgt, T_tgt)
    memory_mask = None if src_lengths is None else padding_mask(src_lengths, T_src)  # (N, 1, T_src)
    x, scale = _embed(params["tgt_embed"], tgt_in, d_model)  # (N, T_tgt, d_model)
    inputs, caches = [], []
    for l in range(n_layers):
        inputs.append(x)
        x, c = decoder_layer_forward(_sub(params, f"dec.{l}"), x, memory, h, self_mask, memory_mask,
                                     norm)  # (N, T_tgt, d_model)
        caches.append(c)
    final = None
    if norm == "pre":
        x, final = layer_norm_forward(_sub(params, "dec.ln"), x)  # (N, T_tgt, d_model)
    logits = x @ params["out.W"] + params["out.b"]  # (N, T_tgt, V_tgt)
    return logits, DecoderCache(tgt_in, self_mask, memory_mask, inputs, caches, final, x, memory, params["out.W"],
                                scale, params["tgt_embed"].shape[0], h, norm)


def decode_backward(dlogits, cache: DecoderCache):
    """Backward of :func:`decode`: dlogits (N, T_tgt, tgt_vocab) -> dmemory (N, T_src, d_model) and the grads
    of tgt_embed, dec.* and out.*. dmemory sums what every decoder layer's cross-attention sends back."""
    if not isinstance(cache, DecoderCache):
        raise ValueError(f"cache: expected the DecoderCache of decode, got {type(cache).__name__}")
    dlogits = np.asarray(dlogits)
    expected = cache.features.shape[:2] + (cache.vocab,)
    if dlogits.shape != expected:
        raise ValueError(f"dlogits: expected shape (N, T_tgt, tgt_vocab) = {expected}, got {dlogits.shape}")
    grads = {"out.W": _sum_outer(cache.features, dlogits), "out.b": dlogits.sum(axis=(0, 1))}
    dx = dlogits @ cache.out_W.T  # (N, T_tgt, d_model)
    if cache.final_ln is not None:
        dx, g = layer_norm_backward(dx, cache.final_ln)
        grads.update(_prefixed("dec.ln", g))
    dmemory = np.zeros_like(cache.memory)  # (N, T_src, d_model)
    for l in reversed(range(len(cache.layer_caches))):
        dx, dm, g = decoder_layer_backward(dx, cache.layer_caches[l])  # (N, T_tgt, d_model), (N, T_src, d_model)
        dmemory += dm
        grads.update(_prefixed(f"dec.{l}", g))
    grads["tgt_embed"] = _embed_backward(dx, cache.tgt_in, cache.vocab, cache.scale)  # (V_tgt, d_model)
    return dmemory, grads


def transformer_forward(params: dict, src, tgt_in, h: int, src_lengths=None, tgt_lengths=None,
                        norm: str = "post"):
    """The whole encoder-decoder (Vaswani et al. 2017, Fig. 1, without dropout and label smoothing):
    :func:`encode` the source, then :func:`decode` the target input against it.

    Inputs:  params from :func:`init_transformer` (made with the same ``norm``); token ids src (N, T_src) and
             tgt_in (N, T_tgt) (the target shifted right: <bos> y_1 ... y_{T-1}); h heads; src_lengths,
             tgt_lengths (N,) the real lengths (padding after them), or None for no padding
    Returns: logits (N, T_tgt, tgt_vocab) (logits[:, t] predict the target token after tgt_in[:, t]);
             TransformerCache
    Padding positions of the target get logits too; mask them out of the loss.
    """
    counts = _check_model_params(params, norm)
    check_int("h", h)
    src = _check_ids("src", src, params["src_embed"].shape[0])
    tgt_in = _check_ids("tgt_in", tgt_in, params["tgt_embed"].shape[0], src.shape[0])
    src_lengths = _check_lengths("src_lengths", src_lengths, *src.shape)
    tgt_lengths = _check_lengths("tgt_lengths", tgt_lengths, *tgt_in.shape)
    memory, enc = _encode(params, src, h, src_lengths, norm, counts["enc"])
    logits, dec = _decode(params, memory, tgt_in, h, src_lengths, tgt_lengths, norm, counts["dec"])
    return logits, TransformerCache(enc, dec)


def transformer_backward(dlogits, cache: TransformerCache) -> dict:
    """Backward of :func:`transformer_forward`: grads keyed exactly like the params. The embedding tables'
    gradients are scattered back to the rows of the tokens used (``np.add.at``, so a repeated token adds up);
    rows of unused tokens are 0."""
    if not isinstance(cache, TransformerCache):
        raise ValueError(f"cache: expected the TransformerCache of transformer_forward, got {type(cache).__name__}")
    dmemory, grads = decode_backward(dlogits, cache.decoder)
    grads.update(encode_backward(dmemory, cache.encoder))
    return grads


def greedy_decode(params: dict, src, h: int, bos: int, max_len: int, eos: int | None = None, src_lengths=None,
                  norm: str = "post"):
    """Translate by always taking the most likely next token: encode once, then decode step by step.

    Starts every target with ``bos`` and appends argmax(logits[:, -1]) max_len times (all sequences keep
    going; after a sequence has produced ``eos`` it is padded with more ``eos``).
    Returns: tokens (N, max_len) int, without the leading bos.
    The decoder reruns on the whole prefix at every step (no key/value cache): simple, O(max_len^2).
    """
    check_int("max_len", max_len)
    memory, _ = encode(params, src, h, src_lengths, norm)  # (N, T_src, d_model)
    N = memory.shape[0]
    vocab = params["tgt_embed"].shape[0]
    for name, value in (("bos", bos), ("eos", eos)):
        if value is not None and not (isinstance(value, (int, np.integer)) and 0 <= value < vocab):
            raise ValueError(f"{name}: expected a token id in [0, {vocab}), got {value!r}")
    tokens = np.full((N, 1), bos, dtype=np.int64)  # (N, 1)
    done = np.zeros(N, dtype=bool)
    for _ in range(max_len):
        logits, _ = decode(params, memory, tokens, h, src_lengths, None, norm)  # (N, t, V_tgt)
        nxt = logits[:, -1].argmax(axis=-1)  # (N,)
        if eos is not None:
            nxt = np.where(done, eos, nxt)
            done |= nxt == eos
        tokens = np.concatenate([tokens, nxt[:, None]], axis=1)  # (N, t + 1)
    return tokens[:, 1:]
