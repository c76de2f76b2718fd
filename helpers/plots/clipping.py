"""Notebook 07: Pascanu et al.'s one-unit RNN, its error surface and cliff, why the gradient explodes there, gradient
descent thrown off the cliff and held by clipping, clipping by norm vs by value, clipping inside the backward pass,
and clipping in a training loop.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap, LogNorm
from matplotlib.patches import Circle, Rectangle
from matplotlib.ticker import NullLocator

from ..optim import clip_grad_norm, clip_grad_value
from ..numerics import sigmoid
from ..scalar_rnn import cliff_line, error_and_gradient, error_surface, forward, gradient_descent, X0
from .style import COLORS, PALETTE

__all__ = ["CLIPPING_COLORS", "CLIPPING_SUMMARY_STEPS", "plot_error_surface", "plot_cliff_lingering", "DESCENT_VIEW",
           "plot_clipping_descent", "update_clipping_descent", "plot_clipping_directions", "plot_step_contributions",
           "plot_clipped_training"]


# Okabe-Ito colours: the descent without clipping vermillion, with clipping black, the cliff reddish purple, the
# points from which a clipped step was taken blue
CLIPPING_COLORS = {"unclipped": PALETTE["vermillion"], "clipped": PALETTE["black"], "cliff": PALETTE["purple"],
                   "rescaled": PALETTE["blue"]}


CLIPPING_SUMMARY_STEPS = 20  # the E panel's title reports the median error over the last steps, not the last one


# viridis mixed with white: a paler surface, under which the descent paths stand out (the colour bar uses it too)
_PALE_VIRIDIS = ListedColormap(0.45 * plt.get_cmap("viridis")(np.linspace(0, 1, 256))[:, :3] + 0.55, name="pale")


def _surface_image(ax, w, b, E, colorbar: bool = True, pale: bool = False):
    """E(w, b) as an image with a logarithmic colour scale, and the cliff line; returns the image."""

    w, b, E = np.asarray(w), np.asarray(b), np.asarray(E)
    positive = E[E > 0]
    low = max(float(positive.min()) if positive.size else 1e-6, 1e-6)
    image = ax.imshow(E, origin="lower", extent=(w[0], w[-1], b[0], b[-1]), aspect="auto",
                      cmap=_PALE_VIRIDIS if pale else "viridis",
                      norm=LogNorm(vmin=low, vmax=max(float(E.max()), 2 * low)), interpolation="nearest")
    w_fine = np.linspace(w[0], w[-1], 400)  # (400,)
    b_cliff = cliff_line(w_fine, X0)  # (400,), nan where there is no cliff
    keep = np.isfinite(b_cliff)
    ax.plot(w_fine[keep], b_cliff[keep], ls="--", lw=2.0, color=CLIPPING_COLORS["cliff"], gid="cliff",
            label=rf"the cliff: $b = {X0:g} - w\,\sigma({X0:g})$")
    ax.set_xlim(w[0], w[-1])
    ax.set_ylim(b[0], b[-1])
    ax.set_xlabel("w  (recurrent weight)")
    ax.set_ylabel("b  (bias)")
    ax.grid(False)
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, label=r"$E = (\sigma(x_T) - 0.7)^2$  (log scale)")
        bar.ax.minorticks_off()  # one tick per decade is enough, and cheaper to draw
    return image


def _label_plateaus(ax, w, b, T):
    """Write sigma(x_T) and E at two spots, below and above the cliff (computed, not typed in)."""
    spots = [(w[0] + 0.62 * (w[-1] - w[0]), b[0] + 0.1 * (b[-1] - b[0])),
             (w[0] + 0.62 * (w[-1] - w[0]), b[0] + 0.8 * (b[-1] - b[0]))]
    for ws, bs in spots:
        E_spot, cache = forward(ws, bs, T)
        ax.text(ws, bs, f"$\\sigma(x_T) = {float(cache.s[-1]):.2f}$\n$E = {float(E_spot):.2f}$", ha="center",
                va="center", fontsize=10, color="black",
                bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 2})


def _dark_legend(ax):
    ax.legend(loc="lower left", fontsize=10, labelcolor="white", facecolor="black", framealpha=0.55, frameon=True)


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
        _dark_legend(ax)
        return fig, ax
    fig = plt.figure(figsize=(11.5, 4.8))
    grid = fig.add_gridspec(2, 2, width_ratios=[1.25, 1.0])
    ax = fig.add_subplot(grid[:, 0])
    ax_E = fig.add_subplot(grid[0, 1])
    ax_g = fig.add_subplot(grid[1, 1], sharex=ax_E)
    _surface_image(ax, w, b, E)
    _label_plateaus(ax, w, b, T)
    ax.axvline(section_w, color="white", lw=1.2, ls=":", label=f"cross-section at w = {section_w:g}")
    ax.set_title(f"error of the one-unit RNN after T = {T} steps")
    _dark_legend(ax)
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
    ax_g.set_ylabel(r"$|\partial E/\partial b|$  (log)")
    ax_g.set_xlabel("b")
    if np.isfinite(b_cliff):
        for a in (ax_E, ax_g):
            a.axvline(b_cliff, color=CLIPPING_COLORS["cliff"], ls="--", lw=1.4)
        ax_E.annotate("the cliff", (b_cliff, 0.5 * (E_line.min() + E_line.max())), xytext=(12, 0),
                      textcoords="offset points", fontsize=10, va="center")
    ax_E.tick_params(labelbottom=False)
    return fig, (ax, ax_E, ax_g)


def plot_cliff_lingering(x, delta, offsets, w: float, stable=()):
    """Why the gradient explodes at the cliff: sigma(x_t) of runs started near it, and |dE/dx_t| along them.

    Inputs:  x (T + 1, M) the states of M runs with b = cliff + offsets (from :func:`helpers.scalar_rnn.forward`);
             delta (T + 1, M) dE/dx_t of each run; offsets (M,) b minus the cliff's b; w the runs' weight;
             stable: the outputs sigma(x*) of the map's stable fixed points, drawn as thin lines (optional)
    Returns: (fig, (ax_state, ax_delta))
    """
    x, delta, offsets = np.asarray(x), np.asarray(delta), np.asarray(offsets, dtype=float)
    if x.shape != delta.shape or x.ndim != 2 or x.shape[1] != offsets.size:
        raise ValueError(f"x, delta: expected two arrays of shape (T + 1, len(offsets)) = (T + 1, {offsets.size}), "
                         f"got {x.shape} and {delta.shape}")
    distances = np.unique(np.abs(offsets))  # near to far: solid, dashed, dotted, dash-dotted
    if distances.size > 4:
        raise ValueError(f"offsets: expected at most 4 distances from the cliff, got {distances.size}")
    styles = dict(zip(distances, ("-", "--", ":", "-.")))
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11.5, 4.8))
    steps = np.arange(x.shape[0])
    ax0.axhline(sigmoid(np.float64(X0)), color=PALETTE["grey"], lw=1.0, ls=(0, (6, 3)), zorder=1,
                label=rf"the watershed $\sigma({X0:g})$")
    for k, level in enumerate(stable):
        ax0.axhline(level, color=PALETTE["black"], lw=1.0, ls=":", zorder=1,
                    label="the stable states: " + ", ".join(f"{v:.2f}" for v in stable) if k == 0 else None)
    for j, d in enumerate(offsets):
        below = d < 0
        look = dict(color=COLORS["negative"] if below else COLORS["positive"], marker="v" if below else "^",
                    markevery=5, ms=5, ls=styles[abs(d)], lw=1.6, zorder=2)
        label = f"b = cliff {d:+.0e} ({'below' if below else 'above'})"
        ax0.plot(steps, sigmoid(x[:, j]), label=label, **look)
        ax1.plot(steps, np.abs(delta[:, j]), label=label, **look)
    ax1.set_yscale("log")
    ax0.set(xlabel="step t", ylabel=r"$\sigma(x_t)$", title=f"w = {w:g}: the closer b is to the cliff, the longer "
            "$x_t$ lingers")
    ax1.set(xlabel="step t", ylabel=r"$|\partial E/\partial x_t|$  (log scale)",
            title=r"backwards in time, $|\partial E/\partial x_t|$ grows while $x_t$ lingers")
    for ax in (ax0, ax1):
        ax.set_xlim(steps[0], steps[-1])
    handles, labels = ax0.get_legend_handles_labels()  # the reference lines first: move them last
    first = 1 + bool(len(stable))
    fig.legend(handles[first:] + handles[:first], labels[first:] + labels[:first], loc="outside lower center",
               ncol=4, fontsize=10)
    return fig, (ax0, ax1)


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
    than lr * max_norm, stays near. The surface is drawn pale, so that the paths stand out: the clipped one
    thin and black with a dot per point, the unclipped one a broad vermillion band beneath it (where both agree,
    the band shows under the dots). A path that leaves the plotted area ends at a cross on the border;
    blue diamonds mark the points from which the clipped path took a rescaled step.
    The static twin of :class:`helpers.widgets.ClippingExplorer`.

    Inputs:  start (w0, b0); learning rate lr; clipping threshold max_norm; steps;
             surface: (w, b, E) from :func:`helpers.scalar_rnn.error_surface`; if None, computed on
             DESCENT_VIEW, the region near the cliff where the descents happen
    Returns: (fig, (ax_surface, ax_error))
    """

    w, b, E = error_surface(**DESCENT_VIEW) if surface is None else surface
    fig, (ax, ax_E) = plt.subplots(1, 2, figsize=(11.5, 5.4), gridspec_kw={"width_ratios": [1.25, 1.0]})
    _surface_image(ax, w, b, E, pale=True)
    red, black, blue = CLIPPING_COLORS["unclipped"], CLIPPING_COLORS["clipped"], CLIPPING_COLORS["rescaled"]
    ax.plot([], [], "-", color=red, lw=3.5, solid_capstyle="round", gid="path-unclipped", zorder=4,
            label="unclipped descent")
    ax.plot([], [], "-o", color=black, lw=1.0, ms=2.6, gid="path-clipped", zorder=5, label="clipped descent")
    for name, colour, edge in (("unclipped", red, "black"), ("clipped", black, "white")):
        exit_marker, = ax.plot([], [], "X", ms=11, mec=edge, mew=0.8, gid=f"exit-{name}", color=colour, zorder=6,
                               clip_on=False, label="left the plotted area" if name == "unclipped" else None)
        exit_marker.set_in_layout(False)  # drawn whole on the border, but the layout ignores it (it may be empty)
    ax.plot([], [], "D", ms=4.5, color=blue, mec="white", mew=0.4, gid="clipped-steps", zorder=6,
            label="a clipped step starts here")
    ax.plot([], [], "*", ms=15, color=PALETTE["yellow"], mec="black", gid="start", zorder=7, label="start")
    ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=9, color="white", va="bottom", gid="exit-text",
            bbox={"facecolor": "black", "alpha": 0.6, "edgecolor": "none", "pad": 2})
    # one legend for both panels, below them: the right panel draws the same things in the same way
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=6, fontsize=10)
    ax_E.plot([], [], "-", lw=3.5, color=red, gid="error-unclipped", label="unclipped descent")
    ax_E.plot([], [], "-o", ms=2.6, lw=1.0, color=black, gid="error-clipped", label="clipped descent")
    ax_E.plot([], [], "D", ms=4.5, color=blue, mec="white", mew=0.4, gid="error-clipped-steps", zorder=3,
              label="a clipped step starts here")
    ax_E.set_yscale("log")
    ax_E.yaxis.set_minor_locator(NullLocator())
    ax_E.set_xlabel("gradient-descent step")
    ax_E.set_ylabel("E  (log scale)")
    ax_E.set_xlim(0, steps)
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

    fig, axes = plt.subplots(1, 2, figsize=(11.0, 3.6))
    x_lim = (-1.15 * threshold, 1.3 * max(g[0], threshold, 0.0))
    y_lim = (-1.15 * threshold, 1.6 * max(g[1], threshold, 0.0))
    for ax, clipped, kind in ((axes[0], by_norm, "norm"), (axes[1], by_value, "value")):
        if kind == "norm":
            ax.add_patch(Circle((0, 0), threshold, fill=False, ls="--", color="grey",
                                label=rf"$\|g\| = {threshold:g}$"))
        else:
            ax.add_patch(Rectangle((-threshold, -threshold), 2 * threshold, 2 * threshold, fill=False, ls="--",
                                   color="grey", label=rf"$|g_i| \leq {threshold:g}$"))
        ax.annotate("", xy=g, xytext=(0, 0), arrowprops=dict(arrowstyle="-|>", color="grey", lw=2.0),
                    gid="arrow-gradient")
        ax.annotate("", xy=clipped, xytext=(0, 0), gid="arrow-clipped",
                    arrowprops=dict(arrowstyle="-|>", color=COLORS["positive"], lw=2.4))
        ax.annotate(f"g = ({g[0]:g}, {g[1]:g})", g, xytext=(0, 6), textcoords="offset points", fontsize=10,
                    ha="center", va="bottom", color="dimgrey")
        # beside the arrow's tip, outside the circle or square (never inside the box it points at)
        ax.annotate(f"clipped: ({clipped[0]:.2f}, {clipped[1]:.2f})", clipped, fontsize=10, color=COLORS["positive"],
                    textcoords="offset points", **(dict(xytext=(8, -4), va="top", ha="left") if kind == "norm"
                                                   else dict(xytext=(0, 6), va="bottom", ha="center")))
        turn = angle(clipped) - angle(g)
        ax.set_title(f"clipped by {kind}: length {np.linalg.norm(clipped):.2f}, "
                     f"direction {'kept' if abs(turn) < 1e-9 else f'turned by {abs(turn):.1f}°'}", fontsize=10)
        ax.set_xlim(*x_lim)
        ax.set_ylim(*y_lim)
        ax.set_aspect("equal")
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_xlabel("$g_1$")
        ax.set_ylabel("$g_2$")
        ax.legend(loc="upper left", fontsize=10)
    return fig, tuple(axes)


