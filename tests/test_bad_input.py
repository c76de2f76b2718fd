"""Bad input to the models (layer 2) and the training and data modules (layer 3): every mistake a learner can make
gets a ValueError that names the argument, what it received and what was expected, never a bare NumPy error and
never a silently wrong answer.

Each table row is (id, call, argument, fragment): the call must raise a ValueError whose message starts with the
argument's name and contains the fragment. The tests after each table pin down what is deliberately *not* an error
(an empty batch, nan flowing through a forward pass) so that those decisions are tested too.
"""
import numpy as np
import pytest

from helpers import attention as att
from helpers import conv, datasets, dense, gradflow, losses, lstm, optim, rnn, scalar_rnn, score_scaling, seq2seq, tasks
from helpers import transformer as tf
from helpers import transformer_layers as tl
from helpers import translation as tr
from helpers.seeding import make_rng
from helpers.seq2seq_training import Seq2SeqConfig, train_seq2seq
from helpers.shapes import check_ids, check_strings

RNG = make_rng(0)
NAN, INF = float("nan"), float("inf")


def assert_named(call, argument, fragment):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith(argument), f"the message does not start with {argument!r}: {message}"
    assert fragment in message, f"{fragment!r} is not in: {message}"


def table(*rows):
    """pytest parameters from rows (id, call, argument, fragment)."""
    return pytest.mark.parametrize("call, argument, fragment", [pytest.param(*row[1:], id=row[0]) for row in rows])


# --------------------------------------------------------------------------- small models, made once

DENSE = dense.init_params(3, 2, RNG)
_, DENSE_CACHE = dense.forward(DENSE, np.ones((4, 3)))
RNN = rnn.init_params(3, 2, RNG)
_, RNN_CACHE = rnn.forward(RNN, np.ones((5, 4, 3)))
OUT = rnn.init_output_params(2, 3, RNG)
_, OUT_CACHE = rnn.output_forward(OUT, np.ones((4, 2)))
_, RNN_STEP_CACHE = rnn.step_forward(RNN, np.ones((4, 3)), np.zeros((4, 2)))
LSTM = lstm.init_params(3, 2, RNG)
_, LSTM_CACHE = lstm.forward(LSTM, np.ones((5, 4, 3)))
ADD = att.init_additive_attention(3, 3, 4, RNG)
Q, K, V = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 5, 4)), RNG.standard_normal((2, 5, 6))
_, ATT_CACHE = att.attention_forward({}, Q, K, V)
_, ADD_CACHE = att.additive_attention_forward(ADD, np.ones((2, 3, 3)), np.ones((2, 5, 3)), np.ones((2, 5, 3)))
D_MODEL, HEADS, D_FF = 4, 2, 6
MHA = tl.init_mha(D_MODEL, HEADS, RNG)
X = RNG.standard_normal((2, 3, D_MODEL))  # (N, T, d_model)
MEM = RNG.standard_normal((2, 5, D_MODEL))  # (N, T_src, d_model)
_, MHA_CACHE = tl.mha_forward(MHA, X, MEM, HEADS)
LN = tl.init_layer_norm(D_MODEL)
_, LN_CACHE = tl.layer_norm_forward(LN, X)
FFN = tl.init_ffn(D_MODEL, D_FF, RNG)
_, FFN_CACHE = tl.ffn_forward(FFN, X)
ENC = tl.init_encoder_layer(D_MODEL, HEADS, D_FF, RNG)
_, ENC_CACHE = tl.encoder_layer_forward(ENC, X, HEADS)
DEC = tl.init_decoder_layer(D_MODEL, HEADS, D_FF, RNG)
_, DEC_CACHE = tl.decoder_layer_forward(DEC, X, MEM, HEADS)
MODEL = tf.init_transformer(5, 6, D_MODEL, HEADS, D_FF, 1, RNG)
SRC, TGT = np.array([[1, 2, 3], [4, 0, 1]]), np.array([[1, 2], [3, 4]])
MEMORY, ENCODER_CACHE = tf.encode(MODEL, SRC, HEADS)
_, DECODER_CACHE = tf.decode(MODEL, MEMORY, TGT, HEADS)


# --------------------------------------------------------------------------- dense, conv, losses

@table(
    ("bool size", lambda: dense.init_params(True, 2, RNG), "input_size", "expected a positive int"),
    ("int dtype", lambda: dense.init_params(3, 2, RNG, dtype=int), "dtype", "expected one of"),
    ("complex x", lambda: dense.forward(DENSE, np.ones((2, 3), complex)), "x", "real floating-point"),
    ("object x", lambda: dense.forward(DENSE, np.array([[1, "a", 2]], dtype=object)), "x", "real floating-point"),
    ("list params", lambda: dense.forward([1, 2], np.ones((2, 3))), "params", "expected a dict of arrays"),
    ("wrong cache", lambda: dense.backward(np.ones((4, 2)), RNN_CACHE), "cache", "the DenseCache returned by"),
    ("None cache", lambda: dense.backward(np.ones((4, 2)), None), "cache", "got NoneType"),
    ("dy batch", lambda: dense.backward(np.ones((3, 2)), DENSE_CACHE), "dy", "expected shape (4, 2), got (3, 2)"),
    ("zero channels", lambda: conv.conv2d(np.ones((1, 0, 5, 5)), np.ones((2, 0, 3, 3))), "images", "one channel"),
    ("empty kernel", lambda: conv.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 0, 0))), "filters", "one tap"),
    ("no filters", lambda: conv.conv2d(np.ones((1, 3, 5, 5)), np.ones((0, 3, 3, 3))), "filters", "one filter"),
    ("channels 0", lambda: conv.edge_filters(0), "channels", "expected a positive int, got 0"),
    ("channels float", lambda: conv.edge_filters(1.5), "channels", "got 1.5"),
    ("semantic no channels", lambda: conv.semantic_vectors(np.ones((2, 0, 5, 5))), "images", "one channel"),
    ("activation array", lambda: dense.forward(DENSE, np.ones((2, 3)), np.array(["tanh", "relu"])), "activation",
     "expected one of"),
    ("semantic not square", lambda: conv.semantic_vectors(np.ones((2, 3, 5, 6))), "images", "expected shape"),
)
def test_dense_and_conv(call, argument, fragment):
    assert_named(call, argument, fragment)


