"""The whole Transformer (Vaswani et al., 2017): an encoder-decoder from token ids to logits, and greedy decoding.

Its layers (multi-head attention, layer norm, feed-forward, encoder and decoder layers, post-LN or pre-LN) are the
forward/backward pairs of :mod:`helpers.transformer_layers`; their notation is in that module's docstring.

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

from .attention import _attention_forward, causal_mask, padding_mask, positional_encoding
from .seeding import check_rng
from .shapes import (check_array, check_finite, check_instance, check_int, check_nonempty, check_params,
                     check_token_batch)
from .transformer_layers import (DECODER_LAYER_KEYS, ENCODER_LAYER_KEYS, _check_heads, _decoder_layer_backward,
                                 _decoder_layer_forward, _encoder_layer_backward, _encoder_layer_forward,
                                 _ffn_forward, _heads_mask, _layer_norm_backward, _layer_norm_forward, _merge, _split,
                                 check_norm, init_decoder_layer, init_encoder_layer, init_layer_norm, layer_specs,
                                 prefixed, sub_params, sum_outer)

__all__ = ["ENCODER_LAYER_KEYS", "DECODER_LAYER_KEYS", "init_transformer", "transformer_forward",
           "transformer_backward", "encode", "encode_backward", "decode", "decode_backward", "greedy_decode",
           "check_inputs", "EncoderCache", "DecoderCache", "TransformerCache"]


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
    check_norm(norm)
    for name, value in (("src_vocab", src_vocab), ("tgt_vocab", tgt_vocab), ("d_model", d_model), ("h", h),
                        ("d_ff", d_ff), ("n_layers", n_layers)):
        check_int(name, value)
    if d_model % h:
        raise ValueError(f"h: expected a divisor of d_model = {d_model}, got {h}")
    params = {"src_embed": rng.standard_normal((src_vocab, d_model)) / np.sqrt(d_model),  # (V_src, d_model)
              "tgt_embed": rng.standard_normal((tgt_vocab, d_model)) / np.sqrt(d_model)}  # (V_tgt, d_model)
    for l in range(n_layers):
        params.update(prefixed(f"enc.{l}", init_encoder_layer(d_model, h, d_ff, rng)))
    for l in range(n_layers):
        params.update(prefixed(f"dec.{l}", init_decoder_layer(d_model, h, d_ff, rng)))
    if norm == "pre":
        params.update(prefixed("enc.ln", init_layer_norm(d_model)))
        params.update(prefixed("dec.ln", init_layer_norm(d_model)))
    params["out.W"] = rng.standard_normal((d_model, tgt_vocab)) / np.sqrt(d_model)  # (d_model, V_tgt)
    params["out.b"] = np.zeros(tgt_vocab)  # (V_tgt,)
    return params


def _count_layers(params, stack):
    found = set()
    for key in params:
        if not isinstance(key, str):
            continue  # reported as an unknown key by check_params
        parts = key.split(".")
        if parts[0] == stack and len(parts) > 2 and parts[1].isdigit():
            found.add(int(parts[1]))
    n = len(found)
    if found != set(range(n)):
        raise ValueError(f"params: expected {stack} layers numbered 0 ... {n - 1}, got layers {sorted(found)}")
    return n


def _check_model_params(params, norm, stacks=("enc", "dec")) -> dict:
    """Check the keys and shapes a part of the model needs; return the number of layers of each stack."""
    check_norm(norm)
    if not isinstance(params, dict):
        raise ValueError(f"params: expected the dict of init_transformer, got {type(params).__name__}")
    counts = {stack: _count_layers(params, stack) for stack in stacks}
    for stack, n in counts.items():
        if n == 0:
            raise ValueError(f"params: expected at least one '{stack}.0.*' layer, found none")
    has_final = [s for s in stacks if f"{s}.ln.gamma" in params]
    if norm == "post" and has_final:
        raise ValueError(f"norm: params have final layer norms {[s + '.ln.*' for s in has_final]}, made by "
                         f"init_transformer(..., norm='pre'), but norm = 'post'; pass norm='pre'")
    missing = [f"{s}.ln.*" for s in stacks if s not in has_final]
    if norm == "pre" and missing:
        raise ValueError(f"norm: norm = 'pre' needs the final layer norms {missing} of "
                         f"init_transformer(..., norm='pre'), missing here; params made with norm='post' need "
                         f"norm='post'")
    specs = {}
    if "enc" in stacks:
        specs["src_embed"] = ("V_src", "d_model")
    if "dec" in stacks:
        specs.update({"tgt_embed": ("V_tgt", "d_model"), "out.W": ("d_model", "V_tgt"), "out.b": ("V_tgt",)})
    for stack, n in counts.items():
        for l in range(n):
            specs.update({f"{stack}.{l}.{k}": s for k, s in layer_specs(stack).items()})
        if norm == "pre":
            specs.update({f"{stack}.ln.gamma": ("d_model",), f"{stack}.ln.beta": ("d_model",)})
    owner = {"src_embed": "enc", "tgt_embed": "dec", "out": "dec"}  # everything else: its first key part
    if set(stacks) == {"enc", "dec"}:
        mine = params  # the whole model: an unknown key is an error
    else:
        mine = {k: v for k, v in params.items() if owner.get(k.split(".")[0], k.split(".")[0]) in stacks}
    check_params(mine, specs)
    return counts


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
    _check_heads(h, params["src_embed"].shape[1])
    src = check_token_batch("src", src, params["src_embed"].shape[0])
    src_lengths = _check_lengths("src_lengths", src_lengths, *src.shape)
    return _encode(params, src, h, src_lengths, norm, n_layers)


def _encode(params, src, h, src_lengths, norm, n_layers):
    """:func:`encode` on checked arguments."""
    N, T_src = src.shape
    d_model = params["src_embed"].shape[1]
    mask = None if src_lengths is None else padding_mask(src_lengths, T_src)  # (N, 1, T_src)
    heads_mask = _heads_mask("mask", mask, N, h, T_src, T_src)  # (N, 1, 1, T_src): the same for every head
    x, scale = _embed(params["src_embed"], src, d_model)  # (N, T_src, d_model)
    inputs, caches = [], []
    for l in range(n_layers):  # the layers' own argument checks are skipped: everything was checked above
        inputs.append(x)
        x, c = _encoder_layer_forward(sub_params(params, f"enc.{l}"), x, h, heads_mask, norm)  # (N, T_src, d_model)
        caches.append(c)
    final = None
    if norm == "pre":
        x, final = _layer_norm_forward(sub_params(params, "enc.ln"), x)  # (N, T_src, d_model)
    return x, EncoderCache(src, mask, inputs, caches, final, x, scale, params["src_embed"].shape[0], h, norm)


def encode_backward(dmemory, cache: EncoderCache) -> dict:
    """Backward of :func:`encode`: dmemory (N, T_src, d_model) -> grads of src_embed and enc.*"""
    check_instance("cache", cache, EncoderCache, "the EncoderCache of encode")
    dx = check_array("dmemory", dmemory)
    if dx.shape != cache.memory.shape:
        raise ValueError(f"dmemory: expected shape (N, T_src, d_model) = {cache.memory.shape}, got {dx.shape}")
    grads = {}
    if cache.final_ln is not None:
        dx, g = _layer_norm_backward(dx, cache.final_ln)
        grads.update(prefixed("enc.ln", g))
    for l in reversed(range(len(cache.layer_caches))):
        dx, g = _encoder_layer_backward(dx, cache.layer_caches[l])  # (N, T_src, d_model)
        grads.update(prefixed(f"enc.{l}", g))
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
    d_model = params["tgt_embed"].shape[1]
    _check_heads(h, d_model)
    memory = np.asarray(memory)
    if memory.ndim != 3 or memory.shape[2] != d_model or memory.dtype.kind != "f":
        raise ValueError(f"memory: expected a float array of shape (N, T_src, d_model = {d_model}), "
                         f"got shape {memory.shape}, dtype {memory.dtype}")
    check_nonempty("memory", memory, 0, "sequence (N >= 1)")
    check_nonempty("memory", memory, 1, "source position (T_src >= 1)")
    N, T_src = memory.shape[:2]
    tgt_in = check_token_batch("tgt_in", tgt_in, params["tgt_embed"].shape[0], N)
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
    N = tgt_in.shape[0]
    heads_self = _heads_mask("self_mask", self_mask, N, h, T_tgt, T_tgt)  # (N or 1, 1, T_tgt, T_tgt)
    heads_memory = _heads_mask("memory_mask", memory_mask, N, h, T_tgt, T_src)  # (N, 1, 1, T_src)
    x, scale = _embed(params["tgt_embed"], tgt_in, d_model)  # (N, T_tgt, d_model)
    inputs, caches = [], []
    for l in range(n_layers):  # the layers' own argument checks are skipped: everything was checked above
        inputs.append(x)
        x, c = _decoder_layer_forward(sub_params(params, f"dec.{l}"), x, memory, h, heads_self, heads_memory,
                                      norm)  # (N, T_tgt, d_model)
        caches.append(c)
    final = None
    if norm == "pre":
        x, final = _layer_norm_forward(sub_params(params, "dec.ln"), x)  # (N, T_tgt, d_model)
    logits = x @ params["out.W"] + params["out.b"]  # (N, T_tgt, V_tgt)
    return logits, DecoderCache(tgt_in, self_mask, memory_mask, inputs, caches, final, x, memory, params["out.W"],
                                scale, params["tgt_embed"].shape[0], h, norm)


def decode_backward(dlogits, cache: DecoderCache):
    """Backward of :func:`decode`: dlogits (N, T_tgt, tgt_vocab) -> dmemory (N, T_src, d_model) and the grads
    of tgt_embed, dec.* and out.*. dmemory sums what every decoder layer's cross-attention sends back."""
    check_instance("cache", cache, DecoderCache, "the DecoderCache of decode")
    dlogits = check_array("dlogits", dlogits)
    expected = cache.features.shape[:2] + (cache.vocab,)
    if dlogits.shape != expected:
        raise ValueError(f"dlogits: expected shape (N, T_tgt, tgt_vocab) = {expected}, got {dlogits.shape}")
    grads = {"out.W": sum_outer(cache.features, dlogits), "out.b": dlogits.sum(axis=(0, 1))}
    dx = dlogits @ cache.out_W.T  # (N, T_tgt, d_model)
    if cache.final_ln is not None:
        dx, g = _layer_norm_backward(dx, cache.final_ln)
        grads.update(prefixed("dec.ln", g))
    dmemory = np.zeros_like(cache.memory)  # (N, T_src, d_model)
    for l in reversed(range(len(cache.layer_caches))):
        dx, dm, g = _decoder_layer_backward(dx, cache.layer_caches[l])  # (N, T_tgt, d_model), (N, T_src, d_model)
        dmemory += dm
        grads.update(prefixed(f"dec.{l}", g))
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
    src, tgt_in, src_lengths, tgt_lengths = check_inputs(params, h, src, tgt_in, src_lengths, tgt_lengths)
    memory, enc = _encode(params, src, h, src_lengths, norm, counts["enc"])
    logits, dec = _decode(params, memory, tgt_in, h, src_lengths, tgt_lengths, norm, counts["dec"])
    return logits, TransformerCache(enc, dec)


