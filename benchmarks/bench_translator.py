"""Time one training step of the number-words translator (helpers.transformer), and of torch.nn.Transformer.

Usage: python benchmarks/bench_translator.py [--repeats 30]

One step is what helpers.translation.train_translator does per batch, minus make_batch: transformer_forward,
smoothed_cross_entropy, transformer_backward, adam_step (beta2 = 0.98, eps = 1e-9). The sizes are
train_translator's defaults (its TranslatorConfig()): d_model 64, 4 heads, d_ff 128, 2 encoder + 2 decoder
layers, pre-LN, batch 64, float32, label smoothing 0.1. The batches are real ones (random pairs of the training
split of the English -> German number words), made once before the timing; make_batch's own time is printed on
a line of its own.

If PyTorch is importable, the same model in PyTorch is timed in the same run, the two taking turns in blocks
of 5 steps: nn.Embedding * sqrt(d_model) + the same sinusoidal positional encoding, torch.nn.Transformer
(norm_first=True, dropout=0.0, activation="relu", batch_first=True; it ends each stack with a LayerNorm, like
the pre-LN model of helpers.transformer), nn.Linear output, CrossEntropyLoss(label_smoothing=0.1,
ignore_index=<pad>) and torch.optim.Adam(betas=(0.9, 0.98), eps=1e-9), with the same masks: causal target
mask, source and target key padding, source padding for the memory. It starts from the NumPy model's weights
and trains on the same batches. Before timing, the script checks that the two models have the same parameters
(count and shapes) and, in float64 on one batch, the same logits, loss and gradients. It prints the medians
and the ratio NumPy / PyTorch. PyTorch is never required by the course.
"""
from __future__ import annotations

import argparse
import ctypes
import glob
import itertools
import os
import platform
import statistics
import time
import warnings

import numpy as np

from common import median_times
from helpers import transformer as tf
from helpers.attention import positional_encoding
from helpers.gradcheck import rel_error
from helpers.optim import adam_init, adam_step, transformer_lr
from helpers.seeding import make_rng
from helpers.translation import (DE_VOCAB, EN_VOCAB, PAD, load_number_words, make_batch, smoothed_cross_entropy,
                                 TranslatorConfig)

CONFIG = TranslatorConfig()  # train_translator's defaults: d_model, h, batch, ...
POOL = 50         # distinct batches, used in turn by both models
MAX_LEN = 64      # rows of the torch model's positional-encoding table (the data's sequences are <= 10)
ADAM = dict(beta1=0.9, beta2=0.98, eps=1e-9)  # train_translator's Adam


def numpy_params(rng, dtype) -> dict:
    c = CONFIG
    params = tf.init_transformer(len(EN_VOCAB), len(DE_VOCAB), c.d_model, c.h, c.d_ff, c.n_layers, rng,
                                 norm=c.norm)
    return {k: v.astype(dtype) for k, v in params.items()}


def learning_rate(step: int) -> float:
    return CONFIG.lr_scale * transformer_lr(step, CONFIG.d_model, CONFIG.warmup)


def numpy_step(params: dict, batches: list, phases: dict, losses: list):
    """A callable doing one training step of helpers.transformer on the next batch of ``batches``."""
    c = CONFIG
    state = adam_init(params)
    batch_iter = itertools.cycle(batches)

    def step():
        nonlocal params, state
        b = next(batch_iter)
        t0 = time.perf_counter()
        logits, cache = tf.transformer_forward(params, b.src, b.tgt_in, c.h, b.src_lengths, b.tgt_lengths,
                                               c.norm)  # (N, T_tgt, V_tgt)
        t1 = time.perf_counter()
        loss, dlogits = smoothed_cross_entropy(logits, b.tgt_out, b.tgt_lengths, c.smoothing)
        t2 = time.perf_counter()
        grads = tf.transformer_backward(dlogits, cache)
        t3 = time.perf_counter()
        params, state = adam_step(params, grads, state, lr=learning_rate(state.step + 1), **ADAM)
        t4 = time.perf_counter()
        for name, dt in (("forward", t1 - t0), ("loss", t2 - t1), ("backward", t3 - t2), ("Adam", t4 - t3)):
            phases[name].append(dt)
        losses.append(loss)
    step.params = lambda: params
    return step


