# Kindred: `make run` sets up and serves with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint messages bench faults clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_data
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# Needs GNU gettext for extraction (developers only); compiling is pure Python.
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages --locale nb --locale da --locale en --ignore ".venv/*" --no-obsolete
	$(BIN)/python scripts/compile_messages.py

# National-scale benchmark (README "Performance"); e.g. make bench BENCH_ARGS="--sqlite".
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Faults under load on PostgreSQL: a worker killed, the database restarted (README "Faults"; restarts the local cluster).
faults: $(VENV)/.installed
	$(BIN)/python bench/faults.py $(FAULTS_ARGS)

clean:
	rm -rf $(VENV) kindred.sqlite3
