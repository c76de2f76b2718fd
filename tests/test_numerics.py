import warnings

import numpy as np
import pytest

from helpers.gradcheck import numerical_gradient, rel_error
from helpers.numerics import (log_softmax, log_softmax_backward, sigmoid, sigmoid_derivative,
                              softmax, softmax_backward, softmax_jacobian, tanh, tanh_derivative)

DTYPES = [np.float64, np.float32]


def strict():
    """Fail on overflow / invalid / divide-by-zero warnings (underflow to 0 is fine)."""
    ctx = np.errstate(over="raise", invalid="raise", divide="raise")
    return ctx


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_exact_limits_without_warnings(dtype):
    x = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0], dtype=dtype)
    with strict(), warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(x)
        ds = sigmoid_derivative(x)
    assert s.dtype == dtype and ds.dtype == dtype
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert ds[0] == 0.0 and ds[-1] == 0.0 and ds[2] == 0.25
    ref = 1.0 / (1.0 + np.exp(-np.array([-1.0, 1.0])))
    np.testing.assert_allclose(s[[1, 3]], ref, rtol=1e-6 if dtype == np.float32 else 1e-15)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_exact_limits_without_warnings(dtype):
    x = np.array([-1000.0, 0.0, 1000.0], dtype=dtype)
    with strict():
        t, dt = tanh(x), tanh_derivative(x)
    assert t.dtype == dtype and dt.dtype == dtype
    np.testing.assert_array_equal(t, [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(dt, [0.0, 1.0, 0.0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_and_log_softmax_at_extremes(dtype):
    x = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]], dtype=dtype)
    with strict():
        p = softmax(x)
        lp = log_softmax(x)
    assert p.dtype == dtype and lp.dtype == dtype
    np.testing.assert_array_equal(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-6)
    np.testing.assert_array_equal(lp[0], [0.0, -1000.0, -2000.0])
    assert np.all(np.isfinite(lp))


def test_softmax_matches_naive_formula_where_naive_is_safe(rng):
    x = rng.standard_normal((4, 5))
    naive = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax(x), naive, rtol=1e-14)
    np.testing.assert_allclose(log_softmax(x), np.log(naive), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(softmax(x.T, axis=0), naive.T, rtol=1e-14)


def test_derivatives_match_central_differences(rng):
    x = rng.uniform(-4, 4, size=(3, 4))
    for f, df in ((sigmoid, sigmoid_derivative), (tanh, tanh_derivative)):
        num = numerical_gradient(lambda v: np.sum(f(v)), x)
        assert rel_error(df(x), num) < 1e-9


def test_derivatives_stay_accurate_in_the_tails():
    x = np.array([30.0, -30.0])
    np.testing.assert_allclose(sigmoid_derivative(x), np.exp(-30.0) / (1 + np.exp(-30.0)) ** 2, rtol=1e-14)
    np.testing.assert_allclose(tanh_derivative(x), 1 / np.cosh(30.0) ** 2, rtol=1e-13)


def test_softmax_backward_is_the_jacobian_product(rng):
    x = rng.standard_normal((2, 5))
    dy = rng.standard_normal((2, 5))
    y = softmax(x)
    J = softmax_jacobian(x)  # (2, 5, 5)
    np.testing.assert_allclose(softmax_backward(dy, y), np.einsum("ni,nij->nj", dy, J), rtol=1e-12)
    num = numerical_gradient(lambda v: softmax(v), x, df=dy)
    assert rel_error(softmax_backward(dy, y), num) < 1e-9


def test_log_softmax_backward_matches_central_differences(rng):
    x = rng.standard_normal((3, 4))
    dy = rng.standard_normal((3, 4))
    num = numerical_gradient(lambda v: log_softmax(v), x, df=dy)
    assert rel_error(log_softmax_backward(dy, log_softmax(x)), num) < 1e-9


def test_integer_input_becomes_float64_and_strings_are_refused():
    assert sigmoid(np.array([0, 1])).dtype == np.float64
    with pytest.raises(ValueError, match="x: expected a real floating-point array"):
        softmax(np.array(["a", "b"]))


def test_backward_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r"dy: expected the shape of y \(2, 3\), got \(3, 2\)"):
        softmax_backward(np.zeros((3, 2)), np.zeros((2, 3)))
