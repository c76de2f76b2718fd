"""Notebook 09: attention heads, positional encoding, layer normalisation of one token, post-LN vs pre-LN gradients
through a stack, and the learning-rate schedule.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..optim import transformer_lr
from .style import COLORS, CYCLE_COLOURS, CYCLE_STYLES, PALETTE, artist_by_gid

__all__ = ["plot_attention_heads", "plot_positional_encoding", "plot_layer_norm_token", "plot_ln_gradient_flow",
           "update_ln_gradient_flow", "plot_lr_schedules"]


def plot_attention_heads(weights, tokens=None, titles=None, suptitle: str | None = None):
    """One heat map per head of a multi-head attention: which key (column) each query (row) attends to.

    Inputs:  weights (h, Tq, Tk), each row summing to 1 (or 0 for a fully masked row); tokens: labels of the
             positions (Tk of them, also used for the queries when Tq == Tk); titles: one per head (default
             "head 1" ... "head h": heads are numbered from 1, as in the paper)
    Returns: (fig, axes) with one axes per head, each with its colour bar (weights from 0 to 1, viridis)
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 3:
        raise ValueError(f"weights: expected shape (h, Tq, Tk), got {weights.shape}")
    n_heads, Tq, Tk = weights.shape
    titles = titles if titles is not None else [f"head {i + 1}" for i in range(n_heads)]
    if len(titles) != n_heads:
        raise ValueError(f"titles: expected {n_heads} titles (one per head), got {len(titles)}")
    fig, axes = plt.subplots(1, n_heads, figsize=(min(3.8 * n_heads, 12.0), 3.7), squeeze=False)
    axes = axes[0]
    for i, ax in enumerate(axes):
        image = ax.imshow(weights[i], cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(titles[i], fontsize=10)
        ax.set_xlabel("key position")
        ax.grid(False)
        if tokens is not None:
            ax.set_xticks(range(Tk), [str(t) for t in tokens[:Tk]], fontsize=9)
            if Tq == Tk:
                ax.set_yticks(range(Tq), [str(t) for t in tokens[:Tq]], fontsize=9)
        bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03, ticks=[0, 0.5, 1])
        bar.ax.tick_params(labelsize=9)
        if i == n_heads - 1:
            bar.set_label("attention weight")
    axes[0].set_ylabel("query position")
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig, tuple(axes)


