"""Time the slider callback of every explorer in helpers.widgets: update() plus one redraw.

Usage: python benchmarks/bench_widgets.py [--repeats 20]

For each explorer, built at the settings its notebook uses, the main slider alternates between two values;
each timed run is the work one slider move causes: ``explorer.update()`` (the computation and the moving of
the existing artists) and ``explorer.render_png()``, the PNG the image widget sends to the browser (the
cached background plus the artists that changed; see helpers/widgets/explorer.py). Prints, per explorer, the first
move after it was built and the median of the others, against the goals for a control that feels live: every move
under 100 ms, the median under 50 ms. (The browser adds the round trip and the image decoding:
benchmarks/bench_browser.py measures the whole, key press to new image.)

To add an explorer: add a row to EXPLORERS — (name, a function building it, the attribute name of its main
control (a slider, or the number box of the translation explorer), two values to alternate between).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from helpers.plots import use_course_style  # noqa: E402
from helpers.seeding import make_rng  # noqa: E402

GOAL_MS = 50.0        # median move
FIRST_GOAL_MS = 100.0  # the first move after the explorer is built (and every move)


def sigmoid_explorer():
    from helpers.widgets import SigmoidExplorer
    return SigmoidExplorer(w=1.0, b=0.0)


def bptt_explorer():
    """As in notebook 03: T = 5 steps, D = 3, H = 4, K = 3."""
    from helpers import rnn
    from helpers.losses import softmax_cross_entropy
    from helpers.widgets import BPTTExplorer
    rng = make_rng(3)
    T, D, H, K = 5, 3, 4, 3
    params, out = rnn.init_params(D, H, rng), rnn.init_output_params(H, K, rng)
    x = rng.standard_normal((T, 1, D))  # (T, N, D)
    h, cache = rnn.forward(params, x)  # (T, 1, H)
    o, ocache = rnn.output_forward(out, h)  # (T, 1, K)
    _, do = softmax_cross_entropy(o, rng.integers(0, K, size=(T, 1)))
    dh, _ = rnn.output_backward(do, ocache)  # (T, 1, H)
    E = rnn.error_contributions(dh, cache)  # (T, T, 1, H)
    sizes = np.linalg.norm(E.reshape(T, T, -1), axis=-1)  # (T, T)
    per_step = rnn.per_step_contributions(dh, cache)["W"][:, 0, 0]  # (T,)
    return BPTTExplorer(sizes, per_step, float(per_step.sum()), t=1)


def lstm_explorer():
    """As in notebook 04: 14 steps, 2 sequences, D = 4 inputs, H = 5 units, peepholes."""
    from helpers import lstm
    from helpers.widgets import LSTMExplorer
    rng = make_rng(4)
    params = lstm.init_params(input_size=4, hidden_size=5, rng=rng, peepholes=True, forget_bias=1.0)
    x = rng.standard_normal((14, 2, 4))  # (T, N, D)
    return LSTMExplorer(params, x, t=5, seq=0, unit=0)


def gradient_flow_explorer():
    """As in notebook 06: a probe for T <= 200, H <= 64; shown at T = 100, H = 32."""
    from helpers.gradflow import GradientFlowProbe
    from helpers.widgets import GradientFlowExplorer
    probe = GradientFlowProbe(make_rng(6), max_steps=200, max_hidden=64, input_size=4)
    return GradientFlowExplorer(probe, lambda1=1.0, activation="tanh", T=100, H=32, forget_bias=0.0)


def clipping_explorer():
    """As in notebook 07: start (5.5, -1.5), learning rate 1, threshold 0.5, 80 steps."""
    from helpers.widgets import ClippingExplorer
    return ClippingExplorer(w0=5.5, b0=-1.5, lr=1.0, max_norm=0.5, steps=80)


def scaling_explorer():
    """As in notebook 08: 8 keys, d_k up to 1024, 400 queries; shown at d_k = 64."""
    from helpers.score_scaling import ScoreScalingProbe
    from helpers.widgets import ScalingExplorer
    return ScalingExplorer(ScoreScalingProbe(make_rng(81), n_keys=8, max_d_k=1024, samples=400), d_k=64)


def mask_explorer():
    """As in notebook 08: 8 positions, d_k = 16, 5 real tokens, causal, pads on the right."""
    from helpers.widgets import MaskExplorer
    rng = make_rng(82)
    q, k = rng.standard_normal((2, 8, 16))  # (T, d_k) each
    return MaskExplorer(q, k, length=5, causal=True, side="right")


def layer_norm_gradient_explorer():
    """As in notebook 09: encoder stacks of up to 12 layers (d_model 64, 4 heads), post-LN, 6 layers."""
    from helpers.widgets import LayerNormGradientExplorer
    return LayerNormGradientExplorer()


def translation_explorer():
    """As built with no arguments: an untrained model (d_model 64, 4 heads, 2 + 2 layers), number 341."""
    from helpers.widgets import TranslationExplorer
    return TranslationExplorer()


# (name, constructor, control attribute, two values the control alternates between)
EXPLORERS = [
    ("SigmoidExplorer", sigmoid_explorer, "w_slider", (1.0, 2.0)),
    ("BPTTExplorer", bptt_explorer, "t_slider", (1, 3)),
    ("LSTMExplorer", lstm_explorer, "t_slider", (5, 9)),
    ("GradientFlowExplorer", gradient_flow_explorer, "lambda_slider", (1.0, 1.5)),
    ("ClippingExplorer", clipping_explorer, "lr_slider", (1.0, 0.5)),
    ("ScalingExplorer", scaling_explorer, "d_k_slider", (64.0, 512.0)),
    ("MaskExplorer", mask_explorer, "length_slider", (5, 3)),
    ("LayerNormGradientExplorer", layer_norm_gradient_explorer, "depth_slider", (3, 12)),
    ("TranslationExplorer", translation_explorer, "number_box", ("7021", "96")),
]


def callback_times(explorer, slider_name: str, values, repeats: int):
    """Seconds per slider move, split into update() and the render to PNG. Returns (updates, renders).

    The explorer's own callback is detached while the slider moves, so that each move is timed once, as
    update() + render, and not also rendered by the explorer itself.
    """
    slider = getattr(explorer, slider_name)
    updates, renders = [], []
    slider.unobserve(explorer._on_change, names="value")
    try:
        for k in range(repeats + 1):  # the first move (k = 0) is timed too: it is the one a learner meets first
            slider.value = values[k % 2]
            start = time.perf_counter()
            explorer.update()
            middle = time.perf_counter()
            explorer.render_png()
            end = time.perf_counter()
            updates.append(middle - start)
            renders.append(end - middle)
    finally:
        slider.observe(explorer._on_change, names="value")
    return updates, renders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    use_course_style()
    print(f"{args.repeats + 1} slider moves per explorer: update() + render_png(); goals: first move < "
          f"{FIRST_GOAL_MS:.0f} ms, median of the others < {GOAL_MS:.0f} ms")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; numpy {np.__version__}, "
          f"matplotlib {matplotlib.__version__}")
    for name, build, slider_name, values in EXPLORERS:
        explorer = build()
        updates, renders = callback_times(explorer, slider_name, values, args.repeats)
        total = [u + r for u, r in zip(updates, renders)]
        first = total[0] * 1e3
        t_total, t_update, t_render = (statistics.median(ts[1:]) * 1e3 for ts in (total, updates, renders))
        verdict = "under" if t_total < GOAL_MS and first < FIRST_GOAL_MS else "OVER"
        print(f"{name:<26} first {first:6.1f} ms, median {t_total:6.1f} ms (update {t_update:5.1f}, render "
              f"{t_render:5.1f})  {verdict} the goals")
        plt.close(explorer.fig)


if __name__ == "__main__":
    main()
