"""The 1/sqrt(d_k) measurements (helpers.score_scaling), the mask panels of notebook 08, their figures and
explorers."""
import numpy as np
import pytest

from helpers.numerics import softmax
from helpers.plots import (attention_mask_panels, plot_attention_masks, plot_score_scaling,
                           update_attention_masks, update_score_scaling)
from helpers.score_scaling import ScoreScalingProbe, softmax_jacobian_norm
from helpers.seeding import make_rng



@pytest.fixture(scope="module")
def probe():
    return ScoreScalingProbe(make_rng(81), n_keys=6, max_d_k=256, samples=300)


def test_softmax_jacobian_norm_is_the_norm_of_the_written_out_jacobian():
    p = softmax(make_rng(0).standard_normal((5, 7)) * 3)  # (5, 7)
    explicit = [np.linalg.norm(np.diag(row) - np.outer(row, row)) for row in p]
    np.testing.assert_allclose(softmax_jacobian_norm(p), explicit, rtol=1e-12)
    assert softmax_jacobian_norm(np.eye(4)).max() == 0.0  # one-hot weights pass no gradient


def test_scores_are_dot_products_of_the_first_d_k_components(probe):
    for d_k in (1, 7, 256):
        explicit = np.einsum("sjm,sm->sj", probe.k[:, :, :d_k], probe.q[:, :d_k])
        np.testing.assert_allclose(probe.scores(d_k), explicit, rtol=1e-10, atol=1e-10)


def test_variance_grows_like_d_k_and_scaling_removes_it(probe):
    s = probe.statistics
    np.testing.assert_array_equal(s.d_k, 2.0 ** np.arange(9))
    # 1800 scores per point: the sample variance is within about 3 standard errors (sqrt(2/1800) = 3.3 %)
    np.testing.assert_allclose(s.var_unscaled / s.d_k, 1.0, atol=0.15)
    np.testing.assert_allclose(s.var_scaled, 1.0, atol=0.15)
    assert s.max_weight_unscaled[-1] > 0.9 > 0.5 > s.max_weight_scaled.max()
    assert np.all(np.diff(s.max_weight_unscaled) > 0)  # ever more peaked
    assert s.jacobian_unscaled[-1] < 0.25 * s.jacobian_scaled[-1]  # and ever less gradient
    assert np.ptp(s.jacobian_scaled) < 0.05  # scaled: the same whatever d_k


def test_row_is_the_softmax_of_the_first_query(probe):
    row = probe.row(100)
    np.testing.assert_allclose(row.scores, probe.k[0, :, :100] @ probe.q[0, :100])
    np.testing.assert_allclose(row.weights_unscaled, softmax(row.scores))
    np.testing.assert_allclose(row.weights_scaled, softmax(row.scores / 10.0))


@pytest.mark.parametrize("kwargs, match", [({"n_keys": 1}, "n_keys"), ({"max_d_k": 100}, "max_d_k"),
                                           ({"samples": 0}, "samples")])
def test_probe_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ScoreScalingProbe(make_rng(0), **kwargs)
    with pytest.raises(ValueError, match="rng"):
        ScoreScalingProbe(0)


@pytest.mark.parametrize("d_k", [0, 257, 2.5])
def test_row_rejects_a_bad_d_k(probe, d_k):
    with pytest.raises(ValueError, match="d_k"):
        probe.row(d_k)


def test_scaling_figure_draws_the_row_and_moves_its_marker(probe):
    fig, axes = plot_score_scaling(probe.statistics, probe.row(4))
    bars = {gid: [p for p in axes[1].patches if p.get_gid() == gid] for gid in ("unscaled", "scaled")}
    artists = [id(p) for p in bars["unscaled"] + bars["scaled"]]
    update_score_scaling(axes, probe.row(128))
    row = probe.row(128)
    np.testing.assert_allclose([p.get_height() for p in bars["unscaled"]], row.weights_unscaled)
    np.testing.assert_allclose([p.get_height() for p in bars["scaled"]], row.weights_scaled)
    assert [id(p) for p in axes[1].patches if p.get_gid() in bars] == artists
    for ax in (axes[0], axes[2]):
        assert [line for line in ax.lines if line.get_gid() == "marker"][0].get_xdata()[0] == 128
    assert "$d_k$ = 128" in axes[1].get_title()


def _may_attend(image):
    """The cells of a mask panel drawn in the colour of True (may attend)."""
    from matplotlib.colors import to_rgb
    from helpers.plots import COLORS
    return np.all(np.isclose(np.asarray(image.get_array()), to_rgb(COLORS["input"])), axis=-1)


