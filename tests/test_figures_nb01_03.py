"""The figures of notebooks 01-03 meet the course's figure standard (figure_audit.audit) and show the code's numbers:
the task types, the dense layer, the weather record, the RNN drawn compact, unrolled and neuron by neuron, the BPTT
flow and its explorer, truncated BPTT, learning curves and forecasts."""
import sys
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyArrowPatch, Rectangle

from helpers import plots, rnn
from helpers.losses import softmax_cross_entropy
from helpers.plots.style import PALETTE
from helpers.seeding import make_rng

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figure_audit import audit  # noqa: E402


@pytest.fixture(autouse=True)
def course_style():
    plots.use_course_style()
    yield
    plt.close("all")


def _texts(ax):
    return [t.get_text() for t in ax.texts]


# notebook 01 ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", plots.TASK_KINDS)
def test_task_panel_is_readable_and_every_arrow_joins_two_boxes(kind):
    fig, ax = plots.draw_task(kind)
    assert audit(fig) == []
    ex = plots.TASK_EXAMPLES[kind]
    texts = _texts(ax)
    for token in ex["inputs"] + ex["outputs"]:
        if token is not None:
            assert token in texts
    assert all(t.get_fontsize() >= 9 for t in ax.texts)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    boxes = {t.get_bbox_patch() for t in ax.texts if t.get_bbox_patch() is not None}
    assert arrows and all(a.patchA in boxes and a.patchB in boxes for a in arrows)  # no arrow starts beside a box
    T = len(ex["inputs"])
    gids = {a.get_gid() for a in arrows}
    assert {f"edge-h{t}-h{t + 1}" for t in range(T - 1)} <= gids  # the recurrence, left to right
    if kind == "bidirectional":
        assert {f"edge-b{t + 1}-b{t}" for t in range(T - 1)} <= gids  # and right to left
        assert {f"edge-x{t}-b{t}" for t in range(T)} | {f"edge-h{t}-y{t}" for t in range(T)} <= gids


def test_task_types_overview_and_the_seq2seq_example():
    fig, axes = plots.plot_task_types()
    assert audit(fig) == []
    assert [a.get_title() for a in axes] == [plots.TASK_EXAMPLES[k]["title"] for k in plots.TASK_KINDS]
    assert fig.get_size_inches()[0] <= 12.0
    key = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "hidden state (right → left)" in key and "generated output fed back as the next input" in key
    seq2seq = plots.TASK_EXAMPLES["seq2seq"]
    assert seq2seq["inputs"][:4] == ["Ich", "habe", "Tee", "getrunken"] and "verb at the end" not in seq2seq["caption"]


def test_custom_task_labels_in_mathtext():
    fig, ax = plots.draw_task("many-to-one", inputs=["day 10", "day 11"], outputs=[None, "max"],
                              hidden=["$h_{10}$", "$h_{11}$"], caption="two days")
    assert audit(fig) == [] and {"$h_{10}$", "$h_{11}$", "day 10", "max", "two days"} <= set(_texts(ax))


def test_dense_layer_sign_has_a_second_cue():
    W = np.array([[1.0, -0.5], [0.0, 2.0], [0.25, -2.0]])  # (H=3, D=2)
    fig, ax = plots.draw_dense_layer(W)
    assert audit(fig) == []
    for line, w in zip(ax.lines, W.ravel()):
        assert (line.get_linestyle() == "-") == (w > 0)
        assert to_rgba(line.get_color()) == to_rgba(PALETTE["vermillion"] if w > 0 else PALETTE["blue"])
    assert {"$x_{1}$", "$x_{2}$", "$y_{3}$"} <= set(_texts(ax))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["positive", "negative"]


