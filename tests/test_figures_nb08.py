"""The figures of notebook 08 meet the course's figure standard and show what the code computes: the encoder-decoder
diagrams carry the shapes of a real forward pass, the memory feeds the attention of every decoder step, the heat
maps and the explorers' figures have keys, a second cue and readable text."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402

from figure_audit import audit  # noqa: E402
from helpers.plots import (COLORS, draw_seq2seq, plot_accuracy_by_length, plot_alignments, plot_attention_masks,  # noqa: E402
                           plot_score_scaling, plot_seq2seq_diagrams, seq2seq_shapes, update_attention_masks,
                           update_score_scaling, use_course_style)
from helpers.plots.style import PALETTE  # noqa: E402
from helpers.score_scaling import ScoreScalingProbe  # noqa: E402
from helpers.seeding import make_rng  # noqa: E402
from helpers.seq2seq import init_seq2seq, make_reversal_batch, one_hot, seq2seq_forward  # noqa: E402

MAX_WIDTH = 12.0  # inches: 960 px at the course's 80 dpi


@pytest.fixture(autouse=True)
def _style():
    use_course_style()
    yield
    plt.close("all")


def _gids(ax, prefix):
    return {t.get_gid() for t in ax.texts if (t.get_gid() or "").startswith(prefix)}


def _patch(ax, gid):
    return next(p for p in ax.patches if p.get_gid() == gid)


def _batch(S=3, T=3, N=32):
    src, _, tgt_in = make_reversal_batch(max(S, T), N, make_rng(80))  # (L, N) each
    return src[:S], tgt_in[:T]


# --------------------------------------------------------------------------- the encoder-decoder diagrams

@pytest.mark.parametrize("kind", ["none", "dot", "additive"])
def test_seq2seq_shapes_are_those_of_the_forward_pass(kind):
    params = init_seq2seq(kind, 6, make_rng(0), context_size=5)
    src, tgt_in = _batch(S=4, T=3, N=2)
    logits, cache = seq2seq_forward(params, src, tgt_in)  # (T, N, K)
    shapes = seq2seq_shapes(params, src, tgt_in)
    assert (shapes["S"], shapes["T"], shapes["N"]) == (4, 3, 2)
    assert shapes["x"] == one_hot(src)[0].shape == (2, 11)
    assert shapes["h"] == cache.enc_cache.y[0].shape and shapes["state"] == cache.enc_cache.c[-1].shape == (2, 6)
    assert shapes["s"] == cache.dec_cache.y[0].shape == (2, 6)
    assert shapes["h_tilde"] == cache.h_tilde[:, 0].shape == (2, 5) and shapes["p"] == logits[0].shape == (2, 10)
    if kind == "none":
        assert "memory" not in shapes and cache.weights is None
    else:
        assert shapes["memory"] == (2, 4, 6) and shapes["context"] == (2, 6)
        assert shapes["weights"] == cache.weights[:, 0].shape == (2, 4)


def test_without_attention_the_final_state_is_the_only_bridge():
    params = init_seq2seq("none", 64, make_rng(1))
    src, tgt_in = _batch()
    fig, ax = draw_seq2seq(params, src, tgt_in)
    assert audit(fig) == [] and fig.get_size_inches()[0] <= MAX_WIDTH
    assert _gids(ax, "node-enc") == {f"node-enc{j}" for j in range(3)}
    assert _gids(ax, "node-dec") == {f"node-dec{t}" for t in range(3)}
    assert not _gids(ax, "node-att") and not _gids(ax, "node-memory")
    bridge = _patch(ax, "edge-enc2-dec0")  # the bottleneck: thick, vermillion
    assert bridge.get_linewidth() > 2 * _patch(ax, "edge-enc1-enc2").get_linewidth()
    assert to_hex(bridge.get_edgecolor()) == PALETTE["vermillion"].lower()
    # no other arrow leaves the encoder for the decoder's side
    assert not [p for p in ax.patches if (p.get_gid() or "").startswith("edge-enc") and "-enc" not in p.get_gid()[5:]
                and p is not bridge]
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "2 × (32, 64)" in texts and "2H = 128 numbers" in texts
    assert "(32, 11)" in texts and "(32, 10)" in texts  # one-hot inputs, output probabilities
    assert "N = 32" in ax.get_title() and "S = T = 3" in ax.get_title()


@pytest.mark.parametrize("kind, score", [("dot", "dot product"), ("additive", "additive score")])
def test_with_attention_the_memory_feeds_every_decoder_step(kind, score):
    params = init_seq2seq(kind, 64, make_rng(1))
    src, tgt_in = _batch(S=3, T=3)
    fig, ax = draw_seq2seq(params, src, tgt_in)
    assert audit(fig) == [] and fig.get_size_inches()[0] <= MAX_WIDTH
    gids = {p.get_gid() for p in ax.patches}
    assert {f"edge-enc{j}-mem{j}" for j in range(3)} <= gids  # every encoder output enters the memory
    memory = next(t for t in ax.texts if t.get_gid() == "node-memory")
    for j in range(3):
        assert _patch(ax, f"edge-enc{j}-mem{j}").patchB is memory.get_bbox_patch()
    for t in range(3):  # the memory's line reaches every step: a drop into each attention, whose context goes on
        assert {f"edge-bus{t}-att{t}", f"edge-dec{t}-att{t}", f"edge-att{t}-out{t}", f"edge-dec{t}-out{t}"} <= gids
        assert score in next(x for x in ax.texts if x.get_gid() == f"node-att{t}").get_text()
    line = _patch(ax, "edge-memory-bus2")
    assert line.patchB is None or line.shrinkB == 0
    texts = " ".join(t.get_text() for t in ax.texts)
    for shape in ("(32, 3, 64)", "(32, 3)", "(32, 64)", "(32, 11)", "(32, 10)"):  # memory, a_t, c_t, x, p
        assert shape in texts, shape
    assert "2H = " not in texts  # no bottleneck note: the bridge is no longer the only path
    assert _patch(ax, "edge-enc2-dec0").get_linewidth() < 2


def test_the_two_diagrams_line_up_without_empty_space():
    src, tgt_in = _batch()
    fig, (top, bottom) = plot_seq2seq_diagrams(init_seq2seq("none", 64, make_rng(1)),
                                               init_seq2seq("dot", 64, make_rng(1)), src, tgt_in)
    assert audit(fig) == [] and fig.get_size_inches()[0] <= MAX_WIDTH
    assert top.get_xlim() == bottom.get_xlim()
    # the panel without attention has fewer rows: it gets less height, in proportion to its content
    assert np.diff(top.get_ylim())[0] < np.diff(bottom.get_ylim())[0]
    ratio = top.get_position().height / bottom.get_position().height
    assert ratio == pytest.approx(np.diff(top.get_ylim())[0] / np.diff(bottom.get_ylim())[0], rel=0.15)


# --------------------------------------------------------------------------- accuracy and heat maps

def test_accuracy_figure_uses_the_palette_and_a_second_cue():
    lengths = np.arange(1, 17)
    acc = {"none": np.linspace(1, 0.03, 16), "dot": np.full(16, 0.99), "additive": np.full(16, 1.0)}
    fig, ax = plot_accuracy_by_length(lengths, acc, title="Reversing $L$ symbols")
    assert audit(fig) == []
    colours = [to_hex(line.get_color()) for line in ax.lines]
    assert colours == [PALETTE["grey"].lower(), PALETTE["blue"].lower(), PALETTE["vermillion"].lower()]
    assert len({(line.get_linestyle(), line.get_marker()) for line in ax.lines}) == 3
    assert all(t.get_fontsize() >= 9 for t in ax.get_legend().get_texts())


def test_alignment_maps_have_colour_bars_and_mark_the_symbol_to_write():
    S = 6
    rng = make_rng(3)
    weights = {"dot": rng.dirichlet(np.ones(S), size=S), "additive": rng.dirichlet(np.ones(S), size=S)}
    target = S - 1 - np.arange(S)  # (T,): reversal
    fig, axes = plot_alignments(weights, "ABCDEF", "FEDCBA", target=target, suptitle="a")
    assert audit(fig) == [] and fig.get_size_inches()[0] <= MAX_WIDTH
    colorbars = [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is not None]
    assert len(colorbars) == 2 and {cb._colorbar.mappable for cb in colorbars} == {ax.images[0] for ax in axes}
    for ax, w in zip(axes, weights.values()):
        np.testing.assert_array_equal(ax.images[0].get_array(), w)
        assert ax.images[0].get_cmap().name == "viridis"
        squares = ax.lines[0]
        np.testing.assert_array_equal(squares.get_xdata(), target)
        np.testing.assert_array_equal(squares.get_ydata(), np.arange(S))
    with pytest.raises(ValueError, match="target"):
        plot_alignments(weights, "ABCDEF", "FEDCBA", target=np.arange(S) + 1)


# --------------------------------------------------------------------------- 1/sqrt(d_k) and masks

@pytest.fixture(scope="module")
def probe():
    return ScoreScalingProbe(make_rng(81), n_keys=8, max_d_k=1024, samples=50)


def test_scaling_figure_is_readable_and_moves_without_new_artists(probe):
    fig, axes = plot_score_scaling(probe.statistics, probe.row(64))
    assert audit(fig) == [] and fig.get_size_inches()[0] <= MAX_WIDTH
    ax_var, ax_row, ax_jac = axes
    for ax in (ax_var, ax_jac):  # unscaled and scaled differ by colour, line style and marker
        looks = {(line.get_linestyle(), line.get_marker()) for line in ax.lines if not line.get_label().startswith("_")}
        assert len(looks) == len([line for line in ax.lines if not line.get_label().startswith("_")])
    hatches = {p.get_gid(): p.get_hatch() for p in ax_row.patches}
    assert hatches["unscaled"] and not hatches["scaled"]  # bars: a hatch as the second cue
    assert "$" in ax_var.get_title() and "$d_k$ = 64" in ax_row.get_title()
    before = [len(ax.get_children()) for ax in axes]
    update_score_scaling(axes, probe.row(1024))
    assert [len(ax.get_children()) for ax in axes] == before and "$d_k$ = 1024" in ax_row.get_title()
    assert audit(fig) == []


def test_mask_figure_keys_its_two_colours_and_moves_without_new_artists():
    q, k = make_rng(82).standard_normal((2, 8, 16))  # (T, d_k) each
    fig, axes = plot_attention_masks(q, k, 5, True, "left")
    assert audit(fig) == [] and fig.get_size_inches()[0] <= MAX_WIDTH
    blue = np.asarray(to_rgb(COLORS["input"]))
    causal = np.all(np.isclose(axes[1].images[0].get_array(), blue), axis=-1)  # (T, T): drawn as "may attend"
    np.testing.assert_array_equal(causal, np.tril(np.ones((8, 8), dtype=bool)))
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["True: may attend", "False: masked (weight exactly 0)",
                                                         "fully masked row"]
    full = next(line for line in axes[3].lines if line.get_gid() == "full")
    assert to_hex(full.get_color()) == PALETTE["vermillion"].lower()
    np.testing.assert_array_equal(full.get_ydata(), [0, 1, 2])
    before = [len(ax.get_children()) for ax in axes]
    update_attention_masks(axes, q, k, 8, False, "right")
    assert [len(ax.get_children()) for ax in axes] == before
    assert np.all(np.isclose(axes[2].images[0].get_array(), blue))  # nothing masked any more
    assert audit(fig) == []


def test_the_explorers_figures_pass_the_audit(probe):
    from helpers.widgets import MaskExplorer, ScalingExplorer
    scaling = ScalingExplorer(probe, d_k=64)
    q, k = make_rng(82).standard_normal((2, 8, 16))
    masks = MaskExplorer(q, k, length=5, causal=True, side="right")
    for explorer in (scaling, masks):
        assert audit(explorer.fig) == []
        assert explorer.fig.get_size_inches()[0] <= MAX_WIDTH + 0.5  # (grown a little to hold what sits outside)