@table(
    ("no targets", lambda: losses.softmax_cross_entropy(np.zeros((0, 3)), np.zeros(0, int)), "y",
     "at least one target"),
    ("no classes", lambda: losses.softmax_cross_entropy(np.zeros((2, 0)), np.zeros(2, int)), "o", "one class"),
    ("scalar logits", lambda: losses.softmax_cross_entropy(np.float64(1.0), 0), "o", "class axis"),
    ("float targets", lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), [0.0, 1.0]), "y", "integer class"),
    ("bool targets", lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), [True, False]), "y", "dtype bool"),
    ("negative class", lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), [0, -1]), "y", "in [0, 3)"),
    ("class too large", lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), [0, 3]), "y", "from 0 to 3"),
    ("batch_axis 5", lambda: losses.softmax_cross_entropy(np.zeros((4, 2, 3)), np.zeros((4, 2), int), 5),
     "batch_axis", "an axis of y"),
    ("batch_axis float", lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), [0, 1], 0.5), "batch_axis",
     "got 0.5"),
    ("mse empty", lambda: losses.mean_squared_error(np.zeros(0), np.zeros(0)), "pred", "at least one prediction"),
    ("mse nan target", lambda: losses.mean_squared_error(np.zeros(3), [0.0, NAN, 1.0]), "target",
     "1 nan or inf of 3"),
    ("mse inf target", lambda: losses.mean_squared_error(np.zeros(2), [INF, 0.0]), "target", "finite"),
    ("mse complex", lambda: losses.mean_squared_error(np.zeros(2, complex), np.zeros(2)), "pred", "floating"),
)
def test_losses(call, argument, fragment):
    assert_named(call, argument, fragment)


def test_a_nan_prediction_gives_a_nan_loss_not_an_error():
    """A diverged model's nan output is reported as a nan loss (notebook 07 stops its loop on it)."""
    assert np.isnan(losses.mean_squared_error(np.array([NAN, 0.0]), np.zeros(2))[0])
    assert np.isnan(losses.softmax_cross_entropy(np.array([[NAN, 0.0]]), [0])[0])


def test_an_empty_batch_passes_through_a_layer_exactly():
    y, cache = dense.forward(DENSE, np.ones((0, 3)))
    assert y.shape == (0, 2)
    dx, grads = dense.backward(np.ones((0, 2)), cache)
    assert dx.shape == (0, 3) and not grads["W"].any()


# --------------------------------------------------------------------------- rnn, lstm, scalar_rnn

@table(
    ("dtype name", lambda: rnn.init_params(3, 2, RNG, dtype="nonsense"), "dtype", "expected one of"),
    ("weight_scale str", lambda: rnn.init_params(3, 2, RNG, weight_scale="1"), "weight_scale", "non-negative"),
    ("weight_scale inf", lambda: rnn.init_params(3, 2, RNG, weight_scale=INF), "weight_scale", "got inf"),
    ("output dtype", lambda: rnn.init_output_params(2, 3, RNG, dtype=complex), "dtype", "expected one of"),
    ("lstm params", lambda: rnn.forward(LSTM, np.ones((5, 4, 3))), "params", "missing key(s)"),
    ("no steps", lambda: rnn.forward(RNN, np.ones((0, 4, 3))), "x", "at least one time step"),
    ("h0 batch", lambda: rnn.forward(RNN, np.ones((5, 4, 3)), np.zeros((3, 2))), "h0", "N should be 4, not 3"),
    ("int x_t", lambda: rnn.step_forward(RNN, np.ones((4, 3), complex), np.zeros((4, 2))), "x_t", "floating"),
    ("lstm cache", lambda: rnn.backward(np.ones((5, 4, 2)), LSTM_CACHE), "cache", "the RNNCache"),
    ("step cache", lambda: rnn.step_backward(np.ones((4, 2)), RNN_CACHE), "cache", "the StepCache"),
    ("dh shape", lambda: rnn.state_gradients(np.ones((5, 3, 2)), RNN_CACHE), "dh", "expected shape (5, 4, 2)"),
    ("k bool", lambda: rnn.truncated_backward(np.ones((5, 4, 2)), RNN_CACHE, True), "k", "positive int"),
    ("output cache", lambda: rnn.output_backward(np.ones((4, 3)), RNN_STEP_CACHE), "cache", "the OutputCache"),
    ("do shape", lambda: rnn.output_backward(np.ones((4, 2)), OUT_CACHE), "do", "expected shape (4, 3)"),
    ("lstm dtype", lambda: lstm.init_params(3, 2, RNG, dtype="float16"), "dtype", "expected one of"),
    ("forget_bias nan", lambda: lstm.init_params(3, 2, RNG, forget_bias=NAN), "forget_bias", "finite number"),
    ("forget_bias str", lambda: lstm.init_params(3, 2, RNG, forget_bias="1"), "forget_bias", "got '1'"),
    ("peepholes str", lambda: lstm.init_params(3, 2, RNG, peepholes="no"), "peepholes", "True or False"),
    ("has_peepholes list", lambda: lstm.has_peepholes(["p_i"]), "params", "dict of arrays"),
    ("rnn params", lambda: lstm.forward(RNN, np.ones((5, 4, 3))), "params", "missing key(s)"),
    ("lstm no steps", lambda: lstm.forward(LSTM, np.ones((0, 4, 3))), "x", "at least one time step"),
    ("c0 batch", lambda: lstm.forward(LSTM, np.ones((5, 4, 3)), c0=np.zeros((1, 2))), "c0", "(N, H) = (4, 2)"),
    ("rnn cache", lambda: lstm.backward(np.ones((5, 4, 2)), RNN_CACHE), "cache", "the LSTMCache"),
    ("dc_last", lambda: lstm.backward(np.ones((5, 4, 2)), LSTM_CACHE, dc_last=np.ones(2)), "dc_last", "(4, 2)"),
    ("lstm state cache", lambda: lstm.state_gradients(np.ones((5, 4, 2)), None), "cache", "the LSTMCache"),
)
def test_rnn_and_lstm(call, argument, fragment):
    assert_named(call, argument, fragment)


