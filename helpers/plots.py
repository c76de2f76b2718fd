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
    "plot_error_surface",
    "DESCENT_VIEW",
    "plot_clipping_descent",
    "update_clipping_descent",
    "plot_clipping_directions",
    "plot_attention_heads",
    "plot_positional_encoding",
    "plot_layer_norm_token",
    "plot_ln_gradient_flow",
    "update_ln_gradient_flow",
    "plot_lr_schedules",
    "plot_accuracy_by_length",
    "plot_alignments",
    "plot_translator_training",
    "plot_translation_attention",
    "plot_head_scores",
    "translation_view",
    "plot_translation_explorer",
    "update_translation_explorer",
    "TRANSLATION_VIEW_SIZE",
    "plot_score_scaling",
    "update_score_scaling",
    "attention_mask_panels",
    "plot_attention_masks",
    "update_attention_masks",
    "plot_rnn_views",
    "plot_bptt_flow",
    "update_bptt_flow",
    "plot_loss_curves",
    "plot_gradient_flow",
    "update_gradient_flow",
    "plot_forget_gate_effect",
    "update_lstm_diagram",
    "plot_lstm_views",
    "draw_compact_rnn",
    "draw_unrolled_rnn",
    "lstm_step_values",
    "draw_lstm_circuit",
    "draw_lstm_odyssey",
    "draw_computational_graph",
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


# --------------------------------------------------------------------------- notebooks 02-03: the simple RNN

def _vector_cells(ax, x_centre, y_bottom, values, vmax, cmap, size=0.22, gid=None):
    """Draw a vector as a vertical stack of squares coloured by value; returns the patches."""
    from matplotlib.patches import Rectangle
    norm = plt.Normalize(-vmax, vmax)
    cmap = plt.get_cmap(cmap)
    patches = []
    for i, v in enumerate(np.asarray(values)):
        rect = Rectangle((x_centre - size / 2, y_bottom + i * size), size, size, facecolor=cmap(norm(v)),
                         edgecolor="black", lw=0.5, gid=gid)
        ax.add_patch(rect)
        patches.append(rect)
    return patches


def draw_compact_rnn(ax=None):
    """The "black-box" view of a simple RNN: one cell with a self-loop W, input U x, output V h.

    Returns: (fig, ax)
    """
    fig, ax = _fig_ax(ax, figsize=(2.6, 3.4))
    _box(ax, (0.0, 0.0), "x[t]", COLORS["input"], w=0.7, h=0.45, fontsize=9)
    _box(ax, (0.0, 1.2), "h[t]", COLORS["hidden"], w=0.7, h=0.5, fontsize=9)
    _box(ax, (0.0, 2.4), "o[t]", COLORS["output"], w=0.7, h=0.45, fontsize=9)
    _arrow(ax, (0.0, 0.23), (0.0, 0.95))
    _arrow(ax, (0.0, 1.45), (0.0, 2.17))
    ax.add_patch(FancyArrowPatch((0.35, 1.3), (0.35, 1.1), connectionstyle="arc3,rad=-2.2",
                                 arrowstyle="-|>", mutation_scale=10, lw=1.1, color="black"))
    ax.text(0.08, 0.6, "U", fontsize=10, style="italic")
    ax.text(0.08, 1.8, "V", fontsize=10, style="italic")
    ax.text(0.78, 1.2, "W", fontsize=10, style="italic", va="center")
    ax.set_xlim(-0.8, 1.1)
    ax.set_ylim(-0.4, 2.8)
    ax.axis("off")
    ax.set_title("compact (black-box) view")
    return fig, ax


def draw_unrolled_rnn(x, h, o=None, h0=None, ax=None, seq: int = 0):
    """The same RNN unrolled through time, every vector coloured by its real values.

    Inputs:  x (T, N, D), h (T, N, H), optional o (T, N, K) and h0 (N, H) from a forward pass;
             seq: which sequence of the batch to draw
    Returns: (fig, ax)
    """
    x, h = np.asarray(x), np.asarray(h)
    T, _, D = x.shape
    H = h.shape[2]
    K = 0 if o is None else np.asarray(o).shape[2]
    size = 0.22
    fig, ax = _fig_ax(ax, figsize=(1.45 * (T + 1) + 0.5, 3.4 + 0.22 * (H + D + K) / 3))
    y_x, y_h = 0.0, D * size + 0.7
    y_o = y_h + H * size + 0.7
    vx = max(np.abs(x[:, seq]).max(), 1e-12)
    vo = 1.0 if o is None else max(np.abs(np.asarray(o)[:, seq]).max(), 1e-12)
    h0_values = np.zeros(H) if h0 is None else np.asarray(h0)[seq]
    _vector_cells(ax, 0.0, y_h, h0_values, 1.0, "RdBu_r", size)
    ax.text(0.0, y_h - 0.15, "h0\n(initial)", ha="center", va="top", fontsize=8)
    for t in range(T):
        c = 1.25 * (t + 1)
        _vector_cells(ax, c, y_x, x[t, seq], vx, "PuOr_r", size)
        _vector_cells(ax, c, y_h, h[t, seq], 1.0, "RdBu_r", size)
        ax.text(c, y_x - 0.12, f"x[{t}]", ha="center", va="top", fontsize=8)
        ax.text(c + 0.14, y_h - 0.04, f"h[{t}]", ha="left", va="top", fontsize=8)
        _arrow(ax, (c, y_x + D * size + 0.05), (c, y_h - 0.05))
        ax.text(c - 0.1, (y_x + D * size + y_h) / 2, "U", ha="right", va="center", fontsize=9,
                style="italic", color=COLORS["input"])
        _arrow(ax, (c - 1.25 + size / 2 + 0.03, y_h + H * size / 2), (c - size / 2 - 0.03, y_h + H * size / 2))
        ax.text(c - 0.625, y_h + H * size / 2 + 0.08, "W", ha="center", va="bottom", fontsize=9,
                style="italic", color=COLORS["hidden"])
        if o is not None:
            _vector_cells(ax, c, y_o, np.asarray(o)[t, seq], vo, "PiYG", size)
            ax.text(c + 0.16, y_o + K * size / 2, f"o[{t}]", ha="left", va="center", fontsize=8)
            _arrow(ax, (c, y_h + H * size + 0.05), (c, y_o - 0.05))
            ax.text(c - 0.1, (y_h + H * size + y_o) / 2, "V", ha="right", va="center", fontsize=9,
                    style="italic", color=COLORS["output"])
    top = (y_o + K * size) if o is not None else (y_h + H * size)
    ax.set_xlim(-0.5, 1.25 * T + 0.8)
    ax.set_ylim(-0.55, top + 0.3)
    ax.axis("off")
    ax.set_title(f"unrolled through T = {T} steps (sequence {seq}); colours are the values of a real "
                 "forward pass;\nthe same U, W, V at every step")
    return fig, ax


def plot_rnn_views(x, h, o=None, h0=None, seq: int = 0):
    """Compact view next to the unrolled view of the same RNN. Returns (fig, (ax_compact, ax_unrolled))."""
    T = np.asarray(x).shape[0]
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(1.45 * (T + 1) + 3.2, 4.2),
                                   gridspec_kw={"width_ratios": [2.2, 1.45 * (T + 1)]})
    draw_compact_rnn(ax0)
    draw_unrolled_rnn(x, h, o, h0, ax=ax1, seq=seq)
    return fig, (ax0, ax1)


