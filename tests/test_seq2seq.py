"""The reversal task, the LSTM encoder-decoder with and without attention, decoding, training (helpers.seq2seq)."""
import numpy as np
import pytest

from helpers import lstm
from helpers.attention import additive_attention, scaled_dot_product_attention
from helpers.gradcheck import check_gradients
from helpers.losses import softmax_cross_entropy
from helpers.seeding import make_rng
from helpers.seq2seq import (ATTENTION_KINDS, BOS_ID, SYMBOLS, VOCAB, attention_of, decode, encode,
                             evaluate_by_length, greedy_decode, init_seq2seq, make_reversal_batch, one_hot,
                             seq2seq_backward, seq2seq_forward)
from helpers import seq2seq_training
from helpers.seq2seq_training import Seq2SeqConfig, train_seq2seq


# --------------------------------------------------------------------------- the task

def test_vocabulary_and_encoding():
    assert len(SYMBOLS) == 10 and VOCAB[BOS_ID] == "<s>" and len(VOCAB) == 11
    ids = encode("CAJE")
    np.testing.assert_array_equal(ids, [2, 0, 9, 4])
    assert decode(ids) == "CAJE" and decode([BOS_ID, 1]) == "<s>B"
    x = one_hot(np.array([[2, BOS_ID], [0, 9]]))
    assert x.shape == (2, 2, 11) and x.dtype == np.float64
    np.testing.assert_array_equal(x.sum(axis=-1), 1.0)
    np.testing.assert_array_equal(np.argmax(x, axis=-1), [[2, BOS_ID], [0, 9]])
    with pytest.raises(ValueError, match="symbols: expected symbols from"):
        encode("AXB")
    with pytest.raises(ValueError, match=r"ids: expected token ids in \[0, 11\)"):
        decode([11])
    with pytest.raises(ValueError, match=r"ids: expected a 2-D integer array \(T, N\)"):
        one_hot(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"ids: expected token ids in \[0, 11\)"):
        one_hot(np.array([[1, 12]]))


@pytest.mark.parametrize("L", [1, 2, 7, 24])
def test_reversal_batch(rng, L):
    N = 300
    src, tgt, tgt_in = make_reversal_batch(L, N, rng)
    assert src.shape == tgt.shape == tgt_in.shape == (L, N)
    assert src.dtype.kind == "i" and src.min() >= 0 and src.max() < len(SYMBOLS)
    for n in range(5):  # one sequence at a time: the target is the source read backwards
        assert decode(tgt[:, n]) == decode(src[:, n])[::-1]
    np.testing.assert_array_equal(tgt_in[0], BOS_ID)
    np.testing.assert_array_equal(tgt_in[1:], tgt[:-1])  # teacher forcing: the previous target symbol
    if L >= 7:  # every symbol occurs
        assert set(np.unique(src)) == set(range(len(SYMBOLS)))


def test_reversal_batch_is_reproducible_and_checks_its_arguments(rng):
    a, b = make_reversal_batch(5, 4, make_rng(3)), make_reversal_batch(5, 4, make_rng(3))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="length: expected a positive int"):
        make_reversal_batch(0, 3, rng)
    with pytest.raises(ValueError, match="N: expected a positive int"):
        make_reversal_batch(3, 2.0, rng)
    with pytest.raises(ValueError, match="rng: expected an np.random.Generator"):
        make_reversal_batch(3, 3, 1)


# --------------------------------------------------------------------------- the model

