# The two commands of the README are `make demo` and `make test`; the rest are their parts.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_ENV := FINEGRID_DEBUG=1 FINEGRID_HTTPS=0
HOST ?= 127.0.0.1:8000

.PHONY: demo test install install-dev assets lint format messages openapi clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Front-end packages come from the npm registry and are served from our own static files.
assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to install the front-end packages (apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error

demo: install assets
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py simulate --if-empty --days 45 --seed 1
	$(DEMO_ENV) $(BIN)/python manage.py demo_rankings --if-empty
	@# After demo_rankings: it publishes last month for every scheme; demo_campaigns then issues a
	@# correction of the departments-campaigns run that counts the campaign's tasks and inspections.
	$(DEMO_ENV) $(BIN)/python manage.py demo_campaigns --if-empty
	@echo "finegrid is serving on http://$(HOST)/ (admin: http://$(HOST)/admin/)"
	@echo "citizen portal: http://$(HOST)/citizen/   API docs: http://$(HOST)/api/v1/docs"
	@# The embedded worker runs background jobs (notifications, timers) beside the server.
	$(DEMO_ENV) $(BIN)/python manage.py run_worker & trap 'kill $$!' EXIT INT TERM; \
	  $(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST)

test: install-dev assets
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The API's schema is committed; a test fails when the API changes and this file does not.
openapi: install
	$(BIN)/python manage.py export_openapi

# Needs GNU gettext (a developer tool; the compiled .mo files are committed).
messages: install-dev
	for app in finegrid/*/; do \
	  if [ -d "$$app/locale" ]; then (cd $$app && ../../$(BIN)/django-admin makemessages -l en && ../../$(BIN)/django-admin compilemessages); fi; \
	done

clean:
	rm -rf $(VENV) var node_modules .pytest_cache .mypy_cache .ruff_cache
