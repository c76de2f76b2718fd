"""Notebook 09's exercises: every reference solution agrees with helpers (multi-head attention's split, the
positional encoding, layer normalisation's backward) on the exercise's own cases, the cases hold the edge cases
that matter, and each typical mistake is told apart from the others."""

import numpy as np

from helpers.attention import positional_encoding
from helpers.exercises import EXERCISES, check
from helpers.exercises.nb09 import layer_norm_backward, sinusoidal_encoding, split_heads
from helpers.gradcheck import rel_error
from helpers.transformer_layers import layer_norm_backward as helpers_ln_backward
from helpers.transformer_layers import layer_norm_forward, mha_forward

IDS = ("09.1", "09.2", "09.3")


def cases(exercise_id):
    exercise = EXERCISES[exercise_id]
    return exercise.cases(np.random.default_rng(exercise.seed))


def test_split_heads_is_the_split_inside_mha_forward():
    for case in cases("09.1"):
        x, h = case.args
        d_model = x.shape[-1]
        identity = {**{f"W_{n}": np.eye(d_model) for n in "qkvo"}, **{f"b_{n}": np.zeros(d_model) for n in "qkvo"}}
        _, cache = mha_forward(identity, x, x, h)  # with W_q = I, the heads' queries are x split into heads
        assert np.array_equal(split_heads(x, h), cache.attention.q), case.label


def test_sinusoidal_encoding_is_helpers_positional_encoding():
    for case in cases("09.2"):
        np.testing.assert_allclose(sinusoidal_encoding(*case.args), positional_encoding(*case.args), rtol=0, atol=1e-15)


def test_layer_norm_backward_is_helpers_and_central_differences():
    exercise = EXERCISES["09.3"]
    for case in cases("09.3"):
        dy, x, gamma, eps = case.args
        _, cache = layer_norm_forward({"gamma": gamma, "beta": np.zeros_like(gamma)}, x, eps)
        want_dx, grads = helpers_ln_backward(dy, cache)
        dx, dgamma, dbeta = layer_norm_backward(*case.args)
        np.testing.assert_allclose(dx, want_dx, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(dgamma, grads["gamma"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(dbeta, grads["beta"], rtol=1e-12, atol=1e-14)
        numeric = exercise.gradient(*case.args)
        for name, value in zip(exercise.outputs, (dx, dgamma, dbeta)):
            assert rel_error(value, numeric[name]) < 1e-9, (case.label, name)
        assert np.allclose(dx.sum(axis=-1), 0.0, atol=1e-12)  # shifting a token does not change x_hat


def test_the_cases_hold_the_edge_cases():
    split = [c.args for c in cases("09.1")]
    assert any(x.shape[1] == h for x, h in split), "09.1: T = h, where a missing transpose keeps the shape"
    assert any(h == 1 for _, h in split) and any(x.shape[-1] == h for x, h in split)  # h = 1 and d_k = 1
    pe = [c.args for c in cases("09.2")]
    assert (1, 6) in pe and any(d == 2 for _, d in pe) and all(d % 2 == 0 for _, d in pe)
    ln = [c.args for c in cases("09.3")]
    assert any(dy.shape[:2] == (1, 1) for dy, *_ in ln), "09.3: a single token"
    assert any(eps >= 0.1 for *_, eps in ln), "09.3: an eps that matters"
    assert all(np.abs(x.mean(axis=-1)).min() > 0.1 for _, x, _, _ in ln)  # off-centre tokens: mu matters
    assert all(np.abs(gamma - 1).max() > 0.1 for _, _, gamma, _ in ln)  # a gamma that is not 1: dx must use it


def test_a_dx_that_forgets_mu_and_sigma_is_named_and_the_other_outputs_are_right():
    def constants(dy, x, gamma, eps):
        _, dgamma, dbeta = layer_norm_backward(dy, x, gamma, eps)
        return dy * gamma / np.sqrt(x.var(axis=-1, keepdims=True) + eps), dgamma, dbeta

    message = check("09.3", constants).message
    assert "treats mu and sigma^2 as constants" in message and "wrong: dx; right: dgamma, dbeta" in message


def test_heads_in_another_axis_order_are_named_by_their_axes():
    message = check("09.1", lambda x, h: split_heads(x, h).transpose(0, 1, 3, 2)).message
    assert "axes in another order" in message and "(n, head, c, t)" in message


