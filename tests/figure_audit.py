"""Readability rules for the course's figures, checked on the matplotlib objects themselves.

``audit(fig)`` returns a list of problems (empty: the figure passes). The rules are the course's figure standard:

* text at display size is at least 9 pt;
* text whose anchor lies inside a box (a FancyBboxPatch or Rectangle of a diagram) stays inside that box;
* maths is rendered with mathtext: no raw "^(" "_{" outside $...$;
* a colour-mapped image or mesh has a colour bar, printed values, or a legend that explains its colours;
* two labelled series in one axes differ by a second cue (line style or marker), not by colour alone, and use
  colour-blind-safe colours (the Okabe-Ito palette, greys, or a colour map's colours);
* a legend's markers and lines look like the artists they label;
* no axes is empty, and a data axes does not run far past its data.
"""
from __future__ import annotations

import re

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.collections import QuadMesh
from matplotlib.colorbar import Colorbar
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.text import Text

MIN_POINTS = 9.0
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
RAW_MATH = re.compile(r"[\^_][({]")


def _visible_texts(fig):
    hidden = set()
    for ax in fig.axes:
        if not ax.axison or not ax.get_visible():  # tick labels of an axes drawn with axis("off") are not shown
            hidden |= {id(t) for t in ax.xaxis.get_ticklabels(which="both") + ax.yaxis.get_ticklabels(which="both")}
            hidden |= {id(ax.xaxis.label), id(ax.yaxis.label), id(ax.xaxis.offsetText), id(ax.yaxis.offsetText)}
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in hidden
            and (t.axes is None or t.axes.get_visible())]


def _outside_math(text: str) -> str:
    parts = text.split("$")
    return "".join(parts[0::2])


def _is_grey(colour) -> bool:
    r, g, b, _ = mcolors.to_rgba(colour)
    return max(r, g, b) - min(r, g, b) < 0.02


def _palette_ok(colour) -> bool:
    rgba = mcolors.to_rgba(colour)
    if rgba[3] == 0 or _is_grey(colour):
        return True
    return any(np.allclose(rgba[:3], mcolors.to_rgb(p), atol=0.02) for p in OKABE_ITO)


def audit(fig, *, palette: bool = True, second_cue: bool = True) -> list:
    """The problems of ``fig`` against the rules above (an empty list: readable)."""
    problems = []
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    colorbar_axes = {ax for ax in fig.axes if getattr(ax, "_colorbar", None) is not None}
    mapped = {cb.mappable for ax in fig.axes for cb in [getattr(ax, "_colorbar", None)] if isinstance(cb, Colorbar)}
    for text in _visible_texts(fig):
        label = text.get_text().strip().replace("\n", " ")[:50]
        if text.get_fontsize() < MIN_POINTS - 1e-9:
            problems.append(f"text {label!r}: {text.get_fontsize():.1f} pt, below {MIN_POINTS:g} pt")
        if RAW_MATH.search(_outside_math(text.get_text())):
            problems.append(f"text {label!r}: raw maths outside $...$ (use mathtext)")
    for ax in fig.axes:
        if not ax.get_visible() or ax in colorbar_axes:
            continue
        problems += _audit_boxes(ax, renderer)
        drawn = ax.lines + ax.patches + ax.collections + ax.images + ax.texts
        if not any(a.get_visible() for a in drawn) and not ax.get_title():
            problems.append(f"axes {ax.get_title()!r}: empty")
        for mappable in list(ax.images) + [c for c in ax.collections if isinstance(c, QuadMesh)]:
            if isinstance(mappable, AxesImage) and np.asarray(mappable.get_array()).ndim == 3:
                continue  # an RGB picture, not a colour map
            annotated = len([t for t in ax.texts if t.get_visible()]) >= 0.5 * np.asarray(mappable.get_array()).size
            if mappable not in mapped and not annotated and ax.get_legend() is None:
                problems.append(f"axes {ax.get_title()!r}: a colour map without a colour bar, values or legend")
        problems += _audit_lines(ax, palette, second_cue)
    return problems


def _audit_boxes(ax, renderer) -> list:
    problems = []
    boxes = [p for p in ax.patches if isinstance(p, (FancyBboxPatch, Rectangle)) and p.get_visible()
             and p is not ax.patch]
    for text in ax.texts:
        if not text.get_visible() or not text.get_text().strip():
            continue
        anchor = ax.transData.transform(text.get_position()) if text.get_transform() == ax.transData else None
        if anchor is None:
            continue
        extent = text.get_window_extent(renderer)
        for patch in boxes:
            pbox = patch.get_window_extent(renderer)
            if pbox.width < 2 or pbox.height < 2:
                continue
            if pbox.x0 <= anchor[0] <= pbox.x1 and pbox.y0 <= anchor[1] <= pbox.y1:
                if extent.x0 < pbox.x0 - 1.5 or extent.x1 > pbox.x1 + 1.5 or extent.y0 < pbox.y0 - 1.5 or \
                        extent.y1 > pbox.y1 + 1.5:
                    label = text.get_text().strip().replace("\n", " ")[:40]
                    problems.append(f"text {label!r} sticks out of its box")
                break
    return problems


def _audit_lines(ax, palette: bool, second_cue: bool) -> list:
    problems = []
    labelled = [l for l in ax.lines if l.get_visible() and not l.get_label().startswith("_")]
    if palette:
        for line in labelled:
            if not _palette_ok(line.get_color()):
                problems.append(f"line {line.get_label()!r}: colour {mcolors.to_hex(line.get_color())} is not "
                                "from the colour-blind-safe palette")
    if second_cue and len(labelled) >= 2:
        looks = {(l.get_linestyle(), l.get_marker() if l.get_marker() not in ("None", None, "") else "")
                 for l in labelled}
        if len(looks) < len(labelled):
            same = [l.get_label() for l in labelled]
            problems.append(f"axes {ax.get_title()!r}: series {same} differ by colour alone (add a line style or "
                            "marker)")
    legend = ax.get_legend()
    if legend is not None:
        by_label = {l.get_label(): l for l in ax.lines}
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            source = by_label.get(text.get_text())
            if isinstance(handle, Line2D) and source is not None:
                if not np.allclose(mcolors.to_rgba(handle.get_color()), mcolors.to_rgba(source.get_color())):
                    problems.append(f"legend entry {text.get_text()!r}: colour differs from its line")
                marker = handle.get_marker()
                if marker not in ("None", None, "") and not np.allclose(
                        mcolors.to_rgba(handle.get_markerfacecolor()), mcolors.to_rgba(source.get_markerfacecolor())):
                    problems.append(f"legend entry {text.get_text()!r}: marker colour differs from its line's")
    return problems
