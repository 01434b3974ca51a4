# Two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wedding
HOST   ?= 127.0.0.1
PORT   ?= 5000
# pytest-xdist processes for `make test`; each has its own databases (tests/conftest.py)
TEST_WORKERS ?= 2

.PHONY: run dev test lint bench setup system translations messages vendor clean

run: setup instance/secret_key ## set everything up, load the demo, serve on http://127.0.0.1:5000 and run the jobs
	@set -e; export FLASK_SECRET_KEY="$${FLASK_SECRET_KEY:-$$(cat instance/secret_key)}"; \
	$(FLASK) db upgrade; \
	$(FLASK) demo; \
	echo "Serving on http://$(HOST):$(PORT) with a job worker  (Ctrl+C stops both)"; \
	$(FLASK) worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - 'wedding:create_app()'

dev: setup ## Flask's reloader and debugger (jobs run in the request: FLASK_JOB_QUEUE_IMMEDIATE)
	$(FLASK) db upgrade && $(FLASK) demo && FLASK_JOB_QUEUE_IMMEDIATE=true $(FLASK) run --debug --host $(HOST) --port $(PORT)

test: setup lint ## lint, then the whole suite (PostgreSQL too when WEDDING_TEST_POSTGRESQL_URL is set)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

lint: $(VENV)/.installed
	$(BIN)/ruff check wedding tests migrations bench
	$(BIN)/ruff format --check wedding tests bench

bench: setup ## print the figures the issues ask for
	$(BIN)/python -m bench

setup: system $(VENV)/.installed node_modules/.installed translations

system:
	@scripts/system-packages.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# Node.js tools the tests run (gltf-validator, axe-core) and the source of static/vendor/.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

vendor: node_modules/.installed ## refresh static/vendor from the pinned npm packages
	cp node_modules/@google/model-viewer/dist/model-viewer.min.js static/vendor/model-viewer/
	sed -i '/^\/\/# sourceMappingURL=/d' static/vendor/model-viewer/model-viewer.min.js
	cp node_modules/@google/model-viewer/LICENSE static/vendor/model-viewer/LICENSE

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile --use-fuzzy -d wedding/translations >/dev/null

messages: $(VENV)/.installed ## re-extract strings into the catalogs after changing them
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --project wedding -o wedding/translations/messages.pot .
	$(BIN)/pybabel update -i wedding/translations/messages.pot -d wedding/translations --no-fuzzy-matching --width 100

instance/secret_key:
	@mkdir -p instance
	@$(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@
	@chmod 600 $@

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache .ruff_cache
