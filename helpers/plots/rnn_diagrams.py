"""Notebook 02: the simple RNN drawn compact (one cell with a self-loop) and unrolled through time, with the values
of a real forward pass.

In the unrolled view every number of the forward pass is a cell with its value printed in it; the cell's colour
repeats the value (the diverging map RdBu_r: blue negative, white zero, red positive; hidden states on the fixed
scale -1 ... +1 of the tanh, inputs and outputs on the scale of their largest magnitude).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.path import Path
from matplotlib.transforms import Affine2D, ScaledTranslation

from .diagram import Diagram
from .style import PALETTE, draw_arrow, fig_ax, text_colour_on

__all__ = ["draw_compact_rnn", "draw_unrolled_rnn", "plot_rnn_views"]

CMAP = "RdBu_r"
CELL_W, CELL_H = 0.5, 0.22  # data units (about inches: the unrolled view is drawn at about 1 unit per inch)
GAP = 1.3  # between the columns of two steps


def _vector_cells(ax, x_centre, y_top, values, vmax, gid=None):
    """A vector as a vertical stack of cells, entry 0 on top, each coloured by its value and showing it;
    returns the patches."""
    norm, cmap = plt.Normalize(-vmax, vmax), plt.get_cmap(CMAP)
    patches = []
    for i, v in enumerate(np.asarray(values, dtype=float)):
        face = cmap(norm(v))
        y = y_top - (i + 1) * CELL_H
        rect = Rectangle((x_centre - CELL_W / 2, y), CELL_W, CELL_H, facecolor=face, edgecolor="black", lw=0.6,
                         gid=gid)
        ax.add_patch(rect)
        ax.text(x_centre, y + CELL_H / 2, f"{v:.2f}", ha="center", va="center", fontsize=9,
                color=text_colour_on(face))
        patches.append(rect)
    return patches


def draw_compact_rnn(ax=None):
    """The "black-box" view of a simple RNN: one cell with a self-loop W, input U x, output V h.

    Returns: (fig, ax)
    """
    fig, ax = fig_ax(ax, figsize=(2.4, 3.6))
    d = Diagram(ax, fontsize=11)
    d.node("x", (0.0, 0.0), "$x_t$", face=PALETTE["light_sky"], pad=0.45)
    d.node("h", (0.0, 1.1), "$h_t$", face=PALETTE["light_orange"], pad=0.45)
    d.node("o", (0.0, 2.2), "$o_t$", face=PALETTE["light_green"], pad=0.45)
    d.edge("x", "h", label="$U$", side=1)
    d.edge("h", "o", label="$V$", side=1)
    # the self-loop W, drawn in points from the right edge of the h box (so it fits the box at any scale)
    right = d.half_width("h") + 1.0
    to_display = Affine2D().scale(ax.figure.dpi / 72.0) + ScaledTranslation(0.0, 1.1, ax.transData)
    loop = FancyArrowPatch(path=Path([(right, 6), (right + 34, 26), (right + 34, -26), (right, -6)],
                                     [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]),
                           transform=to_display, arrowstyle="-|>", mutation_scale=13, lw=1.3, color="black",
                           zorder=3, gid="edge-h-h")
    ax.add_patch(loop)
    d.edges[("h", "h")] = loop
    ax.annotate("$W$", xy=(0.0, 1.1), xytext=(right + 32, 0), textcoords="offset points", ha="left", va="center",
                fontsize=11)
    d.finish(xlim=(-0.7, 1.0), ylim=(-0.4, 2.6))
    ax.set_title("compact (black-box) view")
    return fig, ax


def draw_unrolled_rnn(x, h, o=None, h0=None, ax=None, seq: int = 0):
    """The same RNN unrolled through time, every number of the forward pass printed in its cell.

    Inputs:  x (T, N, D), h (T, N, H), optional o (T, N, K) and h0 (N, H) from a forward pass;
             seq: which sequence of the batch to draw
    Returns: (fig, ax); the cells are Rectangles in drawing order: h0, then x[t], h[t] (and o[t]) for every t
    """
    x, h = np.asarray(x), np.asarray(h)
    T, _, D = x.shape
    H = h.shape[2]
    K = 0 if o is None else np.asarray(o).shape[2]
    arrow_gap = 0.55
    y_x = D * CELL_H  # top of the input stack (its bottom is at 0)
    y_h = y_x + arrow_gap + H * CELL_H  # top of the hidden stack
    y_o = y_h + arrow_gap + K * CELL_H  # top of the output stack
    top = y_o if K else y_h
    fig, ax = fig_ax(ax, figsize=(GAP * T + 2.3, top + 1.3))
    vx = max(np.abs(x[:, seq]).max(), 1e-12)
    vo = 1.0 if o is None else max(np.abs(np.asarray(o)[:, seq]).max(), 1e-12)
    h0_values = np.zeros(H) if h0 is None else np.asarray(h0)[seq]
    _vector_cells(ax, 0.0, y_h, h0_values, 1.0, gid="h0")
    ax.text(0.0, -0.12, "initial\nstate h0", ha="center", va="top", fontsize=10)
    label_x = -CELL_W / 2 - 0.25  # the names of the rows, left of the h0 column
    ax.text(label_x, y_x - D * CELL_H / 2, "input\nx[t]", ha="right", va="center", fontsize=10)
    ax.text(label_x, y_h - H * CELL_H / 2, "state\nh[t]", ha="right", va="center", fontsize=10)
    if K:
        ax.text(label_x, y_o - K * CELL_H / 2, "output\no[t]", ha="right", va="center", fontsize=10)
    mid_h = y_h - H * CELL_H / 2
    for t in range(T):
        c = GAP * (t + 1)
        _vector_cells(ax, c, y_x, x[t, seq], vx, gid=f"x{t}")
        _vector_cells(ax, c, y_h, h[t, seq], 1.0, gid=f"h{t}")
        ax.text(c, -0.12, f"t = {t}", ha="center", va="top", fontsize=10)
        draw_arrow(ax, (c, y_x + 0.04), (c, y_h - H * CELL_H - 0.04))
        ax.text(c - 0.08, y_x + arrow_gap / 2, "$U$", ha="right", va="center", fontsize=10)
        draw_arrow(ax, (c - GAP + CELL_W / 2 + 0.04, mid_h), (c - CELL_W / 2 - 0.04, mid_h))
        ax.text(c - GAP / 2, mid_h + 0.06, "$W$", ha="center", va="bottom", fontsize=10)
        if K:
            _vector_cells(ax, c, y_o, np.asarray(o)[t, seq], vo, gid=f"o{t}")
            draw_arrow(ax, (c, y_h + 0.04), (c, y_o - K * CELL_H - 0.04))
            ax.text(c - 0.08, y_h + arrow_gap / 2, "$V$", ha="right", va="center", fontsize=10)
    ax.set_xlim(label_x - 0.75, GAP * T + CELL_W / 2 + 0.1)
    ax.set_ylim(-0.55, top + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"unrolled through T = {T} steps (sequence {seq}), with the numbers of a real forward pass;\n"
                 "the same U, W and V at every step (colour: blue negative, red positive)")
    return fig, ax


def plot_rnn_views(x, h, o=None, h0=None, seq: int = 0):
    """Compact view next to the unrolled view of the same RNN. Returns (fig, (ax_compact, ax_unrolled))."""
    T = np.asarray(x).shape[0]
    unrolled_w = GAP * T + 2.3
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(min(unrolled_w + 2.2, 12.0), 4.4),
                                   gridspec_kw={"width_ratios": [2.0, unrolled_w]})
    draw_compact_rnn(ax0)
    draw_unrolled_rnn(x, h, o, h0, ax=ax1, seq=seq)
    return fig, (ax0, ax1)
