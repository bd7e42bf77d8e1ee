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
VENV_LATEST ?= .venv-latest
# The test environment is locked: every Python package the venvs get (pip itself, the
# build backend, the test tools and all the extras) comes from these files, pinned to
# exact versions with hashes, so the day `make test` runs cannot change a version.
# `make lock` regenerates them from the ranges in pyproject.toml and lock/build.in.
LOCK_BUILD := lock/build.txt
LOCK_TEST := lock/test.txt
# uv resolves the lock (one universal file for every supported Python); it is only
# needed by `make lock`, in a venv of its own.
UV_VERSION ?= 0.13.9
VENV_LOCK ?= .venv-lock
# Extras for `make test-latest`, which installs the newest releases the ranges allow.
EXTRAS ?= dev,pandas,durable,parquet,sql,plot,calendar
PIP_QUIET := --disable-pip-version-check --progress-bar off
# Locked packages to leave out of a venv, e.g. `make demo WITHOUT=durable-rules` on a
# machine with no C compiler (durable-rules builds from source; nothing needs it but
# the optional durable engine and its tests, which then say it is not installed).
WITHOUT ?=

# The first Python 3.13 that actually runs. `command -v python3.13` alone is not
# enough: under pyenv it finds a shim that exits 127 unless 3.13 is activated.
ifeq ($(origin PY313),undefined)
PY313 := $(shell for p in "$$(command -v python3.13)" $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3 /root/.pyenv/versions/3.13*/bin/python3; do \
	[ -n "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1 && { echo "$$p"; break; }; \
	done; true)
endif

# pytest-xdist workers for `make test`: one per core by default; PYTEST_JOBS=0 runs the
# suite in this process (for a debugger, or to read one failure's output in order).
PYTEST_JOBS ?= auto
# `--dist loadgroup` keeps the tests marked `xdist_group` together on one worker: the
# tests that share the real record's one evaluation (tests/real_record.py: SHARED).
PYTEST_PARALLEL := $(if $(filter 0,$(PYTEST_JOBS)),,-n $(PYTEST_JOBS) --dist loadgroup)

# Demo runs: one row per example stream: events file (in examples/), ruleset ids
# (comma-separated), as-of date.  The first line is a header.
DEMO_MANIFEST ?= examples/demo.tsv
DEMO_FORMAT ?= table
# What the demo shows of each report: its breaches and escalation steps, and a summary
# of those. `make demo DEMO_ARGS=` shows every finding (thousands of lines).
DEMO_ARGS ?= --kind breach --kind escalation

.PHONY: help venv venvs demo docs registry lint test test313 test-latest lock soak fuzz fuzz-hypothesis bench nightly clean

help:
	@echo "make demo    evaluate the bundled rulesets over the example event streams (breaches and escalations; DEMO_ARGS= for all)"
	@echo "make docs    regenerate docs/schemas/*.json, docs/rulesets/*.md and docs/events.md"
	@echo "make registry  regenerate src/sli_rules/data/registry.json from rulesets/registry/*.yaml (after editing them)"
	@echo "make test    lint, type-check, run the tests with coverage (and again on Python 3.13 if present)"
	@echo "make lint    ruff check, ruff format --check, mypy, lint-imports (layers)"
	@echo "make soak    the nightly laws with many more examples (SOAK_EXAMPLES=$(SOAK_EXAMPLES), SOAK_IMPRECISE_NIGHTS=$(SOAK_IMPRECISE_NIGHTS)) and durable-rules on a large stream (SOAK_DURABLE_EVENTS=$(SOAK_DURABLE_EVENTS))"
	@echo "make nightly monthly run --state nights over a generated stream, compared with one batch run"
	@echo "make fuzz    FUZZ_INPUTS mutated inputs (default 1,000,000) through every fuzz target, FUZZ_JOBS processes"
	@echo "make fuzz-hypothesis  the hypothesis fuzz targets at length (FUZZ_EXAMPLES per target)"
	@echo "make bench   run the benchmark (benchmarks/run.py; BENCH_ARGS=\"--events 50000\" for a short run)"
	@echo "make venv    create $(VENV) from the hashed lock ($(LOCK_TEST)), sli-rules installed editable"
	@echo "make venvs   $(VENV) and, when a Python 3.13 is found, $(VENV313), built side by side"
	@echo "make lock    regenerate $(LOCK_BUILD) and $(LOCK_TEST) from pyproject.toml (needs PyPI)"
	@echo "make test-latest  run the suite against the newest releases pyproject.toml allows (not CI)"
	@echo "make clean   remove virtualenvs, caches and build output"

# --- environments -------------------------------------------------------------
# A stamp file per venv, rebuilt when pyproject.toml changes: reruns are instant.

venv: $(VENV)/.installed

# Installs from the lock in three steps: the build tools (pip, setuptools, wheel,
# hatchling) first, then everything else without build isolation (so the sdists that
# are built, durable-rules, build with the locked setuptools rather than with whatever
# PyPI serves that day), then sli-rules itself, editable, with no dependencies.
define install_locked
	@echo "==> installing $(LOCK_BUILD) and $(LOCK_TEST) into $(1): $$(grep -c '^[A-Za-z0-9].*==' $(LOCK_TEST)) pins, every one hash-checked$(if $(WITHOUT), (leaving out $(WITHOUT)))"
	@$(1)/bin/python -m pip install $(PIP_QUIET) --quiet --require-hashes -r $(LOCK_BUILD)
	@awk -v skip=" $(WITHOUT) " '/^[A-Za-z0-9]/ { name = $$1; sub(/==.*/, "", name); drop = index(skip, " " name " ") > 0 } !drop' \
		$(LOCK_TEST) > $(1)/lock.txt
	@$(1)/bin/python -m pip install $(PIP_QUIET) --quiet --require-hashes --no-build-isolation -r $(1)/lock.txt
	@$(1)/bin/python -m pip install $(PIP_QUIET) --quiet --no-deps --no-build-isolation -e .
	@echo "==> $(1): $$($(1)/bin/python -m pip --version | cut -d' ' -f1-2), $$($(1)/bin/python -m pip list --format=freeze 2>/dev/null | wc -l) packages"
endef

$(VENV)/.installed: pyproject.toml $(LOCK_BUILD) $(LOCK_TEST)
	@echo "==> setting up $(VENV) with $(PY) ($$($(PY) --version 2>&1))"
	@[ -x $(VENV)/bin/python ] || $(PY) -m venv $(VENV)
	$(call install_locked,$(VENV))
	@touch $@

$(VENV313)/.installed: pyproject.toml $(LOCK_BUILD) $(LOCK_TEST)
	@[ -n "$(PY313)" ] || { echo "error: no Python 3.13 found; set PY313=/path/to/python3.13" >&2; exit 2; }
	@echo "==> setting up $(VENV313) with $(PY313) ($$($(PY313) --version 2>&1))"
	@[ -x $(VENV313)/bin/python ] || $(PY313) -m venv $(VENV313)
	$(call install_locked,$(VENV313))
	@touch $@

# Regenerates the lock from the ranges in pyproject.toml (every extra) and
# lock/build.in: one universal file that pip reads on every supported Python (markers
# choose, e.g. no durable-rules on 3.13). Commit both files with the change that
# needed them. uv is the resolver; it lives in $(VENV_LOCK), not in the test venvs.
lock:
	@[ -x $(VENV_LOCK)/bin/uv ] || { $(PY) -m venv $(VENV_LOCK) && \
		$(VENV_LOCK)/bin/python -m pip install $(PIP_QUIET) --quiet "uv==$(UV_VERSION)"; }
	@echo "==> $(LOCK_TEST)"
	@$(VENV_LOCK)/bin/uv pip compile --quiet pyproject.toml lock/build.in --all-extras \
		--universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" -o $(LOCK_TEST)
	@echo "==> $(LOCK_BUILD)"
	@$(VENV_LOCK)/bin/uv pip compile --quiet lock/build.in -c $(LOCK_TEST) \
		--universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" -o $(LOCK_BUILD)

# --- demo ---------------------------------------------------------------------

demo: venv
	@[ -f $(DEMO_MANIFEST) ] || { echo "error: $(DEMO_MANIFEST) not found" >&2; exit 2; }
	@tail -n +2 $(DEMO_MANIFEST) | tr -d '\r' | while IFS=$$'\t' read -r events rulesets asof || [ -n "$$events" ]; do \
		case "$$events" in ''|'#'*) continue ;; esac; \
		args=(); \
		for r in $${rulesets//,/ }; do args+=(--ruleset "$$r"); done; \
		echo; \
		echo "==> $$rulesets over examples/$$events, as of $$asof"; \
		$(VENV)/bin/sli-rules evaluate "$${args[@]}" --events "examples/$$events" --as-of "$$asof" --format $(DEMO_FORMAT) $(DEMO_ARGS) </dev/null; \
	done
	@[ -z "$(DEMO_ARGS)" ] || echo "(shown: $(DEMO_ARGS); every finding: make demo DEMO_ARGS=)"
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
	@for s in ruleset events findings scenario; do \
		echo "==> docs/schemas/$$s.schema.json"; \
		$(VENV)/bin/sli-rules schema $$s > docs/schemas/$$s.schema.json; \
	done
	@ids="$$($(VENV)/bin/python -c 'from sli_rules.load.loader import bundled_ids; print(*bundled_ids())')"; \
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

# The registry of councils and bodies is edited in rulesets/registry/*.yaml and read by
# the library from a JSON copy in the package, which loads in a fraction of the time;
# tests/test_registry.py fails when the copy is stale.

registry: venv
	@$(VENV)/bin/python scripts/registry_json.py

# --- checks -------------------------------------------------------------------

lint: venv
	@echo "==> ruff check"
	@$(VENV)/bin/ruff check .
	@echo "==> ruff format --check"
	@$(VENV)/bin/ruff format --check .
	@echo "==> mypy"
	@$(VENV)/bin/mypy
	@echo "==> lint-imports (the layer contract in pyproject.toml)"
	@$(VENV)/bin/lint-imports --no-cache

# Byte-compiles src/ for the venv's Python before a test run. Every process the suite
# starts (the pytest-xdist workers, each `sli-rules` command, notebook kernels) imports
# sli_rules; where PYTHONDONTWRITEBYTECODE is set (as on some CI machines) none of them
# writes the bytecode it compiles, so each compiled all of src/ again: about 0.4 s of CPU
# a process. compileall writes it whatever that variable says (to __pycache__/, ignored
# by git); an edited file is compiled again as usual, its stale bytecode not used.
define compile_src
	@$(1)/bin/python -m compileall -q -j 0 src >/dev/null
endef

# The venvs `make test` needs: $(VENV), and $(VENV313) when there is a Python 3.13, built
# side by side. Most of the time pip takes is spent waiting for the package index and the
# downloads rather than computing, so building the two at once takes little longer than
# building one. The 3.13 build's output follows when both are done.
venvs:
	@bg=; log="$$(mktemp)"; \
	if [ -n "$(PY313)" ] && "$(PY313)" -c 'import sys' >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(VENV313)/.installed >"$$log" 2>&1 & bg=$$!; \
	fi; \
	status=0; $(MAKE) --no-print-directory venv || status=$$?; \
	if [ -n "$$bg" ]; then wait "$$bg" || status=$$?; cat "$$log"; fi; \
	rm -f "$$log"; exit "$$status"

# pytest rewrites the assert statements of every test module when it imports it, about
# 9 s of CPU for this suite (14 s under coverage), and caches the result in __pycache__/
# unless PYTHONDONTWRITEBYTECODE is set, as it is on the CI machine: each pytest-xdist
# worker of each run did all of that work again. `make test` fills that cache for each
# venv's Python (a collection with the variable unset) on the second core while the first
# type-checks, so that the workers read it; the runs themselves leave the variable as it is.
define warm_rewrites
env -u PYTHONDONTWRITEBYTECODE $(1)/bin/python -m pytest --collect-only -q -p no:cacheprovider >/dev/null 2>&1 || true
endef

# The coverage run pauses coverage for the tests marked `unmeasured` (tests/conftest.py):
# the longest engine-bound ones, which the tracer makes two to four times slower and whose
# lines and branches other tests reach. `SLI_MEASURE_ALL=1 make test` measures them too,
# to check that the report stays the same. The 3.13 run has no coverage to pause.
test: venvs
	@has313=; if [ -n "$(PY313)" ] && [ -x $(VENV313)/bin/python ]; then has313=1; fi; \
	{ $(call warm_rewrites,$(VENV)); [ -z "$$has313" ] || $(call warm_rewrites,$(VENV313)); } & warm=$$!; \
	status=0; $(MAKE) --no-print-directory lint || status=$$?; \
	wait "$$warm"; exit "$$status"
	@pg="$$(compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' | head -n 1 || true)"; \
	if [ -n "$$pg" ]; then echo "==> PostgreSQL server for the PostgreSQL tests: $$pg"; \
	else echo "note: no PostgreSQL server (Debian's postgresql package): the PostgreSQL tests will fail saying so; .ci/run installs it"; fi
	@echo "==> pytest with coverage ($$($(VENV)/bin/python --version)), $(PYTEST_JOBS) workers"
	@rm -f .coverage .coverage.*
	$(call compile_src,$(VENV))
	@$(VENV)/bin/python -m coverage run -m pytest $(PYTEST_PARALLEL) --durations=15
	@$(VENV)/bin/python -m coverage combine --quiet
	@$(VENV)/bin/python -m coverage report
	@if [ -n "$(PY313)" ] && "$(PY313)" -c 'import sys' >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory test313; \
	else \
		echo "note: no Python 3.13 found (set PY313=/path/to/python3.13); skipped the 3.13 run"; \
	fi

# What `make test` keeps short, at length: the nightly law with many more hypothesis
# examples than `make test` runs (40 each), the nightly law with imprecise dates (4 in
# `make test`; each example costs seconds), and the durable-rules engine against the
# reference engine on a stream of about 110,000 events (11,000 in `make test`).
SOAK_EXAMPLES ?= 2000
SOAK_IMPRECISE_NIGHTS ?= 100
SOAK_DURABLE_EVENTS ?= 110000

soak: venv
	@echo "==> the nightly law, $(SOAK_EXAMPLES) examples per property"
	@SLI_SOAK_EXAMPLES=$(SOAK_EXAMPLES) $(VENV)/bin/python -m pytest -q \
		tests/test_nightly_law.py tests/test_drain_asleep.py --hypothesis-show-statistics
	@echo "==> the nightly law with imprecise dates, $(SOAK_IMPRECISE_NIGHTS) examples"
	@SLI_IMPRECISE_NIGHTS=$(SOAK_IMPRECISE_NIGHTS) $(VENV)/bin/python -m pytest -q \
		tests/test_imprecise_laws.py -k test_nightly_runs --hypothesis-show-statistics
	@echo "==> durable-rules and the reference engine on a stream of about $(SOAK_DURABLE_EVENTS) events"
	@SLI_DURABLE_EVENTS=$(SOAK_DURABLE_EVENTS) $(VENV)/bin/python -m pytest -q \
		tests/test_durable.py -k test_a_large_stream --durations=1

# The 3.13 run shows that the code works on that Python; the 3.11 run before it has just
# run every test at full length. So the 3.13 run gives each hypothesis test a fifth of
# its examples (TEST313_SCALE, read by tests/conftest.py; its explicit examples all the
# same), and leaves out the tests marked `unmeasured`, the long engine-bound ones (the
# real record's CLI, streamed, notebook and page tests, test_bundled's second run of every
# scenario, and test_incremental's nightly sequences and killed runs: pure Python, the same
# code on both; the rest of test_incremental runs). `make test313 TEST313_ARGS=
# TEST313_SCALE=1` runs everything at full length on 3.13.
TEST313_SCALE ?= 0.2
TEST313_ARGS ?= -m "not unmeasured"

test313: $(VENV313)/.installed
	@echo "==> pytest ($$($(VENV313)/bin/python --version)), hypothesis examples x $(TEST313_SCALE)$(if $(TEST313_ARGS), and $(TEST313_ARGS))"
	$(call compile_src,$(VENV313))
	@SLI_EXAMPLES_SCALE=$(TEST313_SCALE) $(VENV313)/bin/python -m pytest $(PYTEST_PARALLEL) --durations=15 $(TEST313_ARGS)

# The suite against the newest releases that pyproject.toml's ranges allow, in a venv
# of its own rebuilt each time: an early warning that a new upstream release will break
# the next `make lock`. Not part of CI (its result depends on the day it runs).
test-latest:
	@echo "==> setting up $(VENV_LATEST) with the newest releases allowed for [$(EXTRAS)]"
	@rm -rf $(VENV_LATEST)
	@$(PY) -m venv $(VENV_LATEST)
	@$(VENV_LATEST)/bin/python -m pip install $(PIP_QUIET) --quiet --upgrade -r lock/build.in
	@$(VENV_LATEST)/bin/python -m pip install $(PIP_QUIET) --quiet --upgrade --upgrade-strategy eager -e '.[$(EXTRAS)]'
	@$(VENV_LATEST)/bin/python -m pip list --format=freeze --exclude-editable > $(VENV_LATEST)/versions.txt
	@echo "==> versions: $(VENV_LATEST)/versions.txt (compare with $(LOCK_TEST))"
	@echo "==> ruff, mypy and pytest on the newest releases"
	@$(VENV_LATEST)/bin/ruff check .
	@$(VENV_LATEST)/bin/mypy
	@$(VENV_LATEST)/bin/python -m pytest

# --- fuzzing ------------------------------------------------------------------
# `make test` runs each fuzz target in tests/test_fuzz.py a few times, the same inputs
# every run, and the mutation driver briefly. `make fuzz` runs the driver
# (tests/fuzz_driver.py) over FUZZ_INPUTS mutated inputs shared between all the targets,
# on FUZZ_JOBS processes, and prints the inputs and time per target; a million cost
# about 22 CPU-minutes, a quarter of an hour on two free cores (FUZZ_ARGS="--seed N"
# repeats a run; SIGTERM to the workers stops it with the counts so far). `make
# fuzz-hypothesis` runs FUZZ_EXAMPLES fresh hypothesis examples per target instead.
# Save any failing input it reports as a file under tests/fuzz/ (a regression that
# `make test` then replays).

FUZZ_INPUTS ?= 1000000
FUZZ_JOBS ?= 2
FUZZ_ARGS ?=
FUZZ_EXAMPLES ?= 2000

fuzz: venv
	@$(VENV)/bin/python tests/fuzz_driver.py --inputs $(FUZZ_INPUTS) --jobs $(FUZZ_JOBS) $(FUZZ_ARGS)

fuzz-hypothesis: venv
	@echo "==> fuzz: $(FUZZ_EXAMPLES) hypothesis examples per target"
	@SLI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/python -m pytest -q -p no:cacheprovider \
		--durations=0 tests/test_fuzz.py -k "test_fuzz_"

# --- benchmark ----------------------------------------------------------------

# Arguments for benchmarks/run.py, e.g. `make bench BENCH_ARGS="--events 50000 --json bench.json"`.
BENCH_ARGS ?=

bench: venv
	@$(VENV)/bin/python benchmarks/run.py $(BENCH_ARGS)

# Arguments for benchmarks/nightly.py, e.g. `make nightly NIGHTLY_ARGS="--events 5000"`.
NIGHTLY_ARGS ?=

nightly: venv
	@$(VENV)/bin/python benchmarks/nightly.py $(NIGHTLY_ARGS)

# --- housekeeping -------------------------------------------------------------

clean:
	rm -rf $(VENV) $(VENV313) $(VENV_LATEST) $(VENV_LOCK) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis \
		.coverage .coverage.* htmlcov
	find . -path ./.git -prune -o \( -name __pycache__ -o -name '*.egg-info' \) -type d -print0 \
		| xargs -0 rm -rf
