"""Batches grouped by length (helpers.translation_batch.length_grouped, TranslationTask.batch_indices and the
translators' length_pool): still random draws, but of pairs of about one length, so that little of a batch is
padding; length_pool = 0 keeps the random batches every earlier run used."""
import numpy as np
import pytest

from helpers.rnn_translator import RNNTranslatorConfig, train_rnn_translator
from helpers.sentences import load_sentences, sentences_task
from helpers.transformer_training import TranslationTask, TranslatorConfig, train_transformer
from helpers.translation_batch import length_grouped


@pytest.fixture(scope="module")
def task():
    return sentences_task(load_sentences())


def test_a_round_is_one_random_draw_cut_into_batches_of_neighbours():
    lengths = np.random.default_rng(1).integers(1, 30, size=500)  # (n,)
    batch, pool = 8, 6
    grouped = length_grouped(np.random.default_rng(7), lengths, batch, pool)
    same = np.random.default_rng(7)  # the same stream, read as the function must read it
    for _ in range(3):  # three rounds
        drawn = same.integers(0, len(lengths), size=pool * batch)
        order = same.permutation(pool)
        batches = [next(grouped) for _ in range(pool)]
        assert all(b.shape == (batch,) and b.dtype.kind == "i" for b in batches)
        # the round's batches hold exactly the drawn pairs (with their repeats): no pair lost, none added
        assert np.array_equal(np.sort(np.concatenate(batches)), np.sort(drawn))
        # batch j of the sorted draw comes out at position i of the round, where order[i] = j
        by_length = np.sort(lengths[drawn]).reshape(pool, batch)  # (pool, batch)
        for i, b in enumerate(batches):
            assert np.array_equal(np.sort(lengths[b]), by_length[order[i]])
        # neighbours: sorted by their shortest pair, no batch reaches below the longest pair of the one before
        ranges = sorted((lengths[b].min(), lengths[b].max()) for b in batches)
        assert all(high <= low for (_, high), (low, _) in zip(ranges, ranges[1:]))


def test_pairs_of_one_length_keep_their_random_order():
    # pairs of lengths 4 and 5: the sort must not reorder the pairs of one length (a stable sort), so that which
    # of them share a batch stays random
    lengths = np.random.default_rng(4).integers(4, 6, size=300)  # (300,)
    batch, pool = 25, 16
    grouped = length_grouped(np.random.default_rng(3), lengths, batch, pool)
    same = np.random.default_rng(3)
    drawn, order = same.integers(0, 300, size=batch * pool), same.permutation(pool)
    batches = [None] * pool
    for j in order:  # batch j of the sorted draw
        batches[j] = next(grouped)
    joined = np.concatenate(batches)  # the round in sorted order
    for length in (4, 5):
        assert np.array_equal(joined[lengths[joined] == length], drawn[lengths[drawn] == length])


def test_length_pool_zero_draws_the_random_batches_of_before(task):
    indices = task.batch_indices(np.random.default_rng(5), 64)
    same = np.random.default_rng(5)
    assert all(np.array_equal(next(indices), same.integers(0, task.n_train, size=64)) for _ in range(5))


def test_grouped_batches_are_mostly_real_words_and_random_ones_are_not(task):
    # notebook 11's batches of 64: the share of the computed positions that are real words, over 200 batches
    def real_share(pool):
        indices = task.batch_indices(np.random.default_rng(0), 64, pool)
        counts = np.zeros(4)
        for _ in range(200):
            b = task.make_batch(next(indices))
            counts += (b.src_lengths.sum(), b.src.size, b.tgt_lengths.sum(), b.tgt_in.size)
        return counts[0] / counts[1], counts[2] / counts[3]
    random_src, random_tgt = real_share(0)
    grouped_src, grouped_tgt = real_share(20)
    assert random_src < 0.65 and random_tgt < 0.65, (random_src, random_tgt)
    assert grouped_src > 0.9 and grouped_tgt > 0.9, (grouped_src, grouped_tgt)


