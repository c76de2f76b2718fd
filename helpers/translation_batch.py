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

Batches grouped by length (:func:`length_grouped`): a batch is padded to its longest pair, so random pairs of
10 and 20 words compute nearly as many padded positions as real ones. Vaswani et al. (2017, section 5.1) batched
"sentence pairs together by approximate sequence length"; here a pool of random pairs is sorted by length and cut
into batches of neighbours.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .numerics import log_softmax
from .seeding import check_rng
from .shapes import check_ids, check_int, check_nonempty, check_real

__all__ = ["SPECIALS", "PAD", "BOS", "EOS", "Batch", "pad", "smoothed_cross_entropy", "length_grouped"]

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


def length_grouped(rng: np.random.Generator, lengths, batch: int, pool: int):
    """Training-pair indices grouped by length, one (batch,) int array per step, without end.

    Each round draws pool * batch random indices (with replacement, as random batches are), sorts them by their
    ``lengths`` (a stable sort: pairs of one length keep their random order), cuts the sorted indices into ``pool``
    batches of neighbours, and yields those in random order; then the next round. Every batch is still a random
    draw, but of pairs of about one length, so little of it is padding; a larger pool gives narrower batches.

    Inputs:  rng; lengths (n,) ints >= 1, a length per training pair (e.g. source + target tokens); batch: pairs
             per step; pool: batches per round (a positive int)
    """
    check_rng(rng)
    lengths = check_ids("lengths", lengths, spec=("n",), what="lengths")
    if lengths.size == 0 or lengths.min() < 1:
        got = "an empty array" if lengths.size == 0 else f"a minimum of {lengths.min()}"
        raise ValueError(f"lengths: expected one length >= 1 per training pair (n,), got {got}")
    batch, pool = check_int("batch", batch), check_int("pool", pool)
    return _length_grouped(rng, lengths, batch, pool)


def _length_grouped(rng, lengths, batch, pool):
    while True:
        index = rng.integers(0, len(lengths), size=pool * batch)  # (pool * batch,)
        groups = index[np.argsort(lengths[index], kind="stable")].reshape(pool, batch)  # (pool, batch), by length
        for g in rng.permutation(pool):
            yield groups[g]


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
