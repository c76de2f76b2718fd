"""Figures for the course, one module per topic. Every function takes data and returns ``(fig, ax)`` (or ``(fig, axes)``).

Plots depend on the math modules, never the reverse. Functions that draw diagrams compute their content from the
code's own numbers (weights, series, windows), not from pasted images. Each name is importable from the package
(``from helpers.plots import plot_lstm_views``) and from its module:

    style           the course's colours and matplotlib settings; boxes, arrows and the other shared primitives
    mappings        00-01  the sigmoid slider demo, a dense layer as a mapping, series and windows
    task_types      01     many-to-one, one-to-many, many-to-many, seq2seq and bidirectional, drawn unrolled
    rnn_diagrams    02     the simple RNN, compact and unrolled through time
    bptt            03     which errors feed which step's gradient
    curves          03, 06 learning curves
    lstm_diagrams   04     the LSTM cell's electronic-circuit and Space Odyssey views
    lstm_backprop   05     computational graphs: the chain rule as a sum over paths
    gradient_flow   06     gradient norms through time, the bound, the forget-gate bias
    clipping        07     the one-unit RNN's cliff, descent with and without clipping, norm vs value
    attention       08     the seq2seq bottleneck, alignments, the 1/sqrt(d_k) scaling, masks
    transformer     09     heads, positional encoding, layer norm, post-LN vs pre-LN, the schedule
    translation     10     the toy translator's training, attention maps and head scores
"""
from __future__ import annotations

from .style import COLORS, use_course_style
from .mappings import (plot_sigmoid, update_sigmoid_plot, draw_dense_layer, plot_semantic_vectors, plot_series,
                       plot_window)
from .task_types import TASK_KINDS, TASK_EXAMPLES, draw_task, plot_task_types
from .rnn_diagrams import draw_compact_rnn, draw_unrolled_rnn, plot_rnn_views
from .bptt import plot_bptt_flow, update_bptt_flow
from .curves import plot_loss_curves
from .lstm_diagrams import (LSTM_NODES, lstm_step_values, update_lstm_diagram, draw_lstm_circuit, draw_lstm_odyssey,
                            plot_lstm_views)
from .lstm_backprop import draw_computational_graph
from .gradient_flow import plot_gradient_flow, update_gradient_flow, plot_forget_gate_effect
from .clipping import (CLIPPING_COLORS, CLIPPING_SUMMARY_STEPS, plot_error_surface, DESCENT_VIEW,
                       plot_clipping_descent, update_clipping_descent, plot_clipping_directions)
from .attention import (plot_accuracy_by_length, plot_alignments, plot_score_scaling, update_score_scaling,
                        attention_mask_panels, plot_attention_masks, update_attention_masks)
from .transformer import (plot_attention_heads, plot_positional_encoding, plot_layer_norm_token,
                          plot_ln_gradient_flow, update_ln_gradient_flow, plot_lr_schedules)
from .translation import (TRANSLATION_VIEW_SIZE, plot_translator_training, plot_translation_attention,
                          plot_head_scores, translation_view, plot_translation_explorer,
                          update_translation_explorer)

__all__ = [
    "COLORS", "use_course_style", "plot_sigmoid", "update_sigmoid_plot", "draw_dense_layer",
    "plot_semantic_vectors", "plot_series", "plot_window", "TASK_KINDS", "TASK_EXAMPLES", "draw_task",
    "plot_task_types", "draw_compact_rnn", "draw_unrolled_rnn", "plot_rnn_views", "plot_bptt_flow",
    "update_bptt_flow", "plot_loss_curves", "LSTM_NODES", "lstm_step_values", "update_lstm_diagram",
    "draw_lstm_circuit", "draw_lstm_odyssey", "plot_lstm_views", "draw_computational_graph",
    "plot_gradient_flow", "update_gradient_flow", "plot_forget_gate_effect", "CLIPPING_COLORS",
    "CLIPPING_SUMMARY_STEPS", "plot_error_surface", "DESCENT_VIEW", "plot_clipping_descent",
    "update_clipping_descent", "plot_clipping_directions", "plot_accuracy_by_length", "plot_alignments",
    "plot_score_scaling", "update_score_scaling", "attention_mask_panels", "plot_attention_masks",
    "update_attention_masks", "plot_attention_heads", "plot_positional_encoding", "plot_layer_norm_token",
    "plot_ln_gradient_flow", "update_ln_gradient_flow", "plot_lr_schedules", "TRANSLATION_VIEW_SIZE",
    "plot_translator_training", "plot_translation_attention", "plot_head_scores", "translation_view",
    "plot_translation_explorer", "update_translation_explorer",
]
