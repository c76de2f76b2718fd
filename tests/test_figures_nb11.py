"""Notebook 11's figures pass the figure audit (text >= 9 pt inside its boxes, colour maps with a key, a second cue,
the palette) and show what they must, read from the data they are given: the verb's move drawn from the pairs'
own columns, trainings on one clock, accuracies with Wilson intervals and counts, heat maps with the moved verb's
row marked, and grouped bars with their values."""
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

from figure_audit import audit
from helpers import plots
from helpers.plots.style import PALETTE
from helpers.sentences import accuracy_interval, load_sentences


@pytest.fixture(scope="module")
def train():
    return load_sentences()["train"]


def _first(train, condition):
    return next(i for i in range(len(train)) if condition(i))


def _same_colour(a, b):
    return np.allclose(mcolors.to_rgba(a), mcolors.to_rgba(b))


# --------------------------------------------------------------------------- where the verb moves

def test_moved_span_is_the_subject_after_a_second_verb_and_the_objects_before_a_final_one(train):
    v2 = _first(train, lambda i: train.tags[i] == ("v2",) and train.move[i] == 3)
    german = train.german[v2].split()
    span = plots.moved_span(train.german[v2], train.tags[v2], int(train.verb_tgt[v2]), 3)
    assert list(span) == [2, 3, 4] and german[1] == german[train.verb_tgt[v2]]  # adverb, verb, then the subject
    final = _first(train, lambda i: "verb_final" in train.tags[i] and train.move[i] == 4 and "v2" not in train.tags[i])
    words = train.german[final].split()
    span = plots.moved_span(train.german[final], train.tags[final], int(train.verb_tgt[final]), 4)
    assert list(span) == list(range(len(words) - 5, len(words) - 1))  # the four words before the last
    assert list(plots.moved_span("der Hund bellt", (), 2, 0)) == []


def test_verb_moves_are_drawn_from_the_pairs_own_columns(train):
    kept = _first(train, lambda i: train.move[i] == 0 and train.tags[i] == ("case",))
    second = _first(train, lambda i: train.tags[i] == ("v2",) and train.move[i] == 3)
    final = _first(train, lambda i: "verb_final" in train.tags[i] and train.move[i] == 6
                   and len(train.english[i].split()) <= 13)
    fig, axes = plots.draw_verb_moves(train, [kept, second, final], ["kept", "second", "final"])
    assert audit(fig) == []
    for ax, i in zip(axes, (kept, second, final)):
        boxes = [t for t in ax.texts if t.get_gid() and t.get_gid().startswith("node-")]
        english, german = train.english[i].split(), train.german[i].split()
        assert [t.get_text() for t in boxes] == english + german  # every word, in order: English, then German
        en_boxes, de_boxes = boxes[:len(english)], boxes[len(english):]
        marked = [k for k, t in enumerate(en_boxes) if _same_colour(t.get_bbox_patch().get_edgecolor(),
                                                                   PALETTE["vermillion"])]
        assert marked == [train.verb_src[i]]
        marked = [k for k, t in enumerate(de_boxes) if _same_colour(t.get_bbox_patch().get_edgecolor(),
                                                                   PALETTE["vermillion"])]
        assert marked == [train.verb_tgt[i]]
        shaded = [k for k, t in enumerate(de_boxes) if _same_colour(t.get_bbox_patch().get_facecolor(),
                                                                   PALETTE["light_orange"])]
        assert shaded == list(plots.moved_span(train.german[i], train.tags[i], int(train.verb_tgt[i]),
                                               int(train.move[i])))
        assert len(shaded) == train.move[i]
        texts = " ".join(t.get_text() for t in ax.texts)
        if train.move[i]:
            assert f"jumps over these {train.move[i]} words" in texts
        else:
            assert "stays in place" in texts
    assert [ax.get_title(loc="left") for ax in axes] == ["kept", "second", "final"]
    with pytest.raises(ValueError, match="index"):
        plots.draw_verb_moves(train, [len(train)])


