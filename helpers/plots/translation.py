"""Notebook 10: the toy translator's training curves (with a zoom on the loss near its floor), its attention heat maps
(one kind per figure: a row per layer, a column per head, every weight printed), the head scores, and the number
picker's view. Layers and heads are numbered from 1 in every title; the functions take indices counted from 0.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import transformer as tf
from ..translation import BOS, DE_VOCAB, TranslatorConfig, decode_german, encode_english, EOS, tokenize_english
from .style import PALETTE, artist_by_gid, text_colour_on

__all__ = ["TRANSLATION_VIEW_SIZE", "plot_translator_training", "plot_translation_attention", "plot_head_scores",
           "translation_view", "plot_translation_explorer", "update_translation_explorer"]


TRANSLATION_VIEW_SIZE = (10, 6)  # (output pieces, English words) that the explorer's heat map can show


def plot_translator_training(loss, history, window: int = 50, floor: float | None = None):
    """The training loss at every step (dots) and its moving average (a line), and the validation exact match.

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
    fig, (ax_loss, ax_exact) = plt.subplots(1, 2, figsize=(11.0, 4.2), layout="constrained")
    ax_loss.plot(steps, loss, ls="none", marker=".", ms=2.5, color=PALETTE["sky"], label="one batch")
    ax_loss.plot(steps[window - 1:], smooth, ls="-", lw=2.0, color=PALETTE["blue"], label=f"mean of {window} steps")
    if floor is not None:
        ax_loss.axhline(floor, ls="--", lw=1.2, color=PALETTE["black"], label=f"lowest possible: {floor:.3f}")
    ax_loss.set_xlim(0, len(loss) + 1)
    ax_loss.set_ylim(0, None)
    ax_loss.set_xlabel("training step")
    ax_loss.set_ylabel("loss per token\n(smoothed cross-entropy)")
    ax_loss.set_title("training loss")
    start = len(loss) // 5  # the zoom: the last 80% of the steps, where the loss creeps towards the floor
    if len(loss) >= 50 and start >= window:
        tail, tail_smooth = loss[start:], smooth[start - window + 1:]  # (steps - start,) each
        low = min(tail.min(), floor if floor is not None else np.inf)
        high = max(np.percentile(tail, 98), tail_smooth.max())
        bottom = low - 0.1 * (high - low)
        zoom = ax_loss.inset_axes([0.42, 0.53, 0.55, 0.37])
        zoom.plot(steps[start:], tail, ls="none", marker=".", ms=2.5, color=PALETTE["sky"])
        zoom.plot(steps[start:], tail_smooth, ls="-", lw=2.0, color=PALETTE["blue"])
        if floor is not None:
            zoom.axhline(floor, ls="--", lw=1.2, color=PALETTE["black"])
        zoom.set_xlim(start, len(loss) + 1)
        zoom.set_ylim(bottom, high)
        zoom.set_title(f"zoom: steps {start + 1}-{len(loss)}", fontsize=10)
        zoom.tick_params(labelsize=9)
        # a frame says where the zoom is (no connecting lines: they would cross the legend)
        ax_loss.indicate_inset([start, bottom, len(loss) + 1 - start, high - bottom], edgecolor=PALETTE["grey"])
    ax_loss.legend(loc="lower right", bbox_to_anchor=(1.0, 0.17), markerscale=4)
    at, _, exact = (np.array(v, dtype=float) for v in zip(*history))
    ax_exact.plot(at, 100 * exact, ls="-", marker="o", color=PALETTE["green"], lw=1.6)
    for s, e in zip(at, exact):
        ax_exact.annotate(f"{100 * e:.1f}%", (s, 100 * e), textcoords="offset points", xytext=(0, -16),
                          ha="center", fontsize=10)
    ax_exact.set_xlim(0, len(loss) * 1.08)
    ax_exact.set_ylim(min(95.0, 100 * exact.min() - 2), 100.8)
    ax_exact.set_xlabel("training step")
    ax_exact.set_ylabel("validation exact match (%)")
    ax_exact.set_title("whole numbers translated right (greedy decoding)")
    return fig, (ax_loss, ax_exact)


