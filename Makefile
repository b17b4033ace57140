# The two commands: `make demo` and `make test`. Each creates .venv and installs on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "the hub needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/hub demo

test: $(STAMP)
	$(VENV)/bin/ruff check hub adapters tests bench
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check hub adapters tests bench
	$(VENV)/bin/ruff format --check hub adapters tests bench

bench: $(STAMP)
	$(PY) bench/ingest.py
	$(PY) bench/edi.py

clean:
	rm -rf $(VENV) .hub .pytest_cache
