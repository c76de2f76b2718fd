"""Notebook 04: the LSTM cell's two drawings, coloured by a real forward pass, at the time step of a slider.
"""
from __future__ import annotations

import ipywidgets as widgets

from .. import lstm
from ..plots.lstm_diagrams import lstm_step_values, lstm_views_title, plot_lstm_views, update_lstm_diagram
from .explorer import FigureExplorer

__all__ = ["LSTMExplorer"]


class LSTMExplorer(FigureExplorer):
    """Run a sequence through an LSTM and step through it: a time slider renumbers and recolours both diagrams
    (the electronic-circuit and the Space Odyssey view) with the live values of one hidden unit, and a
    checkbox switches the peepholes on and off (the forward pass is recomputed without the p_* keys, and the
    blue peephole arrows are hidden). A move changes only the texts and faces of the existing nodes, the
    peephole arrows' visibility and the title. Static twin: :func:`helpers.plots.plot_lstm_views`.

    Inputs: params (with peepholes), x (T, N, D); seq and unit choose what to show
    Attributes: t_slider, peephole_box, fig, axes, caches, widget
    """

    def __init__(self, params: dict, x, t: int = 0, seq: int = 0, unit: int = 0, peepholes: bool = True):
        self._values = lstm_step_values
        self.seq, self.unit = seq, unit
        without = {k: v for k, v in params.items() if k not in lstm.PEEPHOLES}
        self.caches = {True: lstm.forward(params, x)[1], False: lstm.forward(without, x)[1]}
        values = lstm_step_values(self.caches[peepholes], t, seq, unit)
        fig, self.axes = plot_lstm_views(values, peepholes, t)
        T = self.caches[True].y.shape[0]
        self.t_slider = widgets.IntSlider(value=t, min=0, max=T - 1, description="step t",
                                          style={"description_width": "4em"})
        self.peephole_box = widgets.Checkbox(value=peepholes, description="peepholes")
        self._setup(fig, [self.t_slider, self.peephole_box])

    def update(self) -> None:
        peep, t = self.peephole_box.value, self.t_slider.value
        values = self._values(self.caches[peep], t, self.seq, self.unit)
        for ax in self.axes:
            update_lstm_diagram(ax, values, peep)
        self.fig.suptitle(lstm_views_title(t, peep), fontsize=11)
