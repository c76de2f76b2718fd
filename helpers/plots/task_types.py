"""Notebook 01: the RNN task types (many-to-one, one-to-many, many-to-many, seq2seq, bidirectional), each drawn
unrolled in time.

Time runs left to right; inputs (blue) enter from below, hidden states (orange; the right-to-left states of a
bidirectional network purple) pass information along, outputs (green) leave at the top. Every box is a node of
:class:`helpers.plots.diagram.Diagram`, so it fits its text, and every arrow runs from the edge of one box to the edge
of another.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .diagram import Diagram
from .style import COLORS, PALETTE, fig_ax

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
        "caption": "4 German words in, 3 English words out: 'habe … getrunken' (have … drunk), second and "
                   "last, becomes 'drank', second",
    },
    "bidirectional": {
        "title": "bidirectional (architecture): tagging",
        "inputs": ["Teddy", "Roosevelt", "was", "president"],
        "outputs": ["NAME", "NAME", "O", "O"],
        "caption": "'Teddy' is a name only because of the word after it",
    },
}

# box faces: light tints under black text; the strong colours of COLORS draw the right-to-left arrows
FACES = {"input": PALETTE["light_sky"], "hidden": PALETTE["light_orange"], "decoder": PALETTE["orange"],
         "backward": PALETTE["light_purple"], "output": PALETTE["light_green"]}
COLUMN = 1.0  # data units between two time steps (the panel has equal aspect)
ROW = 0.62  # data units between two rows of boxes


def draw_task(kind: str, ax=None, inputs=None, outputs=None, title=None, caption=None, hidden=None):
    """Draw one RNN task type, unrolled in time: inputs (blue) below, hidden states (orange), outputs (green) above;
    arrows show what feeds what. Defaults come from TASK_EXAMPLES.

    Inputs:  kind: one of TASK_KINDS; optional token lists (None = no input/output at that step);
             hidden: optional labels for the hidden states (default $h_1$, $h_2$, ...)
    Returns: (fig, ax); the boxes have gids "node-x{t}", "node-h{t}", "node-y{t}" (and "node-b{t}", the right-to-left
             states of the bidirectional network)
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
    bidirectional = kind == "bidirectional"
    rows = 4 if bidirectional else 3
    fig, ax = fig_ax(ax, figsize=(1.5 * T + 0.6, 0.95 * rows + 1.2))
    d = Diagram(ax, fontsize=10)
    y_in, y_h = 0.0, ROW
    y_back, y_out = (2 * ROW, 3 * ROW) if bidirectional else (None, 2 * ROW)
    n_enc = sum(v is not None for v in inputs) if kind == "seq2seq" else 0
    for t in range(T):
        x = COLUMN * t
        face, label = FACES["hidden"], (f"$h_{{{t + 1}}}$" if hidden is None else hidden[t])
        if kind == "seq2seq" and hidden is None:  # the encoder's and the decoder's states
            encoder = t < n_enc
            label = f"enc {t + 1}" if encoder else f"dec {t - n_enc + 1}"
            face = FACES["hidden"] if encoder else FACES["decoder"]
        d.node(f"h{t}", (x, y_h), label, face=face)
        if bidirectional:
            d.node(f"b{t}", (x, y_back), f"$h'_{{{t + 1}}}$", face=FACES["backward"], edge=COLORS["backward"])
        if inputs[t] is not None:
            d.node(f"x{t}", (x, y_in), inputs[t], face=FACES["input"])
            d.edge(f"x{t}", f"h{t}")
            if bidirectional:  # the input also feeds the right-to-left state, bending round h_t on its right
                d.edge(f"x{t}", f"b{t}", colour=COLORS["backward"], rad=0.55)
        if outputs[t] is not None:
            d.node(f"y{t}", (x, y_out), outputs[t], face=FACES["output"])
            d.edge(f"b{t}" if bidirectional else f"h{t}", f"y{t}", colour=COLORS["backward"] if bidirectional
                   else "black")
            if bidirectional:  # the left-to-right state feeds the output too, bending round h'_t on its left
                d.edge(f"h{t}", f"y{t}", rad=-0.55)
    for t in range(T - 1):
        d.edge(f"h{t}", f"h{t + 1}")
        if bidirectional:
            d.edge(f"b{t + 1}", f"b{t}", colour=COLORS["backward"])
        # generated outputs are fed back as the next step's input
        if kind in ("one-to-many", "seq2seq") and outputs[t] is not None and inputs[t + 1] is None:
            d.edge(f"y{t}", f"h{t + 1}", colour=PALETTE["grey"], ls="--", rad=0.25)
    y_caption = y_in - 0.48
    d.text((COLUMN * (T - 1) / 2, y_caption), caption or ex["caption"], ha="center", va="center", style="italic",
           wrap=True)
    d.finish(xlim=(-0.62, COLUMN * (T - 1) + 0.62), ylim=(y_caption - 0.25, y_out + 0.32))
    ax.set_title(title or ex["title"])
    return fig, ax


def _key(fig):
    handles = [Patch(facecolor=FACES["input"], edgecolor="black", label="input $x_t$"),
               Patch(facecolor=FACES["hidden"], edgecolor="black", label="hidden state (left → right)"),
               Patch(facecolor=FACES["backward"], edgecolor=COLORS["backward"], label="hidden state (right → left)"),
               Patch(facecolor=FACES["output"], edgecolor="black", label=r"output $\hat y_t$"),
               Line2D([], [], color=PALETTE["grey"], ls="--", label="generated output fed back as the next input")]
    fig.legend(handles=handles, loc="outside upper center", ncol=3, fontsize=10)


def plot_task_types():
    """All five task types and a key: four panels in two rows, seq2seq (seven steps) across the whole width below.

    Returns: (fig, axes), axes an array in the order of TASK_KINDS
    """
    fig = plt.figure(figsize=(12.0, 9.6), layout="constrained")
    grid = fig.add_gridspec(3, 2, height_ratios=[1.0, 1.25, 1.0])
    where = {"many-to-one": grid[0, 0], "one-to-many": grid[0, 1], "many-to-many": grid[1, 0],
             "bidirectional": grid[1, 1], "seq2seq": grid[2, :]}
    axes = {}
    for kind in TASK_KINDS:
        axes[kind] = fig.add_subplot(where[kind])
        draw_task(kind, ax=axes[kind])
    axes["many-to-many"].set_ylim(axes["bidirectional"].get_ylim())  # the same scale as its neighbour
    _key(fig)
    return fig, np.array([axes[k] for k in TASK_KINDS], dtype=object)
