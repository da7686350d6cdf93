# The two commands: `make studio` and `make test`. Both set up .venv by themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := .make
UI_SRC := $(shell find ui/src ui/index.html ui/package.json ui/vite.config.ts -type f 2>/dev/null)
UI_OUT := src/modelyard/server/static/index.html

.PHONY: studio test test-fast venv ui lint clean server

$(STAMP)/venv: pyproject.toml Makefile
	@mkdir -p $(STAMP)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install -q uv
	$(UV) pip install -q --compile-bytecode -p $(PY) -e '.[dev,s3,automl,ray]'
	@# PyTorch for the pytorch model flavor's tests: pip (not uv) takes the CPU build this
	@# machine kind keeps on disk; it is never a dependency of the package itself.
	$(PY) -m pip install -q --disable-pip-version-check 'torch==2.13.0'
	@touch $@

venv: $(STAMP)/venv

# The Studio UI: built only when ui/ exists and npm is available.
$(UI_OUT): $(UI_SRC)
	@if [ -f ui/package.json ] && command -v npm >/dev/null; then \
	  cd ui && (test -d node_modules || npm ci --no-audit --no-fund) && npm run build; \
	else echo "ui/ or npm missing: the Studio UI is not built (the API still runs)"; fi

ui: $(UI_OUT)

studio: venv ui
	$(VENV)/bin/modelyard demo --port 8200

server: venv
	$(VENV)/bin/modelyard server --port 8200

# The Ray tests run on their own after the rest: beside the other tests' load, Ray's head
# node repeatedly failed to start its dashboard ("Module MetricsHead failed to start").
test: venv ui
	$(PY) -m pytest -n 2 -m "not ray" $(PYTEST_ARGS)
	$(PY) -m pytest -m ray $(PYTEST_ARGS)

test-fast: venv
	$(PY) -m pytest -n 2 -m "not slow and not browser" $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check src tests

clean:
	rm -rf $(VENV) $(STAMP) ui/node_modules src/modelyard/server/static