def plot_bptt_flow(error_norms, contributions, total: float, t: int, param_label: str = "W[0, 0]"):
    """Which errors feed the gradient contribution of step t, and how the contributions add up.

    Inputs:
      error_norms:   (T, T) array, error_norms[s, t] = size of the part of dL/dh_t that came from the
                     loss at step s (zero for s < t), e.g. norms of :func:`helpers.rnn.error_contributions`
      contributions: (T,) each step's contribution to one gradient entry (``param_label``)
      total:         that entry of the full gradient from :func:`helpers.rnn.backward`
      t:             the selected step
    Returns: (fig, axes) with axes = (flow diagram, sources of the error at h_t, contributions)
    """
    error_norms = np.asarray(error_norms)
    contributions = np.asarray(contributions)
    T = error_norms.shape[0]
    if error_norms.shape != (T, T) or contributions.shape != (T,):
        raise ValueError(f"contributions: expected error_norms (T, T) and contributions (T,), got "
                         f"{error_norms.shape} and {contributions.shape}")
    fig = plt.figure(figsize=(9.0, 6.2))
    grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1.0])
    ax_flow = fig.add_subplot(grid[0, :])
    ax_src = fig.add_subplot(grid[1, 0])
    ax_sum = fig.add_subplot(grid[1, 1])
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, T))
    # flow diagram: hidden chain, losses above, one arc per (source s -> receiving t)
    for s in range(T):
        _box(ax_flow, (s, 0.0), f"h[{s}]", COLORS["hidden"], w=0.55, h=0.4, fontsize=9)
        _box(ax_flow, (s, 1.6), f"L[{s}]", colours[s], w=0.55, h=0.4, fontsize=9)
        if s + 1 < T:
            _arrow(ax_flow, (s + 0.28, 0.0), (s + 0.72, 0.0), color="grey")
    scale = error_norms.max() or 1.0
    from matplotlib.path import Path
    for s in range(T):
        for tt in range(s + 1):
            width = 0.8 + 5.0 * error_norms[s, tt] / scale
            style = dict(arrowstyle="-|>", mutation_scale=12, color=colours[s], lw=width, alpha=0.85)
            if s == tt:  # the loss at step t feeds h_t directly
                ax_flow.add_patch(FancyArrowPatch((s, 1.38), (s, 0.22), gid=f"arc-{s}-{tt}-a", **style))
                continue
            # the loss at step s enters h_s ...
            ax_flow.add_patch(FancyArrowPatch((s, 1.38), (s, 0.22), gid=f"arc-{s}-{tt}-a", **style))
            # ... and flows back through h_{s-1}, ..., h_{t+1} into h_t (drawn as a lane below the chain)
            lane = -0.38 - 0.16 * (s - tt - 1)
            x_end = tt + 0.06 * (s - tt)
            path = Path([(s, -0.22), (s, lane), (x_end, lane), (x_end, -0.22)],
                        [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO])
            ax_flow.add_patch(FancyArrowPatch(path=path, gid=f"arc-{s}-{tt}-b", **style))
    ax_flow.set_xlim(-0.6, T - 0.4)
    ax_flow.set_ylim(-0.45 - 0.16 * (T - 1), 2.0)
    ax_flow.axis("off")
    # sources of the error at h_t
    bars_src = ax_src.bar(np.arange(T), error_norms[:, t], color=colours, gid="sources")
    ax_src.set_xticks(np.arange(T), [f"L[{s}]" for s in range(T)])
    ax_src.set_xlabel("loss the error comes from")
    ax_src.set_ylabel("norm of its part of dL/dh[t]")
    ax_src.set_ylim(0, 1.1 * scale)
    # per-step contributions and their running sum
    bars_sum = ax_sum.bar(np.arange(T), contributions, color="lightgrey", edgecolor="black", lw=0.5, gid="contrib")
    ax_sum.plot(np.arange(T), np.cumsum(contributions), "o-", color="black", ms=4, label="running sum over steps")
    ax_sum.axhline(total, color=COLORS["positive"], ls="--", label="full gradient from rnn.backward")
    ax_sum.set_xticks(np.arange(T), [f"step {s}" for s in range(T)], fontsize=8)
    ax_sum.set_ylabel(f"contribution to dL/d{param_label}")
    ax_sum.set_title(f"dL/d{param_label} = sum of the per-step contributions", fontsize=10)
    values = np.concatenate([contributions, np.cumsum(contributions), [total, 0.0]])
    low, high = values.min(), values.max()
    ax_sum.set_ylim(low - 0.6 * (high - low), high + 0.1 * (high - low))  # room for the legend below
    ax_sum.legend(fontsize=8, loc="lower left")
    fig._bptt = {"bars_src": bars_src, "bars_sum": bars_sum, "error_norms": error_norms,
                 "colours": colours, "T": T, "param_label": param_label}
    update_bptt_flow(fig, (ax_flow, ax_src, ax_sum), t)
    return fig, (ax_flow, ax_src, ax_sum)


def update_bptt_flow(fig, axes, t: int) -> None:
    """Show step t in a figure made by :func:`plot_bptt_flow`, changing only existing artists."""
    ax_flow, ax_src, ax_sum = axes
    state = fig._bptt
    T = state["T"]
    if not 0 <= t < T:
        raise ValueError(f"t: expected a step in [0, {T}), got {t}")
    for patch in ax_flow.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("arc-"):
            _, s, tt, _part = gid.split("-")
            patch.set_visible(int(tt) == t)
    for s, bar in enumerate(state["bars_src"]):
        bar.set_height(state["error_norms"][s, t])
    for s, bar in enumerate(state["bars_sum"]):
        bar.set_facecolor(COLORS["hidden"] if s == t else "lightgrey")
    n_sources = T - t
    ax_flow.set_title(f"step t = {t}: dL/dh[{t}] collects the errors of the losses L[{t}] … L[{T - 1}] "
                      f"({n_sources} path{'s' if n_sources != 1 else ''};\nlater losses reach h[{t}] "
                      f"backwards through the chain; line width grows with the size of each part on arrival)")
    ax_src.set_title(f"where dL/dh[{t}] comes from", fontsize=10)
    ax_src.set_ylabel(f"norm of its part of dL/dh[{t}]")
    ax_sum.set_title(f"dL/d{state['param_label']} = sum of the per-step contributions\n(step {t} in orange)",
                     fontsize=10)


def plot_loss_curves(curves: dict, xlabel: str = "epoch", ylabel: str = "loss", title: str = "",
                     baselines: dict | None = None, ax=None, logy: bool = False):
    """Learning curves: one line per named series, plus optional horizontal baselines.

    Inputs:  curves {name: sequence of values}; baselines {name: value}
    Returns: (fig, ax)
    """
    fig, ax = _fig_ax(ax, figsize=(6.5, 3.4))
    for name, values in curves.items():
        values = np.asarray(values)
        ax.plot(np.arange(1, len(values) + 1), values, lw=1.6, label=name)
    for i, (name, value) in enumerate((baselines or {}).items()):
        ax.axhline(value, ls="--", lw=1.0, color=f"C{i + len(curves)}", label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig, ax


# --------------------------------------------------------------------------- notebook 06: gradient flow

_FLOW_YLIM = (1e-30, 1e30)
_FLOW_NAMES = {"norms": "‖∂L/∂h_k‖", "dc": "‖∂L/∂c_k‖", "dy": "‖∂L/∂y_k‖", "path": "cell path"}


def _on_scale(values, ylim=_FLOW_YLIM):
    """Values clipped into the plotted range, and a note on what did not fit (underflow, overflow)."""
    values = np.asarray(values, dtype=float)
    notes = []
    if np.any(values == 0):
        notes.append("exactly 0 (underflow)")
    elif np.any(values < ylim[0]):
        notes.append(f"below {ylim[0]:.0e}")
    if np.any(np.isinf(values)):
        notes.append("inf (overflow)")
    elif np.any(values > ylim[1]):
        notes.append(f"above {ylim[1]:.0e}")
    shown = np.clip(np.nan_to_num(values, posinf=ylim[1]), ylim[0], ylim[1])
    return shown, ("values " + " and ".join(notes) + ", drawn at the edge") if notes else ""


def _gid(ax, gid):
    return next(a for a in ax.get_children() if a.get_gid() == gid)


def _rnn_flow_title(flow):
    rate = flow.gamma * flow.lambda1
    regime = "must vanish" if rate < 1 else "γλ₁ = 1" if rate == 1 else "may explode"
    return f"simple RNN, {flow.activation}: λ₁ = {flow.lambda1:.2f}, ρ = {flow.rho:.2f}, γλ₁ = {rate:.2f} ({regime})"


def _lstm_flow_title(flow):
    return f"LSTM: λ₁ = {flow.lambda1:.2f}, forget bias {flow.forget_bias:+.1f}, mean f = {flow.f.mean():.2f}"


def plot_gradient_flow(rnn_flow, lstm_flow):
    """How much of the gradient of a loss at the last step reaches each earlier step, on a log scale.

    Left: the simple RNN's measured ||dL/dh_k|| next to Pascanu et al.'s bound (gamma lambda_1)^lag.
    Right: the LSTM's ||dL/dc_k|| and ||dL/dy_k||, and the cell path alone, ||(f_{k+1}...f_{T-1}) * u||.
    Inputs: an RNNFlow and an LSTMFlow from :class:`helpers.gradflow.GradientFlowProbe`
    Returns: (fig, (ax_rnn, ax_lstm)); :func:`update_gradient_flow` moves the same artists.
    """
    fig, (ax_rnn, ax_lstm) = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    for ax in (ax_rnn, ax_lstm):
        ax.set_yscale("log")
        ax.set_ylim(*_FLOW_YLIM)
        ax.axhline(1.0, color="grey", lw=0.7, ls=":")
        ax.set_xlabel("steps back from the loss, T − 1 − k")
        ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=8, color="C3", gid="note")
    ax_rnn.set_ylabel("gradient norm (log scale)")
    ax_rnn.plot([], [], "-", color="C0", lw=1.6, label="measured ‖∂L/∂h_k‖ (BPTT)", gid="norms")
    ax_rnn.plot([], [], "--", color="black", lw=1.2, label="bound (γλ₁)^(T−1−k)", gid="bound")
    ax_lstm.plot([], [], "-", color="C1", lw=1.6, label="measured ‖∂L/∂c_k‖", gid="dc")
    ax_lstm.plot([], [], "-", color="C2", lw=1.2, label="measured ‖∂L/∂y_k‖", gid="dy")
    ax_lstm.plot([], [], "--", color="C1", lw=1.2, gid="path",
                 label="cell path alone ‖(f_{k+1}⋯f_{T−1}) ⊙ ∂L/∂c_{T−1}‖")
    for ax in (ax_rnn, ax_lstm):
        ax.legend(loc="upper left", fontsize=8)  # the curves start at 1 on the left: the space above is free
    ax_rnn.set_yticks(10.0 ** np.arange(-30, 31, 10))
    update_gradient_flow((ax_rnn, ax_lstm), rnn_flow, lstm_flow)
    return fig, (ax_rnn, ax_lstm)


