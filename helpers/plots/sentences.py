"""Notebook 11: the sentence translator. Where the German verb moves (drawn from the data), two models' training on
one time budget, accuracy against how far the verb moves, attention heat maps with the moved verb's row marked,
and scores per head as grouped bars. Layers and heads are numbered from 1 in every label.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import ScalarFormatter

from ..sentences import SentencePairs, accuracy_interval
from .diagram import Diagram
from .style import PALETTE, text_colour_on

__all__ = ["moved_span", "draw_verb_moves", "plot_training_budget", "plot_by_move", "plot_attention_panels",
           "head_labels", "plot_head_bars"]

_MODEL_STYLES = ({"color": PALETTE["blue"], "ls": "-", "marker": "o"},
                 {"color": PALETTE["vermillion"], "ls": "--", "marker": "s"},
                 {"color": PALETTE["green"], "ls": "-.", "marker": "^"},
                 {"color": PALETTE["orange"], "ls": ":", "marker": "D"})
_MARK = PALETTE["vermillion"]          # the moved verb: its box, its row, its tick labels
_JUMPED = PALETTE["light_orange"]      # the German words the verb jumps over
_CMAP = "viridis"                      # attention weights, as in notebooks 08 and 10


# --------------------------------------------------------------------------- where the verb moves

def moved_span(german: str, tags, verb_tgt: int, move: int) -> range:
    """The positions of the German words the recorded verb jumps over: after it for verb second (the subject),
    before it for verb final (the objects), none for move 0."""
    if move == 0:
        return range(0)
    if verb_tgt == len(german.split()) - 1 and "verb_final" in tags:
        return range(verb_tgt - move, verb_tgt)
    return range(verb_tgt + 1, verb_tgt + 1 + move)


def _word_positions(words, gap=0.22, char=0.105, pad=0.3):
    """x centres of word boxes side by side (data units = inches at the drawing's scale)."""
    widths = np.array([char * max(len(w), 1) + pad for w in words])  # (k,)
    right = np.cumsum(widths + gap)  # (k,)
    return right - gap - widths / 2, widths, right[-1] - gap


def draw_verb_moves(pairs: SentencePairs, index, titles=None):
    """Sentence pairs drawn as two rows of words, English above German: an arrow joins the recorded English verb
    to the German verb, the German words it jumps over are shaded, and the arrow says how many (the data's
    ``move``). Everything comes from the pairs' own columns (verb_src, verb_tgt, move, tags).

    Inputs:  pairs (a SentencePairs split); index: the pair indices to draw, one panel each, top to bottom;
             titles: one title per panel (default: the pair's tags)
    Returns: (fig, axes)
    """
    if not isinstance(pairs, SentencePairs):
        raise ValueError(f"pairs: expected a SentencePairs split of load_sentences(), got {type(pairs).__name__}")
    index = [int(i) for i in index]
    if not index or not all(0 <= i < len(pairs) for i in index):
        raise ValueError(f"index: expected pair indices in [0, {len(pairs)}), got {index!r}")
    if titles is not None and len(titles) != len(index):
        raise ValueError(f"titles: expected {len(index)} titles (one per pair), got {len(titles)}")
    rows = []
    for k, i in enumerate(index):
        english, german = pairs.english[i].split(), pairs.german[i].split()
        x_en, _, w_en = _word_positions(english)
        x_de, widths, w_de = _word_positions(german)
        rows.append((english, german, x_en, x_de, widths, max(w_en, w_de), i))
    width = max(r[5] for r in rows)
    fig, axes = plt.subplots(len(rows), 1, figsize=(min(width + 0.6, 12.0), 2.0 * len(rows) + 0.2),
                             squeeze=False, layout="constrained")
    axes = axes[:, 0]
    for k, (ax, (english, german, x_en, x_de, widths, _, i)) in enumerate(zip(axes, rows)):
        src, tgt, move = int(pairs.verb_src[i]), int(pairs.verb_tgt[i]), int(pairs.move[i])
        jumped = moved_span(pairs.german[i], pairs.tags[i], tgt, move)
        d = Diagram(ax, fontsize=10)
        for j, (word, x) in enumerate(zip(english, x_en)):
            d.node(("en", j), (x, 1.0), word, face=PALETTE["light_vermillion"] if j == src else "white",
                   edge=_MARK if j == src else PALETTE["grey"], lw=1.8 if j == src else 0.8, pad=0.25)
        for j, (word, x) in enumerate(zip(german, x_de)):
            face = PALETTE["light_vermillion"] if j == tgt else (_JUMPED if j in jumped else "white")
            d.node(("de", j), (x, 0.0), word, face=face, edge=_MARK if j == tgt else PALETTE["grey"],
                   lw=1.8 if j == tgt else 0.8, pad=0.25, weight="bold" if j == tgt else "normal")
        d.edge(("en", src), ("de", tgt), label=None if move else "stays in place", colour=_MARK, lw=2.0, offset=6)
        if move:  # a bracket under the words jumped over
            left = x_de[jumped[0]] - widths[jumped[0]] / 2
            right = x_de[jumped[-1]] + widths[jumped[-1]] / 2
            ax.plot([left, left, right, right], [-0.28, -0.36, -0.36, -0.28], color=_MARK, lw=1.3)
            d.text(((left + right) / 2, -0.44), f"the verb jumps over these {move} word{'s' if move != 1 else ''}",
                   ha="center", va="top", color=_MARK)
        d.text((-0.25, 1.0), "English", ha="right", va="center", color=PALETTE["black"], fontweight="bold")
        d.text((-0.25, 0.0), "German", ha="right", va="center", color=PALETTE["black"], fontweight="bold")
        d.finish(xlim=(-1.25, width + 0.1), ylim=(-0.8, 1.3))
        ax.set_title(titles[k] if titles is not None else ", ".join(pairs.tags[i]) or "no tag", fontsize=10,
                     loc="left")
    return fig, axes


# --------------------------------------------------------------------------- training on one budget

def _style(k: int, styles, label):
    base = dict(_MODEL_STYLES[k % len(_MODEL_STYLES)])
    if styles and label in styles:
        base.update(styles[label])
    return base


def plot_training_budget(runs: dict, window: int = 50, floor: float | None = None):
    """Two trainings on one clock: the training loss (mean of ``window`` steps) and the validation exact match,
    both against the seconds since the start, so that runs with different steps per second line up by time.

    Inputs:  runs {label: (loss (steps,), history [(step, seconds, exact match), ...])}, e.g. from
             train_transformer and train_rnn_translator; window; floor: the lowest possible loss, drawn dashed
    Returns: (fig, (ax_loss, ax_exact))
    """
    if not runs:
        raise ValueError("runs: expected at least one {label: (loss, history)}")
    fig, (ax_loss, ax_exact) = plt.subplots(1, 2, figsize=(11.0, 3.9), layout="constrained")
    end = 0.0
    for k, (label, (loss, history)) in enumerate(runs.items()):
        loss = np.asarray(loss, dtype=float)
        if loss.ndim != 1 or len(loss) < 1 or not history:
            raise ValueError(f"runs[{label!r}]: expected a (steps,) loss and a non-empty history")
        at, seconds, exact = (np.array(v, dtype=float) for v in zip(*history))  # (e,) each
        w = int(min(max(window, 1), len(loss)))
        smooth = np.convolve(loss, np.ones(w) / w, mode="valid")  # (steps - w + 1,): steps w ... steps
        step_time = np.interp(np.arange(w, len(loss) + 1), np.r_[0.0, at], np.r_[0.0, seconds])  # (steps - w + 1,)
        st = _style(k, None, label)
        ax_loss.plot(step_time, smooth, color=st["color"], ls=st["ls"], lw=2.0,
                     label=f"{label}: {len(loss)} steps, {seconds[-1]:.0f} s")
        ax_exact.plot(seconds, 100 * exact, color=st["color"], ls=st["ls"], marker=st["marker"], lw=1.6,
                      label=label)
        end = max(end, seconds[-1])
    if floor is not None:
        ax_loss.axhline(floor, color=PALETTE["black"], ls=":", lw=1.2, label=f"lowest possible: {floor:.3f}")
    ax_loss.set_yscale("log")
    ax_loss.yaxis.set_major_formatter(ScalarFormatter())
    ax_loss.yaxis.set_minor_formatter(ScalarFormatter())
    ax_loss.set_xlabel("seconds of training (this machine)")
    ax_loss.set_ylabel(f"training loss per token\n(mean of {window} steps, log scale)")
    ax_loss.set_title("training loss")
    ax_loss.legend(loc="upper right")
    ax_exact.set_xlabel("seconds of training (this machine)")
    ax_exact.set_ylabel("validation exact match (%)")
    ax_exact.set_title("whole sentences translated right (greedy decoding)")
    ax_exact.legend(loc="lower right")
    for ax in (ax_loss, ax_exact):
        ax.set_xlim(0, end * 1.03)
    return fig, (ax_loss, ax_exact)


# --------------------------------------------------------------------------- against the distance moved

def plot_by_move(moves, series: dict, counts, ylabel: str, title: str = "", intervals: bool = False,
                 styles: dict | None = None, reference: tuple | None = None, tick_labels=None):
    """One line per series against how far the verb moves, and below it the number of test pairs per distance.

    Inputs:  moves (g,) distances; series {label: (g,) values}; counts (g,) pairs per distance; ylabel; title;
             intervals: the values are accuracies, drawn with Wilson 95% intervals (helpers.sentences.
             accuracy_interval) as error bars; styles {label: {"color", "ls", "marker"}} to override the
             defaults (blue solid circles, vermillion dashed squares, ...); reference: (value, label) drawn as a
             dotted horizontal line; tick_labels: (g,) labels of the distances (e.g. "7-8" for a merged group)
    Returns: (fig, (ax, ax_counts))
    """
    moves, counts = np.asarray(moves), np.asarray(counts)
    if moves.ndim != 1 or counts.shape != moves.shape:
        raise ValueError(f"moves, counts: expected two (g,) arrays, got {moves.shape} and {counts.shape}")
    if not series:
        raise ValueError("series: expected at least one {label: (g,) values}")
    if tick_labels is not None and len(tick_labels) != len(moves):
        raise ValueError(f"tick_labels: expected {len(moves)} labels (one per distance), got {len(tick_labels)}")
    fig, (ax, ax_counts) = plt.subplots(2, 1, figsize=(8.0, 5.0), sharex=True, height_ratios=(3.2, 1.0),
                                        layout="constrained")
    shift = 0.09 * (np.arange(len(series)) - (len(series) - 1) / 2)  # side by side, so error bars do not overlap
    low_all = []
    for k, (label, values) in enumerate(series.items()):
        values = np.asarray(values, dtype=float)
        if values.shape != moves.shape:
            raise ValueError(f"series[{label!r}]: expected shape {moves.shape} (one value per distance), "
                             f"got {values.shape}")
        st = _style(k, styles, label)
        x = moves + (shift[k] if intervals else 0.0)
        if intervals:
            low, high = accuracy_interval(values, counts)
            ax.errorbar(x, values, yerr=(values - low, high - values), color=st["color"], ls="none", capsize=3,
                        lw=1.0)
            low_all.append(low.min())
        ax.plot(x, values, color=st["color"], ls=st["ls"], marker=st["marker"], lw=1.8, ms=6, label=label,
                mfc="white" if k % 2 else st["color"])
        low_all.append(np.nanmin(values))
    if reference is not None:
        ax.axhline(reference[0], color=PALETTE["grey"], ls=":", lw=1.5, label=reference[1])
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=9)
    top = 1.02 if intervals else max(1.02, ax.get_ylim()[1])
    ax.set_ylim(max(0.0, min(low_all) - 0.04) if intervals else min(0.0, min(low_all)), top)
    ax_counts.bar(moves, counts, width=0.6, color=PALETTE["light_grey"], edgecolor=PALETTE["grey"])
    for m, c in zip(moves, counts):
        ax_counts.text(m, c + 0.03 * counts.max(), f"{c}", ha="center", va="bottom", fontsize=9)
    ax_counts.set_ylim(0, counts.max() * 1.35)
    ax_counts.set_ylabel("test pairs")
    ax_counts.set_xlabel("how far the German verb moves (words it jumps over)")
    ax_counts.set_xticks(moves, None if tick_labels is None else [str(t) for t in tick_labels])
    ax_counts.grid(False)
    return fig, (ax, ax_counts)


