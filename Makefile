# Two commands for a new user: `make run` (demo on examples/) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-vscode lint format docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m milestone_lsp parse examples/
	$(PY) -m milestone_lsp check examples/ --exit-zero

test: $(STAMP)
	$(PY) -m pytest -q

# Real VS Code (code-server) driven by headless Chromium; installs Debian packages and Node 24.
test-vscode:
	bash editors/vscode/scripts/test-vscode.sh

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

docs: $(STAMP)
	$(PY) -m milestone_lsp.rules.docs
	$(PY) -m milestone_lsp._schema

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache

include bench/bench.mk
