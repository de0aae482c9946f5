# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: install run test lint bench smoke clean

$(BIN)/django-admin: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/django-admin

# Embedded default: SQLite in var/, Celery eager, demo data, dev login simulator.
run: install
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(MANAGE) migrate --noinput
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(MANAGE) load_reference_data
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(MANAGE) seed_demo
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(MANAGE) runserver 127.0.0.1:8000

# The whole suite. Uses PostgreSQL when DATABASE_URL points to one (CI does).
test: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/graduatoria.py $(BENCH_ARGS)

clean:
	rm -rf var/*.sqlite3 staticfiles
