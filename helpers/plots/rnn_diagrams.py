"""Notebook 02: the simple RNN drawn compact (one cell with a self-loop) and unrolled through time, coloured by the
values of a real forward pass.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle

from .style import COLORS, draw_arrow, draw_box, fig_ax

__all__ = ["draw_compact_rnn", "draw_unrolled_rnn", "plot_rnn_views"]


def _vector_cells(ax, x_centre, y_bottom, values, vmax, cmap, size=0.22, gid=None):
    """Draw a vector as a vertical stack of squares coloured by value; returns the patches."""
    norm = plt.Normalize(-vmax, vmax)
    cmap = plt.get_cmap(cmap)
    patches = []
    for i, v in enumerate(np.asarray(values)):
        rect = Rectangle((x_centre - size / 2, y_bottom + i * size), size, size, facecolor=cmap(norm(v)),
                         edgecolor="black", lw=0.5, gid=gid)
        ax.add_patch(rect)
        patches.append(rect)
    return patches


def draw_compact_rnn(ax=None):
    """The "black-box" view of a simple RNN: one cell with a self-loop W, input U x, output V h.

    Returns: (fig, ax)
    """
    fig, ax = fig_ax(ax, figsize=(2.6, 3.4))
    draw_box(ax, (0.0, 0.0), "x[t]", COLORS["input"], w=0.7, h=0.45, fontsize=9)
    draw_box(ax, (0.0, 1.2), "h[t]", COLORS["hidden"], w=0.7, h=0.5, fontsize=9)
    draw_box(ax, (0.0, 2.4), "o[t]", COLORS["output"], w=0.7, h=0.45, fontsize=9)
    draw_arrow(ax, (0.0, 0.23), (0.0, 0.95))
    draw_arrow(ax, (0.0, 1.45), (0.0, 2.17))
    ax.add_patch(FancyArrowPatch((0.35, 1.3), (0.35, 1.1), connectionstyle="arc3,rad=-2.2",
                                 arrowstyle="-|>", mutation_scale=10, lw=1.1, color="black"))
    ax.text(0.08, 0.6, "U", fontsize=10, style="italic")
    ax.text(0.08, 1.8, "V", fontsize=10, style="italic")
    ax.text(0.78, 1.2, "W", fontsize=10, style="italic", va="center")
    ax.set_xlim(-0.8, 1.1)
    ax.set_ylim(-0.4, 2.8)
    ax.axis("off")
    ax.set_title("compact (black-box) view")
    return fig, ax


def draw_unrolled_rnn(x, h, o=None, h0=None, ax=None, seq: int = 0):
    """The same RNN unrolled through time, every vector coloured by its real values.

    Inputs:  x (T, N, D), h (T, N, H), optional o (T, N, K) and h0 (N, H) from a forward pass;
             seq: which sequence of the batch to draw
    Returns: (fig, ax)
    """
    x, h = np.asarray(x), np.asarray(h)
    T, _, D = x.shape
    H = h.shape[2]
    K = 0 if o is None else np.asarray(o).shape[2]
    size = 0.22
    fig, ax = fig_ax(ax, figsize=(1.45 * (T + 1) + 0.5, 3.4 + 0.22 * (H + D + K) / 3))
    y_x, y_h = 0.0, D * size + 0.7
    y_o = y_h + H * size + 0.7
    vx = max(np.abs(x[:, seq]).max(), 1e-12)
    vo = 1.0 if o is None else max(np.abs(np.asarray(o)[:, seq]).max(), 1e-12)
    h0_values = np.zeros(H) if h0 is None else np.asarray(h0)[seq]
    _vector_cells(ax, 0.0, y_h, h0_values, 1.0, "RdBu_r", size)
    ax.text(0.0, y_h - 0.15, "h0\n(initial)", ha="center", va="top", fontsize=8)
    for t in range(T):
        c = 1.25 * (t + 1)
        _vector_cells(ax, c, y_x, x[t, seq], vx, "PuOr_r", size)
        _vector_cells(ax, c, y_h, h[t, seq], 1.0, "RdBu_r", size)
        ax.text(c, y_x - 0.12, f"x[{t}]", ha="center", va="top", fontsize=8)
        ax.text(c + 0.14, y_h - 0.04, f"h[{t}]", ha="left", va="top", fontsize=8)
        draw_arrow(ax, (c, y_x + D * size + 0.05), (c, y_h - 0.05))
        ax.text(c - 0.1, (y_x + D * size + y_h) / 2, "U", ha="right", va="center", fontsize=9,
                style="italic", color=COLORS["input"])
        draw_arrow(ax, (c - 1.25 + size / 2 + 0.03, y_h + H * size / 2), (c - size / 2 - 0.03, y_h + H * size / 2))
        ax.text(c - 0.625, y_h + H * size / 2 + 0.08, "W", ha="center", va="bottom", fontsize=9,
                style="italic", color=COLORS["hidden"])
        if o is not None:
            _vector_cells(ax, c, y_o, np.asarray(o)[t, seq], vo, "PiYG", size)
            ax.text(c + 0.16, y_o + K * size / 2, f"o[{t}]", ha="left", va="center", fontsize=8)
            draw_arrow(ax, (c, y_h + H * size + 0.05), (c, y_o - 0.05))
            ax.text(c - 0.1, (y_h + H * size + y_o) / 2, "V", ha="right", va="center", fontsize=9,
                    style="italic", color=COLORS["output"])
    top = (y_o + K * size) if o is not None else (y_h + H * size)
    ax.set_xlim(-0.5, 1.25 * T + 0.8)
    ax.set_ylim(-0.55, top + 0.3)
    ax.axis("off")
    ax.set_title(f"unrolled through T = {T} steps (sequence {seq}); colours are the values of a real "
                 "forward pass;\nthe same U, W, V at every step")
    return fig, ax


def plot_rnn_views(x, h, o=None, h0=None, seq: int = 0):
    """Compact view next to the unrolled view of the same RNN. Returns (fig, (ax_compact, ax_unrolled))."""
    T = np.asarray(x).shape[0]
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(1.45 * (T + 1) + 3.2, 4.2),
                                   gridspec_kw={"width_ratios": [2.2, 1.45 * (T + 1)]})
    draw_compact_rnn(ax0)
    draw_unrolled_rnn(x, h, o, h0, ax=ax1, seq=seq)
    return fig, (ax0, ax1)
