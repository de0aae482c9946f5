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

# With no DATABASE_URL: SQLite in var/; with no broker: Celery eager (the log says so). Demo data,
# dev login simulator, the demo identities printed by seed_demo.
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_reference_data
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

# The whole suite. Uses PostgreSQL when DATABASE_URL points to one (CI does).
test: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/graduatoria.py $(BENCH_ARGS)
	$(BIN)/python bench/domande.py $(DOMANDE_ARGS)

clean:
	rm -rf var/*.sqlite3 staticfiles
