# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: install run test lint lock bench smoke clean messages

# Exact versions and hashes from requirements-dev.lock (the Dockerfile uses requirements.lock), then the
# project itself. --no-deps: the lock is the whole set, so pip resolves nothing. Resolving again made pip
# 23 look up weasyprint's `fonttools[woff]` on the index and refuse its newest release as unpinned the day
# one came out after the lock; `pip check` still proves the set is consistent.
$(BIN)/django-admin: pyproject.toml requirements-dev.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $@

# The catalogues are compiled here, never committed (.gitignore): every .po newer than its .mo.
MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
locale/%.mo: locale/%.po
	msgfmt --check -o $@ $<

install: $(BIN)/django-admin $(MO)

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
	$(BIN)/lint-imports --no-logo
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# After changing dependencies in pyproject.toml: re-pin both lock files from PyPI (keeps existing pins
# that still fit; `make lock PIP_COMPILE_ARGS=--upgrade` moves everything to the newest allowed).
PIP_COMPILE := env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: install
	$(PIP_COMPILE) $(PIP_COMPILE_ARGS) -o requirements.lock pyproject.toml
	$(PIP_COMPILE) $(PIP_COMPILE_ARGS) --extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

# After adding or changing strings: update locale/en and locale/de (then translate the new entries; a test
# fails while any is empty or fuzzy). README "Translations".
messages: install
	$(MANAGE) makemessages -l en -l de --no-obsolete --ignore='.venv/*' --ignore='tests/*' --ignore='bench/*' \
		--ignore='staticfiles/*' --ignore='var/*'

bench: install
	$(BIN)/python bench/graduatoria.py $(BENCH_ARGS)
	$(BIN)/python bench/domande.py $(DOMANDE_ARGS)
	$(BIN)/python bench/rimborsi.py $(RIMBORSI_ARGS)
	$(BIN)/python bench/lifecycle.py $(LIFECYCLE_ARGS)
	$(BIN)/python bench/api.py $(API_ARGS)

clean:
	rm -rf var/*.sqlite3 staticfiles
