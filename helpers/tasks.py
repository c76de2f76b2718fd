"""Long-lag tasks and a small training loop: the adding problem, where a simple RNN fails and an LSTM succeeds.

The adding problem (Hochreiter & Schmidhuber 1997, experiment 4; in the form of Le, Jaitly & Hinton 2015)
-------------------
Every sequence has T steps and two input channels:

x[t, n, 0]  a random number, uniform in [0, 1)
x[t, n, 1]  a marker: 1 at exactly two steps, 0 elsewhere; the first marked step lies in the first half
            (t < T // 2), the second in the second half (t >= T // 2)
y[n, 0]     the target: the sum of the two marked numbers, in [0, 2)

The network must read all T steps, remember two numbers until the end, ignore everything else, and output
their sum. Predicting the constant E[y] = 1 instead gives a mean squared error of
Var(u_1 + u_2) = 2 * Var(U(0, 1)) = 2 / 12 = 1/6 ~= 0.167: the score of a network that learned nothing
about the markers. (The original differs in details: numbers in [-1, 1], lengths varying between T and
1.1 T, one marker among the first ten steps and the other among the first T/2 - 1, and the target scaled to
0.5 + (X_1 + X_2) / 4. Le et al.'s version above is the one common today.)

Many-to-one regressor
---------------------
A recurrent core (the simple RNN of :mod:`helpers.rnn` or the LSTM of :mod:`helpers.lstm`) reads the
whole sequence from a zero initial state; a dense output layer reads only its last hidden state:

x       (T, N, D)  inputs (D = 2 for the adding problem)
h_{T-1} (N, H)     the core's last hidden state (for the LSTM its block output y_{T-1})
V       (K, H)     output weights     c (K,) output bias (Goodfellow's c; not the LSTM's cell state)
yhat    (N, K)     yhat = c + V h_{T-1}                       (helpers.rnn.output_forward)
L                  L = mean over entries of (yhat - y)^2      (helpers.losses.mean_squared_error)

The loss reaches the parameters only through h_{T-1}; in BPTT the error enters at the last step and has to
travel back to the step of each marker — about T/2 to T steps for the first one.

Parameters are one dict: the core's keys ("U", "W", "b" for the RNN; "W_z" ... "b_o" for the LSTM) plus
"V" (K, H) and "c" (K,). The core is recognised from the keys.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from . import lstm, rnn
from .losses import mean_squared_error
from .optim import adam_init, adam_step, clip_grad_norm
from .seeding import check_rng
from .shapes import check_array, check_choice, check_float_dtype, check_int, check_real

__all__ = ["CORES", "MEAN_PREDICTOR_MSE", "make_adding_problem", "init_regressor", "core_of",
           "regressor_forward", "regressor_backward", "RegressorCache", "train_adding", "AddingResult"]

CORES = ("rnn", "lstm")
MEAN_PREDICTOR_MSE = 1.0 / 6.0  # Var(u_1 + u_2) for two independent U(0, 1) numbers: 2 * 1/12
_EVAL_CHUNK = 250  # held-out sequences scored per forward pass


def _check_core(core):
    return check_choice("core", core, CORES)


# --------------------------------------------------------------------------- the data

def make_adding_problem(T: int, N: int, rng: np.random.Generator, dtype=np.float64):
    """N sequences of the adding problem, each T steps long (see the module docstring).

    Inputs:  T >= 2 steps (both halves must hold a marker); N >= 1 sequences; rng; dtype (float)
    Returns: x (T, N, 2): channel 0 numbers in [0, 1), channel 1 the two markers;
             y (N, 1): the sum of the two marked numbers
    """
    T = check_int("T", T, minimum=2)
    N = check_int("N", N)
    check_rng(rng)
    dtype = check_float_dtype(dtype)
    half = T // 2
    values = rng.random((T, N))  # (T, N): U[0, 1)
    first = rng.integers(0, half, size=N)  # (N,): a step in the first half
    second = rng.integers(half, T, size=N)  # (N,): a step in the second half
    cols = np.arange(N)  # (N,)
    markers = np.zeros((T, N))  # (T, N)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    x = np.stack([values, markers], axis=-1).astype(dtype)  # (T, N, 2)
    y = (values[first, cols] + values[second, cols])[:, None].astype(dtype)  # (N, 1)
    return x, y


# --------------------------------------------------------------------------- the many-to-one regressor

def core_of(params) -> str:
    """'rnn' or 'lstm', recognised from the parameter keys; ValueError for anything else."""
    if not isinstance(params, dict):
        raise ValueError(f"params: expected a dict of arrays, got {type(params).__name__}")
    if "V" not in params or "c" not in params:
        raise ValueError(f"params: missing the output layer keys 'V' and 'c'; got keys {sorted(params)}")
    keys = set(params) - {"V", "c"}
    if keys == set(rnn.PARAM_SPECS):
        return "rnn"
    if "W_z" in keys:
        return "lstm"
    raise ValueError(f"params: expected the keys of a simple RNN {sorted(rnn.PARAM_SPECS)} or of an LSTM "
                     f"(W_z ... b_o), plus 'V' and 'c'; got {sorted(params)}")


def _split(params):
    core = core_of(params)
    core_params = {k: v for k, v in params.items() if k not in ("V", "c")}
    return core, core_params, {"V": params["V"], "c": params["c"]}


def init_regressor(core: str, input_size: int, hidden_size: int, rng: np.random.Generator,
                   output_size: int = 1, forget_bias: float = 1.0, weight_scale: float = 1.0,
                   dtype=np.float64) -> dict:
    """Parameters of a many-to-one regressor: the core's (helpers.rnn / helpers.lstm init_params) + V, c.

    core "rnn":  U ~ N(0, 1/D), W ~ N(0, weight_scale^2 / H), b = 0 (weight_scale 1: spectral radius ~ 1);
                 forget_bias is not used
    core "lstm": no peepholes, forget-gate bias b_f = forget_bias (1.0 keeps the cell open at the start);
                 weight_scale is not used
    output:      V ~ N(0, 1/H), c = 0

    Returns: dict with the core's keys and "V" (K, H), "c" (K,)
    """
    _check_core(core)
    check_real("forget_bias", forget_bias, minimum=None)  # checked even where unused: a typo should not pass
    check_real("weight_scale", weight_scale, inclusive=True, what="a finite non-negative number")
    if core == "rnn":
        params = rnn.init_params(input_size, hidden_size, rng, weight_scale=weight_scale, dtype=dtype)
    else:
        params = lstm.init_params(input_size, hidden_size, rng, peepholes=False, forget_bias=forget_bias,
                                  dtype=dtype)
    return {**params, **rnn.init_output_params(hidden_size, output_size, rng, dtype=dtype)}


class RegressorCache(NamedTuple):
    """What :func:`regressor_backward` needs: which core, its cache, the output layer's cache."""

    core: str
    core_cache: tuple   # rnn.RNNCache or lstm.LSTMCache
    out_cache: tuple    # rnn.OutputCache


