"""The explorers' fast rendering (a cached background plus the changed artists) must show exactly the
figure a full redraw shows, after any sequence of slider moves."""
import io
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_widgets  # noqa: E402  (its constructors build every explorer as its notebook does)


@pytest.fixture(autouse=True)
def course_style():
    """The explorers as the notebooks show them, in the course's style (which other test files may or may not
    have set before on this worker), restored afterwards."""
    from helpers.plots import use_course_style
    with plt.rc_context():
        use_course_style()
        yield


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)  # differences fit: |a - b| <= 765


def full_redraw(fig) -> np.ndarray:
    """The figure drawn anew by savefig, as RGB pixels: the raw RGBA buffer (the pixels of a PNG of it, without
    encoding and decoding one), its alpha dropped as pixels() drops it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba")
    width, height = fig.canvas.get_width_height(physical=True)
    return np.frombuffer(buffer.getvalue(), np.uint8).reshape(height, width, 4)[..., :3].astype(np.int16)


# the largest fraction of differing pixels allowed: a few pixels of antialiasing (the explorers' largest is 4 of
# SigmoidExplorer's 188,484, 2.1e-5); a stale axis label is 75 of them, 4.0e-4
# (test_a_changed_background_text_is_redrawn)
SAME = 5e-5


def differing(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of pixels of a that match no pixel of b within one pixel (text may land a pixel apart)."""
    # only pixels that differ from the same pixel of b can match no neighbour: look at those alone
    ys, xs = np.nonzero(np.abs(a - b).sum(axis=2) > 60)  # antialiasing aside
    mismatch = np.ones(len(ys), dtype=bool)
    padded = np.pad(b, ((1, 1), (1, 1), (0, 0)), mode="edge")
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            mismatch &= np.abs(a[ys, xs] - padded[ys + dy, xs + dx]).sum(axis=1) > 60
    return float(np.count_nonzero(mismatch) / (a.shape[0] * a.shape[1]))


@pytest.mark.parametrize("name, build, slider, values", bench_widgets.EXPLORERS, ids=[e[0] for e in bench_widgets.EXPLORERS])
def test_fast_render_equals_a_full_redraw(name, build, slider, values):
    explorer = build()
    try:
        control = getattr(explorer, slider)
        extremes = [control.max, control.min] if hasattr(control, "max") else []  # a text box has none
        moves = [values[1], values[0], values[1], *extremes, values[0]]
        for value in moves:
            control.value = value  # the callback renders the image widget's PNG
            fast = pixels(bytes(explorer.image.value))
            slow = full_redraw(explorer.fig)
            assert fast.shape == slow.shape
            off = differing(fast, slow)
            assert off < SAME, f"{name} at {slider} = {value}: {off:.4%} of the pixels differ"
    finally:
        plt.close(explorer.fig)


def test_a_legend_stays_above_a_line_that_moves_under_it():
    # matplotlib's own style draws legends with a frame (the course's style does not): the d_k marker of
    # ScalingExplorer passes under two framed legends, which a full redraw draws above it
    with plt.rc_context():
        plt.rcdefaults()
        explorer = bench_widgets.scaling_explorer()
        try:
            assert all(ax.get_legend().get_frame_on() for ax in (explorer.axes[0], explorer.axes[2]))
            for d_k in (512.0, 64.0, 1.0, 64.0):
                explorer.d_k_slider.value = d_k
                off = differing(pixels(bytes(explorer.image.value)), full_redraw(explorer.fig))
                assert off < SAME, f"d_k = {d_k}: {off:.4%} of the pixels differ"
            # a new layout (other limits) while the marker is under a legend: both backgrounds are drawn anew
            explorer.axes[0].set_ylim(0.3, 3000.0)
            explorer._render()
            for d_k in (None, 512.0, 64.0):
                if d_k is not None:
                    explorer.d_k_slider.value = d_k
                off = differing(pixels(bytes(explorer.image.value)), full_redraw(explorer.fig))
                assert off < SAME, f"after new limits, d_k = {d_k}: {off:.4%} of the pixels differ"
        finally:
            plt.close(explorer.fig)


def test_a_changed_background_text_is_redrawn():
    explorer = bench_widgets.sigmoid_explorer()
    try:
        explorer.ax.set_xlabel("a label that was not there when the background was cached")
        # the image shown so far lacks it, and the comparison sees that
        assert differing(pixels(bytes(explorer.image.value)), full_redraw(explorer.fig)) > SAME
        explorer._render()
        assert differing(pixels(bytes(explorer.image.value)), full_redraw(explorer.fig)) < SAME
    finally:
        plt.close(explorer.fig)


@pytest.mark.parametrize("shape", [(1, 1, 3), (7, 5, 3), (40, 33, 3)])
def test_png_rgb_decodes_to_the_same_pixels(shape):
    from helpers.widgets.explorer import png_rgb
    rgb = np.random.default_rng(sum(shape)).integers(0, 256, size=shape, dtype=np.uint8)
    png = png_rgb(rgb)
    decoded = Image.open(io.BytesIO(png))
    assert decoded.mode == "RGB" and decoded.size == (shape[1], shape[0])
    np.testing.assert_array_equal(np.asarray(decoded), rgb)
    Image.open(io.BytesIO(png)).verify()  # its chunks and their CRCs check out


@pytest.mark.parametrize("bad, match", [(np.zeros((4, 4, 4), np.uint8), "\\(4, 4, 4\\)"),
                                        (np.zeros((4, 4, 3)), "float64"), (np.zeros((0, 4, 3), np.uint8), "non-empty")])
def test_png_rgb_refuses_what_is_not_an_rgb_image(bad, match):
    from helpers.widgets.explorer import png_rgb
    with pytest.raises(ValueError, match=match):
        png_rgb(bad)
