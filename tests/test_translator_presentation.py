"""Figures and the explorer of notebook 10 (the toy translator): they draw the numbers they are given, and the
explorer moves its existing artists for every control, bad input included."""
import numpy as np
import pytest

from helpers.plots.style import artist_by_gid
from helpers import plots
from helpers.seeding import make_rng
from helpers.transformer import init_transformer
from helpers.translation import (DE_VOCAB, EN_VOCAB, TranslatorConfig, attention_maps,
                                 translate)


_gid = artist_by_gid


@pytest.fixture(scope="module")
def model():
    """A small untrained model: its output is arbitrary, which is what the figures must show faithfully."""
    config = TranslatorConfig(d_model=16, h=2, d_ff=32, n_layers=2, norm="pre")
    params = init_transformer(len(EN_VOCAB), len(DE_VOCAB), 16, 2, 32, 2, make_rng(4), norm="pre")
    return params, config


def test_training_figure_draws_the_loss_its_average_and_the_validation_accuracy(rng):
    loss = 1.0 + rng.random(120)  # (120,)
    history = [(40, 1.0, 0.5), (80, 2.0, 0.75), (120, 3.0, 0.9)]
    fig, (ax_loss, ax_exact) = plots.plot_translator_training(loss, history, window=10, floor=0.66)
    raw, smooth = ax_loss.lines[:2]
    np.testing.assert_array_equal(raw.get_xdata(), np.arange(1, 121))
    np.testing.assert_array_equal(raw.get_ydata(), loss)
    np.testing.assert_array_equal(smooth.get_xdata(), np.arange(10, 121))
    np.testing.assert_allclose(smooth.get_ydata(), [loss[i - 10:i].mean() for i in range(10, 121)])
    assert ax_loss.lines[2].get_ydata()[0] == 0.66  # the floor
    np.testing.assert_array_equal(ax_exact.lines[0].get_xdata(), [40, 80, 120])
    np.testing.assert_allclose(ax_exact.lines[0].get_ydata(), [50, 75, 90])
    assert [t.get_text() for t in ax_exact.texts] == ["50.0%", "75.0%", "90.0%"]
    with pytest.raises(ValueError, match=r"loss: expected a 1-D array"):
        plots.plot_translator_training(loss[None], history)
    with pytest.raises(ValueError, match="history: expected at least one"):
        plots.plot_translator_training(loss, [])


def test_attention_figure_draws_every_map_of_one_kind(model, number_pairs):
    params, config = model
    maps = attention_maps(params, config, *number_pairs[341])
    for kind, rows in (("encoder", "source"), ("decoder", "decoder_input"), ("cross", "target")):
        fig, axes = plots.plot_translation_attention(maps, kind=kind, suptitle="341")
        assert axes.shape == (2, 2)  # (layers, heads)
        for layer in range(2):
            for head in range(2):
                ax = axes[layer, head]
                np.testing.assert_array_equal(ax.images[0].get_array(), maps[kind][layer][head])
                assert ax.get_title() == f"layer {layer + 1}, head {head + 1}"
        assert [t.get_text() for t in axes[1, 0].get_yticklabels()] == maps[rows]
    assert [t.get_text() for t in axes[1, 0].get_xticklabels()] == ["three", "hundred", "forty", "one"]
    fig, axes = plots.plot_translation_attention(maps, kind="cross", layers=[1])
    assert axes.shape == (1, 2)
    np.testing.assert_array_equal(axes[0, 1].images[0].get_array(), maps["cross"][1][1])
    with pytest.raises(ValueError, match="kind: expected one of"):
        plots.plot_translation_attention(maps, kind="self")
    with pytest.raises(ValueError, match=r"layers: expected indices in \[0, 2\)"):
        plots.plot_translation_attention(maps, kind="cross", layers=[2])


def test_head_scores_figure_shows_the_scores(rng):
    scores = rng.random((2, 3))  # (n_layers, h)
    fig, ax = plots.plot_head_scores(scores, title="t")
    np.testing.assert_array_equal(ax.images[0].get_array(), scores)
    assert [t.get_text() for t in ax.texts] == [f"{s:.3f}" for s in scores.ravel()]
    with pytest.raises(ValueError, match=r"scores: expected shape \(n_layers, h\)"):
        plots.plot_head_scores(scores[0])


