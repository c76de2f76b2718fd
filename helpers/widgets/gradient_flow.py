"""Notebook 06: gradient norms through time for the simple RNN and the LSTM, under sliders for lambda_1, the
activation, T, H and the forget-gate bias.
"""
from __future__ import annotations

import ipywidgets as widgets

from ..gradflow import GAMMA
from ..plots.gradient_flow import plot_gradient_flow, update_gradient_flow
from .explorer import FigureExplorer

__all__ = ["GradientFlowExplorer"]


class GradientFlowExplorer(FigureExplorer):
    """Watch gradients vanish or explode: sliders for the largest singular value lambda_1 of the
    recurrent weights, the RNN's activation, the sequence length T, the hidden size H and the LSTM's
    forget-gate bias. Every change reruns the real forward and backward passes of both models. The y-limits
    stay put while the new norms fit them well, and follow the data when they do not
    (:func:`helpers.plots.flow_limits`): most moves redraw only the curves.
    Static twin: :func:`helpers.plots.plot_gradient_flow`.

    Inputs: a :class:`helpers.gradflow.GradientFlowProbe` and the starting setting
    Attributes: lambda_slider, activation_buttons, T_slider, H_slider, bias_slider, fig, axes, widget
    """

    def __init__(self, probe, lambda1: float = 1.0, activation: str = "tanh", T: int = 100, H: int = 32,
                 forget_bias: float = 0.0):
        self.probe, self._update_plot = probe, update_gradient_flow
        fig, self.axes = plot_gradient_flow(probe.rnn(lambda1, T, H, activation),
                                            probe.lstm(lambda1, T, H, forget_bias))
        style = {"description_width": "9em"}
        self.lambda_slider = widgets.FloatSlider(value=lambda1, min=0.1, max=6.0, step=0.05, style=style,
                                                 description="λ₁ (largest s.v.)", continuous_update=False)
        self.activation_buttons = widgets.ToggleButtons(options=list(GAMMA), value=activation,
                                                        description="RNN activation", style=style)
        self.T_slider = widgets.IntSlider(value=T, min=10, max=probe.max_steps, step=10, description="length T",
                                          style=style, continuous_update=False)
        self.H_slider = widgets.IntSlider(value=H, min=4, max=probe.max_hidden, step=4, description="hidden H",
                                          style=style, continuous_update=False)
        self.bias_slider = widgets.FloatSlider(value=forget_bias, min=-3.0, max=5.0, step=0.5, style=style,
                                               description="LSTM forget bias", continuous_update=False)
        controls = [self.lambda_slider, self.activation_buttons, self.T_slider, self.H_slider, self.bias_slider]
        self._setup(fig, controls)
        rows = [widgets.HBox([self.lambda_slider, self.T_slider]), widgets.HBox([self.H_slider, self.bias_slider]),
                self.activation_buttons]
        self.widget.children = (widgets.VBox(rows), self.image)

    def update(self) -> None:
        lam, T, H = self.lambda_slider.value, self.T_slider.value, self.H_slider.value
        self._update_plot(self.axes, self.probe.rnn(lam, T, H, self.activation_buttons.value),
                          self.probe.lstm(lam, T, H, self.bias_slider.value), keep_limits=True)
