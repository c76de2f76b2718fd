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


def median_times(fns, repeats: int, block: int = 5) -> list[float]:
    """Median wall-clock seconds of each ``fn()`` in ``fns`` over ``repeats`` timed runs.

    The functions take turns in blocks of ``block`` timed runs, each block after one untimed run: a slow
    spell of the machine (other processes, frequency changes) then falls on all of them alike, and
    their ratio stays meaningful. Blocks rather than single runs, because the thread pools of NumPy's
    BLAS and of PyTorch keep spinning for a moment after each call and would slow each other down.
    """
    times = [[] for _ in fns]
    while len(times[0]) < repeats:
        for fn, ts in zip(fns, times):
            fn()  # untimed: lets the other library's threads go to sleep, warms the caches
            for _ in range(min(block, repeats - len(ts))):
                start = time.perf_counter()
                fn()
                ts.append(time.perf_counter() - start)
    return [statistics.median(ts) for ts in times]


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
    print(f"(T, N, D, H) = ({T}, {N}, {D}, {H}); median of {args.repeats} runs of forward + backward"
          + (" (the two take turns in blocks of 5)" if torch else ""))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; numpy {np.__version__}"
          + (f"; torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "; torch not installed"))
    rng = make_rng(0)
    for dtype in (np.float64, np.float32):
        fns = [numpy_case(dtype, rng)]
        if torch is not None:
            fns.append(torch_step(torch, torch_module(torch), dtype, rng))
        t_np, *t_torch = median_times(fns, args.repeats)
        line = f"{np.dtype(dtype).name:>8}: {ours} {t_np * 1e3:7.2f} ms"
        if t_torch:
            line += f"   {theirs} {t_torch[0] * 1e3:7.2f} ms   ratio numpy/torch {t_np / t_torch[0]:5.2f}"
        print(line)