# --------------------------------------------------------------------------- attention heat maps

def plot_attention_panels(panels, ncols: int | None = None, suptitle: str | None = None,
                          xlabel: str = "key: English word it reads", ylabel: str = "query", values: bool = False):
    """Attention heat maps side by side, each with its own words, one marked row and one marked cell, and one colour
    bar for the whole figure (every map uses the same scale, 0 to 1).

    Inputs:  panels: a list of dicts {"title", "weights" (T, S) in [0, 1], "rows" (T labels), "cols" (S labels),
             "mark_row" (int or None), "mark_col" (int or None)}: the marked row gets a vermillion frame and
             bold vermillion label, the marked cell a white frame, the marked column's label bold vermillion;
             ncols: panels per row (default: all in one row); suptitle; xlabel, ylabel for the whole figure;
             values: print the weights of the marked row in its cells (two decimals, blank below 0.005)
    Panels in one row get widths in proportion to their words, so that every cell has the same size.
    Returns: (fig, axes) with axes in the order of ``panels``
    """
    if not panels:
        raise ValueError("panels: expected at least one panel")
    for k, p in enumerate(panels):
        w = np.asarray(p.get("weights"))
        if w.ndim != 2 or w.shape != (len(p.get("rows", ())), len(p.get("cols", ()))):
            raise ValueError(f"panels[{k}]: expected weights (T, S) with T row labels and S column labels, got "
                             f"weights {w.shape}, {len(p.get('rows', ()))} rows, {len(p.get('cols', ()))} cols")
    n = len(panels)
    ncols = n if ncols is None else max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    T = max(len(p["rows"]) for p in panels)
    S = max(len(p["cols"]) for p in panels)
    same_rows = all(list(p["rows"]) == list(panels[0]["rows"]) for p in panels)
    same_cols = all(list(p["cols"]) == list(panels[0]["cols"]) for p in panels)
    label_width = 0.075 * max(len(str(r)) for p in panels for r in p["rows"]) + 0.3
    bar = 0.9  # inches: the one colour bar and its label
    columns = sum(len(p["cols"]) for p in panels) if nrows == 1 else ncols * S  # cells side by side
    gaps = 0.25 * (ncols - 1)  # inches between panels
    cell = min(0.3, (11.0 - bar - gaps - (1 if same_rows else ncols) * label_width) / columns)
    tick_size = 10 if cell >= 0.19 else 9  # points: 10 where a cell (0.19 in = 15 px) holds it
    col_height = 0.075 * max(len(str(c)) for p in panels for c in p["cols"]) + 0.3
    col_height *= tick_size / 9
    label_width *= tick_size / 9
    width = columns * cell + (1 if same_rows else ncols) * label_width + bar + gaps + 0.5
    height = nrows * (T * cell + 0.35) + (1 if same_cols else nrows) * col_height + 0.6 + (0.35 if suptitle else 0)
    ratios = [len(p["cols"]) for p in panels] if nrows == 1 else None
    fig, grid = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, layout="constrained",
                             width_ratios=ratios)
    fig.get_layout_engine().set(wspace=0.03)  # a gap between maps whose rows share their labels
    for ax in grid.ravel()[n:]:
        ax.set_visible(False)
    axes = []
    norm, cmap = plt.Normalize(0.0, 1.0), plt.get_cmap(_CMAP)  # one scale for every map, keyed by one colour bar
    for k, p in enumerate(panels):
        r, c = divmod(k, ncols)
        ax = grid[r, c]
        axes.append(ax)
        w = np.asarray(p["weights"], dtype=float)
        Tk, Sk = w.shape
        ax.imshow(cmap(norm(w)), interpolation="nearest", aspect="equal")  # (T, S, 4): coloured by the one key
        ax.set_xlim(-0.5, (Sk if nrows == 1 else S) - 0.5)
        ax.set_ylim((Tk if nrows == 1 else T) - 0.5, -0.5)
        ax.grid(False)
        ax.tick_params(length=0)
        ax.set_xticks(range(Sk), p["cols"], rotation=90, fontsize=tick_size)
        ax.set_yticks(range(Tk), p["rows"], fontsize=tick_size)
        last_in_column = k + ncols >= n
        ax.tick_params(labelbottom=not same_cols or last_in_column, labelleft=not same_rows or c == 0)
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_title(p.get("title", ""), fontsize=10)
        row, col = p.get("mark_row"), p.get("mark_col")
        if row is not None:
            ax.add_patch(Rectangle((-0.5, row - 0.5), Sk, 1.0, fill=False, edgecolor=_MARK, lw=2.2, zorder=3,
                                   gid="mark-row"))
            for label in ax.get_yticklabels()[row:row + 1]:  # (none where the labels are not drawn)
                label.set_color(_MARK)
                label.set_fontweight("bold")
        if col is not None:
            for label in ax.get_xticklabels()[col:col + 1]:
                label.set_color(_MARK)
                label.set_fontweight("bold")
        if values and row is not None:
            for j, v in enumerate(w[row]):
                ax.text(j, row, f"{v:.2f}".removeprefix("0") if v >= 0.005 else "", ha="center", va="center",
                        fontsize=9, color=text_colour_on(cmap(norm(v))), zorder=5)
        if row is not None and col is not None:
            ax.add_patch(Rectangle((col - 0.5, row - 0.5), 1.0, 1.0, fill=False, edgecolor="white", lw=1.6,
                                   zorder=4, gid="mark-cell"))
    key = fig.colorbar(ScalarMappable(norm, cmap), ax=axes, fraction=0.6 / width, pad=0.02, shrink=0.8, aspect=25,
                       ticks=[0, 0.25, 0.5, 0.75, 1])
    key.ax.tick_params(labelsize=9)
    key.set_label("attention weight", fontsize=10)
    fig.supxlabel(xlabel, fontsize=10)
    fig.supylabel(ylabel, fontsize=10)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig, np.array(axes, dtype=object)


