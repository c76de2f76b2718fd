"""Notebook 11's exercises: the solutions agree with helpers (correct, correct_translations, verb_attention,
attention_at) on the exercises' own cases and on real sentence batches, the cases hold the edge cases that matter,
and typical wrong answers get the explanation that fits them."""
import numpy as np
import pytest

from helpers.exercises import EXERCISES, check
from helpers.rnn_translator import correct_translations, greedy_translate, init_rnn_translator
from helpers.seeding import make_rng
from helpers.sentences import (DE_VOCAB, EN_VOCAB, attention_at, load_sentences, make_batch, subset,
                               verb_attention)
from helpers.transformer import init_transformer
from helpers.transformer_training import TranslatorConfig, attention_weights, correct, greedy_ids
from helpers.translation_batch import EOS, PAD


def _cases(exercise_id):
    exercise = EXERCISES[exercise_id]
    return exercise.cases(np.random.default_rng(exercise.seed))


@pytest.fixture(scope="module")
def sentences():
    """20 test pairs of the sentence data, among them verb-second and verb-final ones."""
    return subset(load_sentences()["test"], list(range(20)))


@pytest.fixture(scope="module")
def tiny_transformer():
    config = TranslatorConfig(d_model=16, h=2, d_ff=32, n_layers=2, norm="pre")
    params = init_transformer(len(EN_VOCAB), len(DE_VOCAB), 16, 2, 32, 2, make_rng(11), norm="pre")
    return params, config


def _by_definition(ids, tgt_out, tgt_lengths):
    """Exact match written out another way: the decoded row up to and including its first <eos> is the target."""
    right = []
    for row, target, length in zip(ids, tgt_out, tgt_lengths):
        row = list(row)
        stop = row.index(EOS) + 1 if EOS in row else len(row)
        right.append(row[:stop] == list(target[:length]))
    return np.array(right)


# --------------------------------------------------------------------------- 11.1 exact match

def test_exact_match_follows_its_definition_on_its_own_cases():
    exact_match = EXERCISES["11.1"].solution
    for case in _cases("11.1"):
        right = exact_match(*case.args)
        assert right.dtype == bool and right.shape == (len(case.args[0]),), case.label
        np.testing.assert_array_equal(right, _by_definition(*case.args), err_msg=case.label)


def test_exact_match_is_what_correct_computes_for_the_transformer(sentences, tiny_transformer):
    params, config = tiny_transformer
    batch = make_batch(sentences)
    T = batch.tgt_out.shape[1]
    ids = greedy_ids(params, config, batch.src, batch.src_lengths, T)  # (N, T): an untrained model, all wrong
    np.testing.assert_array_equal(EXERCISES["11.1"].solution(ids, batch.tgt_out, batch.tgt_lengths),
                                  correct(params, config, batch))
    perfect = np.where(batch.tgt_out == PAD, EOS, batch.tgt_out)  # what a perfect greedy decoder writes
    assert EXERCISES["11.1"].solution(perfect, batch.tgt_out, batch.tgt_lengths).all()


def test_exact_match_is_what_correct_translations_computes_for_the_lstm(sentences):
    params = init_rnn_translator(len(EN_VOCAB), len(DE_VOCAB), 8, make_rng(12), "dot", d_emb=6)
    batch = make_batch(sentences)
    ids, _ = greedy_translate(params, batch.src, batch.src_lengths, max_len=batch.tgt_out.shape[1])
    np.testing.assert_array_equal(EXERCISES["11.1"].solution(ids, batch.tgt_out, batch.tgt_lengths),
                                  correct_translations(params, batch))


def test_the_match_cases_hold_every_kind_of_translation():
    exact_match = EXERCISES["11.1"].solution
    cases = _cases("11.1")
    results = np.concatenate([exact_match(*c.args) for c in cases])
    assert results.any() and not results.all()  # right and wrong ones
    assert any(np.any(ids[:, -1] == PAD) and np.any(tgt == PAD) for ids, tgt, _ in (c.args for c in cases))  # <pad> tails
    assert any(np.all(lengths == tgt.shape[1]) for _, tgt, lengths in (c.args for c in cases))  # no padding
    assert any(len(c.args[0]) == 1 for c in cases)  # one translation
    for ids, tgt_out, lengths in (c.args for c in cases):  # the targets end with <eos>, then <pad>
        assert np.all(tgt_out[np.arange(len(lengths)), lengths - 1] == EOS)
        assert all(np.all(row[length:] == PAD) for row, length in zip(tgt_out, lengths))
    first = cases[0].args
    stops = [list(row).index(EOS) if EOS in row else None for row in first[0]]
    assert None in stops  # a translation that never ends
    assert any(s is not None and s < n - 1 for s, n in zip(stops, first[2]))  # one that ends too early
    assert any(s is not None and s > n - 1 for s, n in zip(stops, first[2]))  # one that ends too late


