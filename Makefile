# The two commands of the README: `make demo` and `make test` (`make check` is the fast tier of `make test`).
# Everything else is a step of those.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fee_center
export REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install services demo test check lint bench bench-night bench-load

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q ".[dev]"
	touch $@

services:
	bash scripts/services.sh

# Installs, starts PostgreSQL and Redis if needed, migrates, loads the demo and serves on 127.0.0.1:8000
# (`make demo HOST=0.0.0.0 PORT=8080` to choose). Its mails go to files in artifacts/demo-mail/, not the terminal.
HOST ?= 127.0.0.1
PORT ?= 8000
# Celery runs eagerly here (tasks execute in the web process); docker-compose runs real workers.
demo: export CELERY_TASK_ALWAYS_EAGER = true
# The sandbox payment gateway (a fake bank page) is off unless enabled: on for the demo only, never in production.
demo: export PAYMENT_SANDBOX_ENABLED = true
demo: export EMAIL_BACKEND = django.core.mail.backends.filebased.EmailBackend
demo: export EMAIL_FILE_PATH = $(CURDIR)/artifacts/demo-mail
demo: export PUBLIC_BASE_URL = http://$(HOST):$(PORT)
demo: install services
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT)
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite on PostgreSQL and Redis, browser tests in Debian's Chromium included.
test: install services
	bash scripts/browsers.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	REDIS_URL=redis://127.0.0.1:6379/1 $(BIN)/pytest -q

# The fast tier while working: everything but the browser, production-smoke, fault, real-broker and slow tests
# (conftest.py marks them by path), on two pytest-xdist workers (each with its own test database). No lint, no
# browsers; CI runs `make test`, the whole suite, in one process.
FAST_TIER := not browser and not production and not faults and not real_broker and not slow
check: install services
	$(BIN)/pytest -q -n 2 -m "$(FAST_TIER)"

# ruff (with the banned APIs of each rule's owner), the layers contract, and mypy (strict on core and money).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy .

bench-night: install services
	$(BIN)/python benchmarks/night.py

bench-load: install services
	$(BIN)/python benchmarks/load.py

# The three ratios of issue 15 side by side with their targets (night / full floor, checkout / health,
# ingestion / COPY): the night benchmark, then the load benchmark, one after the other (BENCHMARKS.md).
bench: install services
	$(BIN)/python benchmarks/ratios.py
