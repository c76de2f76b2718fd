import numpy as np
import pytest

from helpers import rnn
from helpers.gradcheck import check_gradients, numerical_gradient, rel_error
from helpers.losses import mean_squared_error, softmax_cross_entropy


def make(rng, T=4, N=3, D=2, H=5, dtype=np.float64):
    params = rnn.init_params(D, H, rng, dtype=dtype)
    params["b"] = (0.1 * rng.standard_normal(H)).astype(dtype)
    x = rng.standard_normal((T, N, D)).astype(dtype)
    h0 = (0.5 * rng.standard_normal((N, H))).astype(dtype)
    return params, x, h0


def test_forward_is_the_equation_step_by_step(rng):
    params, x, h0 = make(rng)
    h, cache = rnn.forward(params, x, h0)
    h_prev = h0
    for t in range(x.shape[0]):
        for n in range(x.shape[1]):  # one sequence at a time, column-vector form of the book
            a = params["b"] + params["W"] @ h_prev[n] + params["U"] @ x[t, n]
            np.testing.assert_allclose(h[t, n], np.tanh(a), rtol=1e-13, atol=1e-15)
        h_prev = h[t]
    np.testing.assert_array_equal(cache.h_prev[0], h0)
    np.testing.assert_array_equal(cache.h_prev[1:], h[:-1])


