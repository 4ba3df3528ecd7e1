# One entry point per gate, the same on a laptop and in CI (.ci/run calls `make test`).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint types contracts pytest bench serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[all]"
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[all,dev]"
	touch $@ $(RUN_STAMP)

## run: the main job on the embedded default (local SQLite state, local audit folder)
run: $(RUN_STAMP)
	$(BIN)/sre whoami
	$(BIN)/sre investigate checkout-api
	$(BIN)/sre help investigation
	@echo "Your own metrics: a CSV like examples/metrics/web-incident.csv (README, Investigations)"

## serve: the Slack and Teams endpoints on localhost:3000 (Socket Mode when SLACK_APP_TOKEN is set)
serve: $(RUN_STAMP)
	$(BIN)/sre serve --host 127.0.0.1 --port 3000

## test: lint, types, import contracts and the test suite
test: lint types contracts pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

types: $(DEV_STAMP)
	$(BIN)/mypy

contracts: $(DEV_STAMP)
	$(BIN)/lint-imports

# two workers a core: a third of the suite's time is waiting (moto's HTTP, subprocesses, timeouts
# a test proves), so two a core finish it in about 60% of the time one a core takes
WORKERS ?= $(shell $(PYTHON) -c 'import os; a = getattr(os, "sched_getaffinity", None); print(2 * (len(a(0)) if a else os.cpu_count() or 1))')
pytest: $(DEV_STAMP)
	$(BIN)/pytest -q -n $(WORKERS) --dist loadfile

## bench: cold start and throughput figures, printed
bench: $(DEV_STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .build .mypy_cache .ruff_cache
