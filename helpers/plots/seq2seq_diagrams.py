"""Notebook 08: the encoder-decoder without and with attention, drawn with the tensor shapes of a real forward pass.

:func:`draw_seq2seq` runs :func:`helpers.seq2seq.seq2seq_forward` on the batch it is given and writes the shape of
every tensor that travels along an arrow, read from that pass's arrays: the one-hot inputs (N, V), the encoder
outputs h_j and decoder states s_t (N, H), the memory (N, S, H), the context vectors c_t (N, H), the output layer's
h~_t (N, C) and the output probabilities (N, K). The attention kind is recognised from the parameters' keys.

Without attention the only arrow from the encoder to the decoder is the final state (h_{S-1}, c_{S-1}): the
bottleneck, drawn thick. With attention every encoder output also enters the memory, and a line from the memory
runs above the decoder and down into the attention of *every* decoder step, which returns that step's context
vector c_t to the output layer.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..seq2seq import attention_of, one_hot, seq2seq_forward
from .diagram import PALETTE, Diagram, shape_text
from .style import fig_ax

__all__ = ["seq2seq_sizes", "seq2seq_shapes", "draw_seq2seq", "plot_seq2seq_diagrams"]

_KIND_TEXT = {"none": "without attention", "dot": "with dot-product attention",
              "additive": "with additive attention"}
_ENC, _DEC, _ATT, _OUT, _TOKEN = (PALETTE["light_sky"], PALETTE["light_orange"], PALETTE["light_purple"],
                                  PALETTE["light_green"], PALETTE["light_grey"])
_GAP_ENC, _GAP_DEC, _SHIFT = 1.5, 2.8, 1.3  # columns apart; the attention sits _SHIFT left of its decoder column
_ROWS = {"none": {"in": 0.0, "lstm": 1.4, "out": 2.8, "soft": 4.0, "p": 5.1},
         "attention": {"in": 0.0, "lstm": 1.4, "att": 2.8, "out": 4.2, "soft": 5.4, "p": 6.5, "bus": 7.4}}


def seq2seq_sizes(params: dict) -> dict:
    """{"attention", "H", "V", "K", "C"} read from a parameter dict of init_seq2seq."""
    attention = attention_of(params)
    H, V = params["enc_W_z"].shape
    C, K = params["W_out"].shape
    return {"attention": attention, "H": H, "V": V, "K": K, "C": C}


def seq2seq_shapes(params: dict, src, tgt_in) -> dict:
    """The shape of every tensor the diagram labels, from a forward pass of the model on (src, tgt_in).

    Inputs:  params (init_seq2seq); src (S, N) and tgt_in (T, N) token ids
    Returns: {"attention", "S", "T", "N", "x" (N, V), "h" (N, H), "state" (N, H) for each of h_{S-1} and
              c_{S-1}, "s" (N, H), "h_tilde" (N, C), "p" (N, K); with attention also "memory" (N, S, H),
              "context" (N, H), "weights" (N, S)}: per time step, as the arrows carry them
    """
    logits, cache = seq2seq_forward(params, src, tgt_in)  # (T, N, K)
    x = one_hot(np.asarray(src))  # (S, N, V)
    h, c = cache.enc_cache.y, cache.enc_cache.c  # (S, N, H) each
    s = cache.dec_cache.y  # (T, N, H)
    S, N, H = h.shape
    shapes = {"attention": cache.attention, "S": S, "T": s.shape[0], "N": N, "x": x.shape[1:], "h": h.shape[1:],
              "state": c.shape[1:], "s": s.shape[1:], "h_tilde": cache.h_tilde[:, 0].shape, "p": logits.shape[1:]}
    if cache.attention != "none":
        shapes["memory"] = h.transpose(1, 0, 2).shape  # (N, S, H): the keys and values of every step
        shapes["context"] = cache.features[:, 0, :H].shape  # (N, H): c_t, the first half of [c_t; s_t]
        shapes["weights"] = cache.weights[:, 0].shape  # (N, S): a_t
    return shapes


def _columns(S: int, T: int):
    x_enc = [_GAP_ENC * j for j in range(S)]
    x_dec0 = x_enc[-1] + 1.0 + _SHIFT + 0.75
    return x_enc, [x_dec0 + _GAP_DEC * t for t in range(T)]


def _extent(S: int, T: int, kind: str):
    """(xlim, ylim) of a drawing: the same columns with and without attention, so that two panels line up."""
    x_enc, x_dec = _columns(S, T)
    top = _ROWS["none" if kind == "none" else "attention"]["p" if kind == "none" else "bus"]
    return (x_enc[0] - 1.1, x_dec[-1] + 1.0), (-0.6, top + 0.55)


def draw_seq2seq(params: dict, src, tgt_in, ax=None):
    """The encoder-decoder of notebook 08 unrolled over the S source and T target steps of a batch (src, tgt_in),
    with the shape of every tensor that travels along an arrow, read from a forward pass on that batch.

    Inputs:  params (init_seq2seq: "none", "dot" or "additive"); src (S, N), tgt_in (T, N) token ids (a new
             figure is 0.78 inch per unit of the drawing: up to S + T = 7 steps it stays within 12 inches)
    Returns: (fig, ax); the nodes have gids "node-x{j}", "node-enc{j}", "node-y{t}", "node-dec{t}", "node-out{t}",
             "node-soft{t}", "node-p{t}", and with attention "node-memory" and "node-att{t}"; the bottleneck
             arrow has gid "edge-enc{S-1}-dec0"; the labels beside the arrows carry the shapes
    """
    sh = seq2seq_shapes(params, src, tgt_in)
    kind, S, T, N = sh["attention"], sh["S"], sh["T"], sh["N"]
    H = sh["h"][-1]
    rows = _ROWS["none" if kind == "none" else "attention"]
    xlim, ylim = _extent(S, T, kind)
    fig, ax = fig_ax(ax, figsize=(0.78 * (xlim[1] - xlim[0]), 0.78 * (ylim[1] - ylim[0]) + 0.4))
    d = Diagram(ax, fontsize=10)
    x_enc, x_dec = _columns(S, T)
    for j, x in enumerate(x_enc):
        d.node(f"x{j}", (x, rows["in"]), f"$x_{{{j}}}$", face=_TOKEN)
        d.node(f"enc{j}", (x, rows["lstm"]), f"encoder\nLSTM $h_{{{j}}}$", face=_ENC)
        d.edge(f"x{j}", f"enc{j}", label=f"one-hot\n{shape_text(sh['x'])}" if j == 0 else None, side=1)
        if j:
            d.edge(f"enc{j - 1}", f"enc{j}", label="$h, c$" if j == 1 else None, side=1, offset=6)
    for t, x in enumerate(x_dec):
        d.node(f"y{t}", (x, rows["in"]), f"$y_{{{t - 1}}}$" if t else r"$\langle s\rangle$", face=_TOKEN)
        d.node(f"dec{t}", (x, rows["lstm"]), f"decoder\nLSTM $s_{{{t}}}$", face=_DEC)
        d.edge(f"y{t}", f"dec{t}", label=f"one-hot\n{shape_text(sh['x'])}" if t == 0 else None, side=-1)
        if t:
            d.edge(f"dec{t - 1}", f"dec{t}")
        d.node(f"out{t}", (x, rows["out"]), f"output layer $\\tilde h_{{{t}}}$", face=_OUT)
        d.node(f"soft{t}", (x, rows["soft"]), "softmax", face=_OUT)
        d.node(f"p{t}", (x, rows["p"]), f"$p(y_{{{t}}})$", face=_TOKEN)
        d.edge(f"out{t}", f"soft{t}", label=f"{shape_text(sh['h_tilde'])}" if t == 0 else None, side=-1, offset=6)
        d.edge(f"soft{t}", f"p{t}", label=f"{shape_text(sh['p'])}" if t == 0 else None, side=-1, offset=6)
    # the bridge from encoder to decoder: the final output and cell state, the only path without attention
    bottleneck = kind == "none"
    d.edge(f"enc{S - 1}", "dec0", label=f"$h_{{{S - 1}}}, c_{{{S - 1}}}$\n2 × {shape_text(sh['state'])}", side=-1,
           offset=8, colour=PALETTE["vermillion"] if bottleneck else "black", lw=3.5 if bottleneck else 1.3)
    if bottleneck:
        for t in range(T):
            d.edge(f"dec{t}", f"out{t}", label=f"$s_{{{t}}}$ {shape_text(sh['s'])}" if t == 0 else None, side=-1,
                   offset=6)
        d.text(((x_enc[0] + x_enc[-1]) / 2, (rows["out"] + rows["p"]) / 2),
               f"all the decoder learns about the source\npasses the thick arrow: 2H = {2 * H} numbers\n"
               "per sequence, however long the source", ha="center", va="center", color=PALETTE["vermillion"])
    else:
        _draw_attention(d, sh, kind, rows, x_enc, x_dec)
    d.finish(xlim=xlim, ylim=ylim)
    length = f"S = T = {S}" if S == T else f"S = {S}, T = {T}"
    ax.set_title(f"encoder-decoder {_KIND_TEXT[kind]}: N = {N} sequences, {length} steps, H = {H}", fontsize=11)
    return fig, ax


def _draw_attention(d, sh, kind, rows, x_enc, x_dec):
    """The memory, the line that carries it to every decoder step, the attention of each step and its context."""
    S, T = sh["S"], sh["T"]
    blue = PALETTE["blue"]
    x_mem, half_span = (x_enc[0] + x_enc[-1]) / 2, max((x_enc[-1] - x_enc[0]) / 2, 1e-9)
    d.node("memory", (x_mem, rows["bus"]), f"memory: all encoder outputs $h_0 \\dots h_{{{S - 1}}}$", face=_ENC)
    # the encoder outputs rise straight into the memory's box (closer together if the box is narrower than the
    # encoder's columns: one unit of the drawing is at least 56 points)
    squeeze = min(1.0, 0.95 * d.half_width("memory") / 56.0 / half_span)
    for j, x in enumerate(x_enc):
        d.point(f"mem{j}", (x_mem + squeeze * (x - x_mem), rows["bus"]))  # where h_j enters the memory
        arrow = d.edge(f"enc{j}", f"mem{j}", colour=blue, side=1, offset=6, at=0.3,
                       label=f"$h_{{{j}}}$ {shape_text(sh['h'])}" if j == 0 else None)
        arrow.patchB = d.nodes["memory"].get_bbox_patch()  # ends at the memory's box
    score = "dot product" if kind == "dot" else "additive score"
    for t, x in enumerate(x_dec):
        d.point(f"bus{t}", (x - _SHIFT - 0.4, rows["bus"]))  # enters the attention left of its centre
        d.node(f"att{t}", (x - _SHIFT, rows["att"]), f"attention\n({score})\n$a_{{{t}}}$ {shape_text(sh['weights'])}",
               face=_ATT)
        drop = d.edge(f"bus{t}", f"att{t}", colour=blue)
        drop.set_positions((x - _SHIFT - 0.4, rows["bus"]), (x - _SHIFT - 0.4, rows["att"]))  # straight down
        drop.shrinkA = 0  # the drop starts on the line from the memory
        d.edge(f"dec{t}", f"att{t}", label=f"query $s_{{{t}}}$\n{shape_text(sh['s'])}" if t == 0 else None,
               side=1, offset=5, at=0.45)
        d.edge(f"dec{t}", f"out{t}", label=f"$s_{{{t}}}$" if t == 0 else None, side=-1, offset=5)
        d.edge(f"att{t}", f"out{t}", label=f"$c_{{{t}}}$\n{shape_text(sh['context'])}" if t == 0 else None,
               side=1, offset=4, at=0.45)
    line = d.edge("memory", f"bus{T - 1}", colour=blue, style="-", key="bus",
                  label=f"keys = values {shape_text(sh['memory'])}, to every step", side=1, offset=5, at=0.62)
    line.shrinkB = 0  # reaches the last drop


def plot_seq2seq_diagrams(params_without: dict, params_with: dict, src, tgt_in):
    """The model without attention above the model with attention, on the same batch, columns aligned.

    Returns: (fig, (ax_without, ax_with))
    """
    S, T = np.shape(src)[0], np.shape(tgt_in)[0]
    heights = [np.diff(_extent(S, T, attention_of(p))[1])[0] for p in (params_without, params_with)]
    width = np.diff(_extent(S, T, "none")[0])[0]
    fig, axes = plt.subplots(2, 1, figsize=(0.78 * width, 0.78 * sum(heights) + 0.9),
                             gridspec_kw={"height_ratios": heights})
    draw_seq2seq(params_without, src, tgt_in, ax=axes[0])
    draw_seq2seq(params_with, src, tgt_in, ax=axes[1])
    return fig, tuple(axes)
