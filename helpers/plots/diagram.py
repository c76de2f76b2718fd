"""A small toolkit for the course's schematic drawings: boxes that fit their text, arrows from box edge to box edge,
and labels beside the arrows, never on them.

Every node is a text with a rounded box around it (matplotlib sizes the box to the text, so the text can never
stick out), and every edge a FancyArrowPatch clipped to the two boxes. A label of an edge sits beside its
midpoint, offset at right angles to the edge, on a white background. The diagrams of notebooks 02 and 05-09 are
drawn with it (their contents are computed from the code's own arrays and shapes, by the modules that use it).

    d = Diagram(ax)
    d.node("x", (0, 0), "x  (N, T, d_model)", face=PALETTE["sky"])
    d.node("q", (0, 2), "Q", face=PALETTE["orange"])
    d.edge("x", "q", label="W_q")
    d.finish()
"""
from __future__ import annotations

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyArrowPatch
from matplotlib.textpath import text_to_path

from .style import PALETTE

__all__ = ["PALETTE", "Diagram", "shape_text"]



def shape_text(shape) -> str:
    """"(32, 16, 64)" for a shape tuple (the way shapes are written on the course's arrows)."""
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


class Diagram:
    """Nodes (text in a fitted box) and edges (arrows between box edges) on one axes, in data coordinates.

    Inputs: ax; fontsize of node and label text (at least 9 pt, the course's minimum at display size)
    Attributes: ax, nodes {key: Text}, edges {key: FancyArrowPatch}, labels {key: Text}
    """

    def __init__(self, ax, fontsize: float = 10.0):
        if fontsize < 9:
            raise ValueError(f"fontsize: expected at least 9 pt (readable at display size), got {fontsize}")
        self.ax, self.fontsize = ax, fontsize
        self.nodes, self.edges, self.labels = {}, {}, {}

    def node(self, key, xy, text: str, face: str = "white", edge: str = "black", fontsize: float | None = None,
             weight: str = "normal", pad: float = 0.35, shape: str = "round", ls: str = "-", lw: float = 1.0,
             text_colour: str = "black", gid: str | None = None):
        """A box centred at ``xy`` that fits ``text``; returns the Text (its box: ``text.get_bbox_patch()``)."""
        if key in self.nodes:
            raise ValueError(f"key: a node {key!r} exists already")
        size = self.fontsize if fontsize is None else fontsize
        if size < 9:
            raise ValueError(f"fontsize: expected at least 9 pt, got {size}")
        # zorder 2: drawn before the arrows (zorder 3), so that each box has its size when an arrow is clipped to it
        label = self.ax.text(*xy, text, ha="center", va="center", fontsize=size, fontweight=weight,
                             color=text_colour, zorder=2, gid=gid or f"node-{key}",
                             bbox=dict(boxstyle=f"{shape},pad={pad}", facecolor=face, edgecolor=edge, lw=lw, ls=ls))
        self.nodes[key] = label
        return label

    def point(self, key, xy):
        """An invisible node (a junction or an end point of an arrow)."""
        label = self.ax.text(*xy, "", ha="center", va="center", fontsize=self.fontsize, zorder=2,
                             gid=f"point-{key}", bbox=dict(boxstyle="square,pad=0", alpha=0))
        self.nodes[key] = label
        return label

    def edge(self, a, b, label: str | None = None, colour: str = "black", ls: str = "-", lw: float = 1.3,
             rad: float = 0.0, side: int = 1, offset: float = 9.0, at: float = 0.5, style: str = "-|>",
             label_colour: str | None = None, fontsize: float | None = None, key=None, ha: str | None = None):
        """An arrow from node ``a`` to node ``b``; ``label`` beside it (``side`` +1 left of the direction of
        travel, -1 right; ``offset`` in points; ``at`` the fraction of the way), ``rad`` bends it."""
        for name in (a, b):
            if name not in self.nodes:
                raise ValueError(f"edge: no node {name!r}; nodes: {sorted(self.nodes, key=str)}")
        ta, tb = self.nodes[a], self.nodes[b]
        key = (a, b) if key is None else key
        arrow = FancyArrowPatch(posA=ta.get_position(), posB=tb.get_position(), patchA=ta.get_bbox_patch(),
                                patchB=tb.get_bbox_patch(), arrowstyle=style, mutation_scale=13, color=colour,
                                lw=lw, linestyle=ls, connectionstyle=f"arc3,rad={rad}", shrinkA=2, shrinkB=2,
                                zorder=3, gid=f"edge-{a}-{b}")
        self.ax.add_patch(arrow)
        self.edges[key] = arrow
        if label:
            self.labels[key] = self._label(ta.get_position(), tb.get_position(), label, side, offset, at, rad,
                                           label_colour or colour, fontsize, ha)
        return arrow

    def half_width(self, key) -> float:
        """Half the width of a node's box, in points (from the font's metrics: no drawing needed)."""
        label = self.nodes[key]
        size = label.get_fontsize()
        prop = FontProperties(size=size, weight=label.get_fontweight())
        widths = [text_to_path.get_text_width_height_descent(line, prop, ismath="$" in line)[0]
                  for line in label.get_text().split("\n") if line]
        pad = label.get_bbox_patch().get_boxstyle().pad * size if label.get_bbox_patch() else 0.0
        return max(widths, default=0.0) / 2 + pad

    def bypass(self, a, b, label: str | None = None, side: str = "left", colour: str = "#0072B2", ls: str = "--",
               lw: float = 1.3, clearance: float = 12.0, key=None):
        """An arrow from node ``a`` to node ``b`` (above or below it in the same column) that leaves ``a`` sideways,
        runs past every box of the column in between, and enters ``b`` from the side: a residual connection."""
        ta, tb = self.nodes[a], self.nodes[b]
        (xa, ya), (xb, yb) = ta.get_position(), tb.get_position()
        low, high = min(ya, yb), max(ya, yb)
        column = [k for k, t in self.nodes.items() if low <= t.get_position()[1] <= high
                  and abs(t.get_position()[0] - xa) < 1e-9]
        arm = max(self.half_width(k) for k in column) + clearance  # points from the column's centre line
        angle = 180 if side == "left" else 0
        arrow = FancyArrowPatch(posA=(xa, ya), posB=(xb, yb), patchA=ta.get_bbox_patch(), patchB=tb.get_bbox_patch(),
                                arrowstyle="-|>", mutation_scale=13, color=colour, lw=lw, linestyle=ls,
                                connectionstyle=f"arc,angleA={angle},angleB={angle},armA={arm},armB={arm},rad=6",
                                shrinkA=2, shrinkB=2, zorder=3, gid=f"bypass-{a}-{b}")
        self.ax.add_patch(arrow)
        key = ("bypass", a, b) if key is None else key
        self.edges[key] = arrow
        if label:
            sign = -1 if side == "left" else 1
            self.labels[key] = self.ax.annotate(
                label, xy=(xa, (ya + yb) / 2), xytext=(sign * (arm + 5), 0), textcoords="offset points",
                ha="right" if side == "left" else "left", va="center", fontsize=self.fontsize, color=colour, zorder=4)
        return arrow

    def _label(self, pa, pb, text, side, offset, at, rad, colour, fontsize, ha):
        pa, pb = np.asarray(pa, float), np.asarray(pb, float)
        # directions in data space: a diagram has equal aspect (finish), so they are the directions on screen
        direction = (pb - pa) / max(np.linalg.norm(pb - pa), 1e-9)
        normal = np.array([-direction[1], direction[0]]) * side
        mid = pa + at * (pb - pa)
        if rad:  # an arc3 edge bulges by rad * |b - a| at its middle, to the right of the direction of travel
            mid = mid + rad * np.linalg.norm(pb - pa) * np.array([direction[1], -direction[0]]) * 4 * at * (1 - at) / 2
        if ha is None:
            ha = "center" if abs(normal[0]) < 0.5 else ("left" if normal[0] > 0 else "right")
        va = "center" if abs(normal[1]) < 0.5 else ("bottom" if normal[1] > 0 else "top")
        return self.ax.annotate(text, xy=mid, xytext=tuple(offset * normal), textcoords="offset points", ha=ha,
                                va=va, fontsize=fontsize or self.fontsize, color=colour, zorder=4,
                                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none",
                                          alpha=0.85))

    def text(self, xy, text: str, fontsize: float | None = None, **kwargs):
        """Free text (a caption or a heading inside the drawing)."""
        size = fontsize or self.fontsize
        if size < 9:
            raise ValueError(f"fontsize: expected at least 9 pt, got {size}")
        return self.ax.text(*xy, text, fontsize=size, zorder=4, **kwargs)

    def finish(self, xlim=None, ylim=None, margin: float = 0.6):
        """Axes off, equal aspect, limits around every node (plus ``margin``) unless given."""
        ax = self.ax
        ax.set_aspect("equal")
        ax.axis("off")
        if self.nodes:
            xy = np.array([t.get_position() for t in self.nodes.values()])
            ax.set_xlim(*(xlim or (xy[:, 0].min() - margin, xy[:, 0].max() + margin)))
            ax.set_ylim(*(ylim or (xy[:, 1].min() - margin, xy[:, 1].max() + margin)))
        return ax
