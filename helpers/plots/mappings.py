"""Notebooks 00-01: a neuron's sigmoid (the slider demo), a dense layer as a mapping, semantic vectors, time series
and their windows.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from ..numerics import sigmoid, sigmoid_derivative
from .style import COLORS, PALETTE, fig_ax

__all__ = ["plot_sigmoid", "update_sigmoid_plot", "draw_dense_layer", "plot_semantic_vectors", "plot_series",
           "plot_weather_record", "plot_order_and_shuffle", "plot_window"]


def _sigmoid_curves(w: float, b: float, x):
    a = w * x + b  # pre-activation
    return sigmoid(a), w * sigmoid_derivative(a)


def plot_sigmoid(w: float = 1.0, b: float = 0.0, x_range=(-6.0, 6.0)):
    """sigma(w x + b) and its slope d/dx sigma(w x + b) = w sigma'(w x + b), for one (w, b).

    The static twin of :class:`helpers.widgets.SigmoidExplorer`.
    Returns: (fig, ax)
    """
    x = np.linspace(*x_range, 400)  # (400,)
    fig, ax = plt.subplots(figsize=(8.4, 3.4))
    ax.plot(x, np.zeros_like(x), color=COLORS["input"], lw=2, label="σ(w·x + b)", gid="value")
    ax.plot(x, np.zeros_like(x), color=COLORS["hidden"], lw=2, ls="--",
            label="slope  w·σ′(w·x + b)", gid="slope")
    ax.axhline(0.25, color="grey", lw=0.8, ls=":", label="1/4: the largest slope of σ(x) itself")
    ax.set_xlim(*x_range)
    ax.set_xlabel("x")
    ax.set_ylabel("value")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    update_sigmoid_plot(ax, w, b)
    return fig, ax


def update_sigmoid_plot(ax, w: float, b: float) -> None:
    """Move the existing curves of :func:`plot_sigmoid` to new (w, b) — no new artists."""
    lines = {line.get_gid(): line for line in ax.lines}
    x = lines["value"].get_xdata()
    value, slope = _sigmoid_curves(w, b, x)
    lines["value"].set_ydata(value)
    lines["slope"].set_ydata(slope)
    ax.set_ylim(min(-0.05, slope.min() - 0.05), max(1.05, slope.max() + 0.05))
    ax.set_title(f"σ(w·x + b) with w = {w:.2f}, b = {b:.2f}: steepest slope |w|/4 = {abs(w) / 4:.2f}")


def draw_dense_layer(W, input_labels=None, output_labels=None, ax=None, title=None):
    """A dense layer drawn as neurons: every input connects to every output; a connection's colour and line style
    give the sign of its weight W[h, d] (vermillion solid positive, blue dashed negative), its width the size.

    Inputs:  W (H, D) weights; optional labels for the D inputs and H outputs (default $x_1$ ..., $y_1$ ...)
    Returns: (fig, ax); the connections are ax.lines in the order (h, d) = (0, 0), (0, 1), ...
    """
    W = np.asarray(W)
    if W.ndim != 2:
        raise ValueError(f"W: expected shape (H, D), got {W.shape}")
    H, D = W.shape
    fig, ax = fig_ax(ax, figsize=(4.6, 3.8))
    y_in = np.linspace(1, 0, D) if D > 1 else np.array([0.5])  # (D,)
    y_out = np.linspace(0.85, 0.15, H) if H > 1 else np.array([0.5])  # (H,)
    scale = np.abs(W).max() or 1.0
    for h in range(H):
        for d in range(D):
            w = W[h, d]
            ax.plot([0, 1], [y_in[d], y_out[h]], lw=0.6 + 3.0 * abs(w) / scale, ls="-" if w > 0 else "--",
                    color=COLORS["positive"] if w > 0 else COLORS["negative"], alpha=0.8, zorder=1)
    ax.scatter(np.zeros(D), y_in, s=380, color=PALETTE["light_sky"], edgecolor="black", zorder=2)
    ax.scatter(np.ones(H), y_out, s=380, color=PALETTE["light_green"], edgecolor="black", zorder=2)
    input_labels = input_labels or [f"$x_{{{d + 1}}}$" for d in range(D)]
    output_labels = output_labels or [f"$y_{{{h + 1}}}$" for h in range(H)]
    for d, label in enumerate(input_labels):
        ax.text(-0.12, y_in[d], label, ha="right", va="center", fontsize=11)
    for h, label in enumerate(output_labels):
        ax.text(1.12, y_out[h], label, ha="left", va="center", fontsize=11)
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(-0.32, 1.08)
    ax.axis("off")
    handles = [Line2D([], [], color=COLORS["positive"], lw=2, label="positive"),
               Line2D([], [], color=COLORS["negative"], lw=2, ls="--", label="negative")]
    ax.legend(handles=handles, loc="lower center", ncol=2, fontsize=10, title="weight (width ∝ |weight|)",
              title_fontsize=10, bbox_to_anchor=(0.5, -0.04))
    ax.set_title(title or f"dense layer: {D} inputs → {H} outputs ({H}×{D} weights)")
    return fig, ax


def plot_semantic_vectors(images, vectors, labels, class_names=("vertical", "horizontal"), n_show=4):
    """A few input images next to the scatter of every image's 2-d semantic vector.

    Inputs:  images (N, 3, S, S) in [0, 1]; vectors (N, 2); labels (N,) integer classes
    Returns: (fig, axes)
    """
    images, vectors, labels = np.asarray(images), np.asarray(vectors), np.asarray(labels)
    fig = plt.figure(figsize=(8.5, 3.6))
    grid = fig.add_gridspec(2, n_show + 3)
    thumbs = []
    for row, cls in enumerate(np.unique(labels)[:2]):
        idx = np.flatnonzero(labels == cls)[:n_show]
        for col, i in enumerate(idx):
            ax = fig.add_subplot(grid[row, col])
            ax.imshow(np.transpose(images[i], (1, 2, 0)), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if col == 0:
                ax.set_ylabel(class_names[cls])
            thumbs.append(ax)
    ax = fig.add_subplot(grid[:, n_show:])
    markers = ("o", "s")
    for cls in np.unique(labels)[:2]:
        sel = labels == cls
        ax.scatter(vectors[sel, 0], vectors[sel, 1], s=22, marker=markers[cls],
                   color=(COLORS["input"], COLORS["hidden"])[cls], label=class_names[cls], alpha=0.8)
    ax.set_xlabel("feature 1: vertical edges")
    ax.set_ylabel("feature 2: horizontal edges")
    ax.set_title("each image → one point (its semantic vector)")
    ax.legend()
    return fig, [*thumbs, ax]


def plot_series(times, values, ylabel: str, title: str = "", ax=None, **line_kwargs):
    """A time series against its time stamps.

    Inputs:  times (L,) datetime64 or numbers; values (L,); y-axis label and title;
             extra keyword arguments go to ``ax.plot`` (e.g. ``label=``, ``color=``)
    Returns: (fig, ax)
    """
    fig, ax = fig_ax(ax)
    ax.plot(times, values, lw=0.8, **line_kwargs)
    ax.set_xlabel("time")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig, ax


def plot_weather_record(times, max_temp, min_temp, precipitation, wind, place: str = "Seattle"):
    """A daily weather record in three panels: maximum and minimum temperature, precipitation, wind.

    Inputs:  times (L,) datetime64; max_temp, min_temp (L,) in °C; precipitation (L,) in mm; wind (L,) in m/s
    Returns: (fig, axes)
    """
    times = np.asarray(times)
    fig, axes = plt.subplots(3, 1, figsize=(9.5, 5.8), sharex=True, height_ratios=[1.3, 1.0, 1.0])
    axes[0].plot(times, max_temp, lw=0.8, color=PALETTE["vermillion"], label="maximum")
    axes[0].plot(times, min_temp, lw=0.8, color=PALETTE["blue"], ls=(0, (2, 1)), label="minimum")
    axes[0].set_ylabel("temperature [°C]")
    axes[0].legend(loc="lower left", ncol=2, bbox_to_anchor=(0.0, 0.98), borderaxespad=0.0)
    axes[1].plot(times, precipitation, lw=0.8, color=PALETTE["green"])
    axes[1].set_ylabel("precipitation [mm]")
    axes[2].plot(times, wind, lw=0.8, color=PALETTE["purple"])
    axes[2].set_ylabel("wind [m/s]")
    axes[2].set_xlabel("date")
    for ax in axes:
        ax.set_xlim(times[0], times[-1])
    first, last = str(times[0])[:4], str(times[-1])[:4]
    axes[0].set_title(f"daily temperature, precipitation and wind in {place}, {first}–{last}", pad=22)
    return fig, axes


def plot_order_and_shuffle(series, shuffled_start, lags, acf, acf_shuffled, unit: str = "max temperature [°C]"):
    """Order is information: the first days of a series next to the same values shuffled, and the autocorrelation
    of the whole series against that of a shuffled copy.

    Inputs:  series (L,); shuffled_start (n,) the first n values of ``series`` in random order;
             lags (M,) ints; acf, acf_shuffled (M,) the correlation of day t with day t+k for each lag k
    Returns: (fig, (ax_series, ax_acf))
    """
    shuffled_start, lags = np.asarray(shuffled_start), np.asarray(lags)
    n = len(shuffled_start)
    start = np.asarray(series)[:n]
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10.0, 3.6))
    days = np.arange(n)
    ax0.plot(days, start, "o-", ms=3.5, lw=1.2, color=PALETTE["blue"], label="recorded order")
    ax0.plot(days, shuffled_start, "s--", ms=3, lw=0.9, color=PALETTE["vermillion"], alpha=0.8,
             label=f"the same {n} values, shuffled")
    ax0.set(xlabel="day", ylabel=unit, title=f"first {n} days", xlim=(-1, n))
    ax0.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, borderaxespad=0.2, fontsize=9.5)
    ax1.bar(lags - 0.2, acf, width=0.4, color=PALETTE["blue"], label="recorded order")
    ax1.bar(lags + 0.2, acf_shuffled, width=0.4, color=PALETTE["vermillion"], hatch="///", edgecolor="white",
            lw=0, label="shuffled")
    ax1.axhline(0.0, color="black", lw=0.6)
    ax1.set(xlabel="lag k [days]", ylabel="correlation of day t with day t+k", xlim=(lags[0] - 0.8, lags[-1] + 0.8))
    ax1.set_title("autocorrelation", pad=22)
    ax1.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, borderaxespad=0.2, fontsize=9.5)
    ax0.set_title(f"first {n} days", pad=22)
    return fig, (ax0, ax1)


def plot_window(x, y, n: int, horizon: int, feature: int = 0, label: str = "value",
                step_name: str = "step", ax=None):
    """One input window x[:, n, feature] and its target y[n] drawn ``horizon`` steps later.

    Inputs:  x (T, N, D) time-major windows; y (N, D_out) targets; n the window to draw
    Returns: (fig, ax)
    """
    x = np.asarray(x)
    T = x.shape[0]
    fig, ax = fig_ax(ax)
    t = np.arange(T)  # (T,)
    ax.plot(t, x[:, n, feature], "o-", ms=3, color=COLORS["input"], label=f"input x[0..{T - 1}] (T = {T})")
    t_target = T - 1 + horizon
    ax.plot([t_target], [np.asarray(y)[n, 0]], "*", ms=14, color=COLORS["output"],
            label=f"target: {horizon} {step_name}{'s' if horizon != 1 else ''} after the last input")
    ax.axvspan(T - 0.5, t_target + 0.5, color="grey", alpha=0.08)
    ax.set_xlabel(f"{step_name} within the window (t)")
    ax.set_ylabel(label)
    ax.set_title(f"window n = {n}: feature {feature} of its input x[:, {n}, :], and its target y[{n}]")
    ax.legend(loc="best")
    return fig, ax
