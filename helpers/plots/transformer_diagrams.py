"""Notebook 09: the Transformer drawn with the shapes of a real forward pass.

* :func:`draw_multihead`: queries, keys and values, the split into h heads, attention per head, the merge and W^O,
  with the shape of every tensor, read from the cache of :func:`helpers.transformer_layers.mha_forward`;
* :func:`draw_transformer_layer`: one encoder layer or one decoder layer (post-LN as in the paper, or pre-LN),
  its sublayers, residual connections and layer norms, with shapes from a real layer forward pass;
* :func:`draw_transformer`: the whole encoder-decoder (the paper's Fig. 1) with the shapes of
  :func:`helpers.transformer.transformer_forward`;
* :func:`plot_ln_wiring`: where the layer norm sits in a post-LN and in a pre-LN sublayer, side by side.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..transformer import transformer_forward
from ..transformer_layers import decoder_layer_forward, encoder_layer_forward, mha_forward
from .diagram import PALETTE, Diagram, shape_text
from .style import fig_ax

__all__ = ["draw_multihead", "draw_transformer_layer", "draw_transformer", "plot_ln_wiring"]

_ATTN, _NORM, _FFN, _EMB = PALETTE["light_orange"], PALETTE["light_yellow"], PALETTE["light_sky"], PALETTE["light_grey"]


def draw_multihead(params: dict, x, h: int, ax=None):
    """Multi-head self-attention of x (N, T, d_model) with h heads, every arrow labelled with its tensor's shape.

    Returns: (fig, ax); node gids "node-x", "node-Q", "node-K", "node-V", "node-Qh", "node-Kh", "node-Vh",
             "node-att", "node-heads", "node-concat", "node-out"
    """
    x = np.asarray(x)
    out, cache = mha_forward(params, x, x, h)
    N, T, d_model = x.shape
    q = cache.attention.q  # (N, h, T, d_k)
    d_k = q.shape[-1]
    fig, ax = fig_ax(ax, figsize=(11.0, 7.2))
    d = Diagram(ax)
    d.node("x", (4.5, 0.0), f"x: T = {T} tokens of d_model = {d_model}", face=_EMB)
    for name, px in (("Q", 0.0), ("K", 4.5), ("V", 9.0)):
        d.node(name, (px, 2.0), f"{name} = x $W^{name}$ + $b^{name}$\n{shape_text((N, T, d_model))}",
               face=PALETTE["light_blue"])
        d.edge("x", name, label=shape_text(x.shape) if name == "K" else None, side=-1, offset=6)
        d.node(name + "h", (px, 4.0), f"{name}, split into {h} heads\n{shape_text(q.shape)}",
               face=PALETTE["light_blue"])
        d.edge(name, name + "h", label=f"split: $d_k$ = {d_model} / {h} = {d_k}" if name == "V" else None,
               side=-1, offset=6)
    d.node("att", (4.5, 6.0), r"per head: softmax$(Q K^\top / \sqrt{d_k})\,V$" + f"\nweights {shape_text(cache.attention.weights.shape)}",
           face=_ATTN)
    for name in ("Qh", "Kh", "Vh"):
        d.edge(name, "att")
    d.node("heads", (4.5, 7.8), f"the heads' outputs {shape_text(q.shape)}", face=_ATTN)
    d.edge("att", "heads")
    d.node("concat", (4.5, 9.4), f"concat: heads side by side {shape_text(cache.concat.shape)}", face=_ATTN)
    d.edge("heads", "concat", label="merge: transpose, reshape", side=1)
    d.node("out", (4.5, 11.0), f"out = concat $W^O$ + $b^O$  {shape_text(out.shape)}", face=PALETTE["light_green"])
    d.edge("concat", "out")
    d.finish(xlim=(-2.0, 12.5), ylim=(-0.7, 11.7))
    ax.set_title(f"multi-head self-attention: N = {N} sequences, T = {T}, d_model = {d_model}, h = {h}")
    return fig, ax


def _layer_shapes(kind, params, x, h, memory, norm):
    if kind == "encoder":
        y, cache = encoder_layer_forward(params, x, h, norm=norm)
    else:
        y, cache = decoder_layer_forward(params, x, memory, h, norm=norm)
    return y.shape, cache.caches["ffn"].hidden.shape


def draw_transformer_layer(kind: str, params: dict, x, h: int, memory=None, norm: str = "post", ax=None):
    """One encoder layer ("encoder") or decoder layer ("decoder") as the paper draws it (post-LN: Add & Norm after
    each sublayer) or pre-LN (the norm before each sublayer), with the shapes of a real forward pass.

    Inputs: the layer's params (init_encoder_layer / init_decoder_layer), x (N, T, d_model), h, the encoder's
            output ``memory`` (N, S, d_model) for a decoder layer, norm "post" or "pre"
    Returns: (fig, ax)
    """
    if kind not in ("encoder", "decoder"):
        raise ValueError(f"kind: expected 'encoder' or 'decoder', got {kind!r}")
    if kind == "decoder" and memory is None:
        raise ValueError("memory: a decoder layer needs the encoder's output (N, S, d_model)")
    x = np.asarray(x)
    out_shape, hidden_shape = _layer_shapes(kind, params, x, h, memory, norm)
    sublayers = [("self", "masked multi-head\nself-attention" if kind == "decoder" else "multi-head\nself-attention",
                  _ATTN)]
    if kind == "decoder":
        sublayers.append(("cross", "multi-head attention\nto the encoder output", _ATTN))
    sublayers.append(("ffn", f"feed-forward\nmax(0, x$W_1$+$b_1$)$W_2$+$b_2$\nhidden {shape_text(hidden_shape)}",
                      _FFN))
    fig, ax = fig_ax(ax, figsize=(6.0, 2.4 + 2.6 * len(sublayers)))
    d = Diagram(ax)
    d.node("in", (0.0, 0.0), f"{'decoder input' if kind == 'decoder' else 'x'} {shape_text(x.shape)}", face=_EMB)
    y, prev = 1.2, "in"
    for name, text, face in sublayers:
        if norm == "pre":
            d.node(name + "_ln", (0.0, y + 0.2), "layer norm", face=_NORM)
            d.edge(prev, name + "_ln")
            d.node(name, (0.0, y + 1.4), text, face=face)
            d.edge(name + "_ln", name)
            d.node(name + "_add", (0.0, y + 2.7), "+", face="white", shape="circle", pad=0.15)
            d.edge(name, name + "_add")
            d.bypass(prev, name + "_add", label="residual" if name == "self" else None)
            prev, y = name + "_add", y + 3.4
        else:
            d.node(name, (0.0, y + 0.6), text, face=face)
            d.edge(prev, name)
            d.node(name + "_add", (0.0, y + 2.0), "Add & Norm\nLN(x + sublayer(x))", face=_NORM)
            d.edge(name, name + "_add")
            d.bypass(prev, name + "_add", label="residual" if name == "self" else None)
            prev, y = name + "_add", y + 2.8
        if name == "cross":
            d.node("memory", (2.9, y - 2.2 if norm == "post" else y - 2.0),
                   f"encoder output\n(keys, values)\n{shape_text(np.shape(memory))}", face=PALETTE["light_green"])
            d.edge("memory", name, colour=PALETTE["green"])
    d.node("out", (0.0, y + 0.2), f"layer output {shape_text(out_shape)}", face=_EMB)
    d.edge(prev, "out")
    d.finish(xlim=(-3.3, 4.2), ylim=(-0.6, y + 0.8))
    ax.set_title(f"one {kind} layer, {norm}-LN ({'the paper' if norm == 'post' else 'most code today'})")
    return fig, ax


def draw_transformer(params: dict, src, tgt_in, h: int, norm: str = "post", ax=None):
    """The whole encoder-decoder (Vaswani et al.'s Fig. 1) with the shapes of a real forward pass of
    :func:`helpers.transformer.transformer_forward` on token ids src (N, S) and tgt_in (N, T).

    Returns: (fig, ax)
    """
    src, tgt_in = np.asarray(src), np.asarray(tgt_in)
    logits, cache = transformer_forward(params, src, tgt_in, h, norm=norm)
    n_enc = len(cache.encoder.layer_caches)
    n_dec = len(cache.decoder.layer_caches)
    d_model = params["src_embed"].shape[1]
    N, S = src.shape
    T = tgt_in.shape[1]
    memory = (N, S, d_model)
    fig, ax = fig_ax(ax, figsize=(10.0, 9.0))
    d = Diagram(ax)
    d.node("src", (0.0, 0.0), f"source token ids {shape_text(src.shape)}", face=_EMB)
    d.node("src_emb", (0.0, 1.5), "embedding × √d_model\n+ positional encoding", face=_EMB)
    d.edge("src", "src_emb")
    d.node("enc", (0.0, 3.6), f"{n_enc} × encoder layer\n(self-attention, feed-forward,\neach with Add & Norm)",
           face=_ATTN, lw=1.6)
    d.edge("src_emb", "enc", label=shape_text(memory), side=1)
    d.node("tgt", (5.4, 0.0), f"target ids, shifted right {shape_text(tgt_in.shape)}", face=_EMB)
    d.node("tgt_emb", (5.4, 1.5), "embedding × √d_model\n+ positional encoding", face=_EMB)
    d.edge("tgt", "tgt_emb")
    d.node("dec", (5.4, 4.6), f"{n_dec} × decoder layer\n(masked self-attention,\nattention to the encoder,\n"
                              "feed-forward, each with Add & Norm)", face=_ATTN, lw=1.6)
    d.edge("tgt_emb", "dec", label=shape_text((N, T, d_model)), side=-1)
    top = "enc"
    if norm == "pre":
        d.node("enc_ln", (0.0, 5.6), "layer norm", face=_NORM)
        d.edge("enc", "enc_ln")
        top = "enc_ln"
    d.edge(top, "dec", label=f"memory (keys, values)\n{shape_text(memory)}", side=1, colour=PALETTE["green"],
           rad=-0.2)
    last = "dec"
    if norm == "pre":
        d.node("dec_ln", (5.4, 6.7), "layer norm", face=_NORM)
        d.edge("dec", "dec_ln")
        last = "dec_ln"
    d.node("linear", (5.4, 7.9), "linear", face=PALETTE["light_green"])
    d.edge(last, "linear", label=shape_text((N, T, d_model)), side=-1)
    d.node("softmax", (5.4, 9.1), f"softmax over the {logits.shape[-1]} target tokens", face=PALETTE["light_green"])
    d.edge("linear", "softmax", label=f"logits {shape_text(logits.shape)}", side=-1)
    d.finish(xlim=(-2.9, 8.6), ylim=(-0.7, 9.7))
    ax.set_title(f"the Transformer: N = {N}, S = {S} source and T = {T} target tokens, d_model = {d_model}, "
                 f"h = {h}, {norm}-LN")
    return fig, ax


def plot_ln_wiring():
    """One sublayer wired post-LN (the paper: x -> LN(x + F(x))) and pre-LN (x -> x + F(LN(x))), side by side.

    Returns: (fig, (ax_post, ax_pre))
    """
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 5.2))
    for ax, norm in zip(axes, ("post", "pre")):
        d = Diagram(ax)
        d.node("x", (0.0, 0.0), "$x_l$", face=_EMB)
        if norm == "post":
            d.node("F", (0.0, 1.6), "sublayer F\n(attention or FFN)", face=_ATTN)
            d.node("add", (0.0, 3.1), "+", shape="circle", pad=0.2)
            d.node("ln", (0.0, 4.4), "layer norm", face=_NORM)
            d.node("y", (0.0, 5.8), r"$x_{l+1} = \mathrm{LN}(x_l + F(x_l))$", face=_EMB)
            d.edge("x", "F")
            d.edge("F", "add")
            d.bypass("x", "add", label="residual")
            d.edge("add", "ln")
            d.edge("ln", "y")
            ax.set_title("post-LN (the paper): the norm sits\non the residual path")
        else:
            d.node("ln", (0.0, 1.3), "layer norm", face=_NORM)
            d.node("F", (0.0, 2.7), "sublayer F\n(attention or FFN)", face=_ATTN)
            d.node("add", (0.0, 4.2), "+", shape="circle", pad=0.2)
            d.node("y", (0.0, 5.8), r"$x_{l+1} = x_l + F(\mathrm{LN}(x_l))$", face=_EMB)
            d.edge("x", "ln")
            d.edge("ln", "F")
            d.edge("F", "add")
            d.bypass("x", "add", label="residual:\nuntouched")
            d.edge("add", "y")
            ax.set_title("pre-LN: the residual path is a clean\nsum from input to output")
        d.finish(xlim=(-3.0, 3.0), ylim=(-0.6, 6.4))
    return fig, tuple(axes)
