"""Time helpers.lstm.forward + helpers.lstm.backward (no peepholes), and torch.nn.LSTM when installed.

Usage: python benchmarks/bench_lstm.py [--repeats 30]

Shape (T, N, D, H) = (50, 32, 64, 128), float64 and float32; prints medians and, with PyTorch importable,
the ratio NumPy / PyTorch. PyTorch is never required by the course.
"""
from __future__ import annotations

from common import D, H, N, T, run
from helpers import lstm


def numpy_case(dtype, rng):
    params = lstm.init_params(D, H, rng, peepholes=False, dtype=dtype)
    x = rng.standard_normal((T, N, D)).astype(dtype)  # (T, N, D)
    dy = rng.standard_normal((T, N, H)).astype(dtype)  # (T, N, H)

    def step():
        y, cache = lstm.forward(params, x)
        lstm.backward(dy, cache)
    return step


if __name__ == "__main__":
    run(__doc__.splitlines()[0], "helpers.lstm", "torch.nn.LSTM", numpy_case,
        lambda torch: torch.nn.LSTM(D, H, batch_first=False))
