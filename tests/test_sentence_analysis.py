"""The analysis functions of helpers.sentences that notebook 11 uses: Wilson's interval for an accuracy, the
(verb, object) combinations of a sentence (and the held-out split they define), the places where a word is followed
by another, one attention weight per pair, and the first word where a translation goes wrong."""
import numpy as np
import pytest

from helpers import sentences as se


@pytest.fixture(scope="module")
def data():
    return se.load_sentences()


# --------------------------------------------------------------------------- accuracy_interval

def test_wilson_interval_matches_its_formula_and_known_values():
    low, high = se.accuracy_interval(np.array([1.0, 0.5, 0.0, 0.97]), np.array([7, 10, 5, 2000]))
    z = 1.96
    for p, n, lo, hi in zip((1.0, 0.5, 0.0, 0.97), (7, 10, 5, 2000), low, high):
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        assert lo == pytest.approx(max(centre - half, 0.0)) and hi == pytest.approx(min(centre + half, 1.0))
    assert low[0] == pytest.approx(0.6457, abs=1e-4) and high[0] == pytest.approx(1.0)  # 7 of 7
    assert low[2] == pytest.approx(0.0) and high[2] == pytest.approx(0.4345, abs=1e-4)  # 0 of 5
    assert np.all(low <= [1.0, 0.5, 0.0, 0.97]) and np.all(high >= [1.0, 0.5, 0.0, 0.97])


def test_wilson_interval_narrows_with_more_pairs():
    n = np.array([10, 100, 1000, 10000])
    low, high = se.accuracy_interval(np.full(4, 0.9), n)
    assert np.all(np.diff(high - low) < 0)
    wider_low, wider_high = se.accuracy_interval(np.full(4, 0.9), n, z=2.58)  # 99%
    assert np.all(wider_low < low) and np.all(wider_high > high)


@pytest.mark.parametrize("accuracy, counts, match", [
    ([1.2], [5], "accuracy"), ([np.nan], [5], "accuracy"), ([], [], "accuracy"),
    ([0.5], [0], "counts"), ([0.5], [2.0], "counts"), ([0.5, 0.5], [3], "counts")])
def test_wilson_interval_refuses_bad_input(accuracy, counts, match):
    with pytest.raises(ValueError, match=match):
        se.accuracy_interval(np.array(accuracy, dtype=float), np.array(counts))


# --------------------------------------------------------------------------- verb_object_pairs

@pytest.mark.parametrize("english, pairs", [
    ("the woman gives the dog the apple because teddy sees the house cat",
     {("gives", "dog"), ("gives", "apple"), ("sees", "house cat")}),
    ("today the big dog sleeps", set()),
    ("anna says that the old man helps teddy", {("helps", "teddy")}),
    ("the teddy bear falls while paul shows lena the house", {("shows", "lena"), ("shows", "house")}),
    ("the house cat finds the house key", {("finds", "house key")})])
def test_verb_object_pairs_reads_objects_after_the_verb_and_compounds_as_one(english, pairs):
    assert se.verb_object_pairs(english) == pairs


def test_the_split_rule_of_data_readme(data):
    combos = {name: set().union(*(se.verb_object_pairs(e) for e in pairs.english)) for name, pairs in data.items()}
    test_only, validation_only = combos["test"] - combos["train"], combos["validation"] - combos["train"]
    assert len(test_only) == 41 and not test_only & validation_only  # 41 held-out test combinations (data/README.md)
    for name, own, other in (("test", test_only, validation_only), ("validation", validation_only, test_only)):
        for english in data[name].english:
            found = se.verb_object_pairs(english)
            assert found & own and not found & other, (name, english)
    verbs = {v for v, _ in combos["train"]}
    assert all(v in se.EN_WORDS and o.split()[0] in se.EN_WORDS for v, o in combos["train"]) and len(verbs) == 18


def test_verb_object_pairs_refuses_unknown_words():
    with pytest.raises(ValueError, match="unknown English word"):
        se.verb_object_pairs("the dog eats the pizza")


# --------------------------------------------------------------------------- next_words

