import numpy as np
import pytest

from helpers.optim import (NonFiniteGradientError, adam_init, adam_step, clip_grad_norm,
                           clip_grad_norm_per_parameter, clip_grad_value, global_norm, sgd_step)


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


# --------------------------------------------------------------------------- gradient clipping


def _grads():
    return {"W": np.array([[3.0, -4.0], [0.0, 12.0]]), "b": np.array([0.0, 84.0])}  # ||g|| = sqrt(169 + 7056) = 85


def _snapshot(grads):
    return {k: np.array(v, copy=True) for k, v in grads.items()}


def test_global_norm_is_taken_over_all_parameters_together():
    grads = _grads()
    everything = np.concatenate([g.ravel() for g in grads.values()])
    assert global_norm(grads) == pytest.approx(np.sqrt(np.sum(everything ** 2)))
    assert global_norm(grads) == pytest.approx(85.0)
    assert global_norm({"huge": np.array([3e200, 4e200])}) == pytest.approx(5e200)  # no overflow


def test_clip_grad_norm_caps_the_global_norm_and_keeps_the_direction():
    grads = _grads()
    before = _snapshot(grads)
    clipped, total = clip_grad_norm(grads, max_norm=5.0)
    assert total == pytest.approx(85.0)
    assert global_norm(clipped) == pytest.approx(5.0)
    for k in grads:  # one common factor for every array: parallel to the original
        np.testing.assert_allclose(clipped[k], grads[k] * 5.0 / 85.0)
    flat = np.concatenate([clipped[k].ravel() for k in grads])
    orig = np.concatenate([grads[k].ravel() for k in grads])
    assert np.dot(flat, orig) / (np.linalg.norm(flat) * np.linalg.norm(orig)) == pytest.approx(1.0)
    for k in grads:  # inputs untouched
        np.testing.assert_array_equal(grads[k], before[k])


def test_clip_grad_norm_below_the_threshold_changes_nothing_and_returns_new_arrays():
    grads = _grads()
    clipped, total = clip_grad_norm(grads, max_norm=100.0)
    assert total == pytest.approx(85.0)
    for k in grads:
        np.testing.assert_array_equal(clipped[k], grads[k])
        assert clipped[k] is not grads[k] and not np.shares_memory(clipped[k], grads[k])
    clipped["W"][0, 0] = 99.0  # writing into the result ...
    assert grads["W"][0, 0] == 3.0  # ... does not reach the caller's gradient
    assert clipped is not grads


def test_clip_grad_norm_keeps_float32():
    clipped, _ = clip_grad_norm({"w": np.array([30.0, 40.0], dtype=np.float32)}, 1.0)
    assert clipped["w"].dtype == np.float32
    np.testing.assert_allclose(clipped["w"], [0.6, 0.8], rtol=1e-6)


def test_clip_grad_value_stays_within_the_limit_and_turns_the_direction():
    grads = {"w": np.array([10.0, 1.0]), "b": np.array([-0.5])}
    before = _snapshot(grads)
    clipped = clip_grad_value(grads, limit=2.0)
    np.testing.assert_array_equal(clipped["w"], [2.0, 1.0])
    np.testing.assert_array_equal(clipped["b"], [-0.5])
    assert all(np.all(np.abs(v) <= 2.0) for v in clipped.values())
    g = np.concatenate([grads["w"], grads["b"]])
    c = np.concatenate([clipped["w"], clipped["b"]])
    cosine = np.dot(g, c) / (np.linalg.norm(g) * np.linalg.norm(c))
    assert cosine < 0.95  # the big entry was cut, the small ones kept: a different direction
    by_norm = clip_grad_norm(grads, 2.0)[0]
    n = np.concatenate([by_norm["w"], by_norm["b"]])
    assert np.dot(g, n) / (np.linalg.norm(g) * np.linalg.norm(n)) == pytest.approx(1.0)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])
        assert not np.shares_memory(clipped[k], grads[k])


