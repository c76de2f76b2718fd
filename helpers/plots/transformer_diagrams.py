"""Notebook 09: the Transformer drawn with the shapes of a real forward pass.

* :func:`draw_multihead`: queries, keys and values, the split into h heads, attention per head, the merge and W_o,
  with the shape of every tensor, read from the cache of :func:`helpers.transformer_layers.mha_forward`;
* :func:`draw_transformer_layer`: one encoder layer or one decoder layer (post-LN as in the paper, or pre-LN),
  its sublayers, residual connections and layer norms, with shapes from a real layer forward pass;
  :func:`plot_transformer_layers` draws an encoder layer and a decoder layer side by side;
* :func:`draw_transformer`: the whole encoder-decoder (the paper's Fig. 1) with the shapes of
  :func:`helpers.transformer.transformer_forward`;
* :func:`plot_ln_wiring`: where the layer norm sits in a post-LN and in a pre-LN sublayer, side by side.

Heads and layers are numbered from 1, as in the paper (head 1 is the array index 0). Drawings are laid out in
inches (one data unit is about one inch at display size), bottom to top, so that every arrow has room.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..transformer import transformer_forward
from ..transformer_layers import decoder_layer_forward, encoder_layer_forward, mha_forward
from .diagram import Diagram, shape_text
from .style import PALETTE, fig_ax

__all__ = ["draw_multihead", "draw_transformer_layer", "plot_transformer_layers", "draw_transformer",
           "plot_ln_wiring"]

_ATTN, _NORM, _FFN, _EMB = PALETTE["light_orange"], PALETTE["light_yellow"], PALETTE["light_sky"], PALETTE["light_grey"]
_OUT, _QKV, _STREAM = PALETTE["light_green"], PALETTE["light_blue"], PALETTE["blue"]
_CLEARANCE = 16.0  # points between a column's widest box and its residual arrows
_HEAD_FACES = (PALETTE["light_orange"], PALETTE["light_purple"], PALETTE["light_green"])


def _height(text: str) -> float:
    """The height of a node's box in inches (10 pt text: about 0.19 in a line, mathtext a little more)."""
    lines = text.split("\n")
    return sum(0.23 if "$" in line else 0.19 for line in lines) + 0.1


class _Column:
    """Boxes stacked bottom to top at x, each ``gap`` inches above the previous one."""

    def __init__(self, d: Diagram, x: float, y: float = 0.0):
        self.d, self.x, self.top = d, x, y

    def node(self, key, text, gap=0.42, **style):
        h = _height(text)
        y = self.top + gap + h / 2
        self.d.node(key, (self.x, y), text, **style)
        self.top = y + h / 2
        return key

    def point(self, key, gap=0.2):
        self.top += gap
        self.d.point(key, (self.x, self.top))
        return key


def _sublayer(d, col, name, text, face, norm, prev, residual_label=None, add_text="Add & Norm"):
    """One sublayer wrapped in its residual connection and layer norm, from the node ``prev`` upwards:
    post-LN LN(x + F(x)) ("Add & Norm" after the sublayer), pre-LN x + F(LN(x)). Returns its output node."""
    branch = col.point(name + "_branch")
    d.edge(prev, branch, style="-")
    if norm == "pre":
        col.node(name + "_ln", "layer norm", face=_NORM, gap=0.3)
        d.edge(branch, name + "_ln")
        col.node(name, text, face=face, gap=0.36)
        d.edge(name + "_ln", name)
        out = col.node(name + "_add", "+", shape="circle", pad=0.12, gap=0.36)
    else:
        col.node(name, text, face=face, gap=0.3)
        d.edge(branch, name)
        out = col.node(name + "_add", add_text, face=_NORM, gap=0.36)
    d.edge(name, out)
    d.bypass(branch, out, label=residual_label, colour=_STREAM, clearance=_CLEARANCE)
    return out


