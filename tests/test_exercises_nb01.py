"""Notebook 01's exercises: the solutions agree with helpers.dense and helpers.datasets on the exercises' own cases,
the edge cases are there, and typical wrong answers get the explanation that fits them."""
import numpy as np
import pytest

from helpers import dense
from helpers.datasets import make_windows
from helpers.exercises import EXERCISES, check


def _cases(exercise_id):
    exercise = EXERCISES[exercise_id]
    return exercise.cases(np.random.default_rng(exercise.seed))


# --------------------------------------------------------------------------- the solutions are the course's math

def test_dense_forward_is_helpers_dense_forward_with_tanh():
    for case in _cases("01.1"):
        x, W, b = case.args
        y, _ = dense.forward({"W": W, "b": b}, x, activation="tanh")
        np.testing.assert_allclose(EXERCISES["01.1"].solution(x, W, b), y, rtol=1e-12, err_msg=case.label)


def test_dense_backward_is_helpers_dense_backward():
    for case in _cases("01.2"):
        dy, x, W, b = case.args
        _, cache = dense.forward({"W": W, "b": b}, x, activation="tanh")
        dx_ref, grads = dense.backward(dy, cache)
        dx, dW, db = EXERCISES["01.2"].solution(dy, x, W, b)
        for mine, ref in ((dx, dx_ref), (dW, grads["W"]), (db, grads["b"])):
            np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15, err_msg=case.label)


def test_dense_backward_agrees_with_central_differences():
    exercise = EXERCISES["01.2"]
    for case in _cases("01.2"):
        numeric = exercise.gradient(*case.args)
        for name, value in zip(exercise.outputs, exercise.solution(*case.args)):
            np.testing.assert_allclose(value, numeric[name], rtol=1e-6, atol=1e-9, err_msg=(case.label, name))


def test_cut_windows_is_make_windows_with_every_column_as_target():
    for case in _cases("01.3"):
        series, T, horizon, stride = case.args
        x_ref, y_ref = make_windows(series, window=T, horizon=horizon, stride=stride,
                                    target=list(range(series.shape[1])))
        x, y = EXERCISES["01.3"].solution(series, T, horizon, stride)
        assert x.shape == x_ref.shape and y.shape == y_ref.shape, case.label
        np.testing.assert_array_equal(x, x_ref, err_msg=case.label)
        np.testing.assert_array_equal(y, y_ref, err_msg=case.label)


# --------------------------------------------------------------------------- the edge cases are there

def test_the_cases_hold_the_edge_cases_that_matter():
    forward = [c.args for c in _cases("01.1")]
    assert any(x.shape[0] == x.shape[1] == W.shape[0] for x, W, _ in forward)  # N = D = H: x @ W runs
    assert any(x.shape[0] == 1 and W.shape[0] == 1 for x, W, _ in forward)  # one example, one output
    assert any(np.mean(np.abs(x @ W.T + b) > 3) > 0.3 for x, W, b in forward)  # a saturated tanh
    backward = [c.args for c in _cases("01.2")]
    assert any(x.shape[0] == x.shape[1] == W.shape[0] for _, x, W, _ in backward)  # x^T da runs, with wrong numbers
    assert any(x.shape[0] == 1 for _, x, _, _ in backward)  # sum and mean over the batch agree: not the only case
    windows = [c.args for c in _cases("01.3")]
    assert any((len(s) - T - h) % stride for s, T, h, stride in windows)  # stride leaves the last steps over
    assert any(len(s) == T + h for s, T, h, _ in windows)  # exactly one window
    assert any(T == 1 for _, T, _, _ in windows) and any(h > 1 for _, _, h, _ in windows)
    assert all(c.args[0].dtype == np.float64 for c in _cases("01.3"))


# --------------------------------------------------------------------------- other ways pass, wrong ones are explained

