# Hippocratic: the two set-up commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
POLICY ?= policies/harmonic-medical-sonography.yaml
SECOND_POLICY ?= policies/harmony-healthcare.yaml
PATIENTS ?= 200

.PHONY: run test check bench install clean evidence

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

STORE ?= var/hippocratic.db
KEYS ?= var/keys

## Initialise a SQLite store with a shipped policy and demo patients, then serve the web app
run: install
	@if [ ! -f $(STORE) ]; then \
		$(BIN)/hippocratic init --policy $(POLICY) --db sqlite:///$(STORE) --keys $(KEYS) && \
		$(BIN)/hippocratic organisation add --policy $(SECOND_POLICY) --db sqlite:///$(STORE) --keys $(KEYS) && \
		for org in harmonic harmony; do \
			$(BIN)/hippocratic demo seed $$org --patients $(PATIENTS) --staff --db sqlite:///$(STORE) --keys $(KEYS) || exit 1; \
		done; \
	fi
	$(BIN)/hippocratic audit verify --db sqlite:///$(STORE) --keys $(KEYS)
	$(BIN)/hippocratic demo users --keys $(KEYS)
	$(BIN)/hippocratic serve --host $(HOST) --port $(PORT) --db sqlite:///$(STORE) --keys $(KEYS)

## Install everything the suite needs, run it on SQLite and PostgreSQL, and trace every
## promise to its passing tests (fails if one has none)
test: install test-extras
	$(BIN)/python -m pytest --junitxml=build/test-results.xml --durations=20
	$(BIN)/hippocratic evidence

## The auditor's trace: every promise to its policy rule, code and tests (after make test)
evidence: install
	$(BIN)/hippocratic evidence

## Lint, strict types, layer contracts
check: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

## Benchmarks: medians, p99 and ratios against baselines (see docs/performance.md)
bench: install bench-extras
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

# Each concept may add prerequisites of its own (e.g. an independent checker in its own venv).
test-extras::
bench-extras::
-include mk/*.mk
