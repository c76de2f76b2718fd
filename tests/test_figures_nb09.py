"""Notebook 09's figures and diagrams meet the course's figure standard (tests/figure_audit.py) and show what the
code computes: the shapes of the real arrays, heads and layers numbered from 1, post-LN and pre-LN each with its
own colour, line style and marker, legends that look like their lines, and x axes that end at the data."""
import matplotlib.colors as mcolors
import numpy as np
import pytest

from figure_audit import audit
from helpers.plots.style import artist_by_gid
from helpers import plots
from helpers.attention import positional_encoding
from helpers.gradflow import EncoderStackProbe
from helpers.plots.style import PALETTE
from helpers.plots.transformer import _LN_LOOK
from helpers.seeding import make_rng
from helpers.transformer import transformer_forward, init_transformer
from helpers.transformer_layers import (decoder_layer_forward, encoder_layer_forward, init_decoder_layer,
                                        init_encoder_layer, init_mha, mha_forward)


_gid = artist_by_gid


def _node(ax, key):
    return next(t for t in ax.texts if t.get_gid() == f"node-{key}").get_text()


def _texts(ax):
    return " ".join(t.get_text() for t in ax.texts)


@pytest.fixture(scope="module")
def probe():
    return EncoderStackProbe(make_rng(4), d_model=16, h=2, d_ff=32, max_layers=6, T=4, N=2, vocab=7)


def test_attention_heads_are_numbered_from_1_and_each_has_a_colour_bar(rng):
    weights = rng.dirichlet(np.ones(5), size=(3, 5))  # (h, T, T), rows sum to 1
    fig, axes = plots.plot_attention_heads(weights, tokens=["<s>", "a", "b", "c", "."])
    assert [ax.get_title() for ax in axes] == ["head 1", "head 2", "head 3"]
    assert all(ax.images[0].get_cmap().name == "viridis" for ax in axes)
    assert len(fig.axes) == 6  # three heads, three colour bars
    assert min(t.get_fontsize() for ax in axes for t in ax.get_xticklabels()) >= 9
    assert audit(fig) == []


def test_positional_encoding_and_layer_norm_token_pass_the_audit(rng):
    fig, (_, ax_sim) = plots.plot_positional_encoding(positional_encoding(60, 16), (10, 30), max_distance=10)
    assert ax_sim.get_xlim() == (-11, 11)  # the axis ends at the data
    assert audit(fig) == []
    x = 3.0 + 2.0 * rng.standard_normal(12)
    fig, (ax_x, ax_y) = plots.plot_layer_norm_token(x, (x - x.mean()) / x.std())
    bars = [p for p in ax_x.patches if p.get_width() == 0.7]
    assert mcolors.to_hex(bars[0].get_facecolor()) == PALETTE["blue"].lower()
    assert audit(fig) == []


def test_lr_schedules_differ_by_line_style_and_render_the_formula_as_maths():
    fig, ax = plots.plot_lr_schedules([(512, 4000), (512, 8000), (256, 4000)], steps=12000)
    curves = [line for line in ax.lines if len(line.get_xdata()) == 12000]
    assert len({str(line.get_linestyle()) for line in curves}) == 3
    assert ax.get_title().startswith("$") and "warmup" in ax.get_title()
    assert all(text.get_text().count("$") >= 2 for text in ax.get_legend().get_texts())
    assert audit(fig) == []


