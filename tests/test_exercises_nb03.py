"""Notebook 03's exercises: the solutions agree with helpers.rnn (the course's math, written once) on the exercises'
own cases, the cases hold the edge cases that matter, and wrong answers get the right explanation."""
import numpy as np
import pytest

from helpers import rnn
from helpers.exercises import EXERCISES, check
from helpers.exercises.nb03 import _implied_bias
from helpers.gradcheck import rel_error


def _cases(exercise_id):
    exercise = EXERCISES[exercise_id]
    return exercise.cases(np.random.default_rng(exercise.seed))


def _assert_same(mine, reference, tol=1e-12):
    assert len(mine) == len(reference)
    for a, b in zip(mine, reference):
        assert a.shape == b.shape and rel_error(a, b) < tol


def _helpers_outputs(dx, dh0, grads):
    return dx, dh0, grads["U"], grads["W"], grads["b"]


@pytest.mark.parametrize("case", _cases("03.1"), ids=lambda c: c.label)
def test_one_step_backward_is_helpers_step_backward(case):
    dh_t, x_t, h_prev, h_t, U, W = case.args
    b = _implied_bias(x_t[None], h_prev, h_t[None], U, W)
    h_again, cache = rnn.step_forward({"U": U, "W": W, "b": b}, x_t, h_prev)
    assert rel_error(h_again, h_t) < 1e-12  # the case is a real forward step
    _assert_same(EXERCISES["03.1"].solution(*case.args), _helpers_outputs(*rnn.step_backward(dh_t, cache)))


@pytest.mark.parametrize("case", _cases("03.2"), ids=lambda c: c.label)
def test_bptt_is_helpers_backward(case):
    dh, x, h0, h, U, W = case.args
    h_again, cache = rnn.forward({"U": U, "W": W, "b": _implied_bias(x, h0, h, U, W)}, x, h0)
    assert rel_error(h_again, h) < 1e-12  # the case is a real forward pass
    _assert_same(EXERCISES["03.2"].solution(*case.args), _helpers_outputs(*rnn.backward(dh, cache)))


@pytest.mark.parametrize("case", _cases("03.3"), ids=lambda c: c.label)
def test_truncated_bptt_is_helpers_truncated_backward(case):
    dh, x, h0, h, U, W, k = case.args
    cache = rnn.RNNCache(x=x, h0=h0, h=h, U=U, W=W)
    _assert_same(EXERCISES["03.3"].solution(*case.args), _helpers_outputs(*rnn.truncated_backward(dh, cache, k)))
    if k >= x.shape[0]:  # no truncation left: full BPTT, exercise 03.2
        _assert_same(EXERCISES["03.3"].solution(*case.args), EXERCISES["03.2"].solution(*case.args[:-1]))


@pytest.mark.parametrize("exercise_id", ["03.1", "03.2", "03.3"])
def test_the_numerical_gradients_agree_with_the_solution_on_every_case(exercise_id):
    exercise = EXERCISES[exercise_id]
    for case in _cases(exercise_id):
        numeric = exercise.gradient(*case.args)
        assert set(numeric) == set(exercise.outputs)
        for name, value in zip(exercise.outputs, exercise.solution(*case.args)):
            assert rel_error(value, numeric[name]) < 1e-8, (case.label, name)


def test_the_truncated_numerical_gradient_is_not_the_full_one_when_k_is_short():
    """The central differences of 03.3 differentiate the truncated loss: for k < T they differ from full BPTT."""
    case = _cases("03.3")[0]
    dh, x, h0, h, U, W, k = case.args
    assert k < x.shape[0]
    truncated = EXERCISES["03.3"].gradient(*case.args)
    full = EXERCISES["03.2"].gradient(*case.args[:-1])
    assert rel_error(truncated["dW"], full["dW"]) > 1e-3


