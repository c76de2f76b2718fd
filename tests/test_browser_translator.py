"""Notebook 11 in a real browser: the same check as tests/test_browser.py (Run All in JupyterLab, the saved run
compared with the stored outputs by nbval's rules, every explorer moved), in a file of its own so that its two
trainings run on one pytest worker while the other notebooks run on the other."""
from __future__ import annotations

import pytest

import browser_lab as lab_
from test_browser import check_notebook

NOTEBOOKS = lab_.BROWSER_FILES["test_browser_translator.py"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab_and_its_explorers_move(name, page, lab, tmp_path, pytestconfig):
    check_notebook(name, page, lab, tmp_path, pytestconfig)
