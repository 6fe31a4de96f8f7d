# Kundval: `make run` starts the demo on http://127.0.0.1:5000, `make test` runs the tests.
# Every target can be repeated; the virtualenv is only reinstalled when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask
HOST ?= 127.0.0.1
PORT ?= 5000
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k settlement -x"`.
PYTEST_ARGS ?=

export FLASK_APP := wsgi.py
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# TEST_DATABASE_URL (postgresql://user@host:5432/db), from the environment or the command line,
# reaches pytest as it is: the tests then run on PostgreSQL too.

PO_FILES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: help venv translations translations-update migrate seed run test lint clean

help:
	@echo "make run                  install, migrate, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test                 run the test suite (TEST_DATABASE_URL=... adds PostgreSQL)"
	@echo "make lint                 ruff, mypy and import-linter (settings in pyproject.toml)"
	@echo "make venv | translations | translations-update | migrate | seed | clean"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

translations: $(MO_FILES)

# .mo files are build output (git-ignored); each is rebuilt when its .po changes.
%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

# Re-extract the Swedish msgids from app/ and templates/ and merge them into each catalog.
# No source locations: line numbers would make every unrelated edit a catalog change.
translations-update: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project Kundval --version 0.1.0 --msgid-bugs-address kundval@kommun.example \
		-o $(VENV)/messages.pot .
	$(BIN)/pybabel update -i $(VENV)/messages.pot -d app/translations --width 100 --ignore-obsolete
	@echo "Translate the empty msgstr entries (and check those marked fuzzy), then run make translations."

migrate: $(STAMP)
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed

# The scheduler and the job queue's worker run in the background and stop with the server.
# The seed output, with the demo logins, is printed last so it is on screen when serving starts.
run: $(STAMP) translations migrate
	@set -e; \
	logins="$$($(FLASK) seed)"; \
	mkdir -p instance; \
	sched_pid=""; \
	if $(FLASK) scheduler --help >/dev/null 2>&1; then \
		$(FLASK) scheduler >instance/scheduler.log 2>&1 & sched_pid=$$!; \
		echo "Schemaläggaren körs i bakgrunden (logg: instance/scheduler.log)."; \
	fi; \
	$(FLASK) tasks worker >instance/tasks.log 2>&1 & tasks_pid=$$!; \
	trap 'kill $$sched_pid $$tasks_pid 2>/dev/null || true' EXIT INT TERM; \
	echo "Jobbkön körs i bakgrunden (logg: instance/tasks.log)."; \
	echo; \
	echo "$$logins"; \
	echo; \
	echo "Kundval: http://$(HOST):$(PORT)  (Ctrl+C avslutar)"; \
	echo; \
	FLASK_DEBUG=0 $(FLASK) run --host $(HOST) --port $(PORT)

test: $(STAMP) translations
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf test-artifacts .pytest_cache .ruff_cache .hypothesis build *.egg-info $(VENV)/messages.pot
	rm -f $(MO_FILES)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
