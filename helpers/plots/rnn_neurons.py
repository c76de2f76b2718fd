"""Notebook 02: a small simple RNN drawn neuron by neuron, folded (with its recurrent connections) and unrolled
through time, every connection coloured and sized by its real weight.

Colour and line style say the sign of a weight (vermillion solid: positive, blue dashed: negative), the width its
size (the same scale for U, W and V). In the folded view the recurrent weights W are the arcs from every hidden unit
back to every hidden unit (a unit's own weight W[j, j] is the loop on itself); in the unrolled view the same W
connects every unit of step t-1 to every unit of step t, once per step: the same numbers, drawn T times.

Each neuron is drawn as a circle with its index in its vector, counted from 0 as in the code: the arc of W[i, j]
runs from hidden unit j to hidden unit i. The vectors' names stand beside their columns.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path
from matplotlib.transforms import Affine2D, ScaledTranslation

from .diagram import PALETTE, Diagram
from .style import fig_ax

__all__ = ["draw_rnn_neurons", "draw_rnn_neurons_unrolled", "plot_rnn_neuron_views"]

_FACE = {"x": PALETTE["light_sky"], "h": PALETTE["light_orange"], "o": PALETTE["light_green"]}
LIGHT = 0.45  # the opacity of U and V in the unrolled view (W, its subject, is drawn at 0.9)


def _check(params, out_params):
    for key in ("U", "W"):
        if key not in params:
            raise ValueError(f"params: expected the keys 'U' and 'W' of rnn.init_params, got {sorted(params)}")
    U, W = np.asarray(params["U"]), np.asarray(params["W"])
    if U.ndim != 2:
        raise ValueError(f"params['U']: expected shape (H, D), got {U.shape}")
    H, D = U.shape
    if W.shape != (H, H):
        raise ValueError(f"params['W']: expected shape (H, H) = ({H}, {H}), got {W.shape}")
    V = None if out_params is None else np.asarray(out_params["V"])
    if V is not None and (V.ndim != 2 or V.shape[1] != H):
        raise ValueError(f"out_params['V']: expected shape (K, H = {H}), got {V.shape}")
    if H > 6 or D > 6 or (V is not None and V.shape[0] > 6):
        raise ValueError(f"params: the neuron drawing is for small networks (D, H, K <= 6), got D = {D}, H = {H}")
    scale = max(np.abs(U).max(), np.abs(W).max(), 0.0 if V is None else np.abs(V).max(), 1e-12)
    return U, W, V, scale


def _style(w, scale):
    positive = w > 0
    return dict(colour=PALETTE["vermillion"] if positive else PALETTE["blue"], ls="-" if positive else "--",
                lw=0.6 + 2.6 * abs(w) / scale)


def _column(n, top, bottom):
    return np.linspace(top, bottom, n) if n > 1 else np.array([(top + bottom) / 2])


def _key(ax):
    handles = [Line2D([], [], color=PALETTE["vermillion"], lw=2, label="positive weight"),
               Line2D([], [], color=PALETTE["blue"], lw=2, ls="--", label="negative weight")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=2, fontsize=10,
              title="line width ∝ |weight|", title_fontsize=10)


def _connect(d, a, b, w, scale, gid, rad=0.0, alpha=0.9):
    s = _style(w, scale)
    arrow = d.edge(a, b, colour=s["colour"], ls=s["ls"], lw=s["lw"], rad=rad, key=gid)
    arrow.set_gid(gid)
    arrow.set_alpha(alpha)
    return arrow


def _self_loop(d, key, w, scale, gid, angle: float):
    """The arc of W[j, j] from a unit back to itself, leaving and entering the circle around ``angle`` (degrees);
    drawn in points from the node's centre, so that it fits the circle at any scale."""
    text = d.nodes[key]
    radius = d.half_width(key) + 1.5
    a = np.radians(angle)
    ends = [radius * np.array([np.cos(a + s), np.sin(a + s)]) for s in (0.5, -0.5)]
    controls = [(radius + 34) * np.array([np.cos(a + s), np.sin(a + s)]) for s in (0.75, -0.75)]
    to_display = Affine2D().scale(d.ax.figure.dpi / 72.0) + ScaledTranslation(*text.get_position(), d.ax.transData)
    s = _style(w, scale)
    loop = FancyArrowPatch(path=Path([ends[0], controls[0], controls[1], ends[1]],
                                     [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]),
                           transform=to_display, arrowstyle="-|>", mutation_scale=11, color=s["colour"],
                           lw=s["lw"], linestyle=s["ls"], gid=gid, zorder=3, alpha=0.9)
    d.ax.add_patch(loop)
    d.edges[gid] = loop
    return loop


