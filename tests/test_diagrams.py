"""Schematic drawings: each shows the right nodes and the shapes of a real forward pass, and passes the figure
audit (text >= 9 pt and inside its boxes, mathtext, no colour maps without a key)."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from figure_audit import audit
from helpers.plots.diagram import Diagram, shape_text
from helpers.plots.seq2seq_diagrams import draw_seq2seq, plot_seq2seq_diagrams, seq2seq_sizes
from helpers.plots.transformer_diagrams import draw_multihead, draw_transformer, draw_transformer_layer, plot_ln_wiring
from helpers.seeding import make_rng
from helpers.seq2seq import init_seq2seq, make_reversal_batch
from helpers.transformer import init_transformer
from helpers.transformer_layers import init_decoder_layer, init_encoder_layer, init_mha


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _node(ax, key):
    return next(t for t in ax.texts if t.get_gid() == f"node-{key}")


def test_diagram_boxes_fit_their_text_and_labels_sit_beside_arrows():
    fig, ax = plt.subplots(figsize=(4, 4))
    d = Diagram(ax)
    d.node("a", (0, 0), "a long label inside a box")
    d.node("b", (0, 2), "b")
    d.edge("a", "b", label="(2, 3)")
    d.finish()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    text, box = d.nodes["a"].get_window_extent(renderer), d.nodes["a"].get_bbox_patch().get_window_extent(renderer)
    assert box.x0 < text.x0 and text.x1 < box.x1
    label = d.labels[("a", "b")].get_window_extent(renderer)
    arrow_x = ax.transData.transform((0, 1))[0]
    assert label.x1 < arrow_x - 3 or label.x0 > arrow_x + 3  # beside the arrow, not on it
    assert abs(d.half_width("a") * fig.dpi / 72 - box.width / 2) < 0.1 * box.width
    with pytest.raises(ValueError, match="fontsize: expected at least 9 pt"):
        Diagram(ax, fontsize=7)
    with pytest.raises(ValueError, match="edge: no node 'c'"):
        d.edge("a", "c")
    plt.close(fig)


@pytest.mark.parametrize("kind", ["none", "dot", "additive"])
def test_seq2seq_diagram_shows_the_models_shapes(kind):
    params = init_seq2seq(kind, 12, make_rng(0), context_size=9)  # C != H: every shape label is distinct
    assert seq2seq_sizes(params) == {"attention": kind, "H": 12, "V": 11, "K": 10, "C": 9}
    src, _, tgt_in = make_reversal_batch(4, 7, make_rng(1))  # (4, 7) each
    fig, ax = draw_seq2seq(params, src, tgt_in[:3])  # S = 4 source steps, T = 3 target steps, N = 7
    texts = " ".join(_texts(ax))
    assert all(_node(ax, f"enc{j}") for j in range(4)) and all(_node(ax, f"dec{t}") for t in range(3))
    assert "2 × (7, 12)" in texts and "(7, 11)" in texts and "(7, 10)" in texts and "(7, 9)" in texts
    has_memory = any(t.get_gid() == "node-memory" for t in ax.texts)
    assert has_memory == (kind != "none")
    if kind != "none":
        assert "(7, 4, 12)" in texts and len([t for t in ax.texts if (t.get_gid() or "").startswith("node-att")]) == 3
    else:
        assert "2H = 24 numbers" in texts
    assert audit(fig) == []
    plt.close(fig)
    fig, axes = plot_seq2seq_diagrams(init_seq2seq("none", 12, make_rng(1), context_size=9), params, src, tgt_in)
    assert len(axes) == 2 and audit(fig) == []
    plt.close(fig)


def test_multihead_diagram_shows_the_split_and_merge_shapes():
    rng = make_rng(1)
    fig, ax = draw_multihead(init_mha(24, 3, rng), rng.standard_normal((2, 5, 24)), 3)
    texts = " ".join(_texts(ax))
    for shape in ("(2, 5, 24)", "(2, 5, 3, 8)", "(2, 3, 5, 8)", "weights (2, 5, 5)"):  # each head's weights
        assert shape in texts, shape
    assert "24 / 3 = 8" in texts
    assert {t.get_gid() for t in ax.texts} >= {f"node-{k}" for k in ("x", "Q", "K", "V", "split", "head1", "head2",
                                                                     "head3", "concat", "out")}
    assert audit(fig) == []
    plt.close(fig)


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_layer_diagrams_follow_the_norm_placement(norm):
    rng = make_rng(2)
    x = rng.standard_normal((2, 4, 16))
    fig, ax = draw_transformer_layer("encoder", init_encoder_layer(16, 2, 40, rng), x, 2, norm=norm)
    texts = _texts(ax)
    assert "hidden (2, 4, 40)" in " ".join(texts)
    assert sum("Add & Norm" in t for t in texts) == (2 if norm == "post" else 0)
    assert sum(t == "layer norm" for t in texts) == (0 if norm == "post" else 2)
    assert len([p for p in ax.patches if (p.get_gid() or "").startswith("bypass-")]) == 2  # two residuals
    assert audit(fig) == []
    plt.close(fig)
    memory = rng.standard_normal((2, 6, 16))
    fig, ax = draw_transformer_layer("decoder", init_decoder_layer(16, 2, 40, rng), x, 2, memory=memory, norm=norm)
    assert "(2, 6, 16)" in " ".join(_texts(ax))
    assert any(t.startswith("masked multi-head self-attention") for t in _texts(ax))
    assert len([p for p in ax.patches if (p.get_gid() or "").startswith("bypass-")]) == 3
    assert audit(fig) == []
    plt.close(fig)
    with pytest.raises(ValueError, match="memory"):
        draw_transformer_layer("decoder", init_decoder_layer(16, 2, 40, rng), x, 2)


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_transformer_diagram_has_the_papers_parts(norm):
    rng = make_rng(3)
    params = init_transformer(20, 22, 16, 4, 32, 3, rng, norm=norm)
    fig, ax = draw_transformer(params, rng.integers(3, 20, (2, 6)), rng.integers(3, 22, (2, 5)), 4, norm=norm)
    texts = " ".join(_texts(ax))
    assert "3 × encoder layer" in texts and "3 × decoder layer" in texts and "positional encoding" in texts
    assert "logits (2, 5, 22)" in texts and "(2, 6, 16)" in texts
    assert ("layer norm" in texts) == (norm == "pre")
    assert audit(fig) == []
    plt.close(fig)


def test_ln_wiring_puts_the_norm_on_the_residual_path_only_in_post_ln():
    fig, (post, pre) = plot_ln_wiring()
    assert any("\\mathrm{LN}(x_l + F(x_l))" in t for t in _texts(post))
    assert any("x_l + F(\\mathrm{LN}(x_l))" in t for t in _texts(pre))
    assert audit(fig) == []
    plt.close(fig)


def test_shape_text():
    assert shape_text((2, np.int64(3))) == "(2, 3)"