def plot_positional_encoding(pe, reference_positions=(10, 40, 70), max_distance: int = 30):
    """Left: the sinusoidal positional encoding as an image, positions down, dimensions across.
    Right: the dot product PE[p] . PE[p + k] against the distance k, for several positions p: the curves lie
    on top of each other, because the dot product depends on k only (sum_i cos(omega_i k)).

    Inputs:  pe (length, d_model) from :func:`helpers.attention.positional_encoding`
    Returns: (fig, (ax_image, ax_similarity))
    """
    pe = np.asarray(pe, dtype=float)
    length, d_model = pe.shape
    for p in reference_positions:
        if not (max_distance <= p < length - max_distance):
            raise ValueError(f"reference_positions: expected positions in [{max_distance}, "
                             f"{length - max_distance}) (max_distance from both ends), got {p}")
    fig, (ax_img, ax_sim) = plt.subplots(1, 2, figsize=(12, 4.0),
                                         gridspec_kw={"width_ratios": [1.15, 1.0], "wspace": 0.08})
    image = ax_img.imshow(pe, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax_img.grid(False)
    ax_img.set_xlabel("dimension (even: sin, odd: cos)")
    ax_img.set_ylabel("position")
    ax_img.set_title(f"PE for {length} positions, $d_\\mathrm{{model}}$ = {d_model}")
    fig.colorbar(image, ax=ax_img, label="PE[pos, dim]", pad=0.02)
    k = np.arange(-max_distance, max_distance + 1)  # (2 K + 1,)
    styles = [("o", 8, "none"), ("s", 5, "none"), (".", 4, None)]  # open markers: the curves coincide
    for i, p in enumerate(reference_positions):
        marker, size, face = styles[i % len(styles)]
        ax_sim.plot(k, pe[p + k] @ pe[p], "-", marker=marker, ms=size, mfc=face, lw=1.0, color=CYCLE_COLOURS[i % len(CYCLE_COLOURS)],
                    label=f"p = {p}", zorder=2 + i)
    ax_sim.axhline(0, color="grey", lw=0.7)
    ax_sim.set_xlim(-max_distance - 1, max_distance + 1)
    ax_sim.set_xlabel("distance k")
    ax_sim.set_ylabel("PE[p] · PE[p + k]")
    ax_sim.set_title("PE[p] · PE[p + k] depends on k only")
    ax_sim.legend(fontsize=9, loc="upper right")
    return fig, (ax_img, ax_sim)


def plot_layer_norm_token(x, y, gamma=None, beta=None):
    """One token vector before and after layer normalisation, entry by entry, with mean and std marked.

    Inputs: x (d,) the token; y (d,) LN(x); gamma, beta (d,) if they are not 1 and 0
    Returns: (fig, (ax_x, ax_y))
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(f"y: expected the shape of x {x.shape} (one token vector), got {y.shape}")
    d = np.arange(len(x))
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharex=True)
    for ax, v, name, colour in ((axes[0], x, "x (one token)", COLORS["input"]),
                                (axes[1], y, "LN(x)", COLORS["output"])):
        ax.bar(d, v, color=colour, width=0.7)
        mean, std = v.mean(), v.std()
        ax.axhline(mean, color="black", lw=1.2, label=f"mean = {abs(mean) if abs(mean) < 5e-3 else mean:.2f}")
        ax.axhspan(mean - std, mean + std, color="grey", alpha=0.15, label=f"mean ± std (std = {std:.2f})")
        low, high = min(v.min(), 0.0), max(v.max(), 0.0)
        ax.set_ylim(low - 0.1 * (high - low), high + 0.45 * (high - low))  # room for the legend above the bars
        ax.set_xlim(-0.6, len(x) - 0.4)
        ax.set_title(name)
        ax.set_xlabel("feature")
        ax.legend(fontsize=9, loc="upper right", ncol=2)
    axes[0].set_ylabel("value")
    if gamma is not None or beta is not None:
        axes[1].set_title(r"LN(x) = $\gamma \odot \hat{x} + \beta$")
    return fig, tuple(axes)


_LN_YLIM = (1e-2, 1e1)
# post-LN and pre-LN keep their look everywhere: colour, line style and marker (filled: all of a layer's
# parameters or the residual stream; open and thinner: the feed-forward's W_2)
_LN_LOOK = {"post": {"color": PALETTE["vermillion"], "ls": "-", "marker": "o", "ffn_ls": ":"},
           "pre": {"color": PALETTE["blue"], "ls": "--", "marker": "s", "ffn_ls": "-."}}
_LN_NAME = {"post": "post-LN", "pre": "pre-LN"}


def _ln_lines(ax, gid, norm, label, ffn=False):
    look = _LN_LOOK[norm]
    ax.plot([], [], ls=look["ffn_ls"] if ffn else look["ls"], marker=look["marker"], color=look["color"],
            lw=1.2 if ffn else 1.9, ms=5 if ffn else 6, mfc="white" if ffn else look["color"], gid=gid,
            label=label, zorder=3 if ffn else 4)


def plot_ln_gradient_flow(post, pre, max_layers: int | None = None):
    """Gradient norms at initialisation in a stack of encoder layers, post-LN and pre-LN with the same weights,
    layer by layer, on a log scale (post-LN vermillion, solid, circles; pre-LN blue, dashed, squares).

    Left: ||dL/dtheta_l||, all parameters of layer l (filled markers), and ||dL/dW_2|| of its feed-forward (open
    markers, thinner). Right: ||dL/dx_l|| on the residual stream after l layers (x_0: the embeddings, the input of
    layer 1; x_L: the stack's output). Layers are numbered from 1 (next to the input).
    Inputs:  post, pre: :class:`helpers.gradflow.StackGradients` of the same stack, one post-LN, one pre-LN;
             max_layers: the x range (None: the depth measured; the explorer keeps it fixed at its largest depth
             and shades the layers beyond the stack)
    Returns: (fig, (ax_params, ax_inputs)); :func:`update_ln_gradient_flow` moves the same artists.
    """
    _check_pair(post, pre)
    n = len(post.layers)
    max_layers = n if max_layers is None else max_layers
    if max_layers < n:
        raise ValueError(f"max_layers: expected at least the depth measured ({n}), got {max_layers}")
    fig, (ax_p, ax_x) = plt.subplots(1, 2, figsize=(12, 4.6), sharey=True, layout="constrained")
    step = 1 if max_layers <= 12 else 2
    for ax, first in ((ax_p, 1), (ax_x, 0)):
        ax.set_yscale("log")
        ax.set_ylim(*_LN_YLIM)
        ax.set_xlim(first - 0.5, max_layers + 0.5)
        ax.set_xticks(range(first, max_layers + 1, step))
        # the layers beyond the stack (only in the explorer, whose x range is fixed): shaded and named
        ax.axvspan(max_layers + 0.5, max_layers + 0.5, color=PALETTE["light_grey"], lw=0, gid="beyond", zorder=1)
        ax.text(max_layers, 0.5, "", transform=ax.get_xaxis_transform(), rotation=90, ha="center", va="center",
                fontsize=9, color="0.35", gid="beyond_text")
    ax_p.set_xlabel("layer l (1 = next to the input)")
    ax_x.set_xlabel("after l layers (0 = the embeddings, last = the stack's output)")
    ax_p.set_ylabel("gradient norm (log scale)")
    ax_p.set_title(r"each layer's parameters, $\|\partial L/\partial \theta_l\|$ and $\|\partial L/\partial W_2\|$")
    ax_x.set_title(r"the residual stream, $\|\partial L/\partial x_l\|$")
    for norm in ("post", "pre"):
        name = _LN_NAME[norm]
        _ln_lines(ax_p, f"{norm}_params", norm, name + r": $\|\partial L/\partial \theta_l\|$")
        _ln_lines(ax_p, f"{norm}_ffn", norm, name + r": $\|\partial L/\partial W_2\|$", ffn=True)
        _ln_lines(ax_x, f"{norm}_inputs", norm, name + r": $\|\partial L/\partial x_l\|$")
    # one legend for both panels, below them: the explorer's shading of the layers beyond the stack never hides it
    labels = {"params": r": $\|\partial L/\partial \theta_l\|$, all of layer l's parameters (left); "
                        r"$\|\partial L/\partial x_l\|$ (right)",
              "ffn": r": $\|\partial L/\partial W_2\|$, layer l's feed-forward (left)"}
    keys = [(norm, what) for norm in ("post", "pre") for what in ("params", "ffn")]
    fig.legend([artist_by_gid(ax_p, f"{norm}_{what}") for norm, what in keys],
               [_LN_NAME[norm] + labels[what] for norm, what in keys], loc="outside lower center", ncol=2, fontsize=9)
    fig.suptitle("", fontsize=11)
    update_ln_gradient_flow(fig, (ax_p, ax_x), post, pre)
    return fig, (ax_p, ax_x)


def _check_pair(post, pre):
    if getattr(post, "norm", None) != "post" or getattr(pre, "norm", None) != "pre":
        raise ValueError(f"post, pre: expected a post-LN and a pre-LN measurement (StackGradients), got norms "
                         f"{getattr(post, 'norm', None)!r} and {getattr(pre, 'norm', None)!r}")
    if len(post.layers) != len(pre.layers):
        raise ValueError(f"pre: expected the depth of post ({len(post.layers)} layers), got {len(pre.layers)}")


def _ln_flow_title(post, pre):
    n = len(post.layers)
    ratios = [m.param_norms[-1] / m.param_norms[0] for m in (post, pre)]
    return (f"{n} encoder layer{'s' if n > 1 else ''} at initialisation, the same weights: last layer's "
            f"‖∂L/∂θ‖ / first layer's = {ratios[0]:.2f} post-LN, {ratios[1]:.2f} pre-LN")


def update_ln_gradient_flow(fig, axes, post, pre) -> None:
    """Move the artists of :func:`plot_ln_gradient_flow` to new measurements (nothing is rebuilt)."""
    _check_pair(post, pre)
    ax_p, ax_x = axes
    n = len(post.layers)
    for m in (post, pre):
        for ax, gid, x, values in ((ax_p, "params", m.layers, m.param_norms), (ax_p, "ffn", m.layers, m.ffn_norms),
                                   (ax_x, "inputs", np.arange(n + 1), m.input_norms)):
            artist_by_gid(ax, f"{m.norm}_{gid}").set_data(x, np.clip(values, *_LN_YLIM))
    for ax in (ax_p, ax_x):
        span, label = artist_by_gid(ax, "beyond"), artist_by_gid(ax, "beyond_text")
        right = ax.get_xlim()[1]
        span.set_x(n + 0.5)
        span.set_width(max(right - n - 0.5, 0.0))
        label.set_x((n + 0.5 + right) / 2)
        label.set_text(f"beyond layer {n}")
        label.set_visible(right - n - 0.5 >= 0.9)
    fig.suptitle(_ln_flow_title(post, pre), fontsize=11)


def plot_lr_schedules(settings, steps: int = 20000):
    """The Transformer's learning rate d_model^-0.5 * min(step^-0.5, step * warmup^-1.5) against the step, for
    several (d_model, warmup) settings, each peak (at step = warmup, value (d_model * warmup)^-0.5) marked.

    Inputs:  settings: a list of (d_model, warmup) pairs; steps: the last step drawn
    Returns: (fig, ax)
    """
    fig, ax = plt.subplots(figsize=(9, 4.0))
    s = np.arange(1, steps + 1)  # (steps,)
    top = 0.0
    for i, (d_model, warmup) in enumerate(settings):
        lr = transformer_lr(s, d_model, warmup)  # (steps,)
        peak = transformer_lr(warmup, d_model, warmup)
        mantissa, exponent = f"{peak:.2e}".split("e")
        # the peak's value goes into the legend: a label next to the marker would sit on other curves
        colour = CYCLE_COLOURS[i % len(CYCLE_COLOURS)]
        ax.plot(s, lr, color=colour, ls=CYCLE_STYLES[i % len(CYCLE_STYLES)], lw=1.8,
                label=rf"$d_\mathrm{{model}}$ = {d_model}, warmup = {warmup}: peak ${mantissa} \times "
                      rf"10^{{{int(exponent)}}}$ at step {warmup}")
        ax.plot([warmup], [peak], "o", color=colour, ms=7, mec="black")
        top = max(top, peak)
    ax.set_xlabel("training step")
    ax.set_ylabel("learning rate")
    ax.set_xlim(0, steps)
    ax.set_ylim(0, 1.3 * top)
    ax.set_title(r"$\mathrm{lrate} = d_\mathrm{model}^{-0.5} \cdot \min(\mathrm{step}^{-0.5},\ "
                 r"\mathrm{step} \cdot \mathrm{warmup}^{-1.5})$")
    ax.legend(fontsize=9, loc="upper right")
    return fig, ax