def draw_rnn_neurons(params: dict, out_params: dict | None = None, ax=None):
    """The folded network: D inputs, H hidden units, K outputs, and the recurrent arcs W (gids "U-j-d", "W-i-j",
    "V-k-j" for the connection of weight U[j, d], W[i, j] (from unit j to unit i), V[k, j]).

    Returns: (fig, ax)
    """
    U, W, V, scale = _check(params, out_params)
    H, D = U.shape
    fig, ax = fig_ax(ax, figsize=(4.2, 4.6))
    d = Diagram(ax, fontsize=11)
    ys = {"x": _column(D, 2.6, 0.4), "h": _column(H, 3.0, 0.0)}
    for i, y in enumerate(ys["x"]):
        d.node(f"x{i}", (0.0, y), f"{i}", face=_FACE["x"], shape="circle", pad=0.45)
    for j, y in enumerate(ys["h"]):
        d.node(f"h{j}", (2.2, y), f"{j}", face=_FACE["h"], shape="circle", pad=0.45)
    for j in range(H):
        for i in range(D):
            _connect(d, f"x{i}", f"h{j}", U[j, i], scale, f"U-{j}-{i}")
    for i in range(H):  # W[i, j]: from unit j (previous step) to unit i
        for j in range(H):
            if i == j:  # the top unit's loop points up, the bottom one's down, the others' to the right
                angle = 90 if (j == 0 and H > 1) else (-90 if j == H - 1 and H > 1 else 0)
                _self_loop(d, f"h{j}", W[i, j], scale, f"W-{i}-{j}", angle if H > 1 else 90)
            else:
                up = ys["h"][i] > ys["h"][j]  # both directions bulge to the right, by different amounts
                _connect(d, f"h{j}", f"h{i}", W[i, j], scale, f"W-{i}-{j}", rad=(0.35 if up else -0.75))
    if V is not None:
        ys["o"] = _column(V.shape[0], 2.2, 0.8)
        for k, y in enumerate(ys["o"]):
            d.node(f"o{k}", (4.4, y), f"{k}", face=_FACE["o"], shape="circle", pad=0.45)
            for j in range(H):
                _connect(d, f"h{j}", f"o{k}", V[k, j], scale, f"V-{k}-{j}")
    for x, name in ((0.0, "input $x_t$"), (2.2, "state $h_t$")) + (((4.4, "output $o_t$"),) if V is not None else ()):
        d.text((x, 4.25), name, ha="center", va="center", fontsize=11)
    d.text((1.1, 3.6), "$U$", ha="center", va="center", fontsize=11)
    d.text((3.35, 3.6), "$W$", ha="center", va="center", fontsize=11)
    if V is not None:
        d.text((4.0, 3.0), "$V$", ha="center", va="center", fontsize=11)
    d.finish(xlim=(-0.6, 5.0), ylim=(-0.8, 4.5))
    _key(ax)
    ax.set_title(f"folded: D = {D} inputs, H = {H} hidden units\n(each arc of W feeds a unit's state into the next "
                 "step)")
    return fig, ax


