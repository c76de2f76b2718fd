"""Time helpers.rnn.forward + helpers.rnn.backward, and torch.nn.RNN when PyTorch is installed.

Usage: python benchmarks/bench_rnn.py [--repeats 30] [--threads N]

Shape (T, N, D, H) = (50, 32, 64, 128), in float64 and float32. Prints the median time of one forward +
backward pass for each; if PyTorch is importable, times torch.nn.RNN (tanh, batch_first=False) doing the
same work in the same run and prints the ratio NumPy / PyTorch. PyTorch is never required by the course.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from helpers import rnn
from helpers.seeding import make_rng

T, N, D, H = 50, 32, 64, 128


def median_time(fn, repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numpy_case(dtype, rng):
    params = rnn.init_params(D, H, rng, dtype=dtype)
    x = rng.standard_normal((T, N, D)).astype(dtype)  # (T, N, D)
    dh = rng.standard_normal((T, N, H)).astype(dtype)  # (T, N, H)

    def step():
        h, cache = rnn.forward(params, x)
        rnn.backward(dh, cache)
    return step


def torch_case(torch, dtype, rng):
    tdtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
    model = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=False).to(tdtype)
    x = torch.tensor(rng.standard_normal((T, N, D)), dtype=tdtype, requires_grad=True)
    dh = torch.tensor(rng.standard_normal((T, N, H)), dtype=tdtype)

    def step():
        model.zero_grad(set_to_none=True)
        x.grad = None
        h, _ = model(x)
        h.backward(dh)
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    print(f"(T, N, D, H) = ({T}, {N}, {D}, {H}); median of {args.repeats} runs of forward + backward")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; numpy {np.__version__}"
          + (f"; torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "; torch not installed"))
    rng = make_rng(0)
    for dtype in (np.float64, np.float32):
        t_np = median_time(numpy_case(dtype, rng), args.repeats)
        line = f"{np.dtype(dtype).name:>8}: helpers.rnn {t_np * 1e3:7.2f} ms"
        if torch is not None:
            t_torch = median_time(torch_case(torch, dtype, rng), args.repeats)
            line += f"   torch.nn.RNN {t_torch * 1e3:7.2f} ms   ratio numpy/torch {t_np / t_torch:5.2f}"
        print(line)


if __name__ == "__main__":
    main()
