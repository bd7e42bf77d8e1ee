# sli-rules: developer tasks.  `make help` lists them.
#
# Needs GNU make, bash and Python 3.11+ (`python3`).  `make test` also runs the
# suite on Python 3.13 when one can be found (PY313=...), and notes it when not.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

PY ?= python3
VENV ?= .venv
VENV313 ?= .venv313
# Extras installed into the venvs, e.g. `make test EXTRAS=dev,pandas`.
EXTRAS ?= dev,pandas,durable,parquet,sql,plot,calendar

# The first Python 3.13 that actually runs. `command -v python3.13` alone is not
# enough: under pyenv it finds a shim that exits 127 unless 3.13 is activated.
ifeq ($(origin PY313),undefined)
PY313 := $(shell for p in "$$(command -v python3.13)" $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3 /root/.pyenv/versions/3.13*/bin/python3; do \
	[ -n "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1 && { echo "$$p"; break; }; \
	done; true)
endif

# Demo runs: one row per example stream: events file (in examples/), ruleset ids
# (comma-separated), as-of date.  The first line is a header.
DEMO_MANIFEST ?= examples/demo.tsv
DEMO_FORMAT ?= table

.PHONY: help venv demo docs lint test test313 fuzz bench clean

help:
	@echo "make demo    evaluate the bundled rulesets over the example event streams"
	@echo "make docs    regenerate docs/schemas/*.json, docs/rulesets/*.md and docs/events.md"
	@echo "make test    lint, type-check, run the tests with coverage (and again on Python 3.13 if present)"
	@echo "make lint    ruff check, ruff format --check, mypy"
	@echo "make fuzz    the fuzz targets at length (FUZZ_EXAMPLES per target, default 20000)"
	@echo "make bench   run the benchmark (benchmarks/run.py; BENCH_ARGS=\"--events 50000\" for a short run)"
	@echo "make venv    create $(VENV) with sli-rules installed editable, with [$(EXTRAS)]"
	@echo "make clean   remove virtualenvs, caches and build output"

# --- environments -------------------------------------------------------------
# A stamp file per venv, rebuilt when pyproject.toml changes: reruns are instant.

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@echo "==> setting up $(VENV) with $(PY) ($$($(PY) --version 2>&1))"
	@[ -x $(VENV)/bin/python ] || $(PY) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS)]'
	@touch $@

$(VENV313)/.installed: pyproject.toml
	@[ -n "$(PY313)" ] || { echo "error: no Python 3.13 found; set PY313=/path/to/python3.13" >&2; exit 2; }
	@echo "==> setting up $(VENV313) with $(PY313) ($$($(PY313) --version 2>&1))"
	@[ -x $(VENV313)/bin/python ] || $(PY313) -m venv $(VENV313)
	@$(VENV313)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(VENV313)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS)]'
	@touch $@

# --- demo ---------------------------------------------------------------------

demo: venv
	@[ -f $(DEMO_MANIFEST) ] || { echo "error: $(DEMO_MANIFEST) not found" >&2; exit 2; }
	@tail -n +2 $(DEMO_MANIFEST) | tr -d '\r' | while IFS=$$'\t' read -r events rulesets asof || [ -n "$$events" ]; do \
		case "$$events" in ''|'#'*) continue ;; esac; \
		args=(); \
		for r in $${rulesets//,/ }; do args+=(--ruleset "$$r"); done; \
		echo; \
		echo "==> $$rulesets over examples/$$events, as of $$asof"; \
		$(VENV)/bin/sli-rules evaluate "$${args[@]}" --events "examples/$$events" --as-of "$$asof" --format $(DEMO_FORMAT) </dev/null; \
	done
	@for f in examples/*.jsonl; do \
		[ -e "$$f" ] || continue; \
		cut -f1 $(DEMO_MANIFEST) | grep -qxF "$${f#examples/}" || echo "note: $$f has no row in $(DEMO_MANIFEST), so the demo skipped it"; \
	done

# --- generated documentation ------------------------------------------------------
# The JSON Schemas, one page per bundled ruleset, and the event catalogue page are all
# generated; tests/test_schema.py and tests/test_docs_generated.py fail when one is stale.
# A page whose ruleset is no longer bundled is removed.

docs: venv
	@mkdir -p docs/schemas docs/rulesets
	@for s in ruleset events findings; do \
		echo "==> docs/schemas/$$s.schema.json"; \
		$(VENV)/bin/sli-rules schema $$s > docs/schemas/$$s.schema.json; \
	done
	@ids="$$($(VENV)/bin/python -c 'from sli_rules._loader import bundled_ids; print(*bundled_ids())')"; \
	for f in docs/rulesets/*.md; do \
		[ -e "$$f" ] || continue; \
		id="$$(basename "$$f" .md)"; \
		case " $$ids " in *" $$id "*) ;; *) echo "==> removing $$f (no such bundled ruleset)"; rm -f "$$f" ;; esac; \
	done; \
	for id in $$ids; do \
		echo "==> docs/rulesets/$$id.md"; \
		$(VENV)/bin/sli-rules docs "$$id" --output "docs/rulesets/$$id.md"; \
	done
	@echo "==> docs/events.md"
	@$(VENV)/bin/sli-rules docs --events-catalogue --output docs/events.md

# --- checks -------------------------------------------------------------------

lint: venv
	@echo "==> ruff check"
	@$(VENV)/bin/ruff check .
	@echo "==> ruff format --check"
	@$(VENV)/bin/ruff format --check .
	@echo "==> mypy"
	@$(VENV)/bin/mypy

test: venv lint
	@echo "==> pytest with coverage ($$($(VENV)/bin/python --version))"
	@$(VENV)/bin/python -m coverage run -m pytest
	@$(VENV)/bin/python -m coverage report
	@if [ -n "$(PY313)" ] && "$(PY313)" -c 'import sys' >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory test313; \
	else \
		echo "note: no Python 3.13 found (set PY313=/path/to/python3.13); skipped the 3.13 run"; \
	fi

test313: $(VENV313)/.installed
	@echo "==> pytest ($$($(VENV313)/bin/python --version))"
	@$(VENV313)/bin/python -m pytest

# --- fuzzing ------------------------------------------------------------------
# `make test` runs each fuzz target in tests/test_fuzz.py a few times, the same inputs
# every run; this runs FUZZ_EXAMPLES fresh random inputs per target. Save any crash it
# reports as a file under tests/fuzz/ (a regression that `make test` then replays).

FUZZ_EXAMPLES ?= 20000

fuzz: venv
	@echo "==> fuzz: $(FUZZ_EXAMPLES) inputs per target"
	@SLI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/python -m pytest -q -p no:cacheprovider \
		--durations=0 tests/test_fuzz.py -k "test_fuzz_"

# --- benchmark ----------------------------------------------------------------

# Arguments for benchmarks/run.py, e.g. `make bench BENCH_ARGS="--events 50000 --json bench.json"`.
BENCH_ARGS ?=

bench: venv
	@$(VENV)/bin/python benchmarks/run.py $(BENCH_ARGS)

# --- housekeeping -------------------------------------------------------------

clean:
	rm -rf $(VENV) $(VENV313) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis \
		.coverage .coverage.* htmlcov
	find . -path ./.git -prune -o \( -name __pycache__ -o -name '*.egg-info' \) -type d -print0 \
		| xargs -0 rm -rf