def update_gradient_flow(axes, rnn_flow, lstm_flow) -> None:
    """Move the artists of :func:`plot_gradient_flow` to new measurements (nothing is rebuilt)."""
    ax_rnn, ax_lstm = axes
    notes = {ax_rnn: [], ax_lstm: []}
    for ax, gid, lags, values in ((ax_rnn, "norms", rnn_flow.lags, rnn_flow.norms),
                                  (ax_rnn, "bound", rnn_flow.lags, rnn_flow.bound),
                                  (ax_lstm, "dc", lstm_flow.lags, lstm_flow.dc_norms),
                                  (ax_lstm, "dy", lstm_flow.lags, lstm_flow.dy_norms),
                                  (ax_lstm, "path", lstm_flow.lags, lstm_flow.cell_path)):
        shown, note = _on_scale(values)
        _gid(ax, gid).set_data(lags, shown)
        if note and gid != "bound":
            notes[ax].append(f"{_FLOW_NAMES[gid]}: {note}")
    for ax, flow in ((ax_rnn, rnn_flow), (ax_lstm, lstm_flow)):
        ax.set_xlim(0, max(len(flow.lags) - 1, 1))
        _gid(ax, "note").set_text("\n".join(notes[ax]))
    ax_rnn.set_title(_rnn_flow_title(rnn_flow), fontsize=10)
    ax_lstm.set_title(_lstm_flow_title(lstm_flow), fontsize=10)


def plot_forget_gate_effect(flows: dict):
    """What the forget-gate bias does: the distribution of forget-gate values, and the cell-path product.

    Inputs:  flows {label: LSTMFlow} (same setting except the forget-gate bias)
    Returns: (fig, (ax_hist, ax_path))
    """
    fig, (ax_hist, ax_path) = plt.subplots(1, 2, figsize=(12, 3.8))
    bins = np.linspace(0.0, 1.0, 41)
    for i, (label, flow) in enumerate(flows.items()):
        ax_hist.hist(flow.f.ravel(), bins=bins, alpha=0.55, color=f"C{i}",
                     label=f"{label}: mean f = {flow.f.mean():.2f}")
        shown, _ = _on_scale(flow.cell_path)
        ax_path.semilogy(flow.lags, shown, "--", color=f"C{i}", lw=1.3, label=f"{label}: cell path alone")
        shown, _ = _on_scale(flow.dc_norms)
        ax_path.semilogy(flow.lags, shown, "-", color=f"C{i}", lw=1.6, label=f"{label}: ‖∂L/∂c_k‖")
    ax_hist.set_xlabel("forget-gate value f (all steps and units)")
    ax_hist.set_ylabel("count")
    ax_hist.set_title("forget gates of an untrained LSTM")
    ax_hist.legend(fontsize=8)
    ax_path.set_xlabel("steps back from the loss, T − 1 − k")
    ax_path.set_ylabel("gradient norm (log scale)")
    ax_path.set_title("the gradient along the cell")
    ax_path.legend(fontsize=8)
    return fig, (ax_hist, ax_path)


# --------------------------------------------------------------------------- notebook 09: the Transformer



def plot_attention_heads(weights, tokens=None, titles=None, suptitle: str | None = None):
    """One heat map per head of a multi-head attention: which key (column) each query (row) attends to.

    Inputs:  weights (h, Tq, Tk), each row summing to 1 (or 0 for a fully masked row); tokens: labels of the
             positions (Tk of them, also used for the queries when Tq == Tk); titles: one per head
    Returns: (fig, axes) with one axes per head
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 3:
        raise ValueError(f"weights: expected shape (h, Tq, Tk), got {weights.shape}")
    n_heads, Tq, Tk = weights.shape
    titles = titles if titles is not None else [f"head {i + 1}" for i in range(n_heads)]
    if len(titles) != n_heads:
        raise ValueError(f"titles: expected {n_heads} titles (one per head), got {len(titles)}")
    fig, axes = plt.subplots(1, n_heads, figsize=(3.2 * n_heads + 0.9, 3.5), squeeze=False)
    axes = axes[0]
    for i, ax in enumerate(axes):
        image = ax.imshow(weights[i], cmap="Blues", vmin=0.0, vmax=1.0)
        ax.set_title(titles[i], fontsize=10)
        ax.set_xlabel("key position")
        ax.grid(False)
        if tokens is not None:
            ax.set_xticks(range(Tk), [str(t) for t in tokens[:Tk]], fontsize=8)
            if Tq == Tk:
                ax.set_yticks(range(Tq), [str(t) for t in tokens[:Tq]], fontsize=8)
    axes[0].set_ylabel("query position")
    fig.colorbar(image, ax=list(axes), shrink=0.85, label="attention weight")
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig, tuple(axes)


def plot_positional_encoding(pe, reference_positions=(10, 40, 70), max_distance: int = 30):
    """Left: the sinusoidal positional encoding as an image, positions down, dimensions across.
    Right: the dot product PE[p] . PE[p + k] against the distance k, for several positions p: the curves lie
    on top of each other, because the dot product depends on k only (sum_i cos(omega_i k)).

    Inputs:  pe (length, d_model) from :func:`helpers.attention.positional_encoding`
    Returns: (fig, (ax_image, ax_similarity))
    """
    pe = np.asarray(pe, dtype=float)
    length, d_model = pe.shape
    for p in reference_positions:
        if not (max_distance <= p < length - max_distance):
            raise ValueError(f"reference_positions: expected positions in [{max_distance}, "
                             f"{length - max_distance}) (max_distance from both ends), got {p}")
    fig, (ax_img, ax_sim) = plt.subplots(1, 2, figsize=(12, 4.0),
                                         gridspec_kw={"width_ratios": [1.15, 1.0], "wspace": 0.3})
    image = ax_img.imshow(pe, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax_img.grid(False)
    ax_img.set_xlabel("dimension (even: sin, odd: cos)")
    ax_img.set_ylabel("position")
    ax_img.set_title(f"PE for {length} positions, d_model = {d_model}")
    fig.colorbar(image, ax=ax_img, label="PE[pos, dim]", pad=0.02)
    k = np.arange(-max_distance, max_distance + 1)  # (2 K + 1,)
    styles = [("o", 8, "none"), ("s", 5, "none"), (".", 4, None)]  # open markers: the curves coincide
    for i, p in enumerate(reference_positions):
        marker, size, face = styles[i % len(styles)]
        ax_sim.plot(k, pe[p + k] @ pe[p], "-", marker=marker, ms=size, mfc=face, lw=1.0, color=f"C{i}",
                    label=f"p = {p}", zorder=2 + i)
    ax_sim.axhline(0, color="grey", lw=0.7)
    ax_sim.set_xlabel("distance k")
    ax_sim.set_ylabel("PE[p] · PE[p + k]")
    ax_sim.set_title("PE[p] · PE[p + k] depends on k only")
    ax_sim.legend(fontsize=8, loc="upper right")
    return fig, (ax_img, ax_sim)


def plot_layer_norm_token(x, y, gamma=None, beta=None):
    """One token vector before and after layer normalisation, entry by entry, with mean and std marked.

    Inputs: x (d,) the token; y (d,) LN(x); gamma, beta (d,) if they are not 1 and 0
    Returns: (fig, (ax_x, ax_y))
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(f"y: expected the shape of x {x.shape} (one token vector), got {y.shape}")
    d = np.arange(len(x))
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharex=True)
    for ax, v, name, colour in ((axes[0], x, "x (one token)", "C0"), (axes[1], y, "LN(x)", "C1")):
        ax.bar(d, v, color=colour, width=0.7)
        mean, std = v.mean(), v.std()
        ax.axhline(mean, color="black", lw=1.2, label=f"mean = {abs(mean) if abs(mean) < 5e-3 else mean:.2f}")
        ax.axhspan(mean - std, mean + std, color="grey", alpha=0.15, label=f"mean ± std (std = {std:.2f})")
        low, high = min(v.min(), 0.0), max(v.max(), 0.0)
        ax.set_ylim(low - 0.1 * (high - low), high + 0.45 * (high - low))  # room for the legend above the bars
        ax.set_title(name)
        ax.set_xlabel("feature")
        ax.legend(fontsize=8, loc="upper right", ncol=2)
    axes[0].set_ylabel("value")
    if gamma is not None or beta is not None:
        axes[1].set_title("LN(x) = γ ⊙ x̂ + β")
    return fig, tuple(axes)


_LN_YLIM = (1e-2, 1e1)
_LN_COLOUR = {"post": "C3", "pre": "C0"}


