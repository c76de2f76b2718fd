"""Notebook 10's exercises: the solutions agree with helpers.translation and helpers.transformer on the exercises' own
cases (and greedy decoding on a real, tiny Transformer), the edge cases are there, and typical wrong answers get the
explanation that fits them."""
import numpy as np
import pytest

from helpers import transformer as tf
from helpers.exercises import EXERCISES, check
from helpers.numerics import log_softmax, softmax
from helpers.translation import EOS, PAD, smoothed_cross_entropy


def _cases(exercise_id):
    exercise = EXERCISES[exercise_id]
    return exercise.cases(np.random.default_rng(exercise.seed))


# --------------------------------------------------------------------------- the solutions are the course's math

@pytest.mark.parametrize("exercise_id", ["10.1", "10.2"])
def test_loss_and_gradient_are_helpers_smoothed_cross_entropy(exercise_id):
    for case in _cases(exercise_id):
        logits, targets, lengths, eps = case.args
        loss, dlogits = smoothed_cross_entropy(logits, targets, lengths, smoothing=eps)
        np.testing.assert_allclose(EXERCISES["10.1"].solution(*case.args), loss, rtol=1e-12, err_msg=case.label)
        np.testing.assert_allclose(EXERCISES["10.2"].solution(*case.args), dlogits, rtol=1e-12, atol=1e-15,
                                   err_msg=case.label)


def test_the_gradient_agrees_with_central_differences_of_the_loss():
    exercise = EXERCISES["10.2"]
    for case in _cases("10.2"):
        numeric = exercise.gradient(*case.args)["dlogits"]
        np.testing.assert_allclose(exercise.solution(*case.args), numeric, rtol=1e-6, atol=1e-9, err_msg=case.label)


def _tiny_transformer(rng, eos_bias):
    params = tf.init_transformer(6, 7, d_model=8, h=2, d_ff=16, n_layers=1, rng=rng, norm="pre")
    params["out.b"] = rng.standard_normal(7)
    params["out.b"][2] += eos_bias  # more or less likely to end
    return params


def test_greedy_decode_is_helpers_greedy_decode_on_a_tiny_transformer():
    greedy = EXERCISES["10.3"].solution
    rng = np.random.default_rng(0)
    bos, eos, max_len, seen_eos, seen_full = 1, 2, 6, False, False
    for eos_bias in (-3.0, 0.0, 1.0, 2.0, 3.0):
        params = _tiny_transformer(rng, eos_bias)
        src = rng.integers(3, 6, size=(4, 3))  # (N, T_src)
        reference = tf.greedy_decode(params, src, 2, bos, max_len, eos=eos, norm="pre")  # (N, max_len)
        memory, _ = tf.encode(params, src, 2, norm="pre")  # (N, T_src, d_model)
        for n in range(len(src)):
            def next_logits(prefix, n=n):
                logits, _ = tf.decode(params, memory[n:n + 1], np.asarray(prefix)[None], 2, norm="pre")
                return logits[0, -1]  # (K,)

            row = reference[n].tolist()
            expected = row[:row.index(eos) + 1] if eos in row else row
            ids = greedy(next_logits, bos, eos, max_len)
            assert ids.dtype.kind == "i" and ids.tolist() == expected, (eos_bias, n)
            seen_eos |= eos in row
            seen_full |= eos not in row
    assert seen_eos and seen_full  # both ways of ending were compared


def test_greedy_decode_follows_its_definition_on_its_own_cases():
    greedy = EXERCISES["10.3"].solution
    for case in _cases("10.3"):
        next_logits, bos, eos, max_len = case.args
        ids = greedy(*case.args).tolist()
        assert 1 <= len(ids) <= max_len and eos not in ids[:-1], case.label
        assert ids[-1] == eos or len(ids) == max_len, case.label
        for i, token in enumerate(ids):
            assert token == int(np.argmax(next_logits(np.array([bos] + ids[:i])))), (case.label, i)


def test_the_toy_decoders_are_pure_functions_of_the_prefix():
    for case in _cases("10.3"):
        next_logits, bos = case.args[:2]
        first = next_logits(np.array([bos]))
        assert np.array_equal(first, next_logits([bos])) and np.array_equal(first, next_logits(np.array([bos])))


# --------------------------------------------------------------------------- the edge cases are there

