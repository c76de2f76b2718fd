"""Notebook 01: the RNN task types (many-to-one, one-to-many, many-to-many, seq2seq, bidirectional), each drawn
unrolled in time.
"""
from __future__ import annotations

import matplotlib.pyplot as plt

from .style import COLORS, draw_arrow, draw_box, fig_ax

__all__ = ["TASK_KINDS", "TASK_EXAMPLES", "draw_task", "plot_task_types"]


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
    fig, ax = fig_ax(ax, figsize=(1.35 * T + 0.6, 3.0))
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
        draw_box(ax, (t, y_h), label, cell_color, w=cell_w)
        if bidirectional:
            draw_box(ax, (t, y_back), f"h'{t + 1}", COLORS["backward"], w=cell_w)
        if inputs[t] is not None:
            draw_box(ax, (t, y_in), inputs[t], COLORS["input"], h=0.45)
            draw_arrow(ax, (t, y_in + 0.23), (t, y_h - 0.25))
            if bidirectional:  # the input also feeds the right-to-left cell, passing beside h_t
                draw_arrow(ax, (t + side, y_in + 0.23), (t + side, y_back - 0.25), color=COLORS["backward"])
        if outputs[t] is not None:
            draw_box(ax, (t, y_out), outputs[t], COLORS["output"], h=0.45)
            top = y_back if bidirectional else y_h
            draw_arrow(ax, (t, top + 0.25), (t, y_out - 0.23))
            if bidirectional:  # and the left-to-right cell feeds the output too, passing beside h'_t
                draw_arrow(ax, (t - side, y_h + 0.25), (t - side, y_out - 0.23))
        if t + 1 < T:
            draw_arrow(ax, (t + cell_w / 2, y_h), (t + 1 - cell_w / 2, y_h))
            if bidirectional:
                draw_arrow(ax, (t + 1 - cell_w / 2, y_back), (t + cell_w / 2, y_back), color=COLORS["backward"])
        # generated outputs are fed back as the next step's input
        if kind in ("one-to-many", "seq2seq") and outputs[t] is not None and t + 1 < T \
                and inputs[t + 1] is None:
            draw_arrow(ax, (t + 0.3, y_out - 0.1), (t + 0.75, y_h + 0.2), color="grey", ls="--", rad=0.2)
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
        draw_box(key, (0.2, 1.6 - 0.55 * i), "", color, w=0.3, h=0.35)
        key.text(0.5, 1.6 - 0.55 * i, name, va="center", fontsize=9)
    key.plot([0.05, 0.35], [-0.6, -0.6], ls="--", color="grey")
    key.text(0.5, -0.6, "generated output fed back as next input", va="center", fontsize=9)
    key.set_xlim(0, 3)
    key.set_ylim(-1, 2)
    key.set_title("key")
    return fig, axes