def test_weather_record_and_order_figures():
    times = np.arange(np.datetime64("2012-01-01"), np.datetime64("2012-03-01"))  # (60,)
    rng = np.random.default_rng(0)
    t_max = 10 + rng.standard_normal(60).cumsum()
    fig, axes = plots.plot_weather_record(times, t_max, t_max - 5, rng.uniform(0, 9, 60), rng.uniform(1, 5, 60))
    assert audit(fig) == []
    np.testing.assert_array_equal(axes[0].lines[1].get_ydata(), t_max - 5)
    assert axes[0].get_xlim() == tuple(matplotlib.dates.date2num([times[0], times[-1]]))  # no margin past the data
    lags = np.arange(1, 11)
    acf, acf_shuffled = np.linspace(0.9, 0.6, 10), np.linspace(0.05, -0.05, 10)
    shuffled = rng.permutation(t_max[:30])
    fig, (ax0, ax1) = plots.plot_order_and_shuffle(t_max, shuffled, lags, acf, acf_shuffled)
    assert audit(fig) == []
    np.testing.assert_array_equal(ax0.lines[1].get_ydata(), shuffled)
    assert ax0.lines[0].get_marker() != ax0.lines[1].get_marker()
    bars = ax1.containers
    assert [b.get_height() for b in bars[0]] == pytest.approx(acf) and bars[1][0].get_hatch() == "///"


def test_other_figures_of_notebooks_00_and_01_pass_the_audit():
    fig, _ = plots.plot_sigmoid(w=2.0, b=-1.0)
    assert audit(fig) == []
    x = np.arange(12.0).reshape(4, 3, 1)  # (T=4, N=3, D=1)
    fig, _ = plots.plot_window(x, np.array([[10.0], [20.0], [30.0]]), n=1, horizon=2)
    assert audit(fig) == []
    rng = np.random.default_rng(0)
    fig, _ = plots.plot_semantic_vectors(rng.uniform(size=(6, 3, 5, 5)), rng.uniform(size=(6, 2)),
                                         np.array([0, 0, 0, 1, 1, 1]), n_show=2)
    assert audit(fig) == []


def test_sigmoid_explorer_still_moves_its_curves():
    from helpers.widgets import SigmoidExplorer
    explorer = SigmoidExplorer(w=1.0, b=0.0)
    assert audit(explorer.fig) == []
    explorer.w_slider.value = -2.0
    assert "w = -2.00" in explorer.ax.get_title()


# notebook 02 ---------------------------------------------------------------------------------------------------------

def _forward(D=3, H=4, K=2, T=4, N=2, seed=2):
    rng = make_rng(seed)
    p, out = rnn.init_params(D, H, rng), rnn.init_output_params(H, K, rng)
    x = rng.standard_normal((T, N, D))  # (T, N, D)
    h, cache = rnn.forward(p, x)  # (T, N, H)
    o, ocache = rnn.output_forward(out, h)  # (T, N, K)
    return p, out, x, h, o, cache, ocache, rng


def test_unrolled_rnn_prints_every_number_of_the_forward_pass():
    _, _, x, h, o, *_ = _forward()
    T, _, D = x.shape
    H, K = h.shape[2], o.shape[2]
    fig, (ax0, ax1) = plots.plot_rnn_views(x, h, o, seq=1)
    assert audit(fig) == []
    assert fig.get_size_inches()[0] <= 12.0
    cells = [p for p in ax1.patches if isinstance(p, Rectangle)]
    assert len(cells) == H + T * (D + H + K)
    printed = [t.get_text() for t in ax1.texts if t.get_position() in
               {(c.get_x() + c.get_width() / 2, c.get_y() + c.get_height() / 2) for c in cells}]
    expected = [f"{v:.2f}" for v in np.zeros(H)]
    for t in range(T):
        expected += [f"{v:.2f}" for v in x[t, 1]] + [f"{v:.2f}" for v in h[t, 1]] + [f"{v:.2f}" for v in o[t, 1]]
    assert printed == expected  # the values of sequence 1, in drawing order: h0, then x[t], h[t], o[t]
    # the colour repeats the value: hidden states on the fixed scale of the tanh
    cmap, norm = plt.get_cmap("RdBu_r"), plt.Normalize(-1, 1)
    for cell, value in zip(cells[H + D:H + D + H], h[0, 1]):
        np.testing.assert_allclose(cell.get_facecolor(), cmap(norm(value)))
    # the compact view: three nodes, U and V beside their arrows, W beside the self-loop
    assert {"$x_t$", "$h_t$", "$o_t$", "$U$", "$V$", "$W$"} <= set(_texts(ax0))
    assert any(p.get_gid() == "edge-h-h" for p in ax0.patches)