# --------------------------------------------------------------------------- training on one clock

def test_training_budget_puts_both_runs_on_one_clock(rng):
    loss_a = 0.8 + 4 * np.exp(-np.arange(300) / 40) + 0.01 * rng.random(300)  # (300,)
    loss_b = 0.8 + 2 * np.exp(-np.arange(400) / 10) + 0.01 * rng.random(400)  # (400,)
    runs = {"Transformer": (loss_a, [(100, 10.0, 0.2), (200, 20.0, 0.9), (300, 30.0, 0.97)]),
            "LSTM with attention": (loss_b, [(200, 12.0, 0.9), (400, 24.0, 0.95)])}
    fig, (ax_loss, ax_exact) = plots.plot_training_budget(runs, window=20, floor=0.787)
    assert audit(fig) == []
    a, b = ax_exact.lines
    np.testing.assert_array_equal(a.get_xdata(), [10.0, 20.0, 30.0])
    np.testing.assert_array_equal(a.get_ydata(), [20.0, 90.0, 97.0])
    np.testing.assert_array_equal(b.get_xdata(), [12.0, 24.0])
    assert a.get_linestyle() != b.get_linestyle() and a.get_marker() != b.get_marker()  # a second cue
    mean_a = ax_loss.lines[0]
    assert mean_a.get_xdata()[-1] == pytest.approx(30.0)  # the last step ends at the run's last second
    np.testing.assert_allclose(mean_a.get_ydata()[-1], loss_a[-20:].mean())
    labels = [t.get_text() for t in ax_loss.get_legend().get_texts()]
    assert labels == ["Transformer: 300 steps, 30 s", "LSTM with attention: 400 steps, 24 s", "lowest possible: 0.787"]
    assert ax_loss.get_yscale() == "log" and ax_exact.get_xlim()[1] <= 31


# --------------------------------------------------------------------------- against the distance

def test_accuracy_by_move_shows_wilson_intervals_and_counts():
    moves, counts = np.arange(8), np.array([352, 110, 386, 433, 333, 199, 133, 54])
    acc = {"Transformer": np.array([0.99, 1.0, 0.997, 1.0, 0.988, 0.985, 0.992, 1.0]),
           "LSTM with attention": np.array([0.974, 0.973, 0.977, 0.979, 0.955, 0.975, 0.955, 0.944])}
    labels = ["0", "1", "2", "3", "4", "5", "6", "7-8"]
    fig, (ax, ax_counts) = plots.plot_by_move(moves, acc, counts, "exact match", intervals=True, tick_labels=labels)
    assert audit(fig) == []
    named = [l for l in ax.lines if not l.get_label().startswith("_")]
    assert [l.get_label() for l in named] == list(acc)
    for line, (name, values) in zip(named, acc.items()):
        np.testing.assert_allclose(line.get_ydata(), values)
    low, high = accuracy_interval(acc["LSTM with attention"], counts)
    bars = ax.containers[1]  # the second series' error bars
    segments = bars.lines[2][0].get_segments()
    np.testing.assert_allclose([s[0][1] for s in segments], low)
    np.testing.assert_allclose([s[1][1] for s in segments], high)
    assert [p.get_height() for p in ax_counts.patches] == list(counts)
    assert [t.get_text() for t in ax_counts.texts] == [str(c) for c in counts]
    assert [t.get_text() for t in ax_counts.get_xticklabels()] == labels
    assert ax.get_ylim()[0] < low.min() and ax.get_ylim()[1] <= 1.03


