"""A toy translator: English number words to German ones, with the Transformer of helpers.transformer.

The data (data/number_words_en_de.tsv, made by data/make_number_words.py): every number from 0 to 9,999 in
American English words ("three hundred forty-one") and in German ("dreihunderteinundvierzig"), split by
number into train (8,000), validation (1,000) and test (1,000), so that no test number is seen in training.

Tokens
------
English: the words, with the hyphen of "forty-one" as a space: "three hundred forty one" (30 word types).
German: one word per number, cut into the pieces it is built from ("morphemes"), longest match first:
"drei hundert ein und vierzig". The 32 pieces (:data:`DE_PIECES`) are the units and teens ("eins" at the
end of a number, "ein" before "und", "hundert" or "tausend"), the tens, "hundert", "tausend" and "und".
Both vocabularies start with three special tokens: <pad> = 0 (fills short sequences up to the batch's
length), <bos> = 1 (begins every decoder input), <eos> = 2 (ends every target). Characters would work too,
but a German number would then be up to 42 tokens instead of at most 7 pieces (8 with <eos>; see notebook 10).

Training (:func:`train_translator`): the encoder-decoder of :func:`helpers.transformer.init_transformer`,
teacher forcing (the decoder reads <bos> + the target and must predict the target + <eos>), the
cross-entropy of the real target tokens (padding left out) with optional label smoothing (Szegedy et al.
2016, used by Vaswani et al. 2017 with eps = 0.1):

    loss = mean over real tokens of  -( (1 - eps) log p_y + (eps / K) sum_k log p_k )
    dloss/dlogits = (softmax(logits) - ((1 - eps) onehot(y) + eps / K)) / (number of real tokens)

and Adam (beta2 = 0.98, eps = 1e-9 as in the paper) with the learning rate of helpers.optim.transformer_lr,
multiplied by ``lr_scale``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import transformer as tf
from .datasets import data_file, verify_checksum
from .shapes import check_ids, check_instance, check_nonempty, check_strings, with_settings
from .transformer_training import (TranslationTask, TranslatorConfig, TranslatorResult, check_config,
                                   train_transformer)
from .translation_batch import BOS, EOS, PAD, SPECIALS, Batch, pad, smoothed_cross_entropy

__all__ = ["SPECIALS", "PAD", "BOS", "EOS", "DE_PIECES", "EN_WORDS", "EN_VOCAB", "DE_VOCAB", "NumberWords",
           "load_number_words", "tokenize_english", "tokenize_german", "encode_english", "encode_german",
           "decode_german", "Batch", "make_batch", "smoothed_cross_entropy", "TranslatorConfig", "TranslatorResult",
           "number_words_task",
           "train_translator", "translate", "exact_match", "attention_maps", "head_scores"]

EN_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
            "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand")
DE_PIECES = ("null", "eins", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf",
             "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn", "zwanzig",
             "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig", "hundert", "tausend", "und")
EN_VOCAB = SPECIALS + EN_WORDS
DE_VOCAB = SPECIALS + DE_PIECES
_EN_ID = {w: i for i, w in enumerate(EN_VOCAB)}
_DE_ID = {w: i for i, w in enumerate(DE_VOCAB)}
_DE_LONGEST_FIRST = sorted(DE_PIECES, key=len, reverse=True)
FILE_NAME = "number_words_en_de.tsv"
SPLITS = ("train", "validation", "test")


# --------------------------------------------------------------------------- data and tokens

@dataclass
class NumberWords:
    """The pairs of one split: numbers (n,), english and german (lists of n strings)."""

    numbers: np.ndarray
    english: list
    german: list


def load_number_words(data_dir=None) -> dict:
    """{"train", "validation", "test": NumberWords}, read from the checksummed TSV file in ``data/``."""
    path = data_file(data_dir, FILE_NAME)
    verify_checksum(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines[0].split("\t") != ["number", "english", "german", "split"]:
        raise ValueError(f"{path.name}: unexpected header {lines[0]!r}")
    parts = {name: ([], [], []) for name in SPLITS}
    for line in lines[1:]:
        number, english, german, split = line.split("\t")
        parts[split][0].append(int(number))
        parts[split][1].append(english)
        parts[split][2].append(german)
    return {name: NumberWords(np.array(n), e, g) for name, (n, e, g) in parts.items()}


def tokenize_english(text: str) -> list:
    """"three hundred forty-one" -> ["three", "hundred", "forty", "one"]."""
    return _english_words(text, "text")


def _english_words(text, name):
    """:func:`tokenize_english`, naming the argument ``name`` in its errors."""
    check_instance(name, text, str, "a str of English number words")
    words = text.replace("-", " ").split()
    unknown = [w for w in words if w not in _EN_ID]
    if not words or unknown:
        raise ValueError(f"{name}: expected English number words from {EN_WORDS[0]!r} to {EN_WORDS[-1]!r}, "
                         f"got {text!r}" + (f" (unknown: {unknown})" if unknown else ""))
    return words


def tokenize_german(word: str) -> list:
    """"dreihunderteinundvierzig" -> ["drei", "hundert", "ein", "und", "vierzig"] (longest piece first)."""
    return _german_pieces(word, "word")


def _german_pieces(word, name):
    """:func:`tokenize_german`, naming the argument ``name`` in its errors."""
    check_instance(name, word, str, "a German number word (a str)")
    pieces, i = [], 0
    while i < len(word):
        piece = next((p for p in _DE_LONGEST_FIRST if word.startswith(p, i)), None)
        if piece is None:
            raise ValueError(f"{name}: cannot cut {word!r} into German number pieces (stuck at {word[i:]!r})")
        pieces.append(piece)
        i += len(piece)
    if not pieces:
        raise ValueError(f"{name}: expected a German number word, got ''")
    return pieces


def encode_english(texts) -> tuple:
    """Token ids of English sentences, padded with <pad>: (src (N, T_src) int, lengths (N,) int)."""
    return _encode_english(texts, "texts")


def _encode_english(texts, name):
    texts = check_strings(name, texts, what="English sentences")
    return pad([[_EN_ID[w] for w in _english_words(t, f"{name}[{n}]")] for n, t in enumerate(texts)])


def encode_german(words) -> tuple:
    """Decoder input and target of German words: tgt_in = <bos> + pieces, tgt_out = pieces + <eos>, both
    padded: (tgt_in (N, T), tgt_out (N, T), lengths (N,)), T = the longest length + 1."""
    words = check_strings("words", words, what="German number words")
    tokens = [[_DE_ID[p] for p in _german_pieces(w, f"words[{n}]")] for n, w in enumerate(words)]
    tgt_in, lengths = pad([[BOS] + t for t in tokens])
    tgt_out, _ = pad([t + [EOS] for t in tokens])
    return tgt_in, tgt_out, lengths


def decode_german(ids) -> str:
    """Token ids (T,) up to the first <eos> -> the German word (pieces joined without spaces)."""
    pieces = []
    for i in check_ids("ids", ids, len(DE_VOCAB), spec=(None,)).tolist():
        if i == EOS:
            break
        if i in (PAD, BOS):
            continue
        pieces.append(DE_VOCAB[i])
    return "".join(pieces)


def make_batch(data: NumberWords, index=None) -> Batch:
    """Encode the pairs ``data[index]`` (all of them with index None), padded to their own longest length."""
    check_instance("data", data, NumberWords, "a NumberWords split of load_number_words()")
    if index is not None:
        index = check_nonempty("index", check_ids("index", index, len(data.numbers), (None,), what="pair indices"),
                               what="pair index")
    index = np.arange(len(data.numbers)) if index is None else index
    src, src_lengths = encode_english([data.english[i] for i in index])
    tgt_in, tgt_out, tgt_lengths = encode_german([data.german[i] for i in index])
    return Batch(src, src_lengths, tgt_in, tgt_out, tgt_lengths)


# --------------------------------------------------------------------------- training and use

def number_words_task(data: dict) -> TranslationTask:
    """The number words as a :class:`helpers.transformer_training.TranslationTask` (training pairs drawn from
    data["train"], held-out pairs from data["validation"])."""
    if not isinstance(data, dict) or not all(isinstance(data.get(k), NumberWords) for k in ("train", "validation")):
        raise ValueError(f"data: expected the dict of load_number_words(), with NumberWords 'train' and 'validation', "
                         f"got {sorted(data) if isinstance(data, dict) else type(data).__name__}")
    train = data["train"]
    return TranslationTask(lambda index: make_batch(train, index), len(train.numbers), make_batch(data["validation"]),
                           len(EN_VOCAB), len(DE_VOCAB))


def train_translator(data: dict, rng: np.random.Generator, config: TranslatorConfig | None = None,
                     progress: Callable | None = None, **settings) -> TranslatorResult:
    """Train the encoder-decoder on data["train"]; score exact match on (part of) data["validation"].

    :func:`helpers.transformer_training.train_transformer` on the number words; the validation exact match compares
    the German words (so two piece sequences that spell the same word count as the same translation).

    Inputs: data from :func:`load_number_words`; rng; config: a TranslatorConfig (None: the defaults);
            progress: an optional callable ``progress(step, loss=..., val_exact=...)`` called every
            ``config.eval_every`` steps; settings: fields of TranslatorConfig that replace those of ``config``,
            e.g. ``steps=200``
    Returns: TranslatorResult (its config is what :func:`translate` and the figures need to use the model)
    """
    task = number_words_task(data)
    c = with_settings(config, TranslatorConfig, settings)
    val = data["validation"]
    english, german = val.english[:c.eval_size], val.german[:c.eval_size]
    return train_transformer(task, rng, c, progress,
                             validate=lambda params, config: exact_match(translate(params, config, english), german))


def translate(params: dict, config: TranslatorConfig, english, max_len: int = 10) -> list:
    """Greedy translation of English number words (a list of sentences): a list of German words."""
    config = check_config(config)
    src, src_lengths = _encode_english(english, "english")
    out = tf.greedy_decode(params, src, config.h, BOS, max_len, eos=EOS, src_lengths=src_lengths,
                           norm=config.norm)  # (N, max_len)
    return [decode_german(row) for row in out]


def exact_match(predicted, expected) -> float:
    """The fraction of predictions equal to the expected strings (two lists of the same, non-zero length)."""
    expected = check_strings("expected", expected)
    predicted = check_strings("predicted", predicted, n=len(expected))
    return float(np.mean([p == e for p, e in zip(predicted, expected)]))


def attention_maps(params: dict, config: TranslatorConfig, english: str, german: str) -> dict:
    """The attention weights of one pair, with the decoder reading <bos> + the German pieces.

    Returns: {"source": English tokens, "target": German pieces + "<eos>" (what each decoder position predicts),
              "decoder_input": "<bos>" + pieces, "encoder": [per layer (h, T_src, T_src)],
              "decoder": [per layer (h, T_tgt, T_tgt)], "cross": [per layer (h, T_tgt, T_src)]}
    """
    config = check_config(config)
    words, pieces = _english_words(english, "english"), _german_pieces(german, "german")
    src, src_lengths = encode_english([english])
    tgt_in, tgt_out, tgt_lengths = encode_german([german])
    _, cache = tf.transformer_forward(params, src, tgt_in, config.h, src_lengths, tgt_lengths, config.norm)
    return {"source": words, "target": pieces + ["<eos>"], "decoder_input": ["<bos>"] + pieces,
            "encoder": [c.caches["attn"].attention.weights[0] for c in cache.encoder.layer_caches],
            "decoder": [c.caches["self"].attention.weights[0] for c in cache.decoder.layer_caches],
            "cross": [c.caches["cross"].attention.weights[0] for c in cache.decoder.layer_caches]}


def head_scores(params: dict, config: TranslatorConfig, data: NumberWords) -> dict:
    """Where each cross-attention head looks when the German says units before tens, over many numbers.

    Uses the numbers of ``data`` whose last two digits have units and tens (21-99 without the round tens,
    e.g. 341: English "... forty one", German "... ein und vierzig"), teacher-forced as in
    :func:`attention_maps`. With S English words and u the decoder position that predicts the German units
    piece ("ein"; the tens piece "vierzig" is predicted at u + 2), per layer l and head j:

        units[n, l, j]         = cross weight of row u     on word S - 1 (the units word, "one")
        tens[n, l, j]          = cross weight of row u + 2 on word S - 2 (the tens word, "forty")
        units_on_tens[n, l, j] = cross weight of row u     on word S - 2 (what a left-to-right head would read)

    Returns: {"numbers": (M,), "units": (M, n_layers, h), "tens": (M, n_layers, h),
              "units_on_tens": (M, n_layers, h)}
    """
    config = check_config(config)
    if not isinstance(data, NumberWords):
        raise ValueError(f"data: expected a NumberWords split, got {type(data).__name__}")
    numbers = np.asarray(data.numbers)  # (n,)
    index = np.flatnonzero((numbers % 100 > 20) & (numbers % 10 != 0))  # (M,)
    if len(index) == 0:
        raise ValueError("data: expected at least one number whose last two digits have units and tens (21-99, "
                         "not a round ten)")
    b = make_batch(data, index)
    _, cache = tf.transformer_forward(params, b.src, b.tgt_in, config.h, b.src_lengths, b.tgt_lengths,
                                      config.norm)
    rows = np.arange(len(index))  # (M,)
    u = np.argmax(b.tgt_out == _DE_ID["und"], axis=1) - 1  # (M,): the row predicting the units piece
    S = b.src_lengths  # (M,)
    cross = [c.caches["cross"].attention.weights for c in cache.decoder.layer_caches]  # per layer (M, h, T_tgt, T_src)
    units = np.stack([w[rows, :, u, S - 1] for w in cross], axis=1)  # (M, n_layers, h)
    tens = np.stack([w[rows, :, u + 2, S - 2] for w in cross], axis=1)  # (M, n_layers, h)
    units_on_tens = np.stack([w[rows, :, u, S - 2] for w in cross], axis=1)  # (M, n_layers, h)
    return {"numbers": numbers[index], "units": units, "tens": tens, "units_on_tens": units_on_tens}
