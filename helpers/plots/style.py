"""The course's look and the drawing primitives every figure shares.

Colours (``COLORS``), the matplotlib settings of every notebook (:func:`use_course_style`), and the small pieces the
diagrams are built from: a labelled box, an arrow, a new-or-given axes, and finding an artist by its gid (the
explorers move existing artists, found by gid, instead of drawing new ones).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = ["COLORS", "use_course_style", "fig_ax", "draw_box", "draw_arrow", "artist_by_gid"]


COLORS = {"input": "#4C72B0", "hidden": "#DD8452", "output": "#55A868", "backward": "#8172B3",
          "positive": "#C44E52", "negative": "#4C72B0"}


def use_course_style() -> None:
    """Matplotlib settings shared by all notebooks: modest dpi, readable fonts, light grid."""
    plt.rcParams.update({
        "figure.dpi": 80,
        "savefig.dpi": 80,
        "figure.figsize": (8.0, 3.6),
        "figure.constrained_layout.use": True,
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
    })


def draw_box(ax, xy, text, color, w=0.8, h=0.5, fontsize=8):
    """A rounded box of size (w, h) centred at xy, filled with ``color``, with white bold text inside."""
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > 7:  # shrink long words so that they stay inside the box
        fontsize = fontsize * 7 / longest
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor="black", lw=0.8, alpha=0.9))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color="white", fontweight="bold")


def draw_arrow(ax, start, end, color="black", style="-|>", ls="-", rad=0.0):
    """An arrow from ``start`` to ``end`` (data coordinates); ``rad`` bends it into an arc."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=10, color=color,
                                 lw=1.1, linestyle=ls, connectionstyle=f"arc3,rad={rad}",
                                 shrinkA=0, shrinkB=0))


def fig_ax(ax, figsize=None):
    """(fig, ax): a new figure of ``figsize`` when ``ax`` is None, else the figure of the given axes."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def artist_by_gid(ax, gid):
    """The artist of ``ax`` whose gid is ``gid`` (the explorers move artists found this way)."""
    return next(a for a in ax.get_children() if a.get_gid() == gid)