def draw_multihead(params: dict, x, h: int, ax=None):
    """Multi-head self-attention of x (N, T, d_model) with h heads: Q, K, V, the split into heads, attention per
    head, the merge and W_o, every box with its tensor's shape (from :func:`mha_forward`'s cache).

    Heads are numbered from 1 (head i is the array index i - 1); with more than three heads, heads 1, 2 and h
    are drawn, with dots between.
    Returns: (fig, ax); node gids "node-x", "node-Q", "node-K", "node-V", "node-split", "node-head1", ...,
             "node-concat", "node-out"
    """
    x = np.asarray(x)
    out, cache = mha_forward(params, x, x, h)
    N, T, d_model = x.shape
    q, weights = cache.attention.q, cache.attention.weights  # (N, h, T, d_k), (N, h, T, T)
    d_k = q.shape[-1]
    fig, ax = fig_ax(ax, figsize=(9.6, 7.0))
    d = Diagram(ax)
    d.node("x", (0.0, 0.0), f"x: (N, T, $d_\\mathrm{{model}}$) = {shape_text(x.shape)}, {N} sequences of {T} "
                            f"tokens, {d_model} features each", face=_EMB)
    for name, px in (("Q", -3.0), ("K", 0.0), ("V", 3.0)):
        d.node(name, (px, 1.2), f"{name} = x $W_{name.lower()}$ + $b_{name.lower()}$\n{shape_text(x.shape)}",
               face=_QKV)
        d.edge("x", name)
    d.node("split", (0.0, 2.6), f"split Q, K, V into h = {h} heads of $d_k$ = {d_model} / {h} = {d_k} columns each:\n"
                                f"reshape to (N, T, h, $d_k$) = {shape_text((N, T, h, d_k))}, transpose to "
                                f"(N, h, T, $d_k$) = {shape_text(q.shape)}", face=_QKV)
    for name in ("Q", "K", "V"):
        d.edge(name, "split")
    shown = list(range(h)) if h <= 3 else [0, 1, h - 1]
    xs = {1: [0.0], 2: [-2.4, 2.4], 3: [-3.3, 0.0, 3.3]}[len(shown)] if h <= 3 else [-3.5, -0.7, 3.5]
    for i, px in zip(shown, xs):
        n = i + 1
        d.node(f"head{n}", (px, 4.3), f"head {n}: columns {i * d_k}:{n * d_k}\n"
               f"softmax($Q_{{{n}}} K_{{{n}}}^\\top / \\sqrt{{d_k}}$) $V_{{{n}}}$\n"
               f"weights {shape_text(weights[:, i].shape)}\noutput {shape_text(q[:, i].shape)}",
               face=_HEAD_FACES[min(shown.index(i), 2)])
        d.edge("split", f"head{n}")
    if h > 3:
        middle = "head 3" if h == 4 else ("heads 3 and 4" if h == 5 else f"heads 3 to {h - 1}")
        d.text((1.4, 4.3), f"… {middle} …", ha="center", va="center")
    where = ", ".join(f"head {i + 1} in {'columns ' if i == 0 else ''}{i * d_k}:{(i + 1) * d_k}" for i in shown[:2])
    where += f", ..., head {h} in {(h - 1) * d_k}:{h * d_k}" if h > 3 else \
        "".join(f", head {i + 1} in {i * d_k}:{(i + 1) * d_k}" for i in shown[2:])
    d.node("concat", (0.0, 6.0), f"concat: transpose back to {shape_text((N, T, h, d_k))}, reshape to "
                                 f"{shape_text(cache.concat.shape)}:\n{where}", face=_ATTN)
    for i in shown:
        d.edge(f"head{i + 1}", "concat")
    d.node("out", (0.0, 7.2), f"out = concat $W_o$ + $b_o$ {shape_text(out.shape)}: $W_o$ mixes the heads",
           face=_OUT)
    d.edge("concat", "out")
    d.finish(xlim=(-4.8, 4.8), ylim=(-0.45, 7.6))
    ax.set_title(f"multi-head self-attention, h = {h} heads, every shape from mha_forward's arrays")
    return fig, ax


def _layer_texts(kind, cache, hidden_shape):
    """(name, text, face) of each sublayer of an encoder or decoder layer, shapes from its LayerCache."""
    c = cache.caches
    ffn = (f"feed-forward, each position on its own:\nmax(0, x$W_1$ + $b_1$)$W_2$ + $b_2$\n"
           f"hidden {shape_text(hidden_shape)}", _FFN)
    if kind == "encoder":
        return [("attn", f"multi-head self-attention, h = {cache.h}\n"
                         f"weights {shape_text(c['attn'].attention.weights.shape)}", _ATTN), ("ffn", *ffn)]
    return [("self", f"masked multi-head self-attention, h = {cache.h}\nweights "
                     f"{shape_text(c['self'].attention.weights.shape)}, causal mask", _ATTN),
            ("cross", f"multi-head attention to the memory\n"
                      f"weights {shape_text(c['cross'].attention.weights.shape)}", _ATTN),
            ("ffn", *ffn)]


