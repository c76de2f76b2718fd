"""The LSTM encoder-decoder with attention for padded translation data (helpers.rnn_translator)."""
import numpy as np
import pytest

from helpers import lstm
from helpers.gradcheck import check_gradients
from helpers.rnn_translator import (ATTENTION_KINDS, RNNTranslatorConfig, TranslationTask, correct_translations,
                                    greedy_translate, init_rnn_translator, rnn_translator_backward,
                                    rnn_translator_forward, train_rnn_translator)
from helpers.seeding import make_rng
from helpers.seq2seq import init_seq2seq, seq2seq_forward
from helpers.translation import BOS, EOS, PAD, Batch, smoothed_cross_entropy

V_SRC, V_TGT = 8, 9


def _model(kind, rng, H=4, D=3, dtype=np.float64):
    params = init_rnn_translator(V_SRC, V_TGT, H, rng, kind, d_emb=D, dtype=dtype)
    for k in params:  # move away from the zero biases of the initialisation
        if params[k].ndim == 1:
            params[k] = params[k] + np.asarray(0.1 * rng.standard_normal(params[k].shape), dtype)
    return params


def _padded(rng, lengths, V, start=3):
    """Random ids (N, max(lengths)) in [start, V), PAD after each row's length."""
    lengths = np.asarray(lengths)
    ids = rng.integers(start, V, size=(len(lengths), lengths.max()))  # (N, S)
    ids[np.arange(ids.shape[1])[None, :] >= lengths[:, None]] = PAD
    return ids


# --------------------------------------------------------------------------- the model

@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_init_keys_shapes_and_dtype(rng, kind):
    params = init_rnn_translator(11, 13, 6, rng, kind, d_emb=5, dtype="float32")
    gates = {f"{w}_{g}" for w in ("W", "R", "b") for g in lstm.GATES}
    extra = {"W_a", "U_a", "v_a"} if kind == "additive" else set()
    assert set(params) == ({"E_src", "E_tgt", "W_c", "b_c", "W_out", "b_out"} | {"enc_" + k for k in gates}
                           | {"dec_" + k for k in gates} | extra)
    assert params["E_src"].shape == (11, 5) and params["E_tgt"].shape == (13, 5)
    assert params["enc_W_z"].shape == (6, 5) and params["dec_R_o"].shape == (6, 6)
    assert params["W_c"].shape == (12, 6) and params["W_out"].shape == (6, 13)
    assert all(v.dtype == np.float32 for v in params.values())
    np.testing.assert_array_equal(params["dec_b_f"], 1.0)
    assert init_rnn_translator(11, 13, 6, rng)["E_src"].shape == (11, 6)  # d_emb defaults to H