# --------------------------------------------------------------------------- the PyTorch twin

def torch_state(p: dict) -> dict:
    """A params (or grads) dict of helpers.transformer in the layout of :func:`torch_model`'s state_dict.

    helpers.transformer multiplies rows by matrices (x W); torch.nn.Linear and nn.MultiheadAttention store the
    transposed matrix (x W^T), the latter with W_q, W_k, W_v stacked into one in_proj_weight.
    """
    s = {"src_embed.weight": p["src_embed"], "tgt_embed.weight": p["tgt_embed"],
         "out.weight": p["out.W"].T, "out.bias": p["out.b"]}

    def mha(dst, src):
        s[f"{dst}.in_proj_weight"] = np.concatenate([p[f"{src}.W_{n}"].T for n in "qkv"])  # (3 d_model, d_model)
        s[f"{dst}.in_proj_bias"] = np.concatenate([p[f"{src}.b_{n}"] for n in "qkv"])  # (3 d_model,)
        s[f"{dst}.out_proj.weight"], s[f"{dst}.out_proj.bias"] = p[f"{src}.W_o"].T, p[f"{src}.b_o"]

    def ln(dst, src):
        s[f"{dst}.weight"], s[f"{dst}.bias"] = p[f"{src}.gamma"], p[f"{src}.beta"]

    def ffn(dst, src):
        s[f"{dst}.linear1.weight"], s[f"{dst}.linear1.bias"] = p[f"{src}.W_1"].T, p[f"{src}.b_1"]
        s[f"{dst}.linear2.weight"], s[f"{dst}.linear2.bias"] = p[f"{src}.W_2"].T, p[f"{src}.b_2"]

    for l in range(CONFIG.n_layers):
        t, o = f"transformer.encoder.layers.{l}", f"enc.{l}"
        mha(f"{t}.self_attn", f"{o}.self_attn"), ln(f"{t}.norm1", f"{o}.ln1")
        ffn(t, f"{o}.ffn"), ln(f"{t}.norm2", f"{o}.ln2")
        t, o = f"transformer.decoder.layers.{l}", f"dec.{l}"
        mha(f"{t}.self_attn", f"{o}.self_attn"), ln(f"{t}.norm1", f"{o}.ln1")
        mha(f"{t}.multihead_attn", f"{o}.cross_attn"), ln(f"{t}.norm2", f"{o}.ln2")
        ffn(t, f"{o}.ffn"), ln(f"{t}.norm3", f"{o}.ln3")
    ln("transformer.encoder.norm", "enc.ln")
    ln("transformer.decoder.norm", "dec.ln")
    return s


def torch_model(torch, params: dict):
    """The torch model, with the weights of ``params`` (load_state_dict is strict: every key and shape must fit)."""
    c = CONFIG
    nn = torch.nn
    if c.norm != "pre":
        raise ValueError(f"norm: the torch twin is built for train_translator's norm='pre', got {c.norm!r}")

    class Translator(nn.Module):
        def __init__(self):
            super().__init__()
            d = c.d_model
            self.scale = float(np.sqrt(d))
            self.src_embed = nn.Embedding(len(EN_VOCAB), d)
            self.tgt_embed = nn.Embedding(len(DE_VOCAB), d)
            with warnings.catch_warnings():  # "enable_nested_tensor is True, but ... norm_first was True"
                warnings.simplefilter("ignore", UserWarning)
                self.transformer = nn.Transformer(d, c.h, c.n_layers, c.n_layers, c.d_ff, dropout=0.0,
                                                  activation="relu", batch_first=True, norm_first=True)
            self.out = nn.Linear(d, len(DE_VOCAB))
            pe = torch.from_numpy(positional_encoding(MAX_LEN, d))  # (MAX_LEN, d_model)
            self.register_buffer("pe", pe, persistent=False)

        def forward(self, src, tgt_in, src_lengths, tgt_lengths):
            T_src, T_tgt = src.shape[1], tgt_in.shape[1]
            src_pad = torch.arange(T_src)[None, :] >= src_lengths[:, None]  # (N, T_src), True = padding
            tgt_pad = torch.arange(T_tgt)[None, :] >= tgt_lengths[:, None]  # (N, T_tgt)
            causal = torch.ones(T_tgt, T_tgt, dtype=torch.bool).triu(1)  # (T_tgt, T_tgt), True = future: masked
            x = self.src_embed(src) * self.scale + self.pe[:T_src]  # (N, T_src, d_model)
            y = self.tgt_embed(tgt_in) * self.scale + self.pe[:T_tgt]  # (N, T_tgt, d_model)
            features = self.transformer(x, y, tgt_mask=causal, src_key_padding_mask=src_pad,
                                        tgt_key_padding_mask=tgt_pad,
                                        memory_key_padding_mask=src_pad)  # (N, T_tgt, d_model)
            return self.out(features)  # (N, T_tgt, V_tgt)

    model = Translator().to({np.dtype(np.float32): torch.float32,
                             np.dtype(np.float64): torch.float64}[next(iter(params.values())).dtype])
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in torch_state(params).items()})
    return model


