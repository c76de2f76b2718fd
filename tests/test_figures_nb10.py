"""Notebook 10's figures pass the figure audit (text >= 9 pt, colour maps with a key, a second cue, the palette) and
show what they must: every attention weight printed in its cell, layers and heads numbered from 1, a zoom on the
loss near its floor, and an explorer map made only of real cells, whatever the number."""
import matplotlib.colors as mcolors
import numpy as np
import pytest

from figure_audit import audit
from helpers.plots.style import artist_by_gid
from helpers import plots
from helpers.plots.style import PALETTE, text_colour_on
from helpers.seeding import make_rng
from helpers.transformer import init_transformer
from helpers.translation import DE_VOCAB, EN_VOCAB, TranslatorConfig, attention_maps


_gid = artist_by_gid


@pytest.fixture(scope="module")
def model():
    """An untrained model of the notebook's shape (4 heads, 2 + 2 layers), smaller: its maps are arbitrary."""
    config = TranslatorConfig(d_model=16, h=4, d_ff=32, n_layers=2, norm="pre")
    params = init_transformer(len(EN_VOCAB), len(DE_VOCAB), 16, 4, 32, 2, make_rng(10), norm="pre")
    return params, config


def test_training_figure_is_readable_and_zooms_on_the_floor(rng):
    loss = 0.661 + 3.0 * np.exp(-np.arange(400) / 10) + 0.01 * rng.random(400)  # (400,)
    history = [(200, 1.0, 0.99), (400, 2.0, 1.0)]
    fig, (ax_loss, ax_exact) = plots.plot_translator_training(loss, history, window=20, floor=0.661)
    assert audit(fig) == []
    dots, mean, floor = ax_loss.lines[:3]
    assert dots.get_linestyle() == "None" and dots.get_marker() == "."  # a second cue: dots, a line, a dashed line
    assert mean.get_linestyle() == "-" and floor.get_linestyle() == "--"
    assert ax_loss.get_xlim()[1] <= 401  # the axes end with the data
    zoom = ax_loss.child_axes[0]
    np.testing.assert_array_equal(zoom.lines[0].get_xdata(), np.arange(81, 401))  # the last 80% of the steps
    np.testing.assert_array_equal(zoom.lines[0].get_ydata(), loss[80:])
    low, high = zoom.get_ylim()
    assert low < 0.661 < high and high < 0.75  # the floor and the tail, magnified
    assert zoom.get_title() == "zoom: steps 81-400"
    assert [t.get_text() for t in ax_exact.texts] == ["99.0%", "100.0%"]
    assert all(t.get_fontsize() >= 9 for t in ax_exact.texts + ax_loss.get_legend().get_texts())


@pytest.mark.parametrize("number", [341, 1815, 7, 7777])
@pytest.mark.parametrize("kind", ["encoder", "decoder", "cross"])
def test_attention_maps_print_every_weight_and_number_heads_from_one(model, number_pairs, number, kind):
    params, config = model
    maps = attention_maps(params, config, *number_pairs[number])
    fig, axes = plots.plot_translation_attention(maps, kind=kind, suptitle=f"{number}: {kind}")
    assert audit(fig) == []
    assert axes.shape == (2, 4)
    assert fig.get_size_inches()[0] <= 12.2  # at most ~12 in wide: it fits the notebook's width
    for layer in range(2):
        for head in range(4):
            ax = axes[layer, head]
            weights = maps[kind][layer][head]  # (T_query, T_key)
            np.testing.assert_array_equal(ax.images[0].get_array(), weights)
            assert ax.images[0].get_cmap().name == "viridis"
            assert ax.get_title() == f"layer {layer + 1}, head {head + 1}"
            printed = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
            assert printed == {(i, j): "" if w < 0.005 else f"{w:.2f}".removeprefix("0")
                               for (i, j), w in np.ndenumerate(weights)}
            assert all(t.get_fontsize() >= 9 for t in ax.texts)
            # a cell holds its printed weight: at least 0.34 in (27 px at 80 dpi) on each side
            bbox = ax.get_window_extent()
            assert bbox.width / weights.shape[1] >= 0.33 * fig.dpi
    labels = {"encoder": maps["source"], "decoder": maps["decoder_input"], "cross": maps["target"]}[kind]
    shown = [ax for ax in axes.ravel() if any(t.get_text() for t in ax.get_yticklabels())]
    assert shown and all([t.get_text() for t in ax.get_yticklabels()] == labels for ax in shown)


