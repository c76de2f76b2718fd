"""Time the explorers as a learner feels them: in JupyterLab, in headless Chromium, from the key press (or click) on
a control to the new image in the page.

Usage: python benchmarks/bench_browser.py [--moves 10] [--notebooks 03 06 ...]

Starts JupyterLab on 127.0.0.1 (a temporary copy of the notebooks, stripped of outputs), opens each notebook that
holds an explorer, runs all its cells, then moves one control of every explorer ``--moves`` times (the first
slider by the arrow key, else the toggle buttons by clicks, else the text box), each time waiting for the new
image. The delay is measured in the page: a keydown/pointerdown listener stamps the time, a MutationObserver on
the image's ``src`` stamps the new image. Prints, per explorer, the first move, the median and the worst.
It needs the system's Chromium and Playwright (``make setup-browser``), like the browser test, whose machinery
(tests/browser_lab.py) it uses. Goal: every move under 100 ms, the first included; median under 50 ms.
"""
from __future__ import annotations

import argparse
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=10)
    parser.add_argument("--notebooks", nargs="*", default=list(WITH_EXPLORERS))
    args = parser.parse_args(argv)
    names = [p.name for prefix in args.notebooks for p in sorted((ROOT / "notebooks").glob(f"{prefix}_*.ipynb"))]
    print(f"key press (or click) to new image, in the page; {args.moves} moves per explorer; goal: every move "
          "< 100 ms, median < 50 ms")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, lab_.chromium() as browser, lab_.lab_server(Path(tmp), names) as lab:
        for name in names:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            try:
                lab_.open_notebook(page, lab, name)
                run = lab_.run_all(page, lab, name)
                if not run.finished or run.errors:
                    print(f"{name}: Run All did not finish cleanly ({run.errors[:1]})", file=sys.stderr)
                    return 1
                for k, box in enumerate(lab_.explorers(page)):
                    moves = lab_.move_and_time(page, box, args.moves)
                    d = moves.delays_ms
                    rows.append((f"{name[:2]} explorer {k + 1} ({moves.control})", d[0], statistics.median(d), max(d)))
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