def regressor_forward(params: dict, x):
    """Read the whole sequence, predict from the last hidden state: yhat = c + V h_{T-1}.

    Inputs:  params (core keys + "V", "c"); x (T, N, D)
    Returns: yhat (N, K); RegressorCache
    """
    core, core_params, out_params = _split(params)
    x = check_array("x", x, ("T", "N", None))
    module = rnn if core == "rnn" else lstm
    h, core_cache = module.forward(core_params, x)  # (T, N, H)
    yhat, out_cache = rnn.output_forward(out_params, h[-1])  # (N, K)
    return yhat, RegressorCache(core, core_cache, out_cache)


def regressor_backward(dyhat, cache: RegressorCache):
    """Backward of :func:`regressor_forward`: the error enters at the last step only, then BPTT.

    Inputs:  dyhat (N, K) = dL/dyhat; RegressorCache
    Returns: dx (T, N, D); grads keyed like params
    """
    if not isinstance(cache, RegressorCache):
        raise ValueError(f"cache: expected the RegressorCache returned by regressor_forward, "
                         f"got {type(cache).__name__}")
    N, K = cache.out_cache.h.shape[0], cache.out_cache.V.shape[0]
    dyhat = check_array("dyhat", dyhat, (N, K))
    dh_last, grads_out = rnn.output_backward(dyhat, cache.out_cache)  # (N, H)
    h_all = cache.core_cache.h if cache.core == "rnn" else cache.core_cache.y  # (T, N, H)
    dh = np.zeros_like(h_all, dtype=np.result_type(h_all, dh_last))  # (T, N, H): no error before T-1
    dh[-1] = dh_last
    if cache.core == "rnn":
        dx, _, grads_core = rnn.backward(dh, cache.core_cache)
    else:
        dx, _, _, grads_core = lstm.backward(dh, cache.core_cache)
    return dx, {**grads_core, **grads_out}


# --------------------------------------------------------------------------- training

@dataclass
class AddingResult:
    """The record of one :func:`train_adding` run.

    Attributes:
      core, T:          which network, how long the sequences
      steps_evaluated:  (n,) the training steps at which the held-out set was scored (0 = before training)
      train_mse:        (steps,) the mini-batch MSE of every training step
      grad_norm:        (steps,) the global norm of every step's gradient (before clipping)
      heldout_mse:      (n,) the held-out MSE at each of steps_evaluated
      final_mse:        the held-out MSE after the last step
      baseline_mse:     the held-out MSE of always predicting E[y] = 1 (about 1/6: what learning nothing scores)
      params:           the trained parameters
      seconds:          wall-clock time of the whole run, evaluations included (machine-dependent)
      config:           the arguments of the run
    """

    core: str
    T: int
    steps_evaluated: np.ndarray
    train_mse: np.ndarray
    grad_norm: np.ndarray
    heldout_mse: np.ndarray
    final_mse: float
    baseline_mse: float
    params: dict
    seconds: float
    config: dict = field(default_factory=dict)


