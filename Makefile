# Lotsenboard — the verbs: run, test, lint, migration name=...
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two installs into one venv, each redone when pyproject.toml changes: the app alone (run,
# migration, translations) and the app with its test and lint tools (test, lint, format, bench).
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
PYTEST_ARGS ?=
# Test processes in parallel (pytest-xdist; --dist loadgroup is in pyproject.toml). 0: no workers.
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS))
# The part of the suite whose behaviour depends on the database engine: run again on PostgreSQL.
# The browser tests run once, on SQLite. Test paths in PYTEST_ARGS take its place.
POSTGRES_TESTS ?= tests/unit tests/http tests/concurrency tests/realtime tests/migrations tests/cli

.PHONY: install install-test browser sso-servers run test test-sqlite test-postgres lint format migration translations bench bench-full bench-reports clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The minutes' PDF (WeasyPrint) needs Pango and HarfBuzz from the system, and a font; the LDAP
# login (python-ldap) is built against OpenLDAP's and SASL's headers.
PANGO := /usr/lib/$(shell uname -m)-linux-gnu/libpangoft2-1.0.so.0
SYSTEM_FILES := $(PANGO) /usr/include/ldap.h /usr/include/sasl/sasl.h
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	gcc libldap2-dev libsasl2-dev

$(SYSTEM_FILES):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	else \
		echo "$@ is missing: run 'sudo apt-get install $(SYSTEM_PACKAGES)' (Debian) first"; exit 1; \
	fi

# The single sign-on tests log in against real servers on 127.0.0.1: OpenLDAP's slapd from
# Debian, and npm's oidc-provider run by Node.js (tests/sso/).
SLAPD := /usr/sbin/slapd
OIDC_PROVIDER := tests/sso/oidc/node_modules/.package-lock.json

$(SLAPD):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils; \
	else \
		echo "slapd is missing: run 'sudo apt-get install slapd ldap-utils' (Debian) first"; exit 1; \
	fi

$(OIDC_PROVIDER): tests/sso/oidc/package-lock.json
	@if ! command -v npm >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	fi
	npm ci --prefix tests/sso/oidc --no-audit --no-fund --loglevel=error
	touch $@

sso-servers: $(SLAPD) $(OIDC_PROVIDER)

$(RUN_STAMP): pyproject.toml | $(BIN)/python $(SYSTEM_FILES)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python $(SYSTEM_FILES)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(BENCH_STAMP): pyproject.toml | $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@

## install: the app and what it needs to run, nothing more
install: $(RUN_STAMP)

## install-test: the app with its test and lint tools
install-test: $(TEST_STAMP)

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

## test: the whole suite on SQLite, and its engine-dependent part (POSTGRES_TESTS) again on
## PostgreSQL when LOTSENBOARD_TEST_POSTGRES_URL is set
test: install-test browser sso-servers
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$LOTSENBOARD_TEST_POSTGRES_URL" ]; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "LOTSENBOARD_TEST_POSTGRES_URL is not set: PostgreSQL run skipped"; \
	fi

test-sqlite: install-test browser sso-servers
	LOTSENBOARD_TEST_DB=sqlite $(PYTEST) --cov=app --cov-report=term:skip-covered $(PYTEST_ARGS)

test-postgres: install-test sso-servers
	LOTSENBOARD_TEST_DB=postgres $(PYTEST) $(PYTEST_ARGS) \
		$(if $(filter tests/%,$(PYTEST_ARGS)),,$(POSTGRES_TESTS))

lint: install-test
	$(BIN)/ruff check app tests migrations bench
	$(BIN)/ruff format --check app tests migrations bench
	$(BIN)/mypy app

format: install-test
	$(BIN)/ruff check --fix app tests migrations bench
	$(BIN)/ruff format app tests migrations bench

## migration name=add_something: autogenerate a migration from the models (then read and fix it)
migration: install
	@test -n "$(name)" || (echo "usage: make migration name=short_slug" && exit 2)
	$(BIN)/alembic upgrade head
	$(BIN)/alembic revision --autogenerate -m "$(name)"

## bench: pages, JSON, moves, fan-out and memory at 100 and 500 cards on SQLite (< 3 minutes);
## results in bench/results/ (see bench/README.md)
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py

## bench-full: the same at 100, 500 and 5,000 cards, on SQLite and PostgreSQL, up to 1,000 sockets
bench-full: $(BENCH_STAMP)
	$(BIN)/python bench/run.py --full

## bench-reports: reports on 5,000 measures and 100,000 events, SQLite and PostgreSQL (< 2 minutes);
## results in bench/results/reports.json
bench-reports: $(BENCH_STAMP)
	$(BIN)/python bench/reports.py

## translations: extract the UI strings and update the German and English catalogues
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k "_ gettext ngettext:1,2 N_ Conflict DomainError Forbidden InvalidInput:2 SsoRefused ProviderUnavailable NoAccount LocalLoginOff DirectoryUnavailable DirectoryRefused" --no-location --sort-output \
		--project Lotsenboard -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
