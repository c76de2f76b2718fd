"""Time the explorers as a learner feels them: in JupyterLab, in headless Chromium, from the key press (or click) on
a control to the new image in the page.

Usage: python benchmarks/bench_browser.py [--moves 10] [--notebooks 03 06 ...] [--each]

Starts JupyterLab on 127.0.0.1 (a temporary copy of the notebooks, stripped of outputs), opens each notebook that
holds an explorer, runs all its cells, then moves one control of every explorer ``--moves`` times (the first
slider by the arrow key, else the toggle buttons by clicks, else the text box), each time waiting for the new
image. The delay is measured in the page: a keydown/pointerdown listener stamps the time, a MutationObserver on
the image's ``src`` stamps the new image. Prints, per explorer, the first move, the median and the worst.
It needs the system's Chromium and Playwright (``make setup-browser``), like the browser test, whose machinery
(tests/browser_lab.py) it uses. Goal: every move under 100 ms, the first included; median under 50 ms.

First it times a **baseline**: a slider that swaps two images drawn in advance (the size of an explorer's figure),
so that the kernel does almost nothing. Its delay is what JupyterLab, the websocket, the kernel's message loop and
the browser cost on this machine whatever an explorer draws; an explorer's delay minus the baseline's is its own.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import browser_lab as lab_  # noqa: E402

WITH_EXPLORERS = ("00", "03", "04", "06", "07", "08", "09", "10")
BASELINE = "baseline.ipynb"
BASELINE_CODE = """import io
import ipywidgets as widgets
from matplotlib.figure import Figure

pngs = []                               # two figures of an explorer's size (8 x 4.5 in at 100 dpi), drawn once
for k in range(2):
    fig = Figure(figsize=(8, 4.5), dpi=100)
    fig.add_subplot().plot(range(10), [k * x for x in range(10)])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    pngs.append(buffer.getvalue())
image = widgets.Image(value=pngs[0], format="png")
slider = widgets.IntSlider(value=0, min=0, max=100, description="baseline")
slider.observe(lambda change: setattr(image, "value", pngs[change["new"] % 2]), "value")
widgets.VBox([slider, image])"""


def write_baseline(folder: Path) -> None:
    """The baseline notebook: one code cell, a slider that swaps two images drawn in advance."""
    notebook = {"cells": [{"cell_type": "markdown", "id": "about", "metadata": {},
                           "source": "A slider that swaps two images drawn in advance: the cost of the round trip."},
                          {"cell_type": "code", "execution_count": None, "id": "baseline", "metadata": {},
                           "outputs": [], "source": BASELINE_CODE}],
                "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                            "name": "python3"},
                             "language_info": {"name": "python", "pygments_lexer": "ipython3"}},
                "nbformat": 4, "nbformat_minor": 5}
    (folder / BASELINE).write_text(json.dumps(notebook, indent=1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=10)
    parser.add_argument("--notebooks", nargs="*", default=list(WITH_EXPLORERS))
    parser.add_argument("--each", action="store_true", help="print every move's delay, not only the summary")
    args = parser.parse_args(argv)
    names = [p.name for prefix in args.notebooks for p in sorted((ROOT / "notebooks").glob(f"{prefix}_*.ipynb"))]
    print(f"key press (or click) to new image, in the page; {args.moves} moves per explorer; goal: every move "
          "< 100 ms, median < 50 ms")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, lab_.chromium() as browser, lab_.lab_server(Path(tmp), names) as lab:
        write_baseline(lab.served)
        lab.code_cells[BASELINE] = 1
        for name in [BASELINE] + names:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            try:
                lab_.open_notebook(page, lab, name)
                run = lab_.run_all(page, lab, name)
                if not run.finished or run.errors:
                    print(f"{name}: Run All did not finish cleanly (prompts {run.prompts}, errors {run.errors[:1]})",
                          file=sys.stderr)
                    return 1
                for k, box in enumerate(lab_.explorers(page)):
                    try:
                        moves = lab_.move_and_time(page, box, args.moves)
                    except RuntimeError as exc:
                        print(f"{name}, explorer {k + 1}: {exc}", file=sys.stderr)
                        return 1
                    d = moves.delays_ms
                    label = "baseline (no drawing)" if name == BASELINE else f"{name[:2]} explorer {k + 1}"
                    rows.append((f"{label} ({moves.control})", d[0], statistics.median(d), max(d)))
                    if args.each:
                        print(f"{label}: " + ", ".join(f"{x:.0f}" for x in d) + " ms")
            finally:
                context.close()
                lab.shutdown_kernels()
    print(f"{'explorer':<30}{'first':>8}{'median':>8}{'worst':>8}   (ms)")
    for label, first, median, worst in rows:
        verdict = "ok" if worst < 100 and median < 50 else "OVER the goal"
        print(f"{label:<30}{first:8.0f}{median:8.0f}{worst:8.0f}   {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
