"""The course's look and the drawing primitives every figure shares.

Colours (``COLORS``), the matplotlib settings of every notebook (:func:`use_course_style`), and the small pieces the
diagrams are built from: a labelled box, an arrow, a new-or-given axes, and finding an artist by its gid (the
explorers move existing artists, found by gid, instead of drawing new ones).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = ["PALETTE", "COLORS", "CYCLE_COLOURS", "CYCLE_STYLES", "use_course_style", "fig_ax", "draw_box",
           "draw_arrow", "artist_by_gid", "text_colour_on"]

# Okabe & Ito's colour-blind-safe palette, written out so that every matplotlib version draws the same colours;
# the light tints are for box faces under black text.
PALETTE = {"orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
           "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000", "grey": "#999999",
           "light_orange": "#F8DDA6", "light_sky": "#CDE8F8", "light_green": "#B3E2D5", "light_yellow": "#FBF7C0",
           "light_blue": "#B3D1E8", "light_vermillion": "#F2CCB3", "light_purple": "#F0D7E6", "light_grey": "#E6E6E6"}

# what the course's colours mean, everywhere: inputs blue, hidden states orange, outputs green, the right-to-left
# direction purple; positive values vermillion, negative blue
COLORS = {"input": PALETTE["blue"], "hidden": PALETTE["orange"], "output": PALETTE["green"],
          "backward": PALETTE["purple"], "positive": PALETTE["vermillion"], "negative": PALETTE["blue"]}

# the series of a plot ("C0", "C1", ... after use_course_style): each with its own colour and line style, so that two
# series differ by a second cue, not by colour alone
CYCLE_COLOURS = (PALETTE["blue"], PALETTE["vermillion"], PALETTE["green"], PALETTE["orange"], PALETTE["purple"],
                 PALETTE["sky"], PALETTE["black"], PALETTE["grey"])
CYCLE_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (3, 1)), (0, (1, 1)), (0, (6, 2)))


def use_course_style() -> None:
    """Matplotlib settings shared by all notebooks: modest dpi, readable fonts, light grid, and the colour-blind-safe
    series colours, each with its own line style."""
    plt.rcParams.update({
        "axes.prop_cycle": cycler(color=CYCLE_COLOURS) + cycler(linestyle=CYCLE_STYLES),
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


def text_colour_on(face) -> str:
    """Black or white, whichever is easier to read on ``face`` (by the WCAG relative luminance)."""
    from matplotlib.colors import to_rgb
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(face)]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "black" if luminance > 0.179 else "white"


def draw_box(ax, xy, text, color, w=0.8, h=0.5, fontsize=8):
    """A rounded box of size (w, h) centred at xy, filled with ``color``, with bold text inside in black or white,
    whichever reads better on the colour."""
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > 7:  # shrink long words so that they stay inside the box
        fontsize = fontsize * 7 / longest
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor="black", lw=0.8, alpha=0.9))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=text_colour_on(color), fontweight="bold")


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