def plot_step_contributions(steps, contributions: dict, error_step: int):
    """Each time step's term in a weight gradient, for gradients computed in different ways (log scale).

    Inputs:  steps (n,) the time steps; contributions {label: (n,) the norm of each step's term}, at most 3;
             error_step: the step at which the error enters (marked)
    Returns: (fig, ax)
    """
    fig, ax = plt.subplots(figsize=(8.5, 4.0))
    looks = ((PALETTE["blue"], "-", "o"), (PALETTE["orange"], "--", "s"), (PALETTE["green"], "-.", "^"))
    for (label, values), (colour, style, marker) in zip(contributions.items(), looks):
        ax.semilogy(steps, values, ls=style, marker=marker, ms=4, lw=1.6, color=colour, label=label)
    ax.axvline(error_step, color=PALETTE["grey"], lw=1.0, ls=":")
    ax.annotate("the error\nenters here", (error_step, 0.5), xycoords=("data", "axes fraction"), xytext=(-6, 0),
                textcoords="offset points", ha="right", va="center", fontsize=10)
    ax.set_xlim(min(steps) - 0.5, error_step + 0.5)
    ax.set(xlabel="step t", ylabel=r"$\|$contribution of step t to $\partial E/\partial W\|$",
           title=r"each step's term in $\partial E/\partial W$, both gradients of the same total length")
    ax.legend(loc="lower left", fontsize=10)
    return fig, ax


