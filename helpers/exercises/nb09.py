"""Exercises of notebook 09 (the Transformer, piece by piece): splitting d_model into heads, the sinusoidal
positional encoding, and the backward pass of layer normalisation.

Shapes (batch first, the paper's row-vector convention): x (N, T, d_model), heads (N, h, T, d_k) with
d_k = d_model / h, PE (length, d_model), layer-norm parameters gamma, beta (d_model,).
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from ..transformer_layers import layer_norm_forward
from .core import Case, Exercise, Mistake, make_stub

__all__ = ["EXERCISES"]


# --------------------------------------------------------------------------- 09.1 splitting into heads

def split_heads(x, h):
    """Split the features of every token into h heads (Vaswani et al. 2017, sec. 3.2.2), heads as a batch axis:

        head i of token t = features i*d_k ... (i+1)*d_k - 1 of x[n, t],      d_k = d_model / h

    Inputs:  x (N, T, d_model), e.g. Q = x_q W_q + b_q for all heads at once; h the number of heads
    Returns: heads (N, h, T, d_k), heads[n, i, t] = x[n, t, i*d_k:(i+1)*d_k]
    """
    N, T, d_model = x.shape
    d_k = d_model // h
    heads = x.reshape(N, T, h, d_k).transpose(0, 2, 1, 3)  # (N, T, h, d_k) -> (N, h, T, d_k): a view of x
    return heads.copy()  # (N, h, T, d_k) in memory of its own, so that changing x later does not change it


def _split_cases(rng):
    def case(label, N, T, d_model, h):
        return Case(label, (rng.standard_normal((N, T, d_model)), h))
    return [case("N = 2, T = 5, d_model = 8, h = 2", 2, 5, 8, 2),
            case("T = h = 3, d_model = 12 (a missing transpose keeps the shape)", 2, 3, 12, 3),
            case("h = 1: one head, the whole d_model", 2, 4, 6, 1),
            case("h = d_model = 4: d_k = 1, one sequence", 1, 5, 4, 4)]


def _shape(x, h):  # N, T, h, d_k
    return x.shape[0], x.shape[1], h, x.shape[2] // h


SPLIT = Exercise(
    id="09.1", title="Splitting into heads", solution=split_heads,
    stub=make_stub(split_heads, "a reshape that cuts the last axis into h groups of d_k, then a transpose that moves "
                                "the head axis in front of the time axis"),
    cases=_split_cases, outputs=("heads",), axes={"heads": ("n", "head", "t", "c")}, seed=91,
    hint="x.reshape(N, T, h, d_k) cuts each token into h groups of d_k; then move the head axis before T.",
    mistakes=(
        Mistake("Your heads come from reshaping x directly to (N, h, T, d_k): the shape is right, the numbers are "
                "scrambled (tokens and heads mixed). Reshape to (N, T, h, d_k) first, then transpose (0, 2, 1, 3).",
                lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1)),
        Mistake("Your heads are interleaved: head i holds the features i, i+h, i+2h, ... (a reshape to "
                "(N, T, d_k, h)). Head i is the *consecutive* block i*d_k ... (i+1)*d_k - 1: head i's columns of W_q.",
                lambda x, h: x.reshape(x.shape[0], x.shape[1], -1, h).transpose(0, 3, 1, 2)),
        Mistake("Your heads are (N, T, h, d_k): the reshape is right, the transpose is missing; the head axis must "
                "come before the time axis, so that each (n, head) pair is one (T, d_k) attention.",
                lambda x, h: x.reshape(_shape(x, h))),
        Mistake("Your heads are (h, N, T, d_k), the heads stacked on a new first axis (np.stack(np.split(...)) "
                "stacks on axis 0): the head axis goes after the sequence axis, (N, h, T, d_k).",
                lambda x, h: np.stack(np.split(x, h, axis=-1))),
        Mistake("Your heads use .T: on a 4-D array .T reverses all four axes, (N, T, h, d_k) -> (d_k, h, T, N); "
                "transpose only the axes T and h, .transpose(0, 2, 1, 3).",
                lambda x, h: x.reshape(_shape(x, h)).T),
    ))


# --------------------------------------------------------------------------- 09.2 positional encoding

def sinusoidal_encoding(length, d_model):
    """The sinusoidal positional encoding (Vaswani et al. 2017, sec. 3.5), sines and cosines interleaved:

        PE[pos, 2i] = sin(pos / 10000^(2i / d_model)),   PE[pos, 2i+1] = cos(pos / 10000^(2i / d_model))

    Inputs:  length: the number of positions pos = 0 ... length-1; d_model (even): the features per token
    Returns: PE (length, d_model)
    """
    pos = np.arange(length)[:, None]  # (length, 1)
    two_i = np.arange(0, d_model, 2)  # (d_model / 2,): the even columns 2i
    angle = pos / 10000.0 ** (two_i / d_model)  # (length, d_model / 2): omega_i pos
    pe = np.zeros((length, d_model))  # (length, d_model)
    pe[:, 0::2] = np.sin(angle)  # the even columns
    pe[:, 1::2] = np.cos(angle)  # the odd columns: the same angle
    return pe


def _pe_cases(rng):
    return [Case("length = 10, d_model = 8", (10, 8)),
            Case("one position (length = 1): PE[0] = (0, 1, 0, 1, ...)", (1, 6)),
            Case("d_model = 2: a single (sin, cos) pair", (7, 2)),
            Case("length = 50, d_model = 16", (50, 16))]


def _pe_from(omega_of, length, d_model, layout="interleaved", first=np.sin, second=np.cos, start=0):
    """An encoding with the frequencies omega_of(column c) (of the sine column, or of every column)."""
    pos = np.arange(start, start + length)[:, None]  # (length, 1)
    if layout == "per column":
        c = np.arange(d_model)
        angle = pos * omega_of(c)  # (length, d_model)
        return np.where(c % 2 == 0, first(angle), second(angle))
    angle = pos * omega_of(np.arange(0, d_model, 2))  # (length, d_model / 2)
    if layout == "concatenated":
        return np.concatenate([first(angle), second(angle)], axis=1)
    pe = np.zeros((length, d_model))
    pe[:, 0::2], pe[:, 1::2] = first(angle), second(angle)
    return pe


def _omega(d_model):  # omega(2i) = 10000^(-2i / d_model)
    return lambda two_i: 10000.0 ** (-two_i / d_model)


ENCODING = Exercise(
    id="09.2", title="Sinusoidal positional encoding", solution=sinusoidal_encoding,
    stub=make_stub(sinusoidal_encoding, "positions as a column (length, 1), the even column indices 2i as a row; "
                                        "fill the even columns with sines and the odd ones with cosines of the same "
                                        "angles"),
    cases=_pe_cases, outputs=("PE",), axes={"PE": ("pos", "c")}, seed=92,
    hint=("the angle of row pos and pair i is pos / 10000**(2i / d_model); pe[:, 0::2] and pe[:, 1::2] take sin "
          "and cos."),
    mistakes=(
        Mistake("Your PE has sin and cos swapped: the sines go in the even columns 2i, the cosines in the odd "
                "columns 2i+1 (PE[0] = (0, 1, 0, 1, ...)).",
                lambda length, d: _pe_from(_omega(d), length, d, first=np.cos, second=np.sin)),
        Mistake("Your frequencies are 10000^(-i / d_model) with i the pair number: the exponent is 2i / d_model, "
                "with 2i the index of the even column, so the slowest pair turns about 10000 times slower than the "
                "fastest.", lambda length, d: _pe_from(lambda two_i: 10000.0 ** (-(two_i // 2) / d), length, d)),
        Mistake("Your cosine column 2i+1 has a frequency of its own, 10000^(-(2i+1) / d_model): the sine and the "
                "cosine of a pair share one angle, pos / 10000^(2i / d_model) (that makes the pair a point on a "
                "circle).", lambda length, d: _pe_from(_omega(d), length, d, layout="per column")),
        Mistake("Your exponent is 2 * (2i) / d_model: np.arange(0, d_model, 2) already counts the even columns 2i, "
                "so the angle is pos / 10000**(two_i / d_model) with two_i from that arange, without another factor 2.",
                lambda length, d: _pe_from(lambda two_i: 10000.0 ** (-2 * two_i / d), length, d)),
        Mistake("Your frequencies are all 1 radian per position: the exponent 2i / d_model was rounded down to 0 "
                "(an integer division //?); it is a fraction between 0 and 1.",
                lambda length, d: _pe_from(lambda two_i: 10000.0 ** -(two_i // d), length, d)),
        Mistake("Your PE is the concatenated layout (all sines, then all cosines): the same numbers in another "
                "order. The paper, and the notebook, interleave them: sin in column 2i, cos in column 2i+1.",
                lambda length, d: _pe_from(_omega(d), length, d, layout="concatenated")),
        Mistake("Your angles are pos * 10000^(2i / d_model): the position is *divided* by 10000^(2i / d_model), so "
                "the frequencies fall from 1 radian per position to 1/10000.",
                lambda length, d: _pe_from(lambda two_i: 10000.0 ** (two_i / d), length, d)),
        Mistake("Your positions start at 1: the first token has pos = 0 (PE[0] = (0, 1, 0, 1, ...)).",
                lambda length, d: _pe_from(_omega(d), length, d, start=1)),
    ))


# --------------------------------------------------------------------------- 09.3 layer normalisation, backward

def layer_norm_backward(dy, x, gamma, eps):
    """The backward pass of layer normalisation (Ba et al. 2016), over the last axis of every token:

        y = gamma * x_hat + beta,   x_hat = (x - mu) / sqrt(sigma^2 + eps),
        mu = mean of the d_model features of the token,   sigma^2 = their (biased) variance

    mu and sigma^2 depend on every feature of the token, so each dx_c collects three paths.
    Inputs:  dy (N, T, d_model) the upstream gradient dL/dy; x (N, T, d_model) the input of the forward pass;
             gamma (d_model,); eps: the forward pass's epsilon
    Returns: dx (N, T, d_model); dgamma (d_model,); dbeta (d_model,)
    """
    mu = x.mean(axis=-1, keepdims=True)  # (N, T, 1)
    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)  # (N, T, 1): 1 / sqrt(sigma^2 + eps)
    x_hat = (x - mu) * inv_std  # (N, T, d_model)
    dgamma = (dy * x_hat).sum(axis=(0, 1))  # (d_model,): gamma is shared by all N T tokens
    dbeta = dy.sum(axis=(0, 1))  # (d_model,)
    g = dy * gamma  # (N, T, d_model): dL/dx_hat
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True)  # (N, T, d_model): direct path, path through mu,
                    - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))  # and path through sigma^2
    return dx, dgamma, dbeta


def _ln_cases(rng):
    def case(label, N, T, d, eps=1e-5, spread=2.0):
        return Case(label, (rng.standard_normal((N, T, d)), 3.0 + spread * rng.standard_normal((N, T, d)),
                            1.0 + 0.5 * rng.standard_normal(d), eps))
    return [case("N = 2, T = 3, d_model = 8", 2, 3, 8), case("one token (N = T = 1), d_model = 5", 1, 1, 5),
            case("eps = 0.1, large enough to matter", 2, 2, 6, 0.1),
            case("narrow tokens (std 0.1), d_model = 16", 3, 1, 16, spread=0.1)]


def _ln_numerical(dy, x, gamma, eps):
    """Central differences of helpers.transformer_layers.layer_norm_forward (beta = 0: it only shifts y)."""
    beta = np.zeros_like(gamma)

    def y(x_=x, gamma_=gamma, beta_=beta):  # (N, T, d_model)
        return layer_norm_forward({"gamma": gamma_, "beta": beta_}, x_, eps)[0]
    return {"dx": numerical_gradient(lambda x_: y(x_=x_), x, dy),
            "dgamma": numerical_gradient(lambda g_: y(gamma_=g_), gamma, dy),
            "dbeta": numerical_gradient(lambda b_: y(beta_=b_), beta, dy)}


def _ln_parts(x, eps):  # x_hat (N, T, d), inv_std (N, T, 1)
    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    return (x - x.mean(axis=-1, keepdims=True)) * inv_std, inv_std


def _ln_with_dx(make_dx):
    """The right dgamma and dbeta with a wrong dx = make_dx(g, x_hat, inv_std, dy)."""
    def wrong(dy, x, gamma, eps):
        _, dgamma, dbeta = layer_norm_backward(dy, x, gamma, eps)
        x_hat, inv_std = _ln_parts(x, eps)
        return make_dx(dy * gamma, x_hat, inv_std, dy), dgamma, dbeta
    return wrong


def _mean(a):
    return a.mean(axis=-1, keepdims=True)


def _dgamma_with_x(dy, x, gamma, eps):
    dx, _, dbeta = layer_norm_backward(dy, x, gamma, eps)
    return dx, (dy * x).sum(axis=(0, 1)), dbeta


def _sums_over_n(dy, x, gamma, eps):
    dx, _, _ = layer_norm_backward(dy, x, gamma, eps)
    x_hat, _ = _ln_parts(x, eps)
    return dx, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


LAYER_NORM = Exercise(
    id="09.3", title="Layer normalisation, backward", solution=layer_norm_backward,
    stub=make_stub(layer_norm_backward, "recompute mu, 1/sqrt(sigma^2 + eps) and x_hat; dgamma and dbeta sum over "
                                        "every token; for dx start from g = dy * gamma = dL/dx_hat and follow x_hat "
                                        "to x directly, through mu, and through sigma^2"),
    cases=_ln_cases, outputs=("dx", "dgamma", "dbeta"),
    axes={"dx": ("n", "t", "c"), "dgamma": ("c",), "dbeta": ("c",)}, gradient=_ln_numerical, seed=93,
    hint=("dgamma = sum over N and T of dy * x_hat; for dx, mu and sigma^2 are functions of every x_c of the token, "
          "too."),
    mistakes=(
        Mistake("Your dx treats mu and sigma^2 as constants (dx = gamma dy / sqrt(sigma^2 + eps)): both depend on "
                "every feature of the token, which adds the terms -mean(g) and -x_hat mean(g x_hat), g = gamma dy.",
                _ln_with_dx(lambda g, x_hat, inv_std, dy: g * inv_std)),
        Mistake("Your dx misses the path through the mean mu: the term -mean(g), with g = gamma dy (it makes the "
                "features of each token's dx sum to 0, since shifting x does not change x_hat).",
                _ln_with_dx(lambda g, x_hat, inv_std, dy: inv_std * (g - x_hat * _mean(g * x_hat)))),
        Mistake("Your dx misses the path through the variance sigma^2: the term -x_hat mean(g x_hat), with "
                "g = gamma dy (scaling a token barely changes its x_hat, so dx has almost no component along x_hat).",
                _ln_with_dx(lambda g, x_hat, inv_std, dy: inv_std * (g - _mean(g)))),
        Mistake("Your dx takes its means over the whole batch: mu, sigma^2 and the means in dx are over the "
                "d_model features of each token (axis=-1, keepdims=True), not over all N T tokens.",
                _ln_with_dx(lambda g, x_hat, inv_std, dy: inv_std * (g - g.mean() - x_hat * (g * x_hat).mean()))),
        Mistake("Your dx leaves out gamma: the gradient reaching x_hat is dL/dx_hat = gamma * dy, not dy.",
                _ln_with_dx(lambda g, x_hat, inv_std, dy: inv_std * (dy - _mean(dy) - x_hat * _mean(dy * x_hat)))),
        Mistake("Your gradients leave out eps: the forward pass divides by sqrt(sigma^2 + eps), not by the standard "
                "deviation sqrt(sigma^2), and the backward pass must use the same x_hat and 1/sqrt(sigma^2 + eps).",
                lambda dy, x, gamma, eps: layer_norm_backward(dy, x, gamma, 0.0)),
        Mistake("Your dgamma multiplies dy by x instead of x_hat: y = gamma * x_hat + beta, so dgamma sums "
                "dy * x_hat over the tokens.", _dgamma_with_x),
        Mistake("Your dgamma and dbeta are summed over the N sequences only: gamma and beta are shared by every "
                "token, so sum over N and T (axis=(0, 1)), leaving shape (d_model,).", _sums_over_n),
    ))

EXERCISES = [SPLIT, ENCODING, LAYER_NORM]