@table(
    ("nan w", lambda: scalar_rnn.forward([1.0, NAN], 0.0), "w", "1 nan or inf of 2"),
    ("T bool", lambda: scalar_rnn.forward(1.0, 0.0, T=True), "T", "positive int"),
    ("target nan", lambda: scalar_rnn.forward(1.0, 0.0, target=NAN), "target", "finite real"),
    ("cache", lambda: scalar_rnn.backward(RNN_CACHE), "cache", "the ScalarRNNCache"),
    ("w_lim str", lambda: scalar_rnn.error_surface(w_lim=("a", "b")), "w_lim", "(low, high)"),
    ("b_lim reversed", lambda: scalar_rnn.error_surface(b_lim=(3.0, -5.0)), "b_lim", "low < high"),
    ("n float", lambda: scalar_rnn.error_surface(n=10.0), "n", "an int >= 2"),
    ("cliff nan", lambda: scalar_rnn.cliff_line(np.array([5.0, NAN])), "w", "finite values"),
    ("max_norm str", lambda: scalar_rnn.gradient_descent(1.0, 0.0, 0.1, 3, max_norm="1"), "max_norm",
     "positive numbers"),
    ("bound 0", lambda: scalar_rnn.gradient_descent(1.0, 0.0, 0.1, 3, bound=0.0), "bound", "positive finite"),
    ("bound nan", lambda: scalar_rnn.gradient_descent(1.0, 0.0, 0.1, 3, bound=NAN), "bound", "got nan"),
    ("steps 0", lambda: scalar_rnn.gradient_descent(1.0, 0.0, 0.1, 0), "steps", "positive int"),
    ("w0 nan", lambda: scalar_rnn.gradient_descent([1.0, NAN], 0.0, 0.1, 3), "w0", "finite values"),
    ("b0 shape", lambda: scalar_rnn.gradient_descent(np.ones(3), np.ones(2), 0.1, 3), "b0",
     "broadcasts with w0's (3,)"),
)
def test_scalar_rnn(call, argument, fragment):
    assert_named(call, argument, fragment)


def test_nan_flows_through_a_forward_pass():
    """A forward pass reports nan input as nan output (its honest answer), in the positions it reaches."""
    x = np.ones((3, 2, 3))
    x[1, 0, 0] = NAN
    h, _ = rnn.forward(RNN, x)
    assert np.isnan(h[1:, 0]).all() and not np.isnan(h[0]).any() and not np.isnan(h[:, 1]).any()
    y, _ = lstm.forward(LSTM, x)
    assert np.isnan(y[1:, 0]).all() and not np.isnan(y[:, 1]).any()


# --------------------------------------------------------------------------- attention

@table(
    ("zero keys", lambda: att.scaled_dot_product_attention(np.ones((2, 4)), np.ones((0, 4)), np.ones((0, 3))), "k",
     "at least one key (Tk >= 1)"),
    ("zero keys batched", lambda: att.attention_forward({}, Q, K[:, :0], V[:, :0]), "k", "got shape (2, 0, 4)"),
    ("d_k 0", lambda: att.scaled_dot_product_attention(np.ones((2, 0)), np.ones((3, 0)), np.ones((3, 2))), "q",
     "d_k >= 1"),
    ("int q", lambda: att.scaled_dot_product_attention(np.ones((2, 4), int), K[0], V[0]), "q", "floating-point"),
    ("complex k", lambda: att.scaled_dot_product_attention(Q[0], K[0].astype(complex), V[0]), "k", "complex"),
    ("int mask", lambda: att.scaled_dot_product_attention(Q, K, V, np.ones((3, 5), int)), "mask", "boolean"),
    ("params array", lambda: att.attention_forward(np.ones(2), Q, K, V), "params", "no parameters"),
    ("params dict", lambda: att.attention_forward({"W": 1}, Q, K, V), "params", "got keys ['W']"),
    ("dout shape", lambda: att.attention_backward(np.ones((2, 3, 4)), ATT_CACHE), "dout", "(2, 3, 6)"),
    ("dout complex", lambda: att.attention_backward(np.ones((2, 3, 6), complex), ATT_CACHE), "dout", "complex"),
    ("additive cache", lambda: att.attention_backward(np.ones((2, 3, 3)), ADD_CACHE), "cache", "AttentionCache"),
    ("additive zero keys", lambda: att.additive_attention(ADD, np.ones((2, 3, 3)), np.ones((2, 0, 3)),
                                                          np.ones((2, 0, 3))), "h", "at least one key"),
    ("additive dtype", lambda: att.init_additive_attention(3, 3, 4, RNG, dtype="int8"), "dtype", "expected one of"),
    ("additive dout", lambda: att.additive_attention_backward(np.ones((2, 3, 3), complex), ADD_CACHE), "dout",
     "complex"),
    ("additive wrong cache", lambda: att.additive_attention_backward(np.ones((2, 3, 6)), ATT_CACHE), "cache",
     "AdditiveAttentionCache"),
    ("fully_masked float mask", lambda: att.fully_masked_rows(np.ones((3, 5)), (3, 5)), "mask", "boolean"),
    ("fully_masked shape", lambda: att.fully_masked_rows(np.ones((3, 4), bool), (3, 5)), "mask", "(..., Tq, Tk)"),
    ("fully_masked 1-d", lambda: att.fully_masked_rows(np.ones(5, bool), (5,)), "shape", "(..., Tq, Tk)"),
    ("fully_masked float shape", lambda: att.fully_masked_rows(np.ones((3, 5), bool), (3.0, 5.0)), "shape",
     "integer"),
    ("causal bool", lambda: att.causal_mask(True), "Tq", "positive int"),
    ("padding float", lambda: att.padding_mask([2.0, 3.0], 4), "lengths", "integer"),
    ("padding too long", lambda: att.padding_mask([2, 5], 4), "lengths", "[0, T = 4]"),
    ("pe float", lambda: att.positional_encoding(4.0, 8), "length", "positive int"),
)
def test_attention(call, argument, fragment):
    assert_named(call, argument, fragment)


def test_attention_keeps_float32_and_allows_no_queries():
    q = Q.astype(np.float32)
    out, cache = att.attention_forward({}, q, K.astype(np.float32), V.astype(np.float32))
    assert out.dtype == np.float32
    assert att.attention_backward(np.ones(out.shape, np.float32), cache)[0].dtype == np.float32
    empty, weights = att.scaled_dot_product_attention(Q[:, :0], K, V)  # Tq = 0: nothing to compute, no error
    assert empty.shape == (2, 0, 6) and weights.shape == (2, 0, 5)


# --------------------------------------------------------------------------- transformer layers

PAD_MASK_2D = np.array([[True, True, True, False, False], [True, True, True, True, True]])  # (N, Tk): refused


