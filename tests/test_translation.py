"""The toy translator's data, tokens, loss and training (helpers.translation), and the data script."""
import importlib.util
import shutil

import numpy as np
import pytest

from helpers import translation as tr
from helpers.datasets import DATA_DIR
from helpers.gradcheck import numerical_gradient, rel_error
from helpers.losses import softmax_cross_entropy
from helpers.seeding import make_rng
from helpers.transformer import init_transformer


@pytest.fixture(scope="module")
def data():
    return tr.load_number_words()


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("make_number_words", DATA_DIR / "make_number_words.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_split_is_by_number_and_covers_every_number_once(data):
    sizes = {name: len(part.numbers) for name, part in data.items()}
    assert sizes == {"train": 8000, "validation": 1000, "test": 1000}
    every = np.concatenate([part.numbers for part in data.values()])
    np.testing.assert_array_equal(np.sort(every), np.arange(10_000))
    assert not set(data["test"].numbers) & set(data["train"].numbers)


def test_the_shipped_file_is_what_the_script_writes(data, script):
    split = script.splits()
    for name, part in data.items():
        for n, english, german in zip(part.numbers[:400], part.english[:400], part.german[:400]):
            assert (english, german, name) == (script.english(int(n)), script.german(int(n)), split[n])
    assert script.german(341) == "dreihunderteinundvierzig" and script.english(341) == "three hundred forty-one"
    assert script.german(1001) == "eintausendeins" and script.german(21) == "einundzwanzig"
    assert script.german(101) == "einhunderteins" and script.german(1100) == "eintausendeinhundert"
    assert script.english(7017) == "seven thousand seventeen" and script.english(0) == "zero"
    with pytest.raises(ValueError, match="n: expected"):
        script.german(10_000)


def test_a_changed_file_is_refused(tmp_path):
    shutil.copy(DATA_DIR / "SHA256SUMS", tmp_path / "SHA256SUMS")
    text = (DATA_DIR / tr.FILE_NAME).read_text(encoding="utf-8")
    (tmp_path / tr.FILE_NAME).write_text(text.replace("dreihunderteinundvierzig", "dreihundertvierzigeins"),
                                         encoding="utf-8")
    with pytest.raises(ValueError, match="was changed or damaged"):
        tr.load_number_words(tmp_path)


def test_every_german_word_cuts_into_pieces_and_back(data):
    for part in data.values():
        for english, german in zip(part.english, part.german):
            assert "".join(tr.tokenize_german(german)) == german
            assert all(w in tr.EN_WORDS for w in tr.tokenize_english(english))
    assert tr.tokenize_german("dreihunderteinundvierzig") == ["drei", "hundert", "ein", "und", "vierzig"]
    assert tr.tokenize_german("einhunderteins") == ["ein", "hundert", "eins"]
    assert tr.tokenize_german("siebzehntausendsechzig") == ["siebzehn", "tausend", "sechzig"]
    assert tr.tokenize_english("three hundred forty-one") == ["three", "hundred", "forty", "one"]


@pytest.mark.parametrize("call, match", [(lambda: tr.tokenize_german("dreihundertx"), "stuck at 'x'"),
                                         (lambda: tr.tokenize_german(""), "word: expected"),
                                         (lambda: tr.tokenize_english("forty-two apples"), "unknown: \\['apples'\\]"),
                                         (lambda: tr.tokenize_english(""), "text: expected")])
def test_tokenizers_name_what_they_cannot_read(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_batches_are_padded_and_shifted_by_one(data):
    b = tr.make_batch(data["train"], [0, 1, 2, 3])
    assert b.src.shape == (4, b.src_lengths.max()) and b.tgt_in.shape == b.tgt_out.shape
    for n in range(4):
        L, S = b.tgt_lengths[n], b.src_lengths[n]
        pieces = tr.tokenize_german(data["train"].german[n])
        assert L == len(pieces) + 1
        assert b.tgt_in[n, 0] == tr.BOS and b.tgt_out[n, L - 1] == tr.EOS
        np.testing.assert_array_equal(b.tgt_in[n, 1:L], b.tgt_out[n, :L - 1])  # teacher forcing: shift by one
        assert np.all(b.tgt_in[n, L:] == tr.PAD) and np.all(b.src[n, S:] == tr.PAD)
        assert tr.decode_german(b.tgt_out[n]) == data["train"].german[n]
        assert [tr.EN_VOCAB[i] for i in b.src[n, :S]] == tr.tokenize_english(data["train"].english[n])


def _loss_case(rng, dtype=np.float64):
    logits = rng.standard_normal((3, 4, 6)).astype(dtype)  # (N, T, K)
    targets = rng.integers(0, 6, size=(3, 4))
    lengths = np.array([4, 2, 1])
    return logits, targets, lengths


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.5])
def test_smoothed_cross_entropy_gradient_check(rng, smoothing):
    logits, targets, lengths = _loss_case(rng)
    loss, dlogits = tr.smoothed_cross_entropy(logits, targets, lengths, smoothing)
    numeric = numerical_gradient(lambda z: tr.smoothed_cross_entropy(z, targets, lengths, smoothing)[0], logits)
    assert rel_error(dlogits, numeric) < 1e-7
    real = np.arange(4)[None, :] < lengths[:, None]
    assert np.all(dlogits[~real] == 0)  # padding takes no part