def test_verb_weight_by_move_uses_the_styles_it_is_given():
    moves, counts = np.arange(1, 5), np.array([10, 20, 30, 5])
    series = {"head: on the verb": np.array([0.98, 0.97, 0.99, 0.95]), "LSTM: on the verb": np.full(4, 0.95),
              "head: control": np.full(4, 0.01), "LSTM: control": np.full(4, 0.02)}
    styles = {"head: control": {"color": PALETTE["blue"], "ls": ":"},
              "LSTM: control": {"color": PALETTE["vermillion"], "ls": ":"}}
    fig, (ax, _) = plots.plot_by_move(moves, series, counts, "weight", styles=styles)
    assert audit(fig) == []
    lines = {l.get_label(): l for l in ax.lines}
    assert lines["head: control"].get_linestyle() == ":" and _same_colour(lines["head: control"].get_color(),
                                                                          PALETTE["blue"])
    assert _same_colour(lines["LSTM: on the verb"].get_color(), PALETTE["vermillion"])
    assert ax.get_ylim()[0] <= 0.0
    with pytest.raises(ValueError, match="tick_labels"):
        plots.plot_by_move(moves, series, counts, "weight", tick_labels=["1"])


# --------------------------------------------------------------------------- heat maps

def _panels(rng, n, T, S, rows=None, cols=None):
    panels = []
    for k in range(n):
        w = rng.random((T, S))
        w /= w.sum(axis=1, keepdims=True)  # attention rows
        panels.append(dict(title=f"layer {k // 4 + 1}, head {k % 4 + 1}", weights=w,
                           rows=rows or [f"de{t}" for t in range(T)], cols=cols or [f"en{s}" for s in range(S)],
                           mark_row=T - 2, mark_col=1))
    return panels


def test_attention_panels_mark_the_moved_verbs_row_and_cell(rng):
    panels = _panels(rng, 8, 15, 13)  # the notebook's grid: 2 layers x 4 heads, a 13-word sentence
    fig, axes = plots.plot_attention_panels(panels, ncols=4, suptitle="cross-attention")
    assert audit(fig) == []
    assert fig.get_size_inches()[0] <= 12.0
    viridis, scale = plt.get_cmap("viridis"), plt.Normalize(0.0, 1.0)
    for ax, p in zip(axes, panels):
        np.testing.assert_allclose(ax.images[0].get_array(), viridis(scale(p["weights"])))  # the key's colours
        frame = next(a for a in ax.patches if a.get_gid() == "mark-row")
        cell = next(a for a in ax.patches if a.get_gid() == "mark-cell")
        assert frame.get_xy() == (-0.5, p["mark_row"] - 0.5) and frame.get_width() == 13
        assert cell.get_xy() == (p["mark_col"] - 0.5, p["mark_row"] - 0.5)
        assert _same_colour(frame.get_edgecolor(), PALETTE["vermillion"])
    first, last = axes[0], axes[-1]
    assert first.get_yticklabels()[13].get_fontweight() == "bold"  # the marked row's label, where labels are drawn
    assert _same_colour(first.get_yticklabels()[13].get_color(), PALETTE["vermillion"])
    assert _same_colour(last.get_xticklabels()[1].get_color(), PALETTE["vermillion"])
    assert [ax.get_title() for ax in axes][:2] == ["layer 1, head 1", "layer 1, head 2"]
    keys = [a for a in fig.axes if a.get_label() == "<colorbar>"]
    assert len(keys) == 1  # one colour bar for all eight maps, which share its scale
    key = keys[0]._colorbar
    assert key.cmap.name == "viridis" and (key.norm.vmin, key.norm.vmax) == (0.0, 1.0)
    assert key.ax.get_ylabel() == "attention weight"
    fig, axes = plots.plot_attention_panels(_panels(rng, 8, 13, 11), ncols=4)  # the notebook's 11-word sentence
    assert audit(fig) == [] and fig.get_size_inches()[0] <= 12.0
    assert {t.get_fontsize() for t in axes[0].get_yticklabels()} == {10.0}  # with one key, room for 10 pt words


