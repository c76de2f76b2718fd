"""nbval's output check, applied to a notebook executed elsewhere (in JupyterLab, by the browser test).

nbval runs a notebook in a kernel of its own and compares every code cell's outputs with the stored ones. The browser
test already runs every notebook top to bottom in JupyterLab; comparing that run's outputs with the stored ones by
nbval's own rules makes a second execution under nbval unnecessary (conftest.py then leaves nbval's items out).

The rules are nbval's code, not a copy of it: the comparison (``IPyNbCell.compare_outputs``: stream outputs
coalesced, MIME types compared one by one, images, widget model ids, metadata and execution counts skipped), the
sanitising patterns of ``notebooks/nbval_sanitize.cfg``, and the cell markers (``# NBVAL_IGNORE_OUTPUT`` and the
equivalent tags). Markers that change how a cell is *run* (skipping it, expecting an exception) cannot be honoured
by a Run All in JupyterLab and are reported as a problem.
"""
from __future__ import annotations

from collections import OrderedDict, defaultdict
from pathlib import Path

import nbformat
from nbval.plugin import (IPyNbCell, coalesce_streams, find_comment_markers, find_metadata_tags,
                          get_sanitize_patterns, nocolors)

ROOT = Path(__file__).resolve().parent.parent
SANITIZE = ROOT / "notebooks" / "nbval_sanitize.cfg"

# what nbval leaves out of the comparison: IPyNbFile.skip_compare of nbval 0.11 without --nbdime
SKIP_COMPARE = ("metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg")


class _Rules:
    """What nbval's comparison reads from its notebook collector: the skipped keys and the sanitising patterns."""

    def __init__(self, sanitize_file: Path):
        self.skip_compare = SKIP_COMPARE
        self.sanitize_patterns = OrderedDict(get_sanitize_patterns(sanitize_file.read_text(encoding="utf-8")))


class _Cell:
    """The parts of nbval's cell item that compare outputs, bound to a cell of a notebook run elsewhere."""

    compare_outputs = IPyNbCell.compare_outputs
    format_output_compare = IPyNbCell.format_output_compare
    sanitize = IPyNbCell.sanitize

    def __init__(self, rules: _Rules, config):
        self.parent = rules
        self.config = config
        self.ihook = config.hook
        self.colors = nocolors
        self.comparison_traceback = []


def cell_options(cell) -> dict:
    """nbval's options of a code cell: its metadata tags, then its comment markers (which win)."""
    options = defaultdict(bool, find_metadata_tags(cell.metadata))
    options.update(dict(find_comment_markers(cell.source)))
    options.setdefault("check", True)
    return options


def differences(stored: Path, executed: Path, config, sanitize_file: Path = SANITIZE) -> list:
    """Compare the code cells of ``executed`` with those of the stored notebook ``stored`` as nbval would.

    config: the pytest config (nbval's messages use pytest's comparison explanations).
    Returns a list of problems, one per cell that differs (empty: every checked cell matches).
    """
    reference = nbformat.read(str(stored), as_version=4)
    run = nbformat.read(str(executed), as_version=4)
    ref_cells = [c for c in reference.cells if c.cell_type == "code"]
    run_cells = [c for c in run.cells if c.cell_type == "code"]
    if [c.source for c in ref_cells] != [c.source for c in run_cells]:
        return [f"{executed.name}: the executed notebook's code cells are not those of {stored.name}"]
    rules = _Rules(sanitize_file)
    problems = []
    for number, (ref, test) in enumerate(zip(ref_cells, run_cells)):
        options = cell_options(ref)
        where = f"{stored.name}::Cell {number}"
        if options["skip"] or options["check_exception"]:
            problems.append(f"{where}: NBVAL_SKIP / NBVAL_RAISES_EXCEPTION change how nbval runs a cell; a Run All "
                            f"in JupyterLab cannot honour them")
            continue
        if ref.execution_count is None:
            if ref.outputs:
                problems.append(f"{where}: unrun reference cell has outputs")
            continue
        if test.execution_count is None:
            problems.append(f"{where}: the cell did not run")
            continue
        if not options["check"]:
            continue
        cell = _Cell(rules, config)
        if not cell.compare_outputs(coalesce_streams(test.outputs), coalesce_streams(ref.outputs)):
            problems.append(f"{where}: cell outputs differ\n" + "\n".join(cell.comparison_traceback))
    return problems
