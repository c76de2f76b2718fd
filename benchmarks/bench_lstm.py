"""Time helpers.lstm.forward + helpers.lstm.backward (no peepholes), and torch.nn.LSTM when installed.

Usage: python benchmarks/bench_lstm.py [--repeats 30]

Shape (T, N, D, H) = (50, 32, 64, 128), float64 and float32; prints medians and, with PyTorch importable,
the ratio NumPy / PyTorch. PyTorch is never required by the course.
"""
from __future__ import annotations

import argparse
import os
import platform

import numpy as np

from bench_rnn import median_time
from helpers import lstm
from helpers.seeding import make_rng

T, N, D, H = 50, 32, 64, 128


def numpy_case(dtype, rng):
    params = lstm.init_params(D, H, rng, peepholes=False, dtype=dtype)
    x = rng.standard_normal((T, N, D)).astype(dtype)  # (T, N, D)
    dy = rng.standard_normal((T, N, H)).astype(dtype)  # (T, N, H)

    def step():
        y, cache = lstm.forward(params, x)
        lstm.backward(dy, cache)
    return step


def torch_case(torch, dtype, rng):
    tdtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
    model = torch.nn.LSTM(D, H, batch_first=False).to(tdtype)
    x = torch.tensor(rng.standard_normal((T, N, D)), dtype=tdtype, requires_grad=True)
    dy = torch.tensor(rng.standard_normal((T, N, H)), dtype=tdtype)

    def step():
        model.zero_grad(set_to_none=True)
        x.grad = None
        y, _ = model(x)
        y.backward(dy)
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    print(f"(T, N, D, H) = ({T}, {N}, {D}, {H}), no peepholes; median of {args.repeats} runs of forward + backward")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; numpy {np.__version__}"
          + (f"; torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "; torch not installed"))
    rng = make_rng(0)
    for dtype in (np.float64, np.float32):
        t_np = median_time(numpy_case(dtype, rng), args.repeats)
        line = f"{np.dtype(dtype).name:>8}: helpers.lstm {t_np * 1e3:7.2f} ms"
        if torch is not None:
            t_torch = median_time(torch_case(torch, dtype, rng), args.repeats)
            line += f"   torch.nn.LSTM {t_torch * 1e3:7.2f} ms   ratio numpy/torch {t_np / t_torch:5.2f}"
        print(line)


if __name__ == "__main__":
    main()
