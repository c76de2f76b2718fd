"""Training the Transformer of helpers.transformer on a translation corpus, and reading what it learned.

A corpus reaches the trainers as a :class:`TranslationTask`: a function making a padded batch
(:class:`helpers.translation.Batch`) from training-pair indices, the number of training pairs, a batch of held-out
pairs and the two vocabulary sizes (the special tokens <pad>, <bos>, <eos> = 0, 1, 2 included). The number words
of notebook 10 and the sentences of notebook 11 are two such corpora; the Transformer (:func:`train_transformer`)
and the LSTM encoder-decoder with attention (helpers.rnn_translator) are trained on either.

Training (Vaswani et al. 2017): teacher forcing (the decoder reads <bos> + the target and must predict the target +
<eos>), the label-smoothed cross-entropy of the real target tokens (helpers.translation.smoothed_cross_entropy),
Adam with beta2 = 0.98 and eps = 1e-9, and the learning rate lr_scale * transformer_lr(step, d_model, warmup).
The model's sizes and the training settings travel together in a :class:`TranslatorConfig`.

Reading the model: :func:`greedy_ids` translates (greedy decoding, rows stop at <eos>), :func:`correct` tells which
held-out pairs it gets exactly right, and :func:`attention_weights` returns every attention map of a teacher-forced
pass (encoder self-attention, decoder self-attention, cross-attention; per layer (N, h, rows, columns)), and
:func:`encoder_attention` the encoder's alone, from the source sentences.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import transformer as tf
from .optim import adam_init, adam_step, transformer_lr
from .seeding import check_rng
from .shapes import check_float_dtype, check_instance, check_int, check_real, with_settings
from .transformer_layers import check_norm
from .translation_batch import BOS, EOS, Batch, length_grouped, smoothed_cross_entropy

__all__ = ["TranslationTask", "TranslatorConfig", "TranslatorResult", "train_transformer", "greedy_ids", "correct",
           "attention_weights", "encoder_attention", "check_config", "first_rows"]


@dataclass(frozen=True)
class TranslationTask:
    """The data of a translator's training, from any corpus (e.g. helpers.translation, helpers.sentences):

    make_batch:  callable, an int array of training-pair indices (B,) -> helpers.translation.Batch
    n_train:     the number of training pairs (indices are drawn from 0 ... n_train - 1)
    validation:  a Batch of held-out pairs (exact match is measured on its first eval_size rows)
    V_src, V_tgt: vocabulary sizes, specials PAD, BOS, EOS = 0, 1, 2 included
    """

    make_batch: Callable
    n_train: int
    validation: Batch
    V_src: int
    V_tgt: int

    def __post_init__(self):
        if not callable(self.make_batch):
            raise ValueError(f"make_batch: expected a callable index -> Batch, got {type(self.make_batch).__name__}")
        for name in ("n_train", "V_src", "V_tgt"):
            object.__setattr__(self, name, check_int(name, getattr(self, name)))
        check_instance("validation", self.validation, Batch, "a helpers.translation.Batch of held-out pairs")

    def batch_indices(self, rng: np.random.Generator, batch: int, length_pool: int = 0):
        """The training pairs of each step: an endless iterator of (batch,) index arrays drawn with ``rng``.

        length_pool = 0: random pairs, rng.integers(0, n_train, batch) at every step. length_pool = k > 0: batches
        grouped by length (helpers.translation_batch.length_grouped), k batches from each pool of random pairs; a
        pair's length is its source's plus its target's tokens, read from make_batch of every training pair.
        """
        check_rng(rng)
        batch, length_pool = check_int("batch", batch), check_int("length_pool", length_pool, minimum=0)
        if length_pool == 0:
            return _random_batches(rng, self.n_train, batch)
        every = self.make_batch(np.arange(self.n_train))
        check_instance("task.make_batch(index)", every, Batch, "a helpers.translation.Batch")
        return length_grouped(rng, np.asarray(every.src_lengths) + np.asarray(every.tgt_lengths), batch, length_pool)


def _random_batches(rng, n, batch):
    while True:
        yield rng.integers(0, n, size=batch)


def first_rows(batch: Batch, n: int) -> Batch:
    """The first n pairs of a batch."""
    return Batch(*(np.asarray(a)[:n] for a in (batch.src, batch.src_lengths, batch.tgt_in, batch.tgt_out,
                                                batch.tgt_lengths)))


@dataclass(frozen=True)
class TranslatorConfig:
    """The Transformer's sizes and the training settings of :func:`train_transformer`; every field is checked.

    Model:    d_model, h (heads; a divisor of d_model), d_ff, n_layers (encoder and decoder layers each),
              norm ("pre" or "post")
    Training: steps, batch (pairs per step), length_pool (0: random batches; k > 0: batches grouped by length, from
              pools of k batches, see TranslationTask.batch_indices), warmup and lr_scale (the rate is lr_scale *
              transformer_lr(step, d_model, warmup)), smoothing (label smoothing eps, in [0, 1)), dtype ("float32"
              or "float64"), eval_every and eval_size (validation exact match on the first eval_size pairs, every
              eval_every steps)
    """

    d_model: int = 64
    h: int = 4
    d_ff: int = 128
    n_layers: int = 2
    norm: str = "pre"
    steps: int = 1500
    batch: int = 64
    length_pool: int = 0
    warmup: int = 400
    lr_scale: float = 0.5
    smoothing: float = 0.1
    dtype: str = "float32"
    eval_every: int = 250
    eval_size: int = 500

    def __post_init__(self):
        for name in ("d_model", "h", "d_ff", "n_layers", "steps", "batch", "warmup", "eval_every", "eval_size"):
            object.__setattr__(self, name, check_int(name, getattr(self, name)))
        object.__setattr__(self, "length_pool", check_int("length_pool", self.length_pool, minimum=0))
        if self.d_model % self.h:
            raise ValueError(f"h: expected a divisor of d_model = {self.d_model}, got {self.h}")
        check_norm(self.norm)
        object.__setattr__(self, "lr_scale", check_real("lr_scale", self.lr_scale))
        object.__setattr__(self, "smoothing", check_real("smoothing", self.smoothing, inclusive=True, maximum=1.0))
        object.__setattr__(self, "dtype", check_float_dtype(self.dtype))


@dataclass
class TranslatorResult:
    """What a translator's training returns. ``history`` holds (step, seconds, validation exact match)."""

    params: dict
    config: TranslatorConfig
    loss: np.ndarray = field(repr=False)
    history: list = field(default_factory=list)
    seconds: float = 0.0