def torch_batch(torch, b):
    return tuple(torch.from_numpy(a) for a in (b.src, b.tgt_in, b.src_lengths, b.tgt_lengths, b.tgt_out))


def torch_loss(torch, model, tb):
    src, tgt_in, src_lengths, tgt_lengths, tgt_out = tb
    logits = model(src, tgt_in, src_lengths, tgt_lengths)  # (N, T_tgt, V_tgt)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=CONFIG.smoothing, ignore_index=PAD)
    return logits, loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))


def torch_step(torch, model, batches: list, phases: dict, losses: list):
    """A callable doing one training step of the torch model on the next batch of ``batches``."""
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate(1), betas=(ADAM["beta1"], ADAM["beta2"]),
                                 eps=ADAM["eps"])
    batch_iter = itertools.cycle([torch_batch(torch, b) for b in batches])
    steps = itertools.count(1)

    def step():
        tb = next(batch_iter)
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        _, loss = torch_loss(torch, model, tb)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(next(steps))
        optimizer.step()
        t3 = time.perf_counter()
        for name, dt in (("forward + loss", t1 - t0), ("backward", t2 - t1), ("Adam", t3 - t2)):
            phases[name].append(dt)
        losses.append(loss.item())
    return step


def check_same_model(torch, batch) -> str:
    """Both models in float64 with the same weights on one batch: the differences of logits, loss, gradients."""
    c = CONFIG
    params = numpy_params(make_rng(1), np.float64)
    logits, cache = tf.transformer_forward(params, batch.src, batch.tgt_in, c.h, batch.src_lengths,
                                           batch.tgt_lengths, c.norm)  # (N, T_tgt, V_tgt)
    loss, dlogits = smoothed_cross_entropy(logits, batch.tgt_out, batch.tgt_lengths, c.smoothing)
    grads = torch_state(tf.transformer_backward(dlogits, cache))
    model = torch_model(torch, params)
    t_logits, t_loss = torch_loss(torch, model, torch_batch(torch, batch))
    t_loss.backward()
    t_grads = {name: p.grad.numpy() for name, p in model.named_parameters()}
    if set(t_grads) != set(grads):
        raise AssertionError(f"the two models' parameters differ: {sorted(set(t_grads) ^ set(grads))}")
    worst = max(grads, key=lambda k: rel_error(grads[k], t_grads[k]))
    result = (f"max |logits difference| {np.abs(logits - t_logits.detach().numpy()).max():.1e}, "
              f"|loss difference| {abs(loss - t_loss.item()):.1e}, largest gradient relative error "
              f"{rel_error(grads[worst], t_grads[worst]):.1e} ({worst})")
    if not (np.allclose(logits, t_logits.detach().numpy(), atol=1e-9) and abs(loss - t_loss.item()) < 1e-9
            and rel_error(grads[worst], t_grads[worst]) < 1e-9):
        raise AssertionError("the torch model does not compute what helpers.transformer computes: " + result)
    return result


