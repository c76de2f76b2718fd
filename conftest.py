"""Test-session settings shared by tests/ and the notebooks run under nbval.

Every notebook runs once per session. When the browser test runs (tests/test_browser*.py: Chromium and Playwright
are installed), it executes every notebook in JupyterLab and compares the saved run with the stored outputs by
nbval's rules (tests/stored_outputs.py); nbval's own items for those notebooks are then left out (reported as
deselected) instead of executing each notebook a second time. Without the browser, nbval runs them as usual.

Ordering: the suite runs on several workers (pytest-xdist, one test file or notebook per work unit, in the order
given here: the Makefile turns xdist's reordering by test count off), so the longest units go first, and the short
ones fill in around them: the browser tests, then the notebooks that train models (under nbval, when the browser
test does not run them), then the slowest test files, then everything else in its usual order. Only the order
changes; every test runs, every run.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
import browser_lab  # noqa: E402  (tests/browser_lab.py)

# work units by their usual length on a 2-core machine, longest first (file name prefixes)
LONGEST_FIRST = ("tests/test_browser_translator.py", "tests/test_browser.py", "notebooks/11_", "notebooks/10_",
                 "notebooks/08_", "notebooks/06_", "notebooks/09_", "notebooks/07_", "notebooks/03_",
                 "notebooks/01_", "tests/test_widget_rendering.py", "tests/test_exercise_grading.py",
                 "tests/test_figures_nb10.py", "tests/test_benchmarks.py", "tests/test_transformer.py")


def _rank(item) -> int:
    path = item.nodeid.split("::")[0]
    for rank, prefix in enumerate(LONGEST_FIRST):
        if path.startswith(prefix):
            return rank
    return len(LONGEST_FIRST)


def _run_in_browser(items) -> set:
    """The notebooks the browser test of this session runs (none when it cannot run here)."""
    names = {item.callspec.params["name"] for item in items
             if item.path.name in browser_lab.BROWSER_FILES and hasattr(item, "callspec")
             and "name" in item.callspec.params}
    return names if names and browser_lab.unavailable_reason() is None else set()


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what they deselect
def pytest_collection_modifyitems(session, config, items):
    in_browser = _run_in_browser(items)
    twice = [item for item in items if item.path.suffix == ".ipynb" and item.path.name in in_browser]
    if twice:
        config.hook.pytest_deselected(items=twice)
        left_out = set(twice)
        items[:] = [item for item in items if item not in left_out]
    items.sort(key=_rank)  # a stable sort: within a file (and a notebook), the order stays as collected