def test_the_cases_hold_the_edge_cases_that_matter():
    for exercise_id in ("10.1", "10.2"):
        cases = [c.args for c in _cases(exercise_id)]
        assert any(eps == 0 for *_, eps in cases) and any(eps > 0 for *_, eps in cases)
        assert any(np.all(lengths == logits.shape[1]) for logits, _, lengths, _ in cases)  # no padding
        assert any(np.any(lengths < logits.shape[1]) for logits, _, lengths, _ in cases)  # padding
        for logits, targets, lengths, _ in cases:  # padding holds <pad>, real tokens never do
            real = np.arange(targets.shape[1])[None, :] < lengths[:, None]
            assert np.all(targets[~real] == PAD) and np.all(targets[real] != PAD) and logits.dtype == np.float64
            assert np.all(targets[np.arange(len(lengths)), lengths - 1] == EOS)  # every target ends with <eos>
    assert any(np.any(softmax(logits) == 0) for logits, *_ in (c.args for c in _cases("10.1")))  # underflow
    assert any(np.all(logits > 709) for logits, *_ in (c.args for c in _cases("10.2")))  # exp overflows
    results = [EXERCISES["10.3"].solution(*c.args).tolist() for c in _cases("10.3")]
    limits = [c.args[3] for c in _cases("10.3")]
    eos_ids = [c.args[2] for c in _cases("10.3")]
    assert any(r == [e] for r, e in zip(results, eos_ids))  # <eos> first
    assert any(e not in r and len(r) == m for r, e, m in zip(results, eos_ids, limits))  # no <eos>
    assert any(r[-1] == e and len(r) == m for r, e, m in zip(results, eos_ids, limits))  # <eos> as the last token
    assert any(c.args[1:3] != (1, 2) for c in _cases("10.3"))  # other ids than the course's <bos> and <eos>


# --------------------------------------------------------------------------- other ways pass, wrong ones are explained

def test_other_right_ways_pass():
    def loss_with_q_and_a_pad_mask(logits, targets, lengths, eps):
        K = logits.shape[-1]
        q = np.full(logits.shape, eps / K)
        np.put_along_axis(q, targets[..., None], 1 - eps + eps / K, axis=-1)
        per_token = -(q * log_softmax(logits)).sum(axis=-1)  # (N, T)
        return float(per_token[targets != PAD].mean())  # padding is <pad>, real tokens never are

    def grad_with_index_grids(logits, targets, lengths, eps):
        N, T, K = logits.shape
        q = np.full(logits.shape, eps / K)
        n_idx, t_idx = np.meshgrid(np.arange(N), np.arange(T), indexing="ij")
        q[n_idx, t_idx, targets] += 1 - eps
        real = np.arange(T)[None, :] < lengths[:, None]
        return (softmax(logits) - q) * real[..., None] / lengths.sum()

    def greedy_with_a_list(next_logits, bos, eos, max_len):
        ids = []
        while len(ids) < max_len and (not ids or ids[-1] != eos):
            ids.append(int(np.argmax(next_logits([bos] + ids))))
        return ids

    for exercise_id, candidate in (("10.1", loss_with_q_and_a_pad_mask), ("10.2", grad_with_index_grids),
                                   ("10.3", greedy_with_a_list)):
        result = check(exercise_id, candidate)
        assert result.passed, result.message


def test_the_log_of_an_underflowed_softmax_is_caught_on_the_confident_case():
    def log_of_softmax(logits, targets, lengths, eps):
        K = logits.shape[-1]
        logp = np.log(softmax(logits))
        real = np.arange(logits.shape[1])[None, :] < lengths[:, None]
        logp_y = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
        return (-(1 - eps) * logp_y - eps / K * logp.sum(axis=-1))[real].mean()

    with np.errstate(divide="ignore"):  # in a notebook the log of 0 only warns; the check must report the inf
        message = check("10.1", log_of_softmax).message
    assert "confident logits" in message and "NaN or inf" in message and "1 of 5 cases fail" in message


def test_a_softmax_without_the_max_subtracted_is_caught_on_the_shifted_case():
    def naive(logits, targets, lengths, eps):
        K = logits.shape[-1]
        e = np.exp(logits)
        q = np.full(logits.shape, eps / K)
        np.put_along_axis(q, targets[..., None], 1 - eps + eps / K, axis=-1)
        real = np.arange(logits.shape[1])[None, :] < lengths[:, None]
        return (e / e.sum(axis=-1, keepdims=True) - q) * real[..., None] / real.sum()

    with np.errstate(over="ignore", invalid="ignore"):
        message = check("10.2", naive).message
    assert "logits near 750" in message and "NaN or inf" in message


def test_a_gradient_with_the_wrong_sign_is_told_so():
    message = check("10.2", lambda *args: -EXERCISES["10.2"].solution(*args)).message
    assert "wrong sign" in message


def test_a_decoder_fed_only_bos_is_not_mistaken_for_one_fed_the_last_token():
    def only_bos(next_logits, bos, eos, max_len):
        ids = []
        for _ in range(max_len):
            ids.append(int(np.argmax(next_logits(np.array([bos])))))
            if ids[-1] == eos:
                break
        return np.array(ids)

    message = check("10.3", only_bos).message
    assert "reads only [bos]" in message and "reads only the last token" not in message