def _qk(T=6, d=5, seed=2):
    return make_rng(seed).standard_normal((2, T, d))  # q, k: (T, d) each


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("length", [0, 2, 6])
def test_mask_panels_combine_padding_and_causal_and_give_no_nan(side, causal, length):
    q, k = _qk()
    panels = attention_mask_panels(q, k, length, causal, side)
    real = np.arange(6) < length if side == "right" else np.arange(6) >= 6 - length  # (T,)
    for i in range(6):
        for j in range(6):
            assert panels["padding"][i, j] == real[j]
            assert panels["causal"][i, j] == (j <= i or not causal)
            assert panels["combined"][i, j] == (real[j] and (j <= i or not causal))
    w = panels["weights"]
    assert np.all(np.isfinite(w)) and np.all(w[~panels["combined"]] == 0)
    full = ~panels["combined"].any(axis=1)
    np.testing.assert_array_equal(panels["fully_masked"], full)
    np.testing.assert_allclose(w.sum(axis=1), np.where(full, 0.0, 1.0))
    for i in np.flatnonzero(~full):  # each allowed row: the softmax of its allowed scores, written out
        allowed = panels["combined"][i]
        scores = k[allowed] @ q[i] / np.sqrt(5)
        np.testing.assert_allclose(w[i, allowed], np.exp(scores) / np.exp(scores).sum())


def test_left_padding_with_the_causal_mask_masks_whole_rows():
    q, k = _qk(T=8)
    panels = attention_mask_panels(q, k, 5, True, "left")
    np.testing.assert_array_equal(np.flatnonzero(panels["fully_masked"]), [0, 1, 2])
    assert not attention_mask_panels(q, k, 5, True, "right")["fully_masked"].any()


@pytest.mark.parametrize("args, match", [((3, True, "top"), "side"), ((9, True, "right"), "lengths"),
                                         ((-1, True, "right"), "lengths")])
def test_mask_panels_reject_bad_settings(args, match):
    q, k = _qk()
    with pytest.raises(ValueError, match=match):
        attention_mask_panels(q, k, *args)
    with pytest.raises(ValueError, match="q, k"):
        attention_mask_panels(q, k[:, :2], 3)


def test_mask_figure_draws_the_panels_and_marks_fully_masked_rows():
    q, k = _qk(T=8)
    fig, axes = plot_attention_masks(q, k, 5, True, "right")
    images = [ax.images[0] for ax in axes]
    update_attention_masks(axes, q, k, 3, True, "left")
    panels = attention_mask_panels(q, k, 3, True, "left")
    for image, name in zip(images[:3], ("padding", "causal", "combined")):
        np.testing.assert_array_equal(_may_attend(image), panels[name])
    shown = images[3].get_array()
    np.testing.assert_allclose(shown.filled(-1), np.where(panels["combined"], panels["weights"], -1))
    assert [ax.images[0] for ax in axes] == images  # moved, not rebuilt
    full = [line for line in axes[3].lines if line.get_gid() == "full"][0]
    np.testing.assert_array_equal(full.get_ydata(), np.flatnonzero(panels["fully_masked"]))
    assert "5 fully masked rows" in axes[3].get_title()


def test_explorers_move_their_artists_for_every_control(probe):
    from helpers.widgets import MaskExplorer, ScalingExplorer
    explorer = ScalingExplorer(probe, d_k=16)
    patches = list(explorer.axes[1].patches)
    for value in (explorer.d_k_slider.max, explorer.d_k_slider.min, 200.0):
        explorer.d_k_slider.value = value  # FloatLogSlider: min and max are exponents; values are d_k
        heights = [p.get_height() for p in patches]
        assert np.all(np.isfinite(heights)) and list(explorer.axes[1].patches) == patches
    np.testing.assert_allclose(heights[:6], probe.row(200).weights_unscaled)
    q, k = _qk(T=8)
    explorer = MaskExplorer(q, k, length=5)
    images = [ax.images[0] for ax in explorer.axes]
    before = images[3].get_array().copy()
    for control, values in ((explorer.length_slider, (0, 8, 4)), (explorer.causal_box, (False, True)),
                            (explorer.side_buttons, ("left", "right", "left"))):
        for value in values:
            control.value = value
    assert [ax.images[0] for ax in explorer.axes] == images
    panels = attention_mask_panels(q, k, 4, True, "left")
    np.testing.assert_array_equal(_may_attend(images[2]), panels["combined"])
    assert not np.array_equal(before.filled(-1), images[3].get_array().filled(-1))