def test_without_smoothing_it_is_the_cross_entropy_of_the_real_tokens(rng):
    logits, targets, lengths = _loss_case(rng)
    real = np.arange(4)[None, :] < lengths[:, None]
    loss, dlogits = tr.smoothed_cross_entropy(logits, targets, lengths, 0.0)
    ref_loss, ref_d = softmax_cross_entropy(logits[real], targets[real], batch_axis=None)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(dlogits[real], ref_d, rtol=1e-12)
    smoothed, _ = tr.smoothed_cross_entropy(logits, targets, lengths, 0.1)
    assert smoothed != pytest.approx(loss)


@pytest.mark.parametrize("args, match", [((np.zeros((3, 4)),), "logits"), ((None, np.zeros((3, 4))), "targets"),
                                         ((None, None, np.array([4, 5, 1])), "lengths"),
                                         ((None, None, None, 1.0), "smoothing")])
def test_smoothed_cross_entropy_bad_input(rng, args, match):
    defaults = list(_loss_case(rng)) + [0.1]
    call = [d if a is None else a for a, d in zip(args + (None,) * (4 - len(args)), defaults)]
    with pytest.raises(ValueError, match=match):
        tr.smoothed_cross_entropy(*call)


def test_training_lowers_the_loss_and_translates(data):
    calls = []
    result = tr.train_translator(data, make_rng(3), steps=40, batch=16, d_model=16, h=2, d_ff=32, n_layers=1,
                                 warmup=10, eval_every=20, eval_size=20,
                                 progress=lambda step, **m: calls.append((step, m)))
    assert [c[0] for c in calls] == [20, 40] and set(calls[0][1]) == {"loss", "val_exact"}
    assert result.loss.shape == (40,) and result.loss[-10:].mean() < 0.8 * result.loss[:10].mean()
    assert [h[0] for h in result.history] == [20, 40] and all(0 <= h[2] <= 1 for h in result.history)
    assert result.params["src_embed"].dtype == np.float32 and result.config.norm == "pre"
    german = tr.translate(result.params, result.config, ["three hundred forty-one", "seven"])
    assert len(german) == 2 and all(isinstance(g, str) for g in german)
    again = tr.train_translator(data, make_rng(3), steps=5, batch=4, d_model=8, h=2, d_ff=8, n_layers=1,
                                eval_every=5, eval_size=5)
    same = tr.train_translator(data, make_rng(3), steps=5, batch=4, d_model=8, h=2, d_ff=8, n_layers=1,
                               eval_every=5, eval_size=5)
    np.testing.assert_array_equal(again.loss, same.loss)


def test_exact_match_and_attention_maps(data):
    assert tr.exact_match(["eins", "zwei"], ["eins", "drei"]) == 0.5
    with pytest.raises(ValueError, match="predicted"):
        tr.exact_match(["eins"], ["eins", "zwei"])
    result = tr.train_translator(data, make_rng(4), steps=2, batch=4, d_model=8, h=2, d_ff=8, n_layers=2,
                                 eval_every=2, eval_size=2)
    maps = tr.attention_maps(result.params, result.config, "three hundred forty-one", "dreihunderteinundvierzig")
    assert maps["source"] == ["three", "hundred", "forty", "one"]
    assert maps["target"] == ["drei", "hundert", "ein", "und", "vierzig", "<eos>"]
    assert len(maps["cross"]) == 2 and maps["cross"][0].shape == (2, 6, 4)
    assert maps["encoder"][1].shape == (2, 4, 4) and maps["decoder"][0].shape == (2, 6, 6)
    np.testing.assert_allclose(maps["cross"][1].sum(axis=-1), 1.0, rtol=1e-5)
    assert np.all(np.triu(maps["decoder"][0], k=1) == 0)  # the decoder cannot look ahead


