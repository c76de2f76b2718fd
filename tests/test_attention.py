"""Scaled dot-product attention, masks and positional encoding (helpers.attention)."""
import numpy as np
import pytest

from helpers.attention import (AdditiveAttentionCache, additive_attention, additive_attention_backward,
                               additive_attention_forward, attention_backward, attention_forward, causal_mask,
                               fully_masked_rows, init_additive_attention, padding_mask, positional_encoding,
                               scaled_dot_product_attention)
from helpers.gradcheck import check_gradients
from helpers.seeding import make_rng


def qkv(rng, lead=(2, 3), Tq=4, Tk=5, d_k=6, d_v=7):
    return (rng.standard_normal(lead + (Tq, d_k)), rng.standard_normal(lead + (Tk, d_k)),
            rng.standard_normal(lead + (Tk, d_v)))


def direct(q, k, v, mask=None):
    """One query at a time, one key at a time: the definition, without vectorisation."""
    out = np.zeros(q.shape[:-1] + v.shape[-1:])
    weights = np.zeros(q.shape[:-1] + k.shape[-2:-1])
    for idx in np.ndindex(q.shape[:-2]):
        for i in range(q.shape[-2]):
            allowed = [j for j in range(k.shape[-2]) if mask is None or np.broadcast_to(
                mask, q.shape[:-1] + k.shape[-2:-1])[idx + (i, j)]]
            scores = {j: float(q[idx + (i,)] @ k[idx + (j,)]) / np.sqrt(q.shape[-1]) for j in allowed}
            top = max(scores.values(), default=0.0)
            z = sum(np.exp(s - top) for s in scores.values())
            for j, s in scores.items():
                weights[idx + (i, j)] = np.exp(s - top) / z
                out[idx + (i,)] += weights[idx + (i, j)] * v[idx + (j,)]
    return out, weights


def test_matches_the_unvectorised_definition(rng):
    q, k, v = qkv(rng)
    for mask in (None, causal_mask(4, 5), rng.random((2, 1, 4, 5)) < 0.7):
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        want_out, want_w = direct(q, k, v, mask)
        np.testing.assert_allclose(out, want_out, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(weights, want_w, rtol=1e-12, atol=1e-14)


def test_rows_are_distributions_and_masked_keys_get_exactly_zero(rng):
    q, k, v = qkv(rng, lead=(3,))
    mask = padding_mask([5, 2, 3], 5)  # (3, 1, 5)
    _, weights = scaled_dot_product_attention(q, k, v, mask)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0)
    assert np.all(weights[np.broadcast_to(~mask, weights.shape)] == 0.0)


@pytest.mark.parametrize("masked", ["none", "causal", "padding"])
def test_gradient_check(rng, masked):
    q, k, v = qkv(rng, lead=(2, 2), Tq=4, Tk=4)
    mask = {"none": None, "causal": causal_mask(4), "padding": padding_mask([4, 2], 4)[:, None]}[masked]
    result = check_gradients(attention_forward, attention_backward, {}, {"q": q, "k": k, "v": v}, rng=rng,
                             constants={"mask": mask})
    assert result.ok, str(result)


def test_a_fully_masked_row_gives_zeros_not_nan(rng):
    q, k, v = qkv(rng, lead=(1,), Tq=3, Tk=4)
    mask = np.ones((1, 3, 4), dtype=bool)
    mask[0, 1] = False  # query 1 may attend to nothing
    with np.errstate(all="raise"):
        out, cache = attention_forward({}, q, k, v, mask)
        dq, dk, dv, grads = attention_backward(rng.standard_normal(out.shape), cache)
    assert np.all(out[0, 1] == 0) and np.all(cache.weights[0, 1] == 0) and np.all(dq[0, 1] == 0)
    assert np.all(np.isfinite(dk)) and np.all(np.isfinite(dv)) and grads == {}
    np.testing.assert_array_equal(fully_masked_rows(mask, cache.weights.shape), [[False, True, False]])
    result = check_gradients(attention_forward, attention_backward, {}, {"q": q, "k": k, "v": v}, rng=rng,
                             constants={"mask": mask})
    assert result.ok, str(result)


