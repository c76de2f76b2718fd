"""The plumbing every explorer shares: a figure shown as a PNG in an ``Image`` widget below its controls.

Each explorer has a static twin in :mod:`helpers.plots` that draws the same figure for one setting; the explorer
only moves that figure's existing artists when a control changes, renders the figure and replaces the image's
bytes. The artists themselves are never rebuilt, and no interactive matplotlib backend is needed.

Rendering is the slow part (drawing tick labels, legends and axis labels costs far more than drawing the data), so
an explorer draws that static part once, keeps it as a background image, and after a change draws only the data
artists and titles on a copy of it: the idea of matplotlib's "blitting". When anything in the background changes
(axis limits, ticks, scales, labels, legend texts), the next render draws everything again and keeps the new
background. A legend sits above the data in a full draw (zorder 5): when a moving artist passes under one, the
render starts from a copy of the background without the legends and draws them after the data.

A new explorer subclasses :class:`FigureExplorer`: it builds its figure with the static twin, makes its controls,
calls ``self._setup(fig, controls)`` and implements ``update()``, which moves the artists to the controls' values.
"""
from __future__ import annotations

import struct
import zlib

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import QuadMesh
from matplotlib.image import AxesImage
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.text import Text

__all__ = ["FigureExplorer"]


def png_rgb(rgb) -> bytes:
    """An RGB image (height, width, 3) uint8 as PNG bytes, made for speed: every row unfiltered (filter type 0)
    and compressed by zlib at level 1. For the course's figures (flat colours, text) this is as small as what
    PIL writes with its adaptive row filters, in about half the time."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or 0 in rgb.shape:
        raise ValueError(f"rgb: expected a non-empty (height, width, 3) uint8 image, got shape {rgb.shape}, "
                         f"dtype {rgb.dtype}")
    height, width, _ = rgb.shape
    rows = np.zeros((height, 1 + 3 * width), np.uint8)  # each row: its filter type (0, none), then its bytes
    rows[:, 1:] = rgb.reshape(height, 3 * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, colour type 2 (RGB), no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
            + chunk(b"IEND", b""))


class FigureExplorer:
    """Shared plumbing: a figure shown as an image below a row of controls.

    Attributes: fig; image (the ipywidgets.Image showing it); widget (the whole box)
    """

    def _setup(self, fig, controls):
        self.fig = fig
        plt.close(fig)  # shown only through the image widget, not again by the inline backend
        self._canvas = FigureCanvasAgg(fig)
        self._background = None
        self.image = widgets.Image(format="png")
        self.widget = widgets.VBox([widgets.HBox(controls), self.image])
        self._volatile = self._learn_changes(controls)
        for control in controls:
            control.observe(self._on_change, names="value")
            if hasattr(control, "style") and hasattr(control.style, "description_width"):
                control.style.description_width = "initial"  # the whole label, never "encoder lay…"
        self._render()
        # shown at its own pixel size (sharp), not stretched to the output's width; narrower outputs shrink it
        width, _ = self._canvas.get_width_height(physical=True)
        self.image.layout = widgets.Layout(width=f"{width}px", max_width="100%", height="auto")

    @staticmethod
    def _probe_values(control, most: int = 40) -> list:
        """Values of ``control`` to try before the learner does: every value of a control with at most ``most`` of
        them (a time-step slider, a few toggle buttons), else the two neighbours of the current value and both
        ends. Empty for a free text box."""
        if isinstance(control, widgets.Checkbox):
            return [not control.value]
        options = getattr(control, "options", None)
        if options:
            values = [o[1] if isinstance(o, tuple) else o for o in options]
            if len(values) <= most:
                return [v for v in values if v != control.value]
            k = values.index(control.value) if control.value in values else 0
            return [values[j] for j in {k - 1, k + 1, 0, len(values) - 1} if 0 <= j < len(values) and j != k]
        step = getattr(control, "step", None)
        if step is None or not hasattr(control, "max") or not step:
            return []
        low, high, value = control.min, control.max, control.value
        count = int(round((high - low) / step)) + 1
        if count <= most:
            grid = [low + j * step for j in range(count)]
            if isinstance(value, int):
                grid = [int(round(v)) for v in grid]
            return [v for v in grid if v != value and low <= v <= high]
        return [v for v in (value - step, value + step, low, high) if low <= v <= high and v != value]

    def _learn_changes(self, controls) -> set:
        """Move each control through its values (see :meth:`_probe_values`) and back, before any observer is
        attached, and note which artists a move changes: they are drawn after every change from the start, so
        that no move of a control, the first to a value included, pays for drawing the background again
        (matplotlib's text is what makes that slow)."""
        before = {id(a): self._signature(a) for a in self._artists()}
        changed = set()
        for control in controls:
            original = control.value
            for other in self._probe_values(control):
                control.value = other
                self.update()
                changed |= {id(a) for a in self._artists() if self._signature(a) != before.get(id(a))}
            control.value = original
            self.update()
        return {k for k in changed if before.get(k) is not None}  # artists without a signature are always drawn

    def _on_change(self, _change=None) -> None:
        self.update()
        self._render()

    def _artists(self) -> list:
        """Everything a change may alter: the data artists and texts of every axes, the figure's texts."""
        artists = []
        for ax in self.fig.axes:
            artists += [*ax.lines, *ax.patches, *ax.collections, *ax.images, *ax.texts, ax.title,
                        ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        artists += list(self.fig.texts)  # (a suptitle is one of these)
        return list({id(a): a for a in artists}.values())  # each once

    @staticmethod
    def _signature(artist):
        """A cheap summary of how an artist looks, for texts, simple patches and images; None: always redraw it."""
        common = (artist.get_visible(), artist.get_alpha(), artist.get_zorder())
        if isinstance(artist, Text):
            return common + (artist.get_text(), artist.get_position(), str(artist.get_color()),
                             artist.get_fontsize(), artist.get_rotation(), artist.get_ha(), artist.get_va())
        if isinstance(artist, (Rectangle, FancyBboxPatch, Circle, FancyArrowPatch)):
            look = common + (tuple(artist.get_facecolor()), tuple(artist.get_edgecolor()), artist.get_linewidth(),
                             str(artist.get_linestyle()), artist.get_fill())
            if isinstance(artist, (Rectangle, FancyBboxPatch)):
                return look + (artist.get_x(), artist.get_y(), artist.get_width(), artist.get_height())
            if isinstance(artist, Circle):
                return look + (tuple(artist.get_center()), artist.get_radius())
            return look + (repr(artist._posA_posB), id(artist._path_original))
        if isinstance(artist, (AxesImage, QuadMesh)):  # e.g. a fixed error surface under moving paths
            data = np.asarray(artist.get_array(), dtype=float)
            return common + (id(artist.get_array()), data.shape, float(np.nansum(data)), artist.get_clim(),
                             artist.get_cmap().name)
        return None

    def _dynamic_artists(self) -> list:
        """What is drawn after every change: the artists that have no cheap signature (lines, most
        collections, other patches) and those that have changed at least once since the figure was made. The
        others are part of the background, because drawing them (text above all) is slow."""
        return self._draw_order([a for a in self._artists() if a.get_visible()
                                 and (self._signature(a) is None or id(a) in self._volatile)])

    def _legends_over(self, dynamic, renderer) -> list:
        """Every visible axes legend if an artist drawn after the background overlaps one of them from below (a
        legend is part of the background, and a full draw puts it above its axes' data: zorder 5, and after the
        data of the same zorder); else []. The legends' boxes are those of the background. (Figure legends are not
        covered: every explorer's sits outside its axes.)"""
        for legend, box in self._legend_boxes:
            for a in dynamic:
                if a.axes is legend.axes and a.get_zorder() <= legend.get_zorder():
                    extent = a.get_window_extent(renderer)
                    if np.all(np.isfinite(extent.get_points())) and box.overlaps(extent):  # (an empty one is not)
                        return [legend for legend, _ in self._legend_boxes]
        return []

    def _draw_order(self, artists) -> list:
        """Artists in the order a full draw draws them: axes after axes, by zorder within one; figure texts last."""
        order = {id(ax): k for k, ax in enumerate(self.fig.axes)}
        return sorted(artists, key=lambda a: (order.get(id(a.axes), len(order)), a.get_zorder()))

    def _draw_static(self, hidden) -> None:
        """Draw the figure without the artists ``hidden`` (on the canvas, to be copied as a background)."""
        visible = [a.get_visible() for a in hidden]
        # drawing an axes re-places its titles, and places hidden ones wrongly: keep where they are
        positions = [a.get_position() if isinstance(a, Text) else None for a in hidden]
        for artist in hidden:
            artist.set_visible(False)
        try:
            self._canvas.draw()
        finally:
            for artist, was, xy in zip(hidden, visible, positions):
                artist.set_visible(was)
                if xy is not None:
                    artist.set_position(xy)

    def _layout_state(self) -> tuple:
        """The axes' geometry, limits, scales, ticks and legends: when any of it changes, the background is
        redrawn."""
        state = [tuple(self.fig.get_size_inches()), self.fig.dpi]
        for ax in self.fig.axes:
            legend = ax.get_legend()
            state += [ax.get_position().bounds, ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(),
                      tuple(ax.get_xticks()), tuple(ax.get_yticks()), ax.get_visible(),
                      tuple(t.get_text() for t in legend.get_texts()) if legend else None]
        return tuple(state)

    def _fit_to_contents(self, pad: float = 0.08) -> None:
        """Grow the figure so that everything drawn outside it (a legend beside the axes, say) is inside:
        what ``bbox_inches="tight"`` does for a single picture, done once and kept. The axes keep their size."""
        renderer = self._canvas.get_renderer()
        bbox = self.fig.get_tightbbox(renderer).padded(pad)  # inches
        width, height = self.fig.get_size_inches()
        x0, y0 = min(0.0, bbox.x0), min(0.0, bbox.y0)
        x1, y1 = max(width, bbox.x1), max(height, bbox.y1)
        if (x0, y0, x1, y1) == (0.0, 0.0, width, height):
            return
        new_width, new_height = x1 - x0, y1 - y0
        for ax in self.fig.axes:
            p = ax.get_position()
            ax.set_position([(p.x0 * width - x0) / new_width, (p.y0 * height - y0) / new_height,
                             p.width * width / new_width, p.height * height / new_height])
        self.fig.set_size_inches(new_width, new_height)
        self._canvas.draw()

    def render_png(self) -> bytes:
        """The figure as PNG bytes (what the image widget shows): the cached background, then the data."""
        first = self._background is None
        if first:  # place the axes once, with every artist in view, and keep that layout
            self._volatile = getattr(self, "_volatile", set())
            self._signatures, self._layout = {}, None
            self._canvas.draw()
            self.fig.set_layout_engine("none")
            self._fit_to_contents()
        signatures = {id(a): self._signature(a) for a in self._artists()}
        # an artist of the background that changed (or appeared) will probably change again: from now on it
        # is drawn after every change, and the background is drawn once more without it
        newly = {k for k, sig in signatures.items()
                 if sig is not None and k not in self._volatile and self._signatures.get(k) != sig}
        if not first:
            self._volatile |= newly
        dynamic = self._dynamic_artists()
        if first or newly or self._layout_state() != self._layout:
            self._draw_static(dynamic)  # the static part only
            self._background = self._canvas.copy_from_bbox(self.fig.bbox)
            self._bare = None  # the static part without its legends: made when first needed
            renderer = self._canvas.get_renderer()
            self._legend_boxes = [(ax.get_legend(), ax.get_legend().get_window_extent(renderer))
                                  for ax in self.fig.axes if ax.get_legend() is not None
                                  and ax.get_legend().get_visible()]  # where the background has them
            self._layout = self._layout_state()  # as drawn (drawing may move labels)
            self._signatures = {id(a): sig for a in self._artists() if (sig := self._signature(a)) is not None}
        renderer = self._canvas.get_renderer()
        legends = self._legends_over(dynamic, renderer)
        if legends:  # a full draw puts a legend above the data under it: draw the legends after the data
            if self._bare is None:
                self._draw_static(dynamic + legends)
                self._bare = self._canvas.copy_from_bbox(self.fig.bbox)
            self._canvas.restore_region(self._bare)
            dynamic = self._draw_order(dynamic + legends)
        else:
            self._canvas.restore_region(self._background)
        for artist in dynamic:
            artist.draw(renderer)
        # RGB (the figure is opaque): a tenth smaller than RGBA, and quicker to encode and to send
        return png_rgb(np.asarray(self._canvas.buffer_rgba())[..., :3])

    def _render(self) -> None:
        self.image.value = self.render_png()

    def _ipython_display_(self):
        display(self.widget)
