"""Shared timing code for the benchmark scripts: medians of repeated runs, and the NumPy-vs-PyTorch table."""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from helpers.seeding import make_rng

T, N, D, H = 50, 32, 64, 128  # the benchmark shape (T, N, D, H)


def median_time(fn, repeats: int, warmup: int = 3) -> float:
    """Median wall-clock seconds of ``fn()`` over ``repeats`` runs, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_step(torch, module, dtype, rng):
    """forward + backward of a torch recurrent module on random (T, N, D) input with a random upstream gradient."""
    tdtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
    model = module.to(tdtype)
    x = torch.tensor(rng.standard_normal((T, N, D)), dtype=tdtype, requires_grad=True)
    dout = torch.tensor(rng.standard_normal((T, N, H)), dtype=tdtype)

    def step():
        model.zero_grad(set_to_none=True)
        x.grad = None
        out, _ = model(x)
        out.backward(dout)
    return step


def run(description: str, ours: str, theirs: str, numpy_case, torch_module) -> None:
    """Parse --repeats, then print medians for float64 and float32 and, if PyTorch imports, the ratio.

    numpy_case(dtype, rng) -> a callable running one forward + backward of the helpers implementation;
    torch_module(torch) -> the equivalent torch module (float32, to be converted).
    """
    parser = argparse.ArgumentParser(description=description)
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
        line = f"{np.dtype(dtype).name:>8}: {ours} {t_np * 1e3:7.2f} ms"
        if torch is not None:
            t_torch = median_time(torch_step(torch, torch_module(torch), dtype, rng), args.repeats)
            line += f"   {theirs} {t_torch * 1e3:7.2f} ms   ratio numpy/torch {t_np / t_torch:5.2f}"
        print(line)
