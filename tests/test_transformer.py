"""Transformer layers (helpers.transformer): gradient checks and the equations written out."""
import numpy as np
import pytest

from helpers import transformer as tf
from helpers.attention import causal_mask, padding_mask, scaled_dot_product_attention
from helpers.gradcheck import check_gradients

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
    params = with_random_biases(tf.init_mha(D, H_HEADS, rng), rng)
    x_q, x_kv = tokens(rng), tokens(rng, t=S)
    out, cache = tf.mha_forward(params, x_q, x_kv, H_HEADS)
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
    params = with_random_biases(tf.init_mha(D, H_HEADS, rng), rng)
    x_kv = tokens(rng, t=T if mask == "causal" else S)
    m = {None: None, "padding": padding_mask([S, 2], S), "causal": causal_mask(T)}[mask]
    inputs, constants = {"x_q": tokens(rng), "x_kv": x_kv}, {"h": H_HEADS, "mask": m}
    result = check_gradients(tf.mha_forward, tf.mha_backward, params, inputs, rng=rng, constants=constants)
    assert_ok(result, tf.mha_forward, tf.mha_backward, params, inputs, constants, rng)


def test_layer_norm_and_ffn_gradient_checks(rng):
    ln = with_random_biases(tf.init_layer_norm(D), rng)
    y, _ = tf.layer_norm_forward(tf.init_layer_norm(D), tokens(rng))
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1.0, rtol=1e-3)  # up to eps
    assert check_gradients(tf.layer_norm_forward, tf.layer_norm_backward, ln, {"x": tokens(rng)}, rng=rng).ok
    ffn = with_random_biases(tf.init_ffn(D, D_FF, rng), rng)
    result = check_gradients(tf.ffn_forward, tf.ffn_backward, ffn, {"x": tokens(rng)}, rng=rng)
    assert result.ok, str(result)


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_encoder_layer_gradient_check(rng, norm):
    params = with_random_biases(tf.init_encoder_layer(D, H_HEADS, D_FF, rng), rng)
    inputs, constants = {"x": tokens(rng)}, {"h": H_HEADS, "mask": padding_mask([T, 3], T), "norm": norm}
    result = check_gradients(tf.encoder_layer_forward, tf.encoder_layer_backward, params, inputs, rng=rng,
                             constants=constants)
    assert_ok(result, tf.encoder_layer_forward, tf.encoder_layer_backward, params, inputs, constants, rng)


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_decoder_layer_gradient_check(rng, norm):
    params = with_random_biases(tf.init_decoder_layer(D, H_HEADS, D_FF, rng), rng)
    self_mask = causal_mask(T) & padding_mask([T, 3], T)  # (N, T, T): no look-ahead, no padding
    inputs = {"x": tokens(rng), "memory": tokens(rng, t=S)}
    constants = {"h": H_HEADS, "self_mask": self_mask, "memory_mask": padding_mask([S, 2], S), "norm": norm}
    result = check_gradients(tf.decoder_layer_forward, tf.decoder_layer_backward, params, inputs, rng=rng,
                             constants=constants)
    assert_ok(result, tf.decoder_layer_forward, tf.decoder_layer_backward, params, inputs, constants, rng)


def test_encoder_layer_post_ln_is_the_paper_composition(rng):
    params = with_random_biases(tf.init_encoder_layer(D, H_HEADS, D_FF, rng), rng)
    x = tokens(rng)
    sub = lambda prefix: {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith(prefix)}  # noqa: E731
    a = tf.layer_norm_forward(sub("ln1"), x + tf.mha_forward(sub("self_attn"), x, x, H_HEADS)[0])[0]
    want = tf.layer_norm_forward(sub("ln2"), a + tf.ffn_forward(sub("ffn"), a)[0])[0]
    np.testing.assert_allclose(tf.encoder_layer_forward(params, x, H_HEADS)[0], want, rtol=1e-12)
    a = x + tf.mha_forward(sub("self_attn"), *(2 * [tf.layer_norm_forward(sub("ln1"), x)[0]]), H_HEADS)[0]
    want = a + tf.ffn_forward(sub("ffn"), tf.layer_norm_forward(sub("ln2"), a)[0])[0]
    np.testing.assert_allclose(tf.encoder_layer_forward(params, x, H_HEADS, norm="pre")[0], want, rtol=1e-12)


def test_decoder_position_cannot_see_the_future(rng):
    params = tf.init_decoder_layer(D, H_HEADS, D_FF, rng)
    x, memory = tokens(rng), tokens(rng, t=S)
    y, _ = tf.decoder_layer_forward(params, x, memory, H_HEADS, self_mask=causal_mask(T))
    x2 = x.copy()
    x2[:, -1] += 1.0  # change only the last position
    y2, _ = tf.decoder_layer_forward(params, x2, memory, H_HEADS, self_mask=causal_mask(T))
    np.testing.assert_allclose(y2[:, :-1], y[:, :-1], rtol=1e-12)
    assert not np.allclose(y2[:, -1], y[:, -1])


def test_bad_input_is_named(rng):
    params = tf.init_mha(D, H_HEADS, rng)
    with pytest.raises(ValueError, match="h: expected a divisor"):
        tf.mha_forward(params, tokens(rng), tokens(rng), 3)
    with pytest.raises(ValueError, match=r"x_q: expected a float array of shape \(N, T, d_model = 8\)"):
        tf.mha_forward(params, rng.standard_normal((2, 4, 5)), tokens(rng), H_HEADS)
    with pytest.raises(ValueError, match="x_kv: expected N = 2"):
        tf.mha_forward(params, tokens(rng), tokens(rng, n=3), H_HEADS)
    with pytest.raises(ValueError, match=r"params\['W_o'\]: expected shape"):
        tf.mha_forward({**params, "W_o": np.zeros((D, 3))}, tokens(rng), tokens(rng), H_HEADS)
    with pytest.raises(ValueError, match="needs key 'b_v'"):
        tf.mha_forward({k: v for k, v in params.items() if k != "b_v"}, tokens(rng), tokens(rng), H_HEADS)
    with pytest.raises(ValueError, match="norm: expected"):
        tf.encoder_layer_forward(tf.init_encoder_layer(D, H_HEADS, D_FF, rng), tokens(rng), H_HEADS, norm="mid")
    with pytest.raises(ValueError, match="x: expected shape"):
        tf.ffn_forward(tf.init_ffn(D, D_FF, rng), rng.standard_normal((2, 3)))
