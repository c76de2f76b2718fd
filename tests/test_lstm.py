import numpy as np
import pytest

from helpers import lstm
from helpers.gradcheck import check_gradients, numerical_gradient, rel_error

sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731  (safe for the moderate values used here)


def make(rng, T=4, N=3, D=2, H=3, peepholes=True, dtype=np.float64):
    params = lstm.init_params(D, H, rng, peepholes=peepholes, dtype=dtype)
    for g in lstm.GATES:
        params[f"b_{g}"] = (0.3 * rng.standard_normal(H)).astype(dtype)
    if peepholes:
        for p in lstm.PEEPHOLES:
            params[p] = (0.5 * rng.standard_normal(H)).astype(dtype)  # large enough to matter
    x = rng.standard_normal((T, N, D)).astype(dtype)
    y0 = (0.5 * rng.standard_normal((N, H))).astype(dtype)
    c0 = rng.standard_normal((N, H)).astype(dtype)
    return params, x, y0, c0


def reference_forward(p, x, y0, c0):
    """Greff et al. eqs. 1-6 written out for one sequence at a time, column-vector style."""
    T, N, _ = x.shape
    peep = "p_i" in p
    P = lambda k: p[k] if peep else 0.0  # noqa: E731
    ys, cs = np.zeros((T, N, y0.shape[1])), np.zeros((T, N, y0.shape[1]))
    for n in range(N):
        y_prev, c_prev = y0[n], c0[n]
        for t in range(T):
            xt = x[t, n]
            z = np.tanh(p["W_z"] @ xt + p["R_z"] @ y_prev + p["b_z"])
            i = sig(p["W_i"] @ xt + p["R_i"] @ y_prev + P("p_i") * c_prev + p["b_i"])
            f = sig(p["W_f"] @ xt + p["R_f"] @ y_prev + P("p_f") * c_prev + p["b_f"])
            c = z * i + c_prev * f
            o = sig(p["W_o"] @ xt + p["R_o"] @ y_prev + P("p_o") * c + p["b_o"])
            y_prev, c_prev = np.tanh(c) * o, c
            ys[t, n], cs[t, n] = y_prev, c
    return ys, cs


@pytest.mark.parametrize("peepholes", [True, False])
def test_forward_matches_the_paper_equations(rng, peepholes):
    params, x, y0, c0 = make(rng, peepholes=peepholes)
    y, cache = lstm.forward(params, x, y0, c0)
    ys, cs = reference_forward(params, x, y0, c0)
    np.testing.assert_allclose(y, ys, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cache.c, cs, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cache.y, y)
    for name in ("z", "i", "f", "o", "c"):
        assert getattr(cache, name).shape == y.shape


@pytest.mark.parametrize("peepholes", [True, False])
@pytest.mark.parametrize("T", [1, 5])
def test_gradient_check(rng, peepholes, T):
    params, x, y0, c0 = make(rng, T=T, peepholes=peepholes)
    result = check_gradients(lstm.forward, lstm.backward, params, {"x": x, "y0": y0, "c0": c0}, rng=rng)
    expected = 12 + (3 if peepholes else 0) + 3
    assert len(result.errors) == expected
    assert result.ok, str(result)


def test_gradients_keyed_like_params(rng):
    for peepholes in (True, False):
        params, x, y0, c0 = make(rng, peepholes=peepholes)
        y, cache = lstm.forward(params, x, y0, c0)
        *_, grads = lstm.backward(np.ones_like(y), cache)
        assert set(grads) == set(params)


