"""Notebook 03: which errors feed the gradient of step t, for the step of a slider.
"""
from __future__ import annotations

import ipywidgets as widgets

from ..plots.bptt import plot_bptt_flow, update_bptt_flow
from .explorer import FigureExplorer

__all__ = ["BPTTExplorer"]


class BPTTExplorer(FigureExplorer):
    """Pick a time step t and see which losses' errors flow into h[t], and how the per-step
    contributions add up to the gradient. Static twin: :func:`helpers.plots.plot_bptt_flow`.

    Inputs: the arguments of :func:`helpers.plots.plot_bptt_flow`
    Attributes: t_slider, fig, axes, widget
    """

    def __init__(self, error_norms, contributions, total: float, t: int = 0, param_label: str = "W_{00}"):
        fig, self.axes = plot_bptt_flow(error_norms, contributions, total, t, param_label)
        T = len(contributions)
        self.t_slider = widgets.IntSlider(value=t, min=0, max=T - 1, step=1, description="step t",
                                          style={"description_width": "4em"})
        self._setup(fig, [self.t_slider])

    def update(self) -> None:
        update_bptt_flow(self.fig, self.axes, self.t_slider.value)