def draw_rnn_neurons_unrolled(params: dict, out_params: dict | None = None, T: int = 3, ax=None):
    """The same network unrolled over T steps: the inputs x[t], the states h[t], the outputs o[t], and W between
    the states of consecutive steps, starting from the initial state h0 (gids "U{t}-j-d", "W{t}-i-j", "V{t}-k-j"
    for step t's copy of U[j, d], W[i, j], V[k, j]).

    The hidden units of a step stand in a column, its inputs below and to the left, its outputs above and to the
    right, so that no connection passes through a neuron. W, the subject of the drawing, is drawn at full strength;
    U and V, which stay within a step, lighter.

    Returns: (fig, ax)
    """
    U, W, V, scale = _check(params, out_params)
    H, D = U.shape
    if not isinstance(T, (int, np.integer)) or not 1 <= T <= 6:
        raise ValueError(f"T: expected an int from 1 to 6 (steps to draw), got {T!r}")
    fig, ax = fig_ax(ax, figsize=(2.0 * (T + 1), 4.6))
    d = Diagram(ax, fontsize=10)
    gap = 3.0
    y_h, y_x = _column(H, 3.6, 1.8), _column(D, 0.8, 0.0)
    for j, y in enumerate(y_h):
        d.node(f"h0_{j}", (0.0, y), f"{j}", face=PALETTE["light_grey"], shape="circle", pad=0.4)
    d.text((0.0, y_h[-1] - 0.45), "$h_{-1}$\n(initial\nstate h0)", ha="center", va="top")
    for t in range(T):
        x0 = gap * (t + 1)
        for i, y in enumerate(y_x):
            d.node(f"x{t}_{i}", (x0 - 1.5 + 0.25 * i, y), f"{i}", face=_FACE["x"], shape="circle", pad=0.4)
        for j, y in enumerate(y_h):
            d.node(f"h{t + 1}_{j}", (x0, y), f"{j}", face=_FACE["h"], shape="circle", pad=0.4)
        for j in range(H):
            for jj in range(H):
                _connect(d, f"h{t}_{jj}", f"h{t + 1}_{j}", W[j, jj], scale, f"W{t}-{j}-{jj}")
            for i in range(D):
                _connect(d, f"x{t}_{i}", f"h{t + 1}_{j}", U[j, i], scale, f"U{t}-{j}-{i}", alpha=LIGHT)
        d.text((x0 + 0.3, y_h[-1] - 0.45), f"$h_{{{t}}}$", ha="left", va="top")
        d.text((x0 - 1.9, y_x[0]), f"$x_{{{t}}}$", ha="right", va="center")
        d.text((x0 - 0.6, -0.45), f"step t = {t}", ha="center", va="top")
        if V is not None:
            for k, y in enumerate(_column(V.shape[0], 5.2, 4.6)):
                d.node(f"o{t}_{k}", (x0 + 1.4 - 0.25 * k, y), f"{k}", face=_FACE["o"], shape="circle", pad=0.4)
                for j in range(H):
                    _connect(d, f"h{t + 1}_{j}", f"o{t}_{k}", V[k, j], scale, f"V{t}-{k}-{j}", alpha=LIGHT)
            d.text((x0 + 1.7, 5.2), f"$o_{{{t}}}$", ha="left", va="center")
    d.finish(xlim=(-0.8, gap * T + 1.7), ylim=(-1.0, 5.5))
    ax.set_title(f"unrolled through T = {T} steps: the same U, W and V at every step\n"
                 "(W at full strength; U and V, within each step, lighter)")
    return fig, ax


def plot_rnn_neuron_views(params: dict, out_params: dict | None = None, T: int = 3):
    """The folded neuron drawing next to the unrolled one. Returns (fig, (ax_folded, ax_unrolled))."""
    width = min(4.2 + 2.0 * (T + 1), 12.0)
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(width, 5.0), gridspec_kw={"width_ratios": [4.2, 2.0 * (T + 1)]})
    draw_rnn_neurons(params, out_params, ax=ax0)
    draw_rnn_neurons_unrolled(params, out_params, T, ax=ax1)
    return fig, (ax0, ax1)
