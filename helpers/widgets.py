"""Interactive explorers. Each has a static twin in :mod:`helpers.plots` that draws the same figure
for one setting; the explorer only moves that figure's existing artists when a slider changes.

The figure is shown as a PNG in an ``Image`` widget: after a change the explorer moves the artists,
renders the figure and replaces the image's bytes. The artists themselves are never rebuilt, and no
interactive matplotlib backend is needed.

Rendering is the slow part (drawing tick labels, legends and axis labels costs far more than drawing
the data), so an explorer draws that static part once, keeps it as a background image, and after a
change draws only the data artists and titles on a copy of it: the idea of matplotlib's "blitting".
When anything in the background changes (axis limits, ticks, scales, labels, legend texts), the next
render draws everything again and keeps the new background.
"""
from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import QuadMesh
from matplotlib.image import AxesImage
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.text import Text
from PIL import Image as _PILImage

from .plots import (_views_title, plot_bptt_flow, plot_lstm_views, plot_sigmoid, update_bptt_flow,
                    update_lstm_diagram, update_sigmoid_plot)

__all__ = ["SigmoidExplorer", "BPTTExplorer", "ProgressDisplay", "LSTMExplorer", "GradientFlowExplorer",
           "ClippingExplorer", "ScalingExplorer", "MaskExplorer", "LayerNormGradientExplorer", "TranslationExplorer"]