@table(
    ("zero keys", lambda: tl.mha_forward(MHA, X, MEM[:, :0], HEADS), "x_kv", "at least one key position"),
    ("params list", lambda: tl.mha_forward([1], X, X, HEADS), "params", "expected a dict of arrays"),
    ("W_q 1-d", lambda: tl.mha_forward({**MHA, "W_q": np.ones(4)}, X, X, HEADS), "params['W_q']", "2-d array"),
    ("extra key", lambda: tl.mha_forward({**MHA, "W_z": MHA["W_q"]}, X, X, HEADS), "params", "unknown key(s)"),
    ("complex W_o", lambda: tl.mha_forward({**MHA, "W_o": MHA["W_o"] + 0j}, X, X, HEADS), "params['W_o']",
     "complex"),
    ("h float", lambda: tl.mha_forward(MHA, X, X, 2.0), "h", "positive int"),
    ("2-d padding mask", lambda: tl.mha_forward(MHA, X, MEM, HEADS, PAD_MASK_2D), "mask", "(N, 1, Tk) = (2, 1, 5)"),
    ("2-d (1, Tk) mask", lambda: tl.mha_forward(MHA, X, MEM, HEADS, np.ones((1, 5), bool)), "mask",
     "a 2-D mask is read as (Tq, Tk) = (3, 5)"),
    ("3-d mask shape", lambda: tl.mha_forward(MHA, X, MEM, HEADS, np.ones((2, 3, 4), bool)), "mask",
     "(N, Tq, Tk) = (2, 3, 5)"),
    ("4-d mask shape", lambda: tl.mha_forward(MHA, X, MEM, HEADS, np.ones((2, 3, 3, 5), bool)), "mask",
     "(N, h, Tq, Tk) = (2, 2, 3, 5)"),
    ("mha cache", lambda: tl.mha_backward(np.ones(X.shape), FFN_CACHE), "cache", "the MHACache"),
    ("mha dout complex", lambda: tl.mha_backward(np.ones(X.shape, complex), MHA_CACHE), "dout", "complex"),
    ("ln empty features", lambda: tl.layer_norm_forward({"gamma": np.ones(0), "beta": np.ones(0)}, np.ones((2, 0))),
     "params['gamma']", "at least one feature"),
    ("ln scalar x", lambda: tl.layer_norm_forward(LN, 1.0), "x", "(..., d = 4)"),
    ("ln complex x", lambda: tl.layer_norm_forward(LN, X + 0j), "x", "complex"),
    ("ln missing beta", lambda: tl.layer_norm_forward({"gamma": np.ones(4)}, X), "params", "missing key(s) ['beta']"),
    ("ln eps nan", lambda: tl.layer_norm_forward(LN, X, eps=NAN), "eps", "positive finite"),
    ("ln eps 0", lambda: tl.layer_norm_forward(LN, X, eps=0.0), "eps", "got 0.0"),
    ("ln cache", lambda: tl.layer_norm_backward(np.ones(X.shape), FFN_CACHE), "cache", "the LayerNormCache"),
    ("ln dy", lambda: tl.layer_norm_backward(np.ones((2, 3, 5)), LN_CACHE), "dy", "expected shape (2, 3, 4)"),
    ("ffn W_1 1-d", lambda: tl.ffn_forward({**FFN, "W_1": np.ones(4)}, X), "params['W_1']", "2-d array"),
    ("ffn params None", lambda: tl.ffn_forward(None, X), "params", "got NoneType"),
    ("ffn x", lambda: tl.ffn_forward(FFN, np.ones((2, 3, 5))), "x", "(..., d_model = 4)"),
    ("ffn dout last axis", lambda: tl.ffn_backward(np.ones((2, 3, 6)), FFN_CACHE), "dout", "expected shape (2, 3, 4)"),
    ("ffn dout batch", lambda: tl.ffn_backward(np.ones((1, 3, 4)), FFN_CACHE), "dout", "got (1, 3, 4)"),
    ("ffn dout complex", lambda: tl.ffn_backward(np.ones(X.shape, complex), FFN_CACHE), "dout", "complex"),
    ("ffn cache", lambda: tl.ffn_backward(np.ones(X.shape), MHA_CACHE), "cache", "the FFNCache of ffn_forward"),
    ("sub_params list", lambda: tl.sub_params([1], "ffn"), "params", "dict of arrays"),
    ("sub_params prefix", lambda: tl.sub_params(ENC, None), "prefix", "a str"),
    ("prefixed prefix", lambda: tl.prefixed(3, {"W": 1}), "prefix", "got int"),
    ("norm array", lambda: tl.encoder_layer_forward(ENC, X, HEADS, norm=np.array(["pre", "post"])), "norm",
     "'post' (the paper) or 'pre'"),
    ("layer_specs kind", lambda: tl.layer_specs("encoder"), "kind", "expected one of ('enc', 'dec')"),
    ("enc no positions", lambda: tl.encoder_layer_forward(ENC, X[:, :0], HEADS), "x", "at least one position"),
    ("enc int x", lambda: tl.encoder_layer_forward(ENC, np.ones((2, 3, 4), int), HEADS), "x", "float array"),
    ("enc decoder params", lambda: tl.encoder_layer_forward(DEC, X, HEADS), "params", "unknown key(s)"),
    ("enc h", lambda: tl.encoder_layer_forward(ENC, X, 3), "h", "a divisor of d_model = 4"),
    ("enc 2-d mask", lambda: tl.encoder_layer_forward(ENC, X, HEADS, np.ones((2, 3), bool)), "mask", "(N, 1, Tk)"),
    ("enc decoder cache", lambda: tl.encoder_layer_backward(np.ones(X.shape), DEC_CACHE), "cache",
     "got the LayerCache of decoder_layer_forward"),
    ("enc dy", lambda: tl.encoder_layer_backward(np.ones((2, 3, 5)), ENC_CACHE), "dy", "(N, T, d_model) = (2, 3, 4)"),
    ("dec empty memory", lambda: tl.decoder_layer_forward(DEC, X, MEM[:, :0], HEADS), "memory",
     "at least one source position"),
    ("dec memory batch", lambda: tl.decoder_layer_forward(DEC, X, MEM[:1], HEADS), "memory", "N = 2 sequences"),
    ("dec 2-d memory_mask", lambda: tl.decoder_layer_forward(DEC, X, MEM, HEADS, memory_mask=PAD_MASK_2D),
     "memory_mask", "padding mask per sequence"),
    ("dec self_mask", lambda: tl.decoder_layer_forward(DEC, X, MEM, HEADS, self_mask=np.ones((2, 3, 5), bool)),
     "self_mask", "(N, Tq, Tk) = (2, 3, 3)"),
    ("dec encoder cache", lambda: tl.decoder_layer_backward(np.ones(X.shape), ENC_CACHE), "cache",
     "got the LayerCache of encoder_layer_forward"),
    ("dec dy", lambda: tl.decoder_layer_backward(np.ones((2, 2, 4)), DEC_CACHE), "dy", "got (2, 2, 4)"),
)
def test_transformer_layers(call, argument, fragment):
    assert_named(call, argument, fragment)