_ATTENTION_KINDS = {"encoder": "encoder self-attention", "decoder": "decoder self-attention",
                    "cross": "cross-attention"}
_AXIS_LABELS = {"encoder": ("query: English word", "key: English word it reads"),
                "decoder": ("query: decoder input", "key: decoder input it reads"),
                "cross": ("query: the position predicting this piece", "key: English word it reads")}
_ATTENTION_CMAP = "viridis"  # the attention weights' colour map (colour-blind safe, dark = 0, yellow = 1)
# inches: the largest cell, the smallest that holds "1.00", the maps' width, the narrowest map (its title's width)
_CELL, _MIN_CELL, _MAPS_WIDTH, _MIN_MAP = 0.5, 0.34, 9.0, 1.3


def _attention_labels(maps, kind):
    """(row labels, column labels) of one kind of attention map from :func:`helpers.translation.attention_maps`."""
    if kind == "encoder":
        return maps["source"], maps["source"]
    if kind == "decoder":
        return maps["decoder_input"], maps["decoder_input"]
    return maps["target"], maps["source"]


def _weight_text(w: float) -> str:
    """A weight as printed in its cell: two decimals without the leading zero (".93", "1.00"), nothing if ~0."""
    return "" if w < 0.005 else f"{w:.2f}".removeprefix("0")


