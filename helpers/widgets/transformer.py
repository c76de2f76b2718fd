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
    """Post-LN against pre-LN at initialisation, for the number of encoder layers a slider sets: every change runs
    the real forward and backward passes through the stack, post-LN and pre-LN with the same weights (drawn once,
    by the probe), and shows each layer's gradient norms; the x axes stay fixed at the probe's largest depth, and
    the layers beyond the stack are shaded.
    Static twin: :func:`helpers.plots.plot_ln_gradient_flow`.

    Inputs: a :class:`helpers.gradflow.EncoderStackProbe` (None: one drawn with make_rng(9)), the starting depth
    Attributes: depth_slider, probe, fig, axes, widget
    """

    def __init__(self, probe=None, n_layers: int = 12):
        self.probe = EncoderStackProbe(make_rng(9)) if probe is None else probe
        if not 1 <= n_layers <= self.probe.max_layers:
            raise ValueError(f"n_layers: expected 1 ... {self.probe.max_layers} (the probe's max_layers), "
                             f"got {n_layers}")
        self._update_plot = update_ln_gradient_flow
        fig, self.axes = plot_ln_gradient_flow(*self._measure(n_layers), max_layers=self.probe.max_layers)
        self.depth_slider = widgets.IntSlider(value=n_layers, min=1, max=self.probe.max_layers, step=1,
                                              description="encoder layers", continuous_update=False)
        self._setup(fig, [self.depth_slider])

    def _measure(self, n_layers):
        """The post-LN and the pre-LN measurement for n_layers; each is computed once and kept."""
        cache = self.__dict__.setdefault("_measured", {})
        for key in ((n_layers, "post"), (n_layers, "pre")):
            if key not in cache:
                cache[key] = self.probe.measure(*key)
        return cache[n_layers, "post"], cache[n_layers, "pre"]

    def update(self) -> None:
        self._update_plot(self.fig, self.axes, *self._measure(self.depth_slider.value))