def _model(kind, rng, H=3, C=4, A=2, S=4, T=None, N=2):
    params = init_seq2seq(kind, H, rng, context_size=C, score_size=A)
    for k in params:  # move away from the zero biases of the initialisation
        if params[k].ndim == 1:
            params[k] = params[k] + 0.1 * rng.standard_normal(params[k].shape)
    if kind == "additive":  # a larger score network: W_a's gradient (which acts only through the tanh, since
        for k in ("W_a", "U_a", "v_a"):  # s_t W_a is the same for every key) is then well above roundoff
            params[k] = 3.0 * params[k]
    src = rng.integers(0, len(SYMBOLS), size=(S, N))  # (S, N)
    tgt_in = rng.integers(0, len(VOCAB), size=(S if T is None else T, N))  # (T, N)
    return params, src, tgt_in


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_init_keys_and_shapes(rng, kind):
    params = init_seq2seq(kind, 8, rng, context_size=6, score_size=5)
    assert attention_of(params) == kind
    lstm_keys = {f"{w}_{g}" for w in ("W", "R", "b") for g in lstm.GATES}
    extra = {"none": set(), "dot": set(), "additive": {"W_a", "U_a", "v_a"}}[kind]
    assert set(params) == ({"enc_" + k for k in lstm_keys} | {"dec_" + k for k in lstm_keys}
                           | {"W_c", "b_c", "W_out", "b_out"} | extra)
    assert params["enc_W_z"].shape == (8, 11) and params["dec_R_o"].shape == (8, 8)
    assert params["W_c"].shape == ((8 if kind == "none" else 16), 6) and params["W_out"].shape == (6, 10)
    np.testing.assert_array_equal(params["enc_b_f"], 1.0)
    if kind == "additive":
        assert params["W_a"].shape == (8, 5) and params["v_a"].shape == (5,)


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
@pytest.mark.parametrize("lengths", [(4, 4), (1, 3), (3, 1)])
def test_gradient_check(rng, kind, lengths):
    params, src, tgt_in = _model(kind, rng, S=lengths[0], T=lengths[1])
    result = check_gradients(seq2seq_forward, seq2seq_backward, params, rng=rng,
                             constants={"src": src, "tgt_in": tgt_in})
    assert set(result.errors) == set(params)
    assert result.ok, str(result)


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_gradient_check_through_the_loss(rng, kind):
    params, src, _ = _model(kind, rng)
    _, tgt, tgt_in = make_reversal_batch(4, 2, rng)

    def loss_forward(p, src, tgt_in):
        logits, cache = seq2seq_forward(p, src, tgt_in)
        loss, dlogits = softmax_cross_entropy(logits, tgt, batch_axis=None)
        return loss, (cache, dlogits)

    def loss_backward(dloss, caches):
        cache, dlogits = caches
        return seq2seq_backward(dloss * dlogits, cache)

    result = check_gradients(loss_forward, loss_backward, params, rng=rng, constants={"src": src, "tgt_in": tgt_in})
    assert result.ok, str(result)


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_forward_is_the_composition_of_its_parts(rng, kind):
    """Rebuild the logits from helpers.lstm and helpers.attention, following the module docstring."""
    params, src, tgt_in = _model(kind, rng, H=5, C=3, A=4, S=6, T=4, N=3)
    logits, cache = seq2seq_forward(params, src, tgt_in)
    cell = {p: {k[4:]: v for k, v in params.items() if k.startswith(p)} for p in ("enc_", "dec_")}
    h, enc_cache = lstm.forward(cell["enc_"], np.eye(11)[src])  # (S, N, H)
    s, _ = lstm.forward(cell["dec_"], np.eye(11)[tgt_in], y0=h[-1], c0=enc_cache.c[-1])  # (T, N, H)
    q, keys = s.transpose(1, 0, 2), h.transpose(1, 0, 2)
    if kind == "none":
        features, weights = q, None
    else:
        if kind == "dot":  # Luong's unscaled dot product, one (n, t, j) at a time
            scores = np.array([[[q[n, t] @ keys[n, j] for j in range(6)] for t in range(4)] for n in range(3)])
            weights = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
            context = weights @ keys
            np.testing.assert_allclose(context, scaled_dot_product_attention(q * np.sqrt(5), keys, keys)[0],
                                       rtol=1e-12)
        else:
            context, weights = additive_attention({k: params[k] for k in ("W_a", "U_a", "v_a")}, q, keys, keys)
        features = np.concatenate([context, q], axis=-1)  # [c_t; s_t]
        np.testing.assert_allclose(cache.weights, weights, rtol=1e-12, atol=1e-15)
    want = np.tanh(features @ params["W_c"] + params["b_c"]) @ params["W_out"] + params["b_out"]  # (N, T, K)
    assert logits.shape == (4, 3, 10)
    np.testing.assert_allclose(logits, want.transpose(1, 0, 2), rtol=1e-12, atol=1e-14)
    if kind == "none":
        assert cache.weights is None


