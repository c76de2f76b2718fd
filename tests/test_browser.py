"""Every course notebook in a real browser: JupyterLab in headless Chromium opens it, runs every cell, and then one
control of every explorer in it is moved and its figure must change.

This is the end-to-end check of what nbval cannot see: that the notebooks run in JupyterLab as a learner opens
them, that the widgets render in the page, and that each explorer's controls are wired to its figure. One
JupyterLab server and one browser page serve the notebooks of a test file (tests/browser_lab.py); each notebook gets
a fresh kernel, and the previous notebook's tab is closed and its kernel shut down before the next one opens.

The time from each key press (or click) to the explorer's new image is measured in the page and printed
(``pytest -rP`` shows it); it is reported, not asserted (speed is measured by benchmarks, never by timed tests:
``benchmarks/bench_browser.py`` repeats the moves and prints median and worst per explorer).

Every notebook runs once per ``make test``: the run in the page is saved (File > Save Notebook) and its outputs are
compared with the stored ones by nbval's rules (tests/stored_outputs.py), so nbval does not run the notebooks again
in kernels of its own (conftest.py leaves its items out when this test runs; ``make test-notebooks`` still runs
them under nbval alone).

The notebooks are shared between this file and tests/test_browser_translator.py (notebook 11, whose two trainings
take as long as all the others together), so that the two pytest workers each run a part: one JupyterLab server and
one browser per file.

Environment variables: UNROLLED_CHROMIUM (the Chromium executable), UNROLLED_REQUIRE_BROWSER ("1": a missing
Chromium or Playwright fails instead of skipping; CI sets it).
"""
from __future__ import annotations

import statistics
from pathlib import Path

import pytest

import browser_lab as lab_
import stored_outputs

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = lab_.BROWSER_FILES["test_browser.py"]
# the explorers each notebook shows (a test fails if one is missing, or one more appears unannounced)
EXPLORERS = {"00": 1, "03": 1, "04": 1, "06": 1, "07": 1, "08": 2, "09": 1, "10": 1}
MOVES = 3


def _context(page, lab, tmp_path) -> str:
    shot = tmp_path / "browser-failure.png"
    try:
        page.screenshot(path=str(shot))
        where = f"\nscreenshot of the page: {shot}"
    except Exception as exc:  # noqa: BLE001 - the page itself may be gone
        where = f"\nno screenshot ({type(exc).__name__})"
    return (where + "\nbrowser console errors:\n" + "\n".join(page.console_errors[-10:])
            + f"\nJupyterLab log ends:\n{lab.log_tail(15)}")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab_and_its_explorers_move(name, page, lab, tmp_path, pytestconfig):
    check_notebook(name, page, lab, tmp_path, pytestconfig)


def test_the_browser_files_share_every_notebook_once():
    every = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(n for names in lab_.BROWSER_FILES.values() for n in names) == every
    assert all((ROOT / "tests" / f).is_file() for f in lab_.BROWSER_FILES)


def check_notebook(name, page, lab, tmp_path, config):
    """Open, Run All, compare the saved run with the stored outputs (nbval's rules), move every explorer."""
    try:
        lab_.open_notebook(page, lab, name)
    except RuntimeError as exc:
        pytest.fail(str(exc) + _context(page, lab, tmp_path), pytrace=False)
    run = lab_.run_all(page, lab, name)
    if run.errors:
        pytest.fail(f"error output in {name} (cell prompts: {run.prompts}):\n\n"
                    + "\n\n".join(e[:3000] for e in run.errors), pytrace=False)
    if not run.finished:
        pytest.fail(f"Run All Cells did not run every cell of {name} (time limit {lab_.RUN_ALL_TIMEOUT:.0f} s); "
                    f"prompts {run.prompts}" + _context(page, lab, tmp_path), pytrace=False)
    assert "TCP_NODELAY" in lab.log.read_text(errors="replace"), \
        "the notebook's kernel connection is not the one of .jupyter/jupyter_server_config.py (messages delayed)"
    counts = [int(p[1:-2]) for p in run.prompts]
    assert counts == sorted(set(counts)), f"cells ran out of order or twice: {run.prompts}"
    try:
        saved = lab_.save_notebook(page, lab, name)
    except RuntimeError as exc:
        pytest.fail(str(exc) + _context(page, lab, tmp_path), pytrace=False)
    problems = stored_outputs.differences(ROOT / "notebooks" / name, saved, config)
    if problems:
        pytest.fail(f"the outputs of {name} run in JupyterLab differ from the stored ones (nbval's rules; re-execute "
                    f"the notebook if the change is intended):\n\n" + "\n\n".join(p[:3000] for p in problems),
                    pytrace=False)
    boxes = lab_.explorers(page)
    assert len(boxes) == EXPLORERS.get(name[:2], 0), \
        f"{name}: expected {EXPLORERS.get(name[:2], 0)} explorers, found {len(boxes)} (update EXPLORERS if intended)"
    report = [f"{name}: Run All {run.seconds:.1f} s"]
    for k, box in enumerate(boxes):
        assert lab_.layout_problems(box) == [], f"{name}, explorer {k + 1}"
        try:
            moves = lab_.move_and_time(page, box, MOVES)
        except RuntimeError as exc:
            pytest.fail(f"{name}, explorer {k + 1}: {exc}" + _context(page, lab, tmp_path), pytrace=False)
        assert len(moves.delays_ms) == MOVES
        assert moves.readout_changed, f"{name}, explorer {k + 1}: the figure changed but the control's value did not"
        report.append(f"  explorer {k + 1} ({moves.control}): key/click to new image "
                      f"{', '.join(f'{d:.0f}' for d in moves.delays_ms)} ms "
                      f"(median {statistics.median(moves.delays_ms):.0f})")
    print("\n".join(report))
