import numpy as np
import pytest

from helpers import lstm, rnn, tasks
from helpers.gradcheck import check_gradients
from helpers.losses import mean_squared_error
from helpers.seeding import make_rng
from helpers.tasks import (MEAN_PREDICTOR_MSE, init_regressor, make_adding_problem, regressor_backward,
                           regressor_forward, train_adding)


# --------------------------------------------------------------------------- the data

@pytest.mark.parametrize("T", [2, 3, 10, 101])
def test_adding_problem_shapes_markers_and_targets(rng, T):
    N = 200
    x, y = make_adding_problem(T, N, rng)
    assert x.shape == (T, N, 2) and y.shape == (N, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    values, markers = x[..., 0], x[..., 1]  # (T, N) each
    assert values.min() >= 0.0 and values.max() < 1.0
    assert set(np.unique(markers)) <= {0.0, 1.0}
    np.testing.assert_array_equal(markers.sum(axis=0), 2.0)  # exactly two markers per sequence
    half = T // 2
    np.testing.assert_array_equal(markers[:half].sum(axis=0), 1.0)  # one in the first half ...
    np.testing.assert_array_equal(markers[half:].sum(axis=0), 1.0)  # ... and one in the second
    for n in range(N):  # the target, one sequence at a time
        marked = [values[t, n] for t in range(T) if markers[t, n] == 1.0]
        assert y[n, 0] == pytest.approx(marked[0] + marked[1], abs=1e-15)


def test_adding_problem_markers_cover_both_halves():
    T, N = 20, 4000
    x, _ = make_adding_problem(T, N, make_rng(1))
    counts = x[..., 1].sum(axis=1)  # (T,): how often each step is marked
    assert np.all(counts > 0), "every step should be markable"
    # each half: N markers spread uniformly over T/2 steps
    np.testing.assert_allclose(counts, N / (T // 2), rtol=0.25)


def test_adding_problem_is_reproducible_and_dtype(rng):
    a = make_adding_problem(7, 5, make_rng(3))
    b = make_adding_problem(7, 5, make_rng(3))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    x, y = make_adding_problem(7, 5, rng, dtype=np.float32)
    assert x.dtype == np.float32 and y.dtype == np.float32


def test_mean_predictor_scores_one_sixth():
    """Predicting the training mean gives MSE ~ Var(u1 + u2) = 2/12, not the number hard-coded in tasks."""
    rng = make_rng(2)
    _, y_train = make_adding_problem(10, 100_000, rng)
    _, y_test = make_adding_problem(10, 100_000, rng)
    mse = mean_squared_error(np.full_like(y_test, y_train.mean()), y_test)[0]
    # the MSE of a mean of 1e5 squared deviations has standard error ~ sqrt(Var((y - 1)^2) / 1e5) ~ 5e-4
    assert abs(mse - 2 / 12) < 3e-3
    assert abs(MEAN_PREDICTOR_MSE - 2 / 12) < 1e-15
    assert abs(y_train.mean() - 1.0) < 5e-3


@pytest.mark.parametrize("kwargs, match", [
    (dict(T=1, N=3), "T: expected an int >= 2"),
    (dict(T=2.5, N=3), "T:"),
    (dict(T=True, N=3), "T:"),
    (dict(T=10, N=0), "N: expected a positive int"),
    (dict(T=10, N="4"), "N:"),
])
def test_adding_problem_bad_sizes(rng, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_adding_problem(rng=rng, **kwargs)


def test_adding_problem_bad_rng_and_dtype(rng):
    with pytest.raises(ValueError, match="rng: expected an np.random.Generator"):
        make_adding_problem(10, 3, 0)
    with pytest.raises(ValueError, match="dtype"):
        make_adding_problem(10, 3, rng, dtype=np.int64)


# --------------------------------------------------------------------------- the regressor

def _model(core, rng, T=4, N=2, H=3):
    params = init_regressor(core, 2, H, rng)
    for k in params:  # move away from the zero biases of the initialisation
        if params[k].ndim == 1:
            params[k] = params[k] + 0.1 * rng.standard_normal(params[k].shape)
    x = rng.standard_normal((T, N, 2))
    return params, x


@pytest.mark.parametrize("core", ["rnn", "lstm"])
def test_regressor_gradient_check(rng, core):
    params, x = _model(core, rng)
    result = check_gradients(regressor_forward, regressor_backward, params, {"x": x}, rng=rng)
    assert set(result.errors) == set(params) | {"x"}
    assert result.ok, str(result)


@pytest.mark.parametrize("core", ["rnn", "lstm"])
def test_regressor_gradient_check_through_the_loss(rng, core):
    params, _ = _model(core, rng)
    x, y = make_adding_problem(6, 3, rng)

    def loss_forward(p, x):
        yhat, cache = regressor_forward(p, x)
        loss, dyhat = mean_squared_error(yhat, y)
        return loss, (cache, dyhat)

    def loss_backward(dloss, caches):
        cache, dyhat = caches
        return regressor_backward(dloss * dyhat, cache)

    result = check_gradients(loss_forward, loss_backward, params, {"x": x}, rng=rng)
    assert result.ok, str(result)


@pytest.mark.parametrize("core", ["rnn", "lstm"])
def test_regressor_reads_the_last_state_of_the_core(rng, core):
    params, x = _model(core, rng)
    yhat, cache = regressor_forward(params, x)
    assert yhat.shape == (x.shape[1], 1) and cache.core == core
    core_params = {k: v for k, v in params.items() if k not in ("V", "c")}
    h = (rnn if core == "rnn" else lstm).forward(core_params, x)[0]  # (T, N, H)
    np.testing.assert_allclose(yhat, h[-1] @ params["V"].T + params["c"], rtol=1e-13)


def test_init_regressor_keys_and_forget_bias(rng):
    p_rnn = init_regressor("rnn", 2, 8, rng)
    assert set(p_rnn) == {"U", "W", "b", "V", "c"} and p_rnn["V"].shape == (1, 8)
    p_lstm = init_regressor("lstm", 2, 8, rng, forget_bias=1.0, dtype=np.float32)
    assert not lstm.has_peepholes(p_lstm)
    np.testing.assert_array_equal(p_lstm["b_f"], 1.0)
    assert all(v.dtype == np.float32 for v in p_lstm.values())
    assert tasks.core_of(p_rnn) == "rnn" and tasks.core_of(p_lstm) == "lstm"


def test_regressor_bad_input(rng):
    params, x = _model("lstm", rng)
    with pytest.raises(ValueError, match="core: expected one of"):
        init_regressor("gru", 2, 4, rng)
    with pytest.raises(ValueError, match=r"x: expected shape \(T, N, D\) = \(\?, \?, 2\), got \(4, 2, 1\)"):
        regressor_forward(params, x[..., :1])  # D = 1 instead of 2
    with pytest.raises(ValueError, match="x: expected a 3-d array"):
        regressor_forward(params, x[0])
    with pytest.raises(ValueError, match="missing the output layer"):
        regressor_forward({k: v for k, v in params.items() if k != "V"}, x)
    with pytest.raises(ValueError, match="expected the keys of a simple RNN"):
        regressor_forward({"U": 1, "V": 1, "c": 1}, x)
    yhat, cache = regressor_forward(params, x)
    with pytest.raises(ValueError, match=r"dyhat: expected a 2-d array of shape \(2, 1\)"):
        regressor_backward(yhat[:, 0], cache)
    with pytest.raises(ValueError, match="cache: expected the RegressorCache"):
        regressor_backward(yhat, cache.core_cache)


# --------------------------------------------------------------------------- training

def test_training_lowers_the_lstm_loss_on_short_sequences():
    calls = []
    result = train_adding("lstm", 6, make_rng(0), steps=120, batch=32, lr=2e-2, hidden=8, eval_every=40,
                          eval_size=200, progress=lambda step, **m: calls.append((step, m)))
    assert list(result.steps_evaluated) == [0, 40, 80, 120]
    assert result.train_mse.shape == (120,) and result.heldout_mse.shape == (4,)
    assert result.final_mse == result.heldout_mse[-1]
    assert [c[0] for c in calls] == [40, 80, 120]
    assert set(calls[0][1]) == {"train_mse", "heldout_mse"}
    # it must get well below the mean predictor, which needs the markers to be used
    assert result.final_mse < 0.5 * MEAN_PREDICTOR_MSE, result.heldout_mse
    assert result.final_mse < 0.5 * result.heldout_mse[1]
    assert np.mean(result.train_mse[-20:]) < np.mean(result.train_mse[:20])
    assert tasks.core_of(result.params) == "lstm" and result.params["W_z"].dtype == np.float32


def test_training_is_reproducible_and_shares_the_data_stream():
    a = train_adding("rnn", 5, make_rng(4), steps=3, batch=4, hidden=3, eval_every=2, eval_size=10,
                     dtype=np.float64)
    b = train_adding("rnn", 5, make_rng(4), steps=3, batch=4, hidden=3, eval_every=2, eval_size=10,
                     dtype=np.float64)
    np.testing.assert_array_equal(a.train_mse, b.train_mse)
    np.testing.assert_array_equal(a.heldout_mse, b.heldout_mse)
    assert list(a.steps_evaluated) == [0, 2, 3]


@pytest.mark.parametrize("kwargs, match", [
    (dict(core="gru"), "core: expected one of"),
    (dict(T=1), "T: expected an int >= 2"),
    (dict(steps=0), "steps:"),
    (dict(batch=0), "batch:"),
    (dict(hidden=0), "hidden:"),
    (dict(eval_every=0), "eval_every:"),
    (dict(lr=-1.0), "lr: expected a positive"),
    (dict(rng=None), "rng: expected an np.random.Generator"),
    (dict(progress=3), "progress: expected a callable"),
    (dict(clip=0.0), "clip: expected None or a positive finite number"),
    (dict(clip="1"), "clip:"),
    (dict(lr="0.1"), "lr:"),
])
def test_train_adding_bad_input(kwargs, match):
    args = dict(core="lstm", T=5, rng=make_rng(0), steps=2, batch=2, hidden=2, eval_every=1, eval_size=5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        train_adding(**args)


def test_training_clips_by_global_norm_and_records_the_norm(monkeypatch):
    seen = []
    real_clip = tasks.clip_grad_norm

    def spy(grads, max_norm):
        clipped, total = real_clip(grads, max_norm)
        seen.append((max_norm, total, np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in clipped.values()))))
        return clipped, total

    monkeypatch.setattr(tasks, "clip_grad_norm", spy)
    result = train_adding("rnn", 6, make_rng(5), steps=4, batch=8, hidden=4, eval_every=2, eval_size=10,
                          clip=1e-3, dtype=np.float64)
    assert len(seen) == 4 and all(m == 1e-3 for m, _, _ in seen)
    np.testing.assert_allclose(result.grad_norm, [total for _, total, _ in seen], rtol=1e-12)
    assert all(after <= 1e-3 * (1 + 1e-9) for _, _, after in seen)
    assert np.all(result.grad_norm > 1e-3)  # so every step was really clipped
    seen.clear()
    train_adding("rnn", 6, make_rng(5), steps=4, batch=8, hidden=4, eval_every=2, eval_size=10)
    assert seen == []  # clip=None: no clipping


def test_training_reports_the_mean_predictor_baseline_of_its_heldout_set():
    result = train_adding("rnn", 4, make_rng(6), steps=1, batch=2, hidden=2, eval_every=1, eval_size=50_000)
    assert abs(result.baseline_mse - 2 / 12) < 5e-3
    assert result.config["eval_size"] == 50_000 and result.seconds > 0


def test_heldout_score_is_the_mse_on_the_heldout_set():
    """The held-out set is the first draw from the data generator (see train_adding's docstring); it is
    scored in pieces, and must give the plain MSE over all of it (600 = 250 + 250 + 100 sequences)."""
    result = train_adding("lstm", 5, make_rng(8), steps=2, batch=4, hidden=3, eval_every=1, eval_size=600,
                          dtype=np.float64)
    _, data_seed = make_rng(8).integers(0, 2 ** 63, size=2)
    x_val, y_val = make_adding_problem(5, 600, np.random.default_rng(data_seed))
    expected = mean_squared_error(regressor_forward(result.params, x_val)[0], y_val)[0]
    assert result.final_mse == pytest.approx(expected, rel=1e-12)
    assert result.baseline_mse == pytest.approx(np.mean((y_val - 1.0) ** 2), rel=1e-12)
