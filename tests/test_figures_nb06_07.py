"""The figures of notebooks 06 (vanishing and exploding gradients) and 07 (gradient clipping): each passes the
figure audit (tests/figure_audit.py) and shows the data it is given."""
import matplotlib
import numpy as np
import pytest
from figure_audit import audit

from helpers import plots, scalar_rnn
from helpers.gradflow import GradientFlowProbe
from helpers.numerics import sigmoid, sigmoid_derivative
from helpers.plots.style import PALETTE
from helpers.seeding import make_rng


@pytest.fixture(autouse=True)
def course_style():
    """The notebooks' matplotlib settings, for this test only."""
    with matplotlib.rc_context():
        plots.use_course_style()
        yield


@pytest.fixture(scope="module")
def probe():
    return GradientFlowProbe(make_rng(6), max_steps=60, max_hidden=16, input_size=3)


def _by_gid(*axes):
    return {line.get_gid(): line for ax in axes for line in ax.lines if line.get_gid()}


def _legend_texts(ax_or_fig):
    legend = ax_or_fig.get_legend() if hasattr(ax_or_fig, "get_legend") else ax_or_fig.legends[0]
    return [t.get_text() for t in legend.get_texts()]


# --------------------------------------------------------------------------- notebook 06

def test_flow_limits_follow_the_data_in_steps_of_five_decades():
    low, high = plots.flow_limits([np.array([1.0, 1e-3, 1e-41]), np.array([0.0, np.inf])])  # 0 and inf ignored
    assert (low, high) == (1e-45, 1e5)
    assert plots.flow_limits([np.array([1e3, 1e12])]) == (1e0, 1e15)
    # an explorer keeps its limits while the data fit and fill at least half of them ...
    assert plots.flow_limits([np.array([1.0, 1e-30])], current=(1e-45, 1e5)) == (1e-45, 1e5)
    # ... and not when the data leave them, or fill too little of them
    assert plots.flow_limits([np.array([1.0, 1e-50])], current=(1e-45, 1e5)) == (1e-55, 1e5)
    assert plots.flow_limits([np.array([1.0, 1e-5])], current=(1e-45, 1e5)) == (1e-10, 1e5)
    assert plots.flow_limits([np.array([1.0, 1e-320])])[0] == 1e-300  # float64's range, not beyond


def test_gradient_flow_figure_is_readable_and_shows_the_measurements(probe):
    r, l = probe.rnn(1.0, 50, 12), probe.lstm(1.0, 50, 12, forget_bias=0.0)
    fig, (ax_rnn, ax_lstm) = plots.plot_gradient_flow(r, l)
    assert audit(fig) == []
    lines = _by_gid(ax_rnn, ax_lstm)
    for gid, values in (("norms", r.norms), ("bound", r.bound), ("dc", l.dc_norms), ("dy", l.dy_norms),
                        ("path", l.cell_path)):
        np.testing.assert_allclose(lines[gid].get_ydata(), values)
        np.testing.assert_array_equal(lines[gid].get_xdata(), r.lags if gid in ("norms", "bound") else l.lags)
    # the y-limits: every measured norm inside, no more than 5 decades of room on either side
    measured = np.concatenate([r.norms, l.dc_norms, l.dy_norms, l.cell_path])
    low, high = ax_rnn.get_ylim()
    assert low < measured.min() and measured.max() < high
    assert np.log10(measured.min() / low) <= 5.5 and np.log10(high / measured.max()) <= 5.5
    # legends in mathtext, below the axes (where no curve can reach them)
    assert _legend_texts(ax_rnn) == [r"measured $\|\partial L/\partial h_k\|$ (BPTT)",
                                     r"bound $(\gamma\lambda_1)^{T-1-k}$"]
    assert any(r"\odot \partial L/\partial c_{T-1}" in t for t in _legend_texts(ax_lstm))
    for ax in (ax_rnn, ax_lstm):
        assert ax.get_legend().get_bbox_to_anchor().y1 < ax.bbox.y0
    # the two measured LSTM norms and the cell path differ by line style, not by colour alone
    assert len({lines[g].get_linestyle() for g in ("dc", "dy", "path")}) == 3
    note = next(t for t in ax_rnn.texts if t.get_gid() == "note")
    assert not note.get_visible()


