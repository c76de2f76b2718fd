"""Figures and widgets: drawn from the code's numbers, and widgets move existing artists."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import plots
from helpers.numerics import sigmoid



def test_plot_sigmoid_draws_the_function():
    fig, ax = plots.plot_sigmoid(w=2.0, b=-1.0)
    lines = {line.get_gid(): line for line in ax.lines}
    x = lines["value"].get_xdata()
    np.testing.assert_allclose(lines["value"].get_ydata(), sigmoid(2 * x - 1))
    assert np.isclose(lines["slope"].get_ydata().max(), 0.5, atol=1e-3)  # w / 4
    assert "w = 2.00" in ax.get_title() and ax.get_xlabel() == "x"


def test_sigmoid_explorer_updates_existing_artists():
    from helpers.widgets import SigmoidExplorer
    explorer = SigmoidExplorer(w=1.0, b=0.0)
    line = [l for l in explorer.ax.lines if l.get_gid() == "value"][0]
    n_artists = len(explorer.ax.get_children())
    before = line.get_ydata().copy()
    explorer.w_slider.value = 3.0
    explorer.b_slider.value = 1.0
    after = line.get_ydata()
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, sigmoid(3.0 * line.get_xdata() + 1.0))
    assert "w = 3.00, b = 1.00" in explorer.ax.get_title()
    assert len(explorer.ax.get_children()) == n_artists  # same artists, new data
    assert [l for l in explorer.ax.lines if l.get_gid() == "value"][0] is line


def test_static_twin_and_widget_draw_the_same_data():
    from helpers.widgets import SigmoidExplorer
    explorer = SigmoidExplorer(w=1.5, b=0.5)
    _, ax = plots.plot_sigmoid(w=1.5, b=0.5)
    for a, b in zip(explorer.ax.lines, ax.lines):
        np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())


def test_dense_layer_diagram_encodes_the_weights():
    W = np.array([[1.0, -0.5], [0.0, 2.0], [0.25, -2.0]])  # (H=3, D=2)
    fig, ax = plots.draw_dense_layer(W)
    assert len(ax.lines) == 6  # one connection per weight
    widths = [l.get_linewidth() for l in ax.lines]
    assert np.argmax(widths) in (3, 5)  # |W| = 2 are the widest
    assert "2 inputs → 3 outputs" in ax.get_title()


@pytest.mark.parametrize("kind", plots.TASK_KINDS)
def test_task_diagrams(kind):
    fig, ax = plots.draw_task(kind)
    texts = [t.get_text() for t in ax.texts]
    ex = plots.TASK_EXAMPLES[kind]
    for token in ex["inputs"] + ex["outputs"]:
        if token is not None:
            assert token in texts
    assert ax.get_title() == ex["title"]


def test_task_diagram_custom_labels():
    fig, ax = plots.draw_task("many-to-one", inputs=["a", "b"], outputs=[None, "c"], hidden=["h7", "h8"])
    texts = [t.get_text() for t in ax.texts]
    assert {"a", "b", "c", "h7", "h8"} <= set(texts) and "h1" not in texts


def test_task_diagram_bad_input():
    with pytest.raises(ValueError, match="kind: expected one of"):
        plots.draw_task("many-to-some")
    with pytest.raises(ValueError, match="hidden: expected one label per time step"):
        plots.draw_task("many-to-one", hidden=["a"])
    with pytest.raises(ValueError, match="outputs: expected one entry per time step"):
        plots.draw_task("many-to-one", inputs=["a", "b"], outputs=["c"])


def test_overview_and_data_figures():
    fig, axes = plots.plot_task_types()
    assert [a.get_title() for a in axes.flat][:5] == [plots.TASK_EXAMPLES[k]["title"] for k in plots.TASK_KINDS]
    x = np.arange(12.0).reshape(4, 3, 1)  # (T=4, N=3, D=1)
    y = np.array([[10.0], [20.0], [30.0]])
    fig, ax = plots.plot_window(x, y, n=1, horizon=2)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), x[:, 1, 0])
    assert ax.lines[1].get_xdata()[0] == 5 and ax.lines[1].get_ydata()[0] == 20.0
    fig, ax = plots.plot_series(np.arange(5), np.arange(5.0) ** 2, "°C", title="t", label="curve")
    assert ax.get_ylabel() == "°C" and ax.lines[0].get_label() == "curve"
    rng = np.random.default_rng(0)
    fig, axes = plots.plot_semantic_vectors(rng.uniform(size=(6, 3, 5, 5)), rng.uniform(size=(6, 2)),
                                            np.array([0, 0, 0, 1, 1, 1]), n_show=2)
    assert len(axes) == 5 and axes[-1].get_xlabel().startswith("feature 1")


def _small_rnn_run():
    from helpers import rnn
    from helpers.losses import softmax_cross_entropy
    from helpers.seeding import make_rng
    rng = make_rng(3)
    T, N, D, H, K = 5, 1, 2, 3, 2
    p, out = rnn.init_params(D, H, rng), rnn.init_output_params(H, K, rng)
    x = rng.standard_normal((T, N, D))
    h, cache = rnn.forward(p, x)
    o, ocache = rnn.output_forward(out, h)
    _, do = softmax_cross_entropy(o, rng.integers(0, K, (T, N)))
    dh, _ = rnn.output_backward(do, ocache)
    E = rnn.error_contributions(dh, cache)
    norms = np.linalg.norm(E.reshape(T, T, -1), axis=-1)  # (T, T)
    parts = rnn.per_step_contributions(dh, cache)["W"][:, 0, 0]
    total = rnn.backward(dh, cache)[2]["W"][0, 0]
    return x, h, o, norms, parts, total


def test_unrolled_rnn_is_coloured_by_the_forward_pass():
    x, h, o, *_ = _small_rnn_run()
    fig, (ax0, ax1) = plots.plot_rnn_views(x, h, o)
    T, _, D = x.shape
    H, K = h.shape[2], o.shape[2]
    cells = [p for p in ax1.patches if p.__class__.__name__ == "Rectangle"]
    assert len(cells) == H + T * (D + H + K)  # h0, then x, h, o at every step
    cmap, norm = plt.get_cmap("RdBu_r"), plt.Normalize(-1, 1)
    h_cells = cells[H + D:H + D + H]  # step 0: after h0 (H cells) and x[0] (D cells)
    for cell, value in zip(h_cells, h[0, 0]):
        np.testing.assert_allclose(cell.get_facecolor(), cmap(norm(value)))
    labels = [t.get_text() for t in ax1.texts]
    assert labels.count("$U$") == labels.count("$W$") == labels.count("$V$") == T  # the same weights at every step
    assert ax0.get_title() == "compact (black-box) view"


def test_bptt_flow_static_and_widget():
    from helpers.widgets import BPTTExplorer
    *_, norms, parts, total = _small_rnn_run()
    fig, (flow, src, summ) = plots.plot_bptt_flow(norms, parts, total, t=1)
    visible = {p.get_gid() for p in flow.patches if (p.get_gid() or "").startswith("arc") and p.get_visible()}
    assert {g.split("-")[1] for g in visible} == {"1", "2", "3", "4"}  # losses 1..4 feed h[1]
    assert [b.get_height() for b in src.patches] == pytest.approx(list(norms[:, 1]))
    assert summ.lines[0].get_ydata()[-1] == pytest.approx(total)  # the running sum ends at the gradient
    explorer = BPTTExplorer(norms, parts, total, t=0)
    n_patches = len(explorer.axes[0].patches)
    explorer.t_slider.value = 3
    visible = {p.get_gid().split("-")[1] for p in explorer.axes[0].patches
               if (p.get_gid() or "").startswith("arc") and p.get_visible()}
    assert visible == {"3", "4"}
    assert [b.get_height() for b in explorer.axes[1].patches] == pytest.approx(list(norms[:, 3]))
    assert len(explorer.axes[0].patches) == n_patches
    assert "step t = 3" in explorer.axes[0].get_title()
    with pytest.raises(ValueError, match=r"t: expected a step in \[0, 5\)"):
        plots.update_bptt_flow(fig, (flow, src, summ), 5)


def test_loss_curves_and_progress_display():
    fig, ax = plots.plot_loss_curves({"train": [3.0, 2.0, 1.5], "val": [3.2, 2.5, 2.4]},
                                     baselines={"persistence": 2.2}, ylabel="MAE")
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [3.2, 2.5, 2.4])
    assert ax.lines[2].get_ydata()[0] == 2.2 and ax.get_ylabel() == "MAE"
    from helpers.widgets import ProgressDisplay
    progress = ProgressDisplay(total=4, description="epoch")
    progress.update(2, loss=0.5)
    assert progress.bar.value == 2 and progress.label.value == "2 / 4   loss 0.5"
    with pytest.raises(ValueError, match="total: expected a positive int"):
        ProgressDisplay(total=0)


def _lstm_node_texts(ax):
    return {t.get_gid()[5:]: t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("node-")}


def _printed(name, value):
    return f"{value:.2f}" if name in ("i", "f", "o") else f"{value:+.2f}".replace("-", "\u2212")


def test_lstm_views_show_the_cache_values():
    from helpers import lstm
    from helpers.seeding import make_rng
    from helpers.widgets import LSTMExplorer
    rng = make_rng(4)
    params = lstm.init_params(3, 4, rng)
    x = rng.standard_normal((5, 2, 3))
    y, cache = lstm.forward(params, x)
    values = plots.lstm_step_values(cache, 2, seq=1, unit=3)
    assert values["f"] == pytest.approx(cache.f[2, 1, 3]) and values["c_prev"] == pytest.approx(cache.c[1, 1, 3])
    fig, (circuit, odyssey) = plots.plot_lstm_views(values, peepholes=True, t=2)
    for ax in (circuit, odyssey):
        texts = _lstm_node_texts(ax)
        for name in ("z", "i", "f", "o", "c", "c_prev", "tanh_c", "y", "y_prev"):  # both views show every quantity
            assert texts[name].split("\n")[-1] == _printed(name, values[name]), name
        assert texts["x"].endswith(f"{values['x']:.2f}")
    explorer = LSTMExplorer(params, x, t=0, seq=1, unit=3)
    n_patches = [len(ax.patches) for ax in explorer.axes]
    explorer.t_slider.value = 4
    assert _lstm_node_texts(explorer.axes[1])["f"].endswith(_printed("f", cache.f[4, 1, 3]))
    explorer.peephole_box.value = False
    peeps = [p for p in explorer.axes[0].patches if (p.get_gid() or "").startswith("peephole")]
    assert peeps and not any(p.get_visible() for p in peeps)
    without = {k: v for k, v in params.items() if k not in lstm.PEEPHOLES}
    _, cache_np = lstm.forward(without, x)
    assert _lstm_node_texts(explorer.axes[0])["c"].endswith(_printed("c", cache_np.c[4, 1, 3]))
    assert [len(ax.patches) for ax in explorer.axes] == n_patches
    with pytest.raises(ValueError, match=r"t: expected a step in \[0, 5\)"):
        plots.lstm_step_values(cache, 5)


def test_computational_graph_figure():
    from helpers.plots.style import CYCLE_COLOURS
    nodes = {"x": (0, 0), "u": (1, 1), "v": (1, -1), "L": (2, 0)}
    edges = [("x", "u", "2x"), ("x", "v", "cos x"), ("u", "L", "w"), ("v", "L", "u + 1")]
    fig, ax = plots.draw_computational_graph(nodes, edges, title="g", highlight=[[("x", "u"), ("u", "L")]])
    labels = {t.get_text(): t.get_color() for t in ax.texts}
    assert {"x", "u", "v", "L", "2x", "cos x"} <= set(labels)
    assert labels["2x"] == labels["w"] == CYCLE_COLOURS[0] and labels["cos x"] == "black"
    assert ax.get_title() == "g"


# --------------------------------------------------------------------------- notebook 07: gradient clipping

def _lines(*axes):
    return {line.get_gid(): line for ax in axes for line in ax.lines if line.get_gid()}


def test_error_surface_figure_shows_the_computed_surface_and_the_cliff():
    from helpers import scalar_rnn
    w, b, E = scalar_rnn.error_surface(n=40)
    fig, (ax, ax_E, ax_g) = plots.plot_error_surface(w, b, E, section_w=5.0)
    np.testing.assert_array_equal(ax.images[0].get_array(), E)
    cliff = _lines(ax)["cliff"]
    np.testing.assert_allclose(cliff.get_ydata(), scalar_rnn.cliff_line(cliff.get_xdata()))
    assert cliff.get_xdata().min() == pytest.approx(1 / (sigmoid(0.5) * (1 - sigmoid(0.5))), abs=0.03)
    b_line, E_line = ax_E.lines[0].get_xdata(), ax_E.lines[0].get_ydata()
    np.testing.assert_allclose(E_line, scalar_rnn.forward(5.0, b_line)[0])
    assert ax_g.lines[0].get_ydata().max() > 100  # the wall: far steeper than the plateaus
    assert ax.get_xlabel().startswith("w") and ax.get_ylabel().startswith("b")
    fig, ax = plots.plot_error_surface(w, b, E, section_w=None)
    assert len(fig.axes) == 2  # the surface and its colour bar
    with pytest.raises(ValueError, match=r"E: expected shape \(len\(b\), len\(w\)\) = \(40, 40\), got \(40, 39\)"):
        plots.plot_error_surface(w, b, E[:, 1:])


def test_clipping_descent_draws_both_descents():
    from helpers import scalar_rnn
    surface = scalar_rnn.error_surface(**plots.DESCENT_VIEW, n=30)
    fig, (ax, ax_E) = plots.plot_clipping_descent(5.5, -1.5, lr=1.0, max_norm=0.5, steps=60, surface=surface)
    path = scalar_rnn.gradient_descent(np.array([5.5, 5.5]), np.array([-1.5, -1.5]), 1.0, 60,
                                       max_norm=np.array([np.inf, 0.5]))
    lines = _lines(ax, ax_E)
    for i, name in enumerate(("unclipped", "clipped")):
        np.testing.assert_array_equal(lines[f"path-{name}"].get_xdata(), path.w[:, i])
        np.testing.assert_array_equal(lines[f"path-{name}"].get_ydata(), path.b[:, i])
        np.testing.assert_allclose(lines[f"error-{name}"].get_ydata(), np.maximum(path.E[:, i], 1e-12))
    assert len(lines["clipped-steps"].get_xdata()) == path.clipped[:, 1].sum() > 0
    # the unclipped descent is thrown off the plotted area; its exit marker sits on the border
    (x_exit,), (y_exit,) = lines["exit-unclipped"].get_data()
    (w_lo, w_hi), (b_lo, b_hi) = ax.get_xlim(), ax.get_ylim()
    assert np.isclose(x_exit, [w_lo, w_hi]).any() or np.isclose(y_exit, [b_lo, b_hi]).any()
    assert len(lines["exit-clipped"].get_xdata()) == 0
    text = [t for t in ax.texts if t.get_gid() == "exit-text"][0]
    assert text.get_visible() and text.get_text().startswith("unclipped: left the plot at step")
    # the clipped error zigzags: the title summarises the last 20 steps by their median, not by the last value
    median = np.median(path.E[-20:], axis=0)  # (2,)
    assert ax_E.get_title(loc="right").endswith(f"median E, last 20: {median[0]:.2g} vs {median[1]:.2g} clipped")
    assert f"{path.E[-1, 1]:.2g} clipped" not in ax_E.get_title(loc="right")


def _artist_data(explorer):
    ax, ax_E = explorer.axes
    return {gid: np.concatenate([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
            for gid, line in _lines(ax, ax_E).items()}


def test_clipping_explorer_moves_its_artists_at_every_slider_extreme():
    from helpers import scalar_rnn
    from helpers.widgets import ClippingExplorer
    surface = scalar_rnn.error_surface(**plots.DESCENT_VIEW, n=30)
    explorer = ClippingExplorer(surface=surface, steps=40)
    ax, ax_E = explorer.axes
    artists = _lines(ax, ax_E)
    children = [list(a.get_children()) for a in explorer.axes]
    image = ax.images[0]
    for slider in (explorer.lr_slider, explorer.threshold_slider, explorer.w0_slider, explorer.b0_slider):
        for value in (slider.min, slider.max) if slider.__class__.__name__ == "FloatSlider" else \
                (slider.base ** slider.min, slider.base ** slider.max):
            before = _artist_data(explorer)
            slider.value = value  # no RuntimeWarning: the test suite turns them into errors
            after = _artist_data(explorer)
            changed = [g for g in before
                       if before[g].shape != after[g].shape or not np.array_equal(before[g], after[g])]
            assert changed, (slider.description, value)
            for gid, data in after.items():
                assert np.isfinite(data).all(), (slider.description, value, gid)
            assert _lines(ax, ax_E) == artists  # the same Line2D objects, moved, not rebuilt
            assert [list(a.get_children()) for a in explorer.axes] == children
            assert ax.images[0] is image
    assert f"threshold {explorer.threshold_slider.value:.3g}" in ax.get_title()


def test_clipping_explorer_shows_an_overflowing_descent_as_leaving_the_plot():
    from helpers import scalar_rnn
    from helpers.widgets import ClippingExplorer
    surface = scalar_rnn.error_surface(**plots.DESCENT_VIEW, n=30)
    explorer = ClippingExplorer(surface=surface, steps=60)
    explorer.lr_slider.value = 10 ** explorer.lr_slider.max
    explorer.threshold_slider.value = 10 ** explorer.threshold_slider.max  # practically no clipping
    lines = _lines(*explorer.axes)
    assert len(lines["exit-unclipped"].get_xdata()) == 1
    text = [t for t in explorer.axes[0].texts if t.get_gid() == "exit-text"][0].get_text()
    assert "left the plot" in text
    for line in lines.values():
        assert np.isfinite(np.asarray(line.get_xydata(), float)).all()


def test_clipping_directions_figure():
    fig, (ax_n, ax_v) = plots.plot_clipping_directions(g=(3.0, 1.0), threshold=1.0)
    arrows = {a.get_gid(): a for a in ax_n.texts if a.get_gid()}
    np.testing.assert_allclose(arrows["arrow-clipped"].xy, np.array([3.0, 1.0]) / np.sqrt(10.0))
    arrows = {a.get_gid(): a for a in ax_v.texts if a.get_gid()}
    np.testing.assert_allclose(arrows["arrow-clipped"].xy, [1.0, 1.0])
    np.testing.assert_allclose(arrows["arrow-gradient"].xy, [3.0, 1.0])
    assert "direction kept" in ax_n.get_title()
    turn = 45.0 - np.degrees(np.arctan2(1.0, 3.0))
    assert f"turned by {turn:.1f}°" in ax_v.get_title()
    with pytest.raises(ValueError, match=r"g: expected shape \(2,\), got \(3,\)"):
        plots.plot_clipping_directions(g=(1.0, 2.0, 3.0))
