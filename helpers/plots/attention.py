"""Notebook 08: the seq2seq bottleneck (accuracy by length), alignments as heat maps, why scores are divided by
sqrt(d_k), and padding and causal masks.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from ..attention import causal_mask, fully_masked_rows, padding_mask, scaled_dot_product_attention
from .style import artist_by_gid, COLORS, fig_ax

__all__ = ["plot_accuracy_by_length", "plot_alignments", "plot_score_scaling", "update_score_scaling",
           "attention_mask_panels", "plot_attention_masks", "update_attention_masks"]


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
    fig, ax = fig_ax(ax, figsize=(7.0, 3.6))
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
        artist_by_gid(ax, "marker").set_xdata([row.d_k, row.d_k])
    spread = np.std(row.scores)
    ax_row.set_title(f"one query, d_k = {row.d_k}: scores' std {spread:.1f}; largest weight\n"
                     f"{row.weights_unscaled.max():.2f} unscaled, {row.weights_scaled.max():.2f} scaled", fontsize=10)


_MASK_CMAP = ListedColormap(["#e6e6e6", COLORS["input"]])  # False (may not attend), True (may attend)


def attention_mask_panels(q, k, length: int, causal: bool = True, side: str = "right") -> dict:
    """The masks of one padded sequence used for self-attention, and the weights they give.

    Inputs:  q, k (T, d_k): queries and keys of the T positions; length: how many positions are real
             tokens (0 ... T), the rest is padding; causal: add the look-ahead mask; side: "right" (pads
             after the tokens) or "left" (before them)
    Returns: {"padding", "causal", "combined": (T, T) bool, True = may attend; "weights": (T, T);
              "fully_masked": (T,) bool}
    """
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
        ax.imshow(panels[name].astype(float), cmap=_MASK_CMAP, vmin=0, vmax=1, gid=name)
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
        artist_by_gid(ax, name).set_data(panels[name].astype(float))
    artist_by_gid(axes[3], "weights").set_data(np.ma.masked_array(panels["weights"], ~panels["combined"]))
    rows = np.flatnonzero(panels["fully_masked"])
    artist_by_gid(axes[3], "full").set_data(np.full(len(rows), T - 0.5 + 0.45), rows)
    for ax, title in zip(axes, _mask_titles(length, T, causal, side, panels)):
        ax.set_title(title, fontsize=10)
