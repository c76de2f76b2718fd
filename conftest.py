"""Test-session settings shared by tests/ and the notebooks run under nbval.

Ordering: the suite runs on several workers (pytest-xdist, one test file or notebook per work unit), so the
longest units go first, and the short ones fill in around them: the browser test (every notebook in JupyterLab),
then the notebooks that train models, then everything else in its usual order. Only the order changes; every test
runs, every run.
"""
from __future__ import annotations

# work units by their usual length on a 2-core machine, longest first (file name prefixes)
LONGEST_FIRST = ("tests/test_browser.py", "notebooks/11_", "notebooks/10_", "notebooks/08_", "notebooks/06_",
                 "notebooks/09_", "notebooks/07_", "notebooks/03_", "notebooks/01_")


def _rank(item) -> int:
    path = item.nodeid.split("::")[0]
    for rank, prefix in enumerate(LONGEST_FIRST):
        if path.startswith(prefix):
            return rank
    return len(LONGEST_FIRST)


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=_rank)  # a stable sort: within a file (and a notebook), the order stays as collected
