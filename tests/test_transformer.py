"""Transformer layers (helpers.transformer_layers) and the whole model (helpers.transformer): gradient checks and the
equations written out."""
import numpy as np
import pytest

from helpers import transformer as tf
from helpers import transformer_layers as tl
from helpers.attention import causal_mask, padding_mask, positional_encoding, scaled_dot_product_attention
from helpers.gradcheck import check_gradients
from helpers.seeding import make_rng

N, T, S, D, H_HEADS, D_FF = 2, 4, 3, 8, 2, 12


def assert_ok(result, forward, backward, params, inputs, constants, rng):
    """Every gradient matches, except that the key biases' gradient is exactly zero in theory: adding the
    same b_k to every key adds q . b_k to all the scores of a query, and softmax ignores that. Their
    relative error compares two vectors of rounding noise, so check instead that they vanish."""
    bad = {k: e for k, e in result.errors.items() if not k.endswith("b_k") and not e < result.tol}
    assert not bad, str(result)
    out, cache = forward(params, **inputs, **constants)
    grads = backward(rng.standard_normal(out.shape), cache)[-1]
    for key in grads:
        if key.endswith("b_k"):
            scale = np.abs(grads[key.replace("b_k", "W_k")]).max()
            assert np.abs(grads[key]).max() < 1e-12 * max(scale, 1.0), key


def tokens(rng, n=N, t=T):
    return rng.standard_normal((n, t, D))


def with_random_biases(params, rng):
    return {k: (v + 0.1 * rng.standard_normal(v.shape)) for k, v in params.items()}


def test_mha_is_the_paper_equation_head_by_head(rng):
    params = with_random_biases(tl.init_mha(D, H_HEADS, rng), rng)
    x_q, x_kv = tokens(rng), tokens(rng, t=S)
    out, cache = tl.mha_forward(params, x_q, x_kv, H_HEADS)
    d_k = D // H_HEADS
    heads = []
    for i in range(H_HEADS):  # each head on its own slice of the projections
        cols = slice(i * d_k, (i + 1) * d_k)
        Q = x_q @ params["W_q"][:, cols] + params["b_q"][cols]
        K = x_kv @ params["W_k"][:, cols] + params["b_k"][cols]
        V = x_kv @ params["W_v"][:, cols] + params["b_v"][cols]
        heads.append(scaled_dot_product_attention(Q, K, V)[0])
    np.testing.assert_allclose(out, np.concatenate(heads, axis=-1) @ params["W_o"] + params["b_o"], rtol=1e-12)
    assert cache.attention.weights.shape == (N, H_HEADS, T, S)


@pytest.mark.parametrize("mask", [None, "padding", "causal"])
def test_mha_gradient_check(rng, mask):
    params = with_random_biases(tl.init_mha(D, H_HEADS, rng), rng)
    x_kv = tokens(rng, t=T if mask == "causal" else S)
    m = {None: None, "padding": padding_mask([S, 2], S), "causal": causal_mask(T)}[mask]
    inputs, constants = {"x_q": tokens(rng), "x_kv": x_kv}, {"h": H_HEADS, "mask": m}
    result = check_gradients(tl.mha_forward, tl.mha_backward, params, inputs, rng=rng, constants=constants)
    assert_ok(result, tl.mha_forward, tl.mha_backward, params, inputs, constants, rng)


def test_layer_norm_and_ffn_gradient_checks(rng):
    ln = with_random_biases(tl.init_layer_norm(D), rng)
    y, _ = tl.layer_norm_forward(tl.init_layer_norm(D), tokens(rng))
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1.0, rtol=1e-3)  # up to eps
    assert check_gradients(tl.layer_norm_forward, tl.layer_norm_backward, ln, {"x": tokens(rng)}, rng=rng).ok
    ffn = with_random_biases(tl.init_ffn(D, D_FF, rng), rng)
    result = check_gradients(tl.ffn_forward, tl.ffn_backward, ffn, {"x": tokens(rng)}, rng=rng)
    assert result.ok, str(result)


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_encoder_layer_gradient_check(rng, norm):
    params = with_random_biases(tl.init_encoder_layer(D, H_HEADS, D_FF, rng), rng)
    inputs, constants = {"x": tokens(rng)}, {"h": H_HEADS, "mask": padding_mask([T, 3], T), "norm": norm}
    result = check_gradients(tl.encoder_layer_forward, tl.encoder_layer_backward, params, inputs, rng=rng,
                             constants=constants)
    assert_ok(result, tl.encoder_layer_forward, tl.encoder_layer_backward, params, inputs, constants, rng)


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_decoder_layer_gradient_check(rng, norm):
    params = with_random_biases(tl.init_decoder_layer(D, H_HEADS, D_FF, rng), rng)
    self_mask = causal_mask(T) & padding_mask([T, 3], T)  # (N, T, T): no look-ahead, no padding
    inputs = {"x": tokens(rng), "memory": tokens(rng, t=S)}
    constants = {"h": H_HEADS, "self_mask": self_mask, "memory_mask": padding_mask([S, 2], S), "norm": norm}
    result = check_gradients(tl.decoder_layer_forward, tl.decoder_layer_backward, params, inputs, rng=rng,
                             constants=constants)
    assert_ok(result, tl.decoder_layer_forward, tl.decoder_layer_backward, params, inputs, constants, rng)


