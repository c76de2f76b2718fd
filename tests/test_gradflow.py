"""Gradient-flow measurements (helpers.gradflow), their figure and their explorer."""
import numpy as np
import pytest

from helpers import lstm, rnn
from helpers.gradflow import GAMMA, EncoderStackProbe, GradientFlowProbe, pascanu_bound, safe_norms
from helpers.seeding import make_rng



@pytest.fixture(scope="module")
def probe():
    return GradientFlowProbe(make_rng(6), max_steps=60, max_hidden=16, input_size=3)


def test_safe_norms_do_not_overflow_and_name_zero_and_inf():
    g = np.array([[3e200, 4e200], [3.0, 4.0], [0.0, 0.0], [np.inf, 1.0], [1e-320, 0.0]])  # (5, 2)
    with np.errstate(all="raise"):
        norms = safe_norms(g)
    np.testing.assert_allclose(norms[:2], [5e200, 5.0])
    assert norms[2] == 0 and np.isinf(norms[3]) and norms[4] > 0
    np.testing.assert_allclose(safe_norms(np.ones((3, 2, 2))), [2.0, 2.0, 2.0])  # any trailing shape


def test_pascanu_bound_in_log_space():
    lags = np.arange(5)
    np.testing.assert_allclose(pascanu_bound(0.25, 6.0, lags), 1.5 ** lags)
    assert pascanu_bound(1.0, 10.0, [400])[0] == np.inf and pascanu_bound(1.0, 0.1, [400])[0] == 0.0
    np.testing.assert_array_equal(pascanu_bound(1.0, 0.0, lags), [1, 0, 0, 0, 0])


@pytest.mark.parametrize("activation", list(GAMMA))
@pytest.mark.parametrize("lambda1", [0.5, 1.0, 3.0])
def test_rnn_flow_is_the_norm_of_the_bptt_gradient_and_respects_the_bound(probe, activation, lambda1):
    flow = probe.rnn(lambda1, 40, 12, activation)
    W = flow.params["W"]
    assert np.isclose(np.linalg.norm(W, 2), lambda1)  # the setting really is the largest singular value
    assert np.isclose(flow.rho, np.max(np.abs(np.linalg.eigvals(W))))
    h, cache = rnn.forward(flow.params, flow.x, activation=activation)
    dh = np.zeros_like(h)
    dh[-1, 0] = flow.u
    g = rnn.state_gradients(dh, cache)  # (T, 1, H)
    np.testing.assert_allclose(flow.norms, np.linalg.norm(g[:, 0], axis=1), rtol=1e-12)
    assert flow.norms[-1] == pytest.approx(1.0) and np.all(flow.lags == np.arange(39, -1, -1))
    assert np.all(flow.norms <= flow.bound * (1 + 1e-9))
    # the product of Jacobians, written out for lag 3: W^T diag(f') ... u
    deriv = {"tanh": 1 - h[:, 0] ** 2, "sigmoid": h[:, 0] * (1 - h[:, 0]), "identity": np.ones_like(h[:, 0])}
    v = flow.u
    for t in range(39, 36, -1):
        v = W.T @ (deriv[activation][t] * v)
    np.testing.assert_allclose(np.linalg.norm(v), flow.norms[36], rtol=1e-10)


def test_identity_rnn_grows_at_the_spectral_radius(probe):
    flow = probe.rnn(2.5, 60, 16, "identity")
    per_step = (flow.norms[0] / flow.norms[-1]) ** (1 / 59)
    assert abs(per_step - flow.rho) < 0.1 * flow.rho and flow.rho > 1  # exploding
    assert probe.rnn(0.5, 60, 16, "identity").norms[0] < 1e-6  # vanishing


def test_lstm_flow_cell_path_and_forget_bias(probe):
    flows = [probe.lstm(1.0, 50, 10, forget_bias=b) for b in (0.0, 1.0, 3.0)]
    for flow in flows:
        y, cache = lstm.forward(flow.params, flow.x)
        dy = np.zeros_like(y)
        dy[-1, 0] = flow.u
        dy_total, dc_total = lstm.state_gradients(dy, cache)
        np.testing.assert_allclose(flow.dc_norms, np.linalg.norm(dc_total[:, 0], axis=1), rtol=1e-12)
        np.testing.assert_allclose(flow.dy_norms, np.linalg.norm(dy_total[:, 0], axis=1), rtol=1e-12)
        k = 20
        np.testing.assert_allclose(flow.cell_path[k],
                                   np.linalg.norm(np.prod(cache.f[k + 1:, 0], axis=0) * dc_total[-1, 0]))
        assert flow.cell_path[-1] == pytest.approx(flow.dc_norms[-1])
        for gate in lstm.GATES:
            assert np.isclose(np.linalg.norm(flow.params[f"R_{gate}"], 2), 1.0)
    means = [f.f.mean() for f in flows]
    assert means[0] < means[1] < means[2]
    assert flows[0].cell_path[0] < flows[1].cell_path[0] < flows[2].cell_path[0]