def plot_ln_gradient_flow(measured, reference=None, max_layers: int = 12):
    """Gradient norms at initialisation in a stack of encoder layers, layer by layer, on a log scale.

    Left: ||dL/dtheta_l||, all parameters of layer l (solid), and ||dL/dW_2|| of its feed-forward (dashed).
    Right: ||dL/dx_l|| on the residual stream after l layers (x_0: the embeddings, the input of layer 1;
    x_n: the stack's output).
    Inputs:  measured: a :class:`helpers.gradflow.StackGradients`; reference: another (e.g. the other placement
             of the LN at the same depth), drawn in grey for comparison; max_layers: the x range (kept fixed)
    Returns: (fig, (ax_params, ax_inputs)); :func:`update_ln_gradient_flow` moves the same artists.
    """
    from matplotlib.lines import Line2D
    fig, (ax_p, ax_x) = plt.subplots(1, 2, figsize=(12, 4.0), sharey=True)
    for ax in (ax_p, ax_x):
        ax.set_yscale("log")
        ax.set_ylim(*_LN_YLIM)
        ax.set_xlim(-0.5, max_layers + 0.5)
        ax.set_xticks(range(0, max_layers + 1, 2))
    ax_p.set_xlabel("layer l (1 = next to the input)")
    ax_x.set_xlabel("after l layers (0 = the embeddings, last point = the stack's output)")
    ax_p.set_ylabel("gradient norm (log scale)")
    ax_p.set_title("gradients of each layer's parameters")
    ax_x.set_title("gradient on the residual stream, ‖∂L/∂x_l‖")
    ax_p.plot([], [], "o-", lw=1.8, ms=5, gid="params")
    ax_p.plot([], [], "s--", lw=1.2, ms=4, gid="ffn")
    ax_p.plot([], [], "-", color="0.6", lw=1.2, gid="ref_params")
    ax_p.plot([], [], "--", color="0.6", lw=1.0, gid="ref_ffn")
    ax_x.plot([], [], "o-", lw=1.8, ms=5, gid="inputs")
    ax_x.plot([], [], "-", color="0.6", lw=1.2, gid="ref_inputs")
    # the legend names the line styles in black, so that it stays right when the colour of the norm changes
    def proxy(style, marker, colour, label):
        return Line2D([], [], ls=style, marker=marker, color=colour, label=label)

    ax_p.legend(handles=[proxy("-", "o", "black", "‖∂L/∂θ_l‖, all of layer l"),
                         proxy("--", "s", "black", "‖∂L/∂W_2‖, its feed-forward"),
                         proxy("-", None, "0.6", "the other placement")], fontsize=8, loc="upper right")
    ax_x.legend(handles=[proxy("-", "o", "black", "‖∂L/∂x_l‖"), proxy("-", None, "0.6", "the other placement")],
                fontsize=8, loc="upper right")
    ax_x.text(0.02, 0.04, "red = post-LN, blue = pre-LN; grey = the other placement", transform=ax_x.transAxes,
              fontsize=8)
    fig.suptitle("", fontsize=11)
    update_ln_gradient_flow(fig, (ax_p, ax_x), measured, reference)
    return fig, (ax_p, ax_x)


def _ln_flow_title(m):
    ratio = m.param_norms[-1] / m.param_norms[0]
    name = "post-LN (the paper)" if m.norm == "post" else "pre-LN"
    layers = f"{len(m.layers)} layer" + ("s" if len(m.layers) > 1 else "")
    return (f"{name}, {layers} at initialisation: last layer's ‖∂L/∂θ‖ / first layer's = {ratio:.2f}, "
            f"loss {m.loss:.2f}")


def update_ln_gradient_flow(fig, axes, measured, reference=None) -> None:
    """Move the artists of :func:`plot_ln_gradient_flow` to new measurements (nothing is rebuilt)."""
    ax_p, ax_x = axes
    colour = _LN_COLOUR[measured.norm]
    n = len(measured.layers)
    for ax, gid, x, values in ((ax_p, "params", measured.layers, measured.param_norms),
                               (ax_p, "ffn", measured.layers, measured.ffn_norms),
                               (ax_x, "inputs", np.arange(n + 1), measured.input_norms)):
        line = _gid(ax, gid)
        line.set_data(x, np.clip(values, *_LN_YLIM))
        line.set_color(colour)
    for ax, gid, attr, offset in ((ax_p, "ref_params", "param_norms", 1), (ax_p, "ref_ffn", "ffn_norms", 1),
                                  (ax_x, "ref_inputs", "input_norms", 0)):
        line = _gid(ax, gid)
        if reference is None:
            line.set_data([], [])
        else:
            values = getattr(reference, attr)
            line.set_data(np.arange(len(values)) + offset, np.clip(values, *_LN_YLIM))
    # the grey lines' legend entries name what they show (the last entry of each legend)
    grey = "no comparison" if reference is None else f"{reference.norm}-LN, same weights"
    for ax in (ax_p, ax_x):
        ax.get_legend().get_texts()[-1].set_text(grey)
    fig.suptitle(_ln_flow_title(measured), fontsize=11)


def plot_lr_schedules(settings, steps: int = 20000):
    """The Transformer's learning rate d_model^-0.5 * min(step^-0.5, step * warmup^-1.5) against the step, for
    several (d_model, warmup) settings, each peak (at step = warmup, value (d_model * warmup)^-0.5) marked.

    Inputs:  settings: a list of (d_model, warmup) pairs; steps: the last step drawn
    Returns: (fig, ax)
    """
    from .optim import transformer_lr
    fig, ax = plt.subplots(figsize=(9, 4.0))
    s = np.arange(1, steps + 1)  # (steps,)
    top = 0.0
    for i, (d_model, warmup) in enumerate(settings):
        lr = transformer_lr(s, d_model, warmup)  # (steps,)
        peak = transformer_lr(warmup, d_model, warmup)
        # the peak's value goes into the legend: a label next to the marker would sit on other curves
        ax.plot(s, lr, color=f"C{i}", lw=1.6,
                label=f"d_model = {d_model}, warmup = {warmup}: peak {peak:.2e} at step {warmup}")
        ax.plot([warmup], [peak], "o", color=f"C{i}", ms=7, mec="black")
        top = max(top, peak)
    ax.set_xlabel("training step")
    ax.set_ylabel("learning rate")
    ax.set_xlim(0, steps)
    ax.set_ylim(0, 1.25 * top)
    ax.set_title("lrate = d_model^−0.5 · min(step^−0.5, step · warmup^−1.5)")
    ax.legend(fontsize=8, loc="upper right")
    return fig, ax


# --------------------------------------------------------------------------- notebook 08: seq2seq and alignment


_S2S_STYLE = {"none": ("C7", "o", "no attention"), "dot": ("C0", "s", "dot-product attention"),
              "additive": ("C3", "^", "additive attention")}


