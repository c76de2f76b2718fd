"""Notebook 07: Pascanu et al.'s one-unit RNN, its error surface and cliff, gradient descent thrown off the cliff and
held by clipping, and clipping by norm vs by value.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.colors import LogNorm
from matplotlib.patches import Circle, Rectangle
from matplotlib.ticker import NullLocator

from ..optim import clip_grad_norm, clip_grad_value
from ..scalar_rnn import cliff_line, error_and_gradient, error_surface, forward, gradient_descent, X0
from .style import COLORS

__all__ = ["CLIPPING_COLORS", "CLIPPING_SUMMARY_STEPS", "plot_error_surface", "DESCENT_VIEW",
           "plot_clipping_descent", "update_clipping_descent", "plot_clipping_directions"]


CLIPPING_COLORS = {"unclipped": "#E8412C", "clipped": "#FFFFFF", "cliff": "#FF6FD8", "rescaled": "#00C8FF"}


CLIPPING_SUMMARY_STEPS = 20  # the E panel's title reports the median error over the last steps, not the last one


def _surface_image(ax, w, b, E, colorbar: bool = True):
    """E(w, b) as an image with a logarithmic colour scale, and the cliff line; returns the image."""

    w, b, E = np.asarray(w), np.asarray(b), np.asarray(E)
    positive = E[E > 0]
    low = max(float(positive.min()) if positive.size else 1e-6, 1e-6)
    image = ax.imshow(E, origin="lower", extent=(w[0], w[-1], b[0], b[-1]), aspect="auto", cmap="viridis",
                      norm=LogNorm(vmin=low, vmax=max(float(E.max()), 2 * low)), interpolation="nearest")
    w_fine = np.linspace(w[0], w[-1], 400)  # (400,)
    b_cliff = cliff_line(w_fine, X0)  # (400,), nan where there is no cliff
    keep = np.isfinite(b_cliff)
    ax.plot(w_fine[keep], b_cliff[keep], ls="--", lw=2.0, color=CLIPPING_COLORS["cliff"], gid="cliff",
            label=f"the cliff: b = {X0:g} − w·σ({X0:g})")
    ax.set_xlim(w[0], w[-1])
    ax.set_ylim(b[0], b[-1])
    ax.set_xlabel("w  (recurrent weight)")
    ax.set_ylabel("b  (bias)")
    ax.grid(False)
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, label="E = (σ(x_T) − 0.7)²  (log scale)")
        bar.ax.minorticks_off()  # one tick per decade is enough, and cheaper to draw
    return image


def _label_plateaus(ax, w, b, T):
    """Write sigma(x_T) and E at two spots, below and above the cliff (computed, not typed in)."""
    spots = [(w[0] + 0.62 * (w[-1] - w[0]), b[0] + 0.1 * (b[-1] - b[0])),
             (w[0] + 0.62 * (w[-1] - w[0]), b[0] + 0.8 * (b[-1] - b[0]))]
    for ws, bs in spots:
        E_spot, cache = forward(ws, bs, T)
        ax.text(ws, bs, f"σ(x_T) = {float(cache.s[-1]):.2f}\nE = {float(E_spot):.2f}", ha="center", va="center",
                fontsize=8, color="black", bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 1.5})


def plot_error_surface(w, b, E, section_w: float | None = 5.0, T: int = 50):
    """The error surface of the one-unit RNN (:mod:`helpers.scalar_rnn`) with its cliff, and optionally
    a cross-section at one w: E and |dE/db| along b, computed finely enough to resolve the wall.

    Inputs:  w (n,), b (m,), E (m, n) from :func:`helpers.scalar_rnn.error_surface`;
             section_w: the w of the cross-section (None: surface only); T as used for E
    Returns: (fig, ax) or, with a cross-section, (fig, (ax_surface, ax_E, ax_grad))
    """
    w, b, E = np.asarray(w), np.asarray(b), np.asarray(E)
    if E.shape != (b.size, w.size):
        raise ValueError(f"E: expected shape (len(b), len(w)) = {(b.size, w.size)}, got {E.shape}")
    if section_w is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.6))
        _surface_image(ax, w, b, E)
        _label_plateaus(ax, w, b, T)
        ax.set_title(f"error of the one-unit RNN after T = {T} steps")
        ax.legend(loc="lower left", fontsize=8, labelcolor="white", facecolor="black", framealpha=0.45, frameon=True)
        return fig, ax
    fig = plt.figure(figsize=(11.0, 4.6))
    grid = fig.add_gridspec(2, 2, width_ratios=[1.25, 1.0])
    ax = fig.add_subplot(grid[:, 0])
    ax_E = fig.add_subplot(grid[0, 1])
    ax_g = fig.add_subplot(grid[1, 1], sharex=ax_E)
    _surface_image(ax, w, b, E)
    _label_plateaus(ax, w, b, T)
    ax.axvline(section_w, color="white", lw=1.0, ls=":", label=f"cross-section at w = {section_w:g}")
    ax.set_title(f"error of the one-unit RNN after T = {T} steps")
    ax.legend(loc="lower left", fontsize=8, labelcolor="white", facecolor="black", framealpha=0.45, frameon=True)
    b_cliff = float(cliff_line(np.array([section_w]), X0)[0])
    b_line = np.linspace(b[0], b[-1], 1500)  # (1500,)
    if np.isfinite(b_cliff):  # resolve the wall: points ever closer to the cliff on both sides
        near = b_cliff + np.concatenate([-np.logspace(-12, 0, 300), np.logspace(-12, 0, 300)])  # (600,)
        b_line = np.sort(np.concatenate([b_line, near[(near > b[0]) & (near < b[-1])]]))
    E_line, _, dE_db = error_and_gradient(section_w, b_line, T)
    ax_E.plot(b_line, E_line, color="black", lw=1.4)
    ax_E.set_ylabel("E")
    ax_E.set_title(f"along the dotted line (w = {section_w:g})", fontsize=10)
    ax_g.semilogy(b_line, np.maximum(np.abs(dE_db), 1e-300), color=COLORS["positive"], lw=1.2)
    ax_g.set_ylabel("|∂E/∂b|  (log)")
    ax_g.set_xlabel("b")
    if np.isfinite(b_cliff):
        for a in (ax_E, ax_g):
            a.axvline(b_cliff, color=CLIPPING_COLORS["cliff"], ls="--", lw=1.2)
        ax_E.annotate("the cliff", (b_cliff, 0.5 * (E_line.min() + E_line.max())), xytext=(12, 0),
                      textcoords="offset points", fontsize=9, va="center")
    ax_E.tick_params(labelbottom=False)
    return fig, (ax, ax_E, ax_g)


def _descent_paths(w0, b0, lr, max_norm, steps):
    """Gradient descent from (w0, b0) without and with clipping: one DescentPath with 2 paths."""
    return gradient_descent(np.array([w0, w0], dtype=float), np.array([b0, b0], dtype=float), lr, steps,
                            max_norm=np.array([np.inf, max_norm]))


def _first_exit(pw, pb, xlim, ylim):
    """Where a path first leaves the box xlim x ylim: (step k, crossing point on the border), or None."""
    inside = (pw >= xlim[0]) & (pw <= xlim[1]) & (pb >= ylim[0]) & (pb <= ylim[1])
    if inside.all():
        return None
    k = int(np.argmin(inside))
    if k == 0:
        return 0, (float(np.clip(pw[0], *xlim)), float(np.clip(pb[0], *ylim)))
    (w1, b1), (w2, b2) = (pw[k - 1], pb[k - 1]), (pw[k], pb[k])
    frac = 1.0  # the fraction of the segment inside the box
    for start, end, (low, high) in ((w1, w2, xlim), (b1, b2, ylim)):
        if end > high:
            frac = min(frac, (high - start) / (end - start))
        elif end < low:
            frac = min(frac, (low - start) / (end - start))
    return k, (float(w1 + frac * (w2 - w1)), float(b1 + frac * (b2 - b1)))


DESCENT_VIEW = {"w_lim": (3.0, 6.5), "b_lim": (-3.5, 0.0)}  # where the descents of notebook 07 happen


def plot_clipping_descent(w0: float = 5.5, b0: float = -1.5, lr: float = 1.0, max_norm: float = 0.5,
                          steps: int = 80, surface=None):
    """Gradient descent on the one-unit RNN's error surface, without and with clipping by norm.

    The situation of Goodfellow et al. (2016), Fig. 10.17: where the path meets the cliff the gradient
    is huge, and an unclipped step throws the parameters far away; the clipped step, never longer
    than lr * max_norm, stays near. A path that leaves the plotted area ends at a marker on the border;
    squares mark the points from which the clipped path took a rescaled step.
    The static twin of :class:`helpers.widgets.ClippingExplorer`.

    Inputs:  start (w0, b0); learning rate lr; clipping threshold max_norm; steps;
             surface: (w, b, E) from :func:`helpers.scalar_rnn.error_surface`; if None, computed on
             DESCENT_VIEW, the region near the cliff where the descents happen
    Returns: (fig, (ax_surface, ax_error))
    """

    w, b, E = error_surface(**DESCENT_VIEW) if surface is None else surface
    fig, (ax, ax_E) = plt.subplots(1, 2, figsize=(11.0, 5.0), gridspec_kw={"width_ratios": [1.25, 1.0]})
    _surface_image(ax, w, b, E)
    outline = [patheffects.withStroke(linewidth=2.4, foreground="black")]
    styles = {"clipped": dict(color=CLIPPING_COLORS["clipped"], lw=1.2, ms=1.8, zorder=4, path_effects=outline),
              "unclipped": dict(color=CLIPPING_COLORS["unclipped"], lw=1.3, ms=2.5, zorder=5)}
    for name, style in styles.items():
        if name == "clipped":  # the outlined line without markers, then the markers (an outline per marker is slow)
            ax.plot([], [], "-", gid=f"path-{name}", label="_nolegend_", **style)
            ax.plot([], [], "o", gid=f"path-{name}-markers", color=style["color"], ms=style["ms"] + 0.6,
                    mec="black", mew=0.5, zorder=style["zorder"])
            ax.plot([], [], "o-", label=f"{name} descent", **style)  # the legend's handle: it has no data
        else:
            ax.plot([], [], "o-", gid=f"path-{name}", label=f"{name} descent", **style)
        ax.plot([], [], "X", ms=11, mec="black", mew=0.8, gid=f"exit-{name}", color=style["color"], zorder=6,
                label="left the plotted area" if name == "unclipped" else None)
    ax.plot([], [], "s", ms=7, mfc="none", mec=CLIPPING_COLORS["rescaled"], mew=1.8, gid="clipped-steps", zorder=6,
            label="step was clipped", path_effects=[patheffects.withStroke(linewidth=3.0, foreground="black")])
    ax.plot([], [], "*", ms=15, color="gold", mec="black", gid="start", zorder=7, label="start")
    ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=8, color="white", va="bottom", gid="exit-text",
            bbox={"facecolor": "black", "alpha": 0.55, "edgecolor": "none", "pad": 2})
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=8)
    ax_E.plot([], [], "o-", ms=2.5, lw=1.8, color="black", gid="error-clipped", label="clipped by norm")
    ax_E.plot([], [], "o--", ms=2, lw=1.2, color=CLIPPING_COLORS["unclipped"], gid="error-unclipped",
              label="unclipped")
    ax_E.plot([], [], "s", ms=5.5, mfc="none", mec=CLIPPING_COLORS["rescaled"], mew=1.5, gid="error-clipped-steps",
              zorder=3, label="step was clipped")
    ax_E.set_yscale("log")
    ax_E.yaxis.set_minor_locator(NullLocator())
    ax_E.set_xlabel("gradient-descent step")
    ax_E.set_ylabel("E  (log scale)")
    ax_E.set_xlim(0, steps)
    ax_E.legend(loc="lower left", fontsize=8)
    fig._clipping = {"steps": steps, "xlim": (float(w[0]), float(w[-1])), "ylim": (float(b[0]), float(b[-1]))}
    update_clipping_descent(fig, (ax, ax_E), w0, b0, lr, max_norm)
    return fig, (ax, ax_E)


def update_clipping_descent(fig, axes, w0: float, b0: float, lr: float, max_norm: float):
    """Recompute both descents for new settings and move the artists of :func:`plot_clipping_descent`."""
    ax, ax_E = axes
    state = fig._clipping
    path = _descent_paths(w0, b0, lr, max_norm, state["steps"])
    lines = {line.get_gid(): line for line in ax.lines + ax_E.lines}
    texts = [t for t in ax.texts if t.get_gid() == "exit-text"]
    messages = []
    floor = 1e-8  # smaller errors are drawn on the bottom edge
    for i, name in enumerate(("unclipped", "clipped")):
        pw, pb, pE = path.w[:, i], path.b[:, i], path.E[:, i]  # (steps + 1,) each
        lines[f"path-{name}"].set_data(pw, pb)
        if f"path-{name}-markers" in lines:
            lines[f"path-{name}-markers"].set_data(pw, pb)
        lines[f"error-{name}"].set_data(np.arange(pw.size), np.maximum(pE, floor))
        exit_ = _first_exit(pw, pb, state["xlim"], state["ylim"])
        if exit_ is None:
            lines[f"exit-{name}"].set_data([], [])
        else:
            k, (xw, xb) = exit_
            lines[f"exit-{name}"].set_data([xw], [xb])
            messages.append(f"{name}: left the plot at step {k}, to (w, b) = ({pw[k]:.3g}, {pb[k]:.3g})"
                            + ("; stopped there (|w| or |b| > 1000)" if path.escaped[i] else ""))
    k_clip = np.flatnonzero(path.clipped[:, 1])  # the steps at which the clipped path was rescaled
    lines["clipped-steps"].set_data(path.w[k_clip, 1], path.b[k_clip, 1])
    lines["error-clipped-steps"].set_data(k_clip, np.maximum(path.E[k_clip, 1], floor))
    lines["start"].set_data([w0], [b0])
    texts[0].set_text("\n".join(messages))
    texts[0].set_visible(bool(messages))
    ax_E.set_ylim(floor, 1.0)  # fixed, so that a slider move redraws only the curves
    ax.set_title(f"start ({w0:.2f}, {b0:.2f}), learning rate {lr:.3g}, threshold {max_norm:.3g}",
                 fontsize=10)
    n_last = min(CLIPPING_SUMMARY_STEPS, state["steps"])  # a median: the last E may be the bottom of a zigzag
    median = np.median(path.E[-n_last:], axis=0)  # (2,): unclipped, clipped
    # right-aligned: a longer title grows to the left, into the gap between the panels, not out of the figure
    ax_E.set_title(f"{int(path.clipped[:, 1].sum())} of {state['steps']} steps clipped; median E, last {n_last}: "
                   f"{median[0]:.2g} vs {median[1]:.2g} clipped", fontsize=10, loc="right")


def plot_clipping_directions(g=(3.0, 1.0), threshold: float = 1.0):
    """Clipping by norm keeps the gradient's direction; clipping by value changes it (2-D arrows).

    Inputs:  g: a 2-entry gradient (g_1, g_2), treated as one parameter of 2 entries; threshold tau
    Returns: (fig, (ax_norm, ax_value))
    """

    g = np.asarray(g, dtype=np.float64)
    if g.shape != (2,):
        raise ValueError(f"g: expected shape (2,), got {g.shape}")
    by_norm = clip_grad_norm({"g": g}, threshold)[0]["g"]
    by_value = clip_grad_value({"g": g}, threshold)["g"]

    def angle(v):
        return float(np.degrees(np.arctan2(v[1], v[0])))

    fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.2))
    x_lim = (-1.15 * threshold, 1.25 * max(g[0], threshold, 0.0))
    y_lim = (-1.15 * threshold, 1.4 * max(g[1], threshold, 0.0))
    for ax, clipped, kind in ((axes[0], by_norm, "norm"), (axes[1], by_value, "value")):
        if kind == "norm":
            ax.add_patch(Circle((0, 0), threshold, fill=False, ls="--", color="grey", label=f"‖g‖ = {threshold:g}"))
        else:
            ax.add_patch(Rectangle((-threshold, -threshold), 2 * threshold, 2 * threshold, fill=False, ls="--",
                                   color="grey", label=f"|g_i| = {threshold:g}"))
        ax.annotate("", xy=g, xytext=(0, 0), arrowprops=dict(arrowstyle="-|>", color="grey", lw=2.0),
                    gid="arrow-gradient")
        ax.annotate("", xy=clipped, xytext=(0, 0), gid="arrow-clipped",
                    arrowprops=dict(arrowstyle="-|>", color=COLORS["positive"], lw=2.4))
        ax.text(*g, f"  g = ({g[0]:g}, {g[1]:g})", fontsize=9, va="bottom", color="dimgrey")
        ax.text(*clipped, f"  clipped: ({clipped[0]:.2f}, {clipped[1]:.2f})  ", fontsize=9, color=COLORS["positive"],
                **(dict(va="top", ha="left") if kind == "norm" else dict(va="bottom", ha="right")))
        turn = angle(clipped) - angle(g)
        ax.set_title(f"clipped by {kind}: length {np.linalg.norm(clipped):.2f}, "
                     f"direction {'kept' if abs(turn) < 1e-9 else f'turned by {abs(turn):.1f}°'}", fontsize=10)
        ax.set_xlim(*x_lim)
        ax.set_ylim(*y_lim)
        ax.set_aspect("equal")
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_xlabel("g₁")
        ax.set_ylabel("g₂")
        ax.legend(loc="upper left", fontsize=8)
    return fig, tuple(axes)