def test_with_one_hot_embeddings_it_is_notebook_08s_model(rng):
    """E = identity turns the embedding lookup into the one-hot product of helpers.seq2seq: same logits."""
    for kind in ATTENTION_KINDS:
        ref = init_seq2seq(kind, 5, rng)  # 11 input tokens (10 symbols + <s>), 10 output classes
        params = {"E_src": np.eye(11), "E_tgt": np.eye(11), **{k: v for k, v in ref.items() if k != "W_out"}}
        params["W_out"] = np.concatenate([ref["W_out"], rng.standard_normal((5, 1))], axis=1)  # (H, 11)
        params["b_out"] = np.concatenate([ref["b_out"], [0.3]])
        src, tgt_in = rng.integers(0, 10, size=(3, 6)), rng.integers(0, 11, size=(3, 4))  # (N, S), (N, T)
        logits, cache = rnn_translator_forward(params, src, tgt_in)
        want, ref_cache = seq2seq_forward(ref, src.T, tgt_in.T)  # time-major (T, N, 10)
        np.testing.assert_allclose(logits[..., :10], want.transpose(1, 0, 2), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(cache.weights, ref_cache.weights, rtol=1e-12, atol=1e-15)


CASES = {"padding": ([5, 1, 3, 3], 4), "length 1": ([1, 1], 1), "no padding": (None, 3)}


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
@pytest.mark.parametrize("case", CASES)
def test_gradient_check(rng, kind, case):
    lengths, T = CASES[case]
    params = _model(kind, rng)
    src = rng.integers(3, V_SRC, size=(3, 4)) if lengths is None else _padded(rng, lengths, V_SRC)
    tgt_in = rng.integers(1, V_TGT, size=(len(src), T))  # (N, T)
    result = check_gradients(rnn_translator_forward, rnn_translator_backward, params, rng=rng,
                             constants={"src": src, "tgt_in": tgt_in, "src_lengths": lengths and np.array(lengths)})
    assert set(result.errors) == set(params)
    assert result.ok and result.worst[1] < 1e-7, str(result)


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_gradient_check_through_the_smoothed_loss_with_padding_on_both_sides(rng, kind):
    params = _model(kind, rng)
    src_lengths, tgt_lengths = np.array([4, 1, 2]), np.array([1, 3, 2])
    src = _padded(rng, src_lengths, V_SRC)
    tgt = _padded(rng, tgt_lengths, V_TGT)  # (N, T): target + <eos>, padded
    tgt_in = np.where(tgt == PAD, PAD, np.concatenate([np.full((3, 1), BOS), tgt[:, :-1]], axis=1))

    def loss_forward(p, src, tgt_in):
        logits, cache = rnn_translator_forward(p, src, tgt_in, src_lengths)
        loss, dlogits = smoothed_cross_entropy(logits, tgt, tgt_lengths, smoothing=0.1)
        return loss, (cache, dlogits)

    def loss_backward(dloss, caches):
        return rnn_translator_backward(dloss * caches[1], caches[0])

    result = check_gradients(loss_forward, loss_backward, params, rng=rng, constants={"src": src, "tgt_in": tgt_in})
    assert result.ok, str(result)


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_padding_changes_nothing(rng, kind):
    """A padded batch gives each sentence's logits, weights and gradients, as if run alone without padding."""
    params = _model(kind, rng, H=5, D=4)
    src_lengths, tgt_lengths = np.array([6, 1, 3, 6, 2]), np.array([2, 5, 1, 4, 3])
    src, tgt_in = _padded(rng, src_lengths, V_SRC), _padded(rng, tgt_lengths, V_TGT, start=1)
    tgt_in[:, 0] = BOS
    real = np.arange(tgt_in.shape[1])[None, :] < tgt_lengths[:, None]  # (N, T)
    dlogits = rng.standard_normal((5, tgt_in.shape[1], V_TGT)) * real[..., None]  # 0 at target padding
    logits, cache = rnn_translator_forward(params, src, tgt_in, src_lengths)
    grads = rnn_translator_backward(dlogits, cache)
    total = {k: np.zeros_like(v) for k, v in params.items()}
    for n in range(5):
        S, T = src_lengths[n], tgt_lengths[n]
        one, one_cache = rnn_translator_forward(params, src[n:n + 1, :S], tgt_in[n:n + 1, :T])
        np.testing.assert_allclose(logits[n, :T], one[0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(cache.weights[n, :T, :S], one_cache.weights[0], rtol=1e-12, atol=1e-15)
        for k, g in rnn_translator_backward(dlogits[n:n + 1, :T], one_cache).items():
            total[k] += g
    for k in params:
        np.testing.assert_allclose(grads[k], total[k], rtol=1e-10, atol=1e-13, err_msg=k)
    np.testing.assert_array_equal(grads["E_src"][PAD], 0.0)  # padding is never read


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_attention_weights_on_source_padding_are_exactly_zero(rng, kind):
    params = _model(kind, rng, H=6)
    src_lengths = np.array([1, 4, 2])
    src = _padded(rng, src_lengths, V_SRC)
    _, cache = rnn_translator_forward(params, src, rng.integers(1, V_TGT, size=(3, 5)), src_lengths)
    _, weights = greedy_translate(params, src, src_lengths, BOS, EOS, 6)
    pad = np.arange(4)[None, :] >= src_lengths[:, None]  # (N, S)
    for w in (cache.weights, weights):
        assert np.all(w.transpose(1, 0, 2)[:, pad] == 0.0)
    np.testing.assert_allclose(cache.weights.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(cache.weights[0, :, 0], 1.0)  # one real token: all the weight on it


def _teacher_forced_agrees(params, src, src_lengths, ids, weights):
    N = len(src)
    tgt_in = np.concatenate([np.full((N, 1), BOS), ids[:, :-1]], axis=1)  # <bos> + its own output
    logits, cache = rnn_translator_forward(params, src, tgt_in, src_lengths)
    stop = [list(row).index(EOS) + 1 if EOS in row else ids.shape[1] for row in ids]  # up to the first <eos>
    for n in range(N):
        np.testing.assert_array_equal(np.argmax(logits[n, :stop[n]], axis=-1), ids[n, :stop[n]])
        tol = 1e-10 if weights.dtype == np.float64 else 1e-5
        np.testing.assert_allclose(weights[n, :stop[n]], cache.weights[n, :stop[n]], rtol=tol, atol=tol * 1e-3)
        np.testing.assert_array_equal(ids[n, stop[n]:], EOS)
        np.testing.assert_array_equal(weights[n, stop[n]:], 0.0)
    return stop


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_greedy_decoding_is_the_argmax_of_teacher_forcing_on_its_own_output(rng, kind):
    params = _model(kind, rng, H=6)
    params["W_out"] *= 4.0  # logits that change from step to step
    src_lengths = np.array([3, 1, 5, 2, 4, 5])
    src = _padded(rng, src_lengths, V_SRC)
    for bias in np.linspace(0.0, 2.0, 21):  # a bias on <eos> with which rows stop at different steps
        ids, weights = greedy_translate({**params, "b_out": params["b_out"] + bias * np.eye(V_TGT)[EOS]}, src,
                                        src_lengths, BOS, EOS, 7)
        if len({list(row).index(EOS) if EOS in row else 7 for row in ids}) > 2:
            break
    else:
        pytest.fail("no bias on <eos> made rows stop at different steps")
    params["b_out"] = params["b_out"] + bias * np.eye(V_TGT)[EOS]
    assert ids.shape == (6, 7) and weights.shape == (6, 7, 5) and ids.dtype == np.int64
    _teacher_forced_agrees(params, src, src_lengths, ids, weights)
    longer, _ = greedy_translate(params, src, src_lengths, BOS, EOS, 9)
    np.testing.assert_array_equal(longer[:, :7], ids)


# --------------------------------------------------------------------------- a synthetic translation task

SYMBOLS = 8  # source and target words 3 ... 10 (after <pad>, <bos>, <eos>)


def _toy_pairs(n, rng, max_len=6):
    """Source: 1 ... max_len random words. Target: the source reversed, each word w -> w + 1 (cyclically), the
    word 3 (an "article" German would not need) dropped; so lengths differ and a target may be only <eos>."""
    pairs = []
    for _ in range(n):
        s = rng.integers(3, 3 + SYMBOLS, size=rng.integers(1, max_len + 1))
        pairs.append((s, np.array([(w - 2) % SYMBOLS + 3 for w in s[::-1] if w != 3], dtype=np.int64)))
    return pairs


def _toy_batch(pairs):
    def pad(rows):
        lengths = np.array([len(r) for r in rows])
        ids = np.full((len(rows), lengths.max()), PAD, dtype=np.int64)  # (N, T)
        for n, r in enumerate(rows):
            ids[n, :len(r)] = r
        return ids, lengths
    src, src_lengths = pad([s for s, _ in pairs])
    tgt_in, tgt_lengths = pad([[BOS, *t] for _, t in pairs])
    tgt_out, _ = pad([[*t, EOS] for _, t in pairs])
    return Batch(src, src_lengths, tgt_in, tgt_out, tgt_lengths)


def _toy_task(seed=0, n_train=2000):
    rng = make_rng(seed)
    train, val = _toy_pairs(n_train, rng), _toy_pairs(200, rng)
    return TranslationTask(lambda index: _toy_batch([train[i] for i in index]), n_train, _toy_batch(val),
                           3 + SYMBOLS, 3 + SYMBOLS)


@pytest.fixture(scope="module")
def trained():
    config = RNNTranslatorConfig(hidden=32, d_emb=16, steps=300, batch=32, lr=1e-2, lr_end=1e-3, eval_every=50,
                                 eval_size=200)
    task = _toy_task()
    return task, train_rnn_translator(task, make_rng(1), config)


def test_a_small_model_learns_the_synthetic_task(trained):
    task, result = trained
    assert result.loss.shape == result.grad_norm.shape == (300,)
    assert result.loss[-20:].mean() < 0.4 * result.loss[:20].mean()
    steps, seconds, exact = zip(*result.history)
    assert steps == (50, 100, 150, 200, 250, 300) and np.all(np.diff(seconds) > 0)
    untrained = init_rnn_translator(task.V_src, task.V_tgt, 32, make_rng(2), d_emb=16, dtype="float32")
    assert np.mean(correct_translations(untrained, task.validation)) < 0.1  # (a target may be just <eos>)
    assert exact[-1] >= 0.9 and exact[-1] > exact[0]
    assert np.mean(correct_translations(result.params, task.validation)) == exact[-1]
    assert result.params["W_out"].dtype == np.float32 and result.seconds > 0


def test_greedy_decoding_of_the_trained_model_stops_rows_at_eos(trained):
    task, result = trained
    v = task.validation
    ids, weights = greedy_translate(result.params, v.src[:40], v.src_lengths[:40], BOS, EOS, 8)
    stop = _teacher_forced_agrees(result.params, v.src[:40], v.src_lengths[:40], ids, weights)
    assert len(set(stop)) > 3  # rows of different lengths ended at their own <eos>


def test_training_is_deterministic(rng):
    task = _toy_task(n_train=200)
    config = RNNTranslatorConfig(hidden=8, d_emb=4, steps=6, batch=8, eval_every=3, eval_size=20, attention="additive")
    a, b, c = (train_rnn_translator(task, make_rng(s), config) for s in (5, 5, 6))
    np.testing.assert_array_equal(a.loss, b.loss)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert [h[::2] for h in a.history] == [h[::2] for h in b.history]
    assert not np.array_equal(a.loss, c.loss)
    calls = []
    d = train_rnn_translator(task, make_rng(5), config, progress=lambda step, **kw: calls.append((step, kw)), steps=4)
    assert [s for s, _ in calls] == [3, 4] and set(calls[0][1]) == {"loss", "val_exact"}
    np.testing.assert_array_equal(d.loss, train_rnn_translator(task, make_rng(5), config, steps=4).loss)
    e = train_rnn_translator(task, make_rng(5), config, max_seconds=1e-9)  # stops after its first step
    assert len(e.loss) == 1 and e.history[0][0] == 1


# --------------------------------------------------------------------------- bad input

def test_bad_input_is_named(rng):
    params = _model("dot", rng)
    src, tgt_in, lengths = _padded(rng, [3, 1], V_SRC), rng.integers(1, V_TGT, size=(2, 4)), np.array([3, 1])
    bad = [
        (lambda: init_rnn_translator(5, 5, 4, rng, attention="general"), r"attention: expected one of \('dot'"),
        (lambda: init_rnn_translator(5, 0, 4, rng), "V_tgt: expected a positive int"),
        (lambda: init_rnn_translator(5, 5, 4, 0), "rng: expected an np.random.Generator"),
        (lambda: rnn_translator_forward(params, src + V_SRC, tgt_in), r"src: expected token ids in \[0, 8\)"),
        (lambda: rnn_translator_forward(params, src, tgt_in + V_TGT), r"tgt_in: expected token ids in \[0, 9\)"),
        (lambda: rnn_translator_forward(params, src[0], tgt_in), r"src: expected .* shape \(N, S\)"),
        (lambda: rnn_translator_forward(params, src * 1.0, tgt_in), "src: expected a non-empty integer array"),
        (lambda: rnn_translator_forward(params, src, tgt_in[:1]), r"tgt_in: expected shape \(N, T\) with N = 2"),
        (lambda: rnn_translator_forward(params, src, tgt_in, np.array([4, 1])), r"src_lengths: .*\[1, S = 3\]"),
        (lambda: rnn_translator_forward(params, src, tgt_in, np.array([3, 0])), r"src_lengths: .*\[1, S = 3\]"),
        (lambda: rnn_translator_forward(params, src, tgt_in, np.array([3])), r"src_lengths: .*shape \(N,\) = \(2,\)"),
        (lambda: rnn_translator_forward({k: v for k, v in params.items() if k != "b_c"}, src, tgt_in),
         r"params: missing key\(s\) \['b_c'\]"),
        (lambda: rnn_translator_forward({**params, "W_c": params["W_c"][:5]}, src, tgt_in), r"params\['W_c'\]"),
        (lambda: rnn_translator_forward({**params, "E_tgt": params["E_tgt"][:, :2]}, src, tgt_in),
         r"params\['E_tgt'\]: expected shape \(V_tgt, D\)"),
        (lambda: rnn_translator_forward({**params, "b_c": params["b_c"].astype(np.float32)}, src, tgt_in),
         "params: expected one float dtype"),
        (lambda: rnn_translator_forward([1], src, tgt_in), "params: expected the dict of init_rnn_translator"),
        (lambda: rnn_translator_backward(np.zeros((2, 4, 3)), rnn_translator_forward(params, src, tgt_in)[1]),
         r"dlogits: expected shape \(2, 4, 9\)"),
        (lambda: rnn_translator_backward(np.zeros((2, 4, 9)), None), "cache: expected the RNNTranslatorCache"),
        (lambda: greedy_translate(params, src, lengths, BOS, V_TGT, 5), r"eos: expected a token id in \[0, V_tgt"),
        (lambda: greedy_translate(params, src, lengths, -1, EOS, 5), "bos: expected a token id"),
        (lambda: greedy_translate(params, src, lengths, BOS, EOS, 0), "max_len: expected a positive int"),
        (lambda: greedy_translate(params, src, lengths[:1], BOS, EOS, 3), "src_lengths: expected"),
        (lambda: correct_translations(params, (src, lengths)), "batch: expected a helpers.translation.Batch"),
        (lambda: RNNTranslatorConfig(attention="none"), "attention: expected one of"),
        (lambda: RNNTranslatorConfig(steps=0), "steps: expected a positive int"),
        (lambda: RNNTranslatorConfig(smoothing=1.0), r"smoothing: expected a finite number in \[0.0, 1.0\)"),
        (lambda: RNNTranslatorConfig(dtype="float16"), "dtype: expected one of"),
        (lambda: RNNTranslatorConfig(clip=-1.0), "clip: expected None or a positive"),
        (lambda: TranslationTask(None, 10, None, 5, 5), "make_batch: expected a callable"),
        (lambda: TranslationTask(len, 10, None, 5, 5), "validation: expected a helpers.translation.Batch"),
        (lambda: train_rnn_translator(_toy_task(n_train=10), rng, bogus=1), "bogus: not a setting"),
        (lambda: train_rnn_translator((src, tgt_in), rng), "task: expected a TranslationTask"),
    ]
    for call, message in bad:
        with pytest.raises(ValueError, match=message):
            call()