def test_next_words_lists_every_follower_and_leaves_out_a_last_word():
    english = ["anna sees the house because the dog sleeps", "the house key falls", "paul likes the house",
               "the house cat sees the house key"]
    sentence, position, follower = se.next_words(english, "house")
    np.testing.assert_array_equal(sentence, [0, 1, 3, 3])  # sentence 2 ends with "house"; sentence 3 has two
    np.testing.assert_array_equal(position, [3, 1, 1, 5])
    assert follower.tolist() == ["because", "key", "cat", "key"]
    for n, j, w in zip(sentence, position, follower):
        words = english[n].split()
        assert words[j] == "house" and words[j + 1] == w
    empty = se.next_words(["paul runs"], "house")
    assert all(len(a) == 0 for a in empty) and empty[0].dtype == np.int64


def test_next_words_counts_agree_with_the_data(data):
    english = data["train"].english
    sentence, position, follower = se.next_words(english, "house")
    occurrences = sum(e.split().count("house") for e in english)
    at_end = sum(e.split()[-1] == "house" for e in english)
    assert len(sentence) == occurrences - at_end > 0
    assert {w for w in follower} >= {"cat", "key"}
    batch = se.make_batch(data["train"], sentence)  # one row per occurrence, the same sentence twice if need be
    assert batch.src.shape[0] == len(sentence)
    np.testing.assert_array_equal(batch.src[np.arange(len(sentence)), position], se.EN_VOCAB.index("house"))


@pytest.mark.parametrize("english, word, match", [
    ("the house key falls", "house", "english"), (["the house key falls"], "pizza", "word"),
    (["the house keys fall"], "house", "english\\[0\\]")])
def test_next_words_refuses_bad_input(english, word, match):
    with pytest.raises(ValueError, match=match):
        se.next_words(english, word)


# --------------------------------------------------------------------------- attention_at

def test_attention_at_picks_one_weight_per_pair(rng):
    weights = rng.random((4, 2, 3, 6, 5))  # (n, L, h, T, S)
    rows, cols = np.array([0, 5, 2, 3]), np.array([4, 0, 1, 4])
    picked = se.attention_at(weights, rows, cols)
    assert picked.shape == (4, 2, 3)
    for n in range(4):
        np.testing.assert_array_equal(picked[n], weights[n, ..., rows[n], cols[n]])


def test_attention_at_is_verb_attention_at_the_verbs(data, rng):
    pairs = se.subset(data["test"], list(range(6)))
    weights = rng.random((6, 4, 21, 20))
    np.testing.assert_array_equal(se.attention_at(weights, pairs.verb_tgt, pairs.verb_src),
                                  se.verb_attention(weights, pairs))


@pytest.mark.parametrize("weights, rows, cols, match", [
    (np.ones((3, 4)), [0, 1, 2], [0, 1, 2], "weights"),
    (np.ones((3, 4, 5), dtype=int), [0, 1, 2], [0, 1, 2], "weights"),
    (np.ones((3, 4, 5)), [0, 1], [0, 1, 2], "rows"),
    (np.ones((3, 4, 5)), [0, 1, 4], [0, 1, 2], "rows"),
    (np.ones((3, 4, 5)), [0, 1, 2], [0, 1, 5], "cols"),
    (np.ones((3, 4, 5)), [0, 1, 2], [0.0, 1.0, 2.0], "cols")])
def test_attention_at_refuses_bad_input(weights, rows, cols, match):
    with pytest.raises(ValueError, match=match):
        se.attention_at(weights, np.array(rows), np.array(cols))


@pytest.mark.parametrize("predicted, expected, first", [
    ("ich sehe den Hund", "ich sehe den Hund", (4, "<eos>", "<eos>")),
    ("ich sehe das Haus", "ich sehe den Hund", (2, "das", "den")),
    ("ich sehe", "ich sehe den Hund", (2, "<eos>", "den")),
    ("ich sehe den Hund heute", "ich sehe den Hund", (4, "heute", "<eos>")),
    ("", "ich", (0, "<eos>", "ich")),
    ("Hund ich sehe", "ich sehe Hund", (0, "Hund", "ich")),
])
def test_first_difference_finds_the_first_word_that_differs(predicted, expected, first):
    assert se.first_difference(predicted, expected) == first


def test_first_difference_refuses_token_ids():
    with pytest.raises(ValueError, match="predicted"):
        se.first_difference([4, 5, 6], "ich sehe")
