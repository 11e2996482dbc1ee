# shopee-pipeline: every target creates .venv and installs what it needs by itself.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.shopee_pipeline/dagster_home

.PHONY: install test lint format demo dev bench

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

demo: install
	$(BIN)/shopee-pipeline demo

dev: install
	$(BIN)/shopee-pipeline dev

bench: install
	$(BIN)/python -m shopee_pipeline_tests.benchmarks.run_all