def test_clip_per_parameter_caps_each_array_on_its_own():
    grads = _grads()  # ||W|| = 13, ||b|| = 84
    before = _snapshot(grads)
    clipped, norms = clip_grad_norm_per_parameter(grads, max_norm=20.0)
    assert norms == pytest.approx({"W": 13.0, "b": 84.0})
    np.testing.assert_array_equal(clipped["W"], grads["W"])  # under the cap: unchanged
    np.testing.assert_allclose(clipped["b"], grads["b"] * 20.0 / 84.0)
    assert np.linalg.norm(clipped["b"]) == pytest.approx(20.0)
    # each array keeps its direction, the whole update does not: W now weighs 84 / 20 times more
    ratio = (np.linalg.norm(clipped["W"]) / np.linalg.norm(clipped["b"])) / (13.0 / 84.0)
    assert ratio == pytest.approx(84.0 / 20.0)
    g = np.concatenate([grads[k].ravel() for k in grads])
    c = np.concatenate([clipped[k].ravel() for k in grads])
    assert np.dot(g, c) / (np.linalg.norm(g) * np.linalg.norm(c)) < 0.99
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])
        assert not np.shares_memory(clipped[k], grads[k])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("clip", [lambda g: clip_grad_norm(g, 1.0), lambda g: clip_grad_value(g, 1.0),
                                  lambda g: clip_grad_norm_per_parameter(g, 1.0), global_norm])
def test_non_finite_gradients_raise_naming_the_parameter(clip, bad):
    grads = {"W": np.array([[1.0, 2.0], [3.0, bad]]), "b": np.array([0.5, 0.5])}
    before = _snapshot(grads)
    with pytest.raises(NonFiniteGradientError, match=r"grads\['W'\] \(1 of 4 entries\): not finite") as info:
        clip(grads)
    assert isinstance(info.value, ValueError) and "grads['b']" not in str(info.value)
    np.testing.assert_array_equal(grads["W"], before["W"])


def test_non_finite_error_lists_every_offending_parameter():
    with pytest.raises(NonFiniteGradientError, match=r"grads\['a'\] \(2 of 3 entries\), grads\['c'\]"):
        clip_grad_norm({"a": np.array([np.nan, np.inf, 1.0]), "b": np.ones(2), "c": np.array(np.nan)}, 1.0)


@pytest.mark.parametrize("value", [0.0, -1.0, np.inf, np.nan, "1", None, True])
def test_bad_thresholds_are_named(value):
    with pytest.raises(ValueError, match="max_norm: expected a positive finite number"):
        clip_grad_norm({"w": np.ones(2)}, value)
    with pytest.raises(ValueError, match="max_norm: expected a positive finite number"):
        clip_grad_norm_per_parameter({"w": np.ones(2)}, value)
    with pytest.raises(ValueError, match="limit: expected a positive finite number"):
        clip_grad_value({"w": np.ones(2)}, value)


def test_bad_grads_are_named():
    for clip in (lambda g: clip_grad_norm(g, 1.0), lambda g: clip_grad_value(g, 1.0),
                 lambda g: clip_grad_norm_per_parameter(g, 1.0)):
        with pytest.raises(ValueError, match=r"grads: expected a dict of gradient arrays \{name: array\}, got list"):
            clip([np.ones(2)])
        with pytest.raises(ValueError, match="grads: expected a dict of gradient arrays, got an empty dict"):
            clip({})
        with pytest.raises(ValueError, match=r"grads\['w'\]: expected a real floating-point array, got dtype <U1"):
            clip({"w": np.array(["a"])})


def test_transformer_lr_schedule():
    from helpers.optim import transformer_lr
    steps = np.arange(1, 20001)
    lr = transformer_lr(steps, d_model=512, warmup=4000)
    assert np.argmax(lr) == 3999  # the peak is at step = warmup
    assert lr.max() == pytest.approx((512 * 4000) ** -0.5)
    np.testing.assert_allclose(lr[:4000], steps[:4000] * 512 ** -0.5 * 4000 ** -1.5)  # linear warm-up
    np.testing.assert_allclose(lr[4000:], 512 ** -0.5 * steps[4000:] ** -0.5)  # then 1 / sqrt(step)
    assert transformer_lr(1, 64, 10) == pytest.approx(64 ** -0.5 * 10 ** -1.5)
    with pytest.raises(ValueError, match="step"):
        transformer_lr(0, 64)
    with pytest.raises(ValueError, match="warmup"):
        transformer_lr(1, 64, warmup=0)
