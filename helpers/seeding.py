"""Explicit randomness: every function that draws takes an ``np.random.Generator``.

Nothing in the course calls the global ``np.random.seed``. A notebook makes one generator from a
seed in its first code cell and passes it on, so every run draws the same numbers in the same order.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["make_rng", "check_rng"]


def make_rng(seed: int) -> np.random.Generator:
    """A NumPy ``Generator`` (PCG64) seeded with ``seed``.

    Inputs:  seed: a non-negative int. ``None`` is refused on purpose: an unseeded generator
             would make the notebooks draw different numbers on every run.
    Returns: np.random.Generator
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed!r}; "
                         "the course seeds every generator so that runs repeat exactly")
    return np.random.default_rng(int(seed))


def check_rng(rng, name: str = "rng") -> np.random.Generator:
    """Return ``rng`` if it is a ``np.random.Generator``; otherwise raise a helpful ValueError."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"{name}: expected an np.random.Generator (make one with "
                         f"helpers.seeding.make_rng(seed)), got {type(rng).__name__}")
    return rng
