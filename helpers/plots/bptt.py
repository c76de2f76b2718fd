"""Notebook 03: backpropagation through time, which losses feed which step's error, how the per-step
contributions add up to the gradient, and what truncating BPTT costs.

Steps are numbered as in the code: h_0 is the state after the first input, L_t the loss of step t.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path

from .style import COLORS, PALETTE, draw_arrow, draw_box

__all__ = ["plot_bptt_flow", "update_bptt_flow", "plot_truncation"]

_LANE = 0.2  # vertical distance between two lanes of the backward paths below the chain


def _dl(name: str) -> str:
    """The partial derivative of L with respect to ``name`` (mathtext without the $ signs)."""
    return rf"\partial L/\partial {name}"


def plot_bptt_flow(error_norms, contributions, total: float, t: int, param_label: str = "W_{00}"):
    """Which errors feed the gradient contribution of step t, and how the contributions add up.

    Inputs:
      error_norms:   (T, T) array, error_norms[s, t] = size of the part of dL/dh_t that came from the
                     loss at step s (zero for s < t), e.g. norms of :func:`helpers.rnn.error_contributions`
      contributions: (T,) each step's contribution to one gradient entry (``param_label``, mathtext without $)
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
    fig = plt.figure(figsize=(10.0, 7.0), layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[1.3, 1.0])
    ax_flow = fig.add_subplot(grid[0, :])
    ax_src = fig.add_subplot(grid[1, 0])
    ax_sum = fig.add_subplot(grid[1, 1])
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, T))
    # flow diagram: the forward chain of states, the losses above, one path per (source s -> receiving t)
    for s in range(T):
        draw_box(ax_flow, (s, 0.0), f"$h_{{{s}}}$", PALETTE["light_orange"], w=0.56, h=0.42, fontsize=12)
        draw_box(ax_flow, (s, 1.6), f"$L_{{{s}}}$", colours[s], w=0.56, h=0.42, fontsize=12)
        if s + 1 < T:
            draw_arrow(ax_flow, (s + 0.29, 0.0), (s + 0.71, 0.0), color=PALETTE["grey"])
    scale = error_norms.max() or 1.0
    for s in range(T):
        for tt in range(s + 1):
            width = 0.8 + 5.0 * error_norms[s, tt] / scale
            style = dict(arrowstyle="-|>", mutation_scale=12, color=colours[s], lw=width, alpha=0.9)
            # the loss at step s enters h_s ...
            ax_flow.add_patch(FancyArrowPatch((s, 1.38), (s, 0.22), gid=f"arc-{s}-{tt}-a", **style))
            if s == tt:
                continue
            # ... and flows back through h_{s-1}, ..., h_{t+1} into h_t (drawn as a lane below the chain)
            lane = -0.42 - _LANE * (s - tt - 1)
            x_end = tt - 0.2 + 0.4 * (s - tt) / T  # the arrival points spread along the bottom of h_t
            path = Path([(s, -0.22), (s, lane), (x_end, lane), (x_end, -0.22)],
                        [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO])
            ax_flow.add_patch(FancyArrowPatch(path=path, gid=f"arc-{s}-{tt}-b", **style))
    ax_flow.text(T - 0.55, 0.0, "forward\nchain", ha="left", va="center", fontsize=10, color=PALETTE["grey"])
    ax_flow.text(T - 0.55, -0.42, "errors flow\nback", ha="left", va="center", fontsize=10)
    ax_flow.set_xlim(-0.5, T + 0.2)
    ax_flow.set_ylim(-0.6 - _LANE * (T - 2), 1.9)
    ax_flow.axis("off")
    # sources of the error at h_t
    bars_src = ax_src.bar(np.arange(T), error_norms[:, t], color=colours, gid="sources")
    ax_src.set_xticks(np.arange(T), [f"$L_{{{s}}}$" for s in range(T)])
    ax_src.set_xlabel("the loss the error comes from")
    ax_src.set_ylim(0, 1.1 * scale)
    # per-step contributions and their running sum
    bars_sum = ax_sum.bar(np.arange(T), contributions, color=PALETTE["light_grey"], edgecolor="black", lw=0.5,
                          gid="contrib")
    ax_sum.plot(np.arange(T), np.cumsum(contributions), "o-", color="black", ms=5, label="running sum over steps")
    ax_sum.axhline(total, color=COLORS["positive"], ls="--", label=r"full gradient from rnn.backward")
    ax_sum.set_xticks(np.arange(T), [f"step {s}" for s in range(T)])
    ax_sum.set_ylabel(f"contribution to ${_dl(param_label)}$")
    values = np.concatenate([contributions, np.cumsum(contributions), [total, 0.0]])
    low, high = values.min(), values.max()
    ax_sum.set_ylim(low - 0.1 * (high - low), high + 0.1 * (high - low))
    ax_sum.axhline(0.0, color="black", lw=0.6)
    ax_sum.legend(fontsize=9.5, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
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
        bar.set_facecolor(COLORS["hidden"] if s == t else PALETTE["light_grey"])
        bar.set_linewidth(2.0 if s == t else 0.5)
    n_sources = T - t
    later = f"$L_{{{t}}}, \\dots, L_{{{T - 1}}}$" if n_sources > 2 else \
        (f"$L_{{{t}}}$ and $L_{{{t + 1}}}$" if n_sources == 2 else f"$L_{{{t}}}$ alone")
    ax_flow.set_title(f"step t = {t}: ${_dl(f'h_{{{t}}}')}$ collects the errors of {later} "
                      f"({n_sources} path{'s' if n_sources != 1 else ''});\nlater losses reach $h_{{{t}}}$ "
                      f"backwards through the chain; line width grows with the size of each part on arrival")
    ax_src.set_title(f"where ${_dl(f'h_{{{t}}}')}$ comes from")
    ax_src.set_ylabel(f"norm of its part of ${_dl(f'h_{{{t}}}')}$")
    ax_sum.set_title(f"${_dl(state['param_label'])}$ = sum of the per-step contributions\n(step {t} in orange)")


def plot_truncation(ks, truncation: dict):
    """Truncated against full BPTT: the relative error of the truncated dL/dW and the cosine of the angle to the
    full one, against the truncation length k, one line per scale of W.

    Inputs:  ks (M,) truncation lengths; truncation {W scale: {"rel_error": (M,), "cosine": (M,)}}
    Returns: (fig, (ax_error, ax_cosine))
    """
    ks = np.asarray(ks)
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10.0, 3.8))
    markers = ("o", "s", "^", "D", "v", "P")
    for i, (scale, r) in enumerate(truncation.items()):
        # colour and line style from the course's series cycle (the same in both panels), plus a marker
        style = dict(marker=markers[i % len(markers)], ms=3.5, markevery=3, label=f"W scale {scale}")
        ax0.semilogy(ks, np.maximum(r["rel_error"], 1e-16), **style)
        ax1.plot(ks, r["cosine"], **style)
    ax0.set(xlabel="truncation length k", ylabel=r"relative error of $\partial L/\partial W$",
            title="truncated vs full gradient", xlim=(ks[0] - 0.5, ks[-1] + 0.5))
    ax1.set(xlabel="truncation length k", ylabel="cosine similarity", title="does it still point the same way?",
            xlim=(ks[0] - 0.5, ks[-1] + 0.5))
    ax0.legend()
    ax1.legend(loc="lower right")
    return fig, (ax0, ax1)
