# shopee-pipeline: every target creates .venv and installs what it needs by itself.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The Dagster home of the local stack, by the rule `shopee-pipeline` follows (launcher.dagster_home):
# DAGSTER_HOME when set, else $SHOPEE_DATA_DIR/dagster_home (SHOPEE_DATA_DIR defaults to ~/.shopee_pipeline).
export DAGSTER_HOME ?= $(or $(SHOPEE_DATA_DIR),$(HOME)/.shopee_pipeline)/dagster_home
# Ports of `make dev`: the Dagster UI and the webhook receiver; its sandbox's clock rate (until it has caught
# up with the real time) and orders per shop and simulated day, which set how many pushes arrive.
UI_PORT ?= 3000
RECEIVER_PORT ?= 8000
CLOCK_RATE ?= 60
ORDERS_PER_DAY ?= 40
# Debian packages the suite needs: libfaketime for the live daemon tests (soak, cluster), PgBouncer for the
# pooler test.
SYSTEM_PACKAGES := faketime pgbouncer
# `make test-at WIB=hh:mm` runs the suite (or PYTEST_ARGS) with the pipeline's clock (shopee_pipeline/clock.py)
# at the nearest hh:mm in Asia/Jakarta; within `make test` every test marked `clock` also runs at 00:05 and
# 23:55 WIB (shopee_pipeline_tests/pinned_clock.py's SHIFTED_HOURS).
WIB ?= 00:05
PYTEST_ARGS ?=
# Test workers (pytest-xdist), each with its own embedded Postgres: the tests mostly wait on subprocesses,
# the sandbox and Postgres, so more workers than cores pay off. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 8
# The suite runs without DAGSTER_HOME: no test may touch the instance in the user's data folder.
PYTEST := env -u DAGSTER_HOME $(BIN)/pytest

.PHONY: install system-deps test test-at style lint format demo dev bench

# uv installs the project (the same releases pip resolves) in about 30 s of CPU where pip takes 50; pip
# stays the fallback where uv cannot reach an index. Both compile the installed modules to bytecode (uv
# only when asked): where PYTHONDONTWRITEBYTECODE is set, as on this project's CI machines, every process
# would otherwise compile Dagster afresh at each import.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'uv>=0.9,<1'
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]' || \
	  $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

style: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint: style
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
	  echo "system-deps: install the Debian packages$$missing (no apt-get here)"; exit 1; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo=sudo; else \
	  echo "system-deps: run as root or install sudo to apt-get install$$missing"; exit 1; fi; \
	echo "system-deps: apt-get install$$missing"; \
	install="$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q$$missing"; \
	$$install >/dev/null || { $$sudo apt-get update -q >/dev/null && $$install >/dev/null; } || { \
	  echo "system-deps: apt-get install$$missing failed"; exit 1; }

# ruff first (seconds); mypy (about 40 s of CPU on a fresh clone) beside the suite, its verdict printed
# after the suite's; either failing fails `make test`.
test: system-deps style
	@$(BIN)/mypy > $(VENV)/mypy.log 2>&1 & mypy=$$!; \
	$(PYTEST) -n $(TEST_WORKERS) --maxschedchunk 1 --durations=25; tests=$$?; \
	wait $$mypy; typed=$$?; echo "mypy:"; cat $(VENV)/mypy.log; \
	exit $$(( tests || typed ))

# SHOPEE_CLOCK_OFFSET_SECONDS shifts the pipeline's clock (and, in pytest's own process, Dagster's) to the
# nearest WIB=hh:mm (UTC+7 all year); every process the tests start inherits it. No libfaketime: only the
# soak and cluster tests, whose real dagster-daemon must share a shifted clock, use it, by themselves.
NEAREST_WIB_OFFSET := import sys, time; from shopee_pipeline_tests.pinned_clock import nearest_wib_offset; print(nearest_wib_offset(sys.argv[1], time.time()))
SHOW_WIB := import datetime, zoneinfo; from shopee_pipeline import clock; print(clock.now().astimezone(zoneinfo.ZoneInfo("Asia/Jakarta")).strftime("%Y-%m-%d %H:%M:%S %Z"))

test-at: install system-deps
	@offset=$$($(BIN)/python -c '$(NEAREST_WIB_OFFSET)' "$(WIB)") || exit 1; \
	export SHOPEE_CLOCK_OFFSET_SECONDS="$$offset"; \
	echo "test-at: SHOPEE_CLOCK_OFFSET_SECONDS=$$offset, the pipeline's clock at $$($(BIN)/python -c '$(SHOW_WIB)')"; \
	$(PYTEST) -n $(TEST_WORKERS) --maxschedchunk 1 $(PYTEST_ARGS)

demo: install
	$(BIN)/shopee-pipeline demo
	$(BIN)/python -m shopee_pipeline.analytics.demo

dev: install
	$(BIN)/shopee-pipeline dev --ui-port $(UI_PORT) --receiver-port $(RECEIVER_PORT) --clock-rate $(CLOCK_RATE) --orders-per-day $(ORDERS_PER_DAY)

bench: install
	$(BIN)/python -m shopee_pipeline_tests.benchmarks.run_all

# `make migration M="add returns"` writes the next migration from the changes in warehouse/tables.py.
.PHONY: migration
migration: install
	@test -n "$(M)" || { echo 'migration: say what it does: make migration M="add returns"'; exit 1; }
	$(BIN)/shopee-pipeline db revision -m "$(M)"

# `make screenshots` retakes docs/images/*.png: Debian's chromium, driven by Playwright (the docs extra),
# against a `shopee-pipeline dev` of its own (docs/screenshots/take_screenshots.py --help). Not part of test.
.PHONY: screenshots
screenshots: install
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES=chromium
	@$(BIN)/python -c 'import playwright' 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[docs]'
	$(BIN)/python docs/screenshots/take_screenshots.py

# `make deploy-check` (as root on Debian 12) runs deploy/ for real with podman standing in for Docker: builds
# deploy/Dockerfile on a Debian base made by debootstrap, starts deploy/docker-compose.yaml with
# podman-compose, each run in a container of its own through podman's Docker API, and proves from outside
# what the stack does (deploy/check/deploy_check.py; README "Running the deployment for real").
# Not part of `make test`: it takes minutes and a rootful podman.
PODMAN_COMPOSE_VERSION ?= 1.6.0
.PHONY: deploy-check
deploy-check: install
	bash deploy/check/setup-podman.sh
	@$(BIN)/python -c 'import podman_compose' 2>/dev/null \
	  || $(BIN)/python -m pip install --quiet podman-compose==$(PODMAN_COMPOSE_VERSION)
	env -u DAGSTER_HOME $(BIN)/python deploy/check/deploy_check.py
