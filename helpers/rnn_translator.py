"""Notebook 08's LSTM encoder-decoder with attention, for real translation data: token ids, padding, <eos>.

The model is the one of :mod:`helpers.seq2seq` (Luong, Pham & Manning 2015, "global attention"; its docstring
explains the choices), with three changes that real sentence pairs need:

1. Learned embeddings instead of one-hot inputs. A matrix times a one-hot vector picks one of its columns, so
   ``W one_hot(x)`` *is* a table lookup, E[x] with E = W^T. Here the table is a parameter of its own,
   E_src (V_src, d_emb) and E_tgt (V_tgt, d_emb), and the LSTMs read its d_emb features (as in notebook 09):
   the LSTMs' input weights shrink from (H, V) to (H, d_emb), and looking up a row costs nothing.
2. Variable lengths. The batch format is :class:`helpers.translation.Batch`, batch-major like
   helpers.transformer: src (N, S) padded with PAD = 0 on the right, src_lengths (N,), tgt_in (N, T) =
   <bos> + target, tgt_out (N, T) = target + <eos>, tgt_lengths (N,).
3. An end token: the decoder learns to emit <eos>; greedy decoding stops a row there.

Notation (H hidden units of both LSTMs and of the attentional layer; LSTM keys as in helpers.lstm, Greff et al.)
--------
x_j   = E_src[src_j]                         (S, N, d_emb)  source embeddings, time-major for helpers.lstm
h_j   = LSTM_enc(x_j, h_{j-1})               (S, N, H)      encoder outputs, j < src_lengths[n] (0 after)
s_t   = LSTM_dec(E_tgt[tgt_in_t], s_{t-1})   (T, N, H)      s_{-1}, c_{-1} = the encoder's output and cell
                                                            at each row's last real token j = src_lengths[n]-1
a_tj  = softmax_j score(s_t, h_j)            (N, T, S)      over real source positions only (mask)
c_t   = sum_j a_tj h_j                       (N, T, H)      context vector
h~_t  = tanh([c_t; s_t] W_c + b_c)           (N, T, H)      attentional hidden state
logits = h~_t W_out + b_out                  (N, T, V_tgt)  batch-major, like helpers.transformer

score "dot": s . h (Luong's, unscaled: helpers.attention.attention_forward with the query times sqrt(H));
      "additive": tanh(s W_a + h U_a) . v_a (helpers.attention.additive_attention_forward; W_a, U_a start
      SCORE_INIT_GAIN times larger, as in helpers.seq2seq).
Keys: E_src, E_tgt, enc_W_z ... enc_b_o, dec_W_z ... dec_b_o (no peepholes), W_c (2H, H), b_c, W_out (H, V_tgt),
b_out, and for "additive" W_a, U_a (H, H), v_a (H,). The attention kind is read from the keys.

Padding, and why it changes nothing (the tests compare a padded batch with its sentences one by one)
-------
Source: the encoder runs *packed* (like PyTorch's pack_padded_sequence). With the distinct lengths
l_1 < l_2 < ... of the batch, steps l_{k-1} ... l_k - 1 form segment k, run by one helpers.lstm.forward call
over only the rows still running (src_lengths >= l_k), starting from their state at the end of segment k-1.
So every row's LSTM reads exactly its real tokens, from the zero state, and its final state (handed to the
decoder) is its state after its last real token; padded positions are never computed (h = 0 there). The
backward visits the segments in reverse: helpers.lstm.backward of segment k receives the attention's gradient,
plus, at its last step, the decoder's dy0 (rows ending there) or the dy0 of segment k+1 (rows going on), and
the same for the cell (``dc_last``). Attention masks the padded keys (True = may attend), so their weights are
exactly 0 and no gradient reaches them. (Two things that look simpler are not exact: moving the padding to the
left changes the state before the first real token, since the biases act even on a zero input; and taking the
state at src_lengths-1 of one padded run needs a cell gradient injected mid-sequence, which helpers.lstm.backward
accepts only after the last step. The packed run costs one helpers.lstm call per distinct length.)
Target: the decoder reads left to right, so padding after a row's end cannot change its real positions;
:func:`helpers.translation.smoothed_cross_entropy` gives 0 gradient at padded positions, and zeros stay zeros
back through the decoder. An ordinary (unpacked) decoder run is therefore exact.

Training (Adam, clipping by global norm, a linearly decaying learning rate, label smoothing, validation
exact match) is :func:`train_rnn_translator`; the data reach it as a :class:`TranslationTask`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from . import lstm
from .attention import init_additive_attention, padding_mask
from .optim import adam_init, adam_step, clip_grad_norm, global_norm, linear_decay
from .seeding import check_rng
from .seq2seq import SCORE_INIT_GAIN, attentional_output, attentional_output_backward
from .shapes import (check_array, check_choice, check_finite, check_float_dtype, check_instance,
                     check_int, check_params, check_real, check_token_batch, with_settings)
from .transformer_training import TranslationTask, first_rows
from .translation_batch import BOS, EOS, Batch, smoothed_cross_entropy

__all__ = ["ATTENTION_KINDS", "init_rnn_translator", "rnn_translator_forward", "rnn_translator_backward",
           "RNNTranslatorCache", "EncoderCache", "greedy_translate", "correct_translations", "TranslationTask",
           "RNNTranslatorConfig", "RNNTranslatorResult", "train_rnn_translator"]

ATTENTION_KINDS = ("dot", "additive")
_LSTM_SPECS = {**{f"W_{g}": ("H", "D") for g in lstm.GATES}, **{f"R_{g}": ("H", "H") for g in lstm.GATES},
               **{f"b_{g}": ("H",) for g in lstm.GATES}}


# --------------------------------------------------------------------------- parameters and checks

def init_rnn_translator(V_src: int, V_tgt: int, hidden: int, rng: np.random.Generator, attention: str = "dot",
                        d_emb: int | None = None, forget_bias: float = 1.0, dtype=np.float64) -> dict:
    """Parameters of the translator (keys: module docstring).

    E_src, E_tgt ~ N(0, 1); both LSTMs helpers.lstm.init_params (W ~ N(0, 1/d_emb), R ~ N(0, 1/H), b_f =
    forget_bias); W_c ~ N(0, 1/(2H)), W_out ~ N(0, 1/H), biases 0; additive: as helpers.seq2seq.init_seq2seq.

    Inputs:  V_src, V_tgt vocabulary sizes (specials included); hidden H; rng; attention "dot" | "additive";
             d_emb (default H); forget_bias; dtype "float32" | "float64"
    Returns: dict of arrays
    """
    check_choice("attention", attention, ATTENTION_KINDS)
    V_src, V_tgt, H = (check_int(n, v) for n, v in (("V_src", V_src), ("V_tgt", V_tgt), ("hidden", hidden)))
    D = H if d_emb is None else check_int("d_emb", d_emb)
    check_rng(rng)
    dtype = check_float_dtype(dtype)
    params = {"E_src": rng.standard_normal((V_src, D)),  # (V_src, d_emb)
              "E_tgt": rng.standard_normal((V_tgt, D))}  # (V_tgt, d_emb)
    for prefix in ("enc_", "dec_"):
        cell = lstm.init_params(D, H, rng, peepholes=False, forget_bias=forget_bias)
        params.update({prefix + k: v for k, v in cell.items()})
    params["W_c"] = rng.standard_normal((2 * H, H)) / np.sqrt(2 * H)  # (2H, H)
    params["b_c"] = np.zeros(H)  # (H,)
    params["W_out"] = rng.standard_normal((H, V_tgt)) / np.sqrt(H)  # (H, V_tgt)
    params["b_out"] = np.zeros(V_tgt)  # (V_tgt,)
    if attention == "additive":
        score = init_additive_attention(H, H, H, rng)
        score["W_a"] *= SCORE_INIT_GAIN  # (H, H)
        score["U_a"] *= SCORE_INIT_GAIN  # (H, H)
        params.update(score)
    return {k: v.astype(dtype) for k, v in params.items()}


def _specs(attention):
    specs = {"E_src": ("V_src", "D"), "E_tgt": ("V_tgt", "D")}
    for prefix in ("enc_", "dec_"):
        specs.update({prefix + k: s for k, s in _LSTM_SPECS.items()})
    specs.update({"W_c": ("H2", "H"), "b_c": ("H",), "W_out": ("H", "V_tgt"), "b_out": ("V_tgt",)})
    if attention == "additive":
        specs.update({"W_a": ("H", "H"), "U_a": ("H", "H"), "v_a": ("H",)})
    return specs


def _validate(params):
    """The attention kind and the sizes (V_src, V_tgt, D, H) of params; ValueError for anything else."""
    if not isinstance(params, dict) or "E_src" not in params:
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params: expected the dict of init_rnn_translator (E_src, E_tgt, enc_*, dec_*, W_c, b_c, "
                         f"W_out, b_out, ...), got {got}")
    attention = "additive" if "W_a" in params else "dot"
    dims = check_params(params, _specs(attention))
    if dims["H2"] != 2 * dims["H"]:
        raise ValueError(f"params['W_c']: expected shape (2H, H) = ({2 * dims['H']}, {dims['H']}), "
                         f"got {params['W_c'].shape}")
    dtypes = {np.asarray(v).dtype.name for v in params.values()}
    if len(dtypes) != 1:
        raise ValueError(f"params: expected one float dtype for every array, got {sorted(dtypes)}")
    return attention, dims


def _check_source(src, src_lengths, dims):
    src = check_token_batch("src", src, dims["V_src"], axes="(N, S)")
    N, S = src.shape
    if src_lengths is None:
        return src, np.full(N, S)
    lengths = np.asarray(src_lengths)
    if lengths.shape != (N,) or lengths.dtype.kind not in "iu":
        raise ValueError(f"src_lengths: expected an integer array of shape (N,) = ({N},), got shape "
                         f"{lengths.shape}, dtype {lengths.dtype}")
    if lengths.min() < 1 or lengths.max() > S:
        raise ValueError(f"src_lengths: expected lengths in [1, S = {S}] (S: the columns of src), "
                         f"got {lengths.tolist()}")
    return src, lengths


def _cell(params, prefix):
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


# --------------------------------------------------------------------------- the packed encoder

class EncoderCache(NamedTuple):
    """One helpers.lstm run per segment of steps in which the same rows are still real (module docstring)."""

    starts: tuple   # first step of each segment
    rows: tuple     # (n_k,) int arrays: the rows whose source is still running in segment k
    caches: tuple   # lstm.LSTMCache of each segment
    D: int          # d_emb


def _encode(cell, x, lengths):
    """x (S, N, D) embedded source; lengths (N,). Returns h (S, N, H) (0 at padding), the final y, c (N, H)."""
    S, N, D = x.shape
    H = cell["R_z"].shape[0]
    h = np.zeros((S, N, H), x.dtype)  # (S, N, H)
    y_last, c_last = np.zeros((2, N, H), x.dtype)  # (N, H) each: the state at the end of the last segment
    # the fused weights, made once for every segment (what lstm.forward would make for each of them)
    prepared = lstm._prepare(cell, np.result_type(x, *cell.values()))
    starts, rows, caches, start = [], [], [], 0
    for end in np.unique(lengths).tolist():  # the distinct lengths, ascending
        active = np.flatnonzero(lengths >= end)  # (n_k,)
        y, seg = lstm._forward_prepared(prepared, x[start:end, active], y_last[active],
                                        c_last[active])  # (end - start, n_k, H)
        h[start:end, active] = y
        y_last[active], c_last[active] = y[-1], seg.c[-1]
        starts.append(start)
        rows.append(active)
        caches.append(seg)
        start = end
    return h, y_last, c_last, EncoderCache(tuple(starts), tuple(rows), tuple(caches), D)


def _encode_backward(dh, dy_last, dc_last, cache: EncoderCache):
    """dh (S, N, H) from attention, dy_last, dc_last (N, H) from the decoder -> dx (S, N, D), grads."""
    S, N, _ = dh.shape
    dx = np.zeros((S, N, cache.D), dh.dtype)  # (S, N, D)
    dy_last, dc_last = dy_last.copy(), dc_last.copy()  # gradient at the end of the segment being visited
    grads = None
    for start, active, seg in reversed(list(zip(cache.starts, cache.rows, cache.caches))):
        end = start + seg.y.shape[0]
        dy = dh[start:end, active]  # (end-start, n_k, H), a copy
        dy[-1] += dy_last[active]
        dx[start:end, active], dy_last[active], dc_last[active], g = lstm.backward(dy, seg, dc_last=dc_last[active])
        if grads is None:
            grads = g
        else:
            for k in grads:
                grads[k] += g[k]  # arrays of this function's own, added in the same order as grads[k] + g[k]
    return dx, grads


# --------------------------------------------------------------------------- forward and backward

class RNNTranslatorCache(NamedTuple):
    """What :func:`rnn_translator_backward` needs; ``weights`` (N, T, S) are the attention weights."""

    attention: str
    src: np.ndarray         # (N, S) token ids
    tgt_in: np.ndarray      # (N, T) token ids
    enc_cache: EncoderCache
    dec_cache: tuple        # lstm.LSTMCache of the decoder
    att_cache: tuple        # AttentionCache or AdditiveAttentionCache
    features: np.ndarray    # (N, T, 2H): [c_t; s_t]
    h_tilde: np.ndarray     # (N, T, H)
    params: dict
    weights: np.ndarray     # (N, T, S), exactly 0 on source padding


def rnn_translator_forward(params: dict, src, tgt_in, src_lengths=None):
    """The encoder-decoder with teacher forcing (module docstring).

    Inputs:  params (init_rnn_translator); src (N, S) source ids, padded after src_lengths; tgt_in (N, T)
             decoder input ids (<bos> + target; padding after the target is harmless: the decoder is causal);
             src_lengths (N,) in [1, S], or None: no padding
    Returns: logits (N, T, V_tgt) (logits[:, t] predict tgt_out[:, t]); RNNTranslatorCache
    """
    attention, dims = _validate(params)
    src, lengths = _check_source(src, src_lengths, dims)
    tgt_in = check_token_batch("tgt_in", tgt_in, dims["V_tgt"], src.shape[0])
    h, y_last, c_last, enc_cache = _encode(_cell(params, "enc_"), params["E_src"][src.T], lengths)  # (S, N, H)
    s, dec_cache = lstm.forward(_cell(params, "dec_"), params["E_tgt"][tgt_in.T], y0=y_last, c0=c_last)  # (T, N, H)
    mask = padding_mask(lengths, src.shape[1])  # (N, 1, S): True = a real source token
    logits, features, h_tilde, att_cache, _ = attentional_output(params, attention, s.transpose(1, 0, 2),
                                                                 h.transpose(1, 0, 2), mask)  # (N, T, V_tgt)
    return logits, RNNTranslatorCache(attention, src, tgt_in, enc_cache, dec_cache, att_cache, features, h_tilde,
                                      params, att_cache.weights)


def rnn_translator_backward(dlogits, cache: RNNTranslatorCache) -> dict:
    """Backward of :func:`rnn_translator_forward`: output layer, attention, decoder BPTT, packed encoder BPTT.

    Inputs:  dlogits (N, T, V_tgt) = dL/dlogits (0 at target padding, as smoothed_cross_entropy gives);
             RNNTranslatorCache
    Returns: grads keyed like params; an embedding row collects the gradients of every position holding its token
    """
    check_instance("cache", cache, RNNTranslatorCache, "the RNNTranslatorCache returned by rnn_translator_forward")
    p = cache.params
    N, T, H = cache.h_tilde.shape
    dlog = check_array("dlogits", dlogits, (N, T, p["b_out"].shape[0]))  # (N, T, V_tgt)
    dq, dkeys, grads = attentional_output_backward(dlog, p, cache.attention, cache.att_cache, cache.features,
                                                   cache.h_tilde)  # (N, T, H), (N, S, H)
    dx_tgt, dy0, dc0, g_dec = lstm.backward(dq.transpose(1, 0, 2), cache.dec_cache)  # dx_tgt (T, N, D)
    dx_src, g_enc = _encode_backward(dkeys.transpose(1, 0, 2), dy0, dc0, cache.enc_cache)  # (S, N, D), 0 at padding
    for name, ids, dx in (("E_src", cache.src, dx_src), ("E_tgt", cache.tgt_in, dx_tgt)):
        grads[name] = np.zeros_like(p[name])  # (V, D)
        np.add.at(grads[name], ids.T.ravel(), dx.reshape(-1, dx.shape[-1]))  # repeated tokens add up
    grads.update({"dec_" + k: v for k, v in g_dec.items()})
    grads.update({"enc_" + k: v for k, v in g_enc.items()})
    return {k: grads[k] for k in p}


# --------------------------------------------------------------------------- decoding

def _token_id(name, value, vocab):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < vocab:
        raise ValueError(f"{name}: expected a token id in [0, V_tgt = {vocab}), got {value!r}")
    return int(value)


def greedy_translate(params: dict, src, src_lengths, bos: int = BOS, eos: int = EOS, max_len: int = 30):
    """Decode without teacher forcing: the encoder once, then the decoder one step at a time, each step reading
    the previous step's argmax. A row that has produced ``eos`` stops (its later ids are ``eos``, weights 0);
    decoding ends when every row has stopped or after max_len steps.

    Inputs:  params; src (N, S) ids; src_lengths (N,) or None; bos, eos token ids; max_len
    Returns: ids (N, max_len) int64 (without the leading bos); weights (N, max_len, S), 0 on source padding
    """
    attention, dims = _validate(params)
    src, lengths = _check_source(src, src_lengths, dims)
    bos, eos = _token_id("bos", bos, dims["V_tgt"]), _token_id("eos", eos, dims["V_tgt"])
    max_len = check_int("max_len", max_len)
    (N, S), dtype = src.shape, params["W_out"].dtype
    h, y, c, _ = _encode(_cell(params, "enc_"), params["E_src"][src.T], lengths)  # (S, N, H)
    keys, mask, dec = h.transpose(1, 0, 2), padding_mask(lengths, S), _cell(params, "dec_")  # (N, S, H), (N, 1, S)
    ids = np.full((N, max_len), eos, dtype=np.int64)  # (N, max_len)
    weights = np.zeros((N, max_len, S), dtype)  # (N, max_len, S)
    token, done = np.full(N, bos), np.zeros(N, dtype=bool)  # (N,) each
    dec_prepared = lstm._prepare(dec, np.result_type(params["E_tgt"], *dec.values()))  # once, not per step
    for t in range(max_len):
        s, step = lstm._forward_prepared(dec_prepared, params["E_tgt"][token][None], y, c)  # (1, N, H)
        y, c = s[0], step.c[0]  # (N, H) each
        logits, _, _, att, _ = attentional_output(params, attention, s.transpose(1, 0, 2), keys, mask)  # (N, 1, V_tgt)
        check_finite("params (the logits they give, from which no token can be picked)", logits[:, 0])
        token = np.where(done, eos, np.argmax(logits[:, 0], axis=-1))  # (N,)
        ids[:, t] = token
        weights[:, t] = np.where(done[:, None], 0.0, att.weights[:, 0])
        done |= token == eos
        if done.all():
            break
    return ids, weights


def correct_translations(params: dict, batch: Batch, bos: int = BOS, eos: int = EOS) -> np.ndarray:
    """(N,) bool: does greedy decoding (max_len = T) reproduce tgt_out exactly, up to and including its <eos>?

    Inputs: params; batch (helpers.translation.Batch); bos, eos token ids
    """
    _, dims = _validate(params)
    check_instance("batch", batch, Batch, "a helpers.translation.Batch")
    tgt_out = check_token_batch("batch.tgt_out", batch.tgt_out, dims["V_tgt"], len(np.asarray(batch.src)))
    T = tgt_out.shape[1]
    lengths = np.asarray(batch.tgt_lengths)
    if lengths.shape != (tgt_out.shape[0],) or lengths.dtype.kind not in "iu" or lengths.min() < 1 \
            or lengths.max() > T:
        raise ValueError(f"batch.tgt_lengths: expected {tgt_out.shape[0]} ints in [1, T = {T}], got {lengths!r}")
    ids, _ = greedy_translate(params, batch.src, batch.src_lengths, bos, eos, T)  # (N, T)
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
    return np.all((ids == tgt_out) | ~real, axis=1)


# --------------------------------------------------------------------------- training

@dataclass(frozen=True)
class RNNTranslatorConfig:
    """The settings of one :func:`train_rnn_translator` run; every field is checked.

    Model:    hidden H (both LSTMs and the attentional layer), d_emb, attention "dot" | "additive"
    Training: steps, batch (pairs per step), length_pool (0: random batches; k > 0: grouped by length, see
              helpers.transformer_training.TranslationTask.batch_indices), lr falling linearly to lr_end at the last
              step (lr_end None: constant), clip (global-norm threshold or None), smoothing (label smoothing eps in
              [0, 1)), dtype, eval_every and eval_size (validation exact match on the first eval_size pairs),
              max_seconds (None; else training stops after the step that passes this wall time: machine-dependent,
              so not reproducible; the learning rate still follows the schedule of ``steps``)
    Defaults: on helpers.sentences (20,000 pairs) validation exact match reached 0.94-0.95 after 250 steps and
    0.98-0.99 after 600 (seeds 0-2, both scores), about 30-45 ms of CPU per step at sentences of 10-20 tokens.
    """

    hidden: int = 128
    d_emb: int = 64
    attention: str = "dot"
    steps: int = 1000
    batch: int = 64
    length_pool: int = 0
    lr: float = 3e-3
    lr_end: float | None = 3e-4
    clip: float | None = 1.0
    smoothing: float = 0.1
    dtype: str = "float32"
    eval_every: int = 250
    eval_size: int = 500
    max_seconds: float | None = None

    def __post_init__(self):
        for name in ("hidden", "d_emb", "steps", "batch", "eval_every", "eval_size"):
            object.__setattr__(self, name, check_int(name, getattr(self, name)))
        object.__setattr__(self, "length_pool", check_int("length_pool", self.length_pool, minimum=0))
        check_choice("attention", self.attention, ATTENTION_KINDS)
        object.__setattr__(self, "lr", check_real("lr", self.lr, what="a positive learning rate"))
        object.__setattr__(self, "lr_end", check_real("lr_end", self.lr_end, inclusive=True, allow_none=True,
                                                      what="a non-negative learning rate"))
        object.__setattr__(self, "clip", check_real("clip", self.clip, allow_none=True))
        object.__setattr__(self, "smoothing", check_real("smoothing", self.smoothing, inclusive=True, maximum=1.0))
        object.__setattr__(self, "dtype", check_float_dtype(self.dtype))
        object.__setattr__(self, "max_seconds", check_real("max_seconds", self.max_seconds, allow_none=True))

    def learning_rate(self, step: int) -> float:
        """The learning rate of step 1 ... steps: lr, falling linearly to lr_end at the last step."""
        return linear_decay(step, self.steps, self.lr, self.lr_end)


@dataclass
class RNNTranslatorResult:
    """What :func:`train_rnn_translator` returns. ``history`` holds (step, seconds, validation exact match);
    ``loss`` and ``grad_norm`` (before clipping) have one entry per step taken (fewer than config.steps only
    when max_seconds stopped the run)."""

    params: dict
    config: RNNTranslatorConfig
    loss: np.ndarray = field(repr=False)
    grad_norm: np.ndarray = field(repr=False)
    history: list = field(default_factory=list)
    seconds: float = 0.0


def train_rnn_translator(task: TranslationTask, rng: np.random.Generator, config: RNNTranslatorConfig | None = None,
                         progress: Callable | None = None, **settings) -> RNNTranslatorResult:
    """Train on task.make_batch(indices) with Adam; score greedy exact match on task.validation.

    Each step: draw config.batch indices (random, or grouped by length: TranslationTask.batch_indices), forward,
    smoothed_cross_entropy over the real target tokens, backward, clip by global norm, Adam. Two child generators
    drawn from ``rng`` give the initial parameters and the indices, so a fixed seed gives the same run (with the
    same number of BLAS threads).

    Inputs:  task; rng; config (None: the defaults); progress: optional ``progress(step, loss=..., val_exact=...)``
             called after every evaluation; settings: fields of RNNTranslatorConfig replacing those of config
    Returns: RNNTranslatorResult
    """
    check_instance("task", task, TranslationTask, "a TranslationTask")
    check_rng(rng)
    c = with_settings(config, RNNTranslatorConfig, settings)
    if progress is not None and not callable(progress):
        raise ValueError(f"progress: expected a callable or None, got {type(progress).__name__}")
    val = task.validation
    n = min(c.eval_size, len(val.src))
    val = first_rows(val, n)
    init_rng, batch_rng = (np.random.default_rng(s) for s in rng.integers(0, 2 ** 63, size=2))
    params = init_rnn_translator(task.V_src, task.V_tgt, c.hidden, init_rng, c.attention, c.d_emb, dtype=c.dtype)
    state = adam_init(params)
    losses, norms, history = np.empty(c.steps), np.empty(c.steps), []  # (steps,) each
    start, step = time.perf_counter(), 0
    indices = task.batch_indices(batch_rng, c.batch, c.length_pool)
    while step < c.steps:
        step += 1
        b = task.make_batch(next(indices))
        check_instance("task.make_batch(index)", b, Batch, "a helpers.translation.Batch")
        logits, cache = rnn_translator_forward(params, b.src, b.tgt_in, b.src_lengths)  # (B, T, V_tgt)
        losses[step - 1], dlogits = smoothed_cross_entropy(logits, b.tgt_out, b.tgt_lengths, c.smoothing)
        grads = rnn_translator_backward(dlogits, cache)
        if c.clip is None:
            norms[step - 1] = global_norm(grads)
        else:
            grads, norms[step - 1] = clip_grad_norm(grads, c.clip)
        params, state = adam_step(params, grads, state, lr=c.learning_rate(step))
        out_of_time = c.max_seconds is not None and time.perf_counter() - start > c.max_seconds
        if step % c.eval_every == 0 or step == c.steps or out_of_time:
            accuracy = float(np.mean(correct_translations(params, val)))
            history.append((step, time.perf_counter() - start, accuracy))
            if progress is not None:
                progress(step, loss=float(losses[max(0, step - c.eval_every):step].mean()), val_exact=accuracy)
        if out_of_time:
            break
    return RNNTranslatorResult(params, c, losses[:step], norms[:step], history, time.perf_counter() - start)
