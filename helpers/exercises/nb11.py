"""Exercises of notebook 11 (a sentence translator): exact match from greedy decoding's ids, and the moved verb's
cross-attention score per head.

Shapes (batch first, as the translators'): ids and tgt_out (N, T) token ids, tgt_lengths (N,) (a target's real
tokens, its <eos> included; <pad> after it); cross-attention weights (n, h, T, S): n sentences, h heads, T German
positions (queries), S English words (keys).
"""
from __future__ import annotations

import numpy as np

from ..translation_batch import EOS, PAD
from .core import Case, Exercise, Mistake, make_stub

__all__ = ["EXERCISES"]


# --------------------------------------------------------------------------- 11.1 exact match

def exact_match(ids, tgt_out, tgt_lengths):
    """Which translations are exactly right (section 3): greedy decoding's ids against the targets, position by
    position, over each target's real tokens, its <eos> included:

        right[n] = (ids[n, t] == tgt_out[n, t] for every t < tgt_lengths[n])

    What follows a target's <eos> does not count: tgt_out holds <pad> there, and greedy decoding fills a row that
    has stopped with <eos> (another decoder might fill it with <pad>).
    Inputs:  ids (N, T) int: greedy decoding's output, T tokens per row (max_len = T); tgt_out (N, T) int: the
             German ids + <eos>, padded with <pad>; tgt_lengths (N,) int: each target's length, <eos> included
    Returns: right (N,) bool
    """
    N, T = tgt_out.shape
    real = np.arange(T)[None, :] < tgt_lengths[:, None]  # (N, T): the target's words and its <eos>
    return np.all((ids == tgt_out) | ~real, axis=1)  # (N,)


def _targets(rng, lengths, T, V=12):
    """tgt_out (N, T): random word ids (never a special token), <eos> at lengths - 1, <pad> after."""
    lengths = np.asarray(lengths)  # (N,)
    steps = np.arange(T)[None, :]  # (1, T)
    tgt_out = np.where(steps < lengths[:, None] - 1, rng.integers(EOS + 1, V, size=(len(lengths), T)), PAD)
    tgt_out[np.arange(len(lengths)), lengths - 1] = EOS
    return tgt_out.astype(np.int64), lengths


def _decoded(rng, tgt_out, lengths, kinds, tail=EOS, V=12):
    """ids (N, T) as a decoder would write them, row n of kind kinds[n]: "right", "word" (one word wrong),
    "early" (<eos> one word too soon), "late" (one word too many before <eos>), "endless" (never <eos>); after a
    row's <eos> it holds ``tail``."""
    N, T = tgt_out.shape
    ids = np.full((N, T), tail, dtype=np.int64)  # (N, T)
    for n, kind in enumerate(kinds):
        words = list(tgt_out[n, :lengths[n] - 1])  # the target's words, without <eos>
        if kind == "word":
            k = int(rng.integers(len(words)))
            words[k] = EOS + 1 + (words[k] - EOS) % (V - EOS - 1)  # another word id
        elif kind == "early":
            words = words[:-1]
        elif kind == "late":
            words = words + [int(rng.integers(EOS + 1, V))]
        row = words + ([] if kind == "endless" else [EOS])
        if kind == "endless":
            row = (words * T)[:T]
        ids[n, :min(len(row), T)] = row[:T]
    return ids


def _match_cases(rng):
    T = 7
    kinds = ["right", "word", "early", "late", "right", "endless", "right", "early"]
    tgt, lengths = _targets(rng, [5, 4, 6, 3, 7, 4, 2, 3], T)
    pad_tgt, pad_lengths = _targets(rng, [3, 5, 4, 6], 6)
    full_tgt, full_lengths = _targets(rng, [6, 6, 6], 6)
    one_tgt, one_lengths = _targets(rng, [4], 5)
    return [Case("8 translations: right, a wrong word, <eos> too early or too late, none at all",
                 (_decoded(rng, tgt, lengths, kinds), tgt, lengths)),
            Case("rows that stopped are filled with <pad>, not <eos>",
                 (_decoded(rng, pad_tgt, pad_lengths, ["right", "early", "right", "late"], tail=PAD), pad_tgt,
                  pad_lengths)),
            Case("targets that fill every position (no padding)",
                 (_decoded(rng, full_tgt, full_lengths, ["right", "early", "endless"]), full_tgt, full_lengths)),
            Case("one translation, right", (_decoded(rng, one_tgt, one_lengths, ["right"]), one_tgt, one_lengths))]


def _match_until(ids, tgt_out, stop):
    """Rows equal at every position t < stop[n] (a typical mistake chooses ``stop``)."""
    real = np.arange(tgt_out.shape[1])[None, :] < stop[:, None]  # (N, T)
    return np.all((ids == tgt_out) | ~real, axis=1)


def _first_eos(ids):
    return np.where(np.any(ids == EOS, axis=1), np.argmax(ids == EOS, axis=1), ids.shape[1])  # (N,)