def plot_clipped_training(runs: dict, threshold: float, baseline: float, stop_loss: float):
    """Training with and without clipping: the loss and the gradient norm before clipping, per update.

    Inputs:  runs {label: {"loss": [...], "norm": [...], "stopped": update index or None}}, at most 3 (a stopped
             run ends at a cross); threshold: the clipping threshold tau; baseline: the loss of predicting 0;
             stop_loss: a run stops before an update whose loss exceeds it (a power of ten)
    Returns: (fig, (ax_loss, ax_norm))
    """
    fig, (ax_loss, ax_norm) = plt.subplots(1, 2, figsize=(11.5, 4.2))
    looks = ((PALETTE["vermillion"], "--"), (PALETTE["blue"], "-"), (PALETTE["green"], "-."))
    for (label, run), (colour, style) in zip(runs.items(), looks):
        for ax, key in ((ax_loss, "loss"), (ax_norm, "norm")):
            values = np.asarray(run[key], dtype=float)
            ax.semilogy(np.arange(values.size), values, ls=style, lw=1.5, color=colour, label=label)
            if run["stopped"] is not None:  # where the run ended: a cross at its last value
                ax.plot([values.size - 1], [values[-1]], "X", ms=10, color=colour, mec="black", mew=0.8,
                        label=f"stopped here: the next loss was $> 10^{{{np.log10(stop_loss):.0f}}}$"
                        if key == "loss" else "_nolegend_")
    ax_loss.axhline(baseline, color=PALETTE["black"], ls=":", lw=1.2, label=f"predicting 0 (loss {baseline:g})")
    ax_norm.axhline(threshold, color=PALETTE["black"], ls=":", lw=1.2, label=rf"threshold $\tau = {threshold:g}$")
    ax_loss.set(xlabel="SGD update", ylabel="training loss (MSE)", title="training loss")
    ax_norm.set(xlabel="SGD update", ylabel=r"$\|g\|$ before clipping", title="global gradient norm")
    for ax in (ax_loss, ax_norm):
        ax.set_xlim(0, max(len(run["loss"]) for run in runs.values()))
        ax.legend(loc="upper right", fontsize=10)
    return fig, (ax_loss, ax_norm)
