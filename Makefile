# Lotsenboard — the verbs: run, test, lint, migration name=...
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install browser run test test-sqlite test-postgres lint format migration translations bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(STAMP)

## run: migrate, load the demo Kommune into an empty database, serve on 127.0.0.1:8000
run: install
	$(BIN)/lotsenboard migrate
	$(BIN)/lotsenboard demo --if-empty
	$(BIN)/lotsenboard serve

# Browser tests drive Debian's Chromium (Playwright never downloads a browser here).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; \
	else \
		echo "Chromium is missing: run 'sudo apt-get install chromium' (Debian) first"; exit 1; \
	fi

browser: $(CHROMIUM)

## test: the whole suite on SQLite, and again on PostgreSQL when LOTSENBOARD_TEST_POSTGRES_URL is set
test: install browser
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$LOTSENBOARD_TEST_POSTGRES_URL" ]; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "LOTSENBOARD_TEST_POSTGRES_URL is not set: PostgreSQL run skipped"; \
	fi

test-sqlite: install browser
	LOTSENBOARD_TEST_DB=sqlite $(BIN)/pytest --cov=app --cov-report=term:skip-covered $(PYTEST_ARGS)

test-postgres: install browser
	LOTSENBOARD_TEST_DB=postgres $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check app tests migrations bench
	$(BIN)/ruff format --check app tests migrations bench
	$(BIN)/mypy app

format: install
	$(BIN)/ruff check --fix app tests migrations bench
	$(BIN)/ruff format app tests migrations bench

## migration name=add_something: autogenerate a migration from the models (then read and fix it)
migration: install
	@test -n "$(name)" || (echo "usage: make migration name=short_slug" && exit 2)
	$(BIN)/alembic upgrade head
	$(BIN)/alembic revision --autogenerate -m "$(name)"

## bench: how fast a move reaches 200 open boards (latency, loss, order)
bench: install
	$(BIN)/python bench/live_fanout.py --clients 200 --moves 50

## translations: extract the UI strings and update the German and English catalogues
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k "_ gettext ngettext:1,2" --no-location --sort-output \
		--project Lotsenboard -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
