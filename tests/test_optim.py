import numpy as np
import pytest

from helpers.optim import adam_init, adam_step, sgd_step


def test_sgd_step():
    new = sgd_step({"w": np.array([1.0, 2.0])}, {"w": np.array([0.5, -1.0])}, lr=0.1)
    np.testing.assert_allclose(new["w"], [0.95, 2.1])


def test_adam_first_step_moves_each_weight_by_lr_against_the_gradient_sign():
    params = {"w": np.array([1.0, -2.0, 3.0])}
    grads = {"w": np.array([0.3, -5.0, 1e-3])}
    new, state = adam_step(params, grads, adam_init(params), lr=0.01)
    # with bias correction the first step is lr * g / |g| (up to eps)
    np.testing.assert_allclose(new["w"], params["w"] - 0.01 * np.sign(grads["w"]), rtol=1e-6)
    assert state.step == 1
    np.testing.assert_array_equal(params["w"], [1.0, -2.0, 3.0])  # nothing modified in place


def test_adam_minimises_a_quadratic():
    target = np.array([3.0, -1.0])
    params, state = {"w": np.zeros(2)}, adam_init({"w": np.zeros(2)})
    for _ in range(2000):
        params, state = adam_step(params, {"w": 2 * (params["w"] - target)}, state, lr=0.05)
    np.testing.assert_allclose(params["w"], target, atol=1e-3)


def test_mismatched_grads_are_named():
    with pytest.raises(ValueError, match=r"grads: expected the keys of params \['a', 'b'\]"):
        sgd_step({"a": np.zeros(1), "b": np.zeros(1)}, {"a": np.zeros(1)}, lr=1.0)
    with pytest.raises(ValueError, match=r"grads\['a'\]: expected shape \(2,\), got \(3,\)"):
        adam_step({"a": np.zeros(2)}, {"a": np.zeros(3)}, adam_init({"a": np.zeros(2)}))