def test_probe_bad_settings_are_named(probe):
    with pytest.raises(ValueError, match="T: expected an int in"):
        probe.rnn(1.0, 61, 8)
    with pytest.raises(ValueError, match="H: expected an int in"):
        probe.lstm(1.0, 10, 0)
    with pytest.raises(ValueError, match="lambda1"):
        probe.rnn(-1.0, 10, 8)
    with pytest.raises(ValueError, match="activation"):
        probe.rnn(1.0, 10, 8, "relu")
    with pytest.raises(ValueError, match="forget_bias"):
        probe.lstm(1.0, 10, 8, forget_bias=np.nan)
    with pytest.raises(ValueError, match="rng"):
        GradientFlowProbe("seed")
    with pytest.raises(ValueError, match="max_steps"):
        GradientFlowProbe(make_rng(0), max_steps=0)


def test_probe_draws_once(probe):
    a, b = probe.rnn(1.0, 30, 8), probe.rnn(1.0, 30, 8)
    np.testing.assert_array_equal(a.norms, b.norms)
    np.testing.assert_array_equal(probe.rnn(2.0, 30, 8).params["W"], 2 * a.params["W"])


def test_gradient_flow_figure_draws_the_measurements(probe):
    from helpers.plots import plot_gradient_flow
    r, l = probe.rnn(1.0, 40, 8), probe.lstm(1.0, 40, 8, forget_bias=1.0)
    fig, (ax_rnn, ax_lstm) = plot_gradient_flow(r, l)
    lines = {line.get_gid(): line for ax in (ax_rnn, ax_lstm) for line in ax.lines if line.get_gid()}
    np.testing.assert_allclose(lines["norms"].get_ydata(), r.norms)  # the y-limits follow the data: nothing clipped
    np.testing.assert_allclose(lines["bound"].get_ydata(), r.bound)
    np.testing.assert_allclose(lines["dc"].get_ydata(), l.dc_norms)
    low, high = ax_rnn.get_ylim()
    measured = np.concatenate([r.norms, l.dc_norms, l.dy_norms, l.cell_path])
    assert low < measured.min() and measured.max() < high
    assert np.log10(high / low) <= 1.5 * np.log10(measured.max() / measured.min()) + 10  # no axes far past the data
    np.testing.assert_array_equal(lines["path"].get_xdata(), l.lags)
    assert "λ₁ = 1.00" in ax_rnn.get_title() and "bias +1.0" in ax_lstm.get_title()
    assert ax_rnn.get_yscale() == "log" and "steps back" in ax_rnn.get_xlabel()


def _state(explorer):
    return [np.array(line.get_ydata(), dtype=float).copy() for ax in explorer.axes for line in ax.lines]


def test_gradient_flow_explorer_moves_its_artists_at_every_slider_extreme(probe):
    from helpers.widgets import GradientFlowExplorer
    explorer = GradientFlowExplorer(probe, lambda1=1.0, T=40, H=8)
    artists = [id(line) for ax in explorer.axes for line in ax.lines]
    before = _state(explorer)
    png = bytes(explorer.image.value)
    assert png.startswith(b"\x89PNG")
    controls = [explorer.lambda_slider, explorer.T_slider, explorer.H_slider, explorer.bias_slider]
    for control in controls:
        start = control.value
        for value in (control.min, control.max):
            control.value = value  # runs the callback: real forward and backward passes
            now = _state(explorer)
            assert any(a.shape != b.shape or not np.allclose(a, b) for a, b in zip(before, now)), control.description
            assert all(np.all(np.isfinite(y)) for y in now)
            assert [id(line) for ax in explorer.axes for line in ax.lines] == artists  # moved, not rebuilt
            assert bytes(explorer.image.value) != png  # the shown image follows
            before, png = now, bytes(explorer.image.value)
        control.value = start
    for activation in explorer.activation_buttons.options:
        explorer.lambda_slider.value = explorer.lambda_slider.max
        explorer.activation_buttons.value = activation
        assert activation in explorer.axes[0].get_title()
    # the most explosive corner: identity, largest lambda_1, longest T: the y-limits grow to show every value
    explorer.activation_buttons.value = "identity"
    explorer.T_slider.value = explorer.T_slider.max
    norms = next(line for line in explorer.axes[0].lines if line.get_gid() == "norms").get_ydata()
    low, high = explorer.axes[0].get_ylim()
    assert norms.max() > 1e30 and low < norms.min() and norms.max() < high
    note = next(a for a in explorer.axes[0].texts if a.get_gid() == "note")
    assert not note.get_visible()  # nothing is drawn on an edge


def test_encoder_stack_probe_measures_the_real_backward():
    rng = make_rng(12)
    probe = EncoderStackProbe(rng, d_model=8, h=2, d_ff=12, max_layers=3, T=4, N=2, vocab=5)
    for norm in ("post", "pre"):
        m = probe.measure(3, norm)
        assert m.param_norms.shape == m.ffn_norms.shape == (3,) and m.input_norms.shape == (4,)
        # the input gradient against central differences of the loss
        def loss_of(x, norm=norm):
            saved, probe.x = probe.x, x
            try:
                return probe.measure(3, norm).loss
            finally:
                probe.x = saved
        from helpers.gradcheck import numerical_gradient
        numeric = numerical_gradient(loss_of, probe.x)
        assert abs(np.linalg.norm(numeric) - m.input_norms[0]) < 1e-7 * m.input_norms[0]
    assert not np.allclose(probe.measure(3, "post").param_norms, probe.measure(3, "pre").param_norms)
    with pytest.raises(ValueError, match="n_layers: expected at most max_layers = 3"):
        probe.measure(4, "pre")