def test_the_cases_hold_the_edge_cases():
    step = _cases("03.1")
    assert any(c.args[0].shape[0] == c.args[1].shape[1] == c.args[0].shape[1] for c in step)  # N = D = H
    assert any(c.args[0].shape == (1, 1) for c in step)  # one sequence, one unit
    assert any(np.min(1.0 - c.args[3] ** 2) < 1e-6 for c in step)  # a saturated tanh
    bptt = _cases("03.2")
    assert any(c.args[1].shape[0] == 1 for c in bptt)  # T = 1
    assert any(c.args[1].shape[1] == c.args[1].shape[2] == c.args[3].shape[2] for c in bptt)  # N = D = H
    assert any(not np.any(c.args[0][:-1]) and np.any(c.args[0][-1]) for c in bptt)  # an error at the last step only
    assert any(np.min(1.0 - c.args[3] ** 2) < 1e-6 for c in bptt)
    for case in step + bptt + _cases("03.3"):
        h_prev = case.args[2]
        assert np.all(np.abs(h_prev) > 1e-3)  # a non-zero initial state: step 0's term of dW counts
    ks = {(c.args[1].shape[0], c.args[-1]) for c in _cases("03.3")}  # (T, k)
    assert any(k == 1 and T > 1 for T, k in ks) and any(k == T - 1 for T, k in ks)
    assert any(k > T for T, k in ks) and any(T == 1 for T, k in ks)


def test_a_mistake_in_dW_alone_is_named_with_the_right_outputs():
    def dW_with_h_t(dh_t, x_t, h_prev, h_t, U, W):
        delta = dh_t * (1.0 - h_t ** 2)
        return delta @ U, delta @ W, delta.T @ x_t, delta.T @ h_t, delta.sum(axis=0)

    message = check("03.1", dW_with_h_t).message
    assert "Your dW matches the true dW with h_t in place of h_{t-1}" in message
    assert "wrong: dW; right: dx_t, dh_prev, dU, db" in message


@pytest.mark.parametrize("exercise_id", ["03.1", "03.2", "03.3"])
def test_an_output_left_at_zero_is_called_so_not_a_known_mistake(exercise_id):
    """A mistake that computes nothing on some case (a loop that never runs) must not claim a learner's np.zeros."""
    exercise = EXERCISES[exercise_id]
    for index, name in enumerate(exercise.outputs):
        def zeroed(*args, index=index):
            out = list(exercise.solution(*args))
            out[index] = np.zeros_like(out[index])
            return tuple(out)

        message = check(exercise_id, zeroed).message
        hints = [m.hint for m in exercise.mistakes if m.hint in message]
        if name == "dh0":
            assert [h[:16] for h in hints] == ["Your dh0 is zero"], hints
        else:
            assert not hints and f"Your {name} is all zeros" in message, (name, message)


def test_forgetting_the_carried_error_is_recognised_on_the_first_case():
    def only_local(dh, x, h0, h, U, W):
        delta = dh * (1.0 - h ** 2)  # (T, N, H): no error from later steps
        h_prev = np.concatenate([h0[None], h[:-1]])
        return (delta @ U, delta[0] @ W, np.einsum("tnh,tnd->hd", delta, x), np.einsum("tnh,tnj->hj", delta, h_prev),
                delta.sum(axis=(0, 1)))

    message = check("03.2", only_local).message
    assert "the error flowing back from the later steps is missing" in message
    assert "On case 'T = 6, N = 3, D = 4, H = 5'" in message


def test_full_bptt_submitted_for_truncated_bptt_is_told_that_k_is_unused():
    message = check("03.3", lambda dh, x, h0, h, U, W, k: EXERCISES["03.2"].solution(dh, x, h0, h, U, W)).message
    assert "full BPTT (exercise 03.2): k is not used" in message and "window is one step too long" not in message


def test_patterns_without_a_registered_mistake_are_still_explained():
    def flipped(*args):
        return tuple(-a for a in EXERCISES["03.1"].solution(*args))

    def dU_transposed(dh_t, x_t, h_prev, h_t, U, W):
        dx_t, dh_prev, dU, dW, db = EXERCISES["03.1"].solution(dh_t, x_t, h_prev, h_t, U, W)
        return dx_t, dh_prev, dU.T, dW, db

    assert "wrong sign" in check("03.1", flipped).message
    assert "Your dU looks transposed" in check("03.1", dU_transposed).message


def test_the_statements_follow_the_notebook():
    """The stubs name delta_t, the total gradient and eq. 10.21 as section 2 does; 03.3 points to helpers' semantics."""
    step, bptt = (" ".join(EXERCISES[i].stub.split()) for i in ("03.1", "03.2"))
    assert "delta_t = diag(1 - h_t^2) dL/dh_t" in step and "the *total* gradient" in step
    assert "eq. 10.21" in bptt and "(h_{-1} = h0)" in bptt
    assert "helpers.rnn.truncated_backward" in EXERCISES["03.3"].stub
