import numpy as np
import pytest

from helpers import dense
from helpers.gradcheck import (GradCheckResult, check_close, check_gradients, numerical_gradient,
                               rel_error)


def test_numerical_gradient_of_a_known_function(rng):
    x = rng.standard_normal((3, 2))
    A = rng.standard_normal((2, 2))
    # f(x) = sum(sin(x) @ A): gradient cos(x) * (1 @ A^T)
    grad = numerical_gradient(lambda v: np.sum(np.sin(v) @ A), x)
    expected = np.cos(x) * A.sum(axis=1)[None, :]
    assert rel_error(grad, expected) < 1e-9


def test_numerical_gradient_with_upstream_gradient(rng):
    x = rng.standard_normal(4)
    df = rng.standard_normal(4)
    grad = numerical_gradient(lambda v: v ** 3, x, df=df)
    assert rel_error(grad, 3 * x ** 2 * df) < 1e-9


def test_numerical_gradient_does_not_touch_x_and_passes_the_perturbed_array(rng):
    x = rng.standard_normal(3)
    before = x.copy()
    seen = []
    numerical_gradient(lambda v: (seen.append(v.copy()), float(v.sum()))[1], x, h=1e-3)
    np.testing.assert_array_equal(x, before)
    assert np.isclose(seen[0][0], before[0] + 1e-3) and np.isclose(seen[1][0], before[0] - 1e-3)


def test_numerical_gradient_refuses_float32_and_bad_outputs(rng):
    with pytest.raises(ValueError, match="x: gradient checks need float64, got float32"):
        numerical_gradient(np.sum, np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="f: without df, f must return a scalar"):
        numerical_gradient(lambda v: v * 2, np.zeros(3))
    with pytest.raises(ValueError, match=r"df: expected the shape of f's output \(3,\), got \(2,\)"):
        numerical_gradient(lambda v: v * 2, np.zeros(3), df=np.ones(2))


def test_rel_error():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert np.isclose(rel_error([1.0, 0.0], [-1.0, 0.0]), 1.0)
    assert np.isclose(rel_error([3.0, 4.0], [3.0, 4.0 + 1e-6]), 1e-6 / 10, rtol=1e-6)
    with pytest.raises(ValueError, match=r"b: expected the shape of a \(2,\), got \(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))


@pytest.mark.parametrize("activation", ["identity", "tanh", "sigmoid", "relu"])
def test_checker_passes_a_correct_backward(rng, activation):
    params = dense.init_params(4, 3, rng)
    params["b"] = rng.standard_normal(3)
    x = rng.standard_normal((5, 4))
    result = check_gradients(dense.forward, dense.backward, params, {"x": x}, rng=rng,
                             constants={"activation": activation})
    assert list(result.errors) == ["W", "b", "x"]
    assert result.shapes == {"W": (3, 4), "b": (3,), "x": (5, 4)}
    assert result.ok, str(result)
    result.assert_ok()
    assert result.worst[1] < 1e-7


def test_checker_catches_a_deliberately_wrong_gradient(rng):
    def wrong_backward(dy, cache):
        dx, grads = dense.backward(dy, cache)
        grads = dict(grads, b=grads["b"] * 1.01)  # a 1% error in one parameter only
        return dx, grads

    params = dense.init_params(4, 3, rng)
    x = rng.standard_normal((5, 4))
    result = check_gradients(dense.forward, wrong_backward, params, {"x": x}, rng=rng)
    assert not result.ok
    assert result.failed == ["b"]
    assert result.worst[0] == "b" and 1e-3 < result.worst[1] < 1e-2
    assert "FAILED for b" in result.verdict()
    with pytest.raises(AssertionError, match="WRONG"):
        result.assert_ok()


def test_checker_catches_a_wrong_input_gradient(rng):
    def transposed_mistake(dy, cache):
        dx, grads = dense.backward(dy, cache)
        return -dx, grads  # sign error

    params = dense.init_params(3, 3, rng)
    result = check_gradients(dense.forward, transposed_mistake, params,
                             {"x": rng.standard_normal((2, 3))}, rng=rng)
    assert result.failed == ["x"]


def test_checker_reports_contract_violations(rng):
    params = dense.init_params(2, 2, rng)
    x = rng.standard_normal((1, 2))
    with pytest.raises(ValueError, match="backward: expected 2 return values"):
        check_gradients(dense.forward, lambda dy, c: dense.backward(dy, c)[1], params, {"x": x}, rng=rng)
    with pytest.raises(ValueError, match="grads must be a dict keyed like params"):
        check_gradients(dense.forward, lambda dy, c: (dense.backward(dy, c)[0], {"W": 0}),
                        params, {"x": x}, rng=rng)
    with pytest.raises(ValueError, match=r"params\['W'\]: gradient checks need float64"):
        check_gradients(dense.forward, dense.backward, {k: v.astype(np.float32) for k, v in params.items()},
                        {"x": x}, rng=rng)
    with pytest.raises(ValueError, match="rng: expected an np.random.Generator"):
        check_gradients(dense.forward, dense.backward, params, {"x": x}, rng=0)


def test_result_treats_nan_as_failure():
    result = GradCheckResult(errors={"W": float("nan"), "b": 1e-12}, shapes={"W": (1,), "b": (1,)})
    assert not result.ok and result.failed == ["W"]


def test_check_close_prints_a_stable_verdict_and_raises_on_mismatch(capsys):
    assert check_close("identity", np.ones(3), np.ones(3) * (1 + 1e-12)) is None
    assert capsys.readouterr().out == "✓ identity: matches (relative error < 1e-07)\n"
    with pytest.raises(AssertionError, match=r"off: relative error 4\.762e-02 is not below 1e-07"):
        check_close("off", np.ones(3), np.ones(3) * 1.1)