def test_a_2d_mask_is_read_as_query_by_key_the_same_for_every_sequence():
    """The ambiguity that remains: with N == Tq, a (N, Tk) padding mask has the shape (Tq, Tk) and is read as
    (Tq, Tk), the same for every sequence, without an error. Pass padding masks as (N, 1, Tk)."""
    x_q = RNG.standard_normal((3, 3, D_MODEL))  # N = Tq = 3
    x_kv = RNG.standard_normal((3, 4, D_MODEL))  # Tk = 4
    lengths = np.array([4, 2, 3])
    per_sequence = att.padding_mask(lengths, 4)  # (N, 1, Tk)
    as_query_rows = per_sequence[:, 0]  # (3, 4): (N, Tk), but also (Tq, Tk)
    _, cache = tl.mha_forward(MHA, x_q, x_kv, HEADS, as_query_rows)
    weights = cache.attention.weights  # (N, h, Tq, Tk)
    for n in range(3):  # query row i of every sequence uses the padding of sequence i
        np.testing.assert_array_equal(weights[n, :, :, 2:] == 0, np.broadcast_to(~as_query_rows[:, 2:], (2, 3, 2)))
    _, right = tl.mha_forward(MHA, x_q, x_kv, HEADS, per_sequence)
    assert not np.array_equal(right.attention.weights == 0, weights == 0)
    np.testing.assert_array_equal(right.attention.weights[1, :, :, 2:], 0.0)  # sequence 1 has 2 real keys


def test_transformer_layers_keep_float32():
    x = X.astype(np.float32)
    ffn32 = {k: v.astype(np.float32) for k, v in FFN.items()}
    out, cache = tl.ffn_forward(ffn32, x)
    dx, grads = tl.ffn_backward(np.ones_like(out), cache)
    assert out.dtype == dx.dtype == grads["W_1"].dtype == np.float32


# --------------------------------------------------------------------------- the whole transformer

@table(
    ("src float", lambda: tf.encode(MODEL, SRC.astype(float), HEADS), "src", "integer array"),
    ("src negative", lambda: tf.encode(MODEL, SRC - 1, HEADS), "src", "token ids in [0, 5)"),
    ("src empty", lambda: tf.encode(MODEL, SRC[:, :0], HEADS), "src", "non-empty"),
    ("seq2seq params", lambda: tf.encode(seq2seq.init_seq2seq("none", 4, RNG), SRC, HEADS), "params",
     "expected at least one 'enc.0.*' layer"),
    ("int key", lambda: tf.transformer_forward({**MODEL, 3: np.ones(2)}, SRC, TGT, HEADS), "params",
     "unknown key(s) [3]"),
    ("memory no positions", lambda: tf.decode(MODEL, MEMORY[:, :0], TGT, HEADS), "memory",
     "at least one source position (T_src >= 1)"),
    ("memory no sequences", lambda: tf.decode(MODEL, MEMORY[:0], TGT[:0], HEADS), "memory",
     "at least one sequence (N >= 1)"),
    ("tgt too large", lambda: tf.decode(MODEL, MEMORY, TGT + 3, HEADS), "tgt_in", "token ids in [0, 6)"),
    ("lengths float", lambda: tf.transformer_forward(MODEL, SRC, TGT, HEADS, src_lengths=[3.0, 2.0]),
     "src_lengths", "integer array"),
    ("dmemory complex", lambda: tf.encode_backward(MEMORY + 0j, ENCODER_CACHE), "dmemory", "complex"),
    ("dmemory shape", lambda: tf.encode_backward(MEMORY[:, :2], ENCODER_CACHE), "dmemory", "(2, 3, 4)"),
    ("decoder cache", lambda: tf.encode_backward(MEMORY, DECODER_CACHE), "cache", "the EncoderCache of encode"),
    ("dlogits int", lambda: tf.decode_backward(np.ones((2, 2, 6), object), DECODER_CACHE), "dlogits", "object"),
    ("encoder cache", lambda: tf.decode_backward(np.ones((2, 2, 6)), ENCODER_CACHE), "cache", "the DecoderCache"),
    ("bos bool", lambda: tf.greedy_decode(MODEL, SRC, HEADS, True, 3), "bos", "a token id in [0, 6)"),
    ("bos None", lambda: tf.greedy_decode(MODEL, SRC, HEADS, None, 3), "bos", "got None"),
    ("eos too large", lambda: tf.greedy_decode(MODEL, SRC, HEADS, 1, 3, eos=6), "eos", "got 6"),
    ("max_len 0", lambda: tf.greedy_decode(MODEL, SRC, HEADS, 1, 0), "max_len", "positive int"),
    ("nan model", lambda: tf.greedy_decode({**MODEL, "out.b": np.full(6, NAN)}, SRC, HEADS, 1, 2), "params",
     "no token can be picked): expected finite values"),
)
def test_transformer(call, argument, fragment):
    assert_named(call, argument, fragment)


# --------------------------------------------------------------------------- shapes: the shared checks

@table(
    ("float ids", lambda: check_ids("ids", [1.0, 2.0]), "ids", "integer token ids, got dtype float64"),
    ("negative", lambda: check_ids("ids", [1, -1], 5), "ids", "in [0, 5), got values from -1 to 1"),
    ("a str", lambda: check_strings("texts", "one two"), "texts", "wrap one in a list"),
    ("empty list", lambda: check_strings("texts", []), "texts", "an empty list"),
    ("not str items", lambda: check_strings("texts", ["one", 2]), "texts", "['int', 'str']"),
    ("count", lambda: check_strings("texts", ["a"], n=2), "texts", "expected 2 strings, got 1"),
    ("deprecated dtype alias", lambda: rnn.init_params(3, 2, RNG, dtype="a"), "dtype", "expected one of"),
)
def test_shared_checks(call, argument, fragment):
    assert_named(call, argument, fragment)


