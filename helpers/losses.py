"""Loss functions, each returning the loss and its gradient with respect to the prediction.

Notation
--------
o       (..., K)  unnormalised scores (logits), K classes
y       (...)     integer class targets in [0, K)
pred    (...)     real-valued predictions; target of the same shape

Equations
---------
softmax cross-entropy  L = -(1/N) sum_{positions} log softmax(o)_y,    dL/do = (softmax(o) - onehot(y)) / N
mean squared error     L = (1/M) sum (pred - target)^2,               dL/dpred = 2 (pred - target) / M

``N`` (cross-entropy) is the number of sequences: the loss is summed over time steps, as in Goodfellow
et al. eq. 10.12-10.14, and averaged over the batch, so that dL/do_t = yhat_t - onehot(y_t) per sequence
(their eq. 10.18, divided by the batch size). Pass ``batch_axis=None`` to average over every position.

Non-finite values: a nan or inf *prediction* (a diverged model) gives a nan or inf loss, which is the honest
answer; a nan or inf *target* is refused with a ValueError, since it would make every loss nan silently.
"""
from __future__ import annotations

import numpy as np

from .numerics import log_softmax
from .shapes import check_array, check_finite, check_ids, check_nonempty

__all__ = ["softmax_cross_entropy", "mean_squared_error"]


def softmax_cross_entropy(o, y, batch_axis: int | None = -1):
    """Cross-entropy of softmax(o) against integer targets y, and its gradient.

    Inputs:  o (..., K) logits, e.g. (T, N, K); y (...) ints, e.g. (T, N);
             batch_axis: the axis of y that indexes sequences (its length divides the summed loss);
             None averages over all positions instead
    Returns: loss (float); do (..., K) = dL/do
    """
    o = check_array("o", o)
    if o.ndim < 1:
        raise ValueError(f"o: expected logits of shape (..., K) with at least the class axis, got shape {o.shape}")
    check_nonempty("o", o, -1, "class (K >= 1)")
    K = o.shape[-1]
    y = check_ids("y", y, K, o.shape[:-1], what="class indices")  # shape: o's without its class axis
    check_nonempty("y", y, what="target (a loss over no targets is undefined)")
    if batch_axis is not None and (isinstance(batch_axis, bool) or not isinstance(batch_axis, (int, np.integer))
                                   or (y.ndim and not -y.ndim <= batch_axis < y.ndim)):
        raise ValueError(f"batch_axis: expected None or an axis of y (shape {y.shape}), got {batch_axis!r}")
    denom = y.size if batch_axis is None else (y.shape[batch_axis] if y.ndim else 1)
    logp = log_softmax(o)  # (..., K)
    picked = np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]  # (...)
    loss = -picked.sum() / denom
    do = np.exp(logp)  # (..., K): softmax(o)
    np.put_along_axis(do, y[..., None], np.take_along_axis(do, y[..., None], axis=-1) - 1.0, axis=-1)
    return float(loss), do / denom


def mean_squared_error(pred, target):
    """Mean of (pred - target)^2 over all entries, and its gradient.

    Inputs:  pred, target: arrays of the same shape
    Returns: loss (float); dpred (same shape)
    """
    pred = check_nonempty("pred", check_array("pred", pred), what="prediction (a mean over nothing is undefined)")
    target = check_finite("target", check_array("target", target, pred.shape))
    diff = pred - target
    return float(np.mean(diff ** 2)), 2.0 * diff / diff.size