def check_config(config) -> TranslatorConfig:
    if not isinstance(config, TranslatorConfig):
        raise ValueError(f"config: expected the TranslatorConfig of the model (e.g. the training's result.config), "
                         f"got {type(config).__name__}")
    return config


def train_transformer(task: TranslationTask, rng: np.random.Generator, config: TranslatorConfig | None = None,
                      progress: Callable | None = None, validate: Callable | None = None,
                      **settings) -> TranslatorResult:
    """Train the encoder-decoder on task.make_batch(indices) (random pairs, or grouped by length with
    config.length_pool > 0: TranslationTask.batch_indices); score exact match on task.validation.

    Randomness: two child generators are drawn from ``rng``, one for the initial parameters and one for the
    batches' indices, so a fixed seed gives the same run (with the same number of BLAS threads).

    Inputs: task; rng; config (None: the defaults); progress: an optional ``progress(step, loss=..., val_exact=...)``
            called every ``config.eval_every`` steps and after the last; validate: an optional
            ``validate(params, config) -> float`` measuring the validation exact match another way (default: greedy
            decoding of the first eval_size pairs of task.validation, compared token by token); settings: fields of
            TranslatorConfig that replace those of ``config``, e.g. ``steps=200``
    Returns: TranslatorResult
    """
    check_instance("task", task, TranslationTask, "a TranslationTask")
    check_rng(rng)
    c = with_settings(config, TranslatorConfig, settings)
    for name, value in (("progress", progress), ("validate", validate)):
        if value is not None and not callable(value):
            raise ValueError(f"{name}: expected a callable or None, got {type(value).__name__}")
    if validate is None:
        val = first_rows(task.validation, c.eval_size)
        validate = lambda params, config: float(np.mean(correct(params, config, val)))  # noqa: E731
    init_rng, batch_rng = (np.random.default_rng(s) for s in rng.integers(0, 2 ** 63, size=2))
    params = tf.init_transformer(task.V_src, task.V_tgt, c.d_model, c.h, c.d_ff, c.n_layers, init_rng, norm=c.norm)
    params = {k: v.astype(c.dtype) for k, v in params.items()}
    state = adam_init(params)
    losses = np.empty(c.steps)  # (steps,)
    history = []
    start = time.perf_counter()
    indices = task.batch_indices(batch_rng, c.batch, c.length_pool)
    for step in range(1, c.steps + 1):
        b = task.make_batch(next(indices))
        logits, cache = tf.transformer_forward(params, b.src, b.tgt_in, c.h, b.src_lengths, b.tgt_lengths, c.norm)
        loss, dlogits = smoothed_cross_entropy(logits, b.tgt_out, b.tgt_lengths, c.smoothing)
        grads = tf.transformer_backward(dlogits, cache)
        lr = c.lr_scale * transformer_lr(step, c.d_model, c.warmup)
        params, state = adam_step(params, grads, state, lr=lr, beta2=0.98, eps=1e-9)
        losses[step - 1] = loss
        if step % c.eval_every == 0 or step == c.steps:
            accuracy = validate(params, c)
            history.append((step, time.perf_counter() - start, accuracy))
            if progress is not None:
                progress(step, loss=float(losses[max(0, step - c.eval_every):step].mean()), val_exact=accuracy)
    return TranslatorResult(params, c, losses, history, time.perf_counter() - start)


