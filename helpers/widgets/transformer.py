"""Notebook 09: post-LN vs pre-LN gradients through an encoder stack, for the depth of a slider.
"""
from __future__ import annotations

import ipywidgets as widgets

from ..gradflow import EncoderStackProbe
from ..plots.transformer import plot_ln_gradient_flow, update_ln_gradient_flow
from ..seeding import make_rng
from .explorer import FigureExplorer

__all__ = ["LayerNormGradientExplorer"]


class LayerNormGradientExplorer(FigureExplorer):
    """Post-LN against pre-LN at initialisation: a toggle for where the layer norm sits and a slider for the
    number of encoder layers; every change runs the real forward and backward passes through the stack (the
    weights are drawn once, by the probe) and shows each layer's gradient norms, with the other placement of the
    layer norm (same weights) in grey.
    Static twin: :func:`helpers.plots.plot_ln_gradient_flow`.

    Inputs: a :class:`helpers.gradflow.EncoderStackProbe` (None: one drawn with make_rng(9)), the start
    Attributes: norm_buttons, depth_slider, probe, fig, axes, widget
    """

    def __init__(self, probe=None, n_layers: int = 6, norm: str = "post"):
        self.probe = EncoderStackProbe(make_rng(9)) if probe is None else probe
        self._update_plot = update_ln_gradient_flow
        fig, self.axes = plot_ln_gradient_flow(*self._measure(n_layers, norm), max_layers=self.probe.max_layers)
        style = {"description_width": "7em"}
        self.norm_buttons = widgets.ToggleButtons(options=[("post-LN (paper)", "post"), ("pre-LN", "pre")],
                                                  value=norm, description="layer norm", style=style)
        self.depth_slider = widgets.IntSlider(value=n_layers, min=1, max=self.probe.max_layers, step=1,
                                              description="encoder layers", style=style, continuous_update=False)
        self._setup(fig, [self.norm_buttons, self.depth_slider])

    def _measure(self, n_layers, norm):
        """The measurement for (n_layers, norm) and for the other norm; each is computed once and kept."""
        cache = self.__dict__.setdefault("_measured", {})
        for key in ((n_layers, "post"), (n_layers, "pre")):
            if key not in cache:
                cache[key] = self.probe.measure(*key)
        return cache[n_layers, norm], cache[n_layers, "pre" if norm == "post" else "post"]

    def update(self) -> None:
        measured, reference = self._measure(self.depth_slider.value, self.norm_buttons.value)
        self._update_plot(self.fig, self.axes, measured, reference)