def test_check_ids_accepts_an_empty_list():
    assert check_ids("ids", [], 3).dtype == np.int64


# --------------------------------------------------------------------------- datasets, optim

SERIES = np.arange(40.0).reshape(20, 2)
XW, YW = datasets.make_windows(SERIES, 3)


@table(
    ("path None", lambda: datasets.verify_checksum(None), "path", "file path"),
    ("sums_file int", lambda: datasets.verify_checksum("x.csv", 3), "sums_file", "got int"),
    ("sha256 None", lambda: datasets.sha256_of(None), "path", "file path"),
    ("data_dir int", lambda: datasets.load_seattle_daily_weather(0), "data_dir", "got int"),
    ("column array", lambda: datasets.TimeSeries(np.arange(2), np.ones((2, 1)), ("a",), "").column(np.array(["a"])),
     "name", "expected one of ('a',)"),
    ("no columns", lambda: datasets.make_windows(np.ones((10, 0)), 3), "series", "one column"),
    ("window bool", lambda: datasets.make_windows(SERIES, True), "window", "positive int"),
    ("empty target", lambda: datasets.make_windows(SERIES, 3, target=[]), "target", "non-empty list"),
    ("2-d target", lambda: datasets.make_windows(SERIES, 3, target=[[0, 1]]), "target", "column indices"),
    ("target too large", lambda: datasets.make_windows(SERIES, 3, target=2), "target", "[0, 2)"),
    ("too few windows", lambda: datasets.split_by_time(XW[:, :2], YW[:2]), "x", "at least 3 windows"),
    ("fractions str", lambda: datasets.split_by_time(XW, YW, fractions=("a", "b", "c")), "fractions",
     "summing to 1"),
    ("gap bool", lambda: datasets.split_by_time(XW, YW, gap=True), "gap", "non-negative int"),
    ("noise nan", lambda: datasets.make_stripe_images(2, 8, RNG, noise=NAN), "noise", "standard deviation"),
    ("n_per_class bool", lambda: datasets.make_stripe_images(True, 8, RNG), "n_per_class", "positive int"),
)
def test_datasets(call, argument, fragment):
    assert_named(call, argument, fragment)


P = {"W": np.ones((3, 2)), "b": np.zeros(3)}
G = {"W": np.ones((3, 2)), "b": np.ones(3)}
STATE = optim.adam_init(P)


@table(
    ("grads list", lambda: optim.sgd_step(P, [1, 2], 0.1), "grads", "expected the keys of params ['W', 'b']"),
    ("grads None", lambda: optim.sgd_step(P, None, 0.1), "grads", "got NoneType"),
    ("params list", lambda: optim.sgd_step([1], G, 0.1), "params", "dict of parameter arrays"),
    ("grads complex", lambda: optim.sgd_step(P, {**G, "b": np.ones(3, complex)}, 0.1), "grads['b']", "complex"),
    ("grads nan", lambda: optim.sgd_step(P, {**G, "b": np.array([0.0, NAN, 0.0])}, 0.1), "grads['b']",
     "not finite"),
    ("lr nan", lambda: optim.sgd_step(P, G, NAN), "lr", "non-negative finite learning rate"),
    ("lr negative", lambda: optim.sgd_step(P, G, -0.1), "lr", "got -0.1"),
    ("adam_init list", lambda: optim.adam_init([np.ones(2)]), "params", "dict of parameter arrays"),
    ("adam_init object", lambda: optim.adam_init({"w": np.array([None])}), "params['w']", "object"),
    ("state None", lambda: optim.adam_step(P, G, None), "state", "the AdamState of adam_init"),
    ("state of other keys", lambda: optim.adam_step(P, G, optim.adam_init({"W": P["W"]})), "state.m",
     "missing key(s) ['b']"),
    ("state of other shapes", lambda: optim.adam_step(P, G, optim.adam_init({"W": np.ones((2, 2)), "b": P["b"]})),
     "state.m['W']", "expected shape (3, 2), got (2, 2)"),
    ("state extra key", lambda: optim.adam_step(P, G, optim.adam_init({**P, "c": P["b"]})), "state.m",
     "unknown key(s) ['c']"),
    ("state nan", lambda: optim.adam_step(P, G, optim.AdamState({k: v + NAN for k, v in STATE.m.items()}, STATE.v)),
     "state.m['W']", "finite"),
    ("state negative v", lambda: optim.adam_step(P, G, optim.AdamState(STATE.m, {**STATE.v, "b": -np.ones(3)})),
     "state.v['b']", "non-negative"),
    ("state step", lambda: optim.adam_step(P, G, optim.AdamState(STATE.m, STATE.v, step=-1)), "state.step",
     "an int >= 0"),
    ("beta1 1", lambda: optim.adam_step(P, G, STATE, beta1=1.0), "beta1", "[0.0, 1.0)"),
    ("beta2 nan", lambda: optim.adam_step(P, G, STATE, beta2=NAN), "beta2", "got nan"),
    ("eps 0", lambda: optim.adam_step(P, G, STATE, eps=0.0), "eps", "positive finite"),
    ("adam grads inf", lambda: optim.adam_step(P, {**G, "W": np.full((3, 2), INF)}, STATE), "grads['W']",
     "every parameter it touches nan"),
    ("clip nan", lambda: optim.clip_grad_norm(G, NAN), "max_norm", "positive finite"),
    ("lr step str", lambda: optim.transformer_lr("a", 64), "step", "steps >= 1"),
    ("lr step bool", lambda: optim.transformer_lr(True, 64), "step", "steps >= 1"),
    ("lr d_model", lambda: optim.transformer_lr(1, 64.0), "d_model", "positive int"),
)
def test_optim(call, argument, fragment):
    assert_named(call, argument, fragment)


def test_updates_keep_float32_and_allow_a_zero_learning_rate():
    p32 = {k: v.astype(np.float32) for k, v in P.items()}
    g32 = {k: v.astype(np.float32) for k, v in G.items()}
    new, state = optim.adam_step(p32, g32, optim.adam_init(p32), lr=0.0)
    assert all(new[k].dtype == np.float32 and np.array_equal(new[k], p32[k]) for k in p32)
    assert optim.sgd_step(p32, g32, 0.0)["W"].dtype == np.float32


