"""Figures for the course. Every function takes data and returns ``(fig, ax)`` (or ``(fig, axes)``).

Plots depend on the math modules, never the reverse. Functions that draw diagrams compute their
content from the code's own numbers (weights, series, windows), not from pasted images.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .numerics import sigmoid, sigmoid_derivative

__all__ = [
    "use_course_style",
    "plot_sigmoid",
    "update_sigmoid_plot",
    "draw_dense_layer",
    "plot_semantic_vectors",
    "plot_series",
    "plot_window",
    "TASK_KINDS",
    "TASK_EXAMPLES",
    "draw_task",
    "plot_task_types",
]

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


# --------------------------------------------------------------------------- notebook 00: slider demo

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


# --------------------------------------------------------------------------- notebook 01: mappings

def draw_dense_layer(W, input_labels=None, output_labels=None, ax=None, title=None):
    """A dense layer drawn as neurons: every input connects to every output, line colour and
    width from the weight W[h, d] (red positive, blue negative).

    Inputs:  W (H, D) weights; optional labels for the D inputs and H outputs
    Returns: (fig, ax)
    """
    W = np.asarray(W)
    H, D = W.shape
    fig, ax = _fig_ax(ax, figsize=(4.2, 3.6))
    y_in = np.linspace(1, 0, D) if D > 1 else np.array([0.5])  # (D,)
    y_out = np.linspace(0.85, 0.15, H) if H > 1 else np.array([0.5])  # (H,)
    scale = np.abs(W).max() or 1.0
    for h in range(H):
        for d in range(D):
            w = W[h, d]
            ax.plot([0, 1], [y_in[d], y_out[h]], lw=0.5 + 3.0 * abs(w) / scale,
                    color=COLORS["positive"] if w > 0 else COLORS["negative"], alpha=0.75, zorder=1)
    ax.scatter(np.zeros(D), y_in, s=380, color=COLORS["input"], zorder=2)
    ax.scatter(np.ones(H), y_out, s=380, color=COLORS["output"], zorder=2)
    input_labels = input_labels or [f"x{d + 1}" for d in range(D)]
    output_labels = output_labels or [f"y{h + 1}" for h in range(H)]
    for d, label in enumerate(input_labels):
        ax.text(-0.12, y_in[d], label, ha="right", va="center")
    for h, label in enumerate(output_labels):
        ax.text(1.12, y_out[h], label, ha="left", va="center")
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(-0.1, 1.1)
    ax.axis("off")
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
    fig, ax = _fig_ax(ax)
    ax.plot(times, values, lw=0.8, **line_kwargs)
    ax.set_xlabel("time")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig, ax


def plot_window(x, y, n: int, horizon: int, feature: int = 0, label: str = "value",
                step_name: str = "step", ax=None):
    """One input window x[:, n, feature] and its target y[n] drawn ``horizon`` steps later.

    Inputs:  x (T, N, D) time-major windows; y (N, D_out) targets; n the window to draw
    Returns: (fig, ax)
    """
    x = np.asarray(x)
    T = x.shape[0]
    fig, ax = _fig_ax(ax)
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


# --------------------------------------------------------------------------- notebook 01: task types

TASK_KINDS = ("many-to-one", "one-to-many", "many-to-many", "seq2seq", "bidirectional")

TASK_EXAMPLES = {
    "many-to-one": {
        "title": "many-to-one: forecasting",
        "inputs": ["day t-3", "day t-2", "day t-1", "day t"],
        "outputs": [None, None, None, "max °C\nday t+1"],
        "caption": "days of weather (4 numbers each) → tomorrow's maximum temperature",
    },
    "one-to-many": {
        "title": "one-to-many: image captioning",
        "inputs": ["image\nvector", None, None, None],
        "outputs": ["a", "striped", "red", "shirt"],
        "caption": "one semantic vector → a sentence, word by word",
    },
    "many-to-many": {
        "title": "many-to-many (aligned): tagging",
        "inputs": ["Teddy", "bears", "on", "sale"],
        "outputs": ["O", "O", "O", "O"],
        "caption": "one label per word: is it part of a name? (O = no)",
    },
    "seq2seq": {
        "title": "seq2seq encoder–decoder: translation",
        "inputs": ["Ich", "habe", "Tee", "getrunken", None, None, None],
        "outputs": [None, None, None, None, "I", "drank", "tea"],
        "caption": "4 German words in, 3 English words out, in another order",
    },
    "bidirectional": {
        "title": "bidirectional (architecture): tagging",
        "inputs": ["Teddy", "Roosevelt", "was", "president"],
        "outputs": ["NAME", "NAME", "O", "O"],
        "caption": "'Teddy' is a name only because of the word after it",
    },
}


def _box(ax, xy, text, color, w=0.8, h=0.5, fontsize=8):
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > 7:  # shrink long words so that they stay inside the box
        fontsize = fontsize * 7 / longest
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor="black", lw=0.8, alpha=0.9))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color="white", fontweight="bold")


def _arrow(ax, start, end, color="black", style="-|>", ls="-", rad=0.0):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=10, color=color,
                                 lw=1.1, linestyle=ls, connectionstyle=f"arc3,rad={rad}",
                                 shrinkA=0, shrinkB=0))


def draw_task(kind: str, ax=None, inputs=None, outputs=None, title=None, caption=None, hidden=None):
    """Draw one RNN task type, unrolled in time: inputs (blue) below, hidden states (orange),
    outputs (green) above; arrows show what feeds what. Defaults come from TASK_EXAMPLES.

    Inputs:  kind: one of TASK_KINDS; optional token lists (None = no input/output at that step);
             hidden: optional labels for the hidden states (default h1, h2, ...)
    Returns: (fig, ax)
    """
    if kind not in TASK_EXAMPLES:
        raise ValueError(f"kind: expected one of {TASK_KINDS}, got {kind!r}")
    ex = TASK_EXAMPLES[kind]
    inputs = ex["inputs"] if inputs is None else list(inputs)
    outputs = ex["outputs"] if outputs is None else list(outputs)
    if len(inputs) != len(outputs):
        raise ValueError(f"outputs: expected one entry per time step ({len(inputs)}), got {len(outputs)}")
    if hidden is not None and len(hidden) != len(inputs):
        raise ValueError(f"hidden: expected one label per time step ({len(inputs)}), got {len(hidden)}")
    T = len(inputs)
    fig, ax = _fig_ax(ax, figsize=(1.35 * T + 0.6, 3.0))
    y_in, y_h, y_out, y_back = 0.0, 1.0, 2.0, 1.0
    bidirectional = kind == "bidirectional"
    if bidirectional:
        y_h, y_back, y_out = 0.85, 1.55, 2.45
    n_enc = sum(v is not None for v in inputs) if kind == "seq2seq" else 0
    cell_w = 0.55 if bidirectional else 0.8
    side = 0.36  # x offset of the vertical arrows that pass beside a cell (bidirectional only)
    for t in range(T):
        cell_color = COLORS["hidden"]
        label = f"h{t + 1}" if hidden is None else hidden[t]
        if kind == "seq2seq" and hidden is None:
            label = f"enc{t + 1}" if t < n_enc else f"dec{t - n_enc + 1}"
            cell_color = COLORS["hidden"] if t < n_enc else "#C9782F"
        _box(ax, (t, y_h), label, cell_color, w=cell_w)
        if bidirectional:
            _box(ax, (t, y_back), f"h'{t + 1}", COLORS["backward"], w=cell_w)
        if inputs[t] is not None:
            _box(ax, (t, y_in), inputs[t], COLORS["input"], h=0.45)
            _arrow(ax, (t, y_in + 0.23), (t, y_h - 0.25))
            if bidirectional:  # the input also feeds the right-to-left cell, passing beside h_t
                _arrow(ax, (t + side, y_in + 0.23), (t + side, y_back - 0.25), color=COLORS["backward"])
        if outputs[t] is not None:
            _box(ax, (t, y_out), outputs[t], COLORS["output"], h=0.45)
            top = y_back if bidirectional else y_h
            _arrow(ax, (t, top + 0.25), (t, y_out - 0.23))
            if bidirectional:  # and the left-to-right cell feeds the output too, passing beside h'_t
                _arrow(ax, (t - side, y_h + 0.25), (t - side, y_out - 0.23))
        if t + 1 < T:
            _arrow(ax, (t + cell_w / 2, y_h), (t + 1 - cell_w / 2, y_h))
            if bidirectional:
                _arrow(ax, (t + 1 - cell_w / 2, y_back), (t + cell_w / 2, y_back), color=COLORS["backward"])
        # generated outputs are fed back as the next step's input
        if kind in ("one-to-many", "seq2seq") and outputs[t] is not None and t + 1 < T \
                and inputs[t + 1] is None:
            _arrow(ax, (t + 0.3, y_out - 0.1), (t + 0.75, y_h + 0.2), color="grey", ls="--", rad=0.2)
    ax.set_xlim(-0.7, T - 0.3)
    ax.set_ylim(-0.6, y_out + 0.4)
    ax.axis("off")
    ax.set_title(title or ex["title"])
    ax.text((T - 1) / 2, -0.48, caption or ex["caption"], ha="center", va="center", fontsize=8,
            style="italic")
    return fig, ax


def plot_task_types():
    """All five task types side by side, plus a key. Returns: (fig, axes)."""
    fig, axes = plt.subplots(3, 2, figsize=(10.0, 8.4))
    for ax, kind in zip(axes.flat, TASK_KINDS):
        draw_task(kind, ax=ax)
    key = axes.flat[-1]
    key.axis("off")
    for i, (name, color) in enumerate([("input vector x[t]", COLORS["input"]),
                                       ("hidden state (left → right)", COLORS["hidden"]),
                                       ("hidden state (right → left)", COLORS["backward"]),
                                       ("output ŷ[t]", COLORS["output"])]):
        _box(key, (0.2, 1.6 - 0.55 * i), "", color, w=0.3, h=0.35)
        key.text(0.5, 1.6 - 0.55 * i, name, va="center", fontsize=9)
    key.plot([0.05, 0.35], [-0.6, -0.6], ls="--", color="grey")
    key.text(0.5, -0.6, "generated output fed back as next input", va="center", fontsize=9)
    key.set_xlim(0, 3)
    key.set_ylim(-1, 2)
    key.set_title("key")
    return fig, axes


def _fig_ax(ax, figsize=None):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax
