"""Exercises of notebook 10 (a toy English -> German translator): the label-smoothed loss, its gradient, greedy
decoding.

Shapes (batch-major, as the Transformer's): logits (N, T, K), targets (N, T) int, lengths (N,) int: positions
t < lengths[i] of sequence i are real tokens, the rest padding (target id 0, <pad>).
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from ..translation import BOS, EOS, PAD
from .core import Case, Exercise, Mistake, make_stub

__all__ = ["EXERCISES"]


# --------------------------------------------------------------------------- 10.1 the label-smoothed loss

def smoothed_loss(logits, targets, lengths, eps):
    """The cross-entropy with label smoothing of the real target tokens (section 3; Szegedy et al. 2016, used by
    Vaswani et al. 2017, sec. 5.4). At every position, with p = softmax(z) and the smoothed target
    q = (1 - eps) onehot(y) + eps / K (eps / K on each of the K tokens, the right one included):

        l = -sum_k q_k log p_k = -(1 - eps) log p_y - (eps / K) sum_k log p_k
        loss = the mean of l over the real positions (t < lengths[i] in sequence i); padding is left out

    Inputs:  logits (N, T, K) the scores z; targets (N, T) int, the right ids y; lengths (N,) int;
             eps: the smoothing, in [0, 1)
    Returns: loss, a float
    """
    N, T, K = logits.shape
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T): True at real tokens
    shifted = logits - logits.max(axis=-1, keepdims=True)  # (N, T, K): exp cannot overflow
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))  # (N, T, K): log-softmax
    logp_y = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]  # (N, T): log p of the right token
    per_token = -(1.0 - eps) * logp_y - eps / K * logp.sum(axis=-1)  # (N, T)
    return float(per_token[real].mean())


def _token_args(rng, N, T, K, lengths, eps, scale=1.0, shift=0.0):
    """logits (N, T, K), targets (N, T), lengths (N,), eps; like the data, every target ends with <eos> and is
    padded with <pad> after it, and the real ids are never <pad> or <bos>."""
    lengths = np.array(lengths)  # (N,)
    logits = shift + scale * rng.standard_normal((N, T, K))  # (N, T, K)
    steps = np.arange(T)[None, :]  # (1, T)
    targets = np.where(steps < lengths[:, None], rng.integers(EOS + 1, K, size=(N, T)), PAD)  # (N, T)
    targets[np.arange(N), lengths - 1] = EOS
    return logits, targets, lengths, eps


def _loss_cases(rng):
    return [Case("N = 3, T = 5, K = 7, eps = 0.1, padding", _token_args(rng, 3, 5, 7, [5, 2, 4], 0.1)),
            Case("eps = 0: the plain cross-entropy", _token_args(rng, 4, 3, 5, [3, 1, 2, 3], 0.0)),
            Case("no padding, one sequence", _token_args(rng, 1, 6, 4, [6], 0.2)),
            Case("a sequence of one token (just <eos>), eps = 0.1", _token_args(rng, 2, 4, 6, [1, 4], 0.1)),
            Case("confident logits (scale 300): some p_k underflow to 0", _token_args(rng, 2, 3, 6, [3, 2], 0.1,
                                                                                      scale=300.0))]


def _loss_parts(logits, targets, lengths, eps, q_right=None, q_other=None):
    """(per-token loss -sum_k q_k log p_k (N, T), real (N, T)); q_right and q_other replace the q of the right
    token and of the others (a typical mistake)."""
    N, T, K = logits.shape
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
    shifted = logits - logits.max(axis=-1, keepdims=True)  # (N, T, K)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))  # (N, T, K)
    logp_y = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]  # (N, T)
    q_y = 1.0 - eps + eps / K if q_right is None else q_right
    q_k = eps / K if q_other is None else q_other
    return -q_y * logp_y - q_k * (logp.sum(axis=-1) - logp_y), real


def _loss_mean_with(logits, targets, lengths, eps, **q):
    per_token, real = _loss_parts(logits, targets, lengths, eps, **q)
    return per_token[real].mean()


def _loss_padding_counted(logits, targets, lengths, eps):
    per_token, _ = _loss_parts(logits, targets, lengths, eps)
    return per_token.mean()


def _loss_sum(logits, targets, lengths, eps):
    per_token, real = _loss_parts(logits, targets, lengths, eps)
    return per_token[real].sum()


def _loss_mean_of_means(logits, targets, lengths, eps):
    per_token, real = _loss_parts(logits, targets, lengths, eps)
    return np.mean([per_token[i, :lengths[i]].mean() for i in range(len(lengths))])




LOSS = Exercise(
    id="10.1", title="The label-smoothed loss", solution=smoothed_loss,
    stub=make_stub(smoothed_loss, "compute log p as a log-softmax (never the log of a softmax that underflowed), "
                                  "then l at every position, then the mean over the real positions only"),
    cases=_loss_cases, outputs=("loss",), seed=101,
    hint="build a boolean (N, T) mask of the real positions from lengths; log p needs a log-softmax, not log(softmax).",
    mistakes=(
        Mistake("Your loss counts the padded positions as tokens: the mean must run over the real positions "
                "t < lengths[i] only (padding is not part of any translation).", _loss_padding_counted),
        Mistake("Your loss has no smoothing: it is the plain cross-entropy -log p_y; with eps > 0 the target is "
                "q = (1 - eps) onehot(y) + eps / K.",
                lambda logits, targets, lengths, eps: smoothed_loss(logits, targets, lengths, 0.0)),
        Mistake("Your loss spreads eps / (K - 1) over the K - 1 wrong tokens (another convention): here every one "
                "of the K tokens gets eps / K, the right one included, so q_y = 1 - eps + eps / K.",
                lambda logits, targets, lengths, eps: _loss_mean_with(
                    logits, targets, lengths, eps, q_right=1.0 - eps, q_other=eps / (logits.shape[-1] - 1))),
        Mistake("Your q gives the right token 1 - eps instead of 1 - eps + eps / K (it was set, not added to), so q "
                "sums to 1 - eps / K: every token, the right one included, gets eps / K, and the right one 1 - eps "
                "on top.",
                lambda logits, targets, lengths, eps: _loss_mean_with(logits, targets, lengths, eps,
                                                                      q_right=1.0 - eps)),
        Mistake("Your loss weighs log p_y by 1 instead of 1 - eps: the smoothed target takes eps away from the right "
                "token and spreads it over all K, so that q still sums to 1.",
                lambda logits, targets, lengths, eps: _loss_mean_with(
                    logits, targets, lengths, eps, q_right=1.0 + eps / logits.shape[-1])),
        Mistake("Your smoothing term is eps sum_k log p_k: the eps is shared among the K tokens, eps / K each "
                "(eps times the mean of log p_k).",
                lambda logits, targets, lengths, eps: _loss_mean_with(logits, targets, lengths, eps,
                                                                      q_right=1.0, q_other=eps)),
        Mistake("Your loss is the sum over the real tokens, not their mean: divide by n, the number of real tokens "
                "(so that the loss does not grow with the batch).", _loss_sum),
        Mistake("Your loss averages each sentence's tokens, then the sentences: a short sentence's tokens then "
                "weigh more. The loss is the mean over all n real tokens of the batch, each with weight 1/n.",
                _loss_mean_of_means),
    ))


# --------------------------------------------------------------------------- 10.2 its gradient

def smoothed_loss_grad(logits, targets, lengths, eps):
    """The gradient of smoothed_loss (exercise 10.1) with respect to the logits z (section 3):

        dloss/dz = (p - q) / n   at every real position,   0 at the padded ones
        p = softmax(z),   q = (1 - eps) onehot(y) + eps / K,   n = the number of real tokens

    Inputs:  logits (N, T, K); targets (N, T) int; lengths (N,) int; eps in [0, 1), as in smoothed_loss
    Returns: dlogits (N, T, K)
    """
    N, T, K = logits.shape
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T): True at real tokens
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))  # (N, T, K)
    p = e / e.sum(axis=-1, keepdims=True)  # (N, T, K): softmax
    q = np.full(logits.shape, eps / K)  # (N, T, K): eps / K on every token ...
    np.put_along_axis(q, targets[..., None], 1.0 - eps + eps / K, axis=-1)  # ... and 1 - eps more on the right one
    return (p - q) * real[..., None] / real.sum()  # (N, T, K)


def _grad_cases(rng):
    return [Case("N = 3, T = 5, K = 7, eps = 0.1, padding", _token_args(rng, 3, 5, 7, [5, 2, 4], 0.1)),
            Case("eps = 0: the plain cross-entropy", _token_args(rng, 4, 3, 5, [3, 1, 2, 3], 0.0)),
            Case("no padding, one sequence", _token_args(rng, 1, 6, 4, [6], 0.2)),
            Case("logits near 750: a softmax without its max subtracted overflows",
                 _token_args(rng, 2, 4, 6, [1, 4], 0.1, shift=750.0))]


def _grad_numerical(logits, targets, lengths, eps):
    """Central differences of the loss of exercise 10.1."""
    return {"dlogits": numerical_gradient(lambda z: smoothed_loss(z, targets, lengths, eps), logits)}


def _grad_with(logits, targets, lengths, eps, q_right=None, q_other=None, mask=True, count=None):
    """smoothed_loss_grad with q, the mask or the count replaced (a typical mistake)."""
    N, T, K = logits.shape
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))  # (N, T, K)
    p = e / e.sum(axis=-1, keepdims=True)  # (N, T, K)
    q = np.full(logits.shape, eps / K if q_other is None else q_other)  # (N, T, K)
    np.put_along_axis(q, targets[..., None], 1.0 - eps + eps / K if q_right is None else q_right, axis=-1)
    n = real.sum() if count is None else count
    return (p - q) * (real[..., None] if mask else 1.0) / n  # (N, T, K)


def _grad_fancy_q(logits, targets, lengths, eps):
    N, T, K = logits.shape
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))  # (N, T, K)
    q = np.full(logits.shape, eps / K)  # (N, T, K)
    q[..., targets] += 1.0 - eps  # the mistake: every target id of the batch, at every position
    return (e / e.sum(axis=-1, keepdims=True) - q) * real[..., None] / real.sum()


GRADIENT = Exercise(
    id="10.2", title="The gradient of the smoothed loss", solution=smoothed_loss_grad,
    stub=make_stub(smoothed_loss_grad, "p with a stable softmax, q with eps / K everywhere plus 1 - eps at the "
                                       "right token, then (p - q) / n with the padded positions set to 0"),
    cases=_grad_cases, outputs=("dlogits",), axes={"dlogits": ("n", "t", "k")}, gradient=_grad_numerical, seed=102,
    hint="start from q = np.full(logits.shape, eps / K) and add 1 - eps at each target; a mask of shape (N, T, 1) "
         "zeroes the padded rows.",
    mistakes=(
        Mistake("Your dlogits is (p - onehot(y)) / n, the gradient without smoothing: with label smoothing the "
                "target is q = (1 - eps) onehot(y) + eps / K.",
                lambda logits, targets, lengths, eps: _grad_with(logits, targets, lengths, eps, q_right=1.0,
                                                                 q_other=0.0)),
        Mistake("Your q spreads eps / (K - 1) over the K - 1 wrong tokens and gives the right one 1 - eps: here "
                "every token gets eps / K, the right one included (q_y = 1 - eps + eps / K).",
                lambda logits, targets, lengths, eps: _grad_with(logits, targets, lengths, eps, q_right=1.0 - eps,
                                                                 q_other=eps / (logits.shape[-1] - 1))),
        Mistake("Your dlogits is not 0 at the padded positions: padding is not in the loss, so its logits get no "
                "gradient (multiply by the (N, T, 1) mask of the real positions).",
                lambda logits, targets, lengths, eps: _grad_with(logits, targets, lengths, eps, mask=False)),
        Mistake("Your dlogits counts the padded positions as tokens: the gradient of a mean over all N T positions. "
                "The loss averages over the n real tokens only, so the gradient is (p - q) / n there and 0 at "
                "padding.",
                lambda logits, targets, lengths, eps: _grad_with(logits, targets, lengths, eps, mask=False,
                                                                 count=targets.size)),
        Mistake("Your dlogits is the gradient of the sum over the real tokens: the loss is their mean, so divide "
                "by n, the number of real tokens.",
                lambda logits, targets, lengths, eps: _grad_with(logits, targets, lengths, eps, count=1)),
        Mistake("Your q gives the right token 1 - eps instead of 1 - eps + eps / K (it was set, not added to), so q "
                "sums to 1 - eps / K: every token gets eps / K, and the right one 1 - eps on top.",
                lambda logits, targets, lengths, eps: _grad_with(logits, targets, lengths, eps, q_right=1.0 - eps)),
        Mistake("Your dlogits divides each sentence by its own length (and by N): that is the gradient of the mean "
                "of per-sentence means. The loss is the mean over all n real tokens, so every real row is "
                "(p - q) / n.",
                lambda logits, targets, lengths, eps: _grad_with(logits, targets, lengths, eps,
                                                                 count=len(lengths) * lengths[:, None, None])),
        Mistake("Your q gets 1 - eps at every id that is a target anywhere in the batch: q[..., targets] indexes the "
                "last axis with the whole (N, T) array. Add 1 - eps at one entry per position, e.g. with "
                "np.put_along_axis(q, targets[..., None], ..., axis=-1).",
                _grad_fancy_q),
    ))


# --------------------------------------------------------------------------- 10.3 greedy decoding

def greedy_decode(next_logits, bos, eos, max_len):
    """Greedy decoding (section 5): start from <bos>, append the most probable next token, stop at <eos>.

        y_1 = argmax_k s_k([bos]),   y_i = argmax_k s_k([bos, y_1, ..., y_{i-1}]),   s = next_logits

    Inputs:  next_logits: a function of the prefix so far (a 1-d int array that starts with bos) that returns
             the (K,) scores of the next token, like the last row of the decoder's logits;
             bos, eos: the ids of <bos> and <eos>; max_len: the most tokens to generate
    Returns: ids, a 1-d int array of the generated tokens without <bos>: it ends with the first <eos> if one
             was produced, and holds max_len tokens if none was
    """
    prefix = [bos]
    for _ in range(max_len):
        next_id = int(np.argmax(next_logits(np.array(prefix))))  # the most probable next token
        prefix.append(next_id)
        if next_id == eos:
            break
    return np.array(prefix[1:], dtype=np.int64)  # (at most max_len,)


def _toy_decoder(rng, K, eos, eos_at):
    """next_logits of a made-up decoder: every token of the prefix votes for the next one (the last token with
    its own weights), no token follows itself, and <eos> wins when the prefix holds eos_at tokens (never if eos_at
    is None)."""
    A = rng.standard_normal((K, K))  # (K, K): the last token's vote
    B = rng.standard_normal((K, K))  # (K, K): the vote of every token of the prefix, averaged

    def next_logits(prefix):
        prefix = np.asarray(prefix)  # (i,) ids, <bos> first
        scores = A[prefix[-1]] + B[prefix].mean(axis=0)  # (K,)
        scores[prefix[-1]] -= 10.0
        scores[eos] = 5.0 if len(prefix) == eos_at else -5.0
        return scores

    return next_logits


def _decode_cases(rng):
    return [Case("<eos> as token 4, max_len = 8", (_toy_decoder(rng, 8, EOS, 4), BOS, EOS, 8)),
            Case("no <eos> within max_len = 6", (_toy_decoder(rng, 8, EOS, None), BOS, EOS, 6)),
            Case("<eos> first", (_toy_decoder(rng, 6, EOS, 1), BOS, EOS, 5)),
            Case("<eos> as the last allowed token, max_len = 5", (_toy_decoder(rng, 7, EOS, 5), BOS, EOS, 5)),
            Case("other ids: <bos> = 6, <eos> = 0, <eos> as token 3", (_toy_decoder(rng, 9, 0, 3), 6, 0, 7))]


def _decode_with(next_logits, bos, eos, max_len, pick=np.argmax, feed=None, stop=True, steps=None, keep_eos=True):
    """greedy_decode with one piece changed (a typical mistake); feed(prefix) is what next_logits is given."""
    prefix = [bos]
    for _ in range(max_len if steps is None else steps(max_len)):
        next_id = int(pick(next_logits(np.array(prefix if feed is None else feed(prefix)))))
        if next_id == eos and stop:
            if keep_eos:
                prefix.append(next_id)
            break
        prefix.append(next_id)
    return np.array(prefix[1:], dtype=np.int64)


DECODE = Exercise(
    id="10.3", title="Greedy decoding", solution=greedy_decode,
    stub=make_stub(greedy_decode, "keep a list that starts with bos; in a loop of at most max_len steps, score it, "
                                  "append the argmax, and stop after an <eos>"),
    cases=_decode_cases, outputs=("ids",), axes={"ids": ("i",)}, seed=103, exact=True,
    hint="the decoder reads the whole prefix at every step: call next_logits on [bos, y_1, ..., y_{i-1}], not on one "
         "token.",
    mistakes=(
        Mistake("Your ids go on after <eos>: decoding stops at the first <eos> (the translation is complete), and "
                "ids ends with it.",
                lambda f, bos, eos, max_len: _decode_with(f, bos, eos, max_len, stop=False)),
        Mistake("Your ids take the least probable token (argmin): greedy decoding takes the argmax of the scores.",
                lambda f, bos, eos, max_len: _decode_with(f, bos, eos, max_len, pick=np.argmin)),
        Mistake("Your decoder reads only [bos] at every step: the prefix must grow, [bos, y_1, ..., y_{i-1}], so "
                "that each step sees what was already written.",
                lambda f, bos, eos, max_len: _decode_with(f, bos, eos, max_len, feed=lambda p: p[:1])),
        Mistake("Your decoder reads only the last token: a Transformer decoder has no state carried between steps, "
                "it rereads the whole prefix [bos, y_1, ..., y_{i-1}] at every step.",
                lambda f, bos, eos, max_len: _decode_with(f, bos, eos, max_len, feed=lambda p: p[-1:])),
        Mistake("Your ids start with <bos>: return only the generated tokens (drop the first entry of the prefix).",
                lambda f, bos, eos, max_len: np.concatenate([[bos], greedy_decode(f, bos, eos, max_len)])),
        Mistake("Your ids leave out the final <eos>: in this exercise ids ends with the <eos> that stopped the "
                "decoding (decode_german stops reading at it).",
                lambda f, bos, eos, max_len: _decode_with(f, bos, eos, max_len, keep_eos=False)),
        Mistake("Your ids stop one token short of max_len when no <eos> comes: max_len counts the generated tokens, "
                "and <bos> is not one of them.",
                lambda f, bos, eos, max_len: _decode_with(f, bos, eos, max_len, steps=lambda m: m - 1)),
        Mistake("Your ids hold max_len + 1 tokens when no <eos> comes: generate at most max_len.",
                lambda f, bos, eos, max_len: _decode_with(f, bos, eos, max_len, steps=lambda m: m + 1)),
        Mistake("Your decoder's first call gets an empty prefix: the decoder always reads <bos> first, so the "
                "prefix starts as [bos] (and ids leaves it out at the end).",
                lambda f, bos, eos, max_len: _decode_with(f, bos, eos, max_len, feed=lambda p: p[1:])),
    ))

EXERCISES = [LOSS, GRADIENT, DECODE]
