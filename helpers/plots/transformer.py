"""Notebook 09: attention heads, positional encoding, layer normalisation of one token, post-LN vs pre-LN gradients
through a stack, and the learning-rate schedule.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from ..optim import transformer_lr
from .style import artist_by_gid

__all__ = ["plot_attention_heads", "plot_positional_encoding", "plot_layer_norm_token", "plot_ln_gradient_flow",
           "update_ln_gradient_flow", "plot_lr_schedules"]


def plot_attention_heads(weights, tokens=None, titles=None, suptitle: str | None = None):
    """One heat map per head of a multi-head attention: which key (column) each query (row) attends to.

    Inputs:  weights (h, Tq, Tk), each row summing to 1 (or 0 for a fully masked row); tokens: labels of the
             positions (Tk of them, also used for the queries when Tq == Tk); titles: one per head
    Returns: (fig, axes) with one axes per head
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 3:
        raise ValueError(f"weights: expected shape (h, Tq, Tk), got {weights.shape}")
    n_heads, Tq, Tk = weights.shape
    titles = titles if titles is not None else [f"head {i + 1}" for i in range(n_heads)]
    if len(titles) != n_heads:
        raise ValueError(f"titles: expected {n_heads} titles (one per head), got {len(titles)}")
    fig, axes = plt.subplots(1, n_heads, figsize=(3.2 * n_heads + 0.9, 3.5), squeeze=False)
    axes = axes[0]
    for i, ax in enumerate(axes):
        image = ax.imshow(weights[i], cmap="Blues", vmin=0.0, vmax=1.0)
        ax.set_title(titles[i], fontsize=10)
        ax.set_xlabel("key position")
        ax.grid(False)
        if tokens is not None:
            ax.set_xticks(range(Tk), [str(t) for t in tokens[:Tk]], fontsize=8)
            if Tq == Tk:
                ax.set_yticks(range(Tq), [str(t) for t in tokens[:Tq]], fontsize=8)
    axes[0].set_ylabel("query position")
    fig.colorbar(image, ax=list(axes), shrink=0.85, label="attention weight")
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
                                         gridspec_kw={"width_ratios": [1.15, 1.0], "wspace": 0.3})
    image = ax_img.imshow(pe, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax_img.grid(False)
    ax_img.set_xlabel("dimension (even: sin, odd: cos)")
    ax_img.set_ylabel("position")
    ax_img.set_title(f"PE for {length} positions, d_model = {d_model}")
    fig.colorbar(image, ax=ax_img, label="PE[pos, dim]", pad=0.02)
    k = np.arange(-max_distance, max_distance + 1)  # (2 K + 1,)
    styles = [("o", 8, "none"), ("s", 5, "none"), (".", 4, None)]  # open markers: the curves coincide
    for i, p in enumerate(reference_positions):
        marker, size, face = styles[i % len(styles)]
        ax_sim.plot(k, pe[p + k] @ pe[p], "-", marker=marker, ms=size, mfc=face, lw=1.0, color=f"C{i}",
                    label=f"p = {p}", zorder=2 + i)
    ax_sim.axhline(0, color="grey", lw=0.7)
    ax_sim.set_xlabel("distance k")
    ax_sim.set_ylabel("PE[p] · PE[p + k]")
    ax_sim.set_title("PE[p] · PE[p + k] depends on k only")
    ax_sim.legend(fontsize=8, loc="upper right")
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
    for ax, v, name, colour in ((axes[0], x, "x (one token)", "C0"), (axes[1], y, "LN(x)", "C1")):
        ax.bar(d, v, color=colour, width=0.7)
        mean, std = v.mean(), v.std()
        ax.axhline(mean, color="black", lw=1.2, label=f"mean = {abs(mean) if abs(mean) < 5e-3 else mean:.2f}")
        ax.axhspan(mean - std, mean + std, color="grey", alpha=0.15, label=f"mean ± std (std = {std:.2f})")
        low, high = min(v.min(), 0.0), max(v.max(), 0.0)
        ax.set_ylim(low - 0.1 * (high - low), high + 0.45 * (high - low))  # room for the legend above the bars
        ax.set_title(name)
        ax.set_xlabel("feature")
        ax.legend(fontsize=8, loc="upper right", ncol=2)
    axes[0].set_ylabel("value")
    if gamma is not None or beta is not None:
        axes[1].set_title("LN(x) = γ ⊙ x̂ + β")
    return fig, tuple(axes)


_LN_YLIM = (1e-2, 1e1)


_LN_COLOUR = {"post": "C3", "pre": "C0"}


def plot_ln_gradient_flow(measured, reference=None, max_layers: int = 12):
    """Gradient norms at initialisation in a stack of encoder layers, layer by layer, on a log scale.

    Left: ||dL/dtheta_l||, all parameters of layer l (solid), and ||dL/dW_2|| of its feed-forward (dashed).
    Right: ||dL/dx_l|| on the residual stream after l layers (x_0: the embeddings, the input of layer 1;
    x_n: the stack's output).
    Inputs:  measured: a :class:`helpers.gradflow.StackGradients`; reference: another (e.g. the other placement
             of the LN at the same depth), drawn in grey for comparison; max_layers: the x range (kept fixed)
    Returns: (fig, (ax_params, ax_inputs)); :func:`update_ln_gradient_flow` moves the same artists.
    """
    fig, (ax_p, ax_x) = plt.subplots(1, 2, figsize=(12, 4.0), sharey=True)
    for ax in (ax_p, ax_x):
        ax.set_yscale("log")
        ax.set_ylim(*_LN_YLIM)
        ax.set_xlim(-0.5, max_layers + 0.5)
        ax.set_xticks(range(0, max_layers + 1, 2))
    ax_p.set_xlabel("layer l (1 = next to the input)")
    ax_x.set_xlabel("after l layers (0 = the embeddings, last point = the stack's output)")
    ax_p.set_ylabel("gradient norm (log scale)")
    ax_p.set_title("gradients of each layer's parameters")
    ax_x.set_title("gradient on the residual stream, ‖∂L/∂x_l‖")
    ax_p.plot([], [], "o-", lw=1.8, ms=5, gid="params")
    ax_p.plot([], [], "s--", lw=1.2, ms=4, gid="ffn")
    ax_p.plot([], [], "-", color="0.6", lw=1.2, gid="ref_params")
    ax_p.plot([], [], "--", color="0.6", lw=1.0, gid="ref_ffn")
    ax_x.plot([], [], "o-", lw=1.8, ms=5, gid="inputs")
    ax_x.plot([], [], "-", color="0.6", lw=1.2, gid="ref_inputs")
    # the legend names the line styles in black, so that it stays right when the colour of the norm changes
    def proxy(style, marker, colour, label):
        return Line2D([], [], ls=style, marker=marker, color=colour, label=label)

    ax_p.legend(handles=[proxy("-", "o", "black", "‖∂L/∂θ_l‖, all of layer l"),
                         proxy("--", "s", "black", "‖∂L/∂W_2‖, its feed-forward"),
                         proxy("-", None, "0.6", "the other placement")], fontsize=8, loc="upper right")
    ax_x.legend(handles=[proxy("-", "o", "black", "‖∂L/∂x_l‖"), proxy("-", None, "0.6", "the other placement")],
                fontsize=8, loc="upper right")
    ax_x.text(0.02, 0.04, "red = post-LN, blue = pre-LN; grey = the other placement", transform=ax_x.transAxes,
              fontsize=8)
    fig.suptitle("", fontsize=11)
    update_ln_gradient_flow(fig, (ax_p, ax_x), measured, reference)
    return fig, (ax_p, ax_x)


def _ln_flow_title(m):
    ratio = m.param_norms[-1] / m.param_norms[0]
    name = "post-LN (the paper)" if m.norm == "post" else "pre-LN"
    layers = f"{len(m.layers)} layer" + ("s" if len(m.layers) > 1 else "")
    return (f"{name}, {layers} at initialisation: last layer's ‖∂L/∂θ‖ / first layer's = {ratio:.2f}, "
            f"loss {m.loss:.2f}")


def update_ln_gradient_flow(fig, axes, measured, reference=None) -> None:
    """Move the artists of :func:`plot_ln_gradient_flow` to new measurements (nothing is rebuilt)."""
    ax_p, ax_x = axes
    colour = _LN_COLOUR[measured.norm]
    n = len(measured.layers)
    for ax, gid, x, values in ((ax_p, "params", measured.layers, measured.param_norms),
                               (ax_p, "ffn", measured.layers, measured.ffn_norms),
                               (ax_x, "inputs", np.arange(n + 1), measured.input_norms)):
        line = artist_by_gid(ax, gid)
        line.set_data(x, np.clip(values, *_LN_YLIM))
        line.set_color(colour)
    for ax, gid, attr, offset in ((ax_p, "ref_params", "param_norms", 1), (ax_p, "ref_ffn", "ffn_norms", 1),
                                  (ax_x, "ref_inputs", "input_norms", 0)):
        line = artist_by_gid(ax, gid)
        if reference is None:
            line.set_data([], [])
        else:
            values = getattr(reference, attr)
            line.set_data(np.arange(len(values)) + offset, np.clip(values, *_LN_YLIM))
    # the grey lines' legend entries name what they show (the last entry of each legend)
    grey = "no comparison" if reference is None else f"{reference.norm}-LN, same weights"
    for ax in (ax_p, ax_x):
        ax.get_legend().get_texts()[-1].set_text(grey)
    fig.suptitle(_ln_flow_title(measured), fontsize=11)


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
        # the peak's value goes into the legend: a label next to the marker would sit on other curves
        ax.plot(s, lr, color=f"C{i}", lw=1.6,
                label=f"d_model = {d_model}, warmup = {warmup}: peak {peak:.2e} at step {warmup}")
        ax.plot([warmup], [peak], "o", color=f"C{i}", ms=7, mec="black")
        top = max(top, peak)
    ax.set_xlabel("training step")
    ax.set_ylabel("learning rate")
    ax.set_xlim(0, steps)
    ax.set_ylim(0, 1.25 * top)
    ax.set_title("lrate = d_model^−0.5 · min(step^−0.5, step · warmup^−1.5)")
    ax.legend(fontsize=8, loc="upper right")
    return fig, ax
