"""Learning curves and forecasts (notebooks 03 and 06): loss against epoch or step, with baselines; a forecast
against what was observed.
"""
from __future__ import annotations

import numpy as np

from .style import CYCLE_STYLES, PALETTE, fig_ax

__all__ = ["plot_loss_curves", "plot_forecasts"]

# baselines and marks are thin lines without markers (every curve has markers), so they never look like a curve
_BASELINE_STYLES = (":", "-.", "--")
_BASELINE_COLOURS = (PALETTE["black"], PALETTE["purple"], PALETTE["sky"])


def plot_loss_curves(curves: dict, xlabel: str = "epoch", ylabel: str = "loss", title: str = "",
                     baselines: dict | None = None, ax=None, logy: bool = False, marks: dict | None = None):
    """Learning curves: one line per named series, plus optional horizontal baselines and vertical marks.

    Each curve has its own colour, line style (the course's series cycle) and marker; baselines are thin horizontal
    lines and marks thin vertical ones, without markers.

    Inputs:  curves {name: sequence of values}, drawn at x = 1, 2, ...; baselines {name: value};
             marks {name: x} (e.g. the epoch whose parameters were kept)
    Returns: (fig, ax); ax.lines are the curves, then the baselines, then the marks, in the order given
    """
    fig, ax = fig_ax(ax, figsize=(7.5, 3.8))
    for i, (name, values) in enumerate(curves.items()):
        values = np.asarray(values)
        ax.plot(np.arange(1, len(values) + 1), values, lw=1.8, color=f"C{i}",
                ls=CYCLE_STYLES[i % len(CYCLE_STYLES)], marker="os^D"[i % 4], markevery=max(1, len(values) // 40),
                ms=3.5, label=name)
    extra = list((baselines or {}).items()) + list((marks or {}).items())
    for i, (name, value) in enumerate(extra):
        style = dict(lw=1.2, color=_BASELINE_COLOURS[i % 3], ls=_BASELINE_STYLES[i % 3], label=name)
        if i < len(baselines or {}):
            ax.axhline(value, **style)
        else:
            ax.axvline(value, **style)
    if logy:
        ax.set_yscale("log")
    ax.margins(x=0.02)  # (autoscaling stays on: a caller may move the curves' x data and call autoscale_view)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=9.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return fig, ax


def plot_forecasts(times, observed, forecasts: dict, ylabel: str = "value", title: str = ""):
    """A forecast next to what was observed: the observed series (black, circles) and each named forecast in its own
    colour, line style and marker.

    Inputs:  times (L,); observed (L,); forecasts {name: (L,) values}
    Returns: (fig, ax)
    """
    fig, ax = fig_ax(None, figsize=(10.0, 3.8))
    ax.plot(times, observed, "o-", color=PALETTE["black"], ms=3.5, lw=1.4, label="observed")
    styles = (dict(color=PALETTE["grey"], ls="--", marker=None, lw=1.2),
              dict(color=PALETTE["vermillion"], ls="-", marker="s", lw=1.4, ms=3.5),
              dict(color=PALETTE["blue"], ls="-.", marker="^", lw=1.4, ms=3.5))
    for i, (name, values) in enumerate(forecasts.items()):
        ax.plot(times, values, label=name, **styles[i % len(styles)])
    ax.set(xlabel="date", ylabel=ylabel, title=title, xlim=(times[0], times[-1]))
    ax.legend(ncol=len(forecasts) + 1, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    return fig, ax
