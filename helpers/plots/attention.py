"""Notebook 08: the seq2seq bottleneck (accuracy by length), alignments as heat maps, why scores are divided by
sqrt(d_k), and padding and causal masks.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from ..attention import causal_mask, fully_masked_rows, padding_mask, scaled_dot_product_attention
from .style import COLORS, PALETTE, artist_by_gid, fig_ax

__all__ = ["plot_accuracy_by_length", "plot_alignments", "plot_score_scaling", "update_score_scaling",
           "attention_mask_panels", "plot_attention_masks", "update_attention_masks"]


_S2S_STYLE = {"none": (PALETTE["grey"], "o", "no attention"), "dot": (PALETTE["blue"], "s", "dot-product attention"),
              "additive": (PALETTE["vermillion"], "^", "additive attention")}
_OTHER_COLOURS = (PALETTE["green"], PALETTE["orange"], PALETTE["purple"], PALETTE["sky"], PALETTE["black"])


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
        color, marker, label = _S2S_STYLE.get(name, (_OTHER_COLOURS[i % len(_OTHER_COLOURS)], "o", name))
        # lines that lie on top of each other stay visible: later lines thinner, dashed or dotted, with smaller
        # markers, open (the second) and filled (the third) inside the open ones
        ax.plot(lengths, acc, marker=marker, ms=max(7 - 1.5 * i, 3.5), lw=max(2.6 - 0.8 * i, 1.0),
                ls=("-", "--", ":")[i % 3], color=color, label=label, mfc="white" if i % 2 else color)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xticks(lengths[:: max(1, len(lengths) // 16)])
    ax.set_xlabel("sequence length $L$ (symbols to reverse)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=9, loc="lower left")
    return fig, ax


def plot_alignments(weights: dict, source: str, output: str, target=None, suptitle: str | None = None):
    """Attention heat maps of one example, side by side: input symbols across, output symbols down.

    Inputs:  weights {title: (T, S) attention weights of one sequence}; source: the S input symbols (a
             string, one character per symbol); output: the T output symbols the model produced; target:
             optional (T,) input position that holds the symbol output step t must write (drawn as open
             squares: for reversal, S-1-t)
    Returns: (fig, axes), one axes per entry of ``weights``, each with its colour bar (viridis, 0 to 1)
    """
    if not weights:
        raise ValueError("weights: expected at least one (T, S) array")
    arrays = {name: np.asarray(w, dtype=float) for name, w in weights.items()}
    S, T = len(source), len(output)
    for name, w in arrays.items():
        if w.shape != (T, S):
            raise ValueError(f"weights[{name!r}]: expected shape (T, S) = ({T}, {S}) from output and source, "
                             f"got {w.shape}")
    if target is not None:
        target = np.asarray(target)
        if target.shape != (T,) or target.dtype.kind not in "iu" or target.min() < 0 or target.max() >= S:
            raise ValueError(f"target: expected ({T},) input positions in 0 ... {S - 1}, got {target!r}")
    n = len(arrays)
    fig, axes = plt.subplots(1, n, figsize=(4.4 * n + 0.4, 4.6), squeeze=False, layout="constrained")
    axes = tuple(axes[0])
    for ax, (name, w) in zip(axes, arrays.items()):
        image = ax.imshow(w, cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(name, fontsize=10)
        ax.grid(False)
        ax.set_xticks(range(S), list(source), fontsize=9)
        ax.set_yticks(range(T), list(output), fontsize=9)
        ax.set_xlabel("input symbol (position $0 \\to S-1$)")
        if target is not None:
            ax.plot(target, np.arange(T), ls="", marker="s", ms=11, mfc="none", mec=PALETTE["vermillion"], mew=1.6,
                    label="the input that holds the symbol step $t$ must write")
        fig.colorbar(image, ax=ax, shrink=0.8, pad=0.03, label="attention weight $a_{tj}$")
    axes[0].set_ylabel("output symbol (step $0 \\to T-1$)")
    if target is not None:
        fig.legend(handles=axes[0].get_lines(), loc="lower center", ncol=1, fontsize=9)
        fig.get_layout_engine().set(rect=(0, 0.06, 1, 0.94))  # room for the legend below
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig, axes


_SCALED, _UNSCALED = PALETTE["blue"], PALETTE["vermillion"]
_SOFTMAX_UNSCALED, _SOFTMAX_SCALED = r"$\mathrm{softmax}(q \cdot k)$", r"$\mathrm{softmax}(q \cdot k / \sqrt{d_k})$"


def plot_score_scaling(stats, row):
    """Why attention divides the scores by sqrt(d_k), for one d_k.

    Left: the variance of q.k grows like d_k; scaled by 1/sqrt(d_k) it stays near 1. Middle: one query's
    softmax weights over its keys, unscaled and scaled. Right: the size of the softmax's Jacobian
    ||diag(p) - p p^T||_F (how much gradient gets through), averaged over many draws. Unscaled: vermillion,
    solid lines with circles, hatched bars; scaled: blue, dashed lines with squares, plain bars.
    Inputs:  a ScoreStatistics and a ScoreRow from :class:`helpers.score_scaling.ScoreScalingProbe`
    Returns: (fig, (ax_var, ax_row, ax_jac)); :func:`update_score_scaling` moves the same artists.
    """
    fig, (ax_var, ax_row, ax_jac) = plt.subplots(1, 3, figsize=(12.0, 4.1),
                                                 gridspec_kw={"width_ratios": [1.0, 1.1, 1.0]})
    d = stats.d_k
    ax_var.loglog(d, d, color=PALETTE["grey"], ls=":", lw=1.5, label="$d_k$ (theory for $q \\cdot k$)")
    ax_var.loglog(d, stats.var_unscaled, "o-", color=_UNSCALED, ms=4, label="measured $\\mathrm{Var}[q \\cdot k]$")
    ax_var.loglog(d, stats.var_scaled, "s--", color=_SCALED, ms=4,
                  label="measured $\\mathrm{Var}[q \\cdot k / \\sqrt{d_k}]$")
    ax_var.set_xscale("log", base=2)
    ax_var.set_xlabel("$d_k$ (dimension of queries and keys)")
    ax_var.set_ylabel("variance of the scores")
    ax_var.set_title("the spread of $q \\cdot k$ grows with $d_k$")
    ax_var.legend(loc="upper left", fontsize=9)
    n = len(row.scores)
    x = np.arange(n)
    ax_row.bar(x - 0.2, row.weights_unscaled, width=0.4, color=_UNSCALED, hatch="//", edgecolor="white", lw=0,
               label=_SOFTMAX_UNSCALED, gid="unscaled")
    ax_row.bar(x + 0.2, row.weights_scaled, width=0.4, color=_SCALED, label=_SOFTMAX_SCALED, gid="scaled")
    ax_row.set_xticks(x, [f"$k_{{{j + 1}}}$" for j in x])
    ax_row.set_ylim(0, 1.05)
    ax_row.set_xlabel("key")
    ax_row.set_ylabel("attention weight")
    ax_row.legend(loc="upper left", fontsize=9)
    ax_jac.plot(d, stats.jacobian_unscaled, "o-", color=_UNSCALED, ms=4, label=_SOFTMAX_UNSCALED)
    ax_jac.plot(d, stats.jacobian_scaled, "s--", color=_SCALED, ms=4, label=_SOFTMAX_SCALED)
    ax_jac.set_xscale("log", base=2)
    ax_jac.set_ylim(0, 1.15 * max(stats.jacobian_scaled.max(), stats.jacobian_unscaled.max()))
    ax_jac.set_xlabel("$d_k$")
    ax_jac.set_ylabel(r"mean $\|\partial p / \partial s\|_F$ (Jacobian size)")
    ax_jac.set_title("peaked weights pass little gradient")
    ax_jac.legend(loc="lower left", fontsize=9)
    for ax in (ax_var, ax_jac):
        ax.set_xticks(d[::2], [f"{int(v)}" for v in d[::2]])  # every other power of 2: readable at 9 pt
        ax.set_xticks(d, minor=True)
        ax.set_xticklabels([], minor=True)
        ax.set_xlim(d[0] / 1.3, d[-1] * 1.3)
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
    ax_row.set_title(f"one query, $d_k$ = {row.d_k}: scores' std {spread:.1f}; largest weight\n"
                     f"{row.weights_unscaled.max():.2f} unscaled, {row.weights_scaled.max():.2f} scaled", fontsize=10)


_MAY, _MASKED = COLORS["input"], PALETTE["light_grey"]  # True: may attend; False: masked (weight exactly 0)


def _mask_rgb(mask):
    """A boolean mask as an RGB picture in the two colours of the legend (categories, not a colour scale)."""
    from matplotlib.colors import to_rgb
    return np.where(np.asarray(mask)[..., None], to_rgb(_MAY), to_rgb(_MASKED))  # (T, T, 3)


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

    Masks are drawn with our convention: blue = True = this query may attend to this key, light grey = False
    (two categories, keyed by the legend below the panels). Masked weights are exactly 0 and drawn light grey; a
    query row whose keys are all masked is marked with a vermillion cross on the right (its weights are all 0 by
    the convention of :mod:`helpers.attention`).
    Inputs:  as :func:`attention_mask_panels`
    Returns: (fig, axes (4,)); :func:`update_attention_masks` moves the same artists.
    """
    T = np.asarray(q).shape[0]
    panels = attention_mask_panels(q, k, length, causal, side)
    fig, axes = plt.subplots(1, 4, figsize=(12.0, 3.9), layout="constrained")
    for ax, name in zip(axes[:3], ("padding", "causal", "combined")):
        ax.imshow(_mask_rgb(panels[name]), interpolation="nearest", gid=name)
    cmap = plt.get_cmap("viridis").with_extremes(bad=_MASKED)
    image = axes[3].imshow(np.ma.masked_array(panels["weights"], ~panels["combined"]), cmap=cmap, vmin=0,
                           vmax=1, interpolation="nearest", gid="weights")
    fig.colorbar(image, ax=axes[3], fraction=0.046, pad=0.15, label="weight")
    full, = axes[3].plot([], [], ls="", marker="x", color=PALETTE["vermillion"], ms=9, mew=2, clip_on=False,
                         gid="full", label="fully masked row")
    full.set_in_layout(False)  # drawn just outside the axes; the layout need not make room for it
    ticks = np.arange(T)
    for ax in axes:
        ax.set_xticks(ticks)
        ax.set_yticks(ticks)
        ax.set_xlabel("key position")
        ax.grid(False)
    axes[0].set_ylabel("query position")
    fig.legend(handles=[Patch(color=_MAY, label="True: may attend"),
                        Patch(color=_MASKED, label="False: masked (weight exactly 0)"),
                        *axes[3].get_lines()], loc="lower center", ncol=3, fontsize=9)
    fig.get_layout_engine().set(rect=(0, 0.08, 1, 0.92))  # room for the legend below
    update_attention_masks(axes, q, k, length, causal, side)
    return fig, axes


def update_attention_masks(axes, q, k, length: int, causal: bool = True, side: str = "right") -> None:
    """Move the artists of :func:`plot_attention_masks` to another setting (nothing is rebuilt)."""
    panels = attention_mask_panels(q, k, length, causal, side)
    T = panels["weights"].shape[0]
    for ax, name in zip(axes[:3], ("padding", "causal", "combined")):
        artist_by_gid(ax, name).set_data(_mask_rgb(panels[name]))
    artist_by_gid(axes[3], "weights").set_data(np.ma.masked_array(panels["weights"], ~panels["combined"]))
    rows = np.flatnonzero(panels["fully_masked"])
    artist_by_gid(axes[3], "full").set_data(np.full(len(rows), T - 0.5 + 0.45), rows)
    for ax, title in zip(axes, _mask_titles(length, T, causal, side, panels)):
        ax.set_title(title, fontsize=10)