def test_masks():
    np.testing.assert_array_equal(causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    np.testing.assert_array_equal(causal_mask(2, 4), [[1, 1, 1, 0], [1, 1, 1, 1]])  # aligned with the last keys
    m = padding_mask(np.array([1, 3]), 3)
    assert m.shape == (2, 1, 3) and m.dtype == bool
    np.testing.assert_array_equal(m[:, 0], [[1, 0, 0], [1, 1, 1]])


def test_bad_input_is_named(rng):
    q, k, v = qkv(rng)
    with pytest.raises(ValueError, match="mask: expected a shape broadcastable to"):
        scaled_dot_product_attention(q, k, v, np.ones((4, 4), dtype=bool))
    with pytest.raises(ValueError, match="mask: expected a boolean"):
        scaled_dot_product_attention(q, k, v, np.ones((4, 5)))
    with pytest.raises(ValueError, match="k: expected shape"):
        scaled_dot_product_attention(q, k[..., :3], v)
    with pytest.raises(ValueError, match="v: expected shape"):
        scaled_dot_product_attention(q, k, v[..., :2, :])
    with pytest.raises(ValueError, match="same leading axes"):
        scaled_dot_product_attention(q, k[:1], v[:1])
    with pytest.raises(ValueError, match="dout: expected shape"):
        attention_backward(np.zeros((1,)), attention_forward({}, q, k, v)[1])
    with pytest.raises(ValueError, match="lengths"):
        padding_mask([4, 6], 5)
    with pytest.raises(ValueError, match="Tq"):
        causal_mask(0)


def test_positional_encoding_is_the_paper_formula():
    pe = positional_encoding(50, 16)
    pos, i = 7, 3
    assert pe[pos, 2 * i] == pytest.approx(np.sin(pos / 10000 ** (2 * i / 16)))
    assert pe[pos, 2 * i + 1] == pytest.approx(np.cos(pos / 10000 ** (2 * i / 16)))
    np.testing.assert_array_equal(pe[0], np.tile([0.0, 1.0], 8))
    odd = positional_encoding(5, 7)
    assert odd.shape == (5, 7)
    assert odd[3, 4] == pytest.approx(np.sin(3 / 10000 ** (4 / 7)))
    assert odd[3, 5] == pytest.approx(np.cos(3 / 10000 ** (4 / 7)))
    assert odd[3, 6] == pytest.approx(np.sin(3 / 10000 ** (6 / 7)))  # the last column has no cosine partner
    # concatenating all sines, then all cosines (as some tutorials do) is a permutation of the same columns
    concatenated = np.concatenate([pe[:, 0::2], pe[:, 1::2]], axis=1)
    order = np.concatenate([np.arange(0, 16, 2), np.arange(1, 16, 2)])
    np.testing.assert_array_equal(concatenated, pe[:, order])
    with pytest.raises(ValueError, match="d_model"):
        positional_encoding(5, 0)


# --------------------------------------------------------------------------- additive attention

def additive_inputs(rng, N=2, Tq=3, Tk=4, d_q=3, d_k=5, d_v=2, A=4):
    params = init_additive_attention(d_q, d_k, A, rng)
    return params, rng.standard_normal((N, Tq, d_q)), rng.standard_normal((N, Tk, d_k)), \
        rng.standard_normal((N, Tk, d_v))


def additive_direct(params, s, h, v, mask=None):
    """score(s_i, h_j) = v_a . tanh(s_i W_a + h_j U_a), one (n, i, j) at a time, without vectorisation."""
    N, Tq, _ = s.shape
    Tk = h.shape[1]
    full = np.ones((N, Tq, Tk), dtype=bool) if mask is None else np.broadcast_to(mask, (N, Tq, Tk))
    out = np.zeros((N, Tq, v.shape[2]))
    weights = np.zeros((N, Tq, Tk))
    for n in range(N):
        for i in range(Tq):
            scores = {}
            for j in range(Tk):
                if full[n, i, j]:
                    hidden = [np.tanh(sum(s[n, i, a] * params["W_a"][a, u] for a in range(s.shape[2]))
                                      + sum(h[n, j, b] * params["U_a"][b, u] for b in range(h.shape[2])))
                              for u in range(params["v_a"].shape[0])]
                    scores[j] = sum(params["v_a"][u] * hidden[u] for u in range(len(hidden)))
            top = max(scores.values(), default=0.0)
            z = sum(np.exp(sc - top) for sc in scores.values())
            for j, sc in scores.items():
                weights[n, i, j] = np.exp(sc - top) / z
                out[n, i] += weights[n, i, j] * v[n, j]
    return out, weights


def test_additive_matches_the_unvectorised_definition(rng):
    params, s, h, v = additive_inputs(rng)
    for mask in (None, rng.random((2, 3, 4)) < 0.6, padding_mask([4, 2], 4)):
        out, weights = additive_attention(params, s, h, v, mask)
        want_out, want_w = additive_direct(params, s, h, v, mask)
        np.testing.assert_allclose(out, want_out, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(weights, want_w, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("masked", ["none", "random", "padding", "causal"])
def test_additive_gradient_check(rng, masked):
    params, s, h, v = additive_inputs(rng, Tq=4, Tk=4)
    mask = {"none": None, "random": rng.random((2, 4, 4)) < 0.7, "padding": padding_mask([4, 2], 4),
            "causal": causal_mask(4)}[masked]
    result = check_gradients(additive_attention_forward, additive_attention_backward, params,
                             {"s": s, "h": h, "v": v}, rng=rng, constants={"mask": mask})
    assert set(result.errors) == {"W_a", "U_a", "v_a", "s", "h", "v"}
    assert result.ok, str(result)


def test_additive_rows_are_distributions_and_fully_masked_rows_are_zero(rng):
    params, s, h, v = additive_inputs(rng)
    mask = np.ones((2, 3, 4), dtype=bool)
    mask[1, 2] = False  # query 2 of sequence 1 may attend to nothing
    mask[0, :, 3] = False  # key 3 of sequence 0 is hidden from every query
    with np.errstate(all="raise"):
        out, cache = additive_attention_forward(params, s, h, v, mask)
        ds, dh, dv, grads = additive_attention_backward(rng.standard_normal(out.shape), cache)
    assert isinstance(cache, AdditiveAttentionCache)
    np.testing.assert_allclose(cache.weights.sum(axis=-1), [[1, 1, 1], [1, 1, 0]])
    assert np.all(cache.weights[~mask] == 0.0)
    assert np.all(out[1, 2] == 0) and np.all(ds[1, 2] == 0) and np.all(dh[0, 3] == 0)
    assert all(np.all(np.isfinite(g)) for g in (dv, *grads.values()))
    result = check_gradients(additive_attention_forward, additive_attention_backward, params,
                             {"s": s, "h": h, "v": v}, rng=rng, constants={"mask": mask})
    assert result.ok, str(result)


def test_additive_allows_different_query_and_key_sizes_and_float32(rng):
    params, s, h, v = additive_inputs(rng, d_q=2, d_k=7, A=3)
    out, weights = additive_attention(params, s, h, v)
    assert out.shape == (2, 3, 2) and weights.shape == (2, 3, 4)
    p32 = {k: a.astype(np.float32) for k, a in params.items()}
    out32, _ = additive_attention(p32, s.astype(np.float32), h.astype(np.float32), v.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, out, rtol=1e-4, atol=1e-5)


def test_init_additive_attention_shapes_and_scale(rng):
    params = init_additive_attention(40, 30, 50, rng)
    assert {k: a.shape for k, a in params.items()} == {"W_a": (40, 50), "U_a": (30, 50), "v_a": (50,)}
    assert abs(params["W_a"].std() - 1 / np.sqrt(40)) < 0.02
    assert abs(params["U_a"].std() - 1 / np.sqrt(30)) < 0.02
    with pytest.raises(ValueError, match="score_size: expected a positive int"):
        init_additive_attention(4, 4, 0, rng)
    with pytest.raises(ValueError, match="rng: expected an np.random.Generator"):
        init_additive_attention(4, 4, 4, 0)


def test_additive_bad_input_is_named(rng):
    params, s, h, v = additive_inputs(rng)
    with pytest.raises(ValueError, match=r"s: expected shape \(N, Tq, d_q\) = \(\?, \?, 3\)"):
        additive_attention(params, s[..., :2], h, v)
    with pytest.raises(ValueError, match=r"h: expected shape \(N, Tk, d_k\) = \(2, \?, 5\)"):
        additive_attention(params, s, h[:1], v)
    with pytest.raises(ValueError, match=r"v: expected shape \(N, Tk, \?\) = \(2, 4, \?\)"):
        additive_attention(params, s, h, v[:, :3])
    with pytest.raises(ValueError, match="h: expected a 3-d array"):
        additive_attention(params, s, h[0], v)
    with pytest.raises(ValueError, match=r"params\['v_a'\]: expected shape"):
        additive_attention({**params, "v_a": np.zeros(3)}, s, h, v)
    with pytest.raises(ValueError, match="params: missing key"):
        additive_attention({"W_a": params["W_a"]}, s, h, v)
    with pytest.raises(ValueError, match=r"mask: expected a shape broadcastable to \(N, Tq, Tk\) = \(2, 3, 4\)"):
        additive_attention(params, s, h, v, np.ones((3, 3), dtype=bool))
    with pytest.raises(ValueError, match="mask: expected a boolean"):
        additive_attention(params, s, h, v, np.ones((3, 4)))
    out, cache = additive_attention_forward(params, s, h, v)
    with pytest.raises(ValueError, match=r"dout: expected shape \(2, 3, 2\)"):
        additive_attention_backward(out[0], cache)
    with pytest.raises(ValueError, match="cache: expected the AdditiveAttentionCache"):
        additive_attention_backward(out, attention_forward({}, s, s, v[:, :3])[1])


def test_float32_stays_float32():
    x = np.ones((2, 3, 4), np.float32)  # (N, T, d)
    out, weights = scaled_dot_product_attention(x, x, x)
    assert out.dtype == weights.dtype == np.float32
    params = init_additive_attention(4, 4, 5, make_rng(0), dtype=np.float32)
    assert additive_attention(params, x, x, x)[0].dtype == np.float32


@pytest.mark.parametrize("shape", [(64, 4, 15, 15), (300, 7), (2, 3, 4, 40), (1, 9), (256, 1)])
def test_row_max_is_numpys_max_bit_for_bit(shape):
    """The softmax's row maximum, computed a column at a time for many short rows (a speed-up), is exactly
    max(axis=-1): with -inf (masked entries), nan, and zeros of both signs among the scores."""
    from helpers.attention import _row_max
    rng = make_rng(sum(shape))
    for dtype in (np.float32, np.float64):
        scores = rng.standard_normal(shape).astype(dtype)
        scores[rng.random(shape) < 0.3] = -np.inf
        scores[rng.random(shape) < 0.2] = 0.0
        scores[rng.random(shape) < 0.2] = -0.0
        scores[rng.random(shape) < 0.02] = np.nan
        scores[..., :1, :] = -np.inf  # whole rows masked (the first row of every map)
        got, want = _row_max(scores), scores.max(axis=-1, keepdims=True)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert got.tobytes() == want.tobytes()
