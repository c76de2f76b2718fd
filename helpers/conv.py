"""A tiny convolutional feature extractor: an image tensor mapped to a short "semantic vector".

Forward only, with fixed (not learned) filters: enough to see a CNN's feature-extraction part as
a *mapping* from a (C, S, S) image to a vector whose entries mean something ("how much vertical
structure", "how much horizontal structure"), so that images that differ pixel by pixel can still
land close together.

Notation
--------
images  (N, C, S, S)   N images, C channels, S x S pixels
filters (F, C, k, k)   F filters of size k x k
maps    (N, F, S-k+1, S-k+1)   feature maps ("valid" cross-correlation, as deep-learning libraries do)

Equations
---------
maps[n, f, i, j] = sum_{c, u, v} images[n, c, i+u, j+v] * filters[f, c, u, v]
semantic[n, f]   = mean_{i, j} |maps[n, f, i, j]|        (rectify, then global average pooling)
"""
from __future__ import annotations

import numpy as np

from .shapes import check_array, check_int, check_nonempty

__all__ = ["conv2d", "edge_filters", "semantic_vectors"]


def conv2d(images, filters) -> np.ndarray:
    """Valid 2-D cross-correlation of every image with every filter.

    Inputs:  images (N, C, S, S); filters (F, C, k, k) with k <= S
    Returns: maps (N, F, S-k+1, S-k+1)
    """
    dims = {}
    images = check_array("images", images, ("N", "C", "S", "S"), dims)
    filters = check_array("filters", filters, ("F", "C", "k", "k"), dims)
    for name, a, axis, what in (("images", images, 1, "channel"), ("images", images, 2, "pixel per side"),
                                ("filters", filters, 0, "filter"), ("filters", filters, 2, "tap per side")):
        check_nonempty(name, a, axis, what)
    if dims["k"] > dims["S"]:
        raise ValueError(f"filters: expected a kernel no larger than the image ({dims['S']}), "
                         f"got k = {dims['k']}")
    k = dims["k"]
    patches = np.lib.stride_tricks.sliding_window_view(images, (k, k), axis=(2, 3))  # (N, C, S-k+1, S-k+1, k, k)
    return np.einsum("ncijuv,fcuv->nfij", patches, filters)  # (N, F, S-k+1, S-k+1)


def edge_filters(channels: int = 3) -> np.ndarray:
    """Two hand-made 3x3 filters, the kind a CNN's first layer learns: vertical and horizontal edges.

    Returns: filters (2, C, 3, 3); filter 0 responds to vertical edges, filter 1 to horizontal ones
    """
    channels = check_int("channels", channels)
    sobel = np.array([[1.0, 0.0, -1.0],
                      [2.0, 0.0, -2.0],
                      [1.0, 0.0, -1.0]])  # (3, 3): vertical edges
    pair = np.stack([sobel, sobel.T])  # (2, 3, 3)
    return np.repeat(pair[:, None], channels, axis=1) / channels  # (2, C, 3, 3)


def semantic_vectors(images, filters=None) -> np.ndarray:
    """Map images to semantic vectors: conv -> |response| -> global average pooling.

    Inputs:  images (N, C, S, S); filters (F, C, k, k), default :func:`edge_filters`
    Returns: vectors (N, F)
    """
    images = check_array("images", images, ("N", "C", "S", "S"))
    if filters is None:
        check_nonempty("images", images, 1, "channel")
        filters = edge_filters(images.shape[1])
    maps = conv2d(images, filters)  # (N, F, S', S')
    # an edge is an edge whichever side is bright, so both signs of the response count
    return np.abs(maps).mean(axis=(2, 3))  # (N, F)