def _draw_layer(d, kind, x0, params, x, h, memory, norm):
    """One layer's column at x0 (and, for a decoder layer, its memory beside it). Returns the top of the drawing."""
    if kind == "encoder":
        y, cache = encoder_layer_forward(params, x, h, norm=norm)
    else:
        y, cache = decoder_layer_forward(params, x, memory, h, norm=norm)
    col = _Column(d, x0)
    prev = col.node(f"{kind}_in", f"{kind} layer input x {shape_text(x.shape)}", face=_EMB, gap=0.0)
    for k, (name, text, face) in enumerate(_layer_texts(kind, cache, cache.caches["ffn"].hidden.shape)):
        key = f"{kind}_{name}"
        add = "Add & Norm = LN(x + sublayer(x))" if k == 0 else "Add & Norm"
        prev = _sublayer(d, col, key, text, face, norm, prev, "residual" if k == 0 else None, add)
        if name == "cross":
            xy = d.nodes[key].get_position()
            d.node("memory", (xy[0] + 3.75, xy[1]), f"memory: the encoder's output\n"
                                                    f"{shape_text(np.shape(memory))}, keys and values", face=_OUT)
            d.edge("memory", key, colour=PALETTE["green"])
    col.node(f"{kind}_out", f"layer output {shape_text(y.shape)}", face=_EMB)
    d.edge(prev, f"{kind}_out")
    return col.top


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
    top = 7.6 if kind == "decoder" else 5.2
    fig, ax = fig_ax(ax, figsize=(8.2 if kind == "decoder" else 5.6, top * 0.86 + 0.7))
    d = Diagram(ax)
    top = _draw_layer(d, kind, 0.0, params, x, h, memory, norm)
    d.finish(xlim=(-3.0, 5.4 if kind == "decoder" else 2.7), ylim=(-0.35, top + 0.2))
    ax.set_title(f"one {kind} layer, {norm}-LN ({'the paper' if norm == 'post' else 'most code today'})")
    return fig, ax


def plot_transformer_layers(encoder_params: dict, decoder_params: dict, x, y, memory, h: int, norm: str = "post"):
    """An encoder layer (input x (N, S, d_model)) and a decoder layer (input y (N, T, d_model), attending to
    ``memory`` (N, S, d_model)) side by side, at the same scale, with the shapes of their forward passes.

    Returns: (fig, ax)
    """
    if norm not in ("post", "pre"):
        raise ValueError(f"norm: expected 'post' (the paper) or 'pre', got {norm!r}")
    fig, ax = plt.subplots(figsize=(12.0, 8.3 if norm == "post" else 9.6))
    d = Diagram(ax)
    top_enc = _draw_layer(d, "encoder", 0.0, encoder_params, np.asarray(x), h, None, norm)
    top = max(top_enc, _draw_layer(d, "decoder", 5.6, decoder_params, np.asarray(y), h, memory, norm))
    d.text((0.0, top + 0.3), "encoder layer", ha="center", va="bottom", fontweight="bold")
    d.text((5.6, top + 0.3), "decoder layer", ha="center", va="bottom", fontweight="bold")
    d.finish(xlim=(-2.75, 10.75), ylim=(-0.3, top + 0.7))
    ax.set_title(f"one encoder layer and one decoder layer, {norm}-LN "
                 f"({'the paper' if norm == 'post' else 'most code today'}): the shapes of a forward pass")
    return fig, ax


def _frame(ax, d, keys, label, side, n_layers):
    """A dashed rounded frame around the nodes ``keys`` (one layer of a stack), with "n ×" beside it."""
    ax.figure.canvas.draw()  # the boxes' sizes, and the scale of the axes, as displayed
    inv = ax.transData.inverted()
    extents = [d.nodes[k].get_bbox_patch().get_window_extent() for k in keys if d.nodes[k].get_text()]
    x0, y0 = inv.transform((min(e.x0 for e in extents), min(e.y0 for e in extents)))
    x1, y1 = inv.transform((max(e.x1 for e in extents), max(e.y1 for e in extents)))
    y0 = min([y0] + [d.nodes[k].get_position()[1] for k in keys])  # the branch points of the residuals too
    points = abs(ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]) * 72 / ax.figure.dpi
    arm = (max(d.half_width(k) for k in keys) + _CLEARANCE) / points  # the residual arrows' reach, in data units
    xc = d.nodes[keys[0]].get_position()[0]
    left, right = min(x0, xc - arm) - 0.15, x1 + 0.15
    ax.add_patch(FancyBboxPatch((left, y0 - 0.18), right - left, y1 - y0 + 0.36, boxstyle="round,pad=0,"
                                "rounding_size=0.15", facecolor="none", edgecolor="0.45", ls="--", lw=1.1, zorder=1))
    xt = left - 0.12 if side == "left" else right + 0.12
    d.text((xt, (y0 + y1) / 2), f"{n_layers} × {label}", ha="right" if side == "left" else "left", va="center",
           fontweight="bold")


