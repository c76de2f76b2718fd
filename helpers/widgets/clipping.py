"""Notebook 07: gradient descent on Pascanu et al.'s cliff, with and without clipping, under sliders for the
learning rate, the threshold and the start.
"""
from __future__ import annotations

import ipywidgets as widgets

from ..plots.clipping import DESCENT_VIEW, plot_clipping_descent, update_clipping_descent
from ..scalar_rnn import error_surface
from .explorer import FigureExplorer

__all__ = ["ClippingExplorer"]


class ClippingExplorer(FigureExplorer):
    """Gradient descent on the one-unit RNN's error surface, without and with clipping by norm: sliders
    for the learning rate, the clipping threshold and the start (w0, b0). Both descents are recomputed
    on every change; the surface is computed once. Static twin: :func:`helpers.plots.plot_clipping_descent`.

    Inputs: the arguments of :func:`helpers.plots.plot_clipping_descent`
    Attributes: lr_slider, threshold_slider, w0_slider, b0_slider, fig, axes, widget
    """

    def __init__(self, w0: float = 5.5, b0: float = -1.5, lr: float = 1.0, max_norm: float = 0.5,
                 steps: int = 80, surface=None):
        self._update = update_clipping_descent
        surface = error_surface(**DESCENT_VIEW) if surface is None else surface
        fig, self.axes = plot_clipping_descent(w0, b0, lr, max_norm, steps, surface)
        w, b = surface[0], surface[1]
        style = {"description_width": "9em"}
        layout = widgets.Layout(width="24em")
        common = {"style": style, "layout": layout, "continuous_update": False}  # redraw on release
        self.lr_slider = widgets.FloatLogSlider(value=lr, base=10, min=-2, max=0.5, step=0.05,
                                                description="learning rate", **common)
        self.threshold_slider = widgets.FloatLogSlider(value=max_norm, base=10, min=-2, max=2, step=0.05,
                                                       description="clip threshold", **common)
        self.w0_slider = widgets.FloatSlider(value=w0, min=float(w[0]), max=float(w[-1]), step=0.05,
                                             description="start w0", **common)
        self.b0_slider = widgets.FloatSlider(value=b0, min=float(b[0]), max=float(b[-1]), step=0.05,
                                             description="start b0", **common)
        sliders = [self.lr_slider, self.threshold_slider, self.w0_slider, self.b0_slider]
        self._setup(fig, sliders)
        columns = widgets.HBox([widgets.VBox(sliders[:2]), widgets.VBox(sliders[2:])])  # two columns, not one row
        self.widget.children = (columns,) + tuple(self.widget.children[1:])

    def update(self) -> None:
        self._update(self.fig, self.axes, self.w0_slider.value, self.b0_slider.value, self.lr_slider.value,
                     self.threshold_slider.value)