def test_other_right_ways_to_match_pass():
    def with_a_loop(ids, tgt_out, tgt_lengths):
        return np.array([np.array_equal(ids[n, :tgt_lengths[n]], tgt_out[n, :tgt_lengths[n]])
                         for n in range(len(tgt_out))])

    def with_masked_arrays(ids, tgt_out, tgt_lengths):
        padded = np.arange(tgt_out.shape[1])[None, :] >= tgt_lengths[:, None]
        return ~np.any(np.ma.masked_array(ids != tgt_out, mask=padded), axis=1).filled(False)

    for candidate in (with_a_loop, with_masked_arrays):
        result = check("11.1", candidate)
        assert result.passed, result.message


def test_a_comparison_of_decoded_strings_without_eos_is_caught():
    def words_only(ids, tgt_out, tgt_lengths):  # compares the words, but a row without <eos> may end the same way
        real = np.arange(tgt_out.shape[1])[None, :] < tgt_lengths[:, None] - 1
        return np.all((ids == tgt_out) | ~real, axis=1)

    assert "ignores the <eos>" in check("11.1", words_only).message


def test_a_match_that_returns_ints_is_told_the_type():
    message = check("11.1", lambda *a: EXERCISES["11.1"].solution(*a).astype(int)).message
    assert "wrong type" in message and "bool" in message


# --------------------------------------------------------------------------- 11.2 the verb score

def test_verb_scores_are_helpers_verb_attention_on_a_real_batch(sentences, tiny_transformer):
    params, config = tiny_transformer
    cross = attention_weights(params, config, make_batch(sentences))["cross"]  # per layer (N, h, T, S)
    for weights in cross:
        mine = EXERCISES["11.2"].solution(weights.astype(np.float64), sentences.verb_tgt, sentences.verb_src)
        np.testing.assert_array_equal(mine, verb_attention(weights.astype(np.float64), sentences))
        np.testing.assert_array_equal(mine, attention_at(weights.astype(np.float64), sentences.verb_tgt,
                                                         sentences.verb_src))
    assert len(set(sentences.verb_tgt.tolist())) > 3  # verbs second and last: rows that differ


def test_verb_scores_on_their_own_cases_are_the_definition():
    for case in _cases("11.2"):
        weights, verb_tgt, verb_src = case.args
        score = EXERCISES["11.2"].solution(*case.args)
        n, h = weights.shape[:2]
        assert score.shape == (n, h), case.label
        for i in range(n):
            for j in range(h):
                assert score[i, j] == weights[i, j, verb_tgt[i], verb_src[i]], (case.label, i, j)


def test_the_score_cases_hold_the_edge_cases_that_matter():
    cases = [c.args for c in _cases("11.2")]
    assert any(w.shape[2] == w.shape[3] for w, _, _ in cases)  # square maps: a swap runs
    assert any(w.shape[1] == 1 for w, _, _ in cases)  # one head
    assert any(w.shape[0] == 1 for w, _, _ in cases)  # one sentence
    assert any(np.any(vt == 1) for _, vt, _ in cases)  # a verb second
    for w, vt, vs in cases:
        np.testing.assert_allclose(w.sum(axis=-1), 1.0)  # attention rows
        assert w.dtype == np.float64
        # every mistake can run: the swapped and the next row exist
        assert vs.max() < w.shape[2] and vt.max() < w.shape[3] and vt.max() + 1 < w.shape[2]


def test_other_right_ways_to_score_pass():
    def with_loops(weights, verb_tgt, verb_src):
        return np.array([[weights[i, j, verb_tgt[i], verb_src[i]] for j in range(weights.shape[1])]
                         for i in range(weights.shape[0])])

    def with_take_along_axis(weights, verb_tgt, verb_src):
        rows = np.take_along_axis(weights, verb_tgt[:, None, None, None], axis=2)[:, :, 0]  # (n, h, S)
        return np.take_along_axis(rows, verb_src[:, None, None], axis=2)[:, :, 0]

    for candidate in (with_loops, with_take_along_axis):
        result = check("11.2", candidate)
        assert result.passed, result.message


def test_the_row_that_reads_the_verb_is_not_mistaken_for_a_swap():
    def reads_the_verb(weights, verb_tgt, verb_src):
        return weights[np.arange(len(weights)), :, verb_tgt + 1, verb_src]

    message = check("11.2", reads_the_verb).message
    assert "verb_tgt[n] + 1" in message and "swaps row and column" not in message
