"""Notebook 05: computational graphs, the chain rule as a sum over paths.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch

from .style import fig_ax

__all__ = ["draw_computational_graph"]


def draw_computational_graph(nodes: dict, edges, title: str = "", highlight=(), ax=None):
    """A small computational graph: nodes at given positions, arrows labelled with the local
    (partial) derivative along each edge; edges in ``highlight`` are drawn thick and coloured.

    Inputs:  nodes {name: (x, y)}; edges [(parent, child, label)]; highlight: list of lists of
             (parent, child) pairs, one list per path, each path in its own colour
    Returns: (fig, ax)
    """
    fig, ax = fig_ax(ax, figsize=(5.6, 3.4))
    path_colour = {}
    for k, path in enumerate(highlight):
        for edge in path:
            path_colour.setdefault(tuple(edge), f"C{k + 1}")
    for parent, child, label in edges:
        (x0, y0), (x1, y1) = nodes[parent], nodes[child]
        colour = path_colour.get((parent, child), "black")
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12, shrinkA=16,
                                     shrinkB=16, lw=2.4 if colour != "black" else 1.0, color=colour))
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.08, label, ha="center", va="bottom", fontsize=9,
                color=colour, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8})
    for name, (x, y) in nodes.items():
        ax.add_patch(plt.Circle((x, y), 0.22, facecolor="#F3E2C7", edgecolor="black", zorder=3))
        ax.text(x, y, name, ha="center", va="center", fontsize=11, zorder=4)
    xs = [p[0] for p in nodes.values()]
    ys = [p[1] for p in nodes.values()]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    return fig, ax
