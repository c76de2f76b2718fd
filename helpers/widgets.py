"""Interactive explorers. Each has a static twin in :mod:`helpers.plots` that draws the same figure
for one setting; the explorer only moves that figure's existing artists when a slider changes.

Without an interactive matplotlib backend the updated figure is re-rendered into an ``Output``
widget; the artists themselves are never rebuilt.
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import clear_output, display

from .plots import plot_sigmoid, update_sigmoid_plot

__all__ = ["SigmoidExplorer"]


class SigmoidExplorer:
    """Sliders for w and b of sigma(w x + b); the notebook-00 demo of how sliders work.

    Attributes (for tests and curious learners):
      w_slider, b_slider: the sliders; fig, ax: the figure being updated; widget: the whole box
    """

    def __init__(self, w: float = 1.0, b: float = 0.0):
        self.fig, self.ax = plot_sigmoid(w, b)
        plt.close(self.fig)  # shown only through the Output widget, not again by the inline backend
        style = {"description_width": "2em"}
        self.w_slider = widgets.FloatSlider(value=w, min=-4.0, max=4.0, step=0.1, description="w",
                                            style=style, continuous_update=True)
        self.b_slider = widgets.FloatSlider(value=b, min=-5.0, max=5.0, step=0.1, description="b",
                                            style=style, continuous_update=True)
        self.output = widgets.Output()
        self.widget = widgets.VBox([widgets.HBox([self.w_slider, self.b_slider]), self.output])
        self.w_slider.observe(self._on_change, names="value")
        self.b_slider.observe(self._on_change, names="value")
        self._render()

    def _on_change(self, _change=None) -> None:
        update_sigmoid_plot(self.ax, self.w_slider.value, self.b_slider.value)
        self._render()

    def _render(self) -> None:
        with self.output:
            clear_output(wait=True)
            display(self.fig)

    def _ipython_display_(self):
        display(self.widget)
