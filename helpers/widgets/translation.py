"""Notebook 10: type a number and watch the translator's cross-attention, layer by layer and head by head.
"""
from __future__ import annotations

import ipywidgets as widgets

from ..plots.translation import plot_translation_explorer, translation_view, update_translation_explorer
from ..seeding import make_rng
from ..transformer import init_transformer
from ..translation import DE_VOCAB, EN_VOCAB, TranslatorConfig, load_number_words
from .explorer import FigureExplorer

__all__ = ["TranslationExplorer"]


class TranslationExplorer(FigureExplorer):
    """Type a number from 0 to 9999 and watch the translator work: the English words, the model's German (greedy
    decoding), whether it is right, and the cross-attention of one layer and head while it produced each piece.
    Text that is not a number in range shows a message instead. Static twin:
    :func:`helpers.plots.plot_translation_explorer` (with :func:`helpers.plots.translation_view`).

    Inputs: params, config from :func:`helpers.translation.train_translator` (None: an untrained model of the
            default sizes, drawn with make_rng(10), for trying the controls); data from
            :func:`helpers.translation.load_number_words` (None: loaded); the starting number, layer and head
    Attributes: number_box, layer_buttons, head_buttons, view, fig, ax, widget
    """

    def __init__(self, params: dict | None = None, config: TranslatorConfig | None = None, data: dict | None = None,
                 number=341, layer: int = 1, head: int = 0):
        if params is None:
            config = TranslatorConfig()
            params = init_transformer(len(EN_VOCAB), len(DE_VOCAB), config.d_model, config.h, config.d_ff,
                                      config.n_layers, make_rng(10), norm=config.norm)
        if not isinstance(config, TranslatorConfig):
            raise ValueError("config: expected the TranslatorConfig of the model (train_translator's "
                             f"result.config), got {config!r}")
        data = load_number_words() if data is None else data
        self.params, self.config = params, config
        self.pairs = {int(n): (e, g) for split in data.values()
                      for n, e, g in zip(split.numbers, split.english, split.german)}
        self._view, self._update_plot = translation_view, update_translation_explorer
        n_layers = len([k for k in params if k.startswith("dec.") and k.endswith(".cross_attn.W_q")])
        n_heads = config.h
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
