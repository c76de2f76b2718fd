"""Notebook 00: the slider demo, sigma(w x + b) for the w and b of two sliders.
"""
from __future__ import annotations

import ipywidgets as widgets

from ..plots.mappings import plot_sigmoid, update_sigmoid_plot
from .explorer import FigureExplorer

__all__ = ["SigmoidExplorer"]


class SigmoidExplorer(FigureExplorer):
    """Sliders for w and b of sigma(w x + b); the notebook-00 demo of how sliders work.

    Attributes (for tests and curious learners):
      w_slider, b_slider: the sliders; fig, ax: the figure being updated; widget: the whole box
    """

    def __init__(self, w: float = 1.0, b: float = 0.0):
        fig, self.ax = plot_sigmoid(w, b)
        style = {"description_width": "2em"}
        self.w_slider = widgets.FloatSlider(value=w, min=-4.0, max=4.0, step=0.1, description="w", style=style)
        self.b_slider = widgets.FloatSlider(value=b, min=-5.0, max=5.0, step=0.1, description="b", style=style)
        self._setup(fig, [self.w_slider, self.b_slider])

    def update(self) -> None:
        update_sigmoid_plot(self.ax, self.w_slider.value, self.b_slider.value)
