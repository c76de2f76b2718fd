"""What every translator of the course shares: the special tokens, padded batches of token ids, and the
label-smoothed cross-entropy of the real target tokens.

Both vocabularies of a corpus start with three special tokens: <pad> = 0 (fills short sequences up to the batch's
length), <bos> = 1 (begins every decoder input), <eos> = 2 (ends every target). A :class:`Batch` holds N pairs,
batch-major like helpers.transformer:

    src (N, S)      source ids, padded with <pad>         src_lengths (N,)  real lengths
    tgt_in (N, T)   <bos> + target ids (teacher forcing)  tgt_out (N, T)   target ids + <eos>, padded
    tgt_lengths (N,)                                      (the target's length + 1, for <eos>)

The loss (Szegedy et al. 2016, used by Vaswani et al. 2017 with eps = 0.1), over the real target tokens only:

    loss = mean over real tokens of  -( (1 - eps) log p_y + (eps / K) sum_k log p_k )
    dloss/dlogits = (softmax(logits) - ((1 - eps) onehot(y) + eps / K)) / (number of real tokens)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .numerics import log_softmax
from .shapes import check_ids, check_nonempty, check_real

__all__ = ["SPECIALS", "PAD", "BOS", "EOS", "Batch", "pad", "smoothed_cross_entropy"]

SPECIALS = ("<pad>", "<bos>", "<eos>")
PAD, BOS, EOS = 0, 1, 2


@dataclass
class Batch:
    """One batch of encoded pairs (see :func:`make_batch`)."""

    src: np.ndarray          # (N, T_src) English token ids, padded
    src_lengths: np.ndarray  # (N,)
    tgt_in: np.ndarray       # (N, T_tgt) <bos> + German pieces, padded
    tgt_out: np.ndarray      # (N, T_tgt) German pieces + <eos>, padded
    tgt_lengths: np.ndarray  # (N,)


def pad(sequences) -> tuple:
    """(ids (N, T) padded with <pad> to the longest sequence, lengths (N,)) of a list of id sequences."""
    lengths = np.array([len(s) for s in sequences])  # (N,)
    ids = np.full((len(sequences), lengths.max()), PAD, dtype=np.int64)  # (N, T)
    for n, s in enumerate(sequences):
        ids[n, :len(s)] = s
    return ids, lengths


def smoothed_cross_entropy(logits, targets, lengths, smoothing: float = 0.0):
    """Cross-entropy of the real target tokens, with label smoothing, and its gradient.

    Inputs:  logits (N, T, K); targets (N, T) int; lengths (N,): positions t < lengths[n] are real;
             smoothing: eps in [0, 1)
    Returns: loss (float, mean over real tokens); dlogits (N, T, K), 0 at padded positions
    """
    logits = np.asarray(logits)
    lengths = np.asarray(lengths)
    if logits.ndim != 3 or logits.dtype.kind != "f":
        raise ValueError(f"logits: expected a float array (N, T, K), got shape {logits.shape}, dtype {logits.dtype}")
    N, T, K = logits.shape
    check_nonempty("logits", logits, 0, "sequence (N >= 1)")
    check_nonempty("logits", logits, 2, "class (K >= 1)")
    targets = check_ids("targets", targets, spec=(N, T))
    if lengths.shape != (N,) or lengths.dtype.kind not in "iu" or np.any(lengths < 1) or np.any(lengths > T):
        raise ValueError(f"lengths: expected N = {N} ints in [1, T = {T}], got {lengths!r}")
    check_real("smoothing", smoothing, inclusive=True, maximum=1.0)
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
    check_ids("targets (at the real positions t < lengths[n])", targets[real], K, what="ids")
    safe = np.where(real, targets, 0)  # (N, T): padded positions point anywhere, they are masked below
    logp = log_softmax(logits)  # (N, T, K)
    picked = np.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]  # (N, T)
    per_token = -(1.0 - smoothing) * picked - smoothing * logp.mean(axis=-1)  # (N, T)
    count = real.sum()
    loss = float(per_token[real].sum() / count)
    target_dist = np.full(logits.shape, smoothing / K, dtype=logits.dtype)  # (N, T, K)
    np.put_along_axis(target_dist, safe[..., None], 1.0 - smoothing + smoothing / K, axis=-1)
    dlogits = (np.exp(logp) - target_dist) * (real[..., None] / count)  # (N, T, K)
    return loss, dlogits.astype(logits.dtype, copy=False)
