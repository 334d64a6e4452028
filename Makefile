# Attendance Pathway — developer entry points.
#
#   make run     install into .venv, migrate, load demo data, deploy models, serve on $PORT (5000)
#   make test    install Debian test servers if missing (as root/sudo), then pytest ($PYTEST_ARGS)
#   make lint    ruff + import-linter contracts
#   make bench   bench/run.py
#
# PORT, DATABASE_URL, SECRET_KEY, CELERY_BROKER_URL... are read by the app from the
# environment; make passes its environment (and VAR=value arguments) through unchanged.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

# Debian packages the test suite uses: PostgreSQL and Redis servers (tests start throwaway
# ones when none is running) and docker-compose (offline validation of docker-compose.yml).
SYSTEM_PACKAGES := postgresql redis-server docker-compose

.PHONY: run test lint bench install install-dev system-deps

run: install
	$(BIN)/pathway db upgrade
	$(BIN)/pathway models deploy
	$(BIN)/pathway demo
	$(BIN)/pathway serve

test: system-deps install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/run.py

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the stamp.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

# The dev install includes the plain one, so it refreshes both stamps.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(VENV)/.installed

# Installs only what is missing, and only as root or with password-less sudo; otherwise
# it prints a note and the tests that need a missing tool skip with a reason.
system-deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  || dpkg -s postgresql >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v docker-compose >/dev/null 2>&1 || missing="$$missing docker-compose"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "note: missing Debian packages:$$missing (not root, no sudo): related tests will skip"; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "note: missing Debian packages:$$missing (no apt-get): related tests will skip"; exit 0; fi; \
	echo "installing Debian packages:$$missing"; \
	$$sudo apt-get update -qq \
	  && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	  || echo "note: apt-get could not install$$missing: related tests will skip"
