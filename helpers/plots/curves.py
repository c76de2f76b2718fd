"""Learning curves (notebooks 03 and 06): loss against epoch or step, with baselines.
"""
from __future__ import annotations

import numpy as np

from .style import fig_ax

__all__ = ["plot_loss_curves"]


def plot_loss_curves(curves: dict, xlabel: str = "epoch", ylabel: str = "loss", title: str = "",
                     baselines: dict | None = None, ax=None, logy: bool = False):
    """Learning curves: one line per named series, plus optional horizontal baselines.

    Inputs:  curves {name: sequence of values}; baselines {name: value}
    Returns: (fig, ax)
    """
    fig, ax = fig_ax(ax, figsize=(6.5, 3.4))
    for name, values in curves.items():
        values = np.asarray(values)
        ax.plot(np.arange(1, len(values) + 1), values, lw=1.6, label=name)
    for i, (name, value) in enumerate((baselines or {}).items()):
        ax.axhline(value, ls="--", lw=1.0, color=f"C{i + len(curves)}", label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig, ax
