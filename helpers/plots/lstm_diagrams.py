"""Notebook 04: one LSTM cell in its two classic drawings, the "electronic circuit" and the view of Greff et al.'s
Figure 1 ("LSTM: A Search Space Odyssey"), every node coloured by the values of one hidden unit in a real forward pass.

Both views follow Greff et al.'s conventions. A solid arrow carries a value within step t; a dashed arrow is a
"connection with time-lag": it crosses from one step to the next, so the previous output y_{t-1} and cell c_{t-1}
arrive dashed, and y_t and c_t leave dashed toward step t+1. Peepholes are blue: dashed from the cell before the
update (c_{t-1}) into the input and forget gates, solid from the updated cell c_t into the output gate. A dot is a
branching point, a circle an elementwise operation (x: product, +: sum).

Colours: the values of z, c, h(c) and y on a blue-white-red scale from -1 to +1; the gates i, f, o from white (0,
closed) to green (1, open); the input x_t, a vector, by its size |x_t| on a fixed light blue. Every node prints its
number, and :func:`plot_lstm_views` draws the key (two colour bars and the arrows' meanings) under the views.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_hex
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .diagram import Diagram
from .style import PALETTE, text_colour_on

__all__ = ["LSTM_NODES", "VALUE_CMAP", "GATE_CMAP", "lstm_step_values", "lstm_node_face", "update_lstm_diagram",
           "draw_lstm_circuit", "draw_lstm_odyssey", "draw_lstm_key", "plot_lstm_views", "lstm_views_title"]


LSTM_NODES = ("x", "y_prev", "c_prev", "z", "i", "f", "o", "c", "tanh_c", "y")
_GATE_NODES = ("i", "f", "o")
VALUE_CMAP = plt.get_cmap("RdBu_r")  # values in [-1, 1]: blue negative, white 0, red positive
GATE_CMAP = LinearSegmentedColormap.from_list("gate", ["#FFFFFF", PALETTE["green"]])  # 0 closed, 1 open
_VALUE_NORM = Normalize(-1.0, 1.0)
_PEEP = PALETTE["blue"]
_LAG = "--"  # Greff et al.'s "connection with time-lag"
_FONT = 10.0
# the fixed first line(s) of every value node; its last line is the number (see update_lstm_diagram)
_LABEL = {"x": "input $x_t$", "y_prev": "$y_{t-1}$", "c_prev": "$c_{t-1}$", "z": "block\ninput $z$",
          "i": "input\ngate $i$", "f": "forget\ngate $f$", "o": "output\ngate $o$", "c": "$c_t$",
          "tanh_c": "$h(c_t)$", "y": "$y_t$"}


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


def _number(name: str, value: float) -> str:
    """The printed value: gates 0.00 to 1.00, the input's size, other values signed (a true minus sign, as wide as
    the plus, so that a box never changes its size)."""
    if name == "x":
        return f"‖x‖ = {value:.2f}"
    if name in _GATE_NODES:
        return f"{value:.2f}"
    return f"{value:+.2f}".replace("-", "−")


def lstm_node_face(name: str, value: float) -> str:
    """The face colour of a node (hex): gates on GATE_CMAP over [0, 1], the input light blue, the other values on
    VALUE_CMAP over [-1, 1]. The value is rounded as printed, so that equal numbers get equal colours."""
    value = round(float(value), 2)
    if name == "x":
        return PALETTE["light_sky"]
    if name in _GATE_NODES:
        return to_hex(GATE_CMAP(float(np.clip(value, 0.0, 1.0))))
    return to_hex(VALUE_CMAP(_VALUE_NORM(float(np.clip(value, -1.0, 1.0)))))


def _set_node(text, name: str, value: float) -> None:
    label = text.get_text().rsplit("\n", 1)[0]
    face = lstm_node_face(name, value)
    text.set_text(f"{label}\n{_number(name, value)}")
    text.get_bbox_patch().set_facecolor(face)
    text.set_color(text_colour_on(face))


def update_lstm_diagram(ax, values: dict, peepholes: bool | None = None) -> None:
    """Renumber and recolour the value nodes of an LSTM view for new values (moves existing artists only).

    ``peepholes`` shows or hides the blue peephole connections (None leaves them as they are).
    """
    missing = [name for name in LSTM_NODES if name not in values]
    if missing:
        raise ValueError(f"values: missing {missing}; expected the keys {list(LSTM_NODES)}")
    for text in ax.texts:
        gid = text.get_gid() or ""
        if gid.startswith("node-") and gid[5:] in values:
            _set_node(text, gid[5:], values[gid[5:]])
    if peepholes is not None:
        for artist in (*ax.patches, *ax.texts):
            if (artist.get_gid() or "").startswith("peephole"):
                artist.set_visible(bool(peepholes))


# --------------------------------------------------------------------------- drawing pieces

def _value_node(d: Diagram, name: str, xy, label: str | None = None):
    return d.node(name, xy, f"{label or _LABEL[name]}\n0", pad=0.3)


def _op(d: Diagram, key: str, xy, symbol: str):
    return d.node(key, xy, symbol, shape="circle", pad=0.12, fontsize=11)


def _end(d: Diagram, key: str, xy, text: str):
    """A label without a box, where an arrow leaves the drawing (e.g. toward step t+1)."""
    return d.node(key, xy, text, face="none", edge="none", pad=0.15)


def _wire(d: Diagram, a, b, ls="-", colour="black", head=True, lw=1.3, rad=0.0):
    """An edge of the diagram (gid "edge-<a>-<b>"); the ends at invisible points meet exactly (no gap at a
    junction)."""
    arrow = d.edge(a, b, ls=ls, colour=colour, lw=lw, rad=rad, style="-|>" if head else "-")
    if a.startswith("pt"):
        arrow.shrinkA = 0
    if b.startswith("pt"):
        arrow.shrinkB = 0
    return arrow


def _dot(ax, xy):
    """A branching point (Greff et al.'s black dot)."""
    ax.add_patch(Circle(xy, 0.07, facecolor="black", edgecolor="none", zorder=4))


def _gate_inputs(d: Diagram, gate: str, at_x, at_y):
    """Greff et al.'s two inputs of a gate: x_t (solid) and the recurrent y_{t-1} (dashed: from the previous step),
    from unboxed labels at ``at_x`` and ``at_y``."""
    _end(d, f"in-x-{gate}", at_x, "$x_t$")
    _end(d, f"in-y-{gate}", at_y, "$y_{t-1}$")
    _wire(d, f"in-x-{gate}", gate, lw=1.1)
    _wire(d, f"in-y-{gate}", gate, ls=_LAG, lw=1.1)


def _view_axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    fig, (ax,) = _figure_with_key(figsize, [1])
    return fig, ax


def _finish(d: Diagram, values, peepholes, peeps, xlim, ylim, title):
    d.finish(xlim=xlim, ylim=ylim)
    d.ax.set_anchor("N")  # side by side, the two views (of different shapes) start at the same height
    d.ax.set_title(title, fontsize=11)
    update_lstm_diagram(d.ax, values)
    for a, b, ls, rad in peeps:
        _peephole(d, a, b, ls, rad)
    update_lstm_diagram(d.ax, values, peepholes)
    return d.ax.figure, d.ax


def _edge_distance(text, direction) -> float:
    """Points from the centre of a node's box to its edge, along ``direction`` (a vector on the screen)."""
    extent = text.get_window_extent()  # pixels at the figure's dpi
    scale = 72.0 / text.figure.dpi
    pad = text.get_bbox_patch().get_boxstyle().pad * text.get_fontsize()
    half = (extent.width * scale / 2 + pad, extent.height * scale / 2 + pad)
    ux, uy = np.abs(direction) / max(np.hypot(*direction), 1e-12)
    return min(half[0] / max(ux, 1e-12), half[1] / max(uy, 1e-12))


def _peephole(d: Diagram, a: str, b: str, ls: str, rad: float):
    """A blue peephole arrow from node a to node b (gid "peephole-<gate>"). It stops at the boxes by shrinking along
    its arc by fixed distances rather than by clipping to the boxes' outlines: it is shown and hidden with the
    peepholes, so the explorer draws it at every move, and clipping costs far more."""
    ta, tb = d.nodes[a], d.nodes[b]
    (x1, y1), (x2, y2) = ta.get_position(), tb.get_position()
    dx, dy = x2 - x1, y2 - y1  # equal aspect: data directions are screen directions
    start = (dx / 2 + rad * dy, dy / 2 - rad * dx)  # arc3's tangents at its two ends
    end = (dx / 2 - rad * dy, dy / 2 + rad * dx)
    arrow = FancyArrowPatch((x1, y1), (x2, y2), arrowstyle="-|>", mutation_scale=13, color=_PEEP, lw=1.2,
                            linestyle=ls, connectionstyle=f"arc3,rad={rad}", zorder=3, gid=f"peephole-{b}",
                            shrinkA=_edge_distance(ta, start) + 2, shrinkB=_edge_distance(tb, end) + 2)
    d.ax.add_patch(arrow)
    d.edges[("peephole", a, b)] = arrow
    return arrow


# --------------------------------------------------------------------------- the two views

def draw_lstm_circuit(values: dict, peepholes: bool = False, ax=None):
    """The "electronic circuit" view of one LSTM step: the cell highway along the top (c_{t-1} in from the left, c_t
    out to the right toward step t+1), the forget gate and the on-ramp z * i acting on it, the block input and three
    gates below reading the bus [x_t, y_{t-1}], and y_t = h(c_t) * o leaving toward step t+1. The grey frame is the
    block at step t. Nodes show the values of one hidden unit (see :func:`lstm_step_values`).

    Returns: (fig, ax), a figure of its own with the key below when ``ax`` is None; value nodes are texts with gids
             "node-<name>" (names as in LSTM_NODES), peephole arrows have gids "peephole-i", "peephole-f", "peephole-o"
    """
    fig, ax = _view_axes(ax, (6.4, 7.4))
    d = Diagram(ax, fontsize=_FONT)
    ax.add_patch(FancyBboxPatch((1.0, 0.8), 6.85, 5.95, boxstyle="round,pad=0,rounding_size=0.25", zorder=0,
                                facecolor=PALETTE["light_grey"], edgecolor=PALETTE["grey"], lw=1.0, alpha=0.45))
    d.text((1.15, 6.55), "step $t$", va="top", color="#555555")
    # the highway: c_{t-1} -> (x f) -> (+ on-ramp) -> c_t -> step t+1
    _value_node(d, "c_prev", (0.0, 6.0))
    _op(d, "mul_f", (2.05, 6.0), "×")
    _op(d, "add", (3.85, 6.0), "+")
    _value_node(d, "c", (5.65, 6.0))
    d.point("pt-c", (6.85, 6.0))
    _end(d, "next-c", (8.9, 6.0), "step\n$t+1$")
    _wire(d, "c_prev", "mul_f", ls=_LAG, lw=2.4)
    _wire(d, "mul_f", "add", lw=2.4)
    _wire(d, "add", "c", lw=2.4)
    _wire(d, "c", "pt-c", lw=2.4, head=False)
    _wire(d, "pt-c", "next-c", ls=_LAG, lw=2.4)
    _dot(ax, (6.85, 6.0))
    # the block input and the gates read the bus [x_t, y_{t-1}]
    for name, x in (("f", 2.05), ("i", 3.25), ("z", 4.45), ("o", 5.65)):
        _value_node(d, name, (x, 3.3))
        d.point(f"pt-{name}", (x, 1.85))
        _wire(d, f"pt-{name}", name, lw=1.1)
    _value_node(d, "y_prev", (0.0, 1.85))
    _value_node(d, "x", (1.55, 0.0))
    d.point("pt-bus", (1.55, 1.85))
    _wire(d, "y_prev", "pt-bus", ls=_LAG, lw=1.1, head=False)
    _wire(d, "x", "pt-bus", lw=1.1, head=False)
    for a, b in (("pt-bus", "pt-f"), ("pt-f", "pt-i"), ("pt-i", "pt-z"), ("pt-z", "pt-o")):
        _wire(d, a, b, lw=1.1, head=False)
    for x in (1.55, 2.05, 3.25, 4.45):
        _dot(ax, (x, 1.85))
    # forget gate onto the highway; the on-ramp z * i into the sum
    _wire(d, "f", "mul_f")
    _op(d, "mul_i", (3.85, 4.75), "×")
    _wire(d, "i", "mul_i")
    _wire(d, "z", "mul_i")
    _wire(d, "mul_i", "add")
    # the output: h(c_t) times the output gate, y_t leaves toward step t+1
    _value_node(d, "tanh_c", (6.85, 4.75))
    _op(d, "mul_o", (6.85, 3.3), "×")
    _value_node(d, "y", (6.85, 1.55))
    _end(d, "next-y", (8.9, 1.55), "step\n$t+1$")
    _wire(d, "pt-c", "tanh_c")
    _wire(d, "tanh_c", "mul_o")
    _wire(d, "o", "mul_o")
    _wire(d, "mul_o", "y")
    _wire(d, "y", "next-y", ls=_LAG)
    # peepholes: c_{t-1} into f and i (dashed: from the previous step), c_t into o
    peeps = [("c_prev", "f", _LAG, 0.1), ("c_prev", "i", _LAG, -0.22), ("c", "o", "-", 0.0)]
    return _finish(d, values, peepholes, peeps, (-0.75, 9.55), (-0.6, 7.05), "electronic-circuit view")


def draw_lstm_odyssey(values: dict, peepholes: bool = True, ax=None):
    """The view of Greff et al.'s Figure 1 ("Space Odyssey"): the cell in the centre with its own loop through the
    forget gate (dashed: c_{t-1}, the cell's value one step earlier), the block input below, the input gate
    multiplying it on the way in, the output gate multiplying h(c_t) on the way out. Each of the four units reads
    x_t (solid) and the recurrent y_{t-1} (dashed); y_t goes up to the layer above and, dashed, to step t+1.
    Peepholes in blue: dashed from c_{t-1} into i and f, solid from c_t into o. Same values as
    :func:`draw_lstm_circuit`.

    Returns: (fig, ax); gids as in draw_lstm_circuit (c_{t-1} is the node on the cell's loop)
    """
    fig, ax = _view_axes(ax, (6.0, 8.2))
    d = Diagram(ax, fontsize=_FONT)
    # bottom to top: inputs, block input, input gate, cell, h, output gate, y
    _value_node(d, "x", (2.2, -0.45))
    _value_node(d, "y_prev", (3.8, -0.45))
    _value_node(d, "z", (3.0, 1.05))
    _wire(d, "x", "z")
    _wire(d, "y_prev", "z", ls=_LAG)
    _op(d, "mul_i", (3.0, 2.3), "×")
    _value_node(d, "i", (1.05, 2.3))
    _gate_inputs(d, "i", (0.55, 0.95), (1.55, 0.95))
    _wire(d, "z", "mul_i")
    _wire(d, "i", "mul_i")
    _value_node(d, "c", (3.0, 3.55), label="cell $c_t$")
    _wire(d, "mul_i", "c")
    _value_node(d, "tanh_c", (3.0, 4.85))
    _op(d, "mul_o", (3.0, 6.0), "×")
    _value_node(d, "o", (1.05, 6.0))
    _gate_inputs(d, "o", (0.55, 7.35), (1.55, 7.35))
    _value_node(d, "y", (3.0, 7.15))
    _end(d, "above", (3.0, 8.2), "to the layer above")
    _end(d, "next-y", (5.2, 7.15), "step $t+1$")
    _wire(d, "c", "tanh_c")
    _wire(d, "tanh_c", "mul_o")
    _wire(d, "o", "mul_o")
    _wire(d, "mul_o", "y")
    _wire(d, "y", "above")
    _wire(d, "y", "next-y", ls=_LAG)
    # the cell's loop: its value one step later, c_{t-1} (dashed: the time lag), times the forget gate, back in
    _value_node(d, "c_prev", (4.75, 4.85))
    _op(d, "mul_f", (4.75, 3.55), "×")
    _value_node(d, "f", (6.25, 3.55))
    _gate_inputs(d, "f", (5.85, 2.2), (6.65, 2.2))
    _wire(d, "c", "c_prev", ls=_LAG, rad=-0.3)
    _wire(d, "c_prev", "mul_f")
    _wire(d, "mul_f", "c")
    _wire(d, "f", "mul_f")
    # peepholes from the cell: dashed into i and f (they see c_{t-1}), solid into o (it sees c_t)
    peeps = [("c", "i", _LAG, 0.25), ("c", "f", _LAG, 0.35), ("c", "o", "-", -0.25)]
    return _finish(d, values, peepholes, peeps, (-0.3, 7.3), (-1.0, 8.8), "Space Odyssey view (Greff et al., Fig. 1)")


# --------------------------------------------------------------------------- the key and both views

def _key_height(width: float) -> float:
    """Inches the key takes at the bottom of a figure ``width`` inches wide (one row when wide, two when narrow)."""
    return 0.95 if width >= 9 else 1.75


def _figure_with_key(figsize, width_ratios):
    """A figure with one axes per view (laid out by constrained layout) above the key."""
    width, height = figsize
    key = _key_height(width) / height
    fig = plt.figure(figsize=figsize, layout=ConstrainedLayoutEngine(rect=(0, key, 1, 1 - key)))
    grid = fig.add_gridspec(1, len(width_ratios), width_ratios=width_ratios)
    axes = [fig.add_subplot(grid[k]) for k in range(len(width_ratios))]
    draw_lstm_key(fig)
    return fig, axes


def draw_lstm_key(fig):
    """The key of the LSTM views along the bottom of ``fig`` (in the height :func:`_key_height` leaves free): a
    colour bar for the values, one for the gates, and what the arrows mean. Returns (cax_values, cax_gates,
    ax_arrows)."""
    width, height = fig.get_size_inches()

    def rect(x, y, w, h):  # inches -> figure fraction
        return [x / width, y / height, w / width, h / height]

    if width >= 9:  # one row: the two bars, then the arrows
        bar_w = min(2.8, (width - 5.9) / 2)
        cax_v = fig.add_axes(rect(0.25, 0.5, bar_w, 0.2))
        cax_g = fig.add_axes(rect(0.75 + bar_w, 0.5, bar_w, 0.2))
        ax_l = fig.add_axes(rect(1.2 + 2 * bar_w, 0.05, width - 1.3 - 2 * bar_w, 0.8))
    else:  # two rows
        bar_w = (width - 1.0) / 2
        cax_v = fig.add_axes(rect(0.25, 1.3, bar_w, 0.2))
        cax_g = fig.add_axes(rect(0.75 + bar_w, 1.3, bar_w, 0.2))
        ax_l = fig.add_axes(rect(0.1, 0.05, width - 0.2, 0.7))
    bar = fig.colorbar(ScalarMappable(_VALUE_NORM, VALUE_CMAP), cax=cax_v, orientation="horizontal")
    bar.set_ticks([-1, -0.5, 0, 0.5, 1])
    bar.set_label("value of $z$, $c$, $h(c)$, $y$ (one unit)", fontsize=10)
    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), GATE_CMAP), cax=cax_g, orientation="horizontal")
    bar.set_ticks([0, 0.5, 1])
    bar.set_ticklabels(["0 closed", "0.5", "1 open"])
    bar.set_label("gate $i$, $f$, $o$: how much passes", fontsize=10)
    for cax in (cax_v, cax_g):
        cax.tick_params(labelsize=9.5)
    ax_l.axis("off")
    ax_l.set_xlim(0, 1)
    ax_l.set_ylim(0, 1)
    inch = 1.0 / (ax_l.get_position().width * width)  # one inch in the key's axes fraction
    col = 2.3 * inch
    entries = [(0.0, 0.83, "black", "-", "within step $t$"), (0.0, 0.5, "black", _LAG, "between steps (time lag)"),
               (col, 0.83, _PEEP, "-", "peephole from $c_t$"), (col, 0.5, _PEEP, _LAG, "peephole from $c_{t-1}$")]
    for x0, y0, colour, ls, text in entries:
        ax_l.add_patch(FancyArrowPatch((x0 + 0.02 * inch, y0), (x0 + 0.42 * inch, y0), arrowstyle="-|>",
                                       mutation_scale=12, color=colour, lw=1.4, linestyle=ls, shrinkA=0, shrinkB=0))
        ax_l.text(x0 + 0.5 * inch, y0, text, va="center", fontsize=9.5)
    ax_l.plot([0.22 * inch], [0.17], "o", color="black", markersize=5)
    ax_l.text(0.5 * inch, 0.17, "branching point", va="center", fontsize=9.5)
    ax_l.text(col + 0.05 * inch, 0.17, "input $x_t$: its size $\\|x_t\\|$", va="center", fontsize=9.5,
              bbox=dict(boxstyle="round,pad=0.25", facecolor=PALETTE["light_sky"], edgecolor="black", lw=0.8))
    return cax_v, cax_g, ax_l


def plot_lstm_views(values: dict, peepholes: bool = True, t: int | None = None):
    """Both views of the same cell, fed the same values, with their key below. Returns (fig, (ax_circuit,
    ax_odyssey))."""
    fig, (ax0, ax1) = _figure_with_key((11.8, 7.0), [10.3, 7.6])
    draw_lstm_circuit(values, peepholes, ax=ax0)
    draw_lstm_odyssey(values, peepholes, ax=ax1)
    fig.suptitle(lstm_views_title(t, peepholes), fontsize=11)
    return fig, (ax0, ax1)


def lstm_views_title(t, peepholes) -> str:
    step = "" if t is None else f"step t = {t}  ·  "
    return f"{step}{'with' if peepholes else 'without'} peepholes"