def plot_translation_attention(maps, kind: str = "cross", layers=None, suptitle: str | None = None):
    """The attention heat maps of one kind for one translated number: one row per layer, one column per head.

    Encoder self-attention: English word (row) reads English word (column). Decoder self-attention: decoder input
    (row, <bos> + pieces) reads earlier decoder inputs. Cross-attention: the row that *predicts* a German piece
    reads the English words. Layers and heads are numbered from 1 in the titles. Every weight is printed in its
    cell (blank: below 0.005) and a colour bar gives the scale; when a layer's heads do not fit side by side at
    a readable size they wrap onto more rows.
    Inputs:  maps from :func:`helpers.translation.attention_maps`; kind: "encoder", "decoder" or "cross";
             layers: the layer indices to draw (counted from 0, as in maps[kind]; None: all)
    Returns: (fig, axes (len(layers), h)): axes[l, j] shows layer layers[l], head j + 1
    """
    if kind not in _ATTENTION_KINDS:
        raise ValueError(f"kind: expected one of {tuple(_ATTENTION_KINDS)}, got {kind!r}")
    layers = list(range(len(maps[kind]))) if layers is None else [int(l) for l in layers]
    if not layers or not all(0 <= l < len(maps[kind]) for l in layers):
        raise ValueError(f"layers: expected indices in [0, {len(maps[kind])}), got {layers!r}")
    rows, cols = _attention_labels(maps, kind)
    n_heads = maps[kind][0].shape[0]
    per_row = n_heads  # heads side by side; halved until a cell holds its printed weight
    while per_row > 1 and _MAPS_WIDTH / (per_row * len(cols)) < _MIN_CELL:
        per_row = -(-per_row // 2)
    cell = min(_CELL, _MAPS_WIDTH / (per_row * len(cols)))
    lines = -(-n_heads // per_row)  # rows of maps per layer
    width = per_row * (max(len(cols) * cell, _MIN_MAP) + 0.15) + 2.2
    height = len(layers) * lines * (len(rows) * cell + 0.4) + 1.3 + (0.3 if suptitle else 0.0)
    fig, grid = plt.subplots(len(layers) * lines, per_row, figsize=(width, height), squeeze=False,
                             layout="constrained")
    for ax in grid.ravel()[len(layers) * n_heads:]:
        ax.set_visible(False)  # the slots left over when wrapped heads do not fill the last row
    axes = np.empty((len(layers), n_heads), dtype=object)
    cmap, norm = plt.get_cmap(_ATTENTION_CMAP), plt.Normalize(0.0, 1.0)
    for r, layer in enumerate(layers):
        for head in range(n_heads):
            k = r * n_heads + head  # the k-th map, in reading order
            ax = axes[r, head] = grid[k // per_row, k % per_row]
            weights = maps[kind][layer][head]  # (T_query, T_key)
            image = ax.imshow(weights, cmap=cmap, norm=norm, interpolation="nearest")
            ax.grid(False)
            ax.tick_params(length=0)
            ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right", rotation_mode="anchor")
            ax.set_yticks(range(len(rows)), rows)
            ax.tick_params(labelbottom=k // per_row == grid.shape[0] - 1 or k + per_row >= len(layers) * n_heads,
                           labelleft=k % per_row == 0)
            ax.set_title(f"layer {layer + 1}, head {head + 1}", fontsize=10)
            for (i, j), w in np.ndenumerate(weights):
                ax.text(j, i, _weight_text(w), ha="center", va="center", fontsize=9,
                        color=text_colour_on(cmap(norm(w))))
    fig.supylabel(_AXIS_LABELS[kind][0], fontsize=10)
    fig.supxlabel(_AXIS_LABELS[kind][1], fontsize=10)
    fig.colorbar(image, ax=grid.ravel().tolist(), shrink=min(1.0, 2.8 / height + 0.3), pad=0.02,
                 label="attention weight")
    fig.suptitle(suptitle or _ATTENTION_KINDS[kind], fontsize=12)
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
    fig, ax = plt.subplots(figsize=(1.2 * H + 2.4, 0.9 * L + 1.3), layout="constrained")
    cmap, norm = plt.get_cmap(_ATTENTION_CMAP), plt.Normalize(0.0, 1.0)
    image = ax.imshow(scores, cmap=cmap, norm=norm)
    for (l, h), s in np.ndenumerate(scores):
        ax.text(h, l, f"{s:.3f}", ha="center", va="center", fontsize=10, color=text_colour_on(cmap(norm(s))))
    ax.set_xticks(range(H), [f"head {h + 1}" for h in range(H)])
    ax.set_yticks(range(L), [f"layer {l + 1}" for l in range(L)])
    ax.grid(False)
    ax.tick_params(length=0)
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.8, label="score")
    return fig, ax


def translation_view(params: dict, config: TranslatorConfig, number, pairs: dict) -> dict:
    """What the explorer shows for one number: the model's own greedy output and the cross-attention that made it.

    The decoder is run once more on <bos> + its own output (the causal mask makes this the same computation as
    greedy decoding), so row i of a map is the step that produced output piece i.
    Inputs:  params, config from :func:`helpers.translation.train_translator` (its TranslatorConfig);
             number: an int or the text typed in a box; pairs {number: (english, german)}
    Returns: {"number", "english", "expected", "predicted", "correct", "source" (English words), "target" (output
              pieces, + "<eos>" if produced), "cross" [per layer (h, T_out, T_src)], "message" (None, or why
              there is nothing to show)}
    """
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
    out = tf.greedy_decode(params, src, config.h, BOS, TRANSLATION_VIEW_SIZE[0], eos=EOS,
                           src_lengths=src_lengths, norm=config.norm)[0]  # (max_len,)
    stop = int(np.argmax(out == EOS)) + 1 if np.any(out == EOS) else len(out)
    ids = out[:stop]  # (T_out,): the pieces, and <eos> if it came
    tgt_in = np.concatenate([[BOS], ids[:-1]])[None, :]  # (1, T_out): what the decoder read at each step
    _, cache = tf.transformer_forward(params, src, tgt_in, config.h, src_lengths, None, config.norm)
    cross = [c.caches["cross"].attention.weights[0] for c in cache.decoder.layer_caches]  # per layer (h, T_out, T_src)
    predicted = decode_german(ids)
    return {"number": n, "english": english, "expected": expected, "predicted": predicted,
            "correct": predicted == expected, "source": tokenize_english(english),
            "target": [DE_VOCAB[i] for i in ids], "cross": cross, "message": None}


def _view_title(view, layer, head):
    if view["message"]:
        return view["message"]
    verdict = "✓ right" if view["correct"] else f"✗ wrong (expected {view['expected']})"
    model = f"model: {view['predicted'] or '(nothing)'}"
    model += "\n" if len(model) + len(verdict) > 60 else "   "  # a long wrong output: the verdict below it
    return (f"{view['number']}: {view['english']}\n{model}{verdict}\n"
            f"cross-attention, layer {layer + 1}, head {head + 1}")


def plot_translation_explorer(view: dict, layer: int = 1, head: int = 0):
    """The cross-attention of one layer and head while the model translated one number (see
    :func:`translation_view`). The axes have a fixed size and the map fills them, whatever its number of rows
    (output pieces) and columns (English words): only real cells are drawn, stretched to fit. The labels are texts
    moved with the cells, so that :func:`update_translation_explorer` only moves artists. A wrong translation is
    titled "✗ wrong" in vermillion.
    Inputs:  view from :func:`translation_view`; layer, head: counted from 0 (titled from 1)
    Returns: (fig, ax)
    """
    rows, cols = TRANSLATION_VIEW_SIZE
    fig, ax = plt.subplots(figsize=(5.6, 5.4), layout="constrained")
    image = ax.imshow(np.zeros((1, 1)), cmap=_ATTENTION_CMAP, vmin=0.0, vmax=1.0, interpolation="nearest",
                      extent=(0.0, 1.0, 1.0, 0.0), aspect="auto", gid="weights")
    ax.set_autoscale_on(False)
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(1.0, 0.0)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(True)
    for j in range(cols):  # the English words, above the columns
        ax.text(0.0, -0.02, "", rotation=45, ha="left", va="bottom", rotation_mode="anchor", fontsize=10,
                gid=f"col{j}", clip_on=False)
    for i in range(rows):  # the output pieces, left of the rows
        ax.text(-0.03, 0.0, "", ha="right", va="center", fontsize=10, gid=f"row{i}", clip_on=False)
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("English word (what the model reads)", labelpad=58)
    ax.set_ylabel("German piece being produced", labelpad=64)
    fig.colorbar(image, ax=ax, shrink=0.9, label="attention weight")
    ax.set_title("", fontsize=10)  # placed above the words when drawn; the updates change only its text
    update_translation_explorer(ax, view, layer, head)
    return fig, ax


def update_translation_explorer(ax, view: dict, layer: int, head: int) -> None:
    """Move the artists of :func:`plot_translation_explorer` to another number, layer or head."""
    rows, cols = TRANSLATION_VIEW_SIZE
    source, target = view["source"][:cols], view["target"][:rows]
    image = artist_by_gid(ax, "weights")
    if view["cross"]:
        weights = view["cross"][layer][head][:rows, :cols]  # (T_out, T_src): stretched over the axes
        image.set_data(weights)
    else:
        image.set_data(np.ma.masked_all((1, 1)))  # nothing to show: the message is the title
    for j in range(cols):
        label = artist_by_gid(ax, f"col{j}")
        label.set_text(source[j] if j < len(source) else "")
        label.set_x((j + 0.5) / max(len(source), 1))
    for i in range(rows):
        label = artist_by_gid(ax, f"row{i}")
        label.set_text(target[i] if i < len(target) else "")
        label.set_y((i + 0.5) / max(len(target), 1))
    wrong = not (view["correct"] or view["message"])
    ax.title.set_text(_view_title(view, layer, head))  # (set_title would move it back under the words)
    ax.title.set_color(PALETTE["vermillion"] if wrong else "black")