class _FigureExplorer:
    """Shared plumbing: a figure shown as an image below a row of controls.

    Attributes: fig; image (the ipywidgets.Image showing it); widget (the whole box)
    """

    def _setup(self, fig, controls):
        self.fig = fig
        plt.close(fig)  # shown only through the image widget, not again by the inline backend
        self._canvas = FigureCanvasAgg(fig)
        self._background = None
        self.image = widgets.Image(format="png")
        self.widget = widgets.VBox([widgets.HBox(controls), self.image])
        for control in controls:
            control.observe(self._on_change, names="value")
        self._render()

    def _on_change(self, _change=None) -> None:
        self.update()
        self._render()

    def _artists(self) -> list:
        """Everything a change may alter: the data artists and texts of every axes, the figure's texts."""
        artists = []
        for ax in self.fig.axes:
            artists += [*ax.lines, *ax.patches, *ax.collections, *ax.images, *ax.texts, ax.title,
                        ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        artists += list(self.fig.texts)  # (a suptitle is one of these)
        return list({id(a): a for a in artists}.values())  # each once

    @staticmethod
    def _signature(artist):
        """A cheap summary of how an artist looks, for texts, simple patches and images; None: always redraw it."""
        common = (artist.get_visible(), artist.get_alpha(), artist.get_zorder())
        if isinstance(artist, Text):
            return common + (artist.get_text(), artist.get_position(), str(artist.get_color()),
                             artist.get_fontsize(), artist.get_rotation(), artist.get_ha(), artist.get_va())
        if isinstance(artist, (Rectangle, FancyBboxPatch, Circle, FancyArrowPatch)):
            look = common + (tuple(artist.get_facecolor()), tuple(artist.get_edgecolor()), artist.get_linewidth(),
                             str(artist.get_linestyle()), artist.get_fill())
            if isinstance(artist, (Rectangle, FancyBboxPatch)):
                return look + (artist.get_x(), artist.get_y(), artist.get_width(), artist.get_height())
            if isinstance(artist, Circle):
                return look + (tuple(artist.get_center()), artist.get_radius())
            return look + (repr(artist._posA_posB), id(artist._path_original))
        if isinstance(artist, (AxesImage, QuadMesh)):  # e.g. a fixed error surface under moving paths
            data = np.asarray(artist.get_array(), dtype=float)
            return common + (id(artist.get_array()), data.shape, float(np.nansum(data)), artist.get_clim(),
                             artist.get_cmap().name)
        return None

    def _dynamic_artists(self) -> list:
        """What is drawn after every change: the artists that have no cheap signature (lines, most
        collections, other patches) and those that have changed at least once since the figure was made. The
        others are part of the background, because drawing them (text above all) is slow."""
        return sorted((a for a in self._artists() if a.get_visible()
                       and (self._signature(a) is None or id(a) in self._volatile)), key=lambda a: a.get_zorder())

    def _layout_state(self) -> tuple:
        """The axes' geometry, limits, scales, ticks and legends: when any of it changes, the background is
        redrawn."""
        state = [tuple(self.fig.get_size_inches()), self.fig.dpi]
        for ax in self.fig.axes:
            legend = ax.get_legend()
            state += [ax.get_position().bounds, ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(),
                      tuple(ax.get_xticks()), tuple(ax.get_yticks()), ax.get_visible(),
                      tuple(t.get_text() for t in legend.get_texts()) if legend else None]
        return tuple(state)

    def _fit_to_contents(self, pad: float = 0.08) -> None:
        """Grow the figure so that everything drawn outside it (a legend beside the axes, say) is inside:
        what ``bbox_inches="tight"`` does for a single picture, done once and kept. The axes keep their size."""
        renderer = self._canvas.get_renderer()
        bbox = self.fig.get_tightbbox(renderer).padded(pad)  # inches
        width, height = self.fig.get_size_inches()
        x0, y0 = min(0.0, bbox.x0), min(0.0, bbox.y0)
        x1, y1 = max(width, bbox.x1), max(height, bbox.y1)
        if (x0, y0, x1, y1) == (0.0, 0.0, width, height):
            return
        new_width, new_height = x1 - x0, y1 - y0
        for ax in self.fig.axes:
            p = ax.get_position()
            ax.set_position([(p.x0 * width - x0) / new_width, (p.y0 * height - y0) / new_height,
                             p.width * width / new_width, p.height * height / new_height])
        self.fig.set_size_inches(new_width, new_height)
        self._canvas.draw()

    def render_png(self) -> bytes:
        """The figure as PNG bytes (what the image widget shows): the cached background, then the data."""
        first = self._background is None
        if first:  # place the axes once, with every artist in view, and keep that layout
            self._volatile, self._signatures, self._layout = set(), {}, None
            self._canvas.draw()
            self.fig.set_layout_engine("none")
            self._fit_to_contents()
        signatures = {id(a): self._signature(a) for a in self._artists()}
        # an artist of the background that changed (or appeared) will probably change again: from now on it
        # is drawn after every change, and the background is drawn once more without it
        newly = {k for k, sig in signatures.items()
                 if sig is not None and k not in self._volatile and self._signatures.get(k) != sig}
        if not first:
            self._volatile |= newly
        dynamic = self._dynamic_artists()
        if first or newly or self._layout_state() != self._layout:
            visible = [a.get_visible() for a in dynamic]
            # drawing an axes re-places its titles, and places hidden ones wrongly: keep where they are
            positions = [a.get_position() if isinstance(a, Text) else None for a in dynamic]
            for artist in dynamic:
                artist.set_visible(False)
            try:
                self._canvas.draw()  # the static part only
            finally:
                for artist, was, xy in zip(dynamic, visible, positions):
                    artist.set_visible(was)
                    if xy is not None:
                        artist.set_position(xy)
            self._background = self._canvas.copy_from_bbox(self.fig.bbox)
            self._layout = self._layout_state()  # as drawn (drawing may move labels)
            self._signatures = {id(a): sig for a in self._artists() if (sig := self._signature(a)) is not None}
        else:
            self._canvas.restore_region(self._background)
        renderer = self._canvas.get_renderer()
        for artist in dynamic:
            artist.draw(renderer)
        buffer = io.BytesIO()
        width, height = self._canvas.get_width_height(physical=True)
        _PILImage.frombuffer("RGBA", (width, height), self._canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(
            buffer, format="png", compress_level=1)
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


# --------------------------------------------------------------------------- notebook 08: scaling and masks

class ScalingExplorer(_FigureExplorer):
    """Why the 1/sqrt(d_k): a slider over d_k (powers of 2) moves one query's softmax weights, unscaled
    and scaled, and the marker on the measured curves. Static twin: :func:`helpers.plots.plot_score_scaling`.

    Inputs: a :class:`helpers.score_scaling.ScoreScalingProbe`; the starting d_k
    Attributes: d_k_slider, fig, axes, widget
    """

    def __init__(self, probe, d_k: int = 64):
        from .plots import plot_score_scaling, update_score_scaling
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


class MaskExplorer(_FigureExplorer):
    """Build a self-attention mask: how many real tokens (the rest is padding), pads on the right or the
    left, with or without the causal mask; see the combined mask and the attention weights it gives.
    Static twin: :func:`helpers.plots.plot_attention_masks`.

    Inputs: q, k (T, d_k) and the starting setting (see :func:`helpers.plots.attention_mask_panels`)
    Attributes: length_slider, causal_box, side_buttons, fig, axes, widget
    """

    def __init__(self, q, k, length: int = 5, causal: bool = True, side: str = "right"):
        from .plots import plot_attention_masks, update_attention_masks
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


# --------------------------------------------------------------------------- notebook 07: gradient clipping

class ClippingExplorer(_FigureExplorer):
    """Gradient descent on the one-unit RNN's error surface, without and with clipping by norm: sliders
    for the learning rate, the clipping threshold and the start (w0, b0). Both descents are recomputed
    on every change; the surface is computed once. Static twin: :func:`helpers.plots.plot_clipping_descent`.

    Inputs: the arguments of :func:`helpers.plots.plot_clipping_descent`
    Attributes: lr_slider, threshold_slider, w0_slider, b0_slider, fig, axes, widget
    """

    def __init__(self, w0: float = 5.5, b0: float = -1.5, lr: float = 1.0, max_norm: float = 0.5,
                 steps: int = 80, surface=None):
        from .plots import DESCENT_VIEW, plot_clipping_descent, update_clipping_descent
        from .scalar_rnn import error_surface
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


# --------------------------------------------------------------------------- notebook 09: the Transformer



class LayerNormGradientExplorer(_FigureExplorer):
    """Post-LN against pre-LN at initialisation: a toggle for where the layer norm sits and a slider for the
    number of encoder layers; every change runs the real forward and backward passes through the stack (the
    weights are drawn once, by the probe) and shows each layer's gradient norms, with the other placement of the
    layer norm (same weights) in grey.
    Static twin: :func:`helpers.plots.plot_ln_gradient_flow`.

    Inputs: a :class:`helpers.gradflow.EncoderStackProbe` (None: one drawn with make_rng(9)), the start
    Attributes: norm_buttons, depth_slider, probe, fig, axes, widget
    """

    def __init__(self, probe=None, n_layers: int = 6, norm: str = "post"):
        from .plots import plot_ln_gradient_flow, update_ln_gradient_flow
        from .seeding import make_rng
        from .gradflow import EncoderStackProbe
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


# --------------------------------------------------------------------------- notebook 10: the toy translator



class TranslationExplorer(_FigureExplorer):
    """Type a number from 0 to 9999 and watch the translator work: the English words, the model's German (greedy
    decoding), whether it is right, and the cross-attention of one layer and head while it produced each piece.
    Text that is not a number in range shows a message instead. Static twin:
    :func:`helpers.plots.plot_translation_explorer` (with :func:`helpers.plots.translation_view`).

    Inputs: params, config from :func:`helpers.translation.train_translator` (None: an untrained model of the
            default sizes, drawn with make_rng(10), for trying the controls); data from
            :func:`helpers.translation.load_number_words` (None: loaded); the starting number, layer and head
    Attributes: number_box, layer_buttons, head_buttons, view, fig, ax, widget
    """

    def __init__(self, params: dict | None = None, config: dict | None = None, data: dict | None = None,
                 number=341, layer: int = 1, head: int = 0):
        from .plots import plot_translation_explorer, translation_view, update_translation_explorer
        from .seeding import make_rng
        from .transformer import init_transformer
        from .translation import DE_VOCAB, EN_VOCAB, load_number_words
        if params is None:
            config = dict(d_model=64, h=4, d_ff=128, n_layers=2, norm="pre")
            params = init_transformer(len(EN_VOCAB), len(DE_VOCAB), config["d_model"], config["h"],
                                      config["d_ff"], config["n_layers"], make_rng(10), norm=config["norm"])
        if config is None or "h" not in config or "norm" not in config:
            raise ValueError("config: expected the dict of train_translator (with 'h' and 'norm'), got "
                             f"{config!r}")
        data = load_number_words() if data is None else data
        self.params, self.config = params, config
        self.pairs = {int(n): (e, g) for split in data.values()
                      for n, e, g in zip(split.numbers, split.english, split.german)}
        self._view, self._update_plot = translation_view, update_translation_explorer
        n_layers = len([k for k in params if k.startswith("dec.") and k.endswith(".cross_attn.W_q")])
        n_heads = int(config["h"])
        if not 0 <= layer < n_layers or not 0 <= head < n_heads:
            raise ValueError(f"layer, head: expected 0 <= layer < {n_layers} and 0 <= head < {n_heads}, got "
                             f"{layer}, {head}")
        self.view = translation_view(params, config, number, self.pairs)
        fig, self.ax = plot_translation_explorer(self.view, layer, head)
        style = {"description_width": "5em"}
        self.number_box = widgets.Text(value=str(number), description="number", continuous_update=False,
                                       placeholder="0 ... 9999", style=style, layout=widgets.Layout(width="14em"))
        self.layer_buttons = widgets.ToggleButtons(options=[(f"{l + 1}", l) for l in range(n_layers)], value=layer,
                                                   description="layer", style=style)
        self.head_buttons = widgets.ToggleButtons(options=[(f"{i + 1}", i) for i in range(n_heads)], value=head,
                                                  description="head", style=style)
        self._shown = str(number)
        self._setup(fig, [self.number_box, self.layer_buttons, self.head_buttons])
        self.widget.children = (widgets.VBox([self.number_box, self.layer_buttons, self.head_buttons]), self.image)

    def update(self) -> None:
        if self.number_box.value != self._shown:  # translate only when the number changed
            self.view = self._view(self.params, self.config, self.number_box.value, self.pairs)
            self._shown = self.number_box.value
        self._update_plot(self.ax, self.view, self.layer_buttons.value, self.head_buttons.value)