def greedy_ids(params: dict, config: TranslatorConfig, src, src_lengths=None, max_len: int = 30) -> np.ndarray:
    """Greedy translation of padded source ids (N, S): (N, max_len) ids, each row <eos> from its first <eos> on."""
    config = check_config(config)
    return tf.greedy_decode(params, src, config.h, BOS, max_len, eos=EOS, src_lengths=src_lengths,
                            norm=config.norm)  # (N, max_len)


def correct(params: dict, config: TranslatorConfig, batch: Batch) -> np.ndarray:
    """(N,) bool: does greedy decoding reproduce each target exactly, up to and including its <eos>?"""
    check_instance("batch", batch, Batch, "a helpers.translation.Batch")
    tgt_out, lengths = np.asarray(batch.tgt_out), np.asarray(batch.tgt_lengths)
    T = tgt_out.shape[1]
    ids = greedy_ids(params, config, batch.src, batch.src_lengths, T)  # (N, T)
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
    return np.all((ids == tgt_out) | ~real, axis=1)


# Pairs per teacher-forced pass when reading attention maps. A pass over thousands of pairs at once is slower per
# pair than passes over a few hundred (its arrays no longer stay in the processor's caches, and fresh memory is
# slow to touch the first time: 1.5 s against 0.4 s for notebook 11's 2,000 test pairs). Every map is the same
# either way, bit for bit: the padding stays that of the whole batch, and every product and sum runs within a pair.
MAP_ROWS = 256


def _in_row_chunks(forward, arrays) -> dict:
    """forward(*arrays) -> {kind: per-layer maps}, run MAP_ROWS rows at a time and joined along the rows. The
    arrays are checked whole first (tf.check_inputs), so an error names the caller's argument and shapes."""
    n = len(arrays[0])
    if n <= MAP_ROWS:
        return forward(*arrays)
    parts = [forward(*(a if a is None else a[start:start + MAP_ROWS] for a in arrays))
             for start in range(0, n, MAP_ROWS)]
    return {kind: [np.concatenate(layer) for layer in zip(*(part[kind] for part in parts))] for kind in parts[0]}


def attention_weights(params: dict, config: TranslatorConfig, batch: Batch) -> dict:
    """Every attention map of a teacher-forced pass over ``batch``:
    {"encoder": [per layer (N, h, S, S)], "decoder": [per layer (N, h, T, T)], "cross": [per layer (N, h, T, S)]};
    row t of a decoder or cross map is the step that predicts tgt_out[:, t]. (Only the encoder's maps, without
    targets: :func:`encoder_attention`.)"""
    config = check_config(config)
    check_instance("batch", batch, Batch, "a helpers.translation.Batch")

    def forward(src, tgt_in, src_lengths, tgt_lengths):
        _, cache = tf.transformer_forward(params, src, tgt_in, config.h, src_lengths, tgt_lengths, config.norm)
        enc, dec = cache.encoder.layer_caches, cache.decoder.layer_caches
        return {"encoder": [c.caches["attn"].attention.weights for c in enc],
                "decoder": [c.caches["self"].attention.weights for c in dec],
                "cross": [c.caches["cross"].attention.weights for c in dec]}

    arrays = tf.check_inputs(params, config.h, batch.src, batch.tgt_in, batch.src_lengths, batch.tgt_lengths,
                             config.norm)  # (src, tgt_in, src_lengths, tgt_lengths)
    return _in_row_chunks(forward, arrays)


def encoder_attention(params: dict, config: TranslatorConfig, src, src_lengths=None) -> list:
    """The encoder's self-attention maps of padded source ids src (N, S) (e.g. a batch's src and src_lengths):
    per layer (N, h, S, S), the same as attention_weights(...)["encoder"], without the decoder or any target."""
    config = check_config(config)

    def forward(src, src_lengths):
        _, cache = tf.encode(params, src, config.h, src_lengths, config.norm)
        return {"encoder": [c.caches["attn"].attention.weights for c in cache.layer_caches]}

    src, _, src_lengths, _ = tf.check_inputs(params, config.h, src, None, src_lengths, norm=config.norm)
    return _in_row_chunks(forward, (src, src_lengths))["encoder"]
