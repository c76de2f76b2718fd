"""Notebook 04's exercises: every solution agrees with helpers.lstm on the exercise's own cases, the cases hold the
edge cases their statements promise, and particular wrong answers get particular explanations."""

import numpy as np
import pytest

from helpers import lstm
from helpers.exercises import EXERCISES, check
from helpers.gradcheck import rel_error
from helpers.numerics import sigmoid

IDS = ("04.1", "04.2", "04.3")


def _cases(exercise_id):
    exercise = EXERCISES[exercise_id]
    return exercise.cases(np.random.default_rng(exercise.seed))


def _logit(a):
    with np.errstate(divide="ignore"):
        return np.clip(np.log(a) - np.log1p(-a), -50.0, 50.0)  # a gate of exactly 0 or 1 becomes -+50


def test_the_cell_update_is_the_one_inside_lstm_step_forward():
    # feed the case's z, i, f through identity input weights (D = 3H), so that lstm.step_forward's own cell
    # update computes c_t from exactly these gate values
    for case in _cases("04.1"):
        z, i, f, c_prev = case.args
        N, H = z.shape
        eye, zero = np.eye(H), np.zeros((H, H))
        params = {"W_z": np.hstack([eye, zero, zero]), "W_i": np.hstack([zero, eye, zero]),
                  "W_f": np.hstack([zero, zero, eye]), "W_o": np.zeros((H, 3 * H))}
        params.update({f"R_{g}": np.zeros((H, H)) for g in lstm.GATES})
        params.update({f"b_{g}": np.zeros(H) for g in lstm.GATES})
        x_t = np.hstack([np.arctanh(z), _logit(i), _logit(f)])  # (N, 3H)
        _, c_t, cache = lstm.step_forward(params, x_t, np.zeros((N, H)), c_prev)
        assert rel_error(cache.i, i) < 1e-12 and rel_error(cache.f, f) < 1e-12
        assert rel_error(EXERCISES["04.1"].solution(*case.args), c_t) < 1e-12, case.label


@pytest.mark.parametrize("exercise_id", ["04.2", "04.3"])
def test_the_step_is_lstm_step_forward(exercise_id):
    for case in _cases(exercise_id):
        params = case.args[0]
        assert lstm.has_peepholes(params) == (exercise_id == "04.3")
        y_t, c_t, _ = lstm.step_forward(*case.args)
        mine = EXERCISES[exercise_id].solution(*case.args)
        assert rel_error(mine[0], y_t) < 1e-12 and rel_error(mine[1], c_t) < 1e-12, case.label


def test_the_cases_hold_the_promised_edge_cases():
    shapes = [c.args[0].shape for c in _cases("04.1")]
    assert (4, 4) in shapes and (1, 1) in shapes  # a square batch, where @ runs; one unit
    extremes = _cases("04.1")[-1].args
    assert set(np.unique(extremes[1])) == {0.0, 1.0} == set(np.unique(extremes[2]))
    for exercise_id in ("04.2", "04.3"):
        cases = _cases(exercise_id)
        dims = [(c.args[1].shape[0], c.args[1].shape[1], c.args[2].shape[1]) for c in cases]  # (N, D, H)
        assert (4, 4, 4) in dims and any(n == 1 for n, _, _ in dims)
    saturated = _cases("04.2")[-1]
    _, _, cache = lstm.step_forward(*saturated.args)
    gates = np.stack([cache.i, cache.f, cache.o])
    assert np.mean((gates < 1e-3) | (gates > 1 - 1e-3)) > 0.5  # most gates are shut or wide open
    big = _cases("04.3")[-1].args[3]
    assert np.abs(big).max() > 3  # large previous cells: the peephole terms matter


def test_a_square_batch_is_where_the_matrix_product_is_caught_by_its_numbers():
    def matmul(z, i, f, c_prev):
        return z @ i + c_prev @ f
    message = check("04.1", matmul).message
    assert "Hadamard" in message and "4 of 4" not in message  # runs silently on the square and 1 x 1 cases


def test_a_wrong_output_alone_is_named_and_the_right_one_too():
    def no_output_tanh(params, x_t, y_prev, c_prev):
        y_t, c_t = EXERCISES["04.2"].solution(params, x_t, y_prev, c_prev)
        o = y_t / np.tanh(c_t)
        return c_t * o, c_t
    message = check("04.2", no_output_tanh).message
    assert "without the tanh" not in message and "y_t = h(c_t) ⊙ o_t" in message and "right: c_t" in message


def test_a_dot_product_peephole_is_explained_whatever_the_order_of_the_terms():
    # the learner's broadcasting error differs from the registered mistake's (operands in another order), but the
    # cases where c @ p runs (N = 1, N = H) still match the mistake by their numbers
    def peep_dot_first(params, x_t, y_prev, c_prev):
        P = params
        z = np.tanh(x_t @ P["W_z"].T + y_prev @ P["R_z"].T + P["b_z"])
        i = sigmoid(c_prev @ P["p_i"] + x_t @ P["W_i"].T + y_prev @ P["R_i"].T + P["b_i"])
        f = sigmoid(c_prev @ P["p_f"] + x_t @ P["W_f"].T + y_prev @ P["R_f"].T + P["b_f"])
        c = z * i + c_prev * f
        o = sigmoid(c @ P["p_o"] + x_t @ P["W_o"].T + y_prev @ P["R_o"].T + P["b_o"])
        return np.tanh(c) * o, c
    assert "a peephole is a Hadamard product" in check("04.3", peep_dot_first).message


def test_the_output_peephole_on_the_old_cell_is_named():
    def old_cell(params, x_t, y_prev, c_prev):
        P = params
        y_t, c_t = EXERCISES["04.3"].solution(params, x_t, y_prev, c_prev)
        o = sigmoid(x_t @ P["W_o"].T + y_prev @ P["R_o"].T + P["p_o"] * c_prev + P["b_o"])
        return np.tanh(c_t) * o, c_t
    message = check("04.3", old_cell).message
    assert "looks at the old cell c_{t-1}" in message and "right: c_t" in message


