# Attendance Pathway — developer entry points.
#
#   make run     install into .venv (and WeasyPrint's Debian libraries if missing), migrate, load
#                demo data, deploy models, serve on $PORT (5000) with a Celery worker + beat beside it
#   make test    install Debian test packages if missing (as root/sudo), then pytest ($PYTEST_ARGS)
#   make lint    ruff + import-linter contracts
#   make bench   bench/run.py
#
# PORT, DATABASE_URL, SECRET_KEY, CELERY_BROKER_URL... are read by the app from the
# environment; make passes its environment (and VAR=value arguments) through unchanged.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

# Debian packages `make run` needs: WeasyPrint's libraries and a font (letters as PDF).
RUN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# ... and the test suite too: PostgreSQL and Redis servers (tests start throwaway ones when none
# is running), docker-compose (offline validation of docker-compose.yml), pdftotext
# (poppler-utils: the letter tests read the PDFs back) and Chromium (tests/browser drive it with
# Playwright at /usr/bin/chromium; `playwright install` is never run, no browser is downloaded).
TEST_PACKAGES := postgresql redis-server docker-compose poppler-utils chromium

.PHONY: run test lint bench install install-dev system-deps run-deps

run: run-deps install
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
# it prints a note and the tests (or letters as PDF) that need a missing package say why.
define apt_install
missing=""; \
for p in $(1); do \
  case $$p in \
    postgresql) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
      || dpkg -s postgresql >/dev/null 2>&1 || missing="$$missing $$p" ;; \
    redis-server) command -v redis-server >/dev/null 2>&1 || missing="$$missing $$p" ;; \
    docker-compose) command -v docker-compose >/dev/null 2>&1 || missing="$$missing $$p" ;; \
    poppler-utils) command -v pdftotext >/dev/null 2>&1 || missing="$$missing $$p" ;; \
    chromium) [ -x /usr/bin/chromium ] || missing="$$missing $$p" ;; \
    *) dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p" ;; \
  esac; \
done; \
if [ -z "$$missing" ]; then exit 0; fi; \
if [ "$$(id -u)" = 0 ]; then sudo=""; \
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
else echo "note: missing Debian packages:$$missing (not root, no sudo): related features/tests will not work"; exit 0; fi; \
if ! command -v apt-get >/dev/null 2>&1; then \
  echo "note: missing Debian packages:$$missing (no apt-get): related features/tests will not work"; exit 0; fi; \
echo "installing Debian packages:$$missing"; \
$$sudo apt-get update -qq \
  && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
  || echo "note: apt-get could not install$$missing: related features/tests will not work"
endef

run-deps:
	@$(call apt_install,$(RUN_PACKAGES))

system-deps:
	@$(call apt_install,$(RUN_PACKAGES) $(TEST_PACKAGES))