def test_gradient_flow_figure_names_an_underflow_and_draws_it_on_the_edge(probe):
    r, l = probe.rnn(1.0, 30, 8), probe.lstm(1.0, 30, 8)
    norms = r.norms.copy()
    norms[:3] = 0.0  # as if the three earliest steps had underflowed
    fig, (ax_rnn, _) = plots.plot_gradient_flow(r._replace(norms=norms), l)
    line = _by_gid(ax_rnn)["norms"]
    np.testing.assert_array_equal(line.get_ydata()[:3], ax_rnn.get_ylim()[0])
    note = next(t for t in ax_rnn.texts if t.get_gid() == "note")
    assert note.get_visible() and "exactly 0 (underflow)" in note.get_text() and note.get_fontsize() >= 9
    assert audit(fig) == []


def test_gradient_flow_update_keeps_limits_only_while_the_data_fit(probe):
    fig, axes = plots.plot_gradient_flow(probe.rnn(1.0, 60, 16), probe.lstm(1.0, 60, 16))
    before = axes[0].get_ylim()
    plots.update_gradient_flow(axes, probe.rnn(1.2, 60, 16), probe.lstm(1.2, 60, 16), keep_limits=True)
    assert axes[0].get_ylim() == before  # similar data: the explorer redraws only the curves
    plots.update_gradient_flow(axes, probe.rnn(6.0, 60, 16, "identity"), probe.lstm(6.0, 60, 16), keep_limits=True)
    norms = _by_gid(axes[0])["norms"].get_ydata()
    assert norms.max() > before[1] and axes[0].get_ylim()[1] > norms.max()  # exploding: the limits grow
    assert audit(fig) == []


def test_gradient_flow_explorer_is_readable(probe):
    from helpers.widgets import GradientFlowExplorer
    explorer = GradientFlowExplorer(probe, lambda1=1.0, T=40, H=8)
    assert audit(explorer.fig) == []
    explorer.activation_buttons.value = "identity"
    explorer.lambda_slider.value = 3.0
    assert audit(explorer.fig) == []
    norms = _by_gid(explorer.axes[0])["norms"].get_ydata()
    low, high = explorer.axes[0].get_ylim()
    assert low < norms.min() and norms.max() < high


def test_forget_gate_figure_tells_the_settings_apart_by_more_than_colour(probe):
    flows = {f"bias {b:g}": probe.lstm(1.0, 40, 8, forget_bias=b) for b in (0.0, 1.0, 3.0)}
    fig, (ax_hist, ax_path) = plots.plot_forget_gate_effect(flows)
    assert audit(fig) == []
    labelled = [line for line in ax_path.lines if not line.get_label().startswith("_")]
    assert len(labelled) == 6 and len({(l.get_linestyle(), l.get_marker()) for l in labelled}) == 6
    for (label, flow), solid, dashed in zip(flows.items(), labelled[0::2], labelled[1::2]):
        np.testing.assert_allclose(solid.get_ydata(), flow.dc_norms)
        np.testing.assert_allclose(dashed.get_ydata(), flow.cell_path)
        assert solid.get_label().startswith(label) and solid.get_linestyle() == "-" and dashed.get_linestyle() == "--"
    assert [t.split(":")[0] for t in _legend_texts(ax_hist)] == list(flows)
    assert f"mean f = {flows['bias 3'].f.mean():.2f}" in _legend_texts(ax_hist)[2]
    with pytest.raises(ValueError, match="flows: expected 1 to 5 settings, got 0"):
        plots.plot_forget_gate_effect({})


def test_adding_sequence_figure_draws_the_values_and_names_the_marked_ones():
    from helpers.tasks import make_adding_problem
    x, y = make_adding_problem(40, 1, make_rng(3))  # (T, 1, 2), (1, 1)
    fig, ax = plots.plot_adding_sequence(x[:, 0])
    assert audit(fig) == []
    bars = [p for p in ax.patches if p.get_height() > 0 or p.get_width() > 0]
    heights = [p.get_height() for p in ax.containers[0]]
    np.testing.assert_allclose(heights, x[:, 0, 0])
    marked = np.flatnonzero(x[:, 0, 1])
    np.testing.assert_allclose([p.get_height() for p in ax.containers[1]], x[marked, 0, 0])
    assert len(bars) == 40 + 2
    texts = " ".join(t.get_text() for t in ax.texts)
    for name, step in zip("ab", marked):
        assert f"$u_{name} = {x[step, 0, 0]:.2f}$ (t = {step})" in texts
    assert ax.get_title().endswith(f"= {y[0, 0]:.2f}")
    with pytest.raises(ValueError, match=r"x: expected one sequence of shape \(T, 2\), got \(40, 1, 2\)"):
        plots.plot_adding_sequence(x)


