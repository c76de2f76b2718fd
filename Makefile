# Unrolled: two commands do all the set-up.
#   make lab    create .venv if missing, install everything, open JupyterLab on the course
#   make test   the same set-up, then the whole test suite (pytest for helpers + nbval for every notebook)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_PORT ?= 8888
LAB_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

NBVAL_ARGS := --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg \
              --nbval-cell-timeout=300

.PHONY: lab test test-helpers test-notebooks execute-notebooks setup clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml .jupyter/overrides.json
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
	@# build matplotlib's font cache now, not in the middle of the first notebook cell
	@$(BIN)/python -c "import matplotlib.pyplot"
	@touch $(STAMP)

lab: $(STAMP)
	@echo "Starting JupyterLab on http://127.0.0.1:$(LAB_PORT) (the URL with its token is printed below; Ctrl-C stops it)"
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	  --ServerApp.root_dir=$(CURDIR) $(ROOT_FLAG) $(LAB_ARGS) notebooks/00_welcome.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks $(NBVAL_ARGS)

test-helpers: $(STAMP)
	$(BIN)/python -m pytest tests

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest notebooks $(NBVAL_ARGS)

# Re-execute every notebook top to bottom in a fresh kernel and store the outputs (before committing one)
execute-notebooks: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.record_timing=False --ExecutePreprocessor.timeout=300 [0-9][0-9]_*.ipynb

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