def test_without_attention_the_source_reaches_the_output_only_through_the_final_state(rng):
    params, src, tgt_in = _model("none", rng, S=5, T=3)
    changed = src.copy()
    changed[0] = (changed[0] + 1) % 10  # a different first symbol ...
    logits, _ = seq2seq_forward(params, src, tgt_in)
    params_zero = {**params, "enc_W_z": np.zeros_like(params["enc_W_z"]),
                   "enc_W_i": np.zeros_like(params["enc_W_i"]), "enc_W_f": np.zeros_like(params["enc_W_f"]),
                   "enc_W_o": np.zeros_like(params["enc_W_o"])}
    # ... changes the output; with the encoder deaf to its input, nothing about the source gets through at all
    assert not np.allclose(logits, seq2seq_forward(params, changed, tgt_in)[0])
    np.testing.assert_array_equal(seq2seq_forward(params_zero, src, tgt_in)[0],
                                  seq2seq_forward(params_zero, changed, tgt_in)[0])


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_greedy_decoding_feeds_back_its_own_argmax(rng, kind):
    params, src, _ = _model(kind, rng, H=6, S=7, N=5)
    pred, weights = greedy_decode(params, src)
    assert pred.shape == (7, 5) and pred.min() >= 0 and pred.max() < 10
    # teacher forcing with the model's own outputs as targets reproduces the greedy run exactly
    tgt_in = np.concatenate([np.full((1, 5), BOS_ID), pred[:-1]])
    logits, cache = seq2seq_forward(params, src, tgt_in)
    np.testing.assert_array_equal(np.argmax(logits, axis=-1), pred)
    if kind == "none":
        assert weights is None
    else:
        np.testing.assert_allclose(weights, cache.weights, rtol=1e-10, atol=1e-14)
    longer, _ = greedy_decode(params, src, length=9)
    np.testing.assert_array_equal(longer[:7], pred)


def test_evaluate_by_length_scores_greedy_decoding(rng):
    params, _, _ = _model("dot", rng, H=6)
    exact, token = evaluate_by_length(params, [1, 3], 40, make_rng(7))
    replay = make_rng(7)
    for i, L in enumerate([1, 3]):
        src, tgt, _ = make_reversal_batch(L, 40, replay)
        right = greedy_decode(params, src)[0] == tgt
        assert exact[i] == np.mean([right[:, n].all() for n in range(40)])
        assert token[i] == right.sum() / right.size
    assert exact[1] <= token[1]


def test_bad_input_is_named(rng):
    params, src, tgt_in = _model("additive", rng)
    with pytest.raises(ValueError, match=r"src: expected a 2-d array of shape \(S, N\)"):
        seq2seq_forward(params, src[:, 0], tgt_in)
    with pytest.raises(ValueError, match=r"tgt_in: expected shape \(T, N\) = \(\?, 2\), got \(4, 3\)"):
        seq2seq_forward(params, src, np.zeros((4, 3), dtype=int))
    with pytest.raises(ValueError, match="src: expected integer token ids"):
        seq2seq_forward(params, src.astype(float), tgt_in)
    with pytest.raises(ValueError, match=r"tgt_in: expected token ids in \[0, 11\)"):
        seq2seq_forward(params, src, tgt_in + 11)
    with pytest.raises(ValueError, match=r"params\['W_c'\]: expected shape \(2H, C\) = \(6, 4\), got \(2, 4\)"):
        seq2seq_forward({**params, "W_c": params["W_c"][:2]}, src, tgt_in)
    dot = {k: v for k, v in params.items() if k not in ("W_a", "U_a", "v_a")}
    with pytest.raises(ValueError, match=r"params\['W_c'\]: expected 6 rows .* or 3 rows .* got shape \(2, 4\)"):
        seq2seq_forward({**dot, "W_c": params["W_c"][:2]}, src, tgt_in)
    with pytest.raises(ValueError, match=r"params\['v_a'\]: expected shape"):
        seq2seq_forward({**params, "v_a": np.zeros(7)}, src, tgt_in)
    with pytest.raises(ValueError, match="params: expected the dict of init_seq2seq"):
        seq2seq_forward({"W": 1}, src, tgt_in)
    with pytest.raises(ValueError, match="attention: expected one of"):
        init_seq2seq("multiplicative", 4, rng)
    logits, cache = seq2seq_forward(params, src, tgt_in)
    with pytest.raises(ValueError, match=r"dlogits: expected a 3-d array of shape \(4, 2, 10\)"):
        seq2seq_backward(logits[0], cache)
    with pytest.raises(ValueError, match="cache: expected the Seq2SeqCache"):
        seq2seq_backward(logits, cache.dec_cache)
    with pytest.raises(ValueError, match="length: expected a positive int"):
        greedy_decode(params, src, length=0)


# --------------------------------------------------------------------------- training

