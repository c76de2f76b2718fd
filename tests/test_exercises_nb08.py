"""Notebook 08's exercises: every reference solution agrees with helpers.attention on the exercise's own cases,
the cases hold the edge cases that matter, and each typical mistake is told apart from the others."""

import numpy as np

from helpers.attention import (additive_attention_forward, causal_mask, fully_masked_rows, padding_mask,
                               scaled_dot_product_attention)
from helpers.exercises import EXERCISES, check
from helpers.exercises.nb08 import additive_scores, attention_mask, masked_softmax, scaled_attention
from helpers.plots.attention import attention_mask_panels

IDS = ("08.1", "08.2", "08.3", "08.4")


def cases(exercise_id):
    exercise = EXERCISES[exercise_id]
    return exercise.cases(np.random.default_rng(exercise.seed))


def test_additive_scores_are_those_of_helpers_additive_attention():
    for case in cases("08.1"):
        s, h, W_a, U_a, v_a = case.args
        params = {"W_a": W_a, "U_a": U_a, "v_a": v_a}
        _, cache = additive_attention_forward(params, s, h, h)
        e = additive_scores(*case.args)
        np.testing.assert_allclose(e, cache.E @ v_a, rtol=1e-12, atol=1e-14)
        p = np.exp(e - e.max(axis=-1, keepdims=True))
        np.testing.assert_allclose(p / p.sum(axis=-1, keepdims=True), cache.weights, rtol=1e-12, atol=1e-14)


def test_scaled_attention_is_helpers_scaled_dot_product_attention():
    for case in cases("08.2"):
        out, weights = scaled_attention(*case.args)
        want_out, want_weights = scaled_dot_product_attention(*case.args)
        np.testing.assert_allclose(out, want_out, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(weights, want_weights, rtol=1e-12, atol=1e-300)


def test_attention_mask_is_helpers_padding_and_causal_masks():
    for case in cases("08.3"):
        lengths, T, causal, side = case.args
        real = padding_mask(lengths, T)  # (N, 1, T), pads on the right
        if side == "left":
            real = real[..., ::-1]  # the last lengths[n] positions
        want = np.broadcast_to(real & (causal_mask(T) if causal else True), (len(lengths), T, T))
        mask = attention_mask(*case.args)
        assert mask.dtype == bool and np.array_equal(mask, want), case.label
        for n, length in enumerate(lengths):  # the notebook's mask builder draws the same masks
            panels = attention_mask_panels(np.zeros((T, 1)), np.zeros((T, 1)), int(length), causal, side)
            assert np.array_equal(mask[n], panels["combined"]), case.label


def test_masked_softmax_is_the_softmax_of_helpers_attention():
    for case in cases("08.4"):
        scores, mask = case.args
        N, Tq, Tk = scores.shape
        keys = np.broadcast_to(np.eye(Tk), (N, Tk, Tk))  # q @ k^T / sqrt(Tk) = the scores
        _, want = scaled_dot_product_attention(scores * np.sqrt(Tk), keys, keys, mask)
        weights = masked_softmax(scores, mask)
        np.testing.assert_allclose(weights, want, rtol=1e-9, atol=1e-300)
        empty = fully_masked_rows(mask, scores.shape)  # (N, Tq)
        assert np.all(weights[empty] == 0) and np.allclose(weights[~empty].sum(axis=-1), 1.0)


def test_the_cases_hold_the_edge_cases():
    square = [c for c in cases("08.1")
              if c.args[0].shape[1] == c.args[1].shape[1] and c.args[2].shape == c.args[3].shape]
    assert square, "08.1 needs Tq = Tk and d_q = d_k, where swapped axes or W_a, U_a run without an error"
    assert any(np.abs(c.args[0] @ c.args[2]).max() > 3 for c in cases("08.1")), "08.1: a saturated tanh"
    big = [c for c in cases("08.2") if np.max(c.args[0] @ np.swapaxes(c.args[1], -1, -2)) / 2 > 710]
    assert big, "08.2 needs scores whose exp overflows without subtracting the row max"
    assert any(c.args[0].shape[1] == c.args[1].shape[1] for c in cases("08.2"))  # a square score table
    assert any(c.args[0].shape[:2] == (1, 1) for c in cases("08.2"))  # N = Tq = 1
    masks = [attention_mask(*c.args) for c in cases("08.3")]
    assert any((~m.any(axis=-1)).any() for m in masks), "08.3: a mask with rows that have no key left"
    assert any(0 in c.args[0] for c in cases("08.3")) and any(c.args[1] == 1 for c in cases("08.3"))
    assert {c.args[3] for c in cases("08.3")} == {"left", "right"} and {c.args[2] for c in cases("08.3")} == {True,
                                                                                                              False}
    softmax_cases = cases("08.4")
    assert any(fully_masked_rows(m, s.shape).any() for s, m in (c.args for c in softmax_cases))
    with np.errstate(over="ignore"):
        assert any(np.isinf(np.where(m, np.exp(s), 0).sum(axis=-1)).any() and np.all(s < 709.78)
                   for s, m in (c.args for c in softmax_cases)), "08.4: a sum of exps that overflows, each exp finite"


def test_a_softmax_that_gives_nan_on_an_empty_row_is_told_where():
    def plain(scores, mask):
        s = np.where(mask, scores, -np.inf)
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    with np.errstate(invalid="ignore"):
        message = check("08.4", plain).message
    assert "NaN" in message and "no key left" in message and "expected 0" in message


def test_a_softmax_without_the_row_max_is_told_about_the_overflow():
    def naive(scores, mask):
        e = np.where(mask, np.exp(scores), 0.0)
        return e / np.where(e.sum(axis=-1, keepdims=True) > 0, e.sum(axis=-1, keepdims=True), 1.0)

    with np.errstate(over="ignore", invalid="ignore"):
        message = check("08.4", naive).message
    assert "subtract the row max" in message and "scores near 709" in message


def test_attention_that_forgets_the_row_max_fails_on_the_large_scores():
    def naive(q, k, v):
        e = np.exp(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))
        weights = e / e.sum(axis=-1, keepdims=True)
        return weights @ v, weights

    with np.errstate(over="ignore", invalid="ignore"):
        result = check("08.2", naive)
    assert not result.passed and "thousands" in result.message and "NaN" in result.message


def test_a_mask_of_zeros_and_ones_is_told_to_be_boolean():
    message = check("08.3", lambda *args: attention_mask(*args).astype(int)).message
    assert "Right values, wrong type: your mask is int64, expected bool" in message


