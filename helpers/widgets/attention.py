"""Notebook 08: what 1/sqrt(d_k) does to the scores (slider for d_k), and padding and causal masks (mask builder).
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots.attention import plot_attention_masks, plot_score_scaling, update_attention_masks, update_score_scaling
from .explorer import FigureExplorer

__all__ = ["ScalingExplorer", "MaskExplorer"]


class ScalingExplorer(FigureExplorer):
    """Why the 1/sqrt(d_k): a slider over d_k (powers of 2) moves one query's softmax weights, unscaled
    and scaled, and the marker on the measured curves. Static twin: :func:`helpers.plots.plot_score_scaling`.

    Inputs: a :class:`helpers.score_scaling.ScoreScalingProbe`; the starting d_k
    Attributes: d_k_slider, fig, axes, widget
    """

    def __init__(self, probe, d_k: int = 64):
        self.probe, self._update_plot = probe, update_score_scaling
        fig, self.axes = plot_score_scaling(probe.statistics, probe.row(d_k))
        top = int(np.log2(probe.max_d_k))
        self.d_k_slider = widgets.FloatLogSlider(value=d_k, base=2, min=0, max=top, step=1, readout_format=".0f",
                                                 description="d_k", continuous_update=False,
                                                 style={"description_width": "3em"})
        self._setup(fig, [self.d_k_slider])

    def update(self) -> None:
        d_k = min(max(int(round(self.d_k_slider.value)), 1), self.probe.max_d_k)
        self._update_plot(self.axes, self.probe.row(d_k))


class MaskExplorer(FigureExplorer):
    """Build a self-attention mask: how many real tokens (the rest is padding), pads on the right or the
    left, with or without the causal mask; see the combined mask and the attention weights it gives.
    Static twin: :func:`helpers.plots.plot_attention_masks`.

    Inputs: q, k (T, d_k) and the starting setting (see :func:`helpers.plots.attention_mask_panels`)
    Attributes: length_slider, causal_box, side_buttons, fig, axes, widget
    """

    def __init__(self, q, k, length: int = 5, causal: bool = True, side: str = "right"):
        self.q, self.k, self._update_plot = q, k, update_attention_masks
        fig, self.axes = plot_attention_masks(q, k, length, causal, side)
        T = len(q)
        style = {"description_width": "7em"}
        self.length_slider = widgets.IntSlider(value=length, min=0, max=T, description="real tokens", style=style)
        self.causal_box = widgets.Checkbox(value=causal, description="causal mask")
        self.side_buttons = widgets.ToggleButtons(options=["right", "left"], value=side, description="pads on the",
                                                  style=style)
        self._setup(fig, [self.length_slider, self.causal_box, self.side_buttons])

    def update(self) -> None:
        self._update_plot(self.axes, self.q, self.k, self.length_slider.value, self.causal_box.value,
                          self.side_buttons.value)