def test_training_lowers_the_loss_and_reports_per_length():
    calls = []
    result = train_seq2seq("additive", make_rng(0), steps=60, batch=16, hidden=12, max_length=4, eval_size=30,
                           progress_every=20, progress=lambda step, **m: calls.append((step, m)), lr_end=None)
    assert [c[0] for c in calls] == [20, 40, 60] and set(calls[0][1]) == {"loss"}
    assert calls[-1][1]["loss"] == pytest.approx(result.loss[40:].mean())
    assert result.loss.shape == (60,) and result.grad_norm.shape == (60,)
    np.testing.assert_array_equal(result.lengths, [1, 2, 3, 4])
    assert result.exact_match.shape == result.token_accuracy.shape == (4,)
    assert np.all(result.exact_match <= result.token_accuracy)
    assert np.mean(result.loss[-10:]) < 0.7 * np.mean(result.loss[:10])
    assert result.exact_match[0] > 0.5  # length 1 is learned (chance: 0.1)
    assert attention_of(result.params) == "additive" and result.params["W_a"].dtype == np.float32
    assert result.seconds > 0 and result.config.max_length == 4 and result.config.lr_end is None


def test_training_is_reproducible_and_scores_with_its_own_generator():
    runs = [train_seq2seq("dot", make_rng(4), steps=3, batch=4, hidden=4, max_length=3, eval_size=10,
                          dtype=np.float64) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].loss, runs[1].loss)
    np.testing.assert_array_equal(runs[0].exact_match, runs[1].exact_match)
    _, _, eval_seed = make_rng(4).integers(0, 2 ** 63, size=3)
    exact, token = evaluate_by_length(runs[0].params, [1, 2, 3], 10, np.random.default_rng(eval_seed))
    np.testing.assert_array_equal(runs[0].exact_match, exact)
    np.testing.assert_array_equal(runs[0].token_accuracy, token)


def test_training_clips_by_global_norm(monkeypatch):
    seen = []
    real_clip = seq2seq_training.clip_grad_norm

    def spy(grads, max_norm):
        clipped, total = real_clip(grads, max_norm)
        seen.append((max_norm, total))
        return clipped, total

    monkeypatch.setattr(seq2seq_training, "clip_grad_norm", spy)
    result = train_seq2seq("none", make_rng(5), steps=3, batch=4, hidden=4, max_length=3, eval_size=5, clip=1e-3)
    assert [m for m, _ in seen] == [1e-3] * 3
    np.testing.assert_allclose(result.grad_norm, [t for _, t in seen], rtol=1e-6)
    seen.clear()
    train_seq2seq("none", make_rng(5), steps=3, batch=4, hidden=4, max_length=3, eval_size=5, clip=None)
    assert seen == []


def test_training_decays_the_learning_rate_linearly(monkeypatch):
    rates = []
    real_adam = seq2seq_training.adam_step

    def spy(params, grads, state, lr):
        rates.append(lr)
        return real_adam(params, grads, state, lr=lr)

    monkeypatch.setattr(seq2seq_training, "adam_step", spy)
    common = dict(steps=5, batch=4, hidden=4, max_length=3, eval_size=5)
    train_seq2seq("none", make_rng(5), lr=1e-2, lr_end=2e-3, **common)
    np.testing.assert_allclose(rates, [1e-2, 8e-3, 6e-3, 4e-3, 2e-3])
    rates.clear()
    train_seq2seq("none", make_rng(5), lr=1e-2, lr_end=None, **common)
    assert rates == [1e-2] * 5


