"""A sentence translator's data: English -> German sentences whose verbs move, with their tokens and batches.

The data (data/sentences_en_de.tsv, made by data/make_sentences.py from a small grammar, see data/README.md):
23,000 English sentences and their German translations, split into train (20,000), validation (1,000) and test
(2,000). German moves the finite verb: second after a fronted adverb, jumping over the subject ("today the dog
eats the apple" -> "heute frisst der Hund den Apfel"), and last in a subordinate clause, jumping over the objects
("..., because the woman gives the dog the apple" -> "... , weil die Frau dem Hund den Apfel gibt"). Articles and
adjectives show gender and case (der / den / dem Hund, dem großen Hund), "eats" is "isst" for a person and
"frisst" for an animal, and a compound such as "teddy bear" or "house cat" is one German word ("Teddybär",
"Hauskatze") whose article comes from its last part (das Haus, die Hauskatze); "teddy" alone is the name Teddy.
The split holds out some (verb, object) combinations: every validation and test sentence contains one that no
training sentence contains.

Tokens
------
Words split on spaces. English is lowercase, without punctuation; German writes nouns and names with a capital
and everything else in lowercase (also at the start of a sentence), and its comma before a subordinate clause is
a token of its own. No sentence ends with a full stop. The vocabularies are the grammar's words
(:data:`EN_WORDS`, 84; :data:`DE_WORDS`, 106, every inflected form a word of its own), after the three special
tokens of :mod:`helpers.translation`: <pad> = 0, <bos> = 1, <eos> = 2.

Notation
--------
Per pair (the columns of the file; see :class:`SentencePairs`):

tags      the phenomena it shows, from :data:`TAGS`: "v2" (fronted adverb, verb second), "verb_final" (a
          subordinate clause whose verb jumps over at least one token), "subordinate" (has a subordinate clause
          and so a German comma), "case" (a dative, or a masculine accusative "den", is visible), "selection"
          (isst / frisst: the German verb depends on its subject), "compound" (teddy bear, house cat, house
          key), "name" (Teddy, Anna, Paul or Lena)
verb_src  index of the farthest-moving finite verb among the English tokens (0-based)
verb_tgt  index of the same verb among the German tokens; in a :class:`~helpers.translation.Batch` it is the
          position in tgt_out (and the decoder row) that predicts it, since tgt_in = <bos> + German
move      how many German tokens the verb jumps over: the subject's tokens for verb-second, the objects' tokens
          for verb-final, 0 for a verb that stays where English has it (on a tie, the first verb is recorded)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .datasets import data_file, verify_checksum
from .shapes import check_choice, check_ids, check_instance, check_nonempty, check_real, check_strings
from .transformer_training import TranslationTask
from .translation_batch import BOS, EOS, PAD, SPECIALS, Batch, pad

__all__ = ["SPECIALS", "PAD", "BOS", "EOS", "EN_WORDS", "DE_WORDS", "EN_VOCAB", "DE_VOCAB", "TAGS", "SentencePairs",
           "load_sentences", "tokenize_english", "tokenize_german", "encode_english", "encode_german",
           "decode_english", "decode_german", "make_batch", "tag_mask", "subset", "sentences_task", "accuracy_by",
           "accuracy_interval", "verb_object_pairs", "next_words", "attention_at", "verb_attention",
           "first_difference"]

# The grammar's words (data/make_sentences.py), grouped as in its tables. "teddy" is a name and the first half
# of "teddy bear"; "house" is a noun and the first half of "house cat" and "house key".
EN_WORDS = (
    "the", "because", "although", "while", "that",
    "today", "now", "tomorrow", "sometimes", "often", "here", "later",
    "man", "woman", "child", "girl", "boy", "neighbor", "farmer", "dog", "cat", "house", "horse", "bird", "mouse",
    "bear", "apple", "cake", "bread", "carrot", "soup", "cheese", "ball", "hat", "bag", "key", "picture", "book",
    "letter", "newspaper",
    "teddy", "anna", "paul", "lena",
    "big", "small", "old", "young", "new", "red", "black", "brown",
    "eats", "sees", "likes", "finds", "buys", "carries", "washes", "draws", "reads", "visits", "feeds", "chases",
    "helps", "follows", "gives", "shows", "brings", "sends", "sleeps", "laughs", "cries", "sings", "runs", "waits",
    "swims", "plays", "barks", "falls", "says", "knows", "thinks", "hopes")
DE_WORDS = (
    ",", "der", "die", "das", "den", "dem", "weil", "obwohl", "während", "dass",
    "heute", "jetzt", "morgen", "manchmal", "oft", "hier", "später",
    "Mann", "Frau", "Kind", "Mädchen", "Junge", "Jungen", "Nachbar", "Nachbarn", "Bauer", "Bauern", "Hund", "Katze",
    "Hauskatze", "Pferd", "Vogel", "Maus", "Bär", "Bären", "Apfel", "Kuchen", "Brot", "Karotte", "Suppe", "Käse",
    "Ball", "Hut", "Tasche", "Schlüssel", "Hausschlüssel", "Teddybär", "Teddybären", "Bild", "Buch", "Brief",
    "Zeitung", "Haus",
    "Teddy", "Anna", "Paul", "Lena",
    "große", "großen", "kleine", "kleinen", "alte", "alten", "junge", "jungen", "neue", "neuen", "rote", "roten",
    "schwarze", "schwarzen", "braune", "braunen",
    "isst", "frisst", "sieht", "mag", "findet", "kauft", "trägt", "wäscht", "zeichnet", "liest", "besucht",
    "füttert", "jagt", "hilft", "folgt", "gibt", "zeigt", "bringt", "schickt", "schläft", "lacht", "weint", "singt",
    "läuft", "wartet", "schwimmt", "spielt", "bellt", "fällt", "sagt", "weiß", "denkt", "hofft")
EN_VOCAB = SPECIALS + EN_WORDS
DE_VOCAB = SPECIALS + DE_WORDS
_EN_ID = {w: i for i, w in enumerate(EN_VOCAB)}
_DE_ID = {w: i for i, w in enumerate(DE_VOCAB)}
TAGS = ("v2", "verb_final", "subordinate", "case", "selection", "compound", "name")
_EN_VERBS = frozenset(EN_WORDS[EN_WORDS.index("eats"):])
_EN_NOUNS = frozenset(EN_WORDS[EN_WORDS.index("man"):EN_WORDS.index("lena") + 1])
_EN_CLAUSE_STARTS = frozenset(("because", "although", "while", "that"))
_EN_COMPOUNDS = frozenset((("house", "cat"), ("house", "key"), ("teddy", "bear")))
FILE_NAME = "sentences_en_de.tsv"
HEADER = ["english", "german", "split", "tags", "verb_src", "verb_tgt", "move"]
SPLITS = ("train", "validation", "test")


# --------------------------------------------------------------------------- data

@dataclass
class SentencePairs:
    """The pairs of one split: english, german (lists of n str), tags (list of n tuples of str), verb_src,
    verb_tgt, move ((n,) int arrays; see the module docstring)."""

    english: list
    german: list
    tags: list
    verb_src: np.ndarray
    verb_tgt: np.ndarray
    move: np.ndarray

    def __len__(self) -> int:
        return len(self.english)


def load_sentences(data_dir=None) -> dict:
    """{"train", "validation", "test": SentencePairs}, read from the checksummed TSV file in ``data/``."""
    path = data_file(data_dir, FILE_NAME)
    verify_checksum(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines[0].split("\t") != HEADER:
        raise ValueError(f"{path.name}: unexpected header {lines[0]!r}")
    parts = {name: ([], [], [], [], [], []) for name in SPLITS}
    for line in lines[1:]:
        english, german, split, tags, verb_src, verb_tgt, move = line.split("\t")
        columns = parts[split]
        columns[0].append(english)
        columns[1].append(german)
        columns[2].append(tuple(tags.split(",")) if tags else ())
        for column, value in zip(columns[3:], (verb_src, verb_tgt, move)):
            column.append(int(value))
    return {name: SentencePairs(e, g, t, np.array(s), np.array(v), np.array(m))
            for name, (e, g, t, s, v, m) in parts.items()}


def tag_mask(pairs: SentencePairs, tag: str) -> np.ndarray:
    """(n,) bool: which pairs carry ``tag`` (one of :data:`TAGS`)."""
    _check_pairs(pairs)
    check_choice("tag", tag, TAGS)
    return np.array([tag in t for t in pairs.tags], dtype=bool)  # (n,)


def subset(pairs: SentencePairs, index) -> SentencePairs:
    """The pairs ``pairs[index]``: index a non-empty list of pair indices or an (n,) bool mask."""
    _check_pairs(pairs)
    index = _check_index(index, len(pairs))
    return SentencePairs([pairs.english[i] for i in index], [pairs.german[i] for i in index],
                         [pairs.tags[i] for i in index], pairs.verb_src[index], pairs.verb_tgt[index],
                         pairs.move[index])


def _check_pairs(pairs):
    check_instance("pairs", pairs, SentencePairs, "a SentencePairs split of load_sentences()")
    if len(pairs) == 0:
        raise ValueError("pairs: expected at least one sentence pair, got an empty SentencePairs")
    return pairs


def _check_index(index, n):
    """``index`` (pair indices or an (n,) bool mask) as a non-empty int array of indices in [0, n)."""
    arr = np.asarray(index)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"index: expected a bool mask of shape ({n},) or pair indices, got shape {arr.shape}")
        arr = np.flatnonzero(arr)  # (M,)
    arr = check_ids("index", arr, n, (None,), what="pair indices")
    return check_nonempty("index", arr, what="pair index")


# --------------------------------------------------------------------------- tokens

def tokenize_english(text: str) -> list:
    """"today the dog eats the apple" -> ["today", "the", "dog", "eats", "the", "apple"]."""
    return _words(text, "text", _EN_ID, "English")


def tokenize_german(text: str) -> list:
    """"heute frisst der Hund den Apfel" -> ["heute", "frisst", "der", "Hund", "den", "Apfel"]."""
    return _words(text, "text", _DE_ID, "German")


def _words(text, name, ids, language):
    """``text`` split on spaces, every word checked against the vocabulary; errors name the argument ``name``."""
    check_instance(name, text, str, f"a str of {language} words")
    words = text.split()
    if not words:
        raise ValueError(f"{name}: expected a sentence of {language} words, got {text!r}")
    unknown = [w for w in words if w not in ids or w in SPECIALS]
    if unknown:
        lower = {w.lower(): w for w in ids if w not in SPECIALS}
        hints = [f"{w!r} -> {lower[w.lower()]!r}" for w in unknown if w.lower() in lower]
        raise ValueError(f"{name}: unknown {language} word(s) {unknown} in {text!r}; expected words of the grammar "
                         f"({'EN_WORDS' if language == 'English' else 'DE_WORDS'})"
                         + (f" (did you mean {', '.join(hints)}?)" if hints else ""))
    return words


def encode_english(texts) -> tuple:
    """Token ids of English sentences, padded with <pad>: (src (N, S) int, src_lengths (N,) int)."""
    return _encode_english(texts, "texts")


def _encode_english(texts, name):
    texts = check_strings(name, texts, what="English sentences")
    return pad([[_EN_ID[w] for w in _words(t, f"{name}[{n}]", _EN_ID, "English")] for n, t in enumerate(texts)])


def encode_german(texts) -> tuple:
    """Decoder input and target of German sentences: tgt_in = <bos> + tokens, tgt_out = tokens + <eos>, both
    padded with <pad>: (tgt_in (N, T), tgt_out (N, T), tgt_lengths (N,)), T = the longest sentence + 1."""
    return _encode_german(texts, "texts")


def _encode_german(texts, name):
    texts = check_strings(name, texts, what="German sentences")
    tokens = [[_DE_ID[w] for w in _words(t, f"{name}[{n}]", _DE_ID, "German")] for n, t in enumerate(texts)]
    tgt_in, lengths = pad([[BOS] + t for t in tokens])
    tgt_out, _ = pad([t + [EOS] for t in tokens])
    return tgt_in, tgt_out, lengths


def decode_english(ids) -> str:
    """Token ids (T,) up to the first <eos> -> the English sentence (<pad> and <bos> skipped)."""
    return _decode(ids, EN_VOCAB)


def decode_german(ids) -> str:
    """Token ids (T,) up to the first <eos> -> the German sentence (<pad> and <bos> skipped), words joined by
    spaces as in the data file."""
    return _decode(ids, DE_VOCAB)


def _decode(ids, vocab):
    words = []
    for i in check_ids("ids", ids, len(vocab), spec=(None,)).tolist():
        if i == EOS:
            break
        if i not in (PAD, BOS):
            words.append(vocab[i])
    return " ".join(words)


def first_difference(predicted: str, expected: str) -> tuple:
    """(position, word written, word expected) of the first word where two sentences differ, words split on spaces;
    "<eos>" stands for the end of the shorter sentence. Equal sentences give (their length, "<eos>", "<eos>")."""
    for name, value in (("predicted", predicted), ("expected", expected)):
        check_instance(name, value, str, "a sentence (words separated by spaces)")
    p, e = predicted.split(), expected.split()
    k = next(k for k in range(max(len(p), len(e)) + 1) if k >= min(len(p), len(e)) or p[k] != e[k])
    return k, (p[k] if k < len(p) else "<eos>"), (e[k] if k < len(e) else "<eos>")


def make_batch(pairs: SentencePairs, index=None) -> Batch:
    """Encode the pairs ``pairs[index]`` (all of them with index None; index: pair indices or an (n,) bool mask),
    padded to their own longest length.

    Returns: Batch(src (N, S), src_lengths (N,), tgt_in (N, T), tgt_out (N, T), tgt_lengths (N,)), as for the
             number words: src the English ids, tgt_in = <bos> + German, tgt_out = German + <eos>
    """
    _check_pairs(pairs)
    index = np.arange(len(pairs)) if index is None else _check_index(index, len(pairs))
    src, src_lengths = _encode_english([pairs.english[i] for i in index], "pairs.english")
    tgt_in, tgt_out, tgt_lengths = _encode_german([pairs.german[i] for i in index], "pairs.german")
    return Batch(src, src_lengths, tgt_in, tgt_out, tgt_lengths)


# --------------------------------------------------------------------------- training and reading the models

def sentences_task(data: dict) -> TranslationTask:
    """The sentences as a TranslationTask for helpers.transformer_training.train_transformer and
    helpers.rnn_translator.train_rnn_translator: training pairs from data["train"], held-out from data["validation"]."""
    check_instance("data", data, dict, "the dict of load_sentences()")
    for split in ("train", "validation"):
        check_instance(f"data[{split!r}]", data.get(split), SentencePairs, "a SentencePairs split of load_sentences()")
    train = data["train"]
    return TranslationTask(lambda index: make_batch(train, index), len(train), make_batch(data["validation"]),
                           len(EN_VOCAB), len(DE_VOCAB))


def accuracy_by(correct, groups) -> tuple:
    """The fraction of pairs right per group: (values (g,) sorted, accuracy (g,), counts (g,)).

    Inputs: correct (n,) bool, e.g. from helpers.transformer_training.correct; groups (n,): a group per pair,
            e.g. pairs.move
    """
    correct, groups = np.asarray(correct), np.asarray(groups)
    if correct.ndim != 1 or correct.dtype != bool or len(correct) == 0:
        raise ValueError(f"correct: expected a non-empty (n,) bool array, got shape {correct.shape}, dtype "
                         f"{correct.dtype}")
    if groups.shape != correct.shape:
        raise ValueError(f"groups: expected shape {correct.shape} (one group per pair), got {groups.shape}")
    values, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)  # (g,), (n,), (g,)
    right = np.bincount(inverse, weights=correct.astype(float), minlength=len(values))  # (g,)
    return values, right / counts, counts


def accuracy_interval(accuracy, counts, z: float = 1.96) -> tuple:
    """Wilson's score interval of an accuracy measured on ``counts`` pairs (95% for z = 1.96):

        (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)

    Unlike p +- z sqrt(p(1-p)/n) it stays inside [0, 1] and does not shrink to nothing at p = 1 (7 right out of 7
    gives 0.65 ... 1.00).
    Inputs: accuracy (g,) in [0, 1]; counts (g,) positive ints, e.g. both from :func:`accuracy_by`; z > 0
    Returns: (low (g,), high (g,))
    """
    p, n = np.asarray(accuracy, dtype=float), np.asarray(counts)
    if p.ndim != 1 or len(p) == 0 or np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError(f"accuracy: expected a non-empty (g,) array of values in [0, 1], got {p!r}")
    if n.shape != p.shape or n.dtype.kind not in "iu" or np.any(n < 1):
        raise ValueError(f"counts: expected {p.shape} positive ints (pairs per group), got {n!r}")
    z = check_real("z", z)
    centre = (p + z ** 2 / (2 * n)) / (1 + z ** 2 / n)  # (g,)
    half = z * np.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) / (1 + z ** 2 / n)  # (g,)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def verb_object_pairs(english: str) -> set:
    """The (verb, object) combinations of an English sentence, e.g. "the woman gives the dog the apple because
    teddy sees the house cat" -> {("gives", "dog"), ("gives", "apple"), ("sees", "house cat")}: every noun or name
    after a verb and before the next clause ("because", "although", "while", "that"); a compound (house cat,
    house key, teddy bear) is one object. The split holds some of these combinations out (data/README.md)."""
    words = tokenize_english(english)
    pairs, verb, i = set(), None, 0
    while i < len(words):
        word = words[i]
        if word in _EN_CLAUSE_STARTS:
            verb = None  # the next clause's subject follows
        elif word in _EN_VERBS:
            verb = word
        elif verb is not None and word in _EN_NOUNS:
            if i + 1 < len(words) and (word, words[i + 1]) in _EN_COMPOUNDS:
                word, i = f"{word} {words[i + 1]}", i + 1
            pairs.add((verb, word))
        i += 1
    return pairs


def next_words(english, word: str) -> tuple:
    """Every place where the English ``word`` is followed by another word, sentence by sentence, left to right:
    (sentence (k,) int, position (k,) int, follower (k,) str), one entry per occurrence. A ``word`` that ends its
    sentence has no next word and is left out; a sentence with ``word`` twice gives two entries.

    Example: english = ["anna sees the house because the dog sleeps", "the house key falls", "paul likes the
    house"], word = "house" -> sentence [0, 1], position [3, 1], follower ["because", "key"]: the "house" of
    sentence 2 is its last word.
    Inputs: english: a list of English sentences (e.g. pairs.english); word: a word of :data:`EN_WORDS`
    Returns: (sentence (k,) int, position (k,) int, follower (k,) str); k may be 0
    """
    english = check_strings("english", english, what="English sentences")
    check_choice("word", word, EN_WORDS)
    sentence, position, follower = [], [], []
    for n, text in enumerate(english):
        words = _words(text, f"english[{n}]", _EN_ID, "English")
        for j in range(len(words) - 1):  # the last word has no follower
            if words[j] == word:
                sentence.append(n)
                position.append(j)
                follower.append(words[j + 1])
    return (np.array(sentence, dtype=np.int64), np.array(position, dtype=np.int64),  # (k,), (k,)
            np.array(follower, dtype=str))  # (k,)


def attention_at(weights, rows, cols) -> np.ndarray:
    """One weight per pair: weights[n, ..., rows[n], cols[n]], e.g. a query row's weight on one key per sentence.

    Inputs: weights (n, ..., T, S) attention maps of n pairs (queries T, keys S; e.g. (n, h, T, S) per head);
            rows, cols (n,) ints in [0, T) and [0, S)
    Returns: (n, ...) (e.g. (n, h): one weight per pair and head)
    """
    weights = np.asarray(weights)
    if weights.ndim < 3 or weights.dtype.kind != "f" or weights.shape[0] == 0:
        raise ValueError(f"weights: expected a float array (n, ..., T, S) of attention maps, got shape "
                         f"{weights.shape}, dtype {weights.dtype}")
    n, (T, S) = weights.shape[0], weights.shape[-2:]
    rows = check_ids("rows", rows, T, (n,), what="row indices")
    cols = check_ids("cols", cols, S, (n,), what="column indices")
    moved = np.moveaxis(weights, (-2, -1), (1, 2))  # (n, T, S, ...)
    return moved[np.arange(n), rows, cols]  # (n, ...)


def verb_attention(weights, pairs: SentencePairs) -> np.ndarray:
    """How much each pair's moved German verb attends to its English verb: weights[n, ..., verb_tgt[n], verb_src[n]].

    Inputs: weights (n, ..., T, S): teacher-forced cross-attention of the pairs (e.g. one Transformer layer's
            (n, h, T, S), or the RNN translator's (n, T, S)), row t predicting German token t; pairs: the same n
            pairs (their verb_tgt, verb_src)
    Returns: (n, ...) the weight on the English verb (e.g. (n, h) per head)
    """
    _check_pairs(pairs)
    weights = np.asarray(weights)
    n = len(pairs)
    if weights.ndim < 3 or weights.shape[0] != n:
        raise ValueError(f"weights: expected shape (n = {n}, ..., T, S), got {weights.shape}")
    T, S = weights.shape[-2:]
    if pairs.verb_tgt.max() >= T or pairs.verb_src.max() >= S:
        raise ValueError(f"weights: expected T > {pairs.verb_tgt.max()} rows and S > {pairs.verb_src.max()} columns "
                         f"(the verbs' positions), got {weights.shape}")
    moved = np.moveaxis(weights, (-2, -1), (1, 2))  # (n, T, S, ...)
    return moved[np.arange(n), pairs.verb_tgt, pairs.verb_src]  # (n, ...)