# --------------------------------------------------------------------------- tasks, gradflow, score scaling

REG = tasks.init_regressor("rnn", 2, 3, RNG)
_, REG_CACHE = tasks.regressor_forward(REG, np.ones((4, 2, 2)))


@table(
    ("dtype", lambda: tasks.make_adding_problem(4, 2, RNG, dtype=np.int64), "dtype", "expected one of"),
    ("lstm forget_bias", lambda: tasks.init_regressor("lstm", 2, 3, RNG, forget_bias=NAN), "forget_bias",
     "finite number"),
    ("params list", lambda: tasks.regressor_forward([1], np.ones((4, 2, 2))), "params", "dict of arrays"),
    ("core array", lambda: tasks.init_regressor(np.array(["rnn", "lstm"]), 2, 3, RNG), "core", "expected one of"),
    ("unused forget_bias", lambda: tasks.init_regressor("rnn", 2, 3, RNG, forget_bias="1"), "forget_bias",
     "finite number"),
    ("unused weight_scale", lambda: tasks.train_adding("lstm", 4, RNG, weight_scale=None), "weight_scale",
     "got None"),
    ("probe activation", lambda: gradflow.GradientFlowProbe(RNG, 5, 3).rnn(1.0, 3, 2, activation=["tanh"]),
     "activation", "expected one of"),
    ("no steps", lambda: tasks.regressor_forward(REG, np.ones((0, 2, 2))), "x", "at least one time step"),
    ("dyhat", lambda: tasks.regressor_backward(np.ones((2, 2)), REG_CACHE), "dyhat", "(2, 1)"),
    ("clip nan", lambda: tasks.train_adding("rnn", 4, RNG, clip=NAN), "clip", "got nan"),
    ("weight_scale nan", lambda: tasks.train_adding("rnn", 4, RNG, steps=1, weight_scale=NAN), "weight_scale",
     "finite non-negative"),
    ("safe_norms empty", lambda: gradflow.safe_norms(np.zeros((0, 3))), "g", "at least one entry"),
    ("safe_norms scalar", lambda: gradflow.safe_norms(1.0), "g", "one gradient per step"),
    ("safe_norms str", lambda: gradflow.safe_norms(["a"]), "g", "real floating-point"),
    ("bound negative lambda", lambda: gradflow.pascanu_bound(1.0, -2.0, [0, 1]), "lambda1", "got -2.0"),
    ("bound negative gamma", lambda: gradflow.pascanu_bound(-0.25, 2.0, [0, 1]), "gamma", "got -0.25"),
    ("bound nan lambda", lambda: gradflow.pascanu_bound(1.0, NAN, [0, 1]), "lambda1", "got nan"),
    ("bound negative lag", lambda: gradflow.pascanu_bound(1.0, 2.0, [-1, 0]), "lags", "non-negative"),
    ("bound nan lag", lambda: gradflow.pascanu_bound(1.0, 2.0, [NAN]), "lags", "finite"),
    ("probe lambda str", lambda: gradflow.GradientFlowProbe(RNG, 5, 3).rnn("1", 3, 2), "lambda1", "non-negative"),
    ("probe forget_bias", lambda: gradflow.GradientFlowProbe(RNG, 5, 3).lstm(1.0, 3, 2, forget_bias=INF),
     "forget_bias", "finite number"),
    ("stack norm", lambda: gradflow.EncoderStackProbe(RNG, 4, 2, 6, 2, 3, 2, 5).measure(1, "mid"), "norm",
     "'post' (the paper) or 'pre'"),
    ("jacobian scores", lambda: score_scaling.softmax_jacobian_norm([[2.0, -1.0, 0.5]]), "p", "softmax weights"),
    ("jacobian nan", lambda: score_scaling.softmax_jacobian_norm([[NAN, 1.0]]), "p", "finite"),
    ("jacobian empty row", lambda: score_scaling.softmax_jacobian_norm(np.ones((2, 0))), "p", "one weight per row"),
    ("jacobian scalar", lambda: score_scaling.softmax_jacobian_norm(1.0), "p", "(..., n)"),
)
def test_tasks_gradflow_score_scaling(call, argument, fragment):
    assert_named(call, argument, fragment)


def test_a_zero_singular_value_still_gives_a_bound():
    np.testing.assert_array_equal(gradflow.pascanu_bound(1.0, 0.0, [0, 1, 2]), [1.0, 0.0, 0.0])


# --------------------------------------------------------------------------- seq2seq

S2S = seq2seq.init_seq2seq("dot", 4, RNG)
S2S_SRC, _, S2S_TGT_IN = seq2seq.make_reversal_batch(3, 2, RNG)
_, S2S_CACHE = seq2seq.seq2seq_forward(S2S, S2S_SRC, S2S_TGT_IN)


@table(
    ("symbols None", lambda: seq2seq.encode(None), "symbols", "got NoneType"),
    ("symbols nested", lambda: seq2seq.encode([["A"]]), "symbols", "got [['A']]"),
    ("decode negative", lambda: seq2seq.decode([0, -1]), "ids", "token ids in [0, 11)"),
    ("decode float", lambda: seq2seq.decode([1.0]), "ids", "integer token ids"),
    ("decode 2-d", lambda: seq2seq.decode([[1]]), "ids", "1-d array"),
    ("one_hot dtype", lambda: seq2seq.one_hot(np.zeros((2, 2), int), dtype="nonsense"), "dtype", "expected one of"),
    ("W_c scalar", lambda: seq2seq.attention_of({**S2S, "W_c": np.float64(1.0)}), "params['W_c']", "rows"),
    ("empty source", lambda: seq2seq.seq2seq_forward(S2S, S2S_SRC[:0], S2S_TGT_IN), "src", "at least one time step"),
    ("empty target", lambda: seq2seq.seq2seq_forward(S2S, S2S_SRC, S2S_TGT_IN[:0]), "tgt_in", "one time step"),
    ("bool source", lambda: seq2seq.seq2seq_forward(S2S, S2S_SRC > 3, S2S_TGT_IN), "src", "dtype bool"),
    ("transformer params", lambda: seq2seq.seq2seq_forward(MODEL, S2S_SRC, S2S_TGT_IN), "params", "init_seq2seq"),
    ("dlogits complex", lambda: seq2seq.seq2seq_backward(np.ones((3, 2, 10), complex), S2S_CACHE), "dlogits",
     "complex"),
    ("greedy empty", lambda: seq2seq.greedy_decode(S2S, S2S_SRC[:0]), "src", "at least one time step"),
    ("greedy negative", lambda: seq2seq.greedy_decode(S2S, -S2S_SRC - 1), "src", "token ids in [0, 11)"),
    ("greedy nan model", lambda: seq2seq.greedy_decode({**S2S, "b_out": np.full(10, NAN)}, S2S_SRC), "params",
     "no symbol can be picked): expected finite values"),
    ("lengths float", lambda: seq2seq.evaluate_by_length(S2S, [2.5], 1, RNG), "lengths", "positive int"),
    ("config step 0", lambda: Seq2SeqConfig().learning_rate(0), "step", "positive int"),
    ("config step past", lambda: Seq2SeqConfig(steps=5).learning_rate(6), "step", "[1, steps = 5]"),
    ("train clip nan", lambda: train_seq2seq("dot", RNG, clip=NAN), "clip", "got nan"),
    ("attention array", lambda: seq2seq.init_seq2seq(np.array(["dot"]), 4, RNG), "attention", "expected one of"),
)
def test_seq2seq(call, argument, fragment):
    assert_named(call, argument, fragment)