def test_neuron_drawing_has_one_connection_per_weight():
    p, out, *_ = _forward(D=2, H=3, K=1)
    U, W, V = p["U"], p["W"], out["V"]
    fig, ax = plots.draw_rnn_neurons(p, out)
    assert audit(fig) == []
    nodes = {t.get_gid() for t in ax.texts if (t.get_gid() or "").startswith("node-")}
    assert nodes == {f"node-x{i}" for i in range(2)} | {f"node-h{j}" for j in range(3)} | {"node-o0"}
    arrows = {a.get_gid(): a for a in ax.patches if isinstance(a, FancyArrowPatch)}
    expected = {f"U-{j}-{d}": U[j, d] for j in range(3) for d in range(2)}
    expected |= {f"W-{i}-{j}": W[i, j] for i in range(3) for j in range(3)}
    expected |= {f"V-0-{j}": V[0, j] for j in range(3)}
    assert set(arrows) == set(expected)
    for gid, w in expected.items():  # sign by colour and line style, size by width
        arrow = arrows[gid]
        assert to_rgba(arrow.get_edgecolor(), 1.0) == to_rgba(PALETTE["vermillion"] if w > 0 else PALETTE["blue"])
        assert (arrow.get_linestyle() == "-") == (w > 0)
    widths = {gid: arrows[gid].get_linewidth() for gid in expected}
    order = sorted(expected, key=lambda g: abs(expected[g]))
    assert [widths[g] for g in order] == sorted(widths.values())


def test_unrolled_neuron_drawing_repeats_the_same_weights():
    p, out, *_ = _forward(D=2, H=2, K=1)
    T = 3
    fig, ax = plots.draw_rnn_neurons_unrolled(p, out, T=T)
    assert audit(fig) == []
    nodes = [t for t in ax.texts if (t.get_gid() or "").startswith("node-")]
    assert len(nodes) == 2 + T * (2 + 2 + 1)  # the initial state, then x, h and o of every step
    arrows = {a.get_gid(): a for a in ax.patches if isinstance(a, FancyArrowPatch)}
    for t in range(T):
        for i in range(2):
            for j in range(2):
                copy, first = arrows[f"W{t}-{i}-{j}"], arrows[f"W0-{i}-{j}"]
                assert copy.get_linewidth() == first.get_linewidth()
                assert copy.get_linestyle() == first.get_linestyle() == ("-" if p["W"][i, j] > 0 else "--")
        assert arrows[f"U{t}-0-0"].get_alpha() < arrows[f"W{t}-0-0"].get_alpha()  # W at full strength
    assert {"$h_{0}$", "$x_{2}$", "$o_{1}$"} <= set(_texts(ax))
    fig, axes = plots.plot_rnn_neuron_views(p, out, T=3)
    assert audit(fig) == [] and fig.get_size_inches()[0] <= 12.0


def test_neuron_drawing_bad_input():
    p, out, *_ = _forward(D=2, H=2, K=1)
    with pytest.raises(ValueError, match=r"params\['W'\]: expected shape \(H, H\)"):
        plots.draw_rnn_neurons({"U": p["U"], "W": np.zeros((3, 3))})
    with pytest.raises(ValueError, match=r"out_params\['V'\]"):
        plots.draw_rnn_neurons(p, {"V": np.zeros((1, 3))})
    with pytest.raises(ValueError, match="T: expected an int from 1 to 6"):
        plots.draw_rnn_neurons_unrolled(p, out, T=0)


# notebook 03 ---------------------------------------------------------------------------------------------------------

def _bptt_run():
    p, out, x, h, o, cache, ocache, rng = _forward(D=3, H=4, K=3, T=5, N=1, seed=3)
    _, do = softmax_cross_entropy(o, rng.integers(0, 3, (5, 1)))
    dh, _ = rnn.output_backward(do, ocache)
    E = rnn.error_contributions(dh, cache)
    norms = np.linalg.norm(E.reshape(5, 5, -1), axis=-1)  # (T, T)
    parts = rnn.per_step_contributions(dh, cache)["W"][:, 0, 0]
    total = rnn.backward(dh, cache)[2]["W"][0, 0]
    return norms, parts, total