def test_encoder_layer_post_ln_is_the_paper_composition(rng):
    params = with_random_biases(tl.init_encoder_layer(D, H_HEADS, D_FF, rng), rng)
    x = tokens(rng)
    sub = lambda prefix: {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith(prefix)}  # noqa: E731
    a = tl.layer_norm_forward(sub("ln1"), x + tl.mha_forward(sub("self_attn"), x, x, H_HEADS)[0])[0]
    want = tl.layer_norm_forward(sub("ln2"), a + tl.ffn_forward(sub("ffn"), a)[0])[0]
    np.testing.assert_allclose(tl.encoder_layer_forward(params, x, H_HEADS)[0], want, rtol=1e-12)
    a = x + tl.mha_forward(sub("self_attn"), *(2 * [tl.layer_norm_forward(sub("ln1"), x)[0]]), H_HEADS)[0]
    want = a + tl.ffn_forward(sub("ffn"), tl.layer_norm_forward(sub("ln2"), a)[0])[0]
    np.testing.assert_allclose(tl.encoder_layer_forward(params, x, H_HEADS, norm="pre")[0], want, rtol=1e-12)


def test_decoder_position_cannot_see_the_future(rng):
    params = tl.init_decoder_layer(D, H_HEADS, D_FF, rng)
    x, memory = tokens(rng), tokens(rng, t=S)
    y, _ = tl.decoder_layer_forward(params, x, memory, H_HEADS, self_mask=causal_mask(T))
    x2 = x.copy()
    x2[:, -1] += 1.0  # change only the last position
    y2, _ = tl.decoder_layer_forward(params, x2, memory, H_HEADS, self_mask=causal_mask(T))
    np.testing.assert_allclose(y2[:, :-1], y[:, :-1], rtol=1e-12)
    assert not np.allclose(y2[:, -1], y[:, -1])


def test_bad_input_is_named(rng):
    params = tl.init_mha(D, H_HEADS, rng)
    with pytest.raises(ValueError, match="h: expected a divisor"):
        tl.mha_forward(params, tokens(rng), tokens(rng), 3)
    with pytest.raises(ValueError, match=r"x_q: expected a float array of shape \(N, T, d_model = 8\)"):
        tl.mha_forward(params, rng.standard_normal((2, 4, 5)), tokens(rng), H_HEADS)
    with pytest.raises(ValueError, match="x_kv: expected N = 2"):
        tl.mha_forward(params, tokens(rng), tokens(rng, n=3), H_HEADS)
    with pytest.raises(ValueError, match=r"params\['W_o'\]: expected shape"):
        tl.mha_forward({**params, "W_o": np.zeros((D, 3))}, tokens(rng), tokens(rng), H_HEADS)
    with pytest.raises(ValueError, match=r"params: missing key\(s\) \['b_v'\]"):
        tl.mha_forward({k: v for k, v in params.items() if k != "b_v"}, tokens(rng), tokens(rng), H_HEADS)
    with pytest.raises(ValueError, match="norm: expected"):
        tl.encoder_layer_forward(tl.init_encoder_layer(D, H_HEADS, D_FF, rng), tokens(rng), H_HEADS, norm="mid")
    with pytest.raises(ValueError, match="x: expected shape"):
        tl.ffn_forward(tl.init_ffn(D, D_FF, rng), rng.standard_normal((2, 3)))


# --------------------------------------------------------------------------- the full encoder-decoder

