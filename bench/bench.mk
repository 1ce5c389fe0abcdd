# `make bench`: every performance budget of docs/PERFORMANCE.md, PASS/FAIL per line (not in CI).
# Included from the top-level Makefile (`include bench/bench.mk`), which defines PY and STAMP.
BENCH_WORK := bench/.work
MARKDOWNLINT := $(BENCH_WORK)/node_modules/.bin/markdownlint-cli2
MARKDOWNLINT_VERSION ?= 0.22.1

.PHONY: bench

# markdownlint-cli2 needs Node >= 20; the bench installs its own copy, pinned, git-ignored.
$(MARKDOWNLINT):
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || \
		{ echo "bench: Node >= 20 is needed for markdownlint-cli2"; exit 1; }
	mkdir -p $(BENCH_WORK)
	npm install --prefix $(BENCH_WORK) --no-audit --no-fund --no-save \
		markdownlint-cli2@$(MARKDOWNLINT_VERSION)

bench: $(STAMP) $(MARKDOWNLINT)
	$(PY) bench/run.py --json bench/results.json
