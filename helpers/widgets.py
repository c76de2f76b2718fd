"""Interactive explorers. Each has a static twin in :mod:`helpers.plots` that draws the same figure
for one setting; the explorer only moves that figure's existing artists when a slider changes.

The figure is shown as a PNG in an ``Image`` widget: after a change the explorer moves the artists,
renders the figure once and replaces the image's bytes. The artists themselves are never rebuilt, and
no interactive matplotlib backend is needed.
"""
from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

from .plots import (_views_title, plot_bptt_flow, plot_lstm_views, plot_sigmoid, update_bptt_flow,
                    update_lstm_diagram, update_sigmoid_plot)

__all__ = ["SigmoidExplorer", "BPTTExplorer", "ProgressDisplay", "LSTMExplorer", "GradientFlowExplorer"]


class _FigureExplorer:
    """Shared plumbing: a figure shown as an image below a row of controls.

    Attributes: fig; image (the ipywidgets.Image showing it); widget (the whole box)
    """

    def _setup(self, fig, controls):
        self.fig = fig
        plt.close(fig)  # shown only through the image widget, not again by the inline backend
        self.image = widgets.Image(format="png")
        self.widget = widgets.VBox([widgets.HBox(controls), self.image])
        for control in controls:
            control.observe(self._on_change, names="value")
        self._render()

    def _on_change(self, _change=None) -> None:
        self.update()
        self._render()

    def render_png(self) -> bytes:
        """The figure as PNG bytes, drawn once (what the image widget shows)."""
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png")
        return buffer.getvalue()

    def _render(self) -> None:
        self.image.value = self.render_png()

    def _ipython_display_(self):
        display(self.widget)


class SigmoidExplorer(_FigureExplorer):
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


class BPTTExplorer(_FigureExplorer):
    """Pick a time step t and see which losses' errors flow into h[t], and how the per-step
    contributions add up to the gradient. Static twin: :func:`helpers.plots.plot_bptt_flow`.

    Inputs: the arguments of :func:`helpers.plots.plot_bptt_flow`
    Attributes: t_slider, fig, axes, widget
    """

    def __init__(self, error_norms, contributions, total: float, t: int = 0, param_label: str = "W[0, 0]"):
        fig, self.axes = plot_bptt_flow(error_norms, contributions, total, t, param_label)
        T = len(contributions)
        self.t_slider = widgets.IntSlider(value=t, min=0, max=T - 1, step=1, description="step t",
                                          style={"description_width": "4em"})
        self._setup(fig, [self.t_slider])

    def update(self) -> None:
        update_bptt_flow(self.fig, self.axes, self.t_slider.value)


class ProgressDisplay:
    """A progress bar with a line of metrics, for training loops. Not an explorer: the static record of
    a training run is its loss-curve figure (:func:`helpers.plots.plot_loss_curves`).

    Usage: ``progress = ProgressDisplay(total=40, description="epoch")``, display it, then call
    ``progress.update(epoch + 1, loss=..., val_mae=...)`` inside the loop.
    """

    def __init__(self, total: int, description: str = "step"):
        if not isinstance(total, int) or total < 1:
            raise ValueError(f"total: expected a positive int, got {total!r}")
        self.bar = widgets.IntProgress(value=0, min=0, max=total, description=description)
        self.label = widgets.Label(value=f"0 / {total}")
        self.widget = widgets.HBox([self.bar, self.label])

    def update(self, value: int, **metrics) -> None:
        self.bar.value = value
        parts = [f"{value} / {self.bar.max}"] + [f"{k} {v:.4g}" for k, v in metrics.items()]
        self.label.value = "   ".join(parts)

    def _ipython_display_(self):
        display(self.widget)


class GradientFlowExplorer(_FigureExplorer):
    """Watch gradients vanish or explode: sliders for the largest singular value lambda_1 of the
    recurrent weights, the RNN's activation, the sequence length T, the hidden size H and the LSTM's
    forget-gate bias. Every change reruns the real forward and backward passes of both models.
    Static twin: :func:`helpers.plots.plot_gradient_flow`.

    Inputs: a :class:`helpers.gradflow.GradientFlowProbe` and the starting setting
    Attributes: lambda_slider, activation_buttons, T_slider, H_slider, bias_slider, fig, axes, widget
    """

    def __init__(self, probe, lambda1: float = 1.0, activation: str = "tanh", T: int = 100, H: int = 32,
                 forget_bias: float = 0.0):
        from .gradflow import GAMMA
        from .plots import plot_gradient_flow, update_gradient_flow
        self.probe, self._update_plot = probe, update_gradient_flow
        fig, self.axes = plot_gradient_flow(probe.rnn(lambda1, T, H, activation), probe.lstm(lambda1, T, H, forget_bias))
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
                          self.probe.lstm(lam, T, H, self.bias_slider.value))


class LSTMExplorer(_FigureExplorer):
    """Run a sequence through an LSTM and step through it: a time slider colours both diagrams (the
    electronic-circuit and the Space Odyssey view) with the live values of one hidden unit, and a
    checkbox switches the peepholes on and off (the forward pass is recomputed without the p_* keys).
    Static twin: :func:`helpers.plots.plot_lstm_views`.

    Inputs: params (with peepholes), x (T, N, D); seq and unit choose what to show
    Attributes: t_slider, peephole_box, fig, axes, caches, widget
    """

    def __init__(self, params: dict, x, t: int = 0, seq: int = 0, unit: int = 0, peepholes: bool = True):
        from . import lstm
        from .plots import lstm_step_values
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
        self.fig.suptitle(_views_title(t, peep), fontsize=11)
