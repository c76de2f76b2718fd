"""Notebook 06's exercises against the course's own implementations: the one-step Jacobian against
rnn.step_forward/step_backward, the bound against gradflow.pascanu_bound, the Jacobian products against
rnn.state_gradients (on the exercises' cases and on the notebook's GradientFlowProbe)."""
import numpy as np
import pytest

from helpers import rnn
from helpers.exercises import EXERCISES, check
from helpers.gradflow import GAMMA, GradientFlowProbe, pascanu_bound
from helpers.gradcheck import rel_error
from helpers.seeding import make_rng

STEP, BOUND, PRODUCTS = (EXERCISES[i] for i in ("06.1", "06.2", "06.3"))


def _cases(exercise):
    return exercise.cases(np.random.default_rng(exercise.seed))


def test_the_step_jacobian_is_the_notebooks_formula_and_what_step_backward_applies():
    rng = np.random.default_rng(0)
    for case in _cases(STEP):
        x_t, h_prev, U, W, b = case.args
        J = STEP.solution(*case.args)  # (N, H, H)
        h_t, cache = rnn.step_forward({"U": U, "W": W, "b": b}, x_t, h_prev)
        for n in range(len(h_prev)):
            assert rel_error(J[n], np.diag(1 - h_t[n] ** 2) @ W) < 1e-12, case.label
        # the backward pass multiplies by the transposed Jacobian: dh_prev[n] = J[n]^T dh_t[n]
        dh_t = rng.standard_normal(h_t.shape)  # (N, H)
        _, dh_prev, _ = rnn.step_backward(dh_t, cache)
        assert rel_error(np.einsum("nij,ni->nj", J, dh_t), dh_prev) < 1e-12, case.label


def test_the_step_cases_cover_the_edge_cases():
    cases = _cases(STEP)
    N_H = [case.args[1].shape for case in cases]  # (N, H) of h_prev
    assert any(N == 1 for N, _ in N_H)  # one sequence
    assert any(H == 1 for _, H in N_H)  # one unit
    assert any(N == H for N, H in N_H)  # N = H: a wrong axis would not raise
    saturated = [c for c in cases if "saturated" in c.label]
    x_t, h_prev, U, W, b = saturated[0].args
    assert np.mean(np.abs(np.tanh(b + h_prev @ W.T + x_t @ U.T)) > 0.99) > 0.3  # many units really saturate


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
def test_the_bound_is_gradflows_pascanu_bound(activation):
    for case in _cases(BOUND):
        W, _, T = case.args
        lags = T - 1 - np.arange(T)  # (T,)
        expected = pascanu_bound(GAMMA[activation], np.linalg.norm(W, 2), lags)
        assert rel_error(BOUND.solution(W, activation, T), expected) < 1e-12, case.label


def test_the_bound_cases_include_a_w_whose_spectral_radius_is_far_below_lambda_1_and_t_1():
    cases = _cases(BOUND)
    gaps = [np.linalg.norm(c.args[0], 2) - np.max(np.abs(np.linalg.eigvals(c.args[0]))) for c in cases]
    assert max(gaps) > 1.0
    assert any(c.args[2] == 1 for c in cases)
    assert {c.args[1] for c in cases} == {"tanh", "sigmoid", "identity"}


def _cache_of(h, W):
    """An RNNCache holding the states h (T, H) of one sequence: all that state_gradients reads are h and W."""
    T, H = h.shape
    return rnn.RNNCache(x=np.zeros((T, 1, 1)), h0=np.zeros((1, H)), h=h[:, None, :], U=np.zeros((H, 1)), W=W)


def test_the_products_carry_the_gradient_that_bptt_computes():
    for case in _cases(PRODUCTS):
        h, W, u = case.args
        P, g = PRODUCTS.solution(h, W, u)
        dh = np.zeros((len(h), 1, h.shape[1]))  # (T, 1, H): the loss reads h_{T-1} only
        dh[-1, 0] = u
        assert rel_error(g, rnn.state_gradients(dh, _cache_of(h, W))[:, 0]) < 1e-12, case.label
        assert np.array_equal(P[-1], np.eye(h.shape[1]))


def test_on_the_notebooks_probe_the_norms_of_g_are_the_plotted_norms_and_stay_under_the_bound():
    probe = GradientFlowProbe(make_rng(6), max_steps=40, max_hidden=8, input_size=4)
    for lam in (1.0, 3.0):
        flow = probe.rnn(lambda1=lam, T=40, H=8, activation="tanh")
        P, g = PRODUCTS.solution(flow.h[:, 0], flow.params["W"], flow.u)
        assert rel_error(np.linalg.norm(g, axis=1), flow.norms) < 1e-10
        bound = BOUND.solution(flow.params["W"], "tanh", 40)
        assert rel_error(bound, flow.bound) < 1e-10
        assert np.all(np.linalg.norm(g, axis=1) <= bound * (1 + 1e-9))
        assert np.all(np.linalg.norm(P, 2, axis=(1, 2)) <= bound * (1 + 1e-9))  # the bound is on the product


def test_the_product_cases_include_t_1_and_one_unit():
    cases = _cases(PRODUCTS)
    assert any(c.args[0].shape[0] == 1 for c in cases) and any(c.args[0].shape[1] == 1 for c in cases)


def test_a_gradient_without_the_transpose_is_named_and_p_is_said_to_be_right():
    mistake = next(m for m in PRODUCTS.mistakes if "without the transpose" in m.hint)
    result = check("06.3", mistake.wrong)
    assert "wrong: g; right: P" in result.message and mistake.hint in result.message


def test_the_spectral_radius_mistake_is_caught_on_the_triangular_w():
    mistake = next(m for m in BOUND.mistakes if "spectral radius" in m.hint)
    result = check("06.2", mistake.wrong)
    assert mistake.hint in result.message
    wrong_cases = [c.label for c in _cases(BOUND)
                   if not np.allclose(mistake.wrong(*c.args), BOUND.solution(*c.args))]
    assert any("triangular" in label for label in wrong_cases)


def test_the_one_sequence_formula_of_the_notebook_is_not_accepted_for_a_batch():
    def one_sequence(x_t, h_prev, U, W, b):
        h_t = np.tanh(b + h_prev @ W.T + x_t @ U.T)
        return np.diag(1 - h_t[0] ** 2) @ W  # (H, H): only the first sequence

    result = check("06.1", one_sequence)
    assert not result.passed and "shape" in result.message
