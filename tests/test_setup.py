"""The project's set-up: pins agree, layers import without the presentation libraries."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.environment import (REQUIREMENTS, check_environment, environment_report,
                                 parse_requirements)

ROOT = Path(__file__).resolve().parent.parent


def _environment_yml_pins():
    text = (ROOT / "environment.yml").read_text()
    python = re.search(r"^\s*-\s*python\s*=\s*(\d+)\.(\d+)\s*$", text, re.M)
    assert python, "environment.yml must pin python=X.Y"
    pins = {}
    for name, version in re.findall(r"^\s*-\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s#]+)", text, re.M):
        pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return (int(python.group(1)), int(python.group(2))), pins


def test_environment_yml_pins_the_same_versions_as_requirements():
    python, yml = _environment_yml_pins()
    reqs = parse_requirements(REQUIREMENTS, python_version=python)
    assert yml == reqs


def test_requirements_cover_the_oldest_supported_python():
    old = parse_requirements(REQUIREMENTS, python_version=(3, 10))
    new = parse_requirements(REQUIREMENTS, python_version=(3, 13))
    assert set(old) == set(new)
    for name in ("numpy", "matplotlib", "ipywidgets", "jupyterlab", "nbval", "pytest", "ipykernel"):
        assert name in old


def test_parse_requirements_rejects_loose_pins(tmp_path):
    bad = tmp_path / "r.txt"
    bad.write_text("numpy>=1.0\n")
    with pytest.raises(ValueError, match="requirements: expected 'name==version"):
        parse_requirements(bad)


def test_environment_report_flags_missing_packages(tmp_path):
    req = tmp_path / "r.txt"
    req.write_text("numpy==0.0.1\nsurely-not-installed-package==1.0\n")
    statuses = {s.name: s for s in check_environment(req)}
    assert statuses["surely-not-installed-package"].installed is None
    assert not statuses["numpy"].ok
    report = environment_report(req)
    assert "MISSING" in report and "Missing packages: surely-not-installed-package" in report


def test_the_test_environment_matches_the_pins():
    """`make test` installs requirements.txt; the suite must run against exactly those versions."""
    off = [(s.name, s.installed, s.pinned) for s in check_environment() if not s.ok]
    assert off == []


# ---- requirements-browser.txt: the browser test's extra package --------------------------------
BROWSER_REQUIREMENTS = ROOT / "requirements-browser.txt"


def test_browser_requirements_are_exact_pins_that_leave_the_course_pins_alone():
    # parse_requirements raises on anything but name==version (see the loose-pin test above)
    old = parse_requirements(BROWSER_REQUIREMENTS, python_version=(3, 10))
    new = parse_requirements(BROWSER_REQUIREMENTS, python_version=(3, 13))
    assert set(old) == set(new) and "playwright" in old
    for python in [(3, 10), (3, 13)]:
        browser = parse_requirements(BROWSER_REQUIREMENTS, python_version=python)
        course = parse_requirements(REQUIREMENTS, python_version=python)
        clashes = {name: (version, course[name]) for name, version in browser.items()
                   if name in course and course[name] != version}
        assert clashes == {}


def test_installed_browser_packages_match_their_pins():
    """Where `make setup-browser` has run (CI always), the browser test runs against the pins."""
    off = [(s.name, s.installed, s.pinned) for s in check_environment(BROWSER_REQUIREMENTS)
           if s.installed is not None and not s.ok]
    assert off == []


# every module of helpers and its layer (see the design): a new module must be added here; a package's modules
# have the package's layer (helpers/exercises/ is layer 3, helpers/plots/ and helpers/widgets/ layer 4)
LAYER = {"numerics": 1, "gradcheck": 1, "shapes": 1, "seeding": 1, "environment": 1,
         "dense": 2, "conv": 2, "rnn": 2, "lstm": 2, "losses": 2, "scalar_rnn": 2, "attention": 2,
         "transformer_layers": 2, "transformer": 2,
         "datasets": 3, "optim": 3, "tasks": 3, "gradflow": 3, "seq2seq": 3, "score_scaling": 3,
         "translation_batch": 3, "transformer_training": 3, "translation": 3, "seq2seq_training": 3,
         "rnn_translator": 3, "sentences": 3, "exercises": 3,
         "plots": 4, "widgets": 4}
PACKAGE_NAMES = ("exercises", "plots", "widgets")
MODULES = sorted(".".join(p.relative_to(ROOT / "helpers").with_suffix("").parts)
                 for p in (ROOT / "helpers").rglob("*.py") if p.name != "__init__.py")
PACKAGES = sorted(p.parent.name for p in (ROOT / "helpers").glob("*/__init__.py"))
LAYERS_1_TO_3 = ["helpers"] + [f"helpers.{m}" for m in MODULES if LAYER.get(m.split(".")[0], 4) <= 3]
MAX_MODULE_LINES = 500


def _layer(module):
    return LAYER[module.split(".")[0]]


def _imported_modules(module):
    """The helpers modules that ``module`` (dotted, relative to helpers) imports, anywhere in its code."""
    path = ROOT / "helpers" / (module.replace(".", "/") + ".py")
    package = module.split(".")[:-1]  # the package the module is in, relative to helpers
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = package[:len(package) - (node.level - 1)]
            if node.module:
                found.add(".".join(base + node.module.split(".")))
            else:
                found.update(".".join(base + [alias.name]) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name[len("helpers."):] for a in node.names if a.name.startswith("helpers."))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers."):
            found.add(node.module[len("helpers."):])
    return found


def test_math_layers_import_without_matplotlib_or_ipywidgets():
    blocker = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in ('matplotlib', 'ipywidgets', 'IPython'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {LAYERS_1_TO_3!r}:\n"
        "    __import__(m)\n"
        "print('layers 1-3 imported')\n"
        "for m in ('helpers.plots', 'helpers.widgets'):\n"
        "    try:\n"
        "        __import__(m)\n"
        "    except ImportError as e:\n"
        "        print(e)\n"  # proves the blocker really blocks
    )
    proc = subprocess.run([sys.executable, "-c", blocker], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.splitlines() == ["layers 1-3 imported", "blocked: matplotlib", "blocked: ipywidgets"], \
        proc.stderr


def test_layers_only_import_downwards():
    assert set(PACKAGES) == set(PACKAGE_NAMES), f"a new package in helpers: {PACKAGES}"
    for module in MODULES:
        assert module.split(".")[0] in LAYER, f"new module {module}: give it a layer in LAYER"
    checked = 0
    for module in MODULES:
        for dep in _imported_modules(module):
            assert dep.split(".")[0] in LAYER, f"{module} imports {dep}, which is not a helpers module"
            assert _layer(dep) <= _layer(module), f"{module} (layer {_layer(module)}) imports {dep}"
            assert not (module.startswith("plots.") and dep.startswith("widgets")), \
                f"{module} imports {dep}: figures never depend on the widgets"
            checked += 1
    assert checked > 50  # the parser finds the imports (a broken one would pass every module)


def test_import_parser_sees_relative_and_nested_imports():
    assert "scalar_rnn" in _imported_modules("plots.clipping")  # two levels up
    assert {"plots.lstm_diagrams", "widgets.explorer", "lstm"} <= _imported_modules("widgets.lstm_diagrams")
    assert "transformer" in _imported_modules("translation")  # ``from . import transformer as tf``


def test_every_module_is_small():
    """One concept per module, a few hundred lines at most (the course's style guide)."""
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines()) for p in (ROOT / "helpers").rglob("*.py")}
    assert len(sizes) > 30
    assert {path: n for path, n in sizes.items() if n >= MAX_MODULE_LINES} == {}


def test_environment_report_names_no_machine_path():
    report = environment_report()
    assert str(ROOT) not in report and "/" not in report.splitlines()[0]
    assert report.splitlines()[0].startswith("Python ")


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_stored_executed_in_order(path):
    """nbval compares stored outputs, so a notebook stored without them would pass while checking nothing."""
    import nbformat
    nb = nbformat.read(path, as_version=4)
    counts = [cell.get("execution_count") for cell in nb.cells if cell.cell_type == "code"]
    assert counts and None not in counts, f"{path.name}: code cells without an execution count (not executed?)"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: not run top to bottom in one kernel: {counts}"
    assert any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), f"{path.name}: no outputs"