def test_ln_gradient_flow_fixes_the_colours_of_post_and_pre_ln_and_its_x_range(probe):
    post, pre = probe.measure(4, "post"), probe.measure(4, "pre")
    fig, (ax_p, ax_x) = plots.plot_ln_gradient_flow(post, pre)
    assert ax_p.get_xlim() == (0.5, 4.5) and ax_x.get_xlim() == (-0.5, 4.5)  # no empty half: up to the depth drawn
    for norm, m in (("post", post), ("pre", pre)):
        look = _LN_LOOK[norm]
        for ax, what, values in ((ax_p, "params", m.param_norms), (ax_p, "ffn", m.ffn_norms),
                                 (ax_x, "inputs", m.input_norms)):
            line = _gid(ax, f"{norm}_{what}")
            np.testing.assert_allclose(line.get_ydata(), values)
            assert line.get_color() == look["color"] and line.get_marker() == look["marker"]
    assert _LN_LOOK["post"]["color"] == PALETTE["vermillion"] and _LN_LOOK["pre"]["color"] == PALETTE["blue"]
    # one legend below both panels, each entry drawn like its line (colour, line style, marker and its face)
    assert ax_p.get_legend() is None and ax_x.get_legend() is None and len(fig.legends) == 1
    legend = fig.legends[0]
    for handle, text in zip(legend.legend_handles, legend.get_texts()):
        norm = "post" if text.get_text().startswith("post-LN") else "pre"
        line = _gid(ax_p, f"{norm}_{'ffn' if 'W_2' in text.get_text() else 'params'}")
        assert handle.get_color() == line.get_color() and handle.get_marker() == line.get_marker()
        assert handle.get_linestyle() == line.get_linestyle()
        assert mcolors.to_hex(handle.get_markerfacecolor()) == mcolors.to_hex(line.get_markerfacecolor())
    words = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))).lower()
    assert "red" not in words.split() and "blue" not in words and "grey" not in words  # the colours speak for themselves
    assert _gid(ax_p, "beyond").get_width() == 0 and not _gid(ax_p, "beyond_text").get_visible()
    assert audit(fig) == []


def test_ln_gradient_flow_shades_the_layers_beyond_the_stack_in_a_fixed_range(probe):
    fig, (ax_p, ax_x) = plots.plot_ln_gradient_flow(probe.measure(2, "post"), probe.measure(2, "pre"), max_layers=6)
    assert ax_p.get_xlim() == (0.5, 6.5)
    for ax in (ax_p, ax_x):
        span = _gid(ax, "beyond")
        assert (span.get_x(), span.get_x() + span.get_width()) == pytest.approx((2.5, 6.5))
        assert _gid(ax, "beyond_text").get_text() == "beyond layer 2"
    assert audit(fig) == []
    with pytest.raises(ValueError, match="max_layers: expected at least the depth measured"):
        plots.plot_ln_gradient_flow(probe.measure(4, "post"), probe.measure(4, "pre"), max_layers=3)


def test_layer_norm_gradient_explorer_figure_passes_the_audit_at_every_depth(probe):
    from helpers.widgets import LayerNormGradientExplorer
    explorer = LayerNormGradientExplorer(probe, n_layers=6)
    for depth in (6, 3, 1):
        explorer.depth_slider.value = depth
        assert audit(explorer.fig) == [], depth
        assert f"{depth} encoder layer" in explorer.fig._suptitle.get_text()