def train_adding(core: str, T: int, rng: np.random.Generator, steps: int = 1000, batch: int = 32,
                 lr: float = 1e-2, hidden: int = 16, eval_every: int = 50, eval_size: int = 1000,
                 forget_bias: float = 1.0, weight_scale: float = 1.0, clip: float | None = None,
                 dtype=np.float32, progress: Callable | None = None) -> AddingResult:
    """Train a many-to-one regressor on the adding problem with Adam, and score it on held-out sequences.

    Randomness: two child generators are drawn from ``rng``, one for the initial parameters and one for the
    data (the held-out set first, then one fresh batch per step). Two runs started from generators with the
    same seed therefore see exactly the same sequences, whatever their core.

    Inputs:
      core:        "rnn" or "lstm"
      T:           sequence length (>= 2)
      rng:         np.random.Generator
      steps, batch, lr: number of Adam steps, sequences per step, learning rate
      hidden:      H, the number of hidden units
      eval_every:  score the held-out set every this many steps (and before the first and after the last)
      eval_size:   number of held-out sequences
      forget_bias, weight_scale: passed to :func:`init_regressor`
      clip:        None, or a threshold for clipping the gradient by its global norm before each update
                   (helpers.optim.clip_grad_norm)
      dtype:       float32 (about twice as fast) or float64
      progress:    optional callable ``progress(step, train_mse=..., heldout_mse=...)``, called at every
                   evaluation (e.g. a helpers.widgets.ProgressDisplay's ``update``)
    Returns:
      AddingResult
    """
    _check_core(core)
    T = check_int("T", T, minimum=2)
    check_rng(rng)
    steps = check_int("steps", steps)
    batch = check_int("batch", batch)
    hidden = check_int("hidden", hidden)
    eval_every = check_int("eval_every", eval_every)
    eval_size = check_int("eval_size", eval_size)
    check_real("lr", lr, what="a positive learning rate")
    check_real("clip", clip, allow_none=True)
    if progress is not None and not callable(progress):
        raise ValueError(f"progress: expected a callable or None, got {type(progress).__name__}")
    start = time.perf_counter()
    init_rng, data_rng = (np.random.default_rng(s) for s in rng.integers(0, 2 ** 63, size=2))
    params = init_regressor(core, 2, hidden, init_rng, forget_bias=forget_bias, weight_scale=weight_scale,
                            dtype=dtype)
    x_val, y_val = make_adding_problem(T, eval_size, data_rng, dtype=dtype)  # (T, M, 2), (M, 1)
    baseline = float(np.mean((y_val.astype(np.float64) - 1.0) ** 2))  # predicting E[y] = 1 for every sequence

    def heldout():
        # scored in pieces of _EVAL_CHUNK sequences: the same mean, with small matrix products (a BLAS library
        # runs large ones on several threads, which is slow when the machine is busy with other work)
        total = 0.0
        for i in range(0, eval_size, _EVAL_CHUNK):
            yhat, _ = regressor_forward(params, x_val[:, i:i + _EVAL_CHUNK])  # (chunk, 1)
            total += float(np.sum((yhat.astype(np.float64) - y_val[i:i + _EVAL_CHUNK]) ** 2))
        return total / y_val.size

    state = adam_init(params)
    evaluated, scores = [0], [heldout()]
    train = np.empty(steps)  # (steps,)
    norms = np.empty(steps)  # (steps,)
    for step in range(1, steps + 1):
        x, y = make_adding_problem(T, batch, data_rng, dtype=dtype)  # (T, B, 2), (B, 1)
        yhat, cache = regressor_forward(params, x)  # (B, 1)
        loss, dyhat = mean_squared_error(yhat, y)
        _, grads = regressor_backward(dyhat, cache)
        norms[step - 1] = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values()))
        if clip is not None:
            grads, _ = clip_grad_norm(grads, clip)
        params, state = adam_step(params, grads, state, lr=lr)
        train[step - 1] = loss
        if step % eval_every == 0 or step == steps:
            evaluated.append(step)
            scores.append(heldout())
            if progress is not None:
                progress(step, train_mse=float(np.mean(train[max(0, step - eval_every):step])),
                         heldout_mse=scores[-1])
    seconds = time.perf_counter() - start
    config = dict(steps=steps, batch=batch, lr=lr, hidden=hidden, eval_every=eval_every,
                  eval_size=eval_size, forget_bias=forget_bias, weight_scale=weight_scale, clip=clip,
                  dtype=np.dtype(dtype).name)
    return AddingResult(core=core, T=T, steps_evaluated=np.array(evaluated), train_mse=train, grad_norm=norms,
                        heldout_mse=np.array(scores), final_mse=float(scores[-1]), baseline_mse=baseline,
                        params=params, seconds=seconds, config=config)
