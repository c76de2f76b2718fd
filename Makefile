# Unrolled: two commands do all the set-up.
#   make lab    create .venv if missing, install everything, open JupyterLab on the course
#   make test   the same set-up, then the whole test suite (pytest for helpers, every notebook run once and
#               compared with its stored outputs by nbval's rules: in the browser test, else under nbval)
#   make test-slow   the robustness tests (the notebooks' claims on other seeds; CI runs them too)
#   make test-browser   only the browser test (installs Playwright for it; needs the system's Chromium)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BROWSER_STAMP := $(VENV)/.installed-browser
LAB_PORT ?= 8888
LAB_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# The course's matrices are small: one BLAS thread is faster for them than two (measured in
# notebook 06's training cell), and a busy machine does not slow it down further. Inherited by the kernels.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

NBVAL_ARGS := --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg \
              --nbval-cell-timeout=300
# one pytest worker per core (pytest-xdist); each test file (and each notebook) stays on one worker, so a
# notebook's cells run in order in one kernel. `make test PARALLEL=` runs everything in one process.
PARALLEL ?= -n auto --dist loadfile --no-loadscope-reorder

.PHONY: lab test test-slow test-helpers test-notebooks test-browser execute-notebooks setup setup-browser clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml .jupyter/overrides.json .jupyter/jupyter_server_config.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || \
	  { echo "Unrolled needs Python 3.10 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	    echo "Run e.g. 'make lab PYTHON=python3.12'."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@# JupyterLab settings for the course: no news feed or update checks (the course runs offline)
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@cp .jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@# the server sends kernel messages at once (TCP_NODELAY): sliders answer in ~10 ms, not ~50
	@mkdir -p $(VENV)/etc/jupyter
	@cp .jupyter/jupyter_server_config.py $(VENV)/etc/jupyter/jupyter_server_config.py
	@# build matplotlib's font cache now, not in the middle of the first notebook cell
	@$(BIN)/python -c "import matplotlib.pyplot"
	@touch $(STAMP)

lab: $(STAMP)
	@echo "Starting JupyterLab on http://127.0.0.1:$(LAB_PORT) (the URL with its token is printed below; Ctrl-C stops it)"
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	  --ServerApp.root_dir=$(CURDIR) $(ROOT_FLAG) $(LAB_ARGS) notebooks/00_welcome.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) -rs tests notebooks $(NBVAL_ARGS)

# the robustness tests: the notebooks' main claims re-checked on other seeds (several minutes; CI runs them)
test-slow: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) -rs -m slow tests

test-helpers: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) tests

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) notebooks $(NBVAL_ARGS)

# The browser test's extra package: Playwright for Python, which drives the system's Chromium
# (Debian package `chromium`). `make test` runs the browser test too, and skips it without them.
setup-browser: $(BROWSER_STAMP)

$(BROWSER_STAMP): $(STAMP) requirements-browser.txt
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt
	@touch $(BROWSER_STAMP)

test-browser: $(BROWSER_STAMP)
	$(BIN)/python -m pytest $(PARALLEL) -rsP tests/test_browser.py tests/test_browser_translator.py

# Re-execute every notebook top to bottom in a fresh kernel and store the outputs (before committing one)
execute-notebooks: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.record_timing=False --ExecutePreprocessor.timeout=300 [0-9][0-9]_*.ipynb

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