def plot_accuracy_by_length(lengths, accuracies: dict, ylabel: str = "exact match (whole sequence right)",
                            title: str = "", ax=None):
    """Accuracy against sequence length, one line per model.

    Inputs:  lengths (m,); accuracies {name: (m,) values in [0, 1]}; names "none", "dot", "additive" get the
             course's colours and long labels, other names are used as they are
    Returns: (fig, ax); the lines are in the order of ``accuracies``
    """
    lengths = np.asarray(lengths)
    if lengths.ndim != 1:
        raise ValueError(f"lengths: expected a 1-D array (m,), got shape {lengths.shape}")
    fig, ax = _fig_ax(ax, figsize=(7.0, 3.6))
    for i, (name, acc) in enumerate(accuracies.items()):
        acc = np.asarray(acc, dtype=float)
        if acc.shape != lengths.shape:
            raise ValueError(f"accuracies[{name!r}]: expected shape {lengths.shape} (one per length), got {acc.shape}")
        color, marker, label = _S2S_STYLE.get(name, (f"C{i}", "o", name))
        # lines that lie on top of each other stay visible: later lines thinner, dashed, with open markers
        ax.plot(lengths, acc, marker=marker, ms=7 - 1.5 * i, lw=2.6 - 0.8 * i, ls=("-", "--", ":")[i % 3],
                color=color, label=label, mfc="white" if i else color)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xticks(lengths[:: max(1, len(lengths) // 16)])
    ax.set_xlabel("sequence length L (symbols to reverse)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower left")
    return fig, ax


def plot_alignments(weights: dict, source: str, output: str, suptitle: str | None = None):
    """Attention heat maps of one example, side by side: input symbols across, output symbols down.

    Inputs:  weights {title: (T, S) attention weights of one sequence}; source: the S input symbols (a
             string, one character per symbol); output: the T output symbols the model produced
    Returns: (fig, axes), one axes per entry of ``weights``
    """
    if not weights:
        raise ValueError("weights: expected at least one (T, S) array")
    arrays = {name: np.asarray(w, dtype=float) for name, w in weights.items()}
    S, T = len(source), len(output)
    for name, w in arrays.items():
        if w.shape != (T, S):
            raise ValueError(f"weights[{name!r}]: expected shape (T, S) = ({T}, {S}) from output and source, "
                             f"got {w.shape}")
    n = len(arrays)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n + 1.0, 3.9), squeeze=False)
    axes = tuple(axes[0])
    for ax, (name, w) in zip(axes, arrays.items()):
        image = ax.imshow(w, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(name, fontsize=10)
        ax.grid(False)
        ax.set_xticks(range(S), list(source), fontsize=8)
        ax.set_yticks(range(T), list(output), fontsize=8)
        ax.set_xlabel("input symbol (position 0 → S−1)")
    axes[0].set_ylabel("output symbol (step 0 → T−1)")
    fig.colorbar(image, ax=list(axes), shrink=0.85, label="attention weight")
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig, axes


# ---- notebook 10: the toy translator


TRANSLATION_VIEW_SIZE = (10, 8)  # (output pieces, English words) that the explorer's heat map can show


def plot_translator_training(loss, history, window: int = 50, floor: float | None = None):
    """The training loss at every step (and its moving average) and the validation exact match.

    Inputs:  loss (steps,) per-step training loss; history [(step, seconds, exact match)] from
             :func:`helpers.translation.train_translator`; window: steps in the moving average; floor: the lowest
             possible loss (with label smoothing, the entropy of the smoothed target), drawn dashed if given
    Returns: (fig, (ax_loss, ax_exact))
    """
    loss = np.asarray(loss, dtype=float)
    if loss.ndim != 1 or len(loss) < 1:
        raise ValueError(f"loss: expected a 1-D array (steps,), got shape {loss.shape}")
    if not history:
        raise ValueError("history: expected at least one (step, seconds, exact match) entry")
    window = int(min(max(window, 1), len(loss)))
    steps = np.arange(1, len(loss) + 1)  # (steps,)
    smooth = np.convolve(loss, np.ones(window) / window, mode="valid")  # (steps - window + 1,)
    fig, (ax_loss, ax_exact) = plt.subplots(1, 2, figsize=(11.0, 3.6))
    ax_loss.plot(steps, loss, lw=0.6, color="C0", alpha=0.35, label="one batch")
    ax_loss.plot(steps[window - 1:], smooth, lw=1.8, color="C0", label=f"mean of {window} steps")
    if floor is not None:
        ax_loss.axhline(floor, ls="--", lw=1.0, color="grey", label=f"lowest possible: {floor:.3f}")
    ax_loss.set_ylim(0, None)
    ax_loss.set_xlabel("training step")
    ax_loss.set_ylabel("loss (smoothed cross-entropy, per token)")
    ax_loss.set_title("training loss")
    ax_loss.legend(fontsize=8)
    at, _, exact = (np.array(v, dtype=float) for v in zip(*history))
    ax_exact.plot(at, 100 * exact, "o-", color="C2", lw=1.6)
    for s, e in zip(at, exact):
        ax_exact.annotate(f"{100 * e:.1f}%", (s, 100 * e), textcoords="offset points", xytext=(0, -14),
                          ha="center", fontsize=8)
    ax_exact.set_xlim(0, len(loss) * 1.08)
    ax_exact.set_ylim(min(90.0, 100 * exact.min() - 2), 100.8)
    ax_exact.set_xlabel("training step")
    ax_exact.set_ylabel("validation exact match (%)")
    ax_exact.set_title("whole numbers translated right (greedy decoding)")
    return fig, (ax_loss, ax_exact)


_ATTENTION_KINDS = {"encoder": "encoder self-attention", "decoder": "decoder self-attention",
                    "cross": "cross-attention"}


def _attention_labels(maps, kind):
    """(row labels, column labels) of one kind of attention map from :func:`helpers.translation.attention_maps`."""
    if kind == "encoder":
        return maps["source"], maps["source"]
    if kind == "decoder":
        return maps["decoder_input"], maps["decoder_input"]
    return maps["target"], maps["source"]


def plot_translation_attention(maps, panels=(("encoder", 1), ("decoder", 1), ("cross", 1)),
                               suptitle: str | None = None):
    """Attention heat maps of one translated number, one row of heads per (kind, layer).

    Encoder self-attention: English word (row) reads English word (column). Decoder self-attention: decoder input
    (row, <bos> + pieces) reads earlier decoder inputs. Cross-attention: the row that *predicts* a German piece
    reads the English words.
    Inputs:  maps from :func:`helpers.translation.attention_maps`; panels: (kind, layer) pairs, kind in
             "encoder", "decoder", "cross", layer counted from 0
    Returns: (fig, axes (len(panels), h))
    """
    for kind, layer in panels:
        if kind not in _ATTENTION_KINDS:
            raise ValueError(f"panels: expected kinds from {tuple(_ATTENTION_KINDS)}, got {kind!r}")
        if not 0 <= layer < len(maps[kind]):
            raise ValueError(f"panels: expected a layer in [0, {len(maps[kind])}), got {layer!r}")
    n_heads = maps["cross"][0].shape[0]
    fig, axes = plt.subplots(len(panels), n_heads, figsize=(2.6 * n_heads + 1.2, 2.5 * len(panels) + 0.5),
                             squeeze=False)
    for row, (kind, layer) in zip(axes, panels):
        rows, cols = _attention_labels(maps, kind)
        for head, ax in enumerate(row):
            image = ax.imshow(maps[kind][layer][head], cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
            ax.grid(False)
            ax.set_xticks(range(len(cols)), cols, rotation=60, ha="right", rotation_mode="anchor", fontsize=8)
            ax.set_yticks(range(len(rows)), rows if head == 0 else [""] * len(rows), fontsize=8)
            ax.set_title(f"{_ATTENTION_KINDS[kind]}\nlayer {layer + 1}, head {head + 1}", fontsize=9)
        row[0].set_ylabel("predicting" if kind == "cross" else "query (reads →)", fontsize=9)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6, label="attention weight")
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig, axes


def plot_head_scores(scores, title: str = ""):
    """A score per cross-attention layer (rows) and head (columns), written in the cells.

    Inputs:  scores (n_layers, h), values in [0, 1]
    Returns: (fig, ax)
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2:
        raise ValueError(f"scores: expected shape (n_layers, h), got {scores.shape}")
    L, H = scores.shape
    fig, ax = plt.subplots(figsize=(1.2 * H + 2.4, 0.9 * L + 1.3))
    image = ax.imshow(scores, cmap="Greens", vmin=0.0, vmax=1.0)
    for (l, h), s in np.ndenumerate(scores):
        ax.text(h, l, f"{s:.3f}", ha="center", va="center", fontsize=10, color="white" if s > 0.6 else "black")
    ax.set_xticks(range(H), [f"head {h + 1}" for h in range(H)])
    ax.set_yticks(range(L), [f"layer {l + 1}" for l in range(L)])
    ax.grid(False)
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.8, label="score")
    return fig, ax


def translation_view(params: dict, config: dict, number, pairs: dict) -> dict:
    """What the explorer shows for one number: the model's own greedy output and the cross-attention that made it.

    The decoder is run once more on <bos> + its own output (the causal mask makes this the same computation as
    greedy decoding), so row i of a map is the step that produced output piece i.
    Inputs:  params, config from :func:`helpers.translation.train_translator` (config needs "h" and "norm");
             number: an int or the text typed in a box; pairs {number: (english, german)}
    Returns: {"number", "english", "expected", "predicted", "correct", "source" (English words), "target" (output
              pieces, + "<eos>" if produced), "cross" [per layer (h, T_out, T_src)], "message" (None, or why
              there is nothing to show)}
    """
    from . import transformer as tf
    from .translation import BOS, DE_VOCAB, EOS, decode_german, encode_english, tokenize_english
    empty = {"number": None, "english": "", "expected": "", "predicted": "", "correct": False, "source": [],
             "target": [], "cross": [], "message": None}
    text = str(number).strip()
    try:
        n = int(text)
    except ValueError:
        return {**empty, "message": f"{text!r} is not a whole number: type one from 0 to 9999"}
    if n not in pairs:
        return {**empty, "message": f"{n} is out of range: type a number from 0 to 9999"}
    english, expected = pairs[n]
    src, src_lengths = encode_english([english])  # (1, T_src), (1,)
    out = tf.greedy_decode(params, src, config["h"], BOS, TRANSLATION_VIEW_SIZE[0], eos=EOS,
                           src_lengths=src_lengths, norm=config["norm"])[0]  # (max_len,)
    stop = int(np.argmax(out == EOS)) + 1 if np.any(out == EOS) else len(out)
    ids = out[:stop]  # (T_out,): the pieces, and <eos> if it came
    tgt_in = np.concatenate([[BOS], ids[:-1]])[None, :]  # (1, T_out): what the decoder read at each step
    _, cache = tf.transformer_forward(params, src, tgt_in, config["h"], src_lengths, None, config["norm"])
    cross = [c.caches["cross"].attention.weights[0] for c in cache.decoder.layer_caches]  # per layer (h, T_out, T_src)
    predicted = decode_german(ids)
    return {"number": n, "english": english, "expected": expected, "predicted": predicted,
            "correct": predicted == expected, "source": tokenize_english(english),
            "target": [DE_VOCAB[i] for i in ids], "cross": cross, "message": None}


def _view_title(view, layer, head):
    if view["message"]:
        return view["message"]
    verdict = "✓ right" if view["correct"] else f"✗ wrong (expected {view['expected']})"
    return (f"{view['number']}: {view['english']}\nmodel: {view['predicted'] or '(nothing)'}   {verdict}\n"
            f"cross-attention, layer {layer + 1}, head {head + 1}")


def plot_translation_explorer(view: dict, layer: int = 1, head: int = 0):
    """The cross-attention of one layer and head while the model translated one number (see
    :func:`translation_view`). The heat map has a fixed size, TRANSLATION_VIEW_SIZE; unused cells are grey, and
    the token labels are texts beside the map, so that :func:`update_translation_explorer` only moves artists.
    Returns: (fig, ax)
    """
    rows, cols = TRANSLATION_VIEW_SIZE
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    cmap = plt.get_cmap("Blues").with_extremes(bad="#e6e6e6")
    image = ax.imshow(np.ma.masked_all((rows, cols)), cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest",
                      gid="weights")
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for j in range(cols):  # the English words, under the columns
        ax.text(j, rows - 0.5 + 0.25, "", rotation=50, ha="right", va="top", rotation_mode="anchor", fontsize=9,
                gid=f"col{j}", clip_on=False)
    for i in range(rows):  # the output pieces, left of the rows
        ax.text(-0.5 - 0.15, i, "", ha="right", va="center", fontsize=9, gid=f"row{i}", clip_on=False)
    ax.set_xlabel("English word (what the model reads)", labelpad=52)
    ax.set_ylabel("German piece being produced", labelpad=58)
    fig.colorbar(image, ax=ax, shrink=0.8, label="attention weight")
    update_translation_explorer(ax, view, layer, head)
    return fig, ax


def update_translation_explorer(ax, view: dict, layer: int, head: int) -> None:
    """Move the artists of :func:`plot_translation_explorer` to another number, layer or head."""
    rows, cols = TRANSLATION_VIEW_SIZE
    data = np.ma.masked_all((rows, cols))  # (rows, cols): grey where there is no token
    source, target = view["source"], view["target"]
    if view["cross"]:
        weights = view["cross"][layer][head][:rows, :cols]  # (T_out, T_src)
        data[:weights.shape[0], :weights.shape[1]] = weights
    _gid(ax, "weights").set_data(data)
    for j in range(cols):
        _gid(ax, f"col{j}").set_text(source[j] if j < len(source) else "")
    for i in range(rows):
        _gid(ax, f"row{i}").set_text(target[i] if i < len(target) else "")
    ax.set_title(_view_title(view, layer, head), fontsize=10,
                 color="black" if view["correct"] or view["message"] else "C3")


# --------------------------------------------------------------------------- notebooks 04-05: the LSTM

LSTM_NODES = ("x", "y_prev", "c_prev", "z", "i", "f", "o", "c", "tanh_c", "y")
_GATE_NODES = ("i", "f", "o")


def lstm_step_values(cache, t: int, seq: int = 0, unit: int = 0) -> dict:
    """The values of one hidden unit at step t, read from an :class:`helpers.lstm.LSTMCache`.

    Returns: {"x": |x_t| (the input's norm), "y_prev", "c_prev", "z", "i", "f", "o", "c", "tanh_c", "y"}
    """
    T = cache.y.shape[0]
    if not 0 <= t < T:
        raise ValueError(f"t: expected a step in [0, {T}), got {t}")
    y_prev = cache.y0 if t == 0 else cache.y[t - 1]
    c_prev = cache.c0 if t == 0 else cache.c[t - 1]
    values = {"x": float(np.linalg.norm(cache.x[t, seq])), "y_prev": y_prev[seq, unit],
              "c_prev": c_prev[seq, unit]}
    for name in ("z", "i", "f", "o", "c", "tanh_c", "y"):
        values[name] = getattr(cache, name)[t, seq, unit]
    return {k: float(v) for k, v in values.items()}


def _value_colour(name, value):
    if name in _GATE_NODES:  # gates live in [0, 1]: closed = white, open = dark green
        return plt.get_cmap("Greens")(0.05 + 0.9 * float(np.clip(value, 0, 1)))
    if name == "x":
        return "#B9C7E3"
    return plt.get_cmap("RdBu_r")(plt.Normalize(-1.0, 1.0)(float(np.clip(value, -1.0, 1.0))))


_NODE_TEXT = {"x": "x[t]\n|x| = {v:.2f}", "y_prev": "y[t-1]\n{v:+.2f}", "c_prev": "c[t-1]\n{v:+.2f}",
              "z": "z (block input)\ng = tanh\n{v:+.2f}", "i": "i (input gate)\nσ\n{v:.2f}",
              "f": "f (forget gate)\nσ\n{v:.2f}", "o": "o (output gate)\nσ\n{v:.2f}",
              "c": "c[t]\n{v:+.2f}", "tanh_c": "h(c) = tanh\n{v:+.2f}", "y": "y[t]\n{v:+.2f}"}


def _lstm_node(ax, name, xy, w, h, fontsize=8):
    x0, y0 = xy
    ax.add_patch(FancyBboxPatch((x0 - w / 2, y0 - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.1",
                                facecolor="white", edgecolor="black", lw=0.9, gid=f"node-{name}", zorder=3))
    ax.text(x0, y0, "", ha="center", va="center", fontsize=fontsize, gid=f"text-{name}", zorder=4)


def _op(ax, xy, symbol):
    ax.add_patch(plt.Circle(xy, 0.22, facecolor="white", edgecolor="black", lw=0.9, zorder=3))
    ax.text(*xy, symbol, ha="center", va="center", fontsize=10, zorder=4)


def _line(ax, pts, color="black", ls="-", lw=1.1, arrow=True, gid=None, zorder=1):
    from matplotlib.path import Path
    path = Path(pts, [Path.MOVETO] + [Path.LINETO] * (len(pts) - 1))
    ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>" if arrow else "-", mutation_scale=9,
                                 color=color, lw=lw, linestyle=ls, gid=gid, zorder=zorder))


def update_lstm_diagram(ax, values: dict, peepholes: bool | None = None) -> None:
    """Recolour and relabel the nodes of an LSTM diagram for new values (no new artists).

    ``peepholes`` shows or hides the blue peephole connections (None leaves them as they are).
    """
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("node-"):
            name = gid[5:]
            patch.set_facecolor(_value_colour(name, values[name]))
        elif gid.startswith("peephole") and peepholes is not None:
            patch.set_visible(peepholes)
    if peepholes is not None:
        for text in ax.texts:
            if (text.get_gid() or "").startswith("peephole"):
                text.set_visible(peepholes)
    for text in ax.texts:
        gid = text.get_gid() or ""
        if gid == "text-cell":
            text.set_text(f"cell\nc[t-1] {values['c_prev']:+.2f}\nc[t] {values['c']:+.2f}")
            text.set_color("white" if abs(values["c"]) > 0.7 else "black")
        elif gid.startswith("text-"):
            name = gid[5:]
            text.set_text(_NODE_TEXT[name].format(v=values[name]))
            if name in _GATE_NODES:
                dark = values[name] > 0.6
            else:
                dark = name != "x" and abs(values[name]) > 0.7
            text.set_color("white" if dark else "black")


def draw_lstm_circuit(values: dict, peepholes: bool = False, ax=None):
    """The "electronic circuit" view of one LSTM cell: the cell highway across the top, the four gates
    below it, the forget gate and the input on-ramp acting on the highway. Nodes show the live values of
    one hidden unit (see :func:`lstm_step_values`); peepholes are the dashed blue lines.

    Returns: (fig, ax)
    """
    fig, ax = _fig_ax(ax, figsize=(6.4, 4.6))
    W, Hh = 1.4, 0.8
    pos = {"c_prev": (0.6, 5.0), "f": (2.4, 2.2), "i": (4.0, 2.2), "z": (5.6, 2.2), "o": (7.4, 2.2),
           "c": (7.0, 5.0), "tanh_c": (8.6, 3.9), "y": (9.6, 1.0), "x": (0.6, 0.2), "y_prev": (0.6, 1.3)}
    # the highway
    _line(ax, [(1.25, 5.0), (2.18, 5.0)], lw=2.2)
    _op(ax, (2.4, 5.0), "×")
    _line(ax, [(2.62, 5.0), (4.58, 5.0)], lw=2.2)
    _op(ax, (4.8, 5.0), "+")
    _line(ax, [(5.02, 5.0), (6.35, 5.0)], lw=2.2)
    _line(ax, [(7.62, 5.0), (9.9, 5.0)], lw=2.2)
    ax.text(9.9, 5.2, "c[t] →", ha="right", fontsize=8)
    ax.text(3.6, 5.35, "cell highway", fontsize=8, style="italic", ha="center")
    # inputs: x[t] and y[t-1] feed every gate through a bus
    _line(ax, [(1.25, 0.2), (7.4, 0.2)], arrow=False, color="grey")
    _line(ax, [(1.25, 1.3), (1.6, 1.3), (1.6, 0.2)], arrow=False, color="grey")
    for g in ("f", "i", "z", "o"):
        _line(ax, [(pos[g][0], 0.2), (pos[g][0], pos[g][1] - Hh / 2 - 0.02)], color="grey")
    # forget gate multiplies the highway; input gate times block input is the on-ramp
    _line(ax, [(2.4, 2.2 + Hh / 2), (2.4, 4.78)])
    _op(ax, (4.8, 3.6), "×")
    _line(ax, [(4.0, 2.2 + Hh / 2), (4.0, 3.6), (4.58, 3.6)])
    _line(ax, [(5.6, 2.2 + Hh / 2), (5.6, 3.6), (5.02, 3.6)])
    _line(ax, [(4.8, 3.82), (4.8, 4.78)])
    ax.text(4.95, 4.25, "on-ramp", fontsize=7, style="italic")
    # output: h(c) times the output gate
    _line(ax, [(7.62, 5.0), (8.6, 5.0), (8.6, 3.9 + Hh / 2)])
    _op(ax, (8.6, 2.2), "×")
    _line(ax, [(8.6, 3.9 - Hh / 2), (8.6, 2.42)])
    _line(ax, [(7.4 + W / 2, 2.2), (8.38, 2.2)])
    _line(ax, [(8.6, 1.98), (8.6, 1.0), (9.6 - 0.45, 1.0)])
    # peepholes (blue, dashed): c[t-1] into i and f, c[t] into o
    blue = "#1f5fbf"
    _line(ax, [(1.0, 4.62), (1.0, 3.3), (2.2, 3.3), (2.2, 2.2 + Hh / 2)], color=blue, ls="--", gid="peephole-f")
    _line(ax, [(1.0, 3.3), (3.8, 3.3), (3.8, 2.2 + Hh / 2)], color=blue, ls="--", gid="peephole-i")
    _line(ax, [(7.2, 4.62), (7.2, 3.0), (7.6, 3.0), (7.6, 2.2 + Hh / 2)], color=blue, ls="--", gid="peephole-o")
    sizes = {name: (W, Hh) for name in pos}
    sizes.update({name: (0.9, Hh) for name in ("y", "c_prev", "c")})
    sizes.update({"x": (0.9, 0.55), "y_prev": (0.9, 0.55), "tanh_c": (1.1, 0.6)})
    return _finish_lstm_view(ax, pos, sizes, values, peepholes, (0.0, 10.2), (-0.3, 5.6), "electronic-circuit view")


def _finish_lstm_view(ax, pos, sizes, values, peepholes, xlim, ylim, title):
    """Draw the value nodes of an LSTM diagram at ``pos`` with ``sizes`` {name: (w, h)}, then colour them."""
    for name, xy in pos.items():
        _lstm_node(ax, name, xy, *sizes[name])
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.axis("off")
    ax.set_title(title)
    update_lstm_diagram(ax, values, peepholes)
    return ax.figure, ax


def draw_lstm_odyssey(values: dict, peepholes: bool = True, ax=None):
    """The view of Greff et al.'s Figure 1 ("Space Odyssey"): the cell in the centre, block input below,
    input gate and output gate on the left, the forget gate on the cell's own loop, peepholes in blue
    (input and forget gates see the cell before the update, c[t-1]; the output gate sees c[t]).
    Same values as :func:`draw_lstm_circuit`.

    Returns: (fig, ax)
    """
    fig, ax = _fig_ax(ax, figsize=(5.4, 5.8))
    W, Hh = 1.45, 0.8
    blue = "#1f5fbf"
    pos = {"x": (5.0, -0.7), "z": (5.0, 0.85), "i": (2.3, 2.3), "f": (7.7, 4.6), "tanh_c": (5.0, 5.3),
           "o": (2.3, 6.5), "y": (5.0, 7.9), "y_prev": (2.3, -0.7)}
    cell = (5.0, 3.75)
    # block input -> x input gate -> cell
    _line(ax, [(5.0, -0.7 + 0.28), (5.0, 0.85 - Hh / 2)], color="grey")
    _line(ax, [(2.3, -0.7 + 0.28), (2.3, 0.1), (5.0, 0.1)], color="grey", arrow=False)
    _line(ax, [(5.0, 0.85 + Hh / 2), (5.0, 2.08)])
    _op(ax, (5.0, 2.3), "×")
    _line(ax, [(2.3 + W / 2, 2.3), (4.78, 2.3)])
    _line(ax, [(5.0, 2.52), (5.0, cell[1] - 0.5)])
    # the cell's own loop: its previous value, times the forget gate, flows back in
    _op(ax, (6.4, 4.6), "×")
    _line(ax, [(5.75, 3.95), (6.4, 3.95), (6.4, 4.38)])
    _line(ax, [(7.7 - W / 2, 4.6), (6.62, 4.6)])
    _line(ax, [(6.18, 4.6), (5.3, 4.6), (5.3, cell[1] + 0.5)])
    ax.text(5.75, 4.68, "c[t-1]·f", fontsize=7, style="italic", va="bottom")
    # output: h(c) times the output gate
    _line(ax, [(5.0, cell[1] + 0.5), (5.0, 5.3 - 0.3)])
    _op(ax, (5.0, 6.5), "×")
    _line(ax, [(5.0, 5.3 + 0.3), (5.0, 6.28)])
    _line(ax, [(2.3 + W / 2, 6.5), (4.78, 6.5)])
    _line(ax, [(5.0, 6.72), (5.0, 7.9 - 0.28)])
    # every gate also reads x[t] and y[t-1] (short grey stubs)
    for g, (sx, sy), (ex, ey), (tx, ty) in (("i", (2.3, 1.45), (2.3, 2.3 - Hh / 2), (2.3, 1.4)),
                                            ("o", (2.3, 7.35), (2.3, 6.5 + Hh / 2), (2.3, 7.4)),
                                            ("f", (8.85, 5.2), (7.7 + W / 2 - 0.1, 4.6 + Hh / 2), (8.85, 5.25))):
        _line(ax, [(sx, sy), (ex, ey)], color="grey")
        ax.text(tx, ty, "x[t], y[t-1]", ha="center", va="top" if g == "i" else "bottom", fontsize=7, color="grey")
    # peepholes
    _line(ax, [(4.25, 3.55), (2.8, 3.55), (2.8, 2.3 + Hh / 2)], color=blue, ls="--", gid="peephole-i")
    _line(ax, [(5.75, 3.55), (7.5, 3.55), (7.5, 4.6 - Hh / 2)], color=blue, ls="--", gid="peephole-f")
    _line(ax, [(4.25, 3.95), (2.8, 3.95), (2.8, 6.5 - Hh / 2)], color=blue, ls="--", gid="peephole-o")
    ax.text(3.0, 3.5, "c[t-1]", fontsize=7, color=blue, va="top", gid="peephole-label-i")
    ax.text(7.45, 3.55, "c[t-1]", fontsize=7, color=blue, va="top", ha="right", gid="peephole-label-f")
    ax.text(3.0, 4.0, "c[t]", fontsize=7, color=blue, va="bottom", gid="peephole-label-o")
    # nodes
    ax.add_patch(FancyBboxPatch((cell[0] - 0.75, cell[1] - 0.5), 1.5, 1.0, boxstyle="round,pad=0.02,rounding_size=0.1",
                                facecolor="white", edgecolor="black", lw=1.2, gid="node-c", zorder=3))
    ax.text(*cell, "", ha="center", va="center", fontsize=8, gid="text-cell", zorder=4)
    sizes = {name: (W, Hh) for name in pos}
    sizes.update({name: (0.95, 0.55) for name in ("y", "x", "y_prev")})
    sizes["tanh_c"] = (1.2, 0.6)
    return _finish_lstm_view(ax, pos, sizes, values, peepholes, (1.2, 9.4), (-1.1, 8.4),
                             "Space Odyssey view (Greff et al.)")


def plot_lstm_views(values: dict, peepholes: bool = True, t: int | None = None):
    """Both views of the same cell, fed the same values. Returns (fig, (ax_circuit, ax_odyssey))."""
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11.5, 5.4), gridspec_kw={"width_ratios": [1.1, 1.0]})
    draw_lstm_circuit(values, peepholes, ax=ax0)
    draw_lstm_odyssey(values, peepholes, ax=ax1)
    fig.suptitle(_views_title(t, peepholes), fontsize=11)
    return fig, (ax0, ax1)


def _views_title(t, peepholes):
    step = "" if t is None else f"step t = {t}; "
    return f"{step}one hidden unit; {'with' if peepholes else 'without'} peepholes; gates: white = closed (0), green = open (1)"


def draw_computational_graph(nodes: dict, edges, title: str = "", highlight=(), ax=None):
    """A small computational graph: nodes at given positions, arrows labelled with the local
    (partial) derivative along each edge; edges in ``highlight`` are drawn thick and coloured.

    Inputs:  nodes {name: (x, y)}; edges [(parent, child, label)]; highlight: list of lists of
             (parent, child) pairs, one list per path, each path in its own colour
    Returns: (fig, ax)
    """
    fig, ax = _fig_ax(ax, figsize=(5.6, 3.4))
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


# --------------------------------------------------------------------------- notebook 07: gradient clipping

CLIPPING_COLORS = {"unclipped": "#E8412C", "clipped": "#FFFFFF", "cliff": "#FF6FD8", "rescaled": "#00C8FF"}
CLIPPING_SUMMARY_STEPS = 20  # the E panel's title reports the median error over the last steps, not the last one


def _surface_image(ax, w, b, E, colorbar: bool = True):
    """E(w, b) as an image with a logarithmic colour scale, and the cliff line; returns the image."""
    from matplotlib.colors import LogNorm

    from .scalar_rnn import X0, cliff_line
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
    from .scalar_rnn import forward
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
    from .scalar_rnn import X0, cliff_line, error_and_gradient
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
    from .scalar_rnn import gradient_descent
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
    from matplotlib import patheffects
    from matplotlib.ticker import NullLocator

    from .scalar_rnn import error_surface
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
    from matplotlib.patches import Circle, Rectangle

    from .optim import clip_grad_norm, clip_grad_value
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


# --------------------------------------------------------------------------- notebook 08: scaling and masks

_SCALED, _UNSCALED = "C0", "C3"


def plot_score_scaling(stats, row):
    """Why attention divides the scores by sqrt(d_k), for one d_k.

    Left: the variance of q.k grows like d_k; scaled by 1/sqrt(d_k) it stays near 1. Middle: one query's
    softmax weights over its keys, unscaled and scaled. Right: the size of the softmax's Jacobian
    ||diag(p) - p p^T||_F (how much gradient gets through), averaged over many draws.
    Inputs:  a ScoreStatistics and a ScoreRow from :class:`helpers.score_scaling.ScoreScalingProbe`
    Returns: (fig, (ax_var, ax_row, ax_jac)); :func:`update_score_scaling` moves the same artists.
    """
    fig, (ax_var, ax_row, ax_jac) = plt.subplots(1, 3, figsize=(13.5, 3.9),
                                                 gridspec_kw={"width_ratios": [1.0, 1.1, 1.0]})
    d = stats.d_k
    ax_var.loglog(d, d, "--", color="grey", lw=1, label="d_k (theory for q·k)")
    ax_var.loglog(d, stats.var_unscaled, "o-", color=_UNSCALED, ms=4, label="measured Var[q·k]")
    ax_var.loglog(d, stats.var_scaled, "o-", color=_SCALED, ms=4, label="measured Var[q·k / √d_k]")
    ax_var.set_xscale("log", base=2)
    ax_var.set_xlabel("d_k (dimension of queries and keys)")
    ax_var.set_ylabel("variance of the scores")
    ax_var.set_title("the spread of q·k grows with d_k")
    ax_var.legend(loc="upper left", fontsize=8)
    n = len(row.scores)
    x = np.arange(n)
    ax_row.bar(x - 0.2, row.weights_unscaled, width=0.4, color=_UNSCALED, label="softmax(q·k)", gid="unscaled")
    ax_row.bar(x + 0.2, row.weights_scaled, width=0.4, color=_SCALED, label="softmax(q·k / √d_k)", gid="scaled")
    ax_row.set_xticks(x, [f"k{j + 1}" for j in x])
    ax_row.set_ylim(0, 1.05)
    ax_row.set_xlabel("key")
    ax_row.set_ylabel("attention weight")
    ax_row.legend(loc="upper left", fontsize=8)
    ax_jac.plot(d, stats.jacobian_unscaled, "o-", color=_UNSCALED, ms=4, label="softmax(q·k)")
    ax_jac.plot(d, stats.jacobian_scaled, "o-", color=_SCALED, ms=4, label="softmax(q·k / √d_k)")
    ax_jac.set_xscale("log", base=2)
    ax_jac.set_ylim(0, 1.15 * max(stats.jacobian_scaled.max(), stats.jacobian_unscaled.max()))
    ax_jac.set_xlabel("d_k")
    ax_jac.set_ylabel("mean ‖∂p/∂s‖_F (Jacobian size)")
    ax_jac.set_title("peaked weights pass little gradient")
    ax_jac.legend(loc="lower left", fontsize=8)
    for ax in (ax_var, ax_jac):
        ax.set_xticks(d, [f"{int(v)}" for v in d], fontsize=8)
        ax.axvline(row.d_k, color="black", lw=1, alpha=0.6, gid="marker")
    update_score_scaling((ax_var, ax_row, ax_jac), row)
    return fig, (ax_var, ax_row, ax_jac)


def update_score_scaling(axes, row) -> None:
    """Move the artists of :func:`plot_score_scaling` to another d_k (nothing is rebuilt)."""
    ax_var, ax_row, ax_jac = axes
    for gid, weights in (("unscaled", row.weights_unscaled), ("scaled", row.weights_scaled)):
        bars = [patch for patch in ax_row.patches if patch.get_gid() == gid]
        for bar, w in zip(bars, weights):
            bar.set_height(w)
    for ax in (ax_var, ax_jac):
        _gid(ax, "marker").set_xdata([row.d_k, row.d_k])
    spread = np.std(row.scores)
    ax_row.set_title(f"one query, d_k = {row.d_k}: scores' std {spread:.1f}; largest weight\n"
                     f"{row.weights_unscaled.max():.2f} unscaled, {row.weights_scaled.max():.2f} scaled", fontsize=10)


_MASK_CMAP = None


def _mask_cmap():
    global _MASK_CMAP
    if _MASK_CMAP is None:
        from matplotlib.colors import ListedColormap
        _MASK_CMAP = ListedColormap(["#e6e6e6", COLORS["input"]])
    return _MASK_CMAP


def attention_mask_panels(q, k, length: int, causal: bool = True, side: str = "right") -> dict:
    """The masks of one padded sequence used for self-attention, and the weights they give.

    Inputs:  q, k (T, d_k): queries and keys of the T positions; length: how many positions are real
             tokens (0 ... T), the rest is padding; causal: add the look-ahead mask; side: "right" (pads
             after the tokens) or "left" (before them)
    Returns: {"padding", "causal", "combined": (T, T) bool, True = may attend; "weights": (T, T);
              "fully_masked": (T,) bool}
    """
    from .attention import causal_mask, fully_masked_rows, padding_mask, scaled_dot_product_attention
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    if q.ndim != 2 or k.shape != q.shape:
        raise ValueError(f"q, k: expected the same shape (T, d_k), got {q.shape} and {k.shape}")
    if side not in ("right", "left"):
        raise ValueError(f"side: expected 'right' or 'left', got {side!r}")
    T = q.shape[0]
    real = padding_mask(np.array([length]), T)[0, 0]  # (T,): True for the real tokens (checks length)
    if side == "left":
        real = real[::-1]
    pad = np.broadcast_to(real, (T, T))  # (T, T): every query sees the same keys
    look = causal_mask(T) if causal else np.ones((T, T), dtype=bool)
    combined = pad & look
    _, weights = scaled_dot_product_attention(q, k, k, mask=combined)  # (T, T)
    return {"padding": pad, "causal": look, "combined": combined, "weights": weights,
            "fully_masked": fully_masked_rows(combined, (T, T))}


def _mask_titles(length, T, causal, side, panels):
    n_full = int(panels["fully_masked"].sum())
    full = f"{n_full} fully masked row{'s' if n_full != 1 else ''}: weights 0" if n_full else "each row sums to 1"
    return (f"padding mask\n{length} of {T} real, pads on the {side}",
            "causal mask\n(no look-ahead)" if causal else "no causal mask\n(all True)",
            "combined\n= padding AND causal" if causal else "combined\n= padding only",
            f"attention weights\n{full}")


def plot_attention_masks(q, k, length: int, causal: bool = True, side: str = "right"):
    """The padding mask, the causal mask, their combination and the resulting attention weights.

    Masks are drawn with our convention: blue = True = this query may attend to this key.
    Masked weights are exactly 0 and drawn grey; a query row whose keys are all masked is marked with a
    red cross on the right (its weights are all 0 by the convention of :mod:`helpers.attention`).
    Inputs:  as :func:`attention_mask_panels`
    Returns: (fig, axes (4,)); :func:`update_attention_masks` moves the same artists.
    """
    T = np.asarray(q).shape[0]
    panels = attention_mask_panels(q, k, length, causal, side)
    fig, axes = plt.subplots(1, 4, figsize=(14, 4.0), layout="constrained")
    for ax, name in zip(axes[:3], ("padding", "causal", "combined")):
        ax.imshow(panels[name].astype(float), cmap=_mask_cmap(), vmin=0, vmax=1, gid=name)
    cmap = plt.get_cmap("viridis").with_extremes(bad="#e6e6e6")
    image = axes[3].imshow(np.ma.masked_array(panels["weights"], ~panels["combined"]), cmap=cmap, vmin=0,
                           vmax=1, gid="weights")
    fig.colorbar(image, ax=axes[3], fraction=0.046, pad=0.1, label="weight")
    full, = axes[3].plot([], [], "x", color="C3", ms=9, mew=2, clip_on=False, gid="full", label="fully masked row")
    full.set_in_layout(False)  # drawn just outside the axes; the layout need not make room for it
    ticks = np.arange(T)
    for ax in axes:
        ax.set_xticks(ticks)
        ax.set_yticks(ticks)
        ax.set_xlabel("key position")
        ax.grid(False)
    axes[0].set_ylabel("query position")
    from matplotlib.patches import Patch
    fig.legend(handles=[Patch(color=COLORS["input"], label="True: may attend"),
                        Patch(color="#e6e6e6", label="False: masked (weight exactly 0)"),
                        *axes[3].get_lines()], loc="lower center", ncol=3, fontsize=9)
    fig.get_layout_engine().set(rect=(0, 0.08, 1, 0.92))  # room for the legend below
    update_attention_masks(axes, q, k, length, causal, side)
    return fig, axes


def update_attention_masks(axes, q, k, length: int, causal: bool = True, side: str = "right") -> None:
    """Move the artists of :func:`plot_attention_masks` to another setting (nothing is rebuilt)."""
    panels = attention_mask_panels(q, k, length, causal, side)
    T = panels["weights"].shape[0]
    for ax, name in zip(axes[:3], ("padding", "causal", "combined")):
        _gid(ax, name).set_data(panels[name].astype(float))
    _gid(axes[3], "weights").set_data(np.ma.masked_array(panels["weights"], ~panels["combined"]))
    rows = np.flatnonzero(panels["fully_masked"])
    _gid(axes[3], "full").set_data(np.full(len(rows), T - 0.5 + 0.45), rows)
    for ax, title in zip(axes, _mask_titles(length, T, causal, side, panels)):
        ax.set_title(title, fontsize=10)
