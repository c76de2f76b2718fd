"""Notebook 06: gradient norms through time for the simple RNN and the LSTM, Pascanu et al.'s bound, and the
forget-gate bias's effect on the cell path.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .style import artist_by_gid

__all__ = ["plot_gradient_flow", "update_gradient_flow", "plot_forget_gate_effect"]


_FLOW_YLIM = (1e-30, 1e30)


_FLOW_NAMES = {"norms": "‖∂L/∂h_k‖", "dc": "‖∂L/∂c_k‖", "dy": "‖∂L/∂y_k‖", "path": "cell path"}


def _on_scale(values, ylim=_FLOW_YLIM):
    """Values clipped into the plotted range, and a note on what did not fit (underflow, overflow)."""
    values = np.asarray(values, dtype=float)
    notes = []
    if np.any(values == 0):
        notes.append("exactly 0 (underflow)")
    elif np.any(values < ylim[0]):
        notes.append(f"below {ylim[0]:.0e}")
    if np.any(np.isinf(values)):
        notes.append("inf (overflow)")
    elif np.any(values > ylim[1]):
        notes.append(f"above {ylim[1]:.0e}")
    shown = np.clip(np.nan_to_num(values, posinf=ylim[1]), ylim[0], ylim[1])
    return shown, ("values " + " and ".join(notes) + ", drawn at the edge") if notes else ""


def _rnn_flow_title(flow):
    rate = flow.gamma * flow.lambda1
    regime = "must vanish" if rate < 1 else "γλ₁ = 1" if rate == 1 else "may explode"
    return f"simple RNN, {flow.activation}: λ₁ = {flow.lambda1:.2f}, ρ = {flow.rho:.2f}, γλ₁ = {rate:.2f} ({regime})"


def _lstm_flow_title(flow):
    return f"LSTM: λ₁ = {flow.lambda1:.2f}, forget bias {flow.forget_bias:+.1f}, mean f = {flow.f.mean():.2f}"


def plot_gradient_flow(rnn_flow, lstm_flow):
    """How much of the gradient of a loss at the last step reaches each earlier step, on a log scale.

    Left: the simple RNN's measured ||dL/dh_k|| next to Pascanu et al.'s bound (gamma lambda_1)^lag.
    Right: the LSTM's ||dL/dc_k|| and ||dL/dy_k||, and the cell path alone, ||(f_{k+1}...f_{T-1}) * u||.
    Inputs: an RNNFlow and an LSTMFlow from :class:`helpers.gradflow.GradientFlowProbe`
    Returns: (fig, (ax_rnn, ax_lstm)); :func:`update_gradient_flow` moves the same artists.
    """
    fig, (ax_rnn, ax_lstm) = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    for ax in (ax_rnn, ax_lstm):
        ax.set_yscale("log")
        ax.set_ylim(*_FLOW_YLIM)
        ax.axhline(1.0, color="grey", lw=0.7, ls=":")
        ax.set_xlabel("steps back from the loss, T − 1 − k")
        ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=8, color="C3", gid="note")
    ax_rnn.set_ylabel("gradient norm (log scale)")
    ax_rnn.plot([], [], "-", color="C0", lw=1.6, label="measured ‖∂L/∂h_k‖ (BPTT)", gid="norms")
    ax_rnn.plot([], [], "--", color="black", lw=1.2, label="bound (γλ₁)^(T−1−k)", gid="bound")
    ax_lstm.plot([], [], "-", color="C1", lw=1.6, label="measured ‖∂L/∂c_k‖", gid="dc")
    ax_lstm.plot([], [], "-", color="C2", lw=1.2, label="measured ‖∂L/∂y_k‖", gid="dy")
    ax_lstm.plot([], [], "--", color="C1", lw=1.2, gid="path",
                 label="cell path alone ‖(f_{k+1}⋯f_{T−1}) ⊙ ∂L/∂c_{T−1}‖")
    for ax in (ax_rnn, ax_lstm):
        ax.legend(loc="upper left", fontsize=8)  # the curves start at 1 on the left: the space above is free
    ax_rnn.set_yticks(10.0 ** np.arange(-30, 31, 10))
    update_gradient_flow((ax_rnn, ax_lstm), rnn_flow, lstm_flow)
    return fig, (ax_rnn, ax_lstm)


def update_gradient_flow(axes, rnn_flow, lstm_flow) -> None:
    """Move the artists of :func:`plot_gradient_flow` to new measurements (nothing is rebuilt)."""
    ax_rnn, ax_lstm = axes
    notes = {ax_rnn: [], ax_lstm: []}
    for ax, gid, lags, values in ((ax_rnn, "norms", rnn_flow.lags, rnn_flow.norms),
                                  (ax_rnn, "bound", rnn_flow.lags, rnn_flow.bound),
                                  (ax_lstm, "dc", lstm_flow.lags, lstm_flow.dc_norms),
                                  (ax_lstm, "dy", lstm_flow.lags, lstm_flow.dy_norms),
                                  (ax_lstm, "path", lstm_flow.lags, lstm_flow.cell_path)):
        shown, note = _on_scale(values)
        artist_by_gid(ax, gid).set_data(lags, shown)
        if note and gid != "bound":
            notes[ax].append(f"{_FLOW_NAMES[gid]}: {note}")
    for ax, flow in ((ax_rnn, rnn_flow), (ax_lstm, lstm_flow)):
        ax.set_xlim(0, max(len(flow.lags) - 1, 1))
        artist_by_gid(ax, "note").set_text("\n".join(notes[ax]))
    ax_rnn.set_title(_rnn_flow_title(rnn_flow), fontsize=10)
    ax_lstm.set_title(_lstm_flow_title(lstm_flow), fontsize=10)


def plot_forget_gate_effect(flows: dict):
    """What the forget-gate bias does: the distribution of forget-gate values, and the cell-path product.

    Inputs:  flows {label: LSTMFlow} (same setting except the forget-gate bias)
    Returns: (fig, (ax_hist, ax_path))
    """
    fig, (ax_hist, ax_path) = plt.subplots(1, 2, figsize=(12, 3.8))
    bins = np.linspace(0.0, 1.0, 41)
    for i, (label, flow) in enumerate(flows.items()):
        ax_hist.hist(flow.f.ravel(), bins=bins, alpha=0.55, color=f"C{i}",
                     label=f"{label}: mean f = {flow.f.mean():.2f}")
        shown, _ = _on_scale(flow.cell_path)
        ax_path.semilogy(flow.lags, shown, "--", color=f"C{i}", lw=1.3, label=f"{label}: cell path alone")
        shown, _ = _on_scale(flow.dc_norms)
        ax_path.semilogy(flow.lags, shown, "-", color=f"C{i}", lw=1.6, label=f"{label}: ‖∂L/∂c_k‖")
    ax_hist.set_xlabel("forget-gate value f (all steps and units)")
    ax_hist.set_ylabel("count")
    ax_hist.set_title("forget gates of an untrained LSTM")
    ax_hist.legend(fontsize=8)
    ax_path.set_xlabel("steps back from the loss, T − 1 − k")
    ax_path.set_ylabel("gradient norm (log scale)")
    ax_path.set_title("the gradient along the cell")
    ax_path.legend(fontsize=8)
    return fig, (ax_hist, ax_path)