def test_bptt_flow_is_readable_and_uses_mathtext():
    norms, parts, total = _bptt_run()
    fig, (flow, src, summ) = plots.plot_bptt_flow(norms, parts, total, t=2)
    assert audit(fig) == []
    assert {f"$h_{{{s}}}$" for s in range(5)} | {f"$L_{{{s}}}$" for s in range(5)} <= set(_texts(flow))
    assert r"$\partial L/\partial h_{2}$" in flow.get_title() and "$L_{2}, \\dots, L_{4}$" in flow.get_title()
    assert r"$\partial L/\partial W_{00}$" in summ.get_title() and "dL/d" not in summ.get_ylabel()
    visible = {p.get_gid().split("-")[1] for p in flow.patches if (p.get_gid() or "").startswith("arc")
               and p.get_visible()}
    assert visible == {"2", "3", "4"}
    assert summ.lines[0].get_ydata()[-1] == pytest.approx(total)
    assert [b.get_linewidth() for b in summ.patches[:5]] == [0.5, 0.5, 2.0, 0.5, 0.5]  # step 2 stands out


def test_bptt_explorer_figure_is_readable_and_moves_existing_artists():
    from helpers.widgets import BPTTExplorer
    norms, parts, total = _bptt_run()
    explorer = BPTTExplorer(norms, parts, total, t=0)
    assert audit(explorer.fig) == []
    counts = [len(ax.get_children()) for ax in explorer.axes]
    explorer.t_slider.value = 4
    assert [len(ax.get_children()) for ax in explorer.axes] == counts
    assert "$L_{4}$ alone" in explorer.axes[0].get_title()
    assert audit(explorer.fig) == []


def test_truncation_figure():
    ks = np.arange(1, 11)
    truncation = {s: {"rel_error": np.geomspace(0.5, 1e-9 * s, 10), "cosine": np.linspace(0.5 * s, 1.0, 10)}
                  for s in (0.5, 1.0, 1.5)}
    fig, (ax0, ax1) = plots.plot_truncation(ks, truncation)
    assert audit(fig) == []
    np.testing.assert_array_equal(ax1.lines[2].get_ydata(), truncation[1.5]["cosine"])
    assert len({(line.get_linestyle(), line.get_marker()) for line in ax0.lines}) == 3
    assert ax0.get_xlim()[1] <= 10.5


def test_loss_curves_with_baseline_and_mark():
    fig, ax = plots.plot_loss_curves({"training": np.linspace(2.2, 1.2, 40), "validation": np.linspace(2.1, 2.6, 40)},
                                     ylabel="MAE (°C)", title="RNN learning curves",
                                     baselines={"persistence, validation": 2.15}, marks={"kept: epoch 6": 6})
    assert audit(fig) == []
    training, validation, baseline, mark = ax.lines
    assert baseline.get_ydata()[0] == 2.15 and mark.get_xdata()[0] == 6
    assert all(t.get_fontsize() >= 9 for t in ax.get_legend().get_texts())


def test_loss_curves_as_notebook_06_uses_them():
    fig, ax = plots.plot_loss_curves({"simple RNN (H = 32)": np.geomspace(0.17, 0.06, 31),
                                      "LSTM (H = 16)": np.geomspace(0.17, 4e-4, 31)},
                                     xlabel="training step", ylabel="held-out MSE (log scale)",
                                     baselines={"predict the mean: 1/6": 1 / 6}, logy=True)
    for line in ax.lines[:2]:
        line.set_xdata(np.arange(0, 1501, 50))  # notebook 06 scores every 50 steps
    ax.relim()
    ax.autoscale_view()
    assert audit(fig) == []
    assert ax.get_xlim()[1] == pytest.approx(1500, rel=0.05) and ax.get_yscale() == "log"


def test_forecast_figure():
    days = np.arange(np.datetime64("2015-06-12"), np.datetime64("2015-06-26"))  # (14,)
    observed = np.linspace(20, 30, 14)
    fig, ax = plots.plot_forecasts(days, observed, {"persistence (the day before)": observed - 1, "RNN": observed + 1},
                                   ylabel="max temperature [°C]")
    assert audit(fig) == []
    np.testing.assert_array_equal(ax.lines[2].get_ydata(), observed + 1)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["observed", "persistence (the day before)", "RNN"]