@pytest.mark.parametrize("kwargs, match", [
    (dict(attention="gru"), "attention: expected one of"),
    (dict(lr_end=-1e-3), "lr_end: expected None or a non-negative learning rate"),
    (dict(lr_end=float("nan")), "lr_end:"),
    (dict(rng=None), "rng: expected an np.random.Generator"),
    (dict(steps=0), "steps:"),
    (dict(batch=0), "batch:"),
    (dict(hidden=0), "hidden:"),
    (dict(min_length=0), "min_length:"),
    (dict(min_length=5, max_length=3), "max_length: expected an int >= min_length = 5"),
    (dict(lr=-1.0), "lr: expected a positive"),
    (dict(clip=0.0), "clip: expected None or a positive finite number"),
    (dict(progress=3), "progress: expected a callable"),
    (dict(eval_size=0), "eval_size:"),
    (dict(dtype=np.int32), "dtype: expected one of"),
    (dict(hiden=8), "hiden: not a setting of Seq2SeqConfig"),
    (dict(config=dict(steps=2)), "config: expected a Seq2SeqConfig or None, got dict"),
])
def test_train_seq2seq_bad_input(kwargs, match):
    args = dict(attention="dot", rng=make_rng(0), steps=2, batch=2, hidden=2, max_length=3, eval_size=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        train_seq2seq(**args)


def test_config_is_checked_frozen_and_overridden_by_settings(monkeypatch):
    config = Seq2SeqConfig(steps=4, batch=2, hidden=3, max_length=2, eval_size=2, dtype=np.float64)
    assert config.dtype == "float64" and config.clip == 1.0 and isinstance(config.lr, float)
    with pytest.raises(AttributeError):
        config.steps = 5  # frozen: a run's settings cannot change under it
    assert [config.learning_rate(s) for s in (1, 4)] == [pytest.approx(1e-2), pytest.approx(1e-3)]
    seen = []
    monkeypatch.setattr(seq2seq_training, "init_seq2seq",
                        lambda kind, hidden, rng, dtype: seen.append((hidden, dtype)) or init_seq2seq(kind, hidden, rng,
                                                                                                      dtype=dtype))
    result = train_seq2seq("none", make_rng(1), config, hidden=5)  # a setting replaces the config's field
    assert seen == [(5, np.float64)] and result.config == Seq2SeqConfig(**{**config.__dict__, "hidden": 5})
    assert result.loss.shape == (4,) and config.hidden == 3


# --------------------------------------------------------------------------- figures

def test_accuracy_figure_draws_the_accuracies():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers.plots import plot_accuracy_by_length

    lengths = np.arange(1, 9)
    acc = {"none": np.linspace(1, 0, 8), "dot": np.full(8, 0.97), "additive": np.linspace(1, 0.9, 8)}
    fig, ax = plot_accuracy_by_length(lengths, acc, title="t")
    assert len(ax.lines) == 3
    for line, (name, values) in zip(ax.lines, acc.items()):
        np.testing.assert_array_equal(line.get_xdata(), lengths)
        np.testing.assert_array_equal(line.get_ydata(), values)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["no attention", "dot-product attention",
                                                                   "additive attention"]
    assert ax.get_xlabel().startswith("sequence length") and ax.get_ylabel().startswith("exact match")
    with pytest.raises(ValueError, match=r"accuracies\['dot'\]: expected shape \(8,\)"):
        plot_accuracy_by_length(lengths, {"dot": np.ones(7)})
    plt.close("all")


def test_alignment_figure_draws_the_weights_with_symbol_labels(rng):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers.plots import plot_alignments

    params, _, _ = _model("additive", rng, H=5)
    src = encode("CAJEB")[:, None]  # (5, 1)
    pred, weights = greedy_decode(params, src)  # (5, 1), (1, 5, 5)
    dot_w = rng.dirichlet(np.ones(5), size=5)  # (5, 5): rows sum to 1
    fig, axes = plot_alignments({"dot": dot_w, "additive": weights[0]}, "CAJEB", decode(pred[:, 0]))
    assert len(axes) == 2
    np.testing.assert_array_equal(axes[0].images[0].get_array(), dot_w)
    np.testing.assert_array_equal(axes[1].images[0].get_array(), weights[0])
    assert [t.get_text() for t in axes[1].get_xticklabels()] == list("CAJEB")
    assert [t.get_text() for t in axes[1].get_yticklabels()] == list(decode(pred[:, 0]))
    assert [ax.get_title() for ax in axes] == ["dot", "additive"]
    with pytest.raises(ValueError, match=r"weights\['dot'\]: expected shape \(T, S\) = \(4, 5\)"):
        plot_alignments({"dot": dot_w}, "CAJEB", "ABCD")
    plt.close("all")


@pytest.mark.parametrize("kind", ["none", "dot", "additive"])
def test_float32_models_compute_in_float32(kind):
    params = init_seq2seq(kind, 6, make_rng(1), dtype=np.float32)
    src, _, tgt_in = make_reversal_batch(4, 3, make_rng(2))
    logits, cache = seq2seq_forward(params, src, tgt_in)
    assert logits.dtype == np.float32
    grads = seq2seq_backward(np.ones_like(logits), cache)
    assert all(grads[k].dtype == np.float32 for k in params)