def test_translation_view_is_the_models_greedy_translation(model, number_pairs):
    params, config = model
    for number in (341, "7021", " 96 "):
        view = plots.translation_view(params, config, number, number_pairs)
        n = int(str(number))
        assert view["message"] is None and view["number"] == n
        assert view["english"] == number_pairs[n][0] and view["expected"] == number_pairs[n][1]
        assert view["predicted"] == translate(params, config, [number_pairs[n][0]])[0]
        assert "".join(p for p in view["target"] if p != "<eos>") == view["predicted"]
        assert view["correct"] == (view["predicted"] == number_pairs[n][1])
        for weights in view["cross"]:  # per layer (h, T_out, T_src), rows are distributions
            assert weights.shape == (2, len(view["target"]), len(view["source"]))
            np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-6)
    for bad, words in (("abc", "not a whole number"), ("", "not a whole number"), ("3.5", "not a whole number"),
                       ("10000", "out of range"), ("-1", "out of range")):
        view = plots.translation_view(params, config, bad, number_pairs)
        assert words in view["message"] and view["cross"] == [] and view["target"] == []


def test_translation_explorer_figure_draws_the_view(model, number_pairs):
    params, config = model
    view = plots.translation_view(params, config, 1815, number_pairs)
    fig, ax = plots.plot_translation_explorer(view, layer=1, head=1)
    data = _gid(ax, "weights").get_array()
    T_out, T_src = view["cross"][1][1].shape
    np.testing.assert_allclose(data, view["cross"][1][1])  # only the real cells, stretched over the axes
    assert data.shape == (T_out, T_src) and np.ma.count_masked(data) == 0
    assert [_gid(ax, f"col{j}").get_text() for j in range(T_src)] == view["source"]
    assert _gid(ax, f"col{T_src}").get_text() == ""
    assert [_gid(ax, f"row{i}").get_text() for i in range(T_out)] == view["target"]
    assert "1815" in ax.get_title() and "layer 2, head 2" in ax.get_title()


def test_translation_explorer_moves_its_artists_for_every_control(model, number_words, number_pairs):
    from helpers.widgets import TranslationExplorer
    params, config = model
    explorer = TranslationExplorer(params, config, number_words, number=341, layer=0, head=0)
    ax = explorer.ax
    image = _gid(ax, "weights")
    children = list(ax.get_children())
    limits = (ax.get_xlim(), ax.get_ylim())
    previous = (image.get_array().filled(-1.0).tobytes(), ax.get_title())
    for control, value in ((explorer.number_box, "7021"), (explorer.layer_buttons, 1), (explorer.head_buttons, 1),
                           (explorer.number_box, "96"), (explorer.number_box, "twelve"),
                           (explorer.number_box, "12345"), (explorer.number_box, "341")):
        control.value = value
        layer, head = explorer.layer_buttons.value, explorer.head_buttons.value
        view = plots.translation_view(params, config, explorer.number_box.value, number_pairs)
        data_now = image.get_array()
        if view["message"]:
            assert data_now.mask.all()  # nothing to show: one blank cell
            assert ax.get_title() == view["message"]
            assert all(_gid(ax, f"row{i}").get_text() == "" for i in range(plots.TRANSLATION_VIEW_SIZE[0]))
        else:
            weights = view["cross"][layer][head]  # (T_out, T_src)
            np.testing.assert_allclose(data_now, weights)
            assert [_gid(ax, f"col{j}").get_text() for j in range(weights.shape[1])] == view["source"]
            assert f"layer {layer + 1}, head {head + 1}" in ax.get_title()
            assert view["predicted"] in ax.get_title()
        shown = (data_now.filled(-1.0).tobytes(), ax.get_title())
        assert shown != previous  # what is shown changed
        previous = shown
        assert list(ax.get_children()) == children  # the same artists, moved
        assert (ax.get_xlim(), ax.get_ylim()) == limits
        assert explorer.image.value[:4] == b"\x89PNG"


def test_translation_explorer_builds_without_arguments_and_rejects_bad_settings(model, number_words):
    from helpers.widgets import TranslationExplorer
    explorer = TranslationExplorer()
    assert explorer.number_box.value == "341"
    assert [v for _, v in explorer.layer_buttons.options] == [0, 1]
    assert [v for _, v in explorer.head_buttons.options] == [0, 1, 2, 3]
    params, config = model
    with pytest.raises(ValueError, match="config: expected the TranslatorConfig of the model"):
        TranslationExplorer(params, {"h": 2}, number_words)
    with pytest.raises(ValueError, match=r"layer, head: expected 0 <= layer < 2 and 0 <= head < 2"):
        TranslationExplorer(params, config, number_words, head=2)
