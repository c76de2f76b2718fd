"""The one-unit RNN of Pascanu et al. (2013): forward is the recurrence, BPTT matches central differences
(also right next to the cliff), the cliff is where the theory puts it, and the descents clip as optim does."""
import numpy as np
import pytest

from helpers import scalar_rnn
from helpers.gradcheck import numerical_gradient, rel_error
from helpers.numerics import sigmoid
from helpers.optim import clip_grad_norm, sgd_step


def test_forward_is_the_recurrence_step_by_step():
    w, b = np.array([4.6, -2.0, 0.5]), np.array([-1.5, 0.3, 0.0])
    E, cache = scalar_rnn.forward(w, b, T=7)
    for i in range(3):
        x = 0.5
        for t in range(1, 8):
            x = w[i] * (1 / (1 + np.exp(-x))) + b[i]
            assert cache.x[t, i] == pytest.approx(x, rel=1e-14)
        assert E[i] == pytest.approx((1 / (1 + np.exp(-x)) - 0.7) ** 2, rel=1e-13)
    assert cache.x.shape == (8, 3) and cache.x[0, 0] == 0.5


def test_forward_is_vectorised_over_a_grid():
    w, b, E = scalar_rnn.error_surface(n=5)
    assert w.shape == (5,) and b.shape == (5,) and E.shape == (5, 5)
    for i in (0, 3):
        for j in (1, 4):
            assert E[i, j] == scalar_rnn.forward(w[j], b[i])[0]  # row i is b[i], column j is w[j]


def _check_bptt(w, b, T=50, h=1e-5):
    """BPTT against central differences for every (w, b) in the arrays (float64)."""
    dw, db = scalar_rnn.backward(scalar_rnn.forward(w, b, T)[1])
    for i in range(w.size):
        num_w = numerical_gradient(lambda v: scalar_rnn.forward(v, b[i], T)[0], np.array(w[i]), h=h)
        num_b = numerical_gradient(lambda v: scalar_rnn.forward(w[i], v, T)[0], np.array(b[i]), h=h)
        assert rel_error(dw[i], num_w) < 1e-7, (w[i], b[i], dw[i], num_w)
        assert rel_error(db[i], num_b) < 1e-7, (w[i], b[i], db[i], num_b)
    return dw, db


def test_bptt_matches_finite_differences(rng):
    w = rng.uniform(-6, 8, size=12)
    b = rng.uniform(-5, 3, size=12)
    _check_bptt(w, b)
    _check_bptt(w[:4], b[:4], T=1)


def test_bptt_matches_finite_differences_near_the_cliff():
    # At w = 4.6 the wall is a few 1e-3 wide and E curves sharply within it, so the central
    # difference's truncation error (~h^2 E''') is ~1e-5 at h = 1e-5, and drops 100-fold per 10-fold
    # smaller h. At h = 1e-7 it is below the round-off (~1e-9), and the tolerance stays 1e-7.
    w = np.full(6, 4.6)
    b_cliff = scalar_rnn.cliff_line(np.array(4.6))
    b = b_cliff + np.array([-3e-3, -1e-3, -3e-4, 3e-4, 1e-3, 3e-3])
    dw, db = _check_bptt(w, b, h=1e-7)
    assert np.max(np.hypot(dw, db)) > 50  # steep: far above the gradients elsewhere on the surface
    far = scalar_rnn.error_and_gradient(4.6, b_cliff + 1.0)
    assert np.hypot(far[1], far[2]) < 1


def test_the_cliff_is_where_x0_is_the_unstable_fixed_point():
    w = np.array([3.0, 4.0, 5.0, 6.0, 8.0])
    b = scalar_rnn.cliff_line(w)
    assert np.isnan(b[:2]).all()  # w * sigma'(0.5) < 1: a single fixed point, no cliff
    s = sigmoid(0.5)
    np.testing.assert_allclose(b[2:], 0.5 - w[2:] * s)
    for wi, bi in zip(w[2:], b[2:]):
        below, _ = scalar_rnn.forward(wi, bi - 1e-3)
        above, _ = scalar_rnn.forward(wi, bi + 1e-3)
        assert below > 0.3 and above < 0.1  # two plateaus: sigma(x_T) near 0 below, near 1 above
        x = scalar_rnn.forward(wi, bi)[1].x
        np.testing.assert_allclose(x[:20], 0.5, atol=1e-9)  # on the line, x_0 is a fixed point


def test_fast_path_agrees_with_the_vectorised_one(rng):
    w, b = rng.uniform(-6, 8, size=20), rng.uniform(-5, 3, size=20)
    E, dw, db = scalar_rnn.error_and_gradient(w, b)
    for i in range(20):
        fast = scalar_rnn._error_and_gradient_one(float(w[i]), float(b[i]), 50, 0.5, 0.7)
        np.testing.assert_allclose(fast, (E[i], dw[i], db[i]), rtol=1e-10, atol=1e-300)