def check_inputs(params: dict, h: int, src, tgt_in=None, src_lengths=None, tgt_lengths=None,
                 norm: str | None = None) -> tuple:
    """The checks of :func:`transformer_forward` (and of :func:`encode`, without ``tgt_in``), for a caller that runs
    the model on parts of a batch and wants errors about the whole of it: the params (given ``norm``), h against
    d_model, the token ids against the vocabularies, the lengths against the ids. Returns (src, tgt_in, src_lengths,
    tgt_lengths) as arrays (None stays None); raises a ValueError naming the argument otherwise."""
    if norm is not None:
        _check_model_params(params, norm, ("enc",) if tgt_in is None else ("enc", "dec"))
    _check_heads(h, params["src_embed"].shape[1])
    src = check_token_batch("src", src, params["src_embed"].shape[0])
    if tgt_in is not None:
        tgt_in = check_token_batch("tgt_in", tgt_in, params["tgt_embed"].shape[0], src.shape[0])
    src_lengths = _check_lengths("src_lengths", src_lengths, *src.shape)
    if tgt_in is not None:
        tgt_lengths = _check_lengths("tgt_lengths", tgt_lengths, *tgt_in.shape)
    return src, tgt_in, src_lengths, tgt_lengths


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
    Each step computes the decoder for the new position only: every decoder layer keeps the self-attention keys and
    values of the positions before it (a key/value cache), and the cross-attention keys and values of the memory are
    computed once. Because of the causal mask the earlier positions never change, so this is the same computation
    as running :func:`decode` on the whole prefix and reading its last row (tests/test_transformer.py checks that the
    tokens agree), with max_len positions of work instead of about max_len^2 / 2.
    """
    check_int("max_len", max_len)
    memory, _ = encode(params, src, h, src_lengths, norm)  # (N, T_src, d_model)
    N = memory.shape[0]
    vocab = params["tgt_embed"].shape[0]
    for name, value in (("bos", bos), ("eos", eos)):
        if value is None and name == "eos":
            continue  # no end token
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < vocab:
            raise ValueError(f"{name}: expected a token id in [0, {vocab}), got {value!r}")
    n_layers = _check_model_params(params, norm, ("dec",))["dec"]
    step = _DecoderSteps(params, memory, h, src_lengths, norm, n_layers, max_len)
    tokens = np.full((N, max_len + 1), bos, dtype=np.int64)  # (N, max_len + 1): bos, then the chosen tokens
    done = np.zeros(N, dtype=bool)
    for t in range(max_len):
        logits = step(tokens[:, t], t)  # (N, V_tgt): the next token's scores, after tokens[:, :t + 1]
        check_finite("params (the logits they give, from which no token can be picked)", logits)
        nxt = logits.argmax(axis=-1)  # (N,)
        if eos is not None:
            nxt = np.where(done, eos, nxt)
            done |= nxt == eos
        tokens[:, t + 1] = nxt
    return tokens[:, 1:]


def _project(p, x, name):
    return x @ p[f"W_{name}"] + p[f"b_{name}"]  # (N, T, d_model)


class _DecoderSteps:
    """The decoder one position at a time, with a key/value cache (see :func:`greedy_decode`). Calling it with the
    tokens at position t (N,) returns the logits (N, V_tgt) that predict position t + 1."""

    def __init__(self, params, memory, h, src_lengths, norm, n_layers, max_len):
        self.params, self.h, self.norm = params, h, norm
        N, T_src, self.d_model = memory.shape
        self.scale = math.sqrt(self.d_model)  # as _embed: sqrt(d_model) E[ids] + PE[t]
        self.pe = positional_encoding(max_len, self.d_model).astype(params["tgt_embed"].dtype)  # (max_len, d_model)
        self.layers = [sub_params(params, f"dec.{l}") for l in range(n_layers)]
        # the source padding as multi-head attention shapes it, (N, 1, 1, T_src), or None
        self.memory_mask = None if src_lengths is None else padding_mask(src_lengths, T_src)[:, None]
        self.cross = []  # per layer: the memory's keys and values (N, h, T_src, d_k), computed once
        for p in self.layers:
            c = sub_params(p, "cross_attn")
            self.cross.append((_split(_project(c, memory, "k"), h), _split(_project(c, memory, "v"), h)))
        self.keys = [[] for _ in self.layers]    # per layer: the self-attention keys of every position so far
        self.values = [[] for _ in self.layers]  # and values, (N, h, 1, d_k) each

    def __call__(self, ids, t):
        x = self.params["tgt_embed"][ids[:, None]] * self.scale + self.pe[t]  # (N, 1, d_model)
        for l, p in enumerate(self.layers):
            for sublayer, ln in ((self._self_attention, "ln1"), (self._cross_attention, "ln2"), (self._ffn, "ln3")):
                ln_params = sub_params(p, ln)
                if self.norm == "post":  # as _residual_forward
                    x = _layer_norm_forward(ln_params, x + sublayer(p, l, x))[0]
                else:
                    x = x + sublayer(p, l, _layer_norm_forward(ln_params, x)[0])
        if self.norm == "pre":
            x = _layer_norm_forward(sub_params(self.params, "dec.ln"), x)[0]
        return (x @ self.params["out.W"] + self.params["out.b"])[:, -1]  # (N, V_tgt)

    def _self_attention(self, p, l, z):  # z (N, 1, d_model): the new position, which sees itself and the ones before
        a = sub_params(p, "self_attn")
        self.keys[l].append(_split(_project(a, z, "k"), self.h))
        self.values[l].append(_split(_project(a, z, "v"), self.h))
        K, V = np.concatenate(self.keys[l], axis=2), np.concatenate(self.values[l], axis=2)  # (N, h, t + 1, d_k)
        heads, _ = _attention_forward(_split(_project(a, z, "q"), self.h), K, V, None)  # (N, h, 1, d_k)
        return _project(a, _merge(heads), "o")

    def _cross_attention(self, p, l, z):
        a = sub_params(p, "cross_attn")
        K, V = self.cross[l]
        heads, _ = _attention_forward(_split(_project(a, z, "q"), self.h), K, V, self.memory_mask)
        return _project(a, _merge(heads), "o")

    def _ffn(self, p, l, z):
        return _ffn_forward(sub_params(p, "ffn"), z)[0]