def test_the_lengths_are_source_plus_target_tokens(task):
    seen = []

    def make_batch(index):
        seen.append(np.asarray(index))
        return task.make_batch(index)
    recording = TranslationTask(make_batch, task.n_train, task.validation, task.V_src, task.V_tgt)
    b = next(recording.batch_indices(np.random.default_rng(2), 16, 3))
    assert np.array_equal(seen[0], np.arange(task.n_train)), "the lengths are read from every training pair"
    every = task.make_batch(np.arange(task.n_train))
    same = length_grouped(np.random.default_rng(2), every.src_lengths + every.tgt_lengths, 16, 3)
    assert np.array_equal(b, next(same))


def _recorded(task):
    """A copy of task that records the indices of every batch it makes (but the one of every pair)."""
    seen = []

    def make_batch(index):
        index = np.asarray(index)
        if len(index) != task.n_train:
            seen.append(index)
        return task.make_batch(index)
    return TranslationTask(make_batch, task.n_train, task.validation, task.V_src, task.V_tgt), seen


@pytest.mark.parametrize("model", ["transformer", "lstm"])
def test_the_trainers_take_their_batches_from_batch_indices(task, model):
    recording, seen = _recorded(task)
    small = dict(steps=3, batch=8, length_pool=4, eval_every=3, eval_size=4)
    if model == "transformer":
        train_transformer(recording, np.random.default_rng(9), TranslatorConfig(d_model=8, h=2, d_ff=8, n_layers=1,
                                                                              **small))
    else:
        train_rnn_translator(recording, np.random.default_rng(9), RNNTranslatorConfig(hidden=8, d_emb=4, **small))
    # the trainers' second child generator draws the batches
    batch_rng = np.random.default_rng(np.random.default_rng(9).integers(0, 2 ** 63, size=2)[1])
    expected = task.batch_indices(batch_rng, 8, 4)
    assert len(seen) == 3 and all(np.array_equal(s, next(expected)) for s in seen)


@pytest.mark.parametrize("lengths, message", [
    ([], "lengths: expected one length >= 1 per training pair (n,), got an empty array"),
    ([[3, 4]], "lengths: expected a 1-d array of shape (n,)"),
    ([3, 0, 2], "lengths: expected one length >= 1 per training pair (n,), got a minimum of 0"),
    ([3.0, 2.0], "lengths: expected integer lengths"),
])
def test_bad_lengths_are_named(lengths, message):
    with pytest.raises(ValueError) as error:
        length_grouped(np.random.default_rng(0), lengths, 4, 2)
    assert message in str(error.value)


@pytest.mark.parametrize("name, value", [("batch", 0), ("pool", 0), ("pool", 2.5), ("batch", True)])
def test_bad_sizes_are_named(name, value):
    sizes = dict(batch=4, pool=2) | {name: value}
    with pytest.raises(ValueError, match=f"^{name}: expected a positive int"):
        length_grouped(np.random.default_rng(0), [3, 4, 5], **sizes)


@pytest.mark.parametrize("config_type", [TranslatorConfig, RNNTranslatorConfig])
@pytest.mark.parametrize("value", [-1, 1.5, True, None])
def test_length_pool_must_be_an_int_of_at_least_zero(config_type, value):
    with pytest.raises(ValueError, match=r"^length_pool: expected an int >= 0"):
        config_type(length_pool=value)


def test_batch_indices_checks_its_arguments(task):
    with pytest.raises(ValueError, match="^rng: expected an np.random.Generator"):
        task.batch_indices(0, 64)
    with pytest.raises(ValueError, match="^length_pool: expected an int >= 0"):
        task.batch_indices(np.random.default_rng(0), 64, -2)
    bad = TranslationTask(lambda index: "not a batch", 5, task.validation, task.V_src, task.V_tgt)
    with pytest.raises(ValueError, match=r"^task.make_batch\(index\): expected a helpers.translation.Batch"):
        bad.batch_indices(np.random.default_rng(0), 4, 2)
