"""Notebook 05: computational graphs, the chain rule as a sum over paths, and the paths of the LSTM's dc_t.

:func:`draw_computational_graph` draws a small graph with the partial derivative beside every edge and each path
of interest in its own colour and line style. :func:`draw_cell_gradient_paths` draws the edges that leave the cell
c_t of an LSTM, drawn from the numbers of a real backward pass (:func:`helpers.lstm.cell_delta_terms`): beside each
edge its partial derivative, in each child its total derivative, the width of each edge the size of its term, and
under the graph the equation of dc_t with each term in its path's colour and line style.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

from .diagram import Diagram
from .style import CYCLE_COLOURS, CYCLE_STYLES, PALETTE, fig_ax

__all__ = ["draw_computational_graph", "CELL_PATHS", "draw_cell_gradient_paths"]


def draw_computational_graph(nodes: dict, edges, title: str = "", highlight=(), ax=None):
    """A small computational graph: nodes at given positions, every edge labelled (beside it) with the local partial
    derivative; the edges of each path in ``highlight`` are drawn thick, in the path's own colour and line style.

    Inputs:  nodes {name: (x, y)}; edges [(parent, child, label)]; highlight: list of lists of (parent, child)
             pairs, one list per path
    Returns: (fig, ax); edges have gids "edge-<parent>-<child>"
    """
    fig, ax = fig_ax(ax, figsize=(5.8, 3.6))
    d = Diagram(ax, fontsize=10)
    path_of = {}
    for k, path in enumerate(highlight):
        for edge in path:
            path_of.setdefault(tuple(edge), k)
    for name, xy in nodes.items():
        d.node(name, xy, name, face=PALETTE["light_orange"], shape="circle", pad=0.45, fontsize=12)
    centre = np.mean([xy for xy in nodes.values()], axis=0)
    for parent, child, label in edges:
        k = path_of.get((parent, child))
        colour, ls, lw = ("black", "-", 1.2) if k is None else (CYCLE_COLOURS[k], CYCLE_STYLES[k], 2.4)
        a, b = np.asarray(nodes[parent], float), np.asarray(nodes[child], float)
        normal = np.array([-(b - a)[1], (b - a)[0]])  # left of the direction of travel
        side = 1 if np.dot((a + b) / 2 - centre, normal) >= 0 else -1  # away from the middle of the graph
        d.edge(parent, child, label=label, colour=colour, ls=ls, lw=lw, side=side, offset=6)
    xs, ys = zip(*nodes.values())
    d.finish(xlim=(min(xs) - 0.6, max(xs) + 0.6), ylim=(min(ys) - 0.6, max(ys) + 0.6))
    ax.set_title(title)
    return fig, ax


# the five edges that leave c_t (the keys of helpers.lstm.cell_delta_terms): child, partial, term, via
CELL_PATHS = {
    "y": (r"$y_t$", r"$\delta y_t$", r"$o_t\,h'(c_t)$", r"$\delta y_t\; o_t\, h'(c_t)$"),
    "obar": (r"$\bar o_t$", r"$\delta\bar o_t$", r"$p_o$", r"$p_o\; \delta\bar o_t$"),
    "ibar_next": (r"$\bar\imath_{t+1}$", r"$\delta\bar\imath_{t+1}$", r"$p_i$", r"$p_i\; \delta\bar\imath_{t+1}$"),
    "fbar_next": (r"$\bar f_{t+1}$", r"$\delta\bar f_{t+1}$", r"$p_f$", r"$p_f\; \delta\bar f_{t+1}$"),
    "c_next": (r"$c_{t+1}$", r"$\delta c_{t+1}$", r"$f_{t+1}$", r"$\delta c_{t+1}\; f_{t+1}$"),
}
_PEEPHOLE_EDGES = ("obar", "ibar_next", "fbar_next")
_NEXT_STEP = ("ibar_next", "fbar_next", "c_next")


def _number(value: float) -> str:
    return f"{value:+.3f}".replace("-", "−")


def draw_cell_gradient_paths(terms: dict, t: int, T: int, seq: int = 0, unit: int = 0, ax=None):
    """The edges that leave the cell c_t at step t, for one hidden unit, from a real backward pass.

    Each edge is one path of the gradient, in its own colour and line style, with its partial derivative beside it
    and a width that grows with the size of its term; each child shows its total derivative. Thin arrows show where
    a path goes on: from ō_t through o_t into y_t (so y_t has two parents that depend on c_t: the partial along
    c_t -> y_t holds o_t fixed, and the route through o_t is a term of its own), and from ī_{t+1} and f̄_{t+1} into
    c_{t+1}. Under the graph, the equation of δc_t with each term in its path's colour and line style, and its value.
    Without peepholes the peephole edges are left out, at the last step (t = T - 1) those of step t+1.

    Inputs:  terms: the dict of :func:`helpers.lstm.cell_delta_terms` ({edge: (partial, delta, term)}, arrays
             (N, H)); t, T: the step and the sequence length; seq, unit: which value to draw
    Returns: (fig, (ax_graph, ax_equation)); gids "node-c", "node-<edge>", "edge-<edge>", "term-<edge>" (the
             printed value of each term), "total"
    """
    missing = [k for k in CELL_PATHS if k not in terms]
    if missing:
        raise ValueError(f"terms: missing the edges {missing}; expected the dict of lstm.cell_delta_terms")
    if not 0 <= t < T:
        raise ValueError(f"t: expected a step in [0, T = {T}), got {t}")
    value = {k: tuple(float(np.asarray(a)[seq, unit]) for a in terms[k]) for k in CELL_PATHS}  # (partial, delta, term)
    peep = any(value[k][0] != 0 for k in _PEEPHOLE_EDGES)
    shown = [k for k in CELL_PATHS if (peep or k not in _PEEPHOLE_EDGES) and (t + 1 < T or k not in _NEXT_STEP)]
    style = {k: (CYCLE_COLOURS[n], CYCLE_STYLES[n]) for n, k in enumerate(CELL_PATHS)}
    total = sum(value[k][2] for k in CELL_PATHS)
    if ax is None:
        fig, (ax, ax_eq) = plt.subplots(2, 1, figsize=(11.0, 6.6), height_ratios=[4.6, 1.0])
    else:
        fig, ax_eq = ax.figure, None
    d = Diagram(ax, fontsize=10)
    rows = {"y": 4.4, "obar": 3.3, "ibar_next": 2.2, "c_next": 1.1, "fbar_next": 0.0}
    for label, low, high in (("step $t$", 2.75, 5.0), ("step $t+1$", -0.55, 2.75)):
        ax.add_patch(FancyBboxPatch((4.75, low + 0.05), 3.4, high - low - 0.1, boxstyle="round,pad=0,rounding_size=0.12",
                                    facecolor=PALETTE["light_grey"], edgecolor="none", alpha=0.6, zorder=0))
        d.text((8.05, high - 0.15), label, ha="right", va="top", color="#555555")
    if t + 1 == T:
        d.text((6.3, 1.1), "the last step:\nno step $t+1$, so none\nof its three terms", ha="center", va="center",
               color="#555555")
    d.node("c", (0.6, 2.2), f"$c_t$\n$\\delta c_t$ = {_number(total)}", face=PALETTE["light_orange"],
           fontsize=11, gid="node-c")
    biggest = max(abs(value[k][2]) for k in shown) or 1.0
    for k in shown:
        child, delta_name, partial_name, _ = CELL_PATHS[k]
        colour, ls = style[k]
        partial, delta, term = value[k]
        d.node(k, (6.25, rows[k]), f"{child}\n{delta_name} = {_number(delta)}", face="white", edge=colour, lw=1.6)
        d.edge("c", k, label=f"{partial_name} = {_number(partial)}", colour=colour, ls=ls,
               lw=1.6 + 3.0 * abs(term) / biggest, at=0.66, side=1 if rows[k] >= 2.2 else -1, offset=4,
               label_colour=colour, ha="right")  # the label reaches back toward c_t, away from the slope
    onward = [("obar", "y", r"via $o_t$"), ("ibar_next", "c_next", r"via $i_{t+1}$"),
              ("fbar_next", "c_next", r"via $f_{t+1}$")]
    for a, b, label in onward:
        if a in shown and b in shown:
            colour, ls = style[a]
            d.edge(a, b, label=label, colour=colour, ls=ls, lw=1.0, side=-1, offset=5, key=(a, b, "onward"))
    d.finish(xlim=(-0.3, 8.3), ylim=(-0.75, 5.1))
    ax.set_title(f"the paths out of $c_t$ at step t = {t}, unit {unit}: one term of $\\delta c_t$ per edge "
                 "(edge width: size of the term)")
    if ax_eq is not None:
        _draw_equation(ax_eq, [(k, value[k][2]) for k in shown], style, total)
    return fig, (ax, ax_eq)


def _draw_equation(ax, terms, style, total):
    """δc_t = term + term + ... = total, each term in its path's colour, a sample of its line under it."""
    ax.axis("off")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.text(0.0, 0.72, r"$\delta c_t\ =$", fontsize=12, va="center")
    step = 0.156
    for n, (k, term) in enumerate(terms):
        colour, ls = style[k]
        x = 0.1 + step * (n + 0.5)
        if n:
            ax.text(x - step / 2, 0.72, "+", fontsize=12, ha="center", va="center")
        ax.text(x, 0.72, CELL_PATHS[k][3], fontsize=12, ha="center", va="center", color=colour, gid=f"name-{k}")
        ax.plot([x - 0.045, x + 0.045], [0.42, 0.42], color=colour, ls=ls, lw=2.2)
        ax.text(x, 0.12, _number(term), fontsize=11, ha="center", va="center", color=colour, gid=f"term-{k}")
    x = 0.1 + step * len(terms) + 0.02
    ax.text(x, 0.72, "=", fontsize=12, ha="center", va="center")
    ax.text(x + 0.05, 0.72, _number(total), fontsize=12, ha="center", va="center", gid="total")
    ax.text(x + 0.05, 0.12, r"$\delta c_t$", fontsize=11, ha="center", va="center")