def test_a_loop_over_examples_and_a_loop_over_windows_pass():
    def forward_loop(x, W, b):
        return np.array([np.tanh(W @ x_n + b) for x_n in x])

    def backward_by_outer_products(dy, x, W, b):
        dx, dW, db = np.zeros_like(x), np.zeros_like(W), np.zeros_like(b)
        for n in range(len(x)):
            da = dy[n] * (1 - np.tanh(W @ x[n] + b) ** 2)
            dW += np.outer(da, x[n])
            db += da
            dx[n] = W.T @ da
        return dx, dW, db

    def windows_loop(series, T, horizon, stride):
        xs, ys, start = [], [], 0
        while start + T - 1 + horizon < len(series):
            xs.append(series[start:start + T])
            ys.append(series[start + T - 1 + horizon])
            start += stride
        return np.stack(xs, axis=1), np.array(ys)

    for exercise_id, candidate in (("01.1", forward_loop), ("01.2", backward_by_outer_products),
                                   ("01.3", windows_loop)):
        result = check(exercise_id, candidate)
        assert result.passed, result.message


def test_a_transposed_dW_alone_is_named_and_the_others_are_right():
    def transposed_dW(dy, x, W, b):
        dx, dW, db = EXERCISES["01.2"].solution(dy, x, W, b)
        return dx, dW.T, db

    message = check("01.2", transposed_dW).message
    assert "Your dW is x^T da" in message and "wrong: dW; right: dx, db" in message


def test_an_averaged_db_gets_the_sum_hint_even_when_the_rest_is_right():
    def mean_db(dy, x, W, b):
        dx, dW, _ = EXERCISES["01.2"].solution(dy, x, W, b)
        da = dy * (1 - np.tanh(x @ W.T + b) ** 2)
        return dx, dW, da.mean(axis=0)

    message = check("01.2", mean_db).message
    assert "Your db is the mean of da over the batch" in message and "right: dx, dW" in message


def test_a_late_target_is_named_whether_or_not_it_runs_past_the_end():
    def late(series, T, horizon, stride):
        N = (len(series) - T - horizon) // stride + 1
        x = np.stack([series[n * stride:n * stride + T] for n in range(N)], axis=1)
        return x, np.array([series[n * stride + T + horizon] for n in range(N)])

    message = check("01.3", late).message
    assert "Your y is one step too late" in message and "IndexError" in message  # stride 1: the last one is too far

    def late_and_counted_accordingly(series, T, horizon, stride):
        N = (len(series) - T - horizon - 1) // stride + 1
        x = np.stack([series[n * stride:n * stride + T] for n in range(N)], axis=1)
        return x, np.array([series[n * stride + T + horizon] for n in range(N)])

    assert "Your y is one step too late" in check("01.3", late_and_counted_accordingly).message


def test_a_count_without_the_horizon_reads_past_the_end_and_is_told_so():
    def count_without_horizon(series, T, horizon, stride):
        xs, ys = [], []
        for start in range(0, len(series) - T + 1, stride):
            xs.append(series[start:start + T])
            ys.append(series[start + T - 1 + horizon])
        return np.stack(xs, axis=1), np.array(ys)

    message = check("01.3", count_without_horizon).message
    assert "run past the end of the series" in message and "IndexError" in message


def test_windows_in_batch_major_order_are_called_batch_first():
    def batch_major(series, T, horizon, stride):
        x, y = EXERCISES["01.3"].solution(series, T, horizon, stride)
        return np.ascontiguousarray(x.transpose(1, 0, 2)), y

    message = check("01.3", batch_major).message
    assert "Your x looks like (N, T, D): batch first" in message


def test_a_wrong_target_step_is_readable_from_the_values():
    def early(series, T, horizon, stride):
        x, _ = EXERCISES["01.3"].solution(series, T, horizon, stride)
        N = x.shape[1]
        return x, series[np.arange(N) * stride + T - 2 + horizon]

    message = check("01.3", early).message
    assert "one step too early" in message and "yours 3, expected 4" in message  # the series' values are steps


@pytest.mark.parametrize("exercise_id", ["01.1", "01.2", "01.3"])
def test_the_stub_gives_the_solution_away_nowhere(exercise_id):
    exercise = EXERCISES[exercise_id]
    assert "raise NotImplementedError" in exercise.stub
    for token in ("np.tanh(", ".T @", "@ W", "np.stack(", "// stride"):
        assert token not in exercise.stub.split('"""')[-1], token