def test_head_scores_use_the_attention_colour_map_and_readable_values(rng):
    scores = rng.random((2, 4))  # (n_layers, h)
    fig, ax = plots.plot_head_scores(scores, title="inversion score")
    assert audit(fig) == []
    assert ax.images[0].get_cmap().name == "viridis"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["head 1", "head 2", "head 3", "head 4"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["layer 1", "layer 2"]
    for text, s in zip(ax.texts, scores.ravel()):  # black on light cells, white on dark ones
        assert text.get_color() == text_colour_on(ax.images[0].get_cmap()(s))


@pytest.mark.parametrize("number", [7, 96, 1815, 7777, "twelve", "12345"])
def test_explorer_figure_shows_only_real_cells(model, number_pairs, number):
    params, config = model
    view = plots.translation_view(params, config, number, number_pairs)
    fig, ax = plots.plot_translation_explorer(view, layer=1, head=3)
    assert audit(fig) == []
    image = _gid(ax, "weights")
    assert image.get_cmap().name == "viridis"
    assert tuple(image.get_extent()) == (0.0, 1.0, 1.0, 0.0)  # the map fills the axes: no empty region
    assert (ax.get_xlim(), ax.get_ylim()) == ((0.0, 1.0), (1.0, 0.0))
    data = image.get_array()
    if view["message"]:
        assert data.mask.all() and ax.get_title() == view["message"]
        return
    weights = view["cross"][1][3]  # (T_out, T_src)
    np.testing.assert_allclose(data, weights)
    assert np.ma.count_masked(data) == 0  # no blank or grey cell inside the map
    T_out, T_src = weights.shape
    cols = [_gid(ax, f"col{j}") for j in range(T_src)]
    rows = [_gid(ax, f"row{i}") for i in range(T_out)]
    assert [t.get_text() for t in cols] == view["source"] and [t.get_text() for t in rows] == view["target"]
    np.testing.assert_allclose([t.get_position()[0] for t in cols], (np.arange(T_src) + 0.5) / T_src)
    np.testing.assert_allclose([t.get_position()[1] for t in rows], (np.arange(T_out) + 0.5) / T_out)
    assert "layer 2, head 4" in ax.get_title()
    colour = mcolors.to_hex(ax.title.get_color())
    assert colour == (PALETTE["vermillion"].lower() if not view["correct"] else "#000000")
    assert ("✓ right" in ax.get_title()) == view["correct"] and ("✗ wrong" in ax.get_title()) == (not view["correct"])


def test_explorer_title_sits_above_the_words_after_any_move(model, number_words):
    from helpers.widgets import TranslationExplorer
    params, config = model
    explorer = TranslationExplorer(params, config, number_words, number=341, layer=0, head=0)
    renderer = explorer._canvas.get_renderer()
    for value in ("7777", "7", "abc", "96"):
        explorer.number_box.value = value
        explorer.head_buttons.value = 3 - explorer.head_buttons.value
        words = [_gid(explorer.ax, f"col{j}") for j in range(plots.TRANSLATION_VIEW_SIZE[1])]
        top = max(w.get_window_extent(renderer).y1 for w in words if w.get_text()) if any(
            w.get_text() for w in words) else 0
        assert explorer.ax.title.get_window_extent(renderer).y0 >= top  # never drawn over the English words
        assert audit(explorer.fig) == []
