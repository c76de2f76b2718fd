"""Notebook 05's exercises: every solution agrees with helpers.lstm (step_backward, state_gradients) on the exercise's
own cases, the numerical gradients of the checks are real central differences, the cases hold the promised edge
cases, and particular wrong answers get particular explanations."""

import numpy as np
import pytest

from helpers import lstm
from helpers.exercises import EXERCISES, check, nb05
from helpers.gradcheck import rel_error

IDS = ("05.1", "05.2", "05.3")


def _cases(exercise_id):
    exercise = EXERCISES[exercise_id]
    return exercise.cases(np.random.default_rng(exercise.seed))


def _runs(exercise_id, runs_of):
    return runs_of(np.random.default_rng(EXERCISES[exercise_id].seed))


def _deltas_from_step_backward(run):
    """d(zbar, ibar, fbar, obar) (4, T, N, H) by BPTT with lstm.step_forward / step_backward, one sequence at a
    time: with N = 1, a step's gradient of b_a is exactly its delta of the pre-activation ā_t."""
    T, N, H = run.Delta.shape
    deltas = np.zeros((4, T, N, H))
    for n in range(N):
        rows = slice(n, n + 1)
        y_prev = [run.y0[rows]] + [run.cache.y[t, rows] for t in range(T - 1)]
        c_prev = [run.c0[rows]] + [run.cache.c[t, rows] for t in range(T - 1)]
        dy_rec, dc_rec = np.zeros((1, H)), np.zeros((1, H))
        for t in range(T - 1, -1, -1):
            _, _, cache = lstm.step_forward(run.params, run.x[t, rows], y_prev[t], c_prev[t])
            _, dy_rec, dc_rec, grads = lstm.step_backward(run.Delta[t, rows] + dy_rec, dc_rec, cache)
            deltas[:, t, n] = [grads[f"b_{g}"] for g in lstm.GATES]
    return deltas


def test_the_gate_deltas_are_those_of_lstm_step_backward():
    runs, cases = _runs("05.1", nb05._gate_runs), _cases("05.1")
    for (label, run), case in zip(runs, cases):
        assert case.label == label and np.array_equal(case.args[0], run.dc) and np.array_equal(case.args[5], run.c0)
        reference = _deltas_from_step_backward(run)
        mine = EXERCISES["05.1"].solution(*case.args)
        for k in range(3):  # z, i, f
            assert rel_error(mine[k], reference[k]) < 1e-12, (label, lstm.GATES[k])


def test_the_cell_deltas_are_those_of_lstm_state_gradients():
    runs, cases = _runs("05.2", nb05._cell_runs), _cases("05.2")
    for (label, run), case in zip(runs, cases):
        dy_total, dc_total = lstm.state_gradients(run.Delta, run.cache)
        assert case.label == label and np.array_equal(case.args[0], dy_total)
        assert rel_error(EXERCISES["05.2"].solution(*case.args), dc_total) < 1e-12, label
        # and helpers' total dy is the one the step-by-step BPTT sends back: the input of the exercise is right
        deltas = _deltas_from_step_backward(run)
        R = {g: run.params[f"R_{g}"] for g in lstm.GATES}
        back = sum(deltas[k, 1:] @ R[g] for k, g in enumerate(lstm.GATES))  # (T-1, N, H)
        assert rel_error(dy_total[:-1], run.Delta[:-1] + back) < 1e-12