# --------------------------------------------------------------------------- translation

TR_CONFIG = tr.TranslatorConfig(d_model=4, h=2, d_ff=6, n_layers=1)
TR_PARAMS = tf.init_transformer(len(tr.EN_VOCAB), len(tr.DE_VOCAB), 4, 2, 6, 1, RNG, norm="pre")
WORDS = tr.NumberWords(np.array([21, 3]), ["twenty-one", "three"], ["einundzwanzig", "drei"])
LOGITS = RNG.standard_normal((2, 3, 5))


@table(
    ("encode []", lambda: tr.encode_english([]), "texts", "an empty list"),
    ("encode a str", lambda: tr.encode_english("one"), "texts", "wrap one in a list"),
    ("encode None", lambda: tr.encode_english(None), "texts", "got NoneType"),
    ("encode german []", lambda: tr.encode_german([]), "words", "an empty list"),
    ("tokenize int", lambda: tr.tokenize_english(3), "text", "a str of English number words"),
    ("tokenize german list", lambda: tr.tokenize_german(["drei"]), "word", "got list"),
    ("decode past vocabulary", lambda: tr.decode_german([3, 35]), "ids", "token ids in [0, 35)"),
    ("decode negative", lambda: tr.decode_german([3, -1]), "ids", "got values from -1 to 3"),
    ("decode float", lambda: tr.decode_german([3.0]), "ids", "integer token ids"),
    ("decode 2-d", lambda: tr.decode_german([[3, 4]]), "ids", "1-d array"),
    ("batch negative index", lambda: tr.make_batch(WORDS, [-1]), "index", "pair indices in [0, 2)"),
    ("batch index too large", lambda: tr.make_batch(WORDS, [2]), "index", "got values from 2 to 2"),
    ("batch float index", lambda: tr.make_batch(WORDS, [0.0]), "index", "integer pair indices"),
    ("batch empty index", lambda: tr.make_batch(WORDS, []), "index", "at least one pair index"),
    ("batch data", lambda: tr.make_batch({"train": WORDS}), "data", "a NumberWords split"),
    ("loss no classes", lambda: tr.smoothed_cross_entropy(LOGITS[..., :0], np.zeros((2, 3), int), [1, 1]),
     "logits", "one class"),
    ("loss no sequences", lambda: tr.smoothed_cross_entropy(LOGITS[:0], np.zeros((0, 3), int), np.zeros(0, int)),
     "logits", "one sequence"),
    ("loss float targets", lambda: tr.smoothed_cross_entropy(LOGITS, np.zeros((2, 3)), [1, 1]), "targets",
     "integer token ids"),
    ("loss target too large", lambda: tr.smoothed_cross_entropy(LOGITS, np.full((2, 3), 5), [1, 1]), "targets",
     "ids in [0, 5)"),
    ("loss smoothing nan", lambda: tr.smoothed_cross_entropy(LOGITS, np.zeros((2, 3), int), [1, 1], NAN),
     "smoothing", "got nan"),
    ("loss smoothing str", lambda: tr.smoothed_cross_entropy(LOGITS, np.zeros((2, 3), int), [1, 1], "0.1"),
     "smoothing", "[0.0, 1.0)"),
    ("translate []", lambda: tr.translate(TR_PARAMS, TR_CONFIG, []), "english", "an empty list"),
    ("translate a str", lambda: tr.translate(TR_PARAMS, TR_CONFIG, "one"), "english", "wrap one in a list"),
    ("translate max_len", lambda: tr.translate(TR_PARAMS, TR_CONFIG, ["one"], max_len=0), "max_len", "positive"),
    ("exact_match empty", lambda: tr.exact_match([], []), "expected", "an empty list"),
    ("exact_match str", lambda: tr.exact_match("drei", "vier"), "expected", "got str"),
    ("exact_match lengths", lambda: tr.exact_match(["eins"], ["eins", "zwei"]), "predicted", "expected 2 strings"),
    ("maps list", lambda: tr.attention_maps(TR_PARAMS, TR_CONFIG, ["one"], "eins"), "english", "got list"),
    ("maps unknown word", lambda: tr.attention_maps(TR_PARAMS, TR_CONFIG, "one apple", "eins"), "english",
     "(unknown: ['apple'])"),
    ("translate unknown word", lambda: tr.translate(TR_PARAMS, TR_CONFIG, ["one", "two pears"]), "english[1]",
     "(unknown: ['pears'])"),
    ("encode german piece", lambda: tr.encode_german(["drei", "dreix"]), "words[1]", "stuck at 'x'"),
    ("maps german", lambda: tr.attention_maps(TR_PARAMS, TR_CONFIG, "one", None), "german", "got NoneType"),
    ("train data", lambda: tr.train_translator({"train": WORDS}, RNG), "data", "'train' and 'validation'"),
    ("load data_dir", lambda: tr.load_number_words(3), "data_dir", "got int"),
)
def test_translation(call, argument, fragment):
    assert_named(call, argument, fragment)


def test_decoding_stops_at_eos_and_skips_specials():
    ids = [tr.BOS, tr.DE_VOCAB.index("drei"), tr.EOS, tr.DE_VOCAB.index("vier")]
    assert tr.decode_german(ids) == "drei" and tr.decode_german([]) == ""