V_SRC, V_TGT, T_SRC, T_TGT = 7, 6, 5, 4
D_M, D_FF_M = 4, 6  # the whole model is small: a gradient check perturbs each of its ~800 numbers


def small_model(rng, norm, n_layers=2):
    return with_random_biases(tf.init_transformer(V_SRC, V_TGT, D_M, H_HEADS, D_FF_M, n_layers, rng, norm=norm),
                              rng)


def model_inputs(rng):
    src = rng.integers(0, V_SRC, size=(N, T_SRC))  # (N, T_src)
    tgt_in = rng.integers(0, V_TGT, size=(N, T_TGT))  # (N, T_tgt)
    src[0, :3] = 2  # a repeated token: its embedding gradient must add up over the positions
    return src, tgt_in


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_transformer_gradient_check_every_parameter(rng, norm):
    params = small_model(rng, norm)
    src, tgt_in = model_inputs(rng)
    constants = {"src": src, "tgt_in": tgt_in, "h": H_HEADS, "src_lengths": np.array([T_SRC, 3]),
                 "tgt_lengths": np.array([T_TGT, 2]), "norm": norm}
    result = check_gradients(tf.transformer_forward, tf.transformer_backward, params, {}, rng=rng,
                             constants=constants)
    assert set(result.errors) == set(params)  # every parameter was checked
    assert ("enc.ln.gamma" in params) == (norm == "pre")
    as_tuple = lambda dlogits, cache: (tf.transformer_backward(dlogits, cache),)  # noqa: E731  (grads last)
    assert_ok(result, tf.transformer_forward, as_tuple, params, {}, constants, rng)


def test_transformer_keys_and_the_forward_written_out(rng):
    params = small_model(rng, "post", n_layers=1)
    assert params["src_embed"].shape == (V_SRC, D_M) and params["tgt_embed"].shape == (V_TGT, D_M)
    assert params["out.W"].shape == (D_M, V_TGT) and params["out.b"].shape == (V_TGT,)
    assert "dec.0.cross_attn.W_o" in params and "enc.1.ln1.gamma" not in params
    src, tgt_in = model_inputs(rng)
    lengths = np.array([T_SRC, 3])
    logits, _ = tf.transformer_forward(params, src, tgt_in, H_HEADS, src_lengths=lengths)
    sub = lambda prefix: {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}  # noqa: E731
    pe = positional_encoding(max(T_SRC, T_TGT), D_M)
    x = params["src_embed"][src] * np.sqrt(D_M) + pe[:T_SRC]  # (N, T_src, D_M)
    memory = tl.encoder_layer_forward(sub("enc.0."), x, H_HEADS, padding_mask(lengths, T_SRC))[0]
    y = params["tgt_embed"][tgt_in] * np.sqrt(D_M) + pe[:T_TGT]  # (N, T_tgt, D_M)
    y = tl.decoder_layer_forward(sub("dec.0."), y, memory, H_HEADS, causal_mask(T_TGT),
                                 padding_mask(lengths, T_SRC))[0]
    np.testing.assert_allclose(logits, y @ params["out.W"] + params["out.b"], rtol=1e-12, atol=1e-12)
    # encode once + decode equals the whole forward (what greedy decoding relies on)
    memory2, _ = tf.encode(params, src, H_HEADS, lengths)
    np.testing.assert_allclose(tf.decode(params, memory2, tgt_in, H_HEADS, lengths)[0], logits, rtol=1e-12)


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_transformer_masks_hide_the_future_and_the_padding(rng, norm):
    params = small_model(rng, norm)
    src, tgt_in = model_inputs(rng)
    lengths = np.array([T_SRC, 3])
    logits, _ = tf.transformer_forward(params, src, tgt_in, H_HEADS, src_lengths=lengths, norm=norm)
    later = tgt_in.copy()
    later[:, 2] = (later[:, 2] + 1) % V_TGT  # change the token at position 2 only
    logits2, _ = tf.transformer_forward(params, src, later, H_HEADS, src_lengths=lengths, norm=norm)
    np.testing.assert_allclose(logits2[:, :2], logits[:, :2], rtol=1e-12, atol=1e-12)
    assert not np.allclose(logits2[:, 2:], logits[:, 2:])
    padded = src.copy()
    padded[1, 3:] = (padded[1, 3:] + 1) % V_SRC  # sequence 1's padding positions
    logits3, _ = tf.transformer_forward(params, padded, tgt_in, H_HEADS, src_lengths=lengths, norm=norm)
    np.testing.assert_allclose(logits3, logits, rtol=1e-12, atol=1e-12)
    padded[1, 2] = (padded[1, 2] + 1) % V_SRC  # a real position: now the output changes
    assert not np.allclose(tf.transformer_forward(params, padded, tgt_in, H_HEADS, src_lengths=lengths,
                                                  norm=norm)[0][1], logits[1])