def test_the_step_backward_is_lstm_step_backward():
    for case in _cases("05.3"):
        dy_t, dc_t, params, x_t, y_prev, c_prev = case.args
        _, _, cache = lstm.step_forward(params, x_t, y_prev, c_prev)
        dx, dy_prev, dc_prev, grads = lstm.step_backward(dy_t, dc_t, cache)
        expected = (dx, dy_prev, dc_prev, np.stack([grads[f"W_{g}"] for g in lstm.GATES]),
                    np.stack([grads[f"R_{g}"] for g in lstm.GATES]), np.stack([grads[f"b_{g}"] for g in lstm.GATES]),
                    np.stack([grads[p] for p in lstm.PEEPHOLES]))
        mine = EXERCISES["05.3"].solution(*case.args)
        for name, m, e in zip(EXERCISES["05.3"].outputs, mine, expected):
            assert m.shape == e.shape and rel_error(m, e) < 1e-12, (case.label, name)


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_numerical_gradients_are_central_differences_that_a_wrong_answer_misses(exercise_id):
    exercise = EXERCISES[exercise_id]
    for case in _cases(exercise_id):
        numeric = exercise.gradient(*case.args)
        assert set(numeric) == set(exercise.outputs)
        mine = exercise.solution(*case.args)
        mine = mine if isinstance(mine, tuple) else (mine,)
        assert all(rel_error(m, numeric[n]) < 1e-8 for n, m in zip(exercise.outputs, mine)), case.label
    first = _cases(exercise_id)[0]
    numeric = exercise.gradient(*first.args)
    for mistake in exercise.mistakes:  # every registered mistake is also told apart by the numerical gradient
        wrong = mistake.wrong(*first.args)
        wrong = wrong if isinstance(wrong, tuple) else (wrong,)
        if any(np.shape(w) != numeric[n].shape for n, w in zip(exercise.outputs, wrong)):
            continue  # a reordered output (same arrays, other order) is not a numerical matter
        assert max(rel_error(w, numeric[n]) for n, w in zip(exercise.outputs, wrong)) > 1e-4, mistake.hint


def test_the_cases_hold_the_promised_edge_cases():
    gate_cases = _cases("05.1")
    assert any(c.args[0].shape[0] == 1 for c in gate_cases)  # T = 1: c_{t-1} is c0
    assert all(np.abs(c.args[5]).max() > 0.1 for c in gate_cases)  # c0 is not zero, so it matters
    assert any(c.args[0].shape[1:] == (1, 1) for c in gate_cases)
    cell_cases = _cases("05.2")
    assert any(c.args[0].shape[0] == 1 for c in cell_cases)  # no step t+1
    assert any(not np.any(c.args[6]) and not np.any(c.args[8]) for c in cell_cases)  # no peepholes
    assert any(c.args[3].min() > 0.9 for c in cell_cases)  # forget gate near 1: a long highway
    step_cases = _cases("05.3")
    assert any(c.args[3].shape[1] == c.args[4].shape[1] == c.args[4].shape[0] for c in step_cases)  # N = D = H
    assert not np.any(step_cases[-1].args[1])  # the last step: dc_t = 0


def test_a_time_loop_that_reads_c_minus_one_at_t_zero_is_told_it_wraps_around():
    def loop(dc, z, i, f, c, c0):
        dz, di, df = (np.zeros_like(dc) for _ in range(3))
        for t in range(dc.shape[0]):
            dz[t] = dc[t] * i[t] * (1 - z[t] ** 2)
            di[t] = dc[t] * z[t] * i[t] * (1 - i[t])
            df[t] = dc[t] * c[t - 1] * f[t] * (1 - f[t])  # c[-1] at t = 0
        return dz, di, df
    message = check("05.1", loop).message
    assert "wraps around" in message and "right: dz_bar, di_bar" in message


def test_a_delta_with_one_slip_in_one_gate_is_explained():
    def sigma_prime_forgotten_in_f_only(dc, z, i, f, c, c0):
        dz, di, df = EXERCISES["05.1"].solution(dc, z, i, f, c, c0)
        return dz, di, df / (f * (1 - f))
    assert "leave out σ'(ā)" in check("05.1", sigma_prime_forgotten_in_f_only).message


def test_the_partial_versus_total_slips_of_delta_c_get_their_explanations():
    hints = {m.hint.split(":")[0]: m for m in EXERCISES["05.2"].mistakes}
    twice = next(m for k, m in hints.items() if "twice" in k)
    missing_po = next(m for k, m in hints.items() if "p_o ⊙ δō_t" in k)
    assert "partial" in twice.hint and "total" in twice.hint
    assert "partial derivative along the edge" in missing_po.hint
    # the two are opposite errors of the same size: their numbers lie on either side of the right answer
    case = _cases("05.2")[0]
    right = EXERCISES["05.2"].solution(*case.args)
    assert rel_error(twice.wrong(*case.args) - right, right - missing_po.wrong(*case.args)) < 1e-12


def test_a_wrong_parameter_gradient_alone_is_named_with_the_others_right():
    message = check("05.3", next(m.wrong for m in EXERCISES["05.3"].mistakes if "uses y_t" in m.hint)).message
    assert "right: dx_t, dy_prev, dc_prev, dW, db, dp" in message and "wrong: dR" in message


