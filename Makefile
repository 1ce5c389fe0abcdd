# Two commands for a new user: `make run` (demo on examples/) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test fuzz fuzz-protocol test-vscode lint format docs screenshots bench clean

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

# Long property-based fuzz campaign of parser + rules (>= 100,000 examples; ~20 min on one core).
# One pytest run per property, so each prints hypothesis' statistics (examples, failures, time)
# as soon as it is done.
FUZZ_TESTS = tests/robustness/test_fuzz_core.py
fuzz: fuzz-protocol
	@tests=$$($(PY) -m pytest -q --collect-only $(FUZZ_TESTS) | grep '::'); \
	test -n "$$tests" || { echo "fuzz: no properties collected from $(FUZZ_TESTS)"; exit 1; }; \
	for t in $$tests; do \
		echo "== $$t ($$(date -u +%H:%M:%S))"; \
		HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q --hypothesis-show-statistics "$$t" || exit 1; \
	done

# Protocol fuzzing of the real server over a raw stdio pipe (PROTOCOL_FUZZ_CASES cases, default
# 10,000: about 10 min on one core); `make test` runs 300 of them.
PROTOCOL_FUZZ_CASES ?= 10000
fuzz-protocol: $(STAMP)
	WIRE_FUZZ_CASES=$(PROTOCOL_FUZZ_CASES) $(PY) -m pytest -q -s tests/robustness/test_wire_fuzz.py

# Real VS Code (code-server) driven by headless Chromium; installs Debian packages and Node 24.
test-vscode: $(STAMP)
	bash editors/vscode/scripts/test-vscode.sh

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

docs: $(STAMP)
	$(PY) -m milestone_lsp.rules.docs
	$(PY) -m milestone_lsp.settings.schema

# The README's pictures: the `progress` dashboard (rich's SVG export, rendered by headless
# Chromium), then the VS Code ones (hover, history, link, rename prompt), taken by the real-editor
# test with MILESTONE_LSP_SCREENSHOTS=1; `make test-vscode` alone never writes them.
screenshots: $(STAMP)
	$(PY) docs/images/screenshots.py
	MILESTONE_LSP_SCREENSHOTS=1 bash editors/vscode/scripts/test-vscode.sh

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache

include bench/bench.mk