def test_embedding_gradient_scatters_to_the_tokens_used(rng):
    params = small_model(rng, "pre", n_layers=1)
    src, tgt_in = model_inputs(rng)
    logits, cache = tf.transformer_forward(params, src, tgt_in, H_HEADS, norm="pre")
    grads = tf.transformer_backward(rng.standard_normal(logits.shape), cache)
    unused = np.setdiff1d(np.arange(V_SRC), src)
    assert np.all(grads["src_embed"][unused] == 0)
    assert all(np.any(grads["src_embed"][v] != 0) for v in np.unique(src))


def test_greedy_decode_agrees_with_teacher_forcing_on_its_own_output(rng):
    params = small_model(rng, "pre")
    src, _ = model_inputs(rng)
    out = tf.greedy_decode(params, src, H_HEADS, bos=0, max_len=5, norm="pre")
    assert out.shape == (N, 5)
    tgt_in = np.concatenate([np.zeros((N, 1), dtype=out.dtype), out[:, :-1]], axis=1)  # (N, 5)
    logits, _ = tf.transformer_forward(params, src, tgt_in, H_HEADS, norm="pre")
    np.testing.assert_array_equal(logits.argmax(axis=-1), out)
    with_eos = tf.greedy_decode(params, src, H_HEADS, bos=0, max_len=5, eos=int(out[0, 1]), norm="pre")
    assert np.all(with_eos[0, 1:] == out[0, 1])  # after eos: only eos


def _greedy_by_rerunning(params, src, bos, max_len, eos, src_lengths, norm):
    """The definition greedy_decode's key/value cache must match: decode on the whole prefix, keep the last row."""
    memory, _ = tf.encode(params, src, H_HEADS, src_lengths, norm)
    tokens, done = np.full((len(src), 1), bos), np.zeros(len(src), dtype=bool)
    for _ in range(max_len):
        logits, _ = tf.decode(params, memory, tokens, H_HEADS, src_lengths, None, norm)  # (N, t, V_tgt)
        nxt = np.where(done, eos, logits[:, -1].argmax(axis=-1))
        done |= nxt == eos
        tokens = np.concatenate([tokens, nxt[:, None]], axis=1)
    return tokens[:, 1:]