# --------------------------------------------------------------------------- scores per head

def head_labels(n_layers: int, h: int) -> list:
    """["layer 1\\nhead 1", ...]: layers and heads numbered from 1, in the order of a (n_layers, h) array."""
    return [f"layer {l + 1}\nhead {j + 1}" for l in range(n_layers) for j in range(h)]


def plot_head_bars(panels: dict, groups, ylabel: str, references: dict | None = None, title: str | None = None):
    """Grouped bars: for every group (a head, or a whole model) one bar per series, its value printed above it;
    series differ by colour and hatching.

    Inputs:  panels {panel title: {series label: (G,) values}}; groups: G group labels (e.g. head_labels(2, 4)
             + ["LSTM"]); ylabel; references {panel title: (value, label)}: a dotted line, e.g. uniform
             attention; title: the figure's title
    The value axis ends a little above the largest value of all panels (at most 1.16, room for the printed
    values and the legend), so that small weights are not squashed at the bottom.
    Returns: (fig, axes), one axes per panel, stacked
    """
    if not panels:
        raise ValueError("panels: expected at least one {title: {series: values}}")
    groups = list(groups)
    G = len(groups)
    largest = max(float(np.max(np.asarray(v, dtype=float))) for series in panels.values() for v in series.values())
    small = largest < 0.6  # the legend fits above the bars
    top = min(1.16, 0.05 * np.ceil((largest * 1.45 + 0.03) / 0.05)) if small else 1.16
    fig, axes = plt.subplots(len(panels), 1, figsize=(min(0.95 * G + 2.2, 12.0), 3.4 * len(panels) + 0.4),
                             squeeze=False, layout="constrained")
    axes = axes[:, 0]
    faces = (PALETTE["blue"], "white", PALETTE["orange"], PALETTE["light_grey"])
    edges = (PALETTE["blue"], PALETTE["vermillion"], PALETTE["orange"], PALETTE["black"])
    hatches = ("", "///", "..", "xx")
    for ax, (panel, series) in zip(axes, panels.items()):
        k_series = len(series)
        width = 0.8 / k_series
        handles = []
        for k, (label, values) in enumerate(series.items()):
            values = np.asarray(values, dtype=float)
            if values.shape != (G,):
                raise ValueError(f"panels[{panel!r}][{label!r}]: expected ({G},) values, one per group, got "
                                 f"{values.shape}")
            x = np.arange(G) - 0.4 + width * (k + 0.5)
            ax.bar(x, values, width=width * 0.92, color=faces[k % 4], edgecolor=edges[k % 4],
                   hatch=hatches[k % 4], lw=1.2, label=label)
            for xi, v in zip(x, values):
                ax.text(xi, v + 0.013 * top, f"{v:.2f}".removeprefix("0"), ha="center", va="bottom", fontsize=9)
            handles.append(Patch(facecolor=faces[k % 4], edgecolor=edges[k % 4], hatch=hatches[k % 4], label=label))
        if references and panel in references:
            value, text = references[panel]
            ax.axhline(value, color=PALETTE["grey"], ls=":", lw=1.5)
            handles.append(plt.Line2D([], [], color=PALETTE["grey"], ls=":", lw=1.5, label=text))
        ax.set_xticks(range(G), groups, fontsize=9)
        ax.set_xlim(-0.6, G - 0.4)
        ax.set_ylim(0, top)
        ax.set_ylabel(ylabel)
        ax.set_title(panel, fontsize=10)
        ax.grid(axis="x", visible=False)
        if small:  # room above the bars
            ax.legend(handles=handles, loc="upper right", fontsize=9)
        else:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.22), ncols=len(handles), fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig, axes