def test_gradient_descent_clips_exactly_as_optim_does():
    w0, b0, lr, c, steps = 5.5, -1.5, 1.0, 0.5, 60
    path = scalar_rnn.gradient_descent(np.array([w0, w0]), np.array([b0, b0]), lr, steps,
                                       max_norm=np.array([np.inf, c]))
    params = {"w": np.array(w0), "b": np.array(b0)}
    for k in range(steps):
        E, dw, db = scalar_rnn.error_and_gradient(params["w"], params["b"])
        clipped, norm = clip_grad_norm({"w": dw, "b": db}, c)
        assert path.grad_norm[k, 1] == pytest.approx(norm, rel=1e-9)
        assert path.clipped[k, 1] == (norm > c)
        params = sgd_step(params, clipped, lr)
        assert path.w[k + 1, 1] == pytest.approx(float(params["w"]), rel=1e-9, abs=1e-12)
        assert path.b[k + 1, 1] == pytest.approx(float(params["b"]), rel=1e-9, abs=1e-12)
    assert path.clipped[:, 1].any() and not path.clipped[:, 0].any()
    # the situation of Goodfellow et al.'s Fig. 10.17: the unclipped path is thrown far away
    jump = np.hypot(np.diff(path.w[:, 0]), np.diff(path.b[:, 0]))
    assert jump.max() > 5
    assert np.hypot(np.diff(path.w[:, 1]), np.diff(path.b[:, 1])).max() <= lr * c + 1e-12
    assert path.E[-1, 1] < path.E[-1, 0]


def test_a_path_that_leaves_the_box_stops_there():
    b0 = float(scalar_rnn.cliff_line(np.array(4.6))) - 1e-3  # on the wall: |gradient| ~ 300
    path = scalar_rnn.gradient_descent(4.6, b0, lr=10.0, steps=60, bound=50.0)
    assert path.escaped
    k = int(np.argmax((np.abs(path.w) > 50) | (np.abs(path.b) > 50)))
    assert k > 0
    np.testing.assert_array_equal(path.w[k:], path.w[k])  # frozen at the first point outside
    assert np.isfinite(path.w).all() and np.isfinite(path.E).all()
    assert path.w.shape == (61,) and path.grad_norm.shape == (60,)


def test_float32_stays_float32():
    E, cache = scalar_rnn.forward(np.float32([4.0, 5.0]), np.float32([-1.0, -2.0]))
    assert E.dtype == np.float32 and cache.x.dtype == np.float32
    dw, db = scalar_rnn.backward(cache)
    assert dw.dtype == np.float32


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"b: expected a shape that broadcasts with w's \(3,\), got \(2,\)"):
        scalar_rnn.forward(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="w: expected finite values"):
        scalar_rnn.forward(np.array([np.nan]), 0.0)
    with pytest.raises(ValueError, match="w: expected a real floating-point array"):
        scalar_rnn.forward(np.array(["a"]), 0.0)
    with pytest.raises(ValueError, match="T: expected a positive int, got 0"):
        scalar_rnn.forward(1.0, 0.0, T=0)
    with pytest.raises(ValueError, match="x0: expected a finite real number"):
        scalar_rnn.forward(1.0, 0.0, x0=np.inf)
    with pytest.raises(ValueError, match="cache: expected the ScalarRNNCache"):
        scalar_rnn.backward((1.0, 2.0))
    with pytest.raises(ValueError, match="lr: expected a positive learning rate"):
        scalar_rnn.gradient_descent(1.0, 0.0, lr=0.0, steps=3)
    with pytest.raises(ValueError, match="steps: expected a positive int"):
        scalar_rnn.gradient_descent(1.0, 0.0, lr=0.1, steps=2.5)
    with pytest.raises(ValueError, match="max_norm: expected None or positive numbers"):
        scalar_rnn.gradient_descent(1.0, 0.0, lr=0.1, steps=3, max_norm=-1.0)
    with pytest.raises(ValueError, match=r"max_norm: expected a shape that broadcasts to \(2,\)"):
        scalar_rnn.gradient_descent(np.ones(2), 0.0, lr=0.1, steps=3, max_norm=np.ones(3))
    with pytest.raises(ValueError, match="w_lim: expected \\(low, high\\)"):
        scalar_rnn.error_surface(w_lim=(2.0, 1.0))
    with pytest.raises(ValueError, match="n: expected an int >= 2"):
        scalar_rnn.error_surface(n=1)