def test_step_and_sequence_versions_agree(rng):
    params, x, h0 = make(rng)
    h, cache = rnn.forward(params, x, h0)
    dh = rng.standard_normal(h.shape)
    dx, dh0, grads = rnn.backward(dh, cache)
    h_prev, caches = h0, []
    for t in range(x.shape[0]):
        h_prev, c = rnn.step_forward(params, x[t], h_prev)
        np.testing.assert_allclose(h_prev, h[t], rtol=1e-14)
        caches.append(c)
    g_next = np.zeros_like(h0)
    total = {k: np.zeros_like(v) for k, v in params.items()}
    for t in reversed(range(x.shape[0])):
        dx_t, g_next, step_grads = rnn.step_backward(dh[t] + g_next, caches[t])
        np.testing.assert_allclose(dx_t, dx[t], rtol=1e-12, atol=1e-14)
        for k in total:
            total[k] += step_grads[k]
    np.testing.assert_allclose(g_next, dh0, rtol=1e-12)
    for k in total:
        np.testing.assert_allclose(total[k], grads[k], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("T", [1, 2, 6])
def test_gradient_check_sequence(rng, T):
    params, x, h0 = make(rng, T=T)
    result = check_gradients(rnn.forward, rnn.backward, params, {"x": x, "h0": h0}, rng=rng)
    assert list(result.errors) == ["U", "W", "b", "x", "h0"]
    assert result.ok, str(result)


def test_gradient_check_step(rng):
    params, x, h0 = make(rng)
    result = check_gradients(rnn.step_forward, rnn.step_backward, params,
                             {"x_t": x[0], "h_prev": h0}, rng=rng)
    assert result.ok, str(result)


def test_gradient_check_output_layer_and_losses(rng):
    H, K = 5, 4
    out = rnn.init_output_params(H, K, rng)
    out["c"] = rng.standard_normal(K)
    h = rng.standard_normal((3, 2, H))
    result = check_gradients(rnn.output_forward, rnn.output_backward, out, {"h": h}, rng=rng)
    assert result.ok, str(result)
    o = rng.standard_normal((3, 2, K))
    y = rng.integers(0, K, size=(3, 2))
    loss, do = softmax_cross_entropy(o, y)
    num = numerical_gradient(lambda v: softmax_cross_entropy(v, y)[0], o)
    assert rel_error(do, num) < 1e-8
    pred, target = rng.standard_normal((4, 1)), rng.standard_normal((4, 1))
    _, dpred = mean_squared_error(pred, target)
    assert rel_error(dpred, numerical_gradient(lambda v: mean_squared_error(v, target)[0], pred)) < 1e-8


def test_full_model_gradient_check_through_the_loss(rng):
    """The whole chain of notebook 03: core -> output layer -> softmax cross-entropy."""
    T, N, D, H, K = 5, 2, 3, 4, 3
    core = rnn.init_params(D, H, rng)
    out = rnn.init_output_params(H, K, rng)
    params = {**core, **out}
    x = rng.standard_normal((T, N, D))
    y = rng.integers(0, K, size=(T, N))

    def loss_fn(p, x):
        h, cache = rnn.forward({k: p[k] for k in "UWb"}, x)
        o, ocache = rnn.output_forward({"V": p["V"], "c": p["c"]}, h)
        loss, do = softmax_cross_entropy(o, y)
        return loss, (cache, ocache, do)

    def loss_backward(dloss, caches):
        cache, ocache, do = caches
        dh, gout = rnn.output_backward(do * dloss, ocache)
        dx, _, gcore = rnn.backward(dh, cache)
        return dx, {**gcore, **gout}

    result = check_gradients(loss_fn, loss_backward, params, {"x": x}, rng=rng)
    assert result.ok, str(result)


def test_loss_matches_the_book_definition(rng):
    o = rng.standard_normal((3, 2, 4))  # (T, N, K)
    y = rng.integers(0, 4, size=(3, 2))
    p = np.exp(o) / np.exp(o).sum(-1, keepdims=True)
    expected = -sum(np.log(p[t, n, y[t, n]]) for t in range(3) for n in range(2)) / 2  # sum over t, mean over N
    loss, do = softmax_cross_entropy(o, y)
    assert np.isclose(loss, expected)
    onehot = np.eye(4)[y]
    np.testing.assert_allclose(do, (p - onehot) / 2, rtol=1e-12)  # eq. 10.18, per sequence


def test_truncated_backward(rng):
    params, x, h0 = make(rng, T=6)
    h, cache = rnn.forward(params, x, h0)
    dh = rng.standard_normal(h.shape)
    full = rnn.backward(dh, cache)
    for k in (6, 10):  # k >= T is full BPTT
        trunc = rnn.truncated_backward(dh, cache, k)
        np.testing.assert_allclose(trunc[0], full[0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(trunc[1], full[1], rtol=1e-12, atol=1e-14)
        for key in params:
            np.testing.assert_allclose(trunc[2][key], full[2][key], rtol=1e-12, atol=1e-14)
    # k = 1: no error crosses a recurrent connection, so each step sees only its own dh
    _, _, g1 = rnn.truncated_backward(dh, cache, 1)
    da = dh * (1 - h ** 2)
    np.testing.assert_allclose(g1["b"], da.sum(axis=(0, 1)), rtol=1e-12)
    # truncation changes the gradient, and more steps get closer
    errs = [rel_error(rnn.truncated_backward(dh, cache, k)[2]["W"], full[2]["W"]) for k in range(1, 7)]
    assert errs[0] > 1e-3 and errs[-1] < 1e-12
    with pytest.raises(ValueError, match="k: expected a positive int"):
        rnn.truncated_backward(dh, cache, 0)


def test_truncated_backward_equals_a_loss_that_only_sees_k_steps(rng):
    """Independent definition: the error of step s through k steps = gradient of the forward pass
    restarted k steps before s from a *constant* state."""
    params, x, h0 = make(rng, T=5, N=2)
    k, T = 2, 5
    h, cache = rnn.forward(params, x, h0)
    dh = rng.standard_normal(h.shape)
    _, _, grads = rnn.truncated_backward(dh, cache, k)
    expected = {key: np.zeros_like(v) for key, v in params.items()}
    for s in range(T):
        start = max(0, s - k + 1)
        h_start = h0 if start == 0 else h[start - 1]  # treated as a constant
        seg, seg_cache = rnn.forward(params, x[start:s + 1], h_start)
        dseg = np.zeros_like(seg)
        dseg[-1] = dh[s]
        for key, v in rnn.backward(dseg, seg_cache)[2].items():
            expected[key] += v
    for key in params:
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-12, atol=1e-14)


def test_error_contributions_and_per_step_sums(rng):
    params, x, h0 = make(rng, T=5)
    h, cache = rnn.forward(params, x, h0)
    dh = rng.standard_normal(h.shape)
    _, _, grads = rnn.backward(dh, cache)
    E = rnn.error_contributions(dh, cache)  # (T, T, N, H)
    assert np.all(E[np.triu_indices(5, 1)] == 0)  # no error flows forward in time: E[s, t] = 0 for s < t
    for s in range(5):
        np.testing.assert_array_equal(E[s, s], dh[s])  # at its own step, the error is what entered
    parts = rnn.per_step_contributions(dh, cache)
    for key in params:
        assert parts[key].shape == (5,) + params[key].shape
        np.testing.assert_allclose(parts[key].sum(axis=0), grads[key], rtol=1e-12, atol=1e-14)


def test_float32_stays_float32(rng):
    params, x, h0 = make(rng, dtype=np.float32)
    h, cache = rnn.forward(params, x, h0)
    dx, dh0, grads = rnn.backward(np.ones_like(h), cache)
    assert h.dtype == dx.dtype == dh0.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())
    h64, _ = rnn.forward({k: v.astype(np.float64) for k, v in params.items()}, x.astype(np.float64),
                         h0.astype(np.float64))
    np.testing.assert_allclose(h, h64, rtol=1e-5, atol=1e-6)


def test_default_h0_is_zeros(rng):
    params, x, _ = make(rng)
    h, cache = rnn.forward(params, x)
    np.testing.assert_array_equal(cache.h0, np.zeros((3, 5)))
    np.testing.assert_allclose(h, rnn.forward(params, x, np.zeros((3, 5)))[0])


def test_bad_input_is_named(rng):
    params, x, h0 = make(rng)
    with pytest.raises(ValueError, match=r"x: expected a 3-d array of shape \(T, N, D\) = \(\?, \?, 2\), got a 2-d"):
        rnn.forward(params, x[0])
    with pytest.raises(ValueError, match=r"x: expected shape \(T, N, D\) = \(\?, \?, 2\), got \(4, 3, 3\)"):
        rnn.forward(params, np.zeros((4, 3, 3)))
    with pytest.raises(ValueError, match=r"h0: expected shape \(N, H\) = \(3, 5\), got \(1, 5\)"):
        rnn.forward(params, x, h0[:1])  # would silently broadcast without the check
    with pytest.raises(ValueError, match=r"h0: expected a 2-d array of shape \(N, H\)"):
        rnn.forward(params, x, h0[0])
    with pytest.raises(ValueError, match=r"params: missing key\(s\) \['W'\]"):
        rnn.forward({"U": params["U"], "b": params["b"]}, x)
    with pytest.raises(ValueError, match=r"params\['W'\]: expected shape \(H, H\) = \(5, 5\), got \(5, 4\)"):
        rnn.forward({**params, "W": np.zeros((5, 4))}, x)
    with pytest.raises(ValueError, match=r"params\['b'\]: expected shape \(H,\) = \(5,\), got \(1,\)"):
        rnn.forward({**params, "b": np.zeros(1)}, x)
    _, cache = rnn.forward(params, x)
    with pytest.raises(ValueError, match=r"dh: expected a 3-d array of shape \(4, 3, 5\), got a 2-d array of shape \(4, 3\)"):
        rnn.backward(np.zeros((4, 3)), cache)
    with pytest.raises(ValueError, match="hidden_size: expected a positive int"):
        rnn.init_params(2, 0, rng)
    out = rnn.init_output_params(5, 2, rng)
    with pytest.raises(ValueError, match=r"h: expected shape \(..., H\) with H = 5, got \(3, 4\)"):
        rnn.output_forward(out, np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"y: expected shape \(4, 3\)"):
        softmax_cross_entropy(np.zeros((4, 3, 2)), np.zeros((3, 4), dtype=int))
    with pytest.raises(ValueError, match=r"y: expected class indices in \[0, 2\)"):
        softmax_cross_entropy(np.zeros((4, 3, 2)), np.full((4, 3), 2))
    with pytest.raises(ValueError, match="y: expected integer class indices"):
        softmax_cross_entropy(np.zeros((4, 2)), np.zeros(4))


def test_init_is_reproducible(rng):
    from helpers.seeding import make_rng
    a, b = rnn.init_params(3, 4, make_rng(5)), rnn.init_params(3, 4, make_rng(5))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert set(a) == {"U", "W", "b"} and a["U"].shape == (4, 3) and a["W"].shape == (4, 4)


def test_edge_cases_and_dtypes(rng):
    with pytest.raises(ValueError, match="dtype: expected one of"):
        rnn.init_params(2, 3, rng, dtype=np.int32)
    for bad in (float("nan"), -1.0):
        with pytest.raises(ValueError, match="weight_scale: expected a finite non-negative number"):
            rnn.init_params(2, 3, rng, weight_scale=bad)
    params = rnn.init_params(2, 3, rng)
    with pytest.raises(ValueError, match="x: expected at least one time step"):
        rnn.forward(params, np.zeros((0, 1, 2)))
    # a float64 bias with float32 everything else: the result is float64, not silently cast down
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    h, cache = rnn.forward({**p32, "b": np.zeros(3)}, np.ones((2, 1, 2), np.float32))
    assert h.dtype == np.float64 and cache.h0.dtype == np.float64
    with pytest.raises(ValueError, match="cache: expected the RNNCache returned by rnn.forward"):
        rnn.backward(np.zeros((2, 1, 3)), object())
    with pytest.raises(ValueError, match="cache: expected the StepCache returned by step_forward"):
        rnn.step_backward(np.zeros((1, 3)), cache)


@pytest.mark.parametrize("activation", rnn.ACTIVATIONS)
def test_activations_forward_and_gradient_check(rng, activation):
    params, x, h0 = make(rng, T=5)
    h, cache = rnn.forward(params, x, h0, activation=activation)
    f = {"tanh": np.tanh, "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "identity": lambda a: a}[activation]
    h_prev = h0
    for t in range(x.shape[0]):  # the equation, one step at a time
        h_prev = f(params["b"] + h_prev @ params["W"].T + x[t] @ params["U"].T)
        np.testing.assert_allclose(h[t], h_prev, rtol=1e-13, atol=1e-15)
    result = check_gradients(rnn.forward, rnn.backward, params, {"x": x, "h0": h0}, rng=rng,
                             constants={"activation": activation})
    assert result.ok, str(result)


def test_unknown_activation_is_named(rng):
    params, x, h0 = make(rng)
    with pytest.raises(ValueError, match="activation: expected one of"):
        rnn.forward(params, x, h0, activation="relu")


@pytest.mark.parametrize("activation", rnn.ACTIVATIONS)
def test_state_gradients_are_the_total_derivative_at_every_step(rng, activation):
    params, x, h0 = make(rng, T=6)
    h, cache = rnn.forward(params, x, h0, activation=activation)
    dh = rng.standard_normal(h.shape)  # L = sum_t <dh_t, h_t>
    g = rnn.state_gradients(dh, cache)
    assert g.shape == h.shape
    T = x.shape[0]
    for t in range(T):
        def loss_from(h_t):  # the part of L that depends on h_t: h_t itself and every later step
            later = rnn.forward(params, x[t + 1:], h_t, activation=activation)[0] if t + 1 < T else h[:0]
            return np.sum(dh[t] * h_t) + np.sum(dh[t + 1:] * later)
        assert rel_error(g[t], numerical_gradient(loss_from, h[t].copy())) < 1e-7
    # one step further back is what backward calls dh0
    _, dh0, _ = rnn.backward(dh, cache)
    deriv = {"tanh": 1 - h[0] ** 2, "sigmoid": h[0] * (1 - h[0]), "identity": 1.0}[activation]
    np.testing.assert_allclose((g[0] * deriv) @ params["W"], dh0, rtol=1e-12)