MATCH = Exercise(
    id="11.1", title="Exact match", solution=exact_match,
    stub=make_stub(exact_match, "which positions of a row count? Work that out from tgt_lengths, then compare"),
    cases=_match_cases, outputs=("right",), axes={"right": ("n",)}, seed=111, exact=True,
    hint="compare only the positions t < tgt_lengths[n] (the words and the <eos>); np.all over the time axis.",
    mistakes=(
        Mistake("Your right compares the padding too: after its <eos> a decoded row holds <eos> (or <pad>) and "
                "tgt_out holds <pad>, so right translations count as wrong. Compare only t < tgt_lengths[n].",
                lambda ids, tgt_out, tgt_lengths: np.all(ids == tgt_out, axis=1)),
        Mistake("Your right ignores the <eos>: it compares only the words, t < tgt_lengths[n] - 1, so a translation "
                "that goes on after the last word (or never ends) counts as right. The <eos> is part of the target: "
                "the translation must stop there.",
                lambda ids, tgt_out, tgt_lengths: _match_until(ids, tgt_out, tgt_lengths - 1)),
        Mistake("Your right is a prefix match: it compares only as far as the translation goes (up to its first "
                "<eos>), so one that stops too early counts as right. Compare every position of the target, "
                "t < tgt_lengths[n].",
                lambda ids, tgt_out, tgt_lengths: _match_until(ids, tgt_out, np.minimum(_first_eos(ids),
                                                                                         tgt_lengths))),
        Mistake("Your right uses any where it needs all: one matching position makes a translation right. Every "
                "real position must match.",
                lambda ids, tgt_out, tgt_lengths: np.any((ids == tgt_out) & (np.arange(tgt_out.shape[1])[None, :]
                                                                             < tgt_lengths[:, None]), axis=1)),
    ))


# --------------------------------------------------------------------------- 11.2 the moved verb's score

def verb_scores(weights, verb_tgt, verb_src):
    """How much each head's moved-verb row attends to the English verb (section 6), one score per sentence and head.

    The score of sentence n in head j is one weight of its map: in the row of the decoder position that predicts
    the moved German verb, the column of the English verb. Which row predicts German word t? Section 2's batch
    says: row t reads tgt_in[t], and tgt_in starts with <bos>; it predicts tgt_out[t].
    Inputs:  weights (n, h, T, S): one layer's teacher-forced cross-attention of n sentences (T German positions,
             S English words); verb_tgt (n,) int: the moved verb's index among the German words (the data's
             column); verb_src (n,) int: the English verb's index among the English words
    Returns: score (n, h)
    """
    n = weights.shape[0]
    return weights[np.arange(n), :, verb_tgt, verb_src]  # (n, h): the sentence's own row and column, every head


def _attention(rng, n, h, T, S):
    """Softmax rows (n, h, T, S): every row sums to 1 over the English words."""
    scores = 2.0 * rng.standard_normal((n, h, T, S))  # (n, h, T, S)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _score_cases(rng):
    def case(label, n, h, T, S, verb_tgt, verb_src):
        return Case(label, (_attention(rng, n, h, T, S), np.array(verb_tgt), np.array(verb_src)))
    return [case("n = 5 sentences, h = 4 heads, T = 9, S = 8", 5, 4, 9, 8, [7, 1, 5, 1, 6], [2, 3, 1, 4, 2]),
            case("square maps (T = S = 6): a swapped row and column still run", 4, 2, 6, 6, [4, 1, 3, 2],
                 [1, 3, 0, 4]),
            case("one head (h = 1)", 3, 1, 7, 6, [5, 1, 2], [1, 2, 4]),
            case("one sentence, the verb second (row 1)", 1, 3, 5, 6, [1], [3])]


def _rows(weights, verb_tgt, verb_src, rows, cols):
    return weights[np.arange(weights.shape[0]), :, rows, cols]


SCORES = Exercise(
    id="11.2", title="The moved verb's attention score", solution=verb_scores,
    stub=make_stub(verb_scores, "first work out the row (which German index, which row of the map) and the column "
                                "for one sentence; then all sentences and heads at once, without a loop"),
    cases=_score_cases, outputs=("score",), axes={"score": ("n", "head")}, seed=112,
    hint="start with one sentence, weights[0] (h, T, S): which row, which column? For all sentences at once, each "
         "must read its own row and column, not every sentence's: the sentence axis needs an index too. NumPy puts "
         "the axis of index arrays that a slice separates first: on (A, B, C), x[rows, :, cols] is (m, B).",
    mistakes=(
        Mistake("Your score swaps row and column: weights[n, j, verb_src[n], verb_tgt[n]]. Rows are the German "
                "positions (queries), columns the English words (keys): the moved verb's row is verb_tgt[n], the "
                "English verb's column verb_src[n].",
                lambda w, vt, vs: _rows(w, vt, vs, vs, vt)),
        Mistake("Your score reads the row verb_tgt[n] + 1: that position reads the German verb (tgt_in starts with "
                "<bos>, so tgt_in[t + 1] is German word t) and predicts the word after it. The row that predicts the "
                "verb is verb_tgt[n].",
                lambda w, vt, vs: _rows(w, vt, vs, vt + 1, vs)),
        Mistake("Your score averages over the heads: the exercise asks for one score per head, (n, h); each head "
                "has its own attention, and the heads differ.",
                lambda w, vt, vs: _rows(w, vt, vs, vt, vs).mean(axis=1)),
        Mistake("Your score indexes weights[:, :, verb_tgt, verb_src]: that pairs every sentence's map with every "
                "sentence's positions, (n, h, n), and averaging the last axis mixes the sentences. Index the "
                "sentence axis too, with np.arange(n), so that sentence n reads its own row and column.",
                lambda w, vt, vs: w[:, :, vt, vs].mean(axis=-1)),
    ))

EXERCISES = [MATCH, SCORES]
