"""Why scaled dot-product attention divides by sqrt(d_k): the measurements behind notebook 08.

Setting
-------
A query q and n_keys keys k_1 ... k_n with independent components of mean 0 and variance 1 (what
a well-initialised layer produces). The score of key j is the dot product

    s_j = q . k_j = sum_{m=1}^{d_k} q_m k_jm

a sum of d_k independent products, each of mean 0 and variance E[q_m^2] E[k_jm^2] = 1. So

    E[s_j] = 0,     Var[s_j] = d_k,     std[s_j] = sqrt(d_k)

and s_j / sqrt(d_k) has variance 1 whatever d_k: that is the scaling of Vaswani et al. (2017), sec. 3.2.1.

What unscaled scores do to the softmax
--------------------------------------
With p = softmax(s), the softmax's Jacobian is J = dp/ds = diag(p) - p p^T, and

    ||J||_F^2 = sum_i p_i^2 - 2 sum_i p_i^3 + (sum_i p_i^2)^2

When the spread of the scores grows, p approaches a one-hot vector (the largest score takes all the
weight) and J approaches 0: almost no gradient flows back through the attention weights, and the
queries and keys stop learning. The paper names exactly this ("extremely small gradients").

:class:`ScoreScalingProbe` draws its random numbers once, so that changing d_k changes nothing else:
the scores for d_k use the first d_k components of the same draws.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .numerics import softmax
from .seeding import check_rng
from .shapes import check_array, check_finite, check_int, check_nonempty

__all__ = ["ScoreScalingProbe", "ScoreStatistics", "ScoreRow", "softmax_jacobian_norm"]


def softmax_jacobian_norm(p) -> np.ndarray:
    """||diag(p) - p p^T||_F for each row p of weights (..., n) -> (...), without forming the matrix.

    Every row must be a distribution (entries >= 0 summing to 1, as a softmax gives): the formula is the softmax's
    Jacobian only there, and scores passed by mistake would give a number that means nothing.
    """
    p = check_finite("p", check_array("p", p))
    if p.ndim < 1:
        raise ValueError(f"p: expected weights of shape (..., n), got shape {p.shape}")
    check_nonempty("p", p, -1, "weight per row (n >= 1)")
    sums = p.sum(axis=-1)
    if np.any(p < 0) or not np.allclose(sums, 1.0, rtol=0.0, atol=1e-4):
        raise ValueError(f"p: expected rows of softmax weights (entries >= 0 summing to 1), got entries from "
                         f"{p.min():.3g} to {p.max():.3g} and row sums from {sums.min():.3g} to {sums.max():.3g}")
    p = p.astype(np.float64, copy=False)
    s2 = np.sum(p ** 2, axis=-1)
    return np.sqrt(np.maximum(s2 - 2.0 * np.sum(p ** 3, axis=-1) + s2 ** 2, 0.0))


class ScoreStatistics(NamedTuple):
    """Averages over many random (query, keys) draws, for each d_k of the grid (all arrays (G,))."""

    d_k: np.ndarray
    var_unscaled: np.ndarray       # Var[q . k]: about d_k
    var_scaled: np.ndarray         # Var[q . k / sqrt(d_k)]: about 1
    max_weight_unscaled: np.ndarray  # mean of the largest softmax weight of a row
    max_weight_scaled: np.ndarray
    jacobian_unscaled: np.ndarray  # mean ||J||_F: how much gradient the softmax lets through
    jacobian_scaled: np.ndarray


class ScoreRow(NamedTuple):
    """One query against n_keys keys at one d_k (the same draws for every d_k)."""

    d_k: int
    scores: np.ndarray             # (n_keys,): q . k_j, unscaled
    weights_unscaled: np.ndarray   # (n_keys,): softmax(q . k_j)
    weights_scaled: np.ndarray     # (n_keys,): softmax(q . k_j / sqrt(d_k))


class ScoreScalingProbe:
    """Random queries and keys with unit-variance components, drawn once.

    Inputs:  rng; n_keys (keys per query); max_d_k (the largest d_k, a power of 2); samples (queries
             averaged over in :meth:`statistics`)
    Attributes: q (samples, max_d_k), k (samples, n_keys, max_d_k): the draws; grid (the powers of 2 up to
                max_d_k); statistics (a ScoreStatistics over the grid)
    """

    def __init__(self, rng: np.random.Generator, n_keys: int = 8, max_d_k: int = 1024, samples: int = 400):
        rng = check_rng(rng)
        self.n_keys = check_int("n_keys", n_keys)
        self.max_d_k = check_int("max_d_k", max_d_k)
        if self.max_d_k & (self.max_d_k - 1):
            raise ValueError(f"max_d_k: expected a power of 2, got {max_d_k}")
        if self.n_keys < 2:
            raise ValueError(f"n_keys: expected at least 2 keys to share the weight, got {n_keys}")
        samples = check_int("samples", samples)
        self.q = rng.standard_normal((samples, self.max_d_k))  # (S, max_d_k): row 0 is the example of row()
        self.k = rng.standard_normal((samples, self.n_keys, self.max_d_k))  # (S, n_keys, max_d_k)
        # scores for every d_k at once: the running sum over components of q_m k_jm
        self._cumulative = np.cumsum(self.k * self.q[:, None, :], axis=-1)  # (S, n_keys, max_d_k)
        self.grid = 2 ** np.arange(int(np.log2(self.max_d_k)) + 1)  # (G,): 1, 2, 4, ..., max_d_k
        self.statistics = self._statistics()

    def scores(self, d_k: int) -> np.ndarray:
        """(samples, n_keys) unscaled scores q . k_j using the first d_k components."""
        d_k = check_int("d_k", d_k)
        if d_k > self.max_d_k:
            raise ValueError(f"d_k: expected at most max_d_k = {self.max_d_k}, got {d_k}")
        return self._cumulative[:, :, d_k - 1]

    def _statistics(self) -> ScoreStatistics:
        columns = {name: [] for name in ScoreStatistics._fields if name != "d_k"}
        for d_k in self.grid:
            s = self.scores(int(d_k))  # (S, n_keys)
            for tag, scaled in (("unscaled", s), ("scaled", s / np.sqrt(d_k))):
                p = softmax(scaled, axis=-1)  # (S, n_keys)
                columns[f"var_{tag}"].append(scaled.var())
                columns[f"max_weight_{tag}"].append(p.max(axis=-1).mean())
                columns[f"jacobian_{tag}"].append(softmax_jacobian_norm(p).mean())
        return ScoreStatistics(self.grid.astype(float), *(np.array(columns[f]) for f in ScoreStatistics._fields[1:]))

    def row(self, d_k: int) -> ScoreRow:
        """The first query against its keys at this d_k, unscaled and scaled."""
        s = self.scores(d_k)[0]  # (n_keys,)
        d_k = int(d_k)
        return ScoreRow(d_k, s.copy(), softmax(s), softmax(s / np.sqrt(d_k)))
