"""Notebooks 00-01: a neuron's sigmoid (the slider demo), a dense layer as a mapping, semantic vectors, time series
and their windows.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..numerics import sigmoid, sigmoid_derivative
from .style import COLORS, fig_ax

__all__ = ["plot_sigmoid", "update_sigmoid_plot", "draw_dense_layer", "plot_semantic_vectors", "plot_series",
           "plot_window"]


def _sigmoid_curves(w: float, b: float, x):
    a = w * x + b  # pre-activation
    return sigmoid(a), w * sigmoid_derivative(a)


def plot_sigmoid(w: float = 1.0, b: float = 0.0, x_range=(-6.0, 6.0)):
    """sigma(w x + b) and its slope d/dx sigma(w x + b) = w sigma'(w x + b), for one (w, b).

    The static twin of :class:`helpers.widgets.SigmoidExplorer`.
    Returns: (fig, ax)
    """
    x = np.linspace(*x_range, 400)  # (400,)
    fig, ax = plt.subplots(figsize=(8.4, 3.4))
    ax.plot(x, np.zeros_like(x), color=COLORS["input"], lw=2, label="σ(w·x + b)", gid="value")
    ax.plot(x, np.zeros_like(x), color=COLORS["hidden"], lw=2, ls="--",
            label="slope  w·σ′(w·x + b)", gid="slope")
    ax.axhline(0.25, color="grey", lw=0.8, ls=":", label="1/4: the largest slope of σ(x) itself")
    ax.set_xlim(*x_range)
    ax.set_xlabel("x")
    ax.set_ylabel("value")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    update_sigmoid_plot(ax, w, b)
    return fig, ax


def update_sigmoid_plot(ax, w: float, b: float) -> None:
    """Move the existing curves of :func:`plot_sigmoid` to new (w, b) — no new artists."""
    lines = {line.get_gid(): line for line in ax.lines}
    x = lines["value"].get_xdata()
    value, slope = _sigmoid_curves(w, b, x)
    lines["value"].set_ydata(value)
    lines["slope"].set_ydata(slope)
    ax.set_ylim(min(-0.05, slope.min() - 0.05), max(1.05, slope.max() + 0.05))
    ax.set_title(f"σ(w·x + b) with w = {w:.2f}, b = {b:.2f}: steepest slope |w|/4 = {abs(w) / 4:.2f}")


def draw_dense_layer(W, input_labels=None, output_labels=None, ax=None, title=None):
    """A dense layer drawn as neurons: every input connects to every output, line colour and
    width from the weight W[h, d] (red positive, blue negative).

    Inputs:  W (H, D) weights; optional labels for the D inputs and H outputs
    Returns: (fig, ax)
    """
    W = np.asarray(W)
    H, D = W.shape
    fig, ax = fig_ax(ax, figsize=(4.2, 3.6))
    y_in = np.linspace(1, 0, D) if D > 1 else np.array([0.5])  # (D,)
    y_out = np.linspace(0.85, 0.15, H) if H > 1 else np.array([0.5])  # (H,)
    scale = np.abs(W).max() or 1.0
    for h in range(H):
        for d in range(D):
            w = W[h, d]
            ax.plot([0, 1], [y_in[d], y_out[h]], lw=0.5 + 3.0 * abs(w) / scale,
                    color=COLORS["positive"] if w > 0 else COLORS["negative"], alpha=0.75, zorder=1)
    ax.scatter(np.zeros(D), y_in, s=380, color=COLORS["input"], zorder=2)
    ax.scatter(np.ones(H), y_out, s=380, color=COLORS["output"], zorder=2)
    input_labels = input_labels or [f"x{d + 1}" for d in range(D)]
    output_labels = output_labels or [f"y{h + 1}" for h in range(H)]
    for d, label in enumerate(input_labels):
        ax.text(-0.12, y_in[d], label, ha="right", va="center")
    for h, label in enumerate(output_labels):
        ax.text(1.12, y_out[h], label, ha="left", va="center")
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(-0.1, 1.1)
    ax.axis("off")
    ax.set_title(title or f"dense layer: {D} inputs → {H} outputs ({H}×{D} weights)")
    return fig, ax


def plot_semantic_vectors(images, vectors, labels, class_names=("vertical", "horizontal"), n_show=4):
    """A few input images next to the scatter of every image's 2-d semantic vector.

    Inputs:  images (N, 3, S, S) in [0, 1]; vectors (N, 2); labels (N,) integer classes
    Returns: (fig, axes)
    """
    images, vectors, labels = np.asarray(images), np.asarray(vectors), np.asarray(labels)
    fig = plt.figure(figsize=(8.5, 3.6))
    grid = fig.add_gridspec(2, n_show + 3)
    thumbs = []
    for row, cls in enumerate(np.unique(labels)[:2]):
        idx = np.flatnonzero(labels == cls)[:n_show]
        for col, i in enumerate(idx):
            ax = fig.add_subplot(grid[row, col])
            ax.imshow(np.transpose(images[i], (1, 2, 0)), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if col == 0:
                ax.set_ylabel(class_names[cls])
            thumbs.append(ax)
    ax = fig.add_subplot(grid[:, n_show:])
    markers = ("o", "s")
    for cls in np.unique(labels)[:2]:
        sel = labels == cls
        ax.scatter(vectors[sel, 0], vectors[sel, 1], s=22, marker=markers[cls],
                   color=(COLORS["input"], COLORS["hidden"])[cls], label=class_names[cls], alpha=0.8)
    ax.set_xlabel("feature 1: vertical edges")
    ax.set_ylabel("feature 2: horizontal edges")
    ax.set_title("each image → one point (its semantic vector)")
    ax.legend()
    return fig, [*thumbs, ax]


def plot_series(times, values, ylabel: str, title: str = "", ax=None, **line_kwargs):
    """A time series against its time stamps.

    Inputs:  times (L,) datetime64 or numbers; values (L,); y-axis label and title;
             extra keyword arguments go to ``ax.plot`` (e.g. ``label=``, ``color=``)
    Returns: (fig, ax)
    """
    fig, ax = fig_ax(ax)
    ax.plot(times, values, lw=0.8, **line_kwargs)
    ax.set_xlabel("time")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig, ax


def plot_window(x, y, n: int, horizon: int, feature: int = 0, label: str = "value",
                step_name: str = "step", ax=None):
    """One input window x[:, n, feature] and its target y[n] drawn ``horizon`` steps later.

    Inputs:  x (T, N, D) time-major windows; y (N, D_out) targets; n the window to draw
    Returns: (fig, ax)
    """
    x = np.asarray(x)
    T = x.shape[0]
    fig, ax = fig_ax(ax)
    t = np.arange(T)  # (T,)
    ax.plot(t, x[:, n, feature], "o-", ms=3, color=COLORS["input"], label=f"input x[0..{T - 1}] (T = {T})")
    t_target = T - 1 + horizon
    ax.plot([t_target], [np.asarray(y)[n, 0]], "*", ms=14, color=COLORS["output"],
            label=f"target: {horizon} {step_name}{'s' if horizon != 1 else ''} after the last input")
    ax.axvspan(T - 0.5, t_target + 0.5, color="grey", alpha=0.08)
    ax.set_xlabel(f"{step_name} within the window (t)")
    ax.set_ylabel(label)
    ax.set_title(f"window n = {n}: feature {feature} of its input x[:, {n}, :], and its target y[{n}]")
    ax.legend(loc="best")
    return fig, ax
