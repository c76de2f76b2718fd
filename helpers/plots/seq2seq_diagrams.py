"""Notebook 08: the encoder-decoder without and with attention, drawn with the tensor shapes of a real model.

The sizes (H hidden units, V input tokens, K output classes, C units of the attentional layer) are read from the
parameters of :func:`helpers.seq2seq.init_seq2seq`, the attention kind from its keys; N, S and T are the batch and
the source and target lengths of the drawing. Without attention the only arrow from the encoder to the decoder is
the final state (h_{S-1}, c_{S-1}): the bottleneck. With attention every encoder output enters a memory of shape
(N, S, H), and at every decoder step the attention reads it and returns one context vector c_t of shape (N, H).
"""
from __future__ import annotations

import matplotlib.pyplot as plt

from ..seq2seq import attention_of
from .diagram import PALETTE, Diagram, shape_text
from .style import fig_ax

__all__ = ["seq2seq_sizes", "draw_seq2seq", "plot_seq2seq_diagrams"]

_KIND_TEXT = {"none": "without attention", "dot": "with dot-product attention",
              "additive": "with additive attention"}


def seq2seq_sizes(params: dict) -> dict:
    """{"attention", "H", "V", "K", "C"} read from a parameter dict of init_seq2seq."""
    attention = attention_of(params)
    H, V = params["enc_W_z"].shape
    C, K = params["W_out"].shape
    return {"attention": attention, "H": H, "V": V, "K": K, "C": C}


def draw_seq2seq(params: dict, S: int = 4, T: int = 3, N: int = 32, ax=None):
    """The encoder-decoder of notebook 08 unrolled over S source and T target steps, with the shape of every tensor
    that travels along an arrow (N sequences per batch).

    Returns: (fig, ax); the nodes have gids "node-enc{j}", "node-dec{t}", "node-out{t}", "node-memory",
             "node-att{t}" (with attention); the labels of the arrows carry the shapes
    """
    sizes = seq2seq_sizes(params)
    H, V, K, C, kind = sizes["H"], sizes["V"], sizes["K"], sizes["C"], sizes["attention"]
    fig, ax = fig_ax(ax, figsize=(1.9 * (S + T) + 1.5, 6.2))
    d = Diagram(ax, fontsize=10)
    enc_face, dec_face = PALETTE["light_sky"], PALETTE["light_orange"]
    gap = 1.9
    x_dec0 = gap * S + 0.9
    for j in range(S):
        d.node(f"x{j}", (gap * j, 0.0), f"$x_{j}$", face=PALETTE["light_grey"])
        d.node(f"enc{j}", (gap * j, 1.6), f"encoder\nLSTM\n$h_{j}$", face=enc_face)
        d.edge(f"x{j}", f"enc{j}", label=shape_text((N, V)) if j == 0 else None, side=1)
        if j:
            d.edge(f"enc{j - 1}", f"enc{j}", label=r"$h, c$" if j == 1 else None, side=1)
    for t in range(T):
        x = x_dec0 + gap * t
        prev = "<s>" if t == 0 else f"y_{t - 1}"
        d.node(f"y{t}", (x, 0.0), f"${prev}$" if t else r"$\langle s\rangle$", face=PALETTE["light_grey"])
        d.node(f"dec{t}", (x, 1.6), f"decoder\nLSTM\n$s_{t}$", face=dec_face)
        d.node(f"out{t}", (x, 5.0), f"softmax\n$p(y_{t})$", face=PALETTE["light_green"])
        d.edge(f"y{t}", f"dec{t}", label=shape_text((N, V)) if t == 0 else None, side=-1)
        if t:
            d.edge(f"dec{t - 1}", f"dec{t}")
    # the bridge from encoder to decoder: the final state, the only path without attention
    bottleneck = kind == "none"
    d.edge(f"enc{S - 1}", "dec0", label=f"$h_{{S-1}}, c_{{S-1}}$\n2 × {shape_text((N, H))}", side=-1, offset=12,
           colour=PALETTE["vermillion"] if bottleneck else "black", lw=3.0 if bottleneck else 1.3)
    if bottleneck:
        for t in range(T):
            d.edge(f"dec{t}", f"out{t}", label=f"$s_{t}$ {shape_text((N, H))}" if t == 0 else None, side=1, at=0.35)
        d.text((gap * (S - 1) / 2, 4.3), "everything the decoder learns about\nthe source passes the red arrow:\n"
               f"2H = {2 * H} numbers per sequence", ha="center", va="center", color=PALETTE["vermillion"])
    else:
        d.node("memory", (gap * (S - 1) / 2, 3.4), f"memory: all encoder outputs\n$h_0 \\dots h_{{S-1}}$  "
               f"{shape_text((N, S, H))}", face=enc_face)
        for j in range(S):
            d.edge(f"enc{j}", "memory", colour=PALETTE["blue"])
        score = "dot product" if kind == "dot" else "additive score"
        for t in range(T):
            x = x_dec0 + gap * t
            d.node(f"att{t}", (x, 3.4), f"attention\n({score})", face=PALETTE["light_purple"])
            d.edge(f"dec{t}", f"att{t}", label=f"$s_{t}$ {shape_text((N, H))}" if t == 0 else None, side=1)
            d.edge(f"att{t}", f"out{t}", label=(f"$c_{t}, s_{t} \\to \\tilde h_{t}$\n{shape_text((N, C))}"
                                                if t == 0 else None), side=1)
        d.edge("memory", "att0", label=f"keys = values\n{shape_text((N, S, H))}", side=1, colour=PALETTE["blue"])
    for t in range(T):
        d.point(f"logit{t}", (x_dec0 + gap * t, 6.2))
        d.edge(f"out{t}", f"logit{t}", label=shape_text((N, K)) if t == 0 else None, side=-1, style="-")
    d.finish(xlim=(-1.0, x_dec0 + gap * (T - 1) + 1.3), ylim=(-0.7, 6.5))
    ax.set_title(f"encoder-decoder {_KIND_TEXT[kind]}: S = {S} source steps, T = {T} target steps, "
                 f"N = {N} sequences, H = {H}", fontsize=11)
    return fig, ax


def plot_seq2seq_diagrams(params_without: dict, params_with: dict, S: int = 4, T: int = 3, N: int = 32):
    """The model without attention above the model with attention. Returns (fig, (ax_without, ax_with))."""
    fig, axes = plt.subplots(2, 1, figsize=(1.9 * (S + T) + 1.5, 12.0))
    draw_seq2seq(params_without, S, T, N, ax=axes[0])
    draw_seq2seq(params_with, S, T, N, ax=axes[1])
    return fig, tuple(axes)
