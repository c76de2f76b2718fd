"""Figures and the explorer of notebook 09 (the Transformer): they draw the numbers they are given, and the
explorer moves its existing artists to new, finite measurements."""
import numpy as np
import pytest

from helpers.plots.style import artist_by_gid
from helpers import plots
from helpers.plots.transformer import _LN_LOOK
from helpers.attention import positional_encoding
from helpers.optim import transformer_lr
from helpers.seeding import make_rng
from helpers.gradflow import EncoderStackProbe


_gid = artist_by_gid


def test_attention_heads_draw_each_heads_weights(rng):
    scores = rng.standard_normal((3, 4, 5))  # (h, Tq, Tk)
    weights = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
    fig, axes = plots.plot_attention_heads(weights, tokens=list("abcde"), titles=["x", "y", "z"])
    assert len(axes) == 3
    for i, ax in enumerate(axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), weights[i])
        assert ax.get_title() == "xyz"[i]
    assert [t.get_text() for t in axes[0].get_xticklabels()] == list("abcde")
    with pytest.raises(ValueError, match=r"weights: expected shape \(h, Tq, Tk\)"):
        plots.plot_attention_heads(weights[0])
    with pytest.raises(ValueError, match="titles: expected 3 titles"):
        plots.plot_attention_heads(weights, titles=["only one"])


def test_positional_encoding_figure_shows_the_encoding_and_shift_invariant_similarity():
    pe = positional_encoding(60, 16)  # (60, 16)
    fig, (ax_img, ax_sim) = plots.plot_positional_encoding(pe, reference_positions=(10, 30), max_distance=10)
    np.testing.assert_array_equal(ax_img.images[0].get_array(), pe)
    k = np.arange(-10, 11)
    lines = ax_sim.lines[:2]
    np.testing.assert_array_equal(lines[0].get_xdata(), k)
    np.testing.assert_allclose(lines[0].get_ydata(), pe[10 + k] @ pe[10])
    np.testing.assert_allclose(lines[1].get_ydata(), pe[30 + k] @ pe[30])
    np.testing.assert_allclose(lines[0].get_ydata(), lines[1].get_ydata(), atol=1e-12)  # the point of the figure
    assert lines[0].get_ydata()[10] == pytest.approx(8.0)  # PE[p] . PE[p] = d_model / 2
    with pytest.raises(ValueError, match="reference_positions: expected positions in"):
        plots.plot_positional_encoding(pe, reference_positions=(55,), max_distance=10)


def test_layer_norm_token_bars_are_the_vectors(rng):
    x = 2.0 + rng.standard_normal(8)
    y = (x - x.mean()) / x.std()
    fig, (ax_x, ax_y) = plots.plot_layer_norm_token(x, y)
    np.testing.assert_allclose([p.get_height() for p in ax_x.patches if p.get_width() == 0.7], x)
    np.testing.assert_allclose([p.get_height() for p in ax_y.patches if p.get_width() == 0.7], y)
    assert ax_x.lines[0].get_ydata()[0] == pytest.approx(x.mean())
    with pytest.raises(ValueError, match="y: expected the shape of x"):
        plots.plot_layer_norm_token(x, y[:3])


@pytest.fixture(scope="module")
def probe():
    return EncoderStackProbe(make_rng(3), d_model=16, h=2, d_ff=32, max_layers=5, T=4, N=2, vocab=7)


def test_ln_gradient_flow_figure_draws_the_measurements(probe):
    post, pre = probe.measure(4, "post"), probe.measure(4, "pre")
    fig, (ax_p, ax_x) = plots.plot_ln_gradient_flow(post, pre, max_layers=5)
    for m in (post, pre):
        np.testing.assert_array_equal(_gid(ax_p, f"{m.norm}_params").get_xdata(), [1, 2, 3, 4])
        np.testing.assert_allclose(_gid(ax_p, f"{m.norm}_params").get_ydata(), m.param_norms)
        np.testing.assert_allclose(_gid(ax_p, f"{m.norm}_ffn").get_ydata(), m.ffn_norms)
        np.testing.assert_allclose(_gid(ax_x, f"{m.norm}_inputs").get_ydata(), m.input_norms)
        for ax, gid in ((ax_p, "params"), (ax_p, "ffn"), (ax_x, "inputs")):  # each placement keeps its colour
            assert _gid(ax, f"{m.norm}_{gid}").get_color() == _LN_LOOK[m.norm]["color"]
    assert "4 encoder layers" in fig._suptitle.get_text() and "post-LN" in fig._suptitle.get_text()
    plots.update_ln_gradient_flow(fig, (ax_p, ax_x), probe.measure(2, "post"), probe.measure(2, "pre"))
    np.testing.assert_allclose(_gid(ax_p, "pre_params").get_ydata(), probe.measure(2, "pre").param_norms)
    assert "2 encoder layers" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="post, pre: expected a post-LN and a pre-LN measurement"):
        plots.plot_ln_gradient_flow(pre, post)
    with pytest.raises(ValueError, match="pre: expected the depth of post"):
        plots.plot_ln_gradient_flow(post, probe.measure(2, "pre"))


