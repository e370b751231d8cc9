# The course's commands. The first use of any of them creates .venv and installs pyproject.toml's list.
#   make lab    open the course in JupyterLab (make lab COURSE_LANG=zh: the Chinese edition)
#   make test   run the whole test suite (ruff and import-linter, unit tests, every notebook once under nbval, then the book from
#               the notebooks just executed, browser tests)
#   make book   build the static book into _build/html (first executing any solution notebook not yet
#               executed, or changed since)
#   make benchmark / make gpu-check   print timings (see benchmarks/)
#   make gpu-bundle, then make gpu-check-offline   the GPU check where nothing can be installed
SHELL := bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.course-installed

.PHONY: lab test lint book pdf learner-copies benchmark gpu-check chromium

lab: $(STAMP)
	$(BIN)/python -m tools.lab $(if $(COURSE_LANG),--lang $(COURSE_LANG))

test: $(STAMP) chromium lint
	$(BIN)/python -m pytest

# Part of `make test`: ruff (pyproject.toml's [tool.ruff]) and import-linter's layer contracts.
lint: $(STAMP)
	$(BIN)/ruff check --quiet .
	$(BIN)/lint-imports --no-cache

book: $(STAMP)
	$(BIN)/python -m tools.book

# One PDF per edition, printed from the built book by the tests' Chromium: _build/pdf/*.pdf.
pdf: $(STAMP) chromium
	$(BIN)/python -m tools.pdf

# Maintainers: regenerate chapters/ from solutions/, and each edition's notebooks from solutions/ and
# its catalogs (refuses to overwrite uncommitted edits). After an English change, first
# `python -m tools.translations update`, then translate what `python -m tools.translations status` lists.
learner-copies: $(STAMP)
	$(BIN)/python -m tools.learner_copies
	$(BIN)/python -m tools.translations notebooks

# Scripts that print timings (never timed unit tests).
benchmark: $(STAMP)
	$(BIN)/python benchmarks/classifier.py
	$(BIN)/python benchmarks/widget_redraw.py
	$(BIN)/python benchmarks/compression.py
	$(BIN)/python benchmarks/performance_checklist.py

# On a machine with an NVIDIA GPU: every notebook whose work grows on CUDA, and the benchmark (falls back to CPU, saying so).
gpu-check: $(STAMP)
	$(BIN)/python benchmarks/gpu_check.py

# Where PyPI is reachable: the wheels that a GPU machine which cannot install packages needs, in .whl/.
gpu-bundle: $(STAMP)
	$(BIN)/python -m tools.gpu_bundle

# On that machine, with its own python3 and no .venv: install .whl/ into a temporary folder, then
# run benchmarks/gpu_check.py (make is not needed there: `bash benchmarks/gpu_check_offline.sh`).
gpu-check-offline:
	bash benchmarks/gpu_check_offline.sh
.PHONY: gpu-bundle gpu-check-offline

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the course's packages into $(VENV) (first run only)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | { grep -v "is ignored: it is neither a file" || true; }
	$(BIN)/python -c "from tools.lab import set_default_viewer; set_default_viewer()"
	@touch $(STAMP)

# The browser tests drive Debian's Chromium (never a downloaded browser). Installed once, with apt, with fonts for
# Chinese and for the checks' signs (⏳, U+23F3, is in no font Debian installs by default).
# poppler-utils: pdffonts and pdftoppm, with which the tests look at the PDFs.
CHROMIUM_PACKAGES := chromium fonts-wqy-microhei fonts-noto-color-emoji poppler-utils
chromium:
	@{ test -x /usr/bin/chromium && fc-list ':charset=23f3' | grep -q . && test -x /usr/bin/pdffonts; } || { \
	  echo "Installing Debian's chromium and fonts for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q $(CHROMIUM_PACKAGES) >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q $(CHROMIUM_PACKAGES) >/dev/null; }; }