# --------------------------------------------------------------------------- reporting

def openblas_threads() -> str:
    """The number of threads NumPy's OpenBLAS uses (asked from the library if it can be found)."""
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libs, "*openblas*")):
        lib = ctypes.CDLL(path)
        for symbol in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                       "openblas_get_num_threads"):
            if hasattr(lib, symbol):
                return f"OpenBLAS threads: {getattr(lib, symbol)()}"
    return f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"


def phase_line(name: str, phases: dict) -> str:
    parts = ", ".join(f"{k} {statistics.median(v) * 1e3:.2f}" for k, v in phases.items())
    return f"  {name} per phase (ms, median of all steps): {parts}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    c = CONFIG
    dtype = np.dtype(c.dtype).type
    print(f"Transformer training step (forward + loss + backward + Adam) at train_translator's defaults: "
          f"d_model {c.d_model}, {c.h} heads, d_ff {c.d_ff}, {c.n_layers} + {c.n_layers} layers, "
          f"{c.norm}-LN, batch {c.batch}, {np.dtype(dtype).name}, label smoothing {c.smoothing}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; python {platform.python_version()}; "
          f"numpy {np.__version__} ({openblas_threads()})"
          + (f"; torch {torch.__version__} (threads: {torch.get_num_threads()})" if torch else "; torch not installed"))

    rng = make_rng(0)
    train = load_number_words()["train"]
    indices = [rng.integers(0, len(train.numbers), size=c.batch) for _ in range(POOL)]
    make_times = []
    batches = []
    for index in indices:
        start = time.perf_counter()
        batches.append(make_batch(train, index))
        make_times.append(time.perf_counter() - start)
    src_T = sorted({b.src.shape[1] for b in batches})
    tgt_T = sorted({b.tgt_in.shape[1] for b in batches})
    print(f"data: {POOL} random batches of the training split, used in turn (T_src {src_T}, T_tgt {tgt_T}); "
          f"make_batch {statistics.median(make_times) * 1e3:.2f} ms (not in the times below)")

    params = numpy_params(make_rng(1), dtype)
    n_numpy = sum(v.size for v in params.values())
    np_phases = {k: [] for k in ("forward", "loss", "backward", "Adam")}
    np_losses = []
    fns = [numpy_step(params, batches, np_phases, np_losses)]
    line = f"parameters: helpers.transformer {n_numpy:,}"
    if torch is not None:
        model = torch_model(torch, params)
        n_torch = sum(p.numel() for p in model.parameters())
        line += f", torch model {n_torch:,}" + (" (equal)" if n_torch == n_numpy else "")
        print(line)
        if n_torch != n_numpy:
            raise AssertionError(f"parameter counts differ: {n_numpy} (numpy) vs {n_torch} (torch)")
        print(f"same model (float64, same weights, one batch): {check_same_model(torch, batches[0])}")
        t_phases = {k: [] for k in ("forward + loss", "backward", "Adam")}
        t_losses = []
        fns.append(torch_step(torch, model, batches, t_phases, t_losses))
    else:
        print(line)

    t_np, *t_torch = median_times(fns, args.repeats)
    print(f"median of {args.repeats} steps" + (" (the two take turns in blocks of 5)" if torch else ""))
    if any(v.dtype != dtype for v in fns[0].params().values()):
        raise AssertionError(f"the NumPy parameters left {np.dtype(dtype).name} during training")
    line = f"{np.dtype(dtype).name:>8}: helpers.transformer {t_np * 1e3:7.2f} ms"
    if t_torch:
        line += f"   torch.nn.Transformer {t_torch[0] * 1e3:7.2f} ms   ratio numpy/torch {t_np / t_torch[0]:5.2f}"
    print(line)
    print(phase_line("helpers.transformer", np_phases))
    if torch is not None:
        print(phase_line("torch.nn.Transformer", t_phases))
        print(f"  loss after {len(np_losses)} steps on the same batches: helpers.transformer {np_losses[-1]:.4f}, "
              f"torch {t_losses[-1]:.4f}")


if __name__ == "__main__":
    main()