def _stack(d, col, kind, n_layers, norm, start, names, shapes):
    """The embedding, the positional encoding and one framed layer of a stack; returns (top node, layer keys)."""
    prev = start
    col.node(f"{kind}_emb", f"embedding: rows of a table\n{shapes['table']}, × $\\sqrt{{d_\\mathrm{{model}}}}$",
             face=_EMB)
    d.edge(prev, f"{kind}_emb")
    col.node(f"{kind}_pe_add", "+", shape="circle", pad=0.12)
    d.edge(f"{kind}_emb", f"{kind}_pe_add", label=shapes["x"], side=-1 if kind == "dec" else 1, offset=7)
    xy = d.nodes[f"{kind}_pe_add"].get_position()
    d.node(f"{kind}_pe", (xy[0] + (-2.0 if kind == "enc" else 2.0), xy[1]),
           f"positional encoding\n{shapes['pe']}", face=_EMB)
    d.edge(f"{kind}_pe", f"{kind}_pe_add")
    prev, first = f"{kind}_pe_add", len(d.nodes)
    col.top += 0.25  # room for the frame below the first sublayer
    for name, text, face in names:
        prev = _sublayer(d, col, f"{kind}_{name}", text, face, norm, prev)
    layer_keys = list(d.nodes)[first:]
    if norm == "pre":
        col.node(f"{kind}_final_ln", "final layer norm", face=_NORM, gap=0.4)
        d.edge(prev, f"{kind}_final_ln")
        prev = f"{kind}_final_ln"
    return prev, layer_keys


def draw_transformer(params: dict, src, tgt_in, h: int, norm: str = "post", ax=None):
    """The whole encoder-decoder (Vaswani et al.'s Fig. 1) with the shapes of a real forward pass of
    :func:`helpers.transformer.transformer_forward` on token ids src (N, S) and tgt_in (N, T): each stack drawn
    as one of its layers in a frame marked with the number of layers.

    Returns: (fig, ax)
    """
    src, tgt_in = np.asarray(src), np.asarray(tgt_in)
    logits, cache = transformer_forward(params, src, tgt_in, h, norm=norm)
    n_enc, n_dec = len(cache.encoder.layer_caches), len(cache.decoder.layer_caches)
    V_src, d_model = params["src_embed"].shape
    V_tgt = params["tgt_embed"].shape[0]
    (N, S), T = src.shape, tgt_in.shape[1]
    fig, ax = fig_ax(ax, figsize=(11.5, 8.6 if norm == "post" else 9.4))
    d = Diagram(ax)
    enc, dec = _Column(d, 0.0), _Column(d, 6.3)
    enc.node("src", f"source token ids {shape_text(src.shape)}", face=_EMB, gap=0.0)
    dec.node("tgt", f"target ids, shifted right {shape_text(tgt_in.shape)}", face=_EMB, gap=0.0)
    enc_top, enc_keys = _stack(d, enc, "enc", n_enc, norm, "src", [
        ("attn", f"multi-head self-attention (h = {h})", _ATTN), ("ffn", "feed-forward", _FFN)],
        {"table": f"src_embed ({V_src}, {d_model})", "x": shape_text((N, S, d_model)), "pe": f"({S}, {d_model})"})
    dec_top, dec_keys = _stack(d, dec, "dec", n_dec, norm, "tgt", [
        ("self", f"masked multi-head self-attention (h = {h})", _ATTN),
        ("cross", "multi-head attention to the memory", _ATTN), ("ffn", "feed-forward", _FFN)],
        {"table": f"tgt_embed ({V_tgt}, {d_model})", "x": shape_text((N, T, d_model)), "pe": f"({T}, {d_model})"})
    cross = d.nodes["dec_cross"].get_position()
    d.node("memory", (3.15, cross[1]), f"memory\n{shape_text(cache.encoder.memory.shape)}\n(keys, values)",
           face=_OUT)
    d.edge("memory", "dec_cross", colour=PALETTE["green"])
    ax.add_patch(FancyArrowPatch(patchA=d.nodes[enc_top].get_bbox_patch(), patchB=d.nodes["memory"].get_bbox_patch(),
                                 posA=d.nodes[enc_top].get_position(), posB=d.nodes["memory"].get_position(),
                                 arrowstyle="-|>", mutation_scale=13, color=PALETTE["green"], lw=1.3, shrinkA=2,
                                 shrinkB=2, zorder=3, connectionstyle="angle,angleA=90,angleB=0,rad=8"
                                 if d.nodes["memory"].get_position()[1] > d.nodes[enc_top].get_position()[1]
                                 else "angle,angleA=0,angleB=90,rad=8", gid="edge-encoder-memory"))
    dec.node("linear", f"linear: out.W ({d_model}, {V_tgt}) + out.b", face=_OUT, gap=0.75)
    d.edge(dec_top, "linear", label=shape_text((N, T, d_model)), side=-1, offset=7, at=0.72 if norm == "post" else 0.5)
    dec.node("softmax", f"softmax over the {V_tgt} target tokens", face=_OUT, gap=0.5)
    d.edge("linear", "softmax", label=f"logits {shape_text(logits.shape)}", side=-1, offset=7)
    d.finish(xlim=(-4.0, 10.2), ylim=(-0.4, dec.top + 0.3))
    _frame(ax, d, enc_keys, "encoder layer", "left", n_enc)
    _frame(ax, d, dec_keys, "decoder layer", "right", n_dec)
    ax.set_title(f"the Transformer, {norm}-LN: N = {N} sequences, S = {S} source and T = {T} target tokens, "
                 f"$d_\\mathrm{{model}}$ = {d_model}, h = {h}")
    return fig, ax


