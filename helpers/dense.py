"""A densely connected layer ("DCL"): the simplest neural network mapping, with its backward pass.

Notation (Goodfellow et al., column-vector convention; a batch stores one example per row)
--------
x   (N, D)  inputs: N examples with D features
W   (H, D)  weights, b (H,) bias
a   (N, H)  pre-activation, y (N, H) output, g the activation

Equations
---------
a = x W^T + b          (for one example: a = W x + b)
y = g(a)
dL/da = dL/dy * g'(a)
dL/dW = (dL/da)^T x,   dL/db = sum_n dL/da,   dL/dx = (dL/da) W
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .numerics import sigmoid, sigmoid_derivative, tanh_derivative
from .seeding import check_rng
from .shapes import check_array, check_choice, check_float_dtype, check_instance, check_int, check_params

__all__ = ["ACTIVATIONS", "init_params", "forward", "backward", "DenseCache"]

ACTIVATIONS = ("identity", "tanh", "sigmoid", "relu")


def _activate(a, activation):
    if activation == "identity":
        return a
    if activation == "tanh":
        return np.tanh(a)
    if activation == "sigmoid":
        return sigmoid(a)
    return np.maximum(a, 0)  # relu


def _derivative(a, activation):
    if activation == "identity":
        return np.ones_like(a)
    if activation == "tanh":
        return tanh_derivative(a)
    if activation == "sigmoid":
        return sigmoid_derivative(a)
    return (a > 0).astype(a.dtype)  # relu


def _check_activation(activation):
    check_choice("activation", activation, ACTIVATIONS)


class DenseCache(NamedTuple):
    """What backward needs: the input, the pre-activation, the weights and the activation name."""

    x: np.ndarray  # (N, D)
    a: np.ndarray  # (N, H)
    W: np.ndarray  # (H, D)
    activation: str


def init_params(input_size: int, output_size: int, rng: np.random.Generator,
                dtype=np.float64) -> dict:
    """Weights drawn from N(0, 1/D) (so a has roughly unit variance), bias zero.

    Returns: {"W": (H, D), "b": (H,)} with H = output_size, D = input_size
    """
    check_rng(rng)
    check_int("input_size", input_size)
    check_int("output_size", output_size)
    dtype = check_float_dtype(dtype)
    W = rng.standard_normal((output_size, input_size)) / np.sqrt(input_size)  # (H, D)
    return {"W": W.astype(dtype), "b": np.zeros(output_size, dtype=dtype)}  # b: (H,)


def forward(params: dict, x, activation: str = "tanh"):
    """y = g(x W^T + b).

    Inputs:  params {"W": (H, D), "b": (H,)}; x: (N, D); activation: one of ACTIVATIONS
    Returns: y: (N, H); cache: DenseCache
    """
    _check_activation(activation)
    dims = check_params(params, {"W": ("H", "D"), "b": ("H",)})
    x = check_array("x", x, ("N", "D"), dims)
    a = x @ params["W"].T + params["b"]  # (N, H)
    return _activate(a, activation), DenseCache(x=x, a=a, W=params["W"], activation=activation)


def backward(dy, cache: DenseCache):
    """Backward of :func:`forward`.

    Inputs:  dy: (N, H) upstream gradient dL/dy; cache from forward
    Returns: dx: (N, D); grads {"W": (H, D), "b": (H,)}
    """
    check_instance("cache", cache, DenseCache, "the DenseCache returned by dense.forward")
    dy = check_array("dy", dy, cache.a.shape)
    da = dy * _derivative(cache.a, cache.activation)  # (N, H)
    grads = {"W": da.T @ cache.x, "b": da.sum(axis=0)}  # (H, D), (H,)
    return da @ cache.W, grads  # dx: (N, D)
