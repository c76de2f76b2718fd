"""Time helpers.rnn.forward + helpers.rnn.backward, and torch.nn.RNN when PyTorch is installed.

Usage: python benchmarks/bench_rnn.py [--repeats 30]

Shape (T, N, D, H) = (50, 32, 64, 128), in float64 and float32. Prints the median time of one forward +
backward pass for each; if PyTorch is importable, times torch.nn.RNN (tanh, time-major) doing the same work
in the same run and prints the ratio NumPy / PyTorch. PyTorch is never required by the course.
"""
from __future__ import annotations

from common import D, H, N, T, run
from helpers import rnn


def numpy_case(dtype, rng):
    params = rnn.init_params(D, H, rng, dtype=dtype)
    x = rng.standard_normal((T, N, D)).astype(dtype)  # (T, N, D)
    dh = rng.standard_normal((T, N, H)).astype(dtype)  # (T, N, H)

    def step():
        h, cache = rnn.forward(params, x)
        rnn.backward(dh, cache)
    return step


if __name__ == "__main__":
    run(__doc__.splitlines()[0], "helpers.rnn", "torch.nn.RNN", numpy_case,
        lambda torch: torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=False))
