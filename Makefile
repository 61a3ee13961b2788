# BZPEER — `make run` runs the site with demo data, `make test` runs every check.
SHELL := /bin/bash
VENV ?= .venv
# Django 6 needs Python 3.12+: take the first interpreter on the PATH (or in pyenv) that is.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null); do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p || echo $$p; } && break; done)
PY := $(VENV)/bin/python
STACK := $(PY) scripts/stack.py

.PHONY: run test manage install clean-data

# Runtime (requirements.txt, all the image installs) and development tools (requirements-dev.txt).
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed; none found" >&2; exit 1; }
	@echo "using $(PYTHON)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

run: install
	$(STACK) run

# Every check, in the order of their cost: lint, format, types, import layers and cycles
# (import-linter, pyproject.toml), migrations in step with the models, then the tests.
# .pre-commit-config.yaml runs the same commands. Tests publish to their own queue, so a demo
# worker sharing the same Redis never takes their tasks.
CHECKS := $(PY) -m ruff check . ::: $(PY) -m ruff format --check . ::: $(PY) -m mypy . \
	::: $(VENV)/bin/lint-imports --no-logo ::: $(PY) manage.py makemigrations --check --dry-run
# The tests run in PYTEST_WORKERS processes (pytest-xdist; each has its own test database and
# cache key prefix, see tests/xdist_isolation.py): many tests wait on a worker, a browser or a
# restarted service, so three share two cores well. PYTEST_WORKERS=0 runs them in this process.
# The slow tests are collected first (tests/conftest.py) and handed out one at a time
# (--maxschedchunk 1), so they spread over the processes; --durations names the slowest.
PYTEST_WORKERS ?= 3
test: export CELERY_QUEUE ?= bzpeer-test
test: install
	$(STACK) exec -- $(CHECKS) ::: $(PY) -m pytest -n $(PYTEST_WORKERS) $(if $(filter 0,$(PYTEST_WORKERS)),,--maxschedchunk 1) --durations 15 $(PYTEST_ARGS)

# e.g. make manage ARGS=createsuperuser  (a moderator for the demo: staff users moderate claims)
manage: install
	$(STACK) exec -- $(PY) manage.py $(ARGS)

clean-data:
	rm -rf .data