def test_attention_panels_of_different_sentences_keep_one_cell_size_and_print_the_marked_row(rng):
    words_a, words_b = "anna finds teddy because the dog sleeps".split(), "anna finds the teddy bear because".split()
    w_a, w_b = rng.random((7, 7)), rng.random((6, 6))
    panels = [dict(title="teddy", weights=w_a / w_a.sum(1, keepdims=True), rows=words_a, cols=words_a, mark_row=2,
                   mark_col=3),
              dict(title="the teddy bear", weights=w_b / w_b.sum(1, keepdims=True), rows=words_b, cols=words_b,
                   mark_row=3, mark_col=4)]
    fig, axes = plots.plot_attention_panels(panels, values=True, ylabel="query: English word")
    assert audit(fig) == []
    assert sum(a.get_label() == "<colorbar>" for a in fig.axes) == 1
    for ax, p in zip(axes, panels):
        printed = [t.get_text() for t in ax.texts]
        expected = [f"{v:.2f}".removeprefix("0") if v >= 0.005 else "" for v in p["weights"][p["mark_row"]]]
        assert printed == expected
        assert ax.get_xlim() == (-0.5, len(p["cols"]) - 0.5)  # each map its own words, no empty margin
    fig.canvas.draw()
    widths = [ax.get_window_extent().width / len(p["cols"]) for ax, p in zip(axes, panels)]
    assert widths[0] == pytest.approx(widths[1], rel=0.15)  # about the same cell size


def test_attention_panels_refuse_labels_that_do_not_fit():
    with pytest.raises(ValueError, match="panels\\[0\\]"):
        plots.plot_attention_panels([dict(weights=np.ones((2, 3)), rows=["a"], cols=["x", "y", "z"])])


# --------------------------------------------------------------------------- scores per head

def test_head_bars_draw_and_print_every_value():
    groups = plots.head_labels(2, 4) + ["LSTM"]
    assert groups[0] == "layer 1\nhead 1" and groups[7] == "layer 2\nhead 4"
    verb = np.array([0.67, 0.10, 0.28, 0.51, 0.97, 0.95, 0.92, 0.51, 0.96])
    control = np.array([0.08, 0.29, 0.30, 0.14, 0.01, 0.01, 0.03, 0.14, 0.01])
    title = "the moved verb's row"
    fig, axes = plots.plot_head_bars({title: {"on the English verb": verb, "control": control}}, groups,
                                     "mean attention weight", references={title: (0.087, "uniform attention")})
    assert audit(fig) == []
    ax = axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    np.testing.assert_allclose([b.get_height() for b in bars], np.r_[verb, control])
    assert bars[0].get_hatch() in (None, "") and bars[-1].get_hatch() == "///"  # a second cue besides colour
    assert [t.get_text() for t in ax.texts] == [f"{v:.2f}".removeprefix("0") for v in np.r_[verb, control]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["on the English verb", "control",
                                                                  "uniform attention"]
    assert ax.lines[0].get_ydata()[0] == pytest.approx(0.087)
    assert [t.get_text() for t in ax.get_xticklabels()] == groups


def test_head_bars_stack_panels_and_refuse_wrong_lengths():
    panels = {"house": {"compound": np.full(8, 0.2), "other": np.full(8, 0.05)},
              "teddy": {"compound": np.full(8, 0.3), "other": np.full(8, 0.1)}}
    fig, axes = plots.plot_head_bars(panels, plots.head_labels(2, 4), "weight")
    assert audit(fig) == [] and [ax.get_title() for ax in axes] == ["house", "teddy"]
    for ax in axes:  # small weights: the axis ends a little above the largest (0.3), the same in every panel
        assert 0.3 * 1.3 < ax.get_ylim()[1] <= 0.5
    fig, axes = plots.plot_head_bars({"p": {"s": np.full(8, 0.9)}}, plots.head_labels(2, 4), "weight")
    assert axes[0].get_ylim()[1] == pytest.approx(1.16)  # weights near 1: room for the printed values
    with pytest.raises(ValueError, match="expected \\(8,\\) values"):
        plots.plot_head_bars({"p": {"s": np.ones(3)}}, plots.head_labels(2, 4), "weight")