def plot_ln_wiring():
    """One sublayer wired post-LN (the paper: x -> LN(x + F(x))) and pre-LN (x -> x + F(LN(x))), side by side,
    the residual stream in blue, and under each the Jacobian of the sublayer's output by its input.

    Returns: (fig, (ax_post, ax_pre))
    """
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 5.0))
    for ax, norm in zip(axes, ("post", "pre")):
        d = Diagram(ax)
        col = _Column(d, 0.0, 0.45)
        col.node("x", "$x_l$", face=_EMB, gap=0.0)
        branch = col.point("branch")
        d.edge("x", branch, style="-", colour=_STREAM, lw=1.8)
        if norm == "post":
            col.node("F", "sublayer F\n(attention or FFN)", face=_ATTN, gap=0.3)
            col.node("add", "+", shape="circle", pad=0.2)
            col.node("ln", "layer norm", face=_NORM)
            col.node("y", r"$x_{l+1} = \mathrm{LN}(x_l + F(x_l))$", face=_EMB)
            d.edge(branch, "F")
            d.edge("F", "add")
            for a, b in (("add", "ln"), ("ln", "y")):
                d.edge(a, b, colour=_STREAM, lw=1.8)
            jacobian = r"$\partial x_{l+1} / \partial x_l = J_\mathrm{LN}\,(I + \partial F / \partial x_l)$"
            note = "$J_\\mathrm{LN}$, the layer norm's Jacobian, acts\non every gradient that runs down the stream"
            ax.set_title("post-LN (the paper): the norm sits\non the residual stream")
        else:
            col.node("ln", "layer norm", face=_NORM, gap=0.3)
            col.node("F", "sublayer F\n(attention or FFN)", face=_ATTN)
            col.node("add", "+", shape="circle", pad=0.2)
            col.node("y", r"$x_{l+1} = x_l + F(\mathrm{LN}(x_l))$", face=_EMB)
            d.edge(branch, "ln")
            d.edge("ln", "F")
            d.edge("F", "add")
            d.edge("add", "y", colour=_STREAM, lw=1.8)
            jacobian = r"$\partial x_{l+1} / \partial x_l = I + (\partial F / \partial z)\, J_\mathrm{LN}$"
            note = "with $z = \\mathrm{LN}(x_l)$: the identity I is a path\nfor the gradient that nothing changes"
            ax.set_title("pre-LN: the residual stream is a clean\nsum from input to output")
        d.bypass(branch, "add", label="residual", colour=_STREAM, ls="-", lw=1.8)
        d.text((0.0, 0.22), jacobian, ha="center", va="top")
        d.text((0.0, -0.2), note, ha="center", va="top", color="0.25")
        d.finish(xlim=(-2.9, 2.9), ylim=(-0.85, col.top + 0.15))
    return fig, tuple(axes)
