"""An LSTM encoder-decoder, with and without attention, on a task whose answer must pass a bottleneck.

The task: reverse a sequence
----------------------------
The source is L symbols drawn uniformly from SYMBOLS = A ... J (10 symbols); the target is the same symbols
in reverse order. Every batch has one length L (drawn per batch), so nothing is padded, and the decoder
produces exactly L symbols (the output length is given; there is no end token).

src     (L, N)  ints   the source symbols, time-major               e.g. C A J E
tgt     (L, N)  ints   the reversed source: tgt[t] = src[L-1-t]          E J A C
tgt_in  (L, N)  ints   the decoder's input: BOS, then tgt[:-1]        <s> E J A   (teacher forcing)

Why reversal (and not copying): in both, every output symbol is one particular input symbol, so the ideal
alignment is known exactly, and reversal's (the anti-diagonal) reads as clearly in a heat map as copying's.
Without attention, reversal is the easier of the two for the early outputs: the first symbol to produce is the
last one read (Sutskever et al. 2014 reversed their source sentences for this reason); in our runs the model
without attention got longer sequences right on reversal than on copying. It is therefore given its best
chance, and what it still gets wrong at long lengths is the bottleneck, not an unlucky choice of task.

The model (Luong, Pham & Manning 2015, "global attention")
---------
V = 11 tokens (10 symbols and BOS), one-hot encoded; K = 10 output classes (the symbols); H hidden units in
both LSTMs (helpers.lstm, Greff et al.'s notation, no peepholes); C units in the attentional layer.

h_j     = LSTM_enc(x_j, h_{j-1})            (S, N, H)   encoder outputs, j = 0 ... S-1
s_t     = LSTM_dec(y_{t-1}, s_{t-1})        (T, N, H)   decoder states; s_{-1}, its cell c_{-1} = the
                                                        encoder's final output h_{S-1} and cell c_{S-1}
a_tj    = softmax_j score(s_t, h_j)         (N, T, S)   attention weights (the soft alignment)
c_t     = sum_j a_tj h_j                    (N, T, H)   context vector
h~_t    = tanh([c_t; s_t] W_c + b_c)        (N, T, C)   attentional hidden state
logits  = h~_t W_out + b_out                (T, N, K)   (row-vector convention, as in helpers.attention)

Scores: "dot"       score(s, h) = s . h             Luong's "dot", computed by helpers.attention.attention_forward
                                                    with the query multiplied by sqrt(H) to cancel its 1/sqrt(d_k).
                                                    Unscaled, because the LSTM outputs are bounded (|entries| < 1):
                                                    s . h lies in (-H, H), and a further 1/sqrt(H) would cap the
                                                    scores at sqrt(H) = 8 for H = 64, limiting how sharp the
                                                    weights can get. (Vaswani et al.'s 1/sqrt(d_k) is for
                                                    unbounded vectors whose dot products grow with d_k.)
        "additive"  score(s, h) = tanh(s W_a + h U_a) . v_a    helpers.attention.additive_attention_forward
        "none"      no attention: h~_t = tanh(s_t W_c + b_c), W_c (H, C). The same output layer with c_t
                    removed, so that the comparison is fair: same LSTMs, same depth and width of the output
                    layer; only the path from the encoder outputs to the output is missing. Everything the
                    decoder knows about the source is then in the fixed-size pair (h_{S-1}, c_{S-1}).

Placement. Here the decoder's *current* state s_t attends, and the context enters only the output layer: the
attention does not feed back into the recurrence, so all T decoder steps can be computed first and attended
over in one batched call. Bahdanau et al. (2015) instead score the *previous* state s_{t-1} and feed the
context into the recurrent cell at step t (and their encoder is bidirectional). With Luong's placement both
score functions plug into the same model, so only the score differs between "dot" and "additive".

Parameters: one dict; the encoder's LSTM keys with the prefix "enc_" (enc_W_z ... enc_b_o), the decoder's
with "dec_", then W_c ((2H or H), C), b_c (C,), W_out (C, K), b_out (K,), and for "additive" W_a (H, A),
U_a (H, A), v_a (A,). The attention variant is recognised from the keys (:func:`attention_of`).

Loss: softmax cross-entropy averaged over all output tokens (helpers.losses.softmax_cross_entropy with
batch_axis=None).

Backward: the output layer, then the attention's backward (helpers.attention), then BPTT through the decoder
(helpers.lstm.backward), which also returns the gradients reaching its initial state. Those flow into the
encoder's last output and last cell state (``dc_last`` of helpers.lstm.backward). The encoder outputs receive
gradient both as keys and as values.

Training (Adam, clipping, a decaying learning rate) and its settings are in :mod:`helpers.seq2seq_training`.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import lstm
from .attention import (additive_attention_backward, additive_attention_forward, attention_backward,
                        attention_forward, init_additive_attention)
from .seeding import check_rng
from .shapes import (check_array, check_choice, check_finite, check_float_dtype, check_ids, check_int, check_nonempty,
                     check_params)

__all__ = ["SYMBOLS", "BOS", "VOCAB", "BOS_ID", "ATTENTION_KINDS", "SCORE_INIT_GAIN", "encode", "decode", "one_hot",
           "make_reversal_batch", "init_seq2seq", "attention_of", "seq2seq_forward", "seq2seq_backward",
           "Seq2SeqCache", "greedy_decode", "evaluate_by_length", "check_attention_kind"]

SYMBOLS = tuple("ABCDEFGHIJ")
BOS = "<s>"
VOCAB = SYMBOLS + (BOS,)      # token ids: the symbols are 0 ... 9 (also the output classes), BOS is 10
BOS_ID = len(SYMBOLS)
ATTENTION_KINDS = ("none", "dot", "additive")
SCORE_INIT_GAIN = 4.0         # W_a, U_a start this much larger than init_additive_attention's N(0, 1/H)
_LSTM_KEYS = tuple(f"{w}_{g}" for w in ("W", "R", "b") for g in lstm.GATES)


def check_attention_kind(attention):
    return check_choice("attention", attention, ATTENTION_KINDS)


# --------------------------------------------------------------------------- the task

def encode(symbols) -> np.ndarray:
    """Token ids of a string or list of symbols, e.g. "CAJE" -> [2, 0, 9, 4]."""
    table = {s: i for i, s in enumerate(VOCAB)}
    if not isinstance(symbols, (str, list, tuple, np.ndarray)):
        raise ValueError(f"symbols: expected a string or a list of symbols from {VOCAB}, got {type(symbols).__name__}")
    items = list(symbols) if not isinstance(symbols, np.ndarray) else symbols.ravel().tolist()
    bad = [s for s in items if not isinstance(s, str) or s not in table]
    if bad:
        raise ValueError(f"symbols: expected symbols from {VOCAB}, got {bad}")
    return np.array([table[s] for s in items], dtype=np.int64)  # (L,)


def decode(ids) -> str:
    """The symbols of token ids, as one string (BOS as '<s>'), e.g. [2, 0, 9, 4] -> "CAJE"."""
    ids = check_ids("ids", ids, len(VOCAB), spec=(None,))
    return "".join(VOCAB[i] for i in ids)


def one_hot(ids, dtype=np.float64) -> np.ndarray:
    """(T, N) token ids -> (T, N, V) one-hot vectors (V = len(VOCAB) = 11)."""
    ids = np.asarray(ids)
    if ids.ndim != 2 or ids.dtype.kind not in "iu":
        raise ValueError(f"ids: expected a 2-D integer array (T, N), got shape {ids.shape}, dtype {ids.dtype}")
    ids = check_ids("ids", ids, len(VOCAB))
    dtype = check_float_dtype(dtype)
    return np.eye(len(VOCAB), dtype=dtype)[ids]  # (T, N, V)


def make_reversal_batch(length: int, N: int, rng: np.random.Generator):
    """N random source sequences of one length and their reversals (see the module docstring).

    Inputs:  length L >= 1; N >= 1 sequences; rng
    Returns: src (L, N), tgt (L, N) with tgt[t] = src[L-1-t], tgt_in (L, N) = BOS then tgt[:-1]; int64
    """
    L = check_int("length", length)
    N = check_int("N", N)
    check_rng(rng)
    src = rng.integers(0, len(SYMBOLS), size=(L, N))  # (L, N)
    tgt = src[::-1].copy()  # (L, N)
    tgt_in = np.concatenate([np.full((1, N), BOS_ID), tgt[:-1]], axis=0)  # (L, N)
    return src, tgt, tgt_in


# --------------------------------------------------------------------------- the model

def init_seq2seq(attention: str, hidden: int, rng: np.random.Generator, context_size: int | None = None,
                 score_size: int | None = None, forget_bias: float = 1.0, dtype=np.float64) -> dict:
    """Parameters of the encoder-decoder (keys: see the module docstring).

    Both LSTMs: helpers.lstm.init_params (no peepholes, forget-gate bias ``forget_bias``); W_c ~ N(0, 1/rows),
    W_out ~ N(0, 1/C), biases 0; additive attention: helpers.attention.init_additive_attention, with W_a and
    U_a multiplied by SCORE_INIT_GAIN = 4. Why: at initialisation the LSTM outputs are small (entries of a
    few tenths), so s W_a + h U_a would lie in tanh's linear range, where the score is separable,
    v_a . (s W_a) + v_a . (h U_a) = f(s) + g(h). The softmax over keys cancels f(s), so every query would get
    the same weights, and aligning different outputs with different inputs must wait until the weights
    have grown. (In our runs on the reversal task the gain made the additive model learn the alignment
    markedly sooner.)

    Inputs:  attention "none" | "dot" | "additive"; hidden H; rng; context_size C (default H);
             score_size A of the additive score (default H); forget_bias; dtype
    Returns: dict of arrays
    """
    check_attention_kind(attention)
    H = check_int("hidden", hidden)
    C = H if context_size is None else check_int("context_size", context_size)
    A = H if score_size is None else check_int("score_size", score_size)
    check_rng(rng)
    V, K = len(VOCAB), len(SYMBOLS)
    params = {}
    for prefix in ("enc_", "dec_"):
        cell = lstm.init_params(V, H, rng, peepholes=False, forget_bias=forget_bias, dtype=dtype)
        params.update({prefix + k: v for k, v in cell.items()})
    rows = H if attention == "none" else 2 * H
    params["W_c"] = (rng.standard_normal((rows, C)) / np.sqrt(rows)).astype(dtype)  # (2H or H, C)
    params["b_c"] = np.zeros(C, dtype)  # (C,)
    params["W_out"] = (rng.standard_normal((C, K)) / np.sqrt(C)).astype(dtype)  # (C, K)
    params["b_out"] = np.zeros(K, dtype)  # (K,)
    if attention == "additive":
        score = init_additive_attention(H, H, A, rng, dtype=dtype)
        score["W_a"] *= SCORE_INIT_GAIN  # (H, A)
        score["U_a"] *= SCORE_INIT_GAIN  # (H, A)
        params.update(score)
    return params


def _specs(attention):
    specs = {}
    for prefix in ("enc_", "dec_"):
        specs.update({prefix + k: ("H", "V") if k[0] == "W" else (("H", "H") if k[0] == "R" else ("H",))
                      for k in _LSTM_KEYS})
    specs["W_c"] = ("H", "C") if attention == "none" else ("H2", "C")
    specs.update({"b_c": ("C",), "W_out": ("C", "K"), "b_out": ("K",)})
    if attention == "additive":
        specs.update({"W_a": ("H", "A"), "U_a": ("H", "A"), "v_a": ("A",)})
    return specs


def attention_of(params) -> str:
    """'none', 'dot' or 'additive', recognised from the keys and the rows of W_c; ValueError otherwise."""
    if not isinstance(params, dict) or "W_c" not in params or "dec_R_z" not in params:
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params: expected the dict of init_seq2seq (enc_*, dec_*, W_c, b_c, W_out, b_out, "
                         f"...), got {got}")
    if "W_a" in params:
        return "additive"
    H = (np.shape(params["dec_R_z"]) or (0,))[0]
    rows = (np.shape(params["W_c"]) or (0,))[0]
    if rows == 2 * H:
        return "dot"
    if rows == H:
        return "none"
    raise ValueError(f"params['W_c']: expected {2 * H} rows ([c_t; s_t], with attention) or {H} rows "
                     f"(s_t only, without), got shape {np.shape(params['W_c'])}")


def _validate(params):
    attention = attention_of(params)
    dims = check_params(params, _specs(attention))
    if attention != "none" and dims["H2"] != 2 * dims["H"]:
        raise ValueError(f"params['W_c']: expected shape (2H, C) = ({2 * dims['H']}, {dims['C']}), "
                         f"got {params['W_c'].shape}")
    if dims["V"] != len(VOCAB) or dims["K"] != len(SYMBOLS):
        raise ValueError(f"params: expected V = {len(VOCAB)} input tokens and K = {len(SYMBOLS)} output "
                         f"classes, got V = {dims['V']}, K = {dims['K']}")
    return attention, dims


def _check_ids(name, ids, spec, dims):
    """Token ids (T, N) with T >= 1: an LSTM over zero steps has no last state to hand on."""
    ids = check_ids(name, ids, len(VOCAB), spec, dims)
    return check_nonempty(name, ids, 0, "time step")


def _cell(params, prefix):
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


class Seq2SeqCache(NamedTuple):
    """What :func:`seq2seq_backward` needs; ``weights`` (N, T, S) are the attention weights (None: no attention)."""

    attention: str
    enc_cache: tuple         # lstm.LSTMCache of the encoder
    dec_cache: tuple         # lstm.LSTMCache of the decoder
    att_cache: tuple | None  # AttentionCache / AdditiveAttentionCache, or None
    features: np.ndarray     # (N, T, 2H or H): [c_t; s_t] or s_t
    h_tilde: np.ndarray      # (N, T, C)
    params: dict
    weights: np.ndarray | None


def _attend(attention, params, q, keys, mask=None):
    if attention == "dot":
        # Luong's unscaled s . h: attention_forward divides by sqrt(H), so the query is scaled by sqrt(H) first
        return attention_forward({}, q * math.sqrt(q.shape[-1]), keys, keys, mask)
    p = {k: params[k] for k in ("W_a", "U_a", "v_a")}
    return additive_attention_forward(p, q, keys, keys, mask)


def attentional_output(params, attention, q, keys, mask=None):
    """The attentional output layer for decoder states q (N, T, H) over encoder outputs keys (N, S, H):
    c_t = attention (module docstring), h~_t = tanh([c_t; s_t] W_c + b_c), logits = h~_t W_out + b_out.
    mask: None or True where a key may be attended (e.g. helpers.attention.padding_mask of the sources).

    Returns: logits (N, T, K), features (N, T, 2H or H), h_tilde (N, T, C), the attention's cache (None without
             attention) and its weights (N, T, S) (None without attention)
    """
    if attention == "none":
        features, att_cache, weights = q, None, None  # (N, T, H)
    else:
        context, att_cache = _attend(attention, params, q, keys, mask)  # (N, T, H)
        features = np.concatenate([context, q], axis=-1)  # (N, T, 2H): [c_t; s_t]
        weights = att_cache.weights  # (N, T, S)
    h_tilde = np.tanh(features @ params["W_c"] + params["b_c"])  # (N, T, C)
    logits = h_tilde @ params["W_out"] + params["b_out"]  # (N, T, K)
    return logits, features, h_tilde, att_cache, weights


def attentional_output_backward(dlog, params, attention, att_cache, features, h_tilde):
    """Backward of :func:`attentional_output`, given dlog = dL/dlogits (N, T, K).

    Returns: dq (N, T, H) the gradient reaching the decoder states, dkeys (N, S, H) the one reaching the encoder
             outputs as keys and values (None without attention), grads of W_out, b_out, W_c, b_c (and W_a, U_a,
             v_a for the additive score)
    """
    N, T, C = h_tilde.shape
    grads = {"W_out": h_tilde.reshape(N * T, C).T @ dlog.reshape(N * T, -1),  # (C, K)
             "b_out": dlog.sum(axis=(0, 1))}  # (K,)
    da = (dlog @ params["W_out"].T) * (1.0 - h_tilde ** 2)  # (N, T, C): through tanh
    F = features.shape[-1]
    grads["W_c"] = features.reshape(N * T, F).T @ da.reshape(N * T, C)  # (2H or H, C)
    grads["b_c"] = da.sum(axis=(0, 1))  # (C,)
    dfeat = da @ params["W_c"].T  # (N, T, 2H or H)
    if attention == "none":
        return dfeat, None, grads  # (N, T, H): no path from the encoder outputs
    H = F // 2
    dcontext, dq = dfeat[..., :H], dfeat[..., H:]  # (N, T, H) each
    if attention == "dot":
        dq_att, dk, dv, _ = attention_backward(dcontext, att_cache)
        dq_att = dq_att * math.sqrt(H)  # the query entered scaled by sqrt(H)
    else:
        dq_att, dk, dv, g_att = additive_attention_backward(dcontext, att_cache)
        grads.update(g_att)
    return dq + dq_att, dk + dv, grads  # the encoder outputs serve as keys and as values


def seq2seq_forward(params: dict, src, tgt_in):
    """The encoder-decoder with teacher forcing (module docstring).

    Inputs:  params (init_seq2seq); src (S, N) source token ids; tgt_in (T, N) decoder input ids (BOS first)
    Returns: logits (T, N, K); Seq2SeqCache
    """
    attention, dims = _validate(params)
    src = _check_ids("src", src, ("S", "N"), dims)
    tgt_in = _check_ids("tgt_in", tgt_in, ("T", "N"), dims)
    dtype = params["W_out"].dtype
    h, enc_cache = lstm.forward(_cell(params, "enc_"), one_hot(src, dtype))  # (S, N, H)
    s, dec_cache = lstm.forward(_cell(params, "dec_"), one_hot(tgt_in, dtype), y0=h[-1],
                                c0=enc_cache.c[-1])  # (T, N, H)
    q = s.transpose(1, 0, 2)  # (N, T, H): batch-major for helpers.attention
    keys = h.transpose(1, 0, 2)  # (N, S, H)
    logits, features, h_tilde, att_cache, weights = attentional_output(params, attention, q, keys)
    cache = Seq2SeqCache(attention, enc_cache, dec_cache, att_cache, features, h_tilde, params, weights)
    return logits.transpose(1, 0, 2), cache  # (T, N, K)


def seq2seq_backward(dlogits, cache: Seq2SeqCache) -> dict:
    """Backward of :func:`seq2seq_forward`: output layer, attention, decoder BPTT, encoder BPTT.

    Inputs:  dlogits (T, N, K) = dL/dlogits; Seq2SeqCache
    Returns: grads keyed like params (the inputs are token ids: no gradient)
    """
    if not isinstance(cache, Seq2SeqCache):
        raise ValueError(f"cache: expected the Seq2SeqCache returned by seq2seq_forward, got {type(cache).__name__}")
    p = cache.params
    N, T, C = cache.h_tilde.shape
    dlogits = check_array("dlogits", dlogits, (T, N, len(SYMBOLS)))
    dq, dkeys, grads = attentional_output_backward(dlogits.transpose(1, 0, 2), p, cache.attention, cache.att_cache,
                                                   cache.features, cache.h_tilde)
    S, _, H = cache.enc_cache.y.shape
    if dkeys is None:
        dkeys = np.zeros((N, S, H), dtype=dq.dtype)  # (N, S, H): no path from the encoder outputs
    _, dy0, dc0, g_dec = lstm.backward(dq.transpose(1, 0, 2), cache.dec_cache)
    dh = dkeys.transpose(1, 0, 2).copy()  # (S, N, H)
    dh[-1] += dy0  # the decoder started from the encoder's last output ...
    _, _, _, g_enc = lstm.backward(dh, cache.enc_cache, dc_last=dc0)  # ... and from its last cell state
    grads.update({"dec_" + k: v for k, v in g_dec.items()})
    grads.update({"enc_" + k: v for k, v in g_enc.items()})
    return {k: grads[k] for k in p}


# --------------------------------------------------------------------------- decoding and evaluation

def greedy_decode(params: dict, src, length: int | None = None):
    """Decode without teacher forcing: each step's input is the previous step's argmax.

    Inputs:  params; src (S, N) token ids; length of the output (default S, as the task needs)
    Returns: pred (length, N) symbol ids; weights (N, length, S) attention weights, or None without attention
    """
    attention, dims = _validate(params)
    src = _check_ids("src", src, ("S", "N"), dims)
    T = src.shape[0] if length is None else check_int("length", length)
    N = src.shape[1]
    dtype = params["W_out"].dtype
    h, enc_cache = lstm.forward(_cell(params, "enc_"), one_hot(src, dtype))  # (S, N, H)
    keys = h.transpose(1, 0, 2)  # (N, S, H)
    dec = _cell(params, "dec_")
    y, c = h[-1], enc_cache.c[-1]  # (N, H) each
    token = np.full((1, N), BOS_ID)  # (1, N)
    pred = np.empty((T, N), dtype=np.int64)  # (T, N)
    weights = None if attention == "none" else np.empty((N, T, src.shape[0]), dtype)  # (N, T, S)
    for t in range(T):
        s, dec_cache = lstm.forward(dec, one_hot(token, dtype), y0=y, c0=c)  # (1, N, H)
        y, c = s[0], dec_cache.c[0]
        logits, _, _, _, w = attentional_output(params, attention, s.transpose(1, 0, 2), keys)  # (N, 1, K)
        check_finite("params (the logits they give, from which no symbol can be picked)", logits[:, 0])
        pred[t] = np.argmax(logits[:, 0], axis=-1)
        if weights is not None:
            weights[:, t] = w[:, 0]
        token = pred[t][None]  # (1, N)
    return pred, weights


def evaluate_by_length(params: dict, lengths, n_per_length: int, rng: np.random.Generator):
    """Greedy-decode fresh sequences of each length and score them.

    Inputs:  params; lengths (sequence of ints >= 1); n_per_length sequences per length; rng
    Returns: exact (len(lengths),) fraction of sequences with every symbol right;
             token (len(lengths),) fraction of symbols right
    """
    lengths = [check_int("lengths", L) for L in np.atleast_1d(lengths).tolist()]
    n = check_int("n_per_length", n_per_length)
    check_rng(rng)
    exact, token = np.empty(len(lengths)), np.empty(len(lengths))
    for i, L in enumerate(lengths):
        src, tgt, _ = make_reversal_batch(L, n, rng)  # (L, n) each
        pred, _ = greedy_decode(params, src)  # (L, n)
        right = pred == tgt  # (L, n)
        exact[i] = right.all(axis=0).mean()
        token[i] = right.mean()
    return exact, token
