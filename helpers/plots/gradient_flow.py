"""Notebook 06: gradient norms through time for the simple RNN and the LSTM, Pascanu et al.'s bound, the
forget-gate bias's effect on the cell path, and the adding problem (one sequence, the training race, and what the
trained LSTM's memory unit does).
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .style import PALETTE, artist_by_gid

__all__ = ["plot_gradient_flow", "update_gradient_flow", "flow_limits", "plot_forget_gate_effect",
           "plot_adding_sequence", "plot_adding_race", "plot_lstm_memory"]


# the series of the gradient-flow figures: colour, line style and label (mathtext), each with its own style
_FLOW_SERIES = {
    "norms": (PALETTE["blue"], "-", r"measured $\|\partial L/\partial h_k\|$ (BPTT)"),
    "bound": (PALETTE["black"], "--", r"bound $(\gamma\lambda_1)^{T-1-k}$"),
    "dc": (PALETTE["orange"], "-", r"measured $\|\partial L/\partial c_k\|$"),
    "dy": (PALETTE["green"], "-.", r"measured $\|\partial L/\partial y_k\|$"),
    "path": (PALETTE["orange"], "--",
             r"cell path alone $\|f_{k+1} \odot \cdots \odot f_{T-1} \odot \partial L/\partial c_{T-1}\|$"),
}
_FLOW_NAMES = {"norms": r"$\|\partial L/\partial h_k\|$", "dc": r"$\|\partial L/\partial c_k\|$",
               "dy": r"$\|\partial L/\partial y_k\|$", "path": "the cell path"}
_DECADES = 5  # the y-limits are powers of ten whose exponents are multiples of this


def flow_limits(values, current=None, fill: float = 0.5) -> tuple:
    """The y-limits (powers of ten) of a gradient-flow plot: from the smallest to the largest positive finite
    value, with half a decade to spare, widened to exponents that are multiples of 5.

    With ``current`` limits given (an explorer's), they are kept while every value fits inside them and the values
    span at least ``fill`` of their decades: the axes then do not change on every move of a slider.
    Inputs:  values: any arrays of norms (zeros and infs are ignored); current: (low, high) or None
    Returns: (low, high)
    """
    v = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in values])
    v = v[np.isfinite(v) & (v > 0)]
    lo_exp, hi_exp = (float(np.log10(v.min())), float(np.log10(v.max()))) if v.size else (0.0, 0.0)
    if current is not None:
        c_lo, c_hi = np.log10(current[0]), np.log10(current[1])
        if c_lo <= lo_exp - 0.5 and hi_exp + 0.5 <= c_hi and (hi_exp - lo_exp + 1) >= fill * (c_hi - c_lo):
            return tuple(current)
    low = max(_DECADES * math.floor((lo_exp - 0.5) / _DECADES), -300)  # 1e-300: near float64's smallest
    high = max(_DECADES * math.ceil((hi_exp + 0.5) / _DECADES), low + _DECADES)
    return 10.0 ** low, 10.0 ** high


def _decade_ticks(low, high) -> np.ndarray:
    """At most 7 ticks on decades between low and high (powers of ten), at a round stride."""
    span = round(np.log10(high) - np.log10(low))
    stride = next(s for s in (5, 10, 20, 25, 50, 100, 200) if span / s <= 6)
    first = stride * math.ceil(round(np.log10(low)) / stride)
    return 10.0 ** np.arange(first, round(np.log10(high)) + 1, stride)


def _on_scale(values, ylim):
    """Values below the axes (0 included: underflow) and inf (overflow) put on its edges, and a note saying so."""
    values = np.asarray(values, dtype=float)
    notes = []
    if np.any(values < ylim[0]):
        notes.append(("exactly 0 (underflow)" if np.any(values == 0) else f"below {ylim[0]:.0e}")
                     + ": drawn on the bottom edge")
    if np.any(np.isinf(values)):
        notes.append("inf (overflow): drawn on the top edge")
    shown = np.clip(np.where(np.isinf(values), ylim[1], values), ylim[0], ylim[1])
    return shown, "; ".join(notes)


def _rnn_flow_title(flow):
    rate = flow.gamma * flow.lambda1
    regime = "must vanish" if rate < 1 else "γλ₁ = 1" if rate == 1 else "may explode"
    return (f"simple RNN, {flow.activation}: λ₁ = {flow.lambda1:.2f}, ρ = {flow.rho:.2f}, γλ₁ = {rate:.2f} "
            f"({regime})")


def _lstm_flow_title(flow):
    return f"LSTM: λ₁ = {flow.lambda1:.2f}, forget bias {flow.forget_bias:+.1f}, mean f = {flow.f.mean():.2f}"


def plot_gradient_flow(rnn_flow, lstm_flow):
    """How much of the gradient of a loss at the last step reaches each earlier step, on a log scale.

    Left: the simple RNN's measured ||dL/dh_k|| next to Pascanu et al.'s bound (gamma lambda_1)^lag.
    Right: the LSTM's ||dL/dc_k|| and ||dL/dy_k||, and the cell path alone, ||(f_{k+1}...f_{T-1}) * u||.
    The y-limits come from the measured norms (:func:`flow_limits`); the bound may leave through the top.
    Inputs: an RNNFlow and an LSTMFlow from :class:`helpers.gradflow.GradientFlowProbe`
    Returns: (fig, (ax_rnn, ax_lstm)); :func:`update_gradient_flow` moves the same artists.
    """
    fig, (ax_rnn, ax_lstm) = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    for ax in (ax_rnn, ax_lstm):
        ax.set_yscale("log")
        ax.axhline(1.0, color=PALETTE["grey"], lw=0.8, ls=":")
        ax.set_xlabel("steps back from the loss, T − 1 − k")
        ax.text(0.98, 0.96, "", transform=ax.transAxes, fontsize=9, color=PALETTE["vermillion"], ha="right",
                va="top", gid="note", bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 2})
    ax_rnn.set_ylabel("gradient norm (log scale)")
    for ax, gids in ((ax_rnn, ("norms", "bound")), (ax_lstm, ("dc", "dy", "path"))):
        for gid in gids:
            colour, style, label = _FLOW_SERIES[gid]
            ax.plot([], [], ls=style, color=colour, lw=1.4 if gid in ("bound", "path") else 1.8, label=label,
                    gid=gid)
        # below the axes, where no curve can reach it
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), fontsize=10)
    update_gradient_flow((ax_rnn, ax_lstm), rnn_flow, lstm_flow)
    return fig, (ax_rnn, ax_lstm)


def update_gradient_flow(axes, rnn_flow, lstm_flow, keep_limits: bool = False) -> None:
    """Move the artists of :func:`plot_gradient_flow` to new measurements (nothing is rebuilt).

    keep_limits: keep the current y-limits while the new norms fit them well (what an explorer does, so that
    most slider moves redraw only the curves); otherwise the limits follow the data.
    """
    ax_rnn, ax_lstm = axes
    measured = (rnn_flow.norms, lstm_flow.dc_norms, lstm_flow.dy_norms, lstm_flow.cell_path)
    ylim = flow_limits(measured, ax_rnn.get_ylim() if keep_limits else None)
    ax_rnn.set_ylim(*ylim)  # the axes share y
    ax_rnn.set_yticks(_decade_ticks(*ylim))
    ax_rnn.set_yticks([], minor=True)
    notes = {ax_rnn: [], ax_lstm: []}
    for ax, gid, lags, values in ((ax_rnn, "norms", rnn_flow.lags, rnn_flow.norms),
                                  (ax_rnn, "bound", rnn_flow.lags, rnn_flow.bound),
                                  (ax_lstm, "dc", lstm_flow.lags, lstm_flow.dc_norms),
                                  (ax_lstm, "dy", lstm_flow.lags, lstm_flow.dy_norms),
                                  (ax_lstm, "path", lstm_flow.lags, lstm_flow.cell_path)):
        if gid == "bound":  # a reference line: where it leaves the plotted range, it leaves the axes
            artist_by_gid(ax, gid).set_data(lags, np.where(values > 0, values, np.nan))
            continue
        shown, note = _on_scale(values, ylim)
        artist_by_gid(ax, gid).set_data(lags, shown)
        if note:
            notes[ax].append(f"{_FLOW_NAMES[gid]}: {note}")
    for ax, flow in ((ax_rnn, rnn_flow), (ax_lstm, lstm_flow)):
        ax.set_xlim(0, max(len(flow.lags) - 1, 1))
        note = artist_by_gid(ax, "note")
        note.set_text("\n".join(notes[ax]))
        note.set_visible(bool(notes[ax]))
    ax_rnn.set_title(_rnn_flow_title(rnn_flow), fontsize=10)
    ax_lstm.set_title(_lstm_flow_title(lstm_flow), fontsize=10)


# one look per forget-gate bias in the bias figure: colour and marker (the line style tells the quantity)
_BIAS_LOOKS = ((PALETTE["blue"], "o"), (PALETTE["vermillion"], "s"), (PALETTE["green"], "^"),
               (PALETTE["purple"], "D"), (PALETTE["orange"], "v"))


def plot_forget_gate_effect(flows: dict):
    """What the forget-gate bias does: the distribution of forget-gate values, and the gradient along the cell.

    Left: a histogram of f per setting (outlines in different line styles). Right, per setting: the measured
    ||dL/dc_k|| (solid) and the cell path alone (dashed), with one marker per setting every tenth step.
    Inputs:  flows {label: LSTMFlow} (same setting except the forget-gate bias; at most 5)
    Returns: (fig, (ax_hist, ax_path))
    """
    if not 1 <= len(flows) <= len(_BIAS_LOOKS):
        raise ValueError(f"flows: expected 1 to {len(_BIAS_LOOKS)} settings, got {len(flows)}")
    fig, (ax_hist, ax_path) = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1.0, 1.25]})
    bins = np.linspace(0.0, 1.0, 41)
    hist_styles = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)))
    for (label, flow), (colour, marker), hist_style in zip(flows.items(), _BIAS_LOOKS, hist_styles):
        ax_hist.hist(flow.f.ravel(), bins=bins, color=colour, alpha=0.2)
        ax_hist.hist(flow.f.ravel(), bins=bins, histtype="step", color=colour, ls=hist_style, lw=1.8,
                     label=f"{label}: mean f = {flow.f.mean():.2f}")
        every = max(len(flow.lags) // 10, 1)
        for values, style, what in ((flow.dc_norms, "-", r"$\|\partial L/\partial c_k\|$"),
                                    (flow.cell_path, "--", "cell path alone")):
            ax_path.semilogy(flow.lags, np.where(values > 0, values, np.nan), ls=style, marker=marker,
                             markevery=every, ms=5, color=colour, lw=1.6 if style == "-" else 1.3,
                             label=f"{label}: {what}")
    ax_hist.set_xlabel("forget-gate value f (all steps and units)")
    ax_hist.set_ylabel("count")
    ax_hist.set_xlim(0, 1)
    ax_hist.set_title("forget gates of an untrained LSTM")
    ax_hist.legend(loc="upper left", fontsize=9)
    ax_path.set_xlabel("steps back from the loss, T − 1 − k")
    ax_path.set_ylabel("gradient norm (log scale)")
    ax_path.set_xlim(0, max(max(len(flow.lags) - 1, 1) for flow in flows.values()))
    ax_path.set_title("the gradient along the cell (solid: measured; dashed: cell path alone)", fontsize=10)
    ax_path.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig, (ax_hist, ax_path)


def plot_adding_sequence(x):
    """One sequence of the adding problem: the values as bars, the two marked ones coloured and labelled.

    Inputs:  x (T, 2) one sequence from :func:`helpers.tasks.make_adding_problem` (value u_t, marker m_t)
    Returns: (fig, ax)
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x: expected one sequence of shape (T, 2), got {x.shape}")
    T = x.shape[0]
    steps, values = np.arange(T), x[:, 0]  # (T,), (T,)
    marked = np.flatnonzero(x[:, 1] == 1)
    fig, ax = plt.subplots(figsize=(9.0, 3.0))
    ax.bar(steps, values, width=0.8, color=PALETTE["grey"], alpha=0.6, label="value $u_t$ (unmarked: ignore)")
    ax.bar(marked, values[marked], width=1.6, color=PALETTE["vermillion"], hatch="///", edgecolor="black", lw=0.6,
           label="marked value ($m_t = 1$)")
    for name, step in zip("ab", marked):
        ax.annotate(f"$u_{name} = {values[step]:.2f}$ (t = {step})", (step, values[step] + 0.02),
                    xytext=(step, 1.12), ha="center", va="bottom", fontsize=10,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
                    arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 0.8, "shrinkA": 0, "shrinkB": 0})
    ax.axvline(T / 2 - 0.5, color=PALETTE["black"], lw=0.8, ls=":")
    for x_text, text in ((T / 4, "first half: one marker"), (3 * T / 4, "second half: one marker")):
        ax.text(x_text, 1.5, text, ha="center", va="center", fontsize=10, color=PALETTE["black"])
    ax.set_xlim(-1, T)
    ax.set_ylim(0, 1.6)
    ax.set_yticks([0, 0.5, 1.0])
    ax.set_xlabel("step t")
    ax.set_ylabel("value $u_t$")
    target = values[marked].sum()
    ax.set_title(f"One adding-problem sequence (T = {T}): target $y = u_a + u_b$ = {target:.2f}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=10)
    return fig, ax


def plot_adding_race(curves: dict, baseline: float, T: int):
    """Held-out error during training on the adding problem, one curve per network, and the mean predictor's.

    Inputs:  curves {label: (steps evaluated (n,), held-out MSE (n,))}; baseline: the MSE of predicting the mean;
             T: the sequence length (for the title)
    Returns: (fig, ax)
    """
    fig, ax = plt.subplots(figsize=(8.0, 3.8))
    looks = ((PALETTE["blue"], "-", "o"), (PALETTE["orange"], "--", "s"), (PALETTE["green"], "-.", "^"))
    for (label, (steps, mse)), (colour, style, marker) in zip(curves.items(), looks):
        ax.semilogy(steps, mse, ls=style, marker=marker, ms=3.5, color=colour, lw=1.8, label=label)
    ax.axhline(baseline, color=PALETTE["black"], ls=":", lw=1.2, label=f"predict the mean: {baseline:.3g}")
    ax.set_xlabel("training step")
    ax.set_ylabel("held-out MSE (log scale)")
    ax.set_title(f"The adding problem, T = {T}: same data, same optimiser, same budget")
    ax.legend(loc="lower left", fontsize=10)
    return fig, ax


def plot_lstm_memory(steps, marked, i, f, c, sensitivity: dict, unit: int):
    """Inside a trained LSTM on one adding-problem sequence: one unit's gates and cell state, and how much each
    network's prediction depends on each value.

    Inputs:  steps (T,); marked: the marked steps; i, f, c (T,) the unit's input gate, forget gate and cell
             state; sensitivity {label: (T,) |d yhat / d u_t|}; unit: the unit's index (for the title)
    Returns: (fig, (ax_gates, ax_cell, ax_sensitivity))
    """
    fig, (ax_g, ax_c, ax_s) = plt.subplots(3, 1, figsize=(9.0, 7.6), sharex=True)
    for ax in (ax_g, ax_c, ax_s):
        for k, step in enumerate(marked):
            ax.axvline(step, color=PALETTE["vermillion"], lw=1.2, ls=":",
                       label="marked step" if ax is ax_g and k == 0 else None)
    ax_g.plot(steps, i, color=PALETTE["green"], ls="-", lw=1.8, label="input gate $i_t$")
    ax_g.plot(steps, f, color=PALETTE["purple"], ls="--", lw=1.8, label="forget gate $f_t$")
    ax_g.set_ylim(-0.05, 1.45)
    ax_g.set_yticks([0, 0.5, 1])
    ax_g.set_ylabel("gate value")
    ax_g.set_title(f"Inside the trained LSTM: unit {unit} on one adding-problem sequence")
    ax_g.legend(loc="upper center", ncol=3, fontsize=10)
    ax_c.plot(steps, c, color=PALETTE["orange"], lw=1.8)
    ax_c.set_ylabel("cell state $c_t$")
    ax_c.set_title("its cell state is written at the marked steps")
    looks = ((PALETTE["blue"], "-"), (PALETTE["orange"], "--"))
    positive = np.concatenate([np.ravel(v) for v in sensitivity.values()])
    positive = positive[positive > 0]
    floor = max(10.0 ** np.floor(np.log10(positive.min()) - 0.5), 1e-16) if positive.size else 1e-16
    for (label, values), (colour, style) in zip(sensitivity.items(), looks):
        ax_s.semilogy(steps, np.maximum(values, floor), color=colour, ls=style, lw=1.6, label=label)
    ax_s.set_ylim(floor, 10)
    ax_s.set_ylabel(r"$|\partial \hat y / \partial u_t|$")
    ax_s.set_xlabel("step t")
    ax_s.set_title("how much the prediction depends on each value (perfect: 1 at the marked steps, 0 elsewhere)",
                   fontsize=10)
    ax_s.legend(loc="lower right", fontsize=10)
    ax_s.set_xlim(steps[0] - 1, steps[-1] + 1)
    return fig, (ax_g, ax_c, ax_s)
