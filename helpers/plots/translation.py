"""Notebook 10: the toy translator's training curves, attention heat maps per layer and head, head scores, and the
number picker's view.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import transformer as tf
from ..translation import BOS, DE_VOCAB, TranslatorConfig, decode_german, encode_english, EOS, tokenize_english
from .style import artist_by_gid

__all__ = ["TRANSLATION_VIEW_SIZE", "plot_translator_training", "plot_translation_attention", "plot_head_scores",
           "translation_view", "plot_translation_explorer", "update_translation_explorer"]


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
    artist_by_gid(ax, "weights").set_data(data)
    for j in range(cols):
        artist_by_gid(ax, f"col{j}").set_text(source[j] if j < len(source) else "")
    for i in range(rows):
        artist_by_gid(ax, f"row{i}").set_text(target[i] if i < len(target) else "")
    ax.set_title(_view_title(view, layer, head), fontsize=10,
                 color="black" if view["correct"] or view["message"] else "C3")
