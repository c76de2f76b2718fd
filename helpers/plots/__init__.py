"""Figures for the course, one module per topic. Every function takes data and returns ``(fig, ax)`` (or ``(fig, axes)``).

Plots depend on the math modules, never the reverse. Functions that draw diagrams compute their content from the
code's own numbers (weights, series, windows), not from pasted images. Each name is importable from the package
(``from helpers.plots import plot_lstm_views``) and from its module:

    style           the course's colours (Okabe-Ito) and matplotlib settings; boxes, arrows and other primitives
    diagram         the toolkit of the schematic drawings: boxes that fit their text, arrows between box edges
    mappings        00-01  the sigmoid slider demo, a dense layer as a mapping, series and windows
    task_types      01     many-to-one, one-to-many, many-to-many, seq2seq and bidirectional, drawn unrolled
    rnn_diagrams    02     the simple RNN, compact and unrolled through time
    rnn_neurons     02     a small simple RNN neuron by neuron, folded and unrolled
    bptt            03     which errors feed which step's gradient; truncated against full BPTT
    curves          03, 06 learning curves; forecasts against observations
    lstm_diagrams   04     the LSTM cell's electronic-circuit and Space Odyssey views
    lstm_backprop   05     computational graphs: the chain rule as a sum over paths; the paths out of c_t
    gradient_flow   06     gradient norms through time, the bound, the forget-gate bias, the adding problem
    clipping        07     the one-unit RNN's cliff, descent with and without clipping, norm vs value
    attention       08     the seq2seq bottleneck, alignments, the 1/sqrt(d_k) scaling, masks
    seq2seq_diagrams 08    the encoder-decoder without and with attention, with the shapes of a real model
    transformer     09     heads, positional encoding, layer norm, post-LN vs pre-LN, the schedule
    transformer_diagrams 09 multi-head attention, the encoder and decoder layers, the whole model, LN wiring
    translation     10     the toy translator's training, attention maps and head scores
    sentences       11     the sentence translator: where the verb moves, two models on one time budget, accuracy
                           by distance, heat maps with the moved verb marked, scores per head
"""
from __future__ import annotations

from .style import COLORS, use_course_style
from .mappings import (plot_sigmoid, update_sigmoid_plot, draw_dense_layer, plot_semantic_vectors, plot_series,
                       plot_weather_record, plot_order_and_shuffle, plot_window)
from .task_types import TASK_KINDS, TASK_EXAMPLES, draw_task, plot_task_types
from .rnn_diagrams import draw_compact_rnn, draw_unrolled_rnn, plot_rnn_views
from .rnn_neurons import draw_rnn_neurons, draw_rnn_neurons_unrolled, plot_rnn_neuron_views
from .bptt import plot_bptt_flow, update_bptt_flow, plot_truncation
from .curves import plot_loss_curves, plot_forecasts
from .lstm_diagrams import (LSTM_NODES, VALUE_CMAP, GATE_CMAP, lstm_step_values, lstm_node_face, update_lstm_diagram,
                            draw_lstm_circuit, draw_lstm_odyssey, draw_lstm_key, plot_lstm_views, lstm_views_title)
from .lstm_backprop import draw_computational_graph, CELL_PATHS, draw_cell_gradient_paths
from .gradient_flow import (plot_gradient_flow, update_gradient_flow, flow_limits, plot_forget_gate_effect,
                            plot_adding_sequence, plot_adding_race, plot_lstm_memory)
from .clipping import (CLIPPING_COLORS, CLIPPING_SUMMARY_STEPS, plot_error_surface, plot_cliff_lingering,
                       DESCENT_VIEW, plot_clipping_descent, update_clipping_descent, plot_clipping_directions,
                       plot_step_contributions, plot_clipped_training)
from .attention import (plot_accuracy_by_length, plot_alignments, plot_score_scaling, update_score_scaling,
                        attention_mask_panels, plot_attention_masks, update_attention_masks)
from .seq2seq_diagrams import seq2seq_sizes, seq2seq_shapes, draw_seq2seq, plot_seq2seq_diagrams
from .transformer import (plot_attention_heads, plot_positional_encoding, plot_layer_norm_token,
                          plot_ln_gradient_flow, update_ln_gradient_flow, plot_lr_schedules)
from .transformer_diagrams import (draw_multihead, draw_transformer_layer, plot_transformer_layers, draw_transformer,
                                  plot_ln_wiring)
from .translation import (TRANSLATION_VIEW_SIZE, plot_translator_training, plot_translation_attention,
                          plot_head_scores, translation_view, plot_translation_explorer,
                          update_translation_explorer)
from .sentences import (moved_span, draw_verb_moves, plot_training_budget, plot_by_move, plot_attention_panels,
                        head_labels, plot_head_bars)

__all__ = [
    "COLORS", "use_course_style", "plot_sigmoid", "update_sigmoid_plot", "draw_dense_layer",
    "plot_semantic_vectors", "plot_series", "plot_weather_record", "plot_order_and_shuffle", "plot_window",
    "TASK_KINDS", "TASK_EXAMPLES", "draw_task",
    "plot_task_types", "draw_compact_rnn", "draw_unrolled_rnn", "plot_rnn_views", "draw_rnn_neurons",
    "draw_rnn_neurons_unrolled", "plot_rnn_neuron_views", "plot_bptt_flow", "update_bptt_flow", "plot_truncation",
    "plot_loss_curves", "plot_forecasts", "LSTM_NODES", "VALUE_CMAP", "GATE_CMAP", "lstm_step_values",
    "lstm_node_face", "update_lstm_diagram", "draw_lstm_circuit", "draw_lstm_odyssey", "draw_lstm_key",
    "plot_lstm_views", "lstm_views_title", "draw_computational_graph", "CELL_PATHS", "draw_cell_gradient_paths",
    "plot_gradient_flow", "update_gradient_flow", "flow_limits", "plot_forget_gate_effect", "plot_adding_sequence",
    "plot_adding_race", "plot_lstm_memory", "CLIPPING_COLORS",
    "CLIPPING_SUMMARY_STEPS", "plot_error_surface", "plot_cliff_lingering", "DESCENT_VIEW", "plot_clipping_descent",
    "update_clipping_descent", "plot_clipping_directions", "plot_step_contributions", "plot_clipped_training",
    "plot_accuracy_by_length", "plot_alignments",
    "plot_score_scaling", "update_score_scaling", "attention_mask_panels", "plot_attention_masks",
    "update_attention_masks", "seq2seq_sizes", "seq2seq_shapes", "draw_seq2seq", "plot_seq2seq_diagrams",
    "plot_attention_heads", "plot_positional_encoding", "plot_layer_norm_token",
    "plot_ln_gradient_flow", "update_ln_gradient_flow", "plot_lr_schedules", "draw_multihead",
    "draw_transformer_layer", "plot_transformer_layers", "draw_transformer", "plot_ln_wiring", "TRANSLATION_VIEW_SIZE",
    "plot_translator_training", "plot_translation_attention", "plot_head_scores", "translation_view",
    "plot_translation_explorer", "update_translation_explorer", "moved_span", "draw_verb_moves",
    "plot_training_budget", "plot_by_move", "plot_attention_panels", "head_labels", "plot_head_bars",
]