def test_train_translator_bad_input(data):
    with pytest.raises(ValueError, match="steps"):
        tr.train_translator(data, make_rng(0), steps=0)
    with pytest.raises(ValueError, match="rng"):
        tr.train_translator(data, 0)
    with pytest.raises(ValueError, match="progress"):
        tr.train_translator(data, make_rng(0), steps=1, progress="yes")
    with pytest.raises(ValueError, match="layers: not a setting of TranslatorConfig"):
        tr.train_translator(data, make_rng(0), layers=1)


@pytest.mark.parametrize("settings, match", [
    (dict(h=3), "h: expected a divisor of d_model = 64, got 3"),
    (dict(norm="middle"), "norm: expected 'post'"),
    (dict(smoothing=1.0), r"smoothing: expected a finite number in \[0.0, 1.0\)"),
    (dict(smoothing=-0.1), "smoothing:"),
    (dict(lr_scale=0), "lr_scale: expected a positive finite number"),
    (dict(dtype="float16"), "dtype: expected one of"),
    (dict(warmup=1.5), "warmup: expected a positive int"),
])
def test_translator_config_is_checked(settings, match):
    with pytest.raises(ValueError, match=match):
        tr.TranslatorConfig(**settings)


def test_translate_needs_the_models_config(data):
    config = tr.TranslatorConfig(d_model=8, h=2, d_ff=8, n_layers=1)
    params = init_transformer(len(tr.EN_VOCAB), len(tr.DE_VOCAB), 8, 2, 8, 1, make_rng(0), norm="pre")
    assert len(tr.translate(params, config, ["seven"])) == 1
    with pytest.raises(ValueError, match="config: expected the TranslatorConfig of the model"):
        tr.translate(params, {"h": 2, "norm": "pre"}, ["seven"])


def test_head_scores_read_the_units_and_tens_cells_of_attention_maps(data):
    result = tr.train_translator(data, make_rng(5), steps=2, batch=4, d_model=8, h=2, d_ff=8, n_layers=2,
                                 eval_every=2, eval_size=2)
    part = tr.NumberWords(np.array([7, 40, 41, 341, 1815, 7099]), [], [])
    lookup = {int(n): (e, g) for s in data.values() for n, e, g in zip(s.numbers, s.english, s.german)}
    part.english = [lookup[n][0] for n in part.numbers]
    part.german = [lookup[n][1] for n in part.numbers]
    scores = tr.head_scores(result.params, result.config, part)
    np.testing.assert_array_equal(scores["numbers"], [41, 341, 7099])  # only units-and-tens numbers
    for key in ("units", "tens", "units_on_tens"):
        assert scores[key].shape == (3, 2, 2)
    for k, n in enumerate(scores["numbers"]):  # the same cells, one number at a time
        maps = tr.attention_maps(result.params, result.config, *lookup[int(n)])
        S, u = len(maps["source"]), maps["target"].index("und") - 1
        for layer in range(2):
            np.testing.assert_allclose(scores["units"][k, layer], maps["cross"][layer][:, u, S - 1], rtol=1e-5)
            np.testing.assert_allclose(scores["tens"][k, layer], maps["cross"][layer][:, u + 2, S - 2], rtol=1e-5)
            np.testing.assert_allclose(scores["units_on_tens"][k, layer], maps["cross"][layer][:, u, S - 2],
                                       rtol=1e-5)
    with pytest.raises(ValueError, match="data"):
        tr.head_scores(result.params, result.config, tr.NumberWords(np.array([7, 40]), ["seven", "forty"],
                                                                    ["sieben", "vierzig"]))
    with pytest.raises(ValueError, match="data"):
        tr.head_scores(result.params, result.config, {"numbers": [41]})