def test_adding_race_figure():
    steps = np.arange(0, 301, 50)  # (7,)
    curves = {"simple RNN (H = 32)": (steps, np.full(7, 0.17)), "LSTM (H = 16)": (steps, np.geomspace(0.2, 1e-3, 7))}
    fig, ax = plots.plot_adding_race(curves, baseline=1 / 6, T=100)
    assert audit(fig) == []
    for line, (label, (x, y)) in zip(ax.lines, curves.items()):
        assert line.get_label() == label
        np.testing.assert_array_equal(line.get_xdata(), x)
        np.testing.assert_allclose(line.get_ydata(), y)
    assert ax.lines[2].get_ydata()[0] == pytest.approx(1 / 6) and "0.167" in ax.lines[2].get_label()
    assert ax.get_yscale() == "log" and "T = 100" in ax.get_title()


def test_lstm_memory_figure():
    T = 30
    steps, marked = np.arange(T), np.array([4, 20])
    i, f, c = np.linspace(0, 1, T), np.full(T, 0.99), np.sin(np.arange(T))
    sens = {"simple RNN": np.geomspace(1e-9, 1, T), "LSTM": np.full(T, 1e-2)}
    fig, (ax_g, ax_c, ax_s) = plots.plot_lstm_memory(steps, marked, i, f, c, sens, unit=3)
    assert audit(fig) == []
    data = [l for l in ax_g.lines if not l.get_label().startswith("_") and l.get_label() != "marked step"]
    np.testing.assert_allclose(data[0].get_ydata(), i)
    np.testing.assert_allclose(data[1].get_ydata(), f)
    assert [l.get_xdata()[0] for l in ax_g.lines[:2]] == list(marked)  # the marked steps, in every panel
    np.testing.assert_allclose([l for l in ax_c.lines if len(l.get_xdata()) == T][0].get_ydata(), c)
    curves = [l for l in ax_s.lines if len(l.get_xdata()) == T]
    np.testing.assert_allclose(curves[0].get_ydata(), sens["simple RNN"])
    assert ax_s.get_ylim()[0] < 1e-9 and ax_s.get_ylim()[0] >= 1e-11  # the axis ends near the data
    assert "unit 3" in ax_g.get_title()


# --------------------------------------------------------------------------- notebook 07

def test_error_surface_figure_is_readable():
    w, b, E = scalar_rnn.error_surface(n=40)
    fig, (ax, ax_E, ax_g) = plots.plot_error_surface(w, b, E, section_w=5.0)
    assert audit(fig) == []
    assert any(t.startswith("the cliff: $b = 0.5") for t in _legend_texts(ax))
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith(r"$\sigma(x_T) = ") for t in texts)


def test_cliff_lingering_figure_draws_every_run_with_two_cues():
    w = 5.0
    offsets = np.array([-1e-2, -1e-4, 1e-4, 1e-2])  # (4,)
    E, cache = scalar_rnn.forward(w, float(scalar_rnn.cliff_line(w)) + offsets)
    x = cache.x  # (51, 4)
    delta = np.zeros_like(x)
    delta[-1] = 2 * (sigmoid(x[-1]) - scalar_rnn.TARGET) * sigmoid_derivative(x[-1])
    for t in range(x.shape[0] - 1, 0, -1):
        delta[t - 1] = delta[t] * w * sigmoid_derivative(x[t - 1])
    fig, (ax0, ax1) = plots.plot_cliff_lingering(x, delta, offsets, w, stable=(0.116, 0.801))
    assert audit(fig) == []
    runs0 = [l for l in ax0.lines if l.get_label().startswith("b = cliff")]
    runs1 = [l for l in ax1.lines if l.get_label().startswith("b = cliff")]
    for j, (a, b) in enumerate(zip(runs0, runs1)):
        np.testing.assert_allclose(a.get_ydata(), sigmoid(x[:, j]))
        np.testing.assert_allclose(b.get_ydata(), np.abs(delta[:, j]))
        assert a.get_marker() == ("v" if offsets[j] < 0 else "^")  # below or above the cliff
    assert {l.get_linestyle() for l in runs0} == {"-", "--"}  # near: solid, far: dashed
    stable = [l for l in ax0.lines if l.get_label().startswith("the stable states")]
    assert len(stable) == 1 and "0.12, 0.80" in stable[0].get_label()
    with pytest.raises(ValueError, match="x, delta: expected two arrays of shape"):
        plots.plot_cliff_lingering(x[:, :3], delta, offsets, w)


