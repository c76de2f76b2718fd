"""Notebook 03: backpropagation through time, which losses feed which step's error, and how the per-step
contributions add up to the gradient.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path

from .style import COLORS, draw_arrow, draw_box

__all__ = ["plot_bptt_flow", "update_bptt_flow"]


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
        draw_box(ax_flow, (s, 0.0), f"h[{s}]", COLORS["hidden"], w=0.55, h=0.4, fontsize=9)
        draw_box(ax_flow, (s, 1.6), f"L[{s}]", colours[s], w=0.55, h=0.4, fontsize=9)
        if s + 1 < T:
            draw_arrow(ax_flow, (s + 0.28, 0.0), (s + 0.72, 0.0), color="grey")
    scale = error_norms.max() or 1.0
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
