"""Reading a trained Transformer's attention maps (helpers.transformer_training): attention_weights and
encoder_attention run big batches a few hundred pairs at a time, and must give exactly the maps of one pass."""
import numpy as np
import pytest

from helpers import transformer as tf
from helpers import transformer_training as tt
from helpers.translation_batch import Batch

V_SRC, V_TGT = 12, 11


def small_model(rng, norm, n_layers=2):
    config = tt.TranslatorConfig(d_model=8, h=2, d_ff=16, n_layers=n_layers, norm=norm)
    params = tf.init_transformer(V_SRC, V_TGT, 8, 2, 16, n_layers, rng, norm=norm)
    return params, config


def random_batch(rng, n, S=7, T=6):
    """n pairs with random lengths, padded with 0 beyond them (the ids of a real batch do not matter here)."""
    src_lengths, tgt_lengths = rng.integers(1, S + 1, size=n), rng.integers(1, T + 1, size=n)
    src = np.where(np.arange(S) < src_lengths[:, None], rng.integers(3, V_SRC, size=(n, S)), 0)  # (n, S)
    tgt_in = np.where(np.arange(T) < tgt_lengths[:, None], rng.integers(3, V_TGT, size=(n, T)), 0)  # (n, T)
    return Batch(src, src_lengths, tgt_in, tgt_in.copy(), tgt_lengths)


def one_pass(params, config, b):
    _, cache = tf.transformer_forward(params, b.src, b.tgt_in, config.h, b.src_lengths, b.tgt_lengths, config.norm)
    return {"encoder": [c.caches["attn"].attention.weights for c in cache.encoder.layer_caches],
            "decoder": [c.caches["self"].attention.weights for c in cache.decoder.layer_caches],
            "cross": [c.caches["cross"].attention.weights for c in cache.decoder.layer_caches]}


@pytest.mark.parametrize("norm", ["pre", "post"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_maps_read_in_chunks_are_those_of_one_pass_bit_for_bit(rng, norm, dtype):
    params, config = small_model(rng, norm)
    params = {k: v.astype(dtype) for k, v in params.items()}
    b = random_batch(rng, 2 * tt.MAP_ROWS + 3)  # three chunks, the last one of 3 pairs
    maps, expected = tt.attention_weights(params, config, b), one_pass(params, config, b)
    for kind, shape in (("encoder", (7, 7)), ("decoder", (6, 6)), ("cross", (6, 7))):
        assert len(maps[kind]) == 2
        for got, want in zip(maps[kind], expected[kind]):
            assert got.shape == (len(b.src), 2) + shape and got.dtype == dtype
            assert np.array_equal(got, want), f"{kind} maps differ from one pass over the whole batch"
    encoder = tt.encoder_attention(params, config, b.src, b.src_lengths)
    assert len(encoder) == 2 and all(np.array_equal(e, w) for e, w in zip(encoder, expected["encoder"]))


def test_small_batches_and_sources_without_padding(rng):
    params, config = small_model(rng, "pre")
    b = random_batch(rng, 5)
    maps = tt.attention_weights(params, config, b)
    assert all(np.array_equal(m, w) for k, want in one_pass(params, config, b).items() for m, w in zip(maps[k], want))
    src = rng.integers(3, V_SRC, size=(tt.MAP_ROWS + 1, 4))  # no lengths: every position is real
    memory_maps = tt.encoder_attention(params, config, src)
    _, cache = tf.encode(params, src, config.h, None, "pre")
    assert all(np.array_equal(m, c.caches["attn"].attention.weights) for m, c in zip(memory_maps, cache.layer_caches))


def test_the_maps_have_as_many_layers_as_the_params(rng):
    params, config = small_model(rng, "pre", n_layers=1)
    maps = tt.attention_weights(params, tt.TranslatorConfig(d_model=8, h=2, d_ff=16, n_layers=2, norm="pre"),
                                random_batch(rng, tt.MAP_ROWS + 2))
    assert [len(maps[k]) for k in ("encoder", "decoder", "cross")] == [1, 1, 1]


def test_bad_input_is_named_for_big_batches_too(rng):
    params, config = small_model(rng, "pre")
    n = tt.MAP_ROWS + 10
    b = random_batch(rng, n)
    with pytest.raises(ValueError, match=rf"src_lengths: expected an integer array of shape \(N,\) = \({n},\)"):
        tt.encoder_attention(params, config, b.src, b.src_lengths[:-1])
    with pytest.raises(ValueError, match=rf"tgt_lengths: expected an integer array of shape \(N,\) = \({n},\)"):
        tt.attention_weights(params, config, Batch(b.src, b.src_lengths, b.tgt_in, b.tgt_out, b.tgt_lengths[:5]))
    with pytest.raises(ValueError, match="src: expected"):
        tt.encoder_attention(params, config, b.src[0])  # one sentence without its batch axis
    # what only the whole batch shows is named for the whole batch, not for the part of it being run
    with pytest.raises(ValueError, match=rf"src_lengths: expected an integer array of shape \(N,\) = \({n},\), got "
                                         rf"shape \({n},\), dtype float64"):
        tt.encoder_attention(params, config, b.src, b.src_lengths.astype(float))
    late = b.src.copy()
    late[-1, 0] = V_SRC  # one id past the vocabulary, in the last part
    with pytest.raises(ValueError, match=rf"src: expected token ids in \[0, {V_SRC}\), got values from 0 to {V_SRC}"):
        tt.attention_weights(params, config, Batch(late, b.src_lengths, b.tgt_in, b.tgt_out, b.tgt_lengths))
    long = b.tgt_lengths.copy()
    long[-1] = b.tgt_in.shape[1] + 1
    with pytest.raises(ValueError, match=r"tgt_lengths: expected lengths in \[1, T = 6\], got \[(\d+, ){%d}7\]"
                                         % (n - 1)):
        tt.attention_weights(params, config, Batch(b.src, b.src_lengths, b.tgt_in, b.tgt_out, long))
    with pytest.raises(ValueError, match="params: missing key"):
        tt.encoder_attention({k: v for k, v in params.items() if k != "src_embed"}, config, b.src, b.src_lengths)
    with pytest.raises(ValueError, match="config: expected the TranslatorConfig"):
        tt.encoder_attention(params, {"h": 2}, b.src, b.src_lengths)
    with pytest.raises(ValueError, match="batch: expected a helpers.translation.Batch"):
        tt.attention_weights(params, config, (b.src, b.tgt_in))