def test_clipping_descent_is_readable_and_uncluttered():
    surface = scalar_rnn.error_surface(**plots.DESCENT_VIEW, n=30)
    fig, (ax, ax_E) = plots.plot_clipping_descent(5.5, -1.5, lr=1.0, max_norm=0.5, steps=60, surface=surface)
    assert audit(fig) == []
    lines = _by_gid(ax, ax_E)
    # the clipped path is thin with small dots; the unclipped one a broad band without markers, beneath it
    clipped, unclipped = lines["path-clipped"], lines["path-unclipped"]
    assert clipped.get_linewidth() <= 1.2 and clipped.get_markersize() <= 3
    assert unclipped.get_marker() in ("None", None, "") and unclipped.get_linewidth() >= 3
    assert unclipped.get_zorder() < clipped.get_zorder()
    # a clipped step is marked by a small filled marker on the path, not a large open square
    assert lines["clipped-steps"].get_markersize() <= 5 and lines["clipped-steps"].get_marker() == "D"
    # the surface is pale, its colour bar too; one legend for both panels, below them
    assert ax.images[0].get_cmap().name == "pale"
    assert len(fig.legends) == 1 and ax.get_legend() is None and ax_E.get_legend() is None
    assert "a clipped step starts here" in _legend_texts(fig)
    for colour in (clipped.get_color(), unclipped.get_color(), lines["start"].get_color()):
        assert matplotlib.colors.to_hex(colour).upper() in {v.upper() for v in PALETTE.values()}


def test_clipping_explorer_is_readable():
    from helpers.widgets import ClippingExplorer
    surface = scalar_rnn.error_surface(**plots.DESCENT_VIEW, n=30)
    explorer = ClippingExplorer(surface=surface, steps=40)
    assert audit(explorer.fig) == []
    explorer.threshold_slider.value = 0.05
    explorer.lr_slider.value = 0.3
    assert audit(explorer.fig) == []
    # nothing outside the figure pads it: the widest artist is the legend below the panels
    width, _ = explorer.fig.get_size_inches()
    assert width < 12.5


def test_clipping_directions_labels_stay_outside_the_circle_and_the_square():
    fig, (ax_n, ax_v) = plots.plot_clipping_directions(g=(3.0, 1.0), threshold=1.0)
    assert audit(fig) == []
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in (ax_n, ax_v):
        label = next(t for t in ax.texts if t.get_text().startswith("clipped:"))
        box = ax.patches[0].get_window_extent(renderer)
        extent = label.get_window_extent(renderer)
        inside = (box.x0 < extent.x0 < box.x1 and box.y0 < extent.y0 < box.y1
                  and box.x0 < extent.x1 < box.x1 and box.y0 < extent.y1 < box.y1)
        assert not inside
    assert ax_v.texts[-1].get_text() == "clipped: (1.00, 1.00)"


def test_step_contributions_figure():
    steps = np.arange(1, 30)  # (29,)
    contributions = {"true gradient, rescaled (Pascanu et al.)": np.geomspace(1, 0.05, 29),
                     "error clipped at every time step": np.full(29, 0.4)}
    fig, ax = plots.plot_step_contributions(steps, contributions, error_step=29)
    assert audit(fig) == []
    for line, values in zip(ax.lines, contributions.values()):
        np.testing.assert_allclose(line.get_ydata(), values)
    assert ax.get_xlim()[1] == pytest.approx(29.5)
    assert any("enters here" in t.get_text() for t in ax.texts)


def test_clipped_training_figure_marks_where_a_run_stopped():
    runs = {"no clipping": {"loss": [1.0, 3.0, 5e5], "norm": [2.0, 50.0, 1e6], "stopped": 3},
            "clipped by norm at 5": {"loss": [1.0, 0.5, 0.3, 0.2], "norm": [6.0, 2.0, 1.0, 1.0], "stopped": None}}
    fig, (ax_loss, ax_norm) = plots.plot_clipped_training(runs, threshold=5.0, baseline=1.0, stop_loss=1e6)
    assert audit(fig) == []
    crosses = [l for l in ax_loss.lines if l.get_marker() == "X"]
    assert len(crosses) == 1 and crosses[0].get_xdata()[0] == 2 and crosses[0].get_ydata()[0] == 5e5
    assert "$> 10^{6}$" in crosses[0].get_label()
    np.testing.assert_allclose(ax_norm.lines[0].get_ydata(), runs["no clipping"]["norm"])
    assert any(r"$\tau = 5$" in t for t in _legend_texts(ax_norm))
