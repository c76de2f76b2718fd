"""Notebook 04: one LSTM cell in its two classic drawings, the "electronic circuit" and Greff et al.'s ("LSTM: A Search
Space Odyssey") view, every node coloured by the values of a real forward pass.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from .style import fig_ax

__all__ = ["LSTM_NODES", "lstm_step_values", "update_lstm_diagram", "draw_lstm_circuit", "draw_lstm_odyssey",
           "plot_lstm_views", "lstm_views_title"]


LSTM_NODES = ("x", "y_prev", "c_prev", "z", "i", "f", "o", "c", "tanh_c", "y")


_GATE_NODES = ("i", "f", "o")


def lstm_step_values(cache, t: int, seq: int = 0, unit: int = 0) -> dict:
    """The values of one hidden unit at step t, read from an :class:`helpers.lstm.LSTMCache`.

    Returns: {"x": |x_t| (the input's norm), "y_prev", "c_prev", "z", "i", "f", "o", "c", "tanh_c", "y"}
    """
    T = cache.y.shape[0]
    if not 0 <= t < T:
        raise ValueError(f"t: expected a step in [0, {T}), got {t}")
    y_prev = cache.y0 if t == 0 else cache.y[t - 1]
    c_prev = cache.c0 if t == 0 else cache.c[t - 1]
    values = {"x": float(np.linalg.norm(cache.x[t, seq])), "y_prev": y_prev[seq, unit],
              "c_prev": c_prev[seq, unit]}
    for name in ("z", "i", "f", "o", "c", "tanh_c", "y"):
        values[name] = getattr(cache, name)[t, seq, unit]
    return {k: float(v) for k, v in values.items()}


def _value_colour(name, value):
    if name in _GATE_NODES:  # gates live in [0, 1]: closed = white, open = dark green
        return plt.get_cmap("Greens")(0.05 + 0.9 * float(np.clip(value, 0, 1)))
    if name == "x":
        return "#B9C7E3"
    return plt.get_cmap("RdBu_r")(plt.Normalize(-1.0, 1.0)(float(np.clip(value, -1.0, 1.0))))


_NODE_TEXT = {"x": "x[t]\n|x| = {v:.2f}", "y_prev": "y[t-1]\n{v:+.2f}", "c_prev": "c[t-1]\n{v:+.2f}",
              "z": "z (block input)\ng = tanh\n{v:+.2f}", "i": "i (input gate)\nσ\n{v:.2f}",
              "f": "f (forget gate)\nσ\n{v:.2f}", "o": "o (output gate)\nσ\n{v:.2f}",
              "c": "c[t]\n{v:+.2f}", "tanh_c": "h(c) = tanh\n{v:+.2f}", "y": "y[t]\n{v:+.2f}"}


def _lstm_node(ax, name, xy, w, h, fontsize=8):
    x0, y0 = xy
    ax.add_patch(FancyBboxPatch((x0 - w / 2, y0 - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.1",
                                facecolor="white", edgecolor="black", lw=0.9, gid=f"node-{name}", zorder=3))
    ax.text(x0, y0, "", ha="center", va="center", fontsize=fontsize, gid=f"text-{name}", zorder=4)


def _op(ax, xy, symbol):
    ax.add_patch(plt.Circle(xy, 0.22, facecolor="white", edgecolor="black", lw=0.9, zorder=3))
    ax.text(*xy, symbol, ha="center", va="center", fontsize=10, zorder=4)


def _line(ax, pts, color="black", ls="-", lw=1.1, arrow=True, gid=None, zorder=1):
    path = Path(pts, [Path.MOVETO] + [Path.LINETO] * (len(pts) - 1))
    ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>" if arrow else "-", mutation_scale=9,
                                 color=color, lw=lw, linestyle=ls, gid=gid, zorder=zorder))


def update_lstm_diagram(ax, values: dict, peepholes: bool | None = None) -> None:
    """Recolour and relabel the nodes of an LSTM diagram for new values (no new artists).

    ``peepholes`` shows or hides the blue peephole connections (None leaves them as they are).
    """
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("node-"):
            name = gid[5:]
            patch.set_facecolor(_value_colour(name, values[name]))
        elif gid.startswith("peephole") and peepholes is not None:
            patch.set_visible(peepholes)
    if peepholes is not None:
        for text in ax.texts:
            if (text.get_gid() or "").startswith("peephole"):
                text.set_visible(peepholes)
    for text in ax.texts:
        gid = text.get_gid() or ""
        if gid == "text-cell":
            text.set_text(f"cell\nc[t-1] {values['c_prev']:+.2f}\nc[t] {values['c']:+.2f}")
            text.set_color("white" if abs(values["c"]) > 0.7 else "black")
        elif gid.startswith("text-"):
            name = gid[5:]
            text.set_text(_NODE_TEXT[name].format(v=values[name]))
            if name in _GATE_NODES:
                dark = values[name] > 0.6
            else:
                dark = name != "x" and abs(values[name]) > 0.7
            text.set_color("white" if dark else "black")


def draw_lstm_circuit(values: dict, peepholes: bool = False, ax=None):
    """The "electronic circuit" view of one LSTM cell: the cell highway across the top, the four gates
    below it, the forget gate and the input on-ramp acting on the highway. Nodes show the live values of
    one hidden unit (see :func:`lstm_step_values`); peepholes are the dashed blue lines.

    Returns: (fig, ax)
    """
    fig, ax = fig_ax(ax, figsize=(6.4, 4.6))
    W, Hh = 1.4, 0.8
    pos = {"c_prev": (0.6, 5.0), "f": (2.4, 2.2), "i": (4.0, 2.2), "z": (5.6, 2.2), "o": (7.4, 2.2),
           "c": (7.0, 5.0), "tanh_c": (8.6, 3.9), "y": (9.6, 1.0), "x": (0.6, 0.2), "y_prev": (0.6, 1.3)}
    # the highway
    _line(ax, [(1.25, 5.0), (2.18, 5.0)], lw=2.2)
    _op(ax, (2.4, 5.0), "×")
    _line(ax, [(2.62, 5.0), (4.58, 5.0)], lw=2.2)
    _op(ax, (4.8, 5.0), "+")
    _line(ax, [(5.02, 5.0), (6.35, 5.0)], lw=2.2)
    _line(ax, [(7.62, 5.0), (9.9, 5.0)], lw=2.2)
    ax.text(9.9, 5.2, "c[t] →", ha="right", fontsize=8)
    ax.text(3.6, 5.35, "cell highway", fontsize=8, style="italic", ha="center")
    # inputs: x[t] and y[t-1] feed every gate through a bus
    _line(ax, [(1.25, 0.2), (7.4, 0.2)], arrow=False, color="grey")
    _line(ax, [(1.25, 1.3), (1.6, 1.3), (1.6, 0.2)], arrow=False, color="grey")
    for g in ("f", "i", "z", "o"):
        _line(ax, [(pos[g][0], 0.2), (pos[g][0], pos[g][1] - Hh / 2 - 0.02)], color="grey")
    # forget gate multiplies the highway; input gate times block input is the on-ramp
    _line(ax, [(2.4, 2.2 + Hh / 2), (2.4, 4.78)])
    _op(ax, (4.8, 3.6), "×")
    _line(ax, [(4.0, 2.2 + Hh / 2), (4.0, 3.6), (4.58, 3.6)])
    _line(ax, [(5.6, 2.2 + Hh / 2), (5.6, 3.6), (5.02, 3.6)])
    _line(ax, [(4.8, 3.82), (4.8, 4.78)])
    ax.text(4.95, 4.25, "on-ramp", fontsize=7, style="italic")
    # output: h(c) times the output gate
    _line(ax, [(7.62, 5.0), (8.6, 5.0), (8.6, 3.9 + Hh / 2)])
    _op(ax, (8.6, 2.2), "×")
    _line(ax, [(8.6, 3.9 - Hh / 2), (8.6, 2.42)])
    _line(ax, [(7.4 + W / 2, 2.2), (8.38, 2.2)])
    _line(ax, [(8.6, 1.98), (8.6, 1.0), (9.6 - 0.45, 1.0)])
    # peepholes (blue, dashed): c[t-1] into i and f, c[t] into o
    blue = "#1f5fbf"
    _line(ax, [(1.0, 4.62), (1.0, 3.3), (2.2, 3.3), (2.2, 2.2 + Hh / 2)], color=blue, ls="--", gid="peephole-f")
    _line(ax, [(1.0, 3.3), (3.8, 3.3), (3.8, 2.2 + Hh / 2)], color=blue, ls="--", gid="peephole-i")
    _line(ax, [(7.2, 4.62), (7.2, 3.0), (7.6, 3.0), (7.6, 2.2 + Hh / 2)], color=blue, ls="--", gid="peephole-o")
    sizes = {name: (W, Hh) for name in pos}
    sizes.update({name: (0.9, Hh) for name in ("y", "c_prev", "c")})
    sizes.update({"x": (0.9, 0.55), "y_prev": (0.9, 0.55), "tanh_c": (1.1, 0.6)})
    return _finish_lstm_view(ax, pos, sizes, values, peepholes, (0.0, 10.2), (-0.3, 5.6), "electronic-circuit view")


def _finish_lstm_view(ax, pos, sizes, values, peepholes, xlim, ylim, title):
    """Draw the value nodes of an LSTM diagram at ``pos`` with ``sizes`` {name: (w, h)}, then colour them."""
    for name, xy in pos.items():
        _lstm_node(ax, name, xy, *sizes[name])
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.axis("off")
    ax.set_title(title)
    update_lstm_diagram(ax, values, peepholes)
    return ax.figure, ax


def draw_lstm_odyssey(values: dict, peepholes: bool = True, ax=None):
    """The view of Greff et al.'s Figure 1 ("Space Odyssey"): the cell in the centre, block input below,
    input gate and output gate on the left, the forget gate on the cell's own loop, peepholes in blue
    (input and forget gates see the cell before the update, c[t-1]; the output gate sees c[t]).
    Same values as :func:`draw_lstm_circuit`.

    Returns: (fig, ax)
    """
    fig, ax = fig_ax(ax, figsize=(5.4, 5.8))
    W, Hh = 1.45, 0.8
    blue = "#1f5fbf"
    pos = {"x": (5.0, -0.7), "z": (5.0, 0.85), "i": (2.3, 2.3), "f": (7.7, 4.6), "tanh_c": (5.0, 5.3),
           "o": (2.3, 6.5), "y": (5.0, 7.9), "y_prev": (2.3, -0.7)}
    cell = (5.0, 3.75)
    # block input -> x input gate -> cell
    _line(ax, [(5.0, -0.7 + 0.28), (5.0, 0.85 - Hh / 2)], color="grey")
    _line(ax, [(2.3, -0.7 + 0.28), (2.3, 0.1), (5.0, 0.1)], color="grey", arrow=False)
    _line(ax, [(5.0, 0.85 + Hh / 2), (5.0, 2.08)])
    _op(ax, (5.0, 2.3), "×")
    _line(ax, [(2.3 + W / 2, 2.3), (4.78, 2.3)])
    _line(ax, [(5.0, 2.52), (5.0, cell[1] - 0.5)])
    # the cell's own loop: its previous value, times the forget gate, flows back in
    _op(ax, (6.4, 4.6), "×")
    _line(ax, [(5.75, 3.95), (6.4, 3.95), (6.4, 4.38)])
    _line(ax, [(7.7 - W / 2, 4.6), (6.62, 4.6)])
    _line(ax, [(6.18, 4.6), (5.3, 4.6), (5.3, cell[1] + 0.5)])
    ax.text(5.75, 4.68, "c[t-1]·f", fontsize=7, style="italic", va="bottom")
    # output: h(c) times the output gate
    _line(ax, [(5.0, cell[1] + 0.5), (5.0, 5.3 - 0.3)])
    _op(ax, (5.0, 6.5), "×")
    _line(ax, [(5.0, 5.3 + 0.3), (5.0, 6.28)])
    _line(ax, [(2.3 + W / 2, 6.5), (4.78, 6.5)])
    _line(ax, [(5.0, 6.72), (5.0, 7.9 - 0.28)])
    # every gate also reads x[t] and y[t-1] (short grey stubs)
    for g, (sx, sy), (ex, ey), (tx, ty) in (("i", (2.3, 1.45), (2.3, 2.3 - Hh / 2), (2.3, 1.4)),
                                            ("o", (2.3, 7.35), (2.3, 6.5 + Hh / 2), (2.3, 7.4)),
                                            ("f", (8.85, 5.2), (7.7 + W / 2 - 0.1, 4.6 + Hh / 2), (8.85, 5.25))):
        _line(ax, [(sx, sy), (ex, ey)], color="grey")
        ax.text(tx, ty, "x[t], y[t-1]", ha="center", va="top" if g == "i" else "bottom", fontsize=7, color="grey")
    # peepholes
    _line(ax, [(4.25, 3.55), (2.8, 3.55), (2.8, 2.3 + Hh / 2)], color=blue, ls="--", gid="peephole-i")
    _line(ax, [(5.75, 3.55), (7.5, 3.55), (7.5, 4.6 - Hh / 2)], color=blue, ls="--", gid="peephole-f")
    _line(ax, [(4.25, 3.95), (2.8, 3.95), (2.8, 6.5 - Hh / 2)], color=blue, ls="--", gid="peephole-o")
    ax.text(3.0, 3.5, "c[t-1]", fontsize=7, color=blue, va="top", gid="peephole-label-i")
    ax.text(7.45, 3.55, "c[t-1]", fontsize=7, color=blue, va="top", ha="right", gid="peephole-label-f")
    ax.text(3.0, 4.0, "c[t]", fontsize=7, color=blue, va="bottom", gid="peephole-label-o")
    # nodes
    ax.add_patch(FancyBboxPatch((cell[0] - 0.75, cell[1] - 0.5), 1.5, 1.0, boxstyle="round,pad=0.02,rounding_size=0.1",
                                facecolor="white", edgecolor="black", lw=1.2, gid="node-c", zorder=3))
    ax.text(*cell, "", ha="center", va="center", fontsize=8, gid="text-cell", zorder=4)
    sizes = {name: (W, Hh) for name in pos}
    sizes.update({name: (0.95, 0.55) for name in ("y", "x", "y_prev")})
    sizes["tanh_c"] = (1.2, 0.6)
    return _finish_lstm_view(ax, pos, sizes, values, peepholes, (1.2, 9.4), (-1.1, 8.4),
                             "Space Odyssey view (Greff et al.)")


def plot_lstm_views(values: dict, peepholes: bool = True, t: int | None = None):
    """Both views of the same cell, fed the same values. Returns (fig, (ax_circuit, ax_odyssey))."""
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11.5, 5.4), gridspec_kw={"width_ratios": [1.1, 1.0]})
    draw_lstm_circuit(values, peepholes, ax=ax0)
    draw_lstm_odyssey(values, peepholes, ax=ax1)
    fig.suptitle(lstm_views_title(t, peepholes), fontsize=11)
    return fig, (ax0, ax1)


def lstm_views_title(t, peepholes):
    step = "" if t is None else f"step t = {t}; "
    return f"{step}one hidden unit; {'with' if peepholes else 'without'} peepholes; gates: white = closed (0), green = open (1)"