def test_multihead_diagram_shows_the_arrays_of_mha_forward():
    rng = make_rng(5)
    for h, d_model in ((2, 8), (5, 20)):
        params, x = init_mha(d_model, h, rng), rng.standard_normal((3, 4, d_model))
        _, cache = mha_forward(params, x, x, h)
        fig, ax = plots.draw_multihead(params, x, h)
        d_k = d_model // h
        assert "(3, 4, " + str(d_model) + ")" in _node(ax, "x") and "(3, 4, " + str(d_model) + ")" in _node(ax, "Q")
        assert f"{d_model} / {h} = {d_k}" in _node(ax, "split")
        assert str(cache.attention.q.shape) in _node(ax, "split")  # (N, h, T, d_k)
        shown = [1, 2, 3][:h] if h <= 3 else [1, 2, h]
        for i in shown:  # heads numbered from 1; head i reads columns (i - 1) d_k ... i d_k - 1
            text = _node(ax, f"head{i}")
            assert text.startswith(f"head {i}: columns {(i - 1) * d_k}:{i * d_k}")
            assert f"weights {cache.attention.weights[:, i - 1].shape}" in text
        assert not any(t.get_gid() == "node-head0" for t in ax.texts)
        assert str(cache.concat.shape) in _node(ax, "concat") and "(3, 4, " + str(d_model) + ")" in _node(ax, "out")
        assert audit(fig) == []


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_encoder_and_decoder_layer_diagrams_show_the_shapes_of_their_forward_pass(norm):
    rng = make_rng(6)
    enc_p, dec_p = init_encoder_layer(16, 4, 24, rng), init_decoder_layer(16, 4, 24, rng)
    x, y, memory = rng.standard_normal((2, 7, 16)), rng.standard_normal((2, 3, 16)), rng.standard_normal((2, 7, 16))
    _, enc_cache = encoder_layer_forward(enc_p, x, 4, norm=norm)
    _, dec_cache = decoder_layer_forward(dec_p, y, memory, 4, norm=norm)
    fig, ax = plots.plot_transformer_layers(enc_p, dec_p, x, y, memory, 4, norm=norm)
    assert str(enc_cache.caches["attn"].attention.weights.shape) in _node(ax, "encoder_attn")  # (2, 4, 7, 7)
    assert str(dec_cache.caches["self"].attention.weights.shape) in _node(ax, "decoder_self")  # (2, 4, 3, 3)
    assert str(dec_cache.caches["cross"].attention.weights.shape) in _node(ax, "decoder_cross")  # (2, 4, 3, 7)
    assert str(enc_cache.caches["ffn"].hidden.shape) in _node(ax, "encoder_ffn")
    assert "(2, 7, 16)" in _node(ax, "memory") and "(2, 3, 16)" in _node(ax, "decoder_out")
    residuals = [p for p in ax.patches if (p.get_gid() or "").startswith("bypass-")]
    assert len(residuals) == 5  # two in the encoder layer, three in the decoder layer
    norms = _texts(ax).count("layer norm") if norm == "pre" else _texts(ax).count("Add & Norm")
    assert norms == 5
    assert audit(fig) == []


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_transformer_diagram_frames_each_stack_with_its_number_of_layers(norm):
    rng = make_rng(7)
    params = init_transformer(9, 10, 12, 3, 20, 2, rng, norm=norm)
    src, tgt_in = rng.integers(1, 9, (2, 5)), rng.integers(1, 10, (2, 4))
    logits, cache = transformer_forward(params, src, tgt_in, 3, norm=norm)
    fig, ax = plots.draw_transformer(params, src, tgt_in, 3, norm=norm)
    texts = _texts(ax)
    assert "2 × encoder layer" in texts and "2 × decoder layer" in texts
    assert f"logits {logits.shape}" in texts and str(cache.encoder.memory.shape) in _node(ax, "memory")
    assert "src_embed (9, 12)" in _node(ax, "enc_emb") and "(5, 12)" in _node(ax, "enc_pe")
    assert "(4, 12)" in _node(ax, "dec_pe") and "out.W (12, 10)" in _node(ax, "linear")
    frames = [p for p in ax.patches if p.get_linestyle() == "--" and p.get_gid() is None]
    assert len(frames) == 2
    for frame, prefix in zip(frames, ("enc_", "dec_")):  # each frame holds its stack's sublayers
        box = frame.get_extents()
        for t in ax.texts:
            if (t.get_gid() or "").startswith(f"node-{prefix}") and t.get_text() in ("Add & Norm", "feed-forward"):
                assert box.contains(*ax.transData.transform(t.get_position()))
    assert ("final layer norm" in texts) == (norm == "pre")
    assert any(p.get_gid() == "edge-encoder-memory" for p in ax.patches)
    assert audit(fig) == []


def test_ln_wiring_draws_the_residual_stream_in_blue_with_each_jacobian():
    fig, (post, pre) = plots.plot_ln_wiring()
    assert any("J_\\mathrm{LN}\\,(I + " in t.get_text() for t in post.texts)
    assert any("I + (\\partial F / \\partial z)\\, J_\\mathrm{LN}" in t.get_text() for t in pre.texts)
    blue = mcolors.to_rgba(PALETTE["blue"])
    for ax, stream in ((post, {"edge-add-ln", "edge-ln-y"}), (pre, {"edge-add-y"})):
        coloured = {p.get_gid() for p in ax.patches if p.get_gid() and p.get_gid().startswith("edge-")
                    and np.allclose(p.get_edgecolor(), blue)}
        assert stream <= coloured and "edge-F-add" not in coloured  # the sublayer's own output is not the stream
    assert audit(fig) == []