@pytest.mark.parametrize("norm", ["post", "pre"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_greedy_decode_gives_the_tokens_of_rerunning_the_decoder_on_the_whole_prefix(rng, norm, dtype):
    params = with_random_biases(tf.init_transformer(V_SRC, 9, 16, H_HEADS, 32, 2, rng, norm=norm), rng)
    params["out.W"] = params["out.W"] * 3  # sharper logits: the chosen token follows the decoder's state
    params = {k: v.astype(dtype) for k, v in params.items()}
    src = rng.integers(0, V_SRC, size=(4, T_SRC))
    lengths = np.array([T_SRC, 2, 4, 1])  # padded sources
    for eos in (None, 1):
        expected = _greedy_by_rerunning(params, src, 0, 9, -1 if eos is None else eos, lengths, norm)
        got = tf.greedy_decode(params, src, H_HEADS, bos=0, max_len=9, eos=eos, src_lengths=lengths, norm=norm)
        np.testing.assert_array_equal(got, expected)
        assert any(len(set(row)) > 1 for row in got.tolist())  # the decoder's state changes the tokens


def test_transformer_bad_input_is_named(rng):
    params = small_model(rng, "post", n_layers=1)
    src, tgt_in = model_inputs(rng)
    fwd = tf.transformer_forward
    # the layers inside are called without their own checks, so the model checks h itself
    for bad_h in (lambda h: fwd(params, src, tgt_in, h), lambda h: tf.encode(params, src, h),
                  lambda h: tf.decode(params, np.zeros((2, T_SRC, D_M)), tgt_in, h)):
        with pytest.raises(ValueError, match=f"h: expected a divisor of d_model = {D_M}, got 3"):
            bad_h(3)
        with pytest.raises(ValueError, match="h: expected a positive int"):
            bad_h(0)
    with pytest.raises(ValueError, match=r"src: expected token ids in \[0, 7\)"):
        fwd(params, src + V_SRC, tgt_in, H_HEADS)
    with pytest.raises(ValueError, match=r"tgt_in: expected token ids in \[0, 6\)"):
        fwd(params, src, tgt_in - V_TGT, H_HEADS)
    with pytest.raises(ValueError, match=r"src: expected a non-empty integer array of token ids of shape \(N, T\)"):
        fwd(params, src[0], tgt_in, H_HEADS)
    with pytest.raises(ValueError, match=r"src: expected a non-empty integer array .* dtype float64"):
        fwd(params, src.astype(float), tgt_in, H_HEADS)
    with pytest.raises(ValueError, match=r"tgt_in: expected shape \(N, T\) with N = 2"):
        fwd(params, src, tgt_in[:1], H_HEADS)
    with pytest.raises(ValueError, match=r"src_lengths: expected lengths in \[1, T = 5\]"):
        fwd(params, src, tgt_in, H_HEADS, src_lengths=np.array([6, 2]))
    with pytest.raises(ValueError, match=r"tgt_lengths: expected lengths in \[1, T = 4\]"):
        fwd(params, src, tgt_in, H_HEADS, tgt_lengths=np.array([0, 2]))
    with pytest.raises(ValueError, match=r"src_lengths: expected an integer array of shape \(N,\) = \(2,\)"):
        fwd(params, src, tgt_in, H_HEADS, src_lengths=np.array([5]))
    with pytest.raises(ValueError, match="norm: params have final layer norms"):
        fwd(small_model(rng, "pre", n_layers=1), src, tgt_in, H_HEADS, norm="post")
    with pytest.raises(ValueError, match="norm: norm = 'pre' needs the final layer norms"):
        fwd(params, src, tgt_in, H_HEADS, norm="pre")
    with pytest.raises(ValueError, match=r"params\['out.W'\]: expected shape \(d_model, V_tgt\) = \(4, 6\)"):
        fwd({**params, "out.W": np.zeros((D_M, 5))}, src, tgt_in, H_HEADS)
    with pytest.raises(ValueError, match=r"params\['dec.0.ffn.W_2'\]: expected shape"):
        fwd({**params, "dec.0.ffn.W_2": np.zeros((D_FF_M + 1, D_M))}, src, tgt_in, H_HEADS)
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['enc.0.ln1.alpha'\]"):
        fwd({**params, "enc.0.ln1.alpha": np.ones(D_M)}, src, tgt_in, H_HEADS)
    with pytest.raises(ValueError, match=r"params: expected enc layers numbered 0 ... 1, got layers \[0, 3\]"):
        fwd({**params, "enc.3.ln1.gamma": np.ones(D_M)}, src, tgt_in, H_HEADS)
    with pytest.raises(ValueError, match="h: expected a divisor"):
        tf.init_transformer(V_SRC, V_TGT, D_M, 3, D_FF_M, 1, rng)
    with pytest.raises(ValueError, match="n_layers: expected a positive int"):
        tf.init_transformer(V_SRC, V_TGT, D_M, H_HEADS, D_FF_M, 0, rng)
    memory, _ = tf.encode(params, src, H_HEADS)
    with pytest.raises(ValueError, match=r"memory: expected a float array of shape \(N, T_src, d_model = 4\)"):
        tf.decode(params, memory[..., :2], tgt_in, H_HEADS)
    logits, cache = fwd(params, src, tgt_in, H_HEADS)
    with pytest.raises(ValueError, match=r"dlogits: expected shape \(N, T_tgt, tgt_vocab\) = \(2, 4, 6\)"):
        tf.transformer_backward(logits[..., :3], cache)


def test_float32_parameters_give_float32_logits_and_gradients():
    params = {k: v.astype(np.float32) for k, v in tf.init_transformer(7, 6, 8, 2, 12, 1, make_rng(5)).items()}
    src, tgt_in = np.array([[1, 2, 3], [4, 5, 0]]), np.array([[1, 2], [3, 0]])
    logits, cache = tf.transformer_forward(params, src, tgt_in, 2, np.array([3, 2]), np.array([2, 1]))
    assert logits.dtype == np.float32
    grads = tf.transformer_backward(np.ones_like(logits), cache)
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}