def test_lr_schedules_mark_the_peak_at_warmup():
    settings = [(512, 4000), (64, 500)]
    fig, ax = plots.plot_lr_schedules(settings, steps=10000)
    curves = [line for line in ax.lines if len(line.get_xdata()) == 10000]
    peaks = [line for line in ax.lines if len(line.get_xdata()) == 1]
    for (d, w), curve, peak in zip(settings, curves, peaks):
        np.testing.assert_allclose(curve.get_ydata(), transformer_lr(np.arange(1, 10001), d, w))
        assert peak.get_xdata()[0] == w
        assert peak.get_ydata()[0] == pytest.approx(max(curve.get_ydata()))
        assert peak.get_ydata()[0] == pytest.approx((d * w) ** -0.5)


def test_layer_norm_gradient_explorer_moves_its_artists_to_new_measurements(probe):
    from helpers.widgets import LayerNormGradientExplorer
    explorer = LayerNormGradientExplorer(probe, n_layers=3)
    ax_p, ax_x = explorer.axes
    gids = [(ax, f"{norm}_{what}") for norm in ("post", "pre") for ax, what in ((ax_p, "params"), (ax_p, "ffn"),
                                                                                (ax_x, "inputs"))]
    lines = {gid: _gid(ax, gid) for ax, gid in gids}
    n_children = [len(ax.get_children()) for ax in explorer.axes]
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in explorer.axes]
    seen = [lines["post_params"].get_ydata().copy()]
    for value in (explorer.depth_slider.max, 2, explorer.depth_slider.min, 4):
        explorer.depth_slider.value = value
        post, pre = probe.measure(value, "post"), probe.measure(value, "pre")
        np.testing.assert_allclose(lines["post_params"].get_ydata(), post.param_norms)
        np.testing.assert_allclose(lines["pre_params"].get_ydata(), pre.param_norms)
        np.testing.assert_allclose(lines["post_inputs"].get_ydata(), post.input_norms)
        assert len(lines["pre_inputs"].get_xdata()) == value + 1
        for line in lines.values():
            assert np.all(np.isfinite(line.get_ydata()))
        assert f"{value} encoder layer" in explorer.fig._suptitle.get_text()
        beyond = _gid(ax_p, "beyond")  # the layers beyond the stack are shaded, up to the fixed right edge
        assert beyond.get_x() == pytest.approx(value + 0.5)
        assert beyond.get_x() + beyond.get_width() == pytest.approx(ax_p.get_xlim()[1])
        assert _gid(ax_p, "beyond_text").get_visible() == (value < probe.max_layers)
        assert not any(np.array_equal(lines["post_params"].get_ydata(), s) for s in seen)  # the data changed
        seen.append(lines["post_params"].get_ydata().copy())
        assert [len(ax.get_children()) for ax in explorer.axes] == n_children  # same artists
        assert all(_gid(ax, gid) is lines[gid] for ax, gid in gids)
        assert [(ax.get_xlim(), ax.get_ylim()) for ax in explorer.axes] == limits  # fixed axes
    assert lines["post_params"].get_color() == _LN_LOOK["post"]["color"]
    assert explorer.image.value[:4] == b"\x89PNG"


def test_layer_norm_gradient_explorer_builds_without_arguments():
    from helpers.widgets import LayerNormGradientExplorer
    explorer = LayerNormGradientExplorer()
    assert explorer.depth_slider.max == explorer.probe.max_layers == 12
    assert explorer.depth_slider.value == 12
    with pytest.raises(ValueError, match="n_layers: expected 1 ... 12"):
        LayerNormGradientExplorer(explorer.probe, n_layers=13)
