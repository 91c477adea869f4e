# Doctrina: `make run` and `make test` are the two commands a fresh clone needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
DEV_ENV := DEBUG=true

.PHONY: run test bench bench-cluster loadtest lint format venv venv-dev clean

# Install only when a requirements file changed since the last install.
$(VENV)/.installed-run: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-run

venv: $(VENV)/.installed-run
venv-dev: $(VENV)/.installed-dev

# `make run PORT=8001` serves on another port.
PORT ?= 8000
run: venv
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# SQLite by default; PostgreSQL when DATABASE_URL names one.
test: venv-dev
	$(BIN)/pytest $(PYTEST_ARGS)

bench: venv-dev
	$(BIN)/python -m bench.run

# Two gunicorn servers behind nginx on one PostgreSQL and one Redis (bench/cluster.py): shared
# sessions, throughput and p99 through nginx, the webhook storm across both. Writes bench/cluster.md.
bench-cluster: venv-dev
	$(BIN)/python -m bench.cluster

# Locust against gunicorn on PostgreSQL for LOADTEST_TIME (default 3m), then the invariants in SQL.
loadtest: venv-dev
	$(BIN)/python -m bench.loadtest.run

lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: venv-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