def test_zero_peepholes_equal_no_peepholes(rng):
    params, x, y0, c0 = make(rng, peepholes=False)
    with_zero = {**params, **{p: np.zeros(3) for p in lstm.PEEPHOLES}}
    y_a, cache_a = lstm.forward(params, x, y0, c0)
    y_b, cache_b = lstm.forward(with_zero, x, y0, c0)
    np.testing.assert_array_equal(y_a, y_b)
    dy = rng.standard_normal(y_a.shape)
    ga, gb = lstm.backward(dy, cache_a), lstm.backward(dy, cache_b)
    for a, b in zip(ga[:3], gb[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-14)
    for key in params:
        np.testing.assert_allclose(ga[3][key], gb[3][key], rtol=1e-14)


@pytest.mark.parametrize("peepholes", [True, False])
def test_step_and_sequence_agree(rng, peepholes):
    params, x, y0, c0 = make(rng, peepholes=peepholes)
    y, cache = lstm.forward(params, x, y0, c0)
    dy = rng.standard_normal(y.shape)
    dx, dy0, dc0, grads = lstm.backward(dy, cache)
    caches, y_prev, c_prev = [], y0, c0
    for t in range(x.shape[0]):
        y_prev, c_prev, sc = lstm.step_forward(params, x[t], y_prev, c_prev)
        np.testing.assert_allclose(y_prev, y[t], rtol=1e-13)
        caches.append(sc)
    dy_rec, dc_next = np.zeros_like(y0), np.zeros_like(c0)
    total = {k: np.zeros_like(v) for k, v in params.items()}
    for t in reversed(range(x.shape[0])):
        dx_t, dy_rec, dc_next, g = lstm.step_backward(dy[t] + dy_rec, dc_next, caches[t])
        np.testing.assert_allclose(dx_t, dx[t], rtol=1e-11, atol=1e-13)
        for k in total:
            total[k] += g[k]
    np.testing.assert_allclose(dy_rec, dy0, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(dc_next, dc0, rtol=1e-11, atol=1e-13)
    for k in total:
        np.testing.assert_allclose(total[k], grads[k], rtol=1e-11, atol=1e-13)


def test_step_gradient_check(rng):
    params, x, y0, c0 = make(rng)
    H = 3

    def fwd(p, x_t, y_prev, c_prev):
        y_t, c_t, cache = lstm.step_forward(p, x_t, y_prev, c_prev)
        return np.concatenate([y_t, c_t], axis=1), cache

    def bwd(dout, cache):
        return lstm.step_backward(dout[:, :H], dout[:, H:], cache)

    result = check_gradients(fwd, bwd, params, {"x_t": x[0], "y_prev": y0, "c_prev": c0}, rng=rng)
    assert result.ok, str(result)


def test_gate_extremes():
    """All gates open (1): the cell keeps everything and adds the block input; all closed (0): it forgets."""
    H, D = 2, 1
    big = 50.0
    p = {**{f"W_{g}": np.zeros((H, D)) for g in lstm.GATES}, **{f"R_{g}": np.zeros((H, H)) for g in lstm.GATES},
         "b_z": np.array([0.5, -0.5]), "b_i": np.full(H, big), "b_f": np.full(H, big), "b_o": np.full(H, big)}
    c0 = np.array([[1.0, 2.0]])
    y, cache = lstm.forward(p, np.zeros((1, 1, D)), c0=c0)
    np.testing.assert_allclose(cache.c[0], c0 + np.tanh([0.5, -0.5]), rtol=1e-12)
    np.testing.assert_allclose(y[0], np.tanh(cache.c[0]), rtol=1e-12)
    closed = {**p, "b_i": np.full(H, -big), "b_f": np.full(H, -big), "b_o": np.full(H, -big)}
    y, cache = lstm.forward(closed, np.zeros((1, 1, D)), c0=c0)
    np.testing.assert_allclose(cache.c[0], 0.0, atol=1e-20)
    np.testing.assert_allclose(y[0], 0.0, atol=1e-20)


def test_float32_stays_float32(rng):
    params, x, y0, c0 = make(rng, dtype=np.float32)
    y, cache = lstm.forward(params, x, y0, c0)
    dx, dy0, dc0, grads = lstm.backward(np.ones_like(y), cache)
    assert y.dtype == dx.dtype == dy0.dtype == dc0.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())
    p64 = {k: v.astype(np.float64) for k, v in params.items()}
    y64, _ = lstm.forward(p64, x.astype(np.float64), y0.astype(np.float64), c0.astype(np.float64))
    np.testing.assert_allclose(y, y64, rtol=1e-4, atol=1e-5)


def test_bad_input_is_named(rng):
    params, x, y0, c0 = make(rng)
    with pytest.raises(ValueError, match=r"x: expected a 3-d array of shape \(T, N, D\)"):
        lstm.forward(params, x[0])
    with pytest.raises(ValueError, match=r"x: expected shape \(T, N, D\) = \(\?, \?, 2\), got \(4, 3, 5\)"):
        lstm.forward(params, np.zeros((4, 3, 5)))
    with pytest.raises(ValueError, match=r"y0: expected shape \(N, H\) = \(3, 3\), got \(1, 3\)"):
        lstm.forward(params, x, y0[:1], c0)  # would broadcast silently
    with pytest.raises(ValueError, match=r"c0: expected shape \(N, H\) = \(3, 3\), got \(3, 1\)"):
        lstm.forward(params, x, y0, c0[:, :1])  # would broadcast silently
    with pytest.raises(ValueError, match=r"params: missing key\(s\) \['R_f'\]"):
        lstm.forward({k: v for k, v in params.items() if k != "R_f"}, x)
    with pytest.raises(ValueError, match=r"params\['p_o'\]: expected shape \(H,\) = \(3,\), got \(2,\)"):
        lstm.forward({**params, "p_o": np.zeros(2)}, x)
    with pytest.raises(ValueError, match=r"params\['W_i'\]: expected shape \(H, D\) = \(3, 2\), got \(3, 4\)"):
        lstm.forward({**params, "W_i": np.zeros((3, 4))}, x)
    with pytest.raises(ValueError, match=r"has peepholes \['p_i'\] but is missing \['p_f', 'p_o'\]"):
        lstm.forward({**{k: v for k, v in params.items() if k not in lstm.PEEPHOLES}, "p_i": np.zeros(3)}, x)
    with pytest.raises(ValueError, match=r"params: unknown key\(s\) \['W_g'\]"):
        lstm.forward({**params, "W_g": np.zeros((3, 2))}, x)
    y, cache = lstm.forward(params, x)
    with pytest.raises(ValueError, match=r"dy: expected shape \(4, 3, 3\), got \(4, 3, 2\)"):
        lstm.backward(np.zeros((4, 3, 2)), cache)
    with pytest.raises(ValueError, match="cache: expected the LSTMCache"):
        lstm.backward(np.zeros_like(y), None)
    with pytest.raises(ValueError, match="x: expected at least one time step"):
        lstm.forward(params, np.zeros((0, 3, 2)))


def test_init_params(rng):
    p = lstm.init_params(4, 5, rng, peepholes=False, forget_bias=1.0)
    assert set(p) == {f"{w}_{g}" for w in "WRb" for g in lstm.GATES}
    np.testing.assert_array_equal(p["b_f"], np.ones(5))
    assert not lstm.has_peepholes(p) and lstm.has_peepholes(lstm.init_params(4, 5, rng))
    with pytest.raises(ValueError, match="dtype: expected one of"):
        lstm.init_params(4, 5, rng, dtype=int)


def test_saturated_gates_without_warnings(rng):
    import warnings
    params, x, y0, c0 = make(rng)
    params["b_f"] = np.full(3, -1000.0)  # forget gate exactly closed
    params["b_i"] = np.full(3, 1000.0)   # input gate exactly open
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, cache = lstm.forward(params, x, y0, c0)
    assert np.all(cache.f == 0.0) and np.all(cache.i == 1.0) and np.all(np.isfinite(y))


@pytest.mark.parametrize("peepholes", [True, False])
def test_gradient_check_with_a_gradient_on_the_last_cell_state(rng, peepholes):
    """L = <dy, y> + <dc_last, c_{T-1}>: the last cell state also feeds something outside (a decoder)."""
    params, x, y0, c0 = make(rng, T=4, peepholes=peepholes)
    dc_last = rng.standard_normal(y0.shape)  # (N, H)

    def fwd(p, x, y0, c0):
        y, cache = lstm.forward(p, x, y0, c0)
        return np.concatenate([y, cache.c[-1:]]), cache  # (T + 1, N, H): the last "output" is c_{T-1}

    def bwd(dout, cache):
        return lstm.backward(dout[:-1], cache, dc_last=dout[-1])

    result = check_gradients(fwd, bwd, params, {"x": x, "y0": y0, "c0": c0}, rng=rng)
    assert result.ok, str(result)
    _, cache = lstm.forward(params, x, y0, c0)
    dy = rng.standard_normal(cache.y.shape)
    with_zero = lstm.backward(dy, cache, dc_last=np.zeros_like(dc_last))
    without = lstm.backward(dy, cache)
    np.testing.assert_array_equal(with_zero[0], without[0])
    assert not np.allclose(lstm.backward(dy, cache, dc_last=dc_last)[2], without[2])  # it reaches c0
    with pytest.raises(ValueError, match="dc_last"):
        lstm.backward(dy, cache, dc_last=dc_last[:1])


@pytest.mark.parametrize("peepholes", [False, True])
def test_state_gradients_are_the_total_derivatives_at_every_step(rng, peepholes):
    T, N, D, H = 5, 2, 3, 4
    params = lstm.init_params(D, H, rng, peepholes=peepholes)
    if peepholes:
        for p in lstm.PEEPHOLES:
            params[p] = rng.standard_normal(H)
    x = rng.standard_normal((T, N, D))
    y, cache = lstm.forward(params, x)
    dy = rng.standard_normal(y.shape)  # L = sum_t <dy_t, y_t>
    dy_total, dc_total = lstm.state_gradients(dy, cache)
    assert dy_total.shape == dc_total.shape == y.shape

    def later_loss(t, y_t, c_t):  # the part of L computed by the steps after t
        return np.sum(dy[t + 1:] * lstm.forward(params, x[t + 1:], y_t, c_t)[0]) if t + 1 < T else 0.0

    p_o = params["p_o"] if peepholes else 0.0
    for t in range(T):
        c_t = cache.c[t]
        # dL/dy_t with c_t held: y_t is read by step t+1 and by the loss
        num_y = numerical_gradient(lambda y_t: np.sum(dy[t] * y_t) + later_loss(t, y_t, c_t), y[t].copy())
        assert rel_error(dy_total[t], num_y) < 1e-7
        # dL/dc_t: c_t is read by y_t = tanh(c_t) * sigma(obar_t) (obar_t through the peephole p_o) and step t+1
        o_rest = np.log(cache.o[t] / (1 - cache.o[t])) - p_o * c_t  # obar_t without its peephole term

        def loss_of_c(c):
            y_t = np.tanh(c) / (1 + np.exp(-(o_rest + p_o * c)))
            return np.sum(dy[t] * y_t) + later_loss(t, y_t, c)
        assert rel_error(dc_total[t], numerical_gradient(loss_of_c, c_t.copy())) < 1e-7
    _, dy0, dc0, _ = lstm.backward(dy, cache)  # one step before the first: what backward returns
    assert np.all(np.isfinite(dy0)) and np.all(np.isfinite(dc0))
    np.testing.assert_allclose(dc0, dc_total[0] * cache.f[0]
                               + (params["p_i"] * _dA(cache, dc_total, 1) + params["p_f"] * _dA(cache, dc_total, 2)
                                  if peepholes else 0.0), rtol=1e-12, atol=1e-15)


def _dA(cache, dc_total, k):
    """dibar_0 (k = 1) or dfbar_0 (k = 2) from the recorded dc_0, by Greff's equations."""
    if k == 1:
        return dc_total[0] * cache.z[0] * cache.i[0] * (1 - cache.i[0])
    return dc_total[0] * cache.c0 * cache.f[0] * (1 - cache.f[0])
