# The two commands: `make run` (the demo on SQLite) and `make test` (every test,
# on SQLite and on a throwaway PostgreSQL). `make check` runs the linters and checks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PW := $(BIN)/pollwatch
HOST ?= 127.0.0.1
PORT ?= 8000

# The demo runs on loopback over plain HTTP: allow non-secure cookies and a
# development key there, and nowhere else.
DEMO_ENV := POLLWATCH_INSECURE_DEV_KEY=true SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false

.PHONY: run test check venv catalogues messages openapi bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements/base.txt requirements/dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements/base.txt -r requirements/dev.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

run: venv
	$(DEMO_ENV) $(PW) migrate --no-input -v 0
	@$(MAKE) -s catalogues
	$(DEMO_ENV) $(PW) demo
	$(DEMO_ENV) $(PW) serve --host $(HOST) --port $(PORT)

test: venv
	@$(MAKE) -s catalogues
	scripts/test-databases

check: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy pollwatch
	POLLWATCH_INSECURE_DEV_KEY=true $(PW) makemigrations --check --dry-run
	scripts/check-deploy

# The compiled catalogues are committed, so a machine without gettext still has them.
catalogues: venv
	@if command -v msgfmt >/dev/null; then POLLWATCH_INSECURE_DEV_KEY=true $(PW) compilemessages -v 0 --ignore '.venv'; \
	else echo "gettext is not installed: using the committed .mo catalogues"; fi

messages: venv
	POLLWATCH_INSECURE_DEV_KEY=true $(PW) makemessages -l ru -l en --ignore 'var/*' --ignore 'bench/*' --ignore '*/tests/*' --ignore 'pollwatch/testing/*'
	POLLWATCH_INSECURE_DEV_KEY=true $(PW) compilemessages -v 0 --ignore '.venv'

openapi: venv
	POLLWATCH_INSECURE_DEV_KEY=true $(PW) export_openapi openapi.json

# Benchmarks run on SQLite and on PostgreSQL (a throwaway cluster, see scripts/with-postgres).
bench: venv
	scripts/with-postgres sh -c 'export POLLWATCH_BENCH_POSTGRES_URL="$$POLLWATCH_PG_URL"; \
	  $(BIN)/python bench/import_stations.py --db both && $(BIN)/python bench/report_api.py --db both \
	  && $(BIN)/python bench/channels.py --db both \
	  && $(BIN)/python bench/findings_pages.py --db both \
	  && $(BIN)/python bench/findings_exports.py --db both \
	  && $(BIN)/python bench/official_results.py --db both \
	  && $(BIN)/python bench/pvt_stats.py'

clean:
	rm -rf $(VENV) var/static
