# Relance — two promises to every newcomer on a fresh Debian machine (Python 3.11, Node, Java):
#   make demo   set up, start the local AWS stand-ins, sync a demo Sage 100 tenant, serve the API
#   make test   set up, lint, type-check, run unit, integration and infra tests
# Both install what they need themselves and are safe to run twice.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := .local/stamps
APT_PACKAGES := unixodbc libsqliteodbc fonts-dejavu-core chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup lint typecheck unit integration infra bench-sync bench-api bench-nightly openapi clean web e2e screenshots bench-web bench-forecast bench-dispatch

demo: setup
	PYTHONPATH=. $(PY) -m local.demo

test: setup lint typecheck
	PYTHONPATH=. $(PY) -m pytest -q

setup: $(STAMP)/apt $(STAMP)/venv $(STAMP)/npm web

# Debian packages: the ODBC stack for the Sage 100 fixture, Java for DynamoDB Local,
# Chromium for the browser tests (driven by Playwright's Python package, never its own browsers).
$(STAMP)/apt:
	@mkdir -p $(STAMP)
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@touch $@

$(STAMP)/venv: pyproject.toml
	@mkdir -p $(STAMP)
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

$(STAMP)/npm: package.json package-lock.json
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy layers/relance/python/relance functions local bench
	$(VENV)/bin/mypy infra

unit: setup
	PYTHONPATH=. $(PY) -m pytest -q tests/unit

integration: setup
	PYTHONPATH=. $(PY) -m pytest -q tests/integration

infra: setup
	PYTHONPATH=. $(PY) -m pytest -q tests/infra

openapi: setup
	PYTHONPATH=. $(PY) -m local.openapi

bench-sync: setup
	PYTHONPATH=. $(PY) -m bench.sync

bench-api: setup
	PYTHONPATH=. $(PY) -m bench.api

bench-forecast: setup
	PYTHONPATH=. $(PY) -m bench.forecast

bench-nightly: setup
	PYTHONPATH=. $(PY) -m bench.nightly

bench-dispatch: setup
	PYTHONPATH=. $(PY) -m bench.dispatch

# The browser app's pinned libraries, copied from node_modules (no CDN at run time; git-ignored).
WEB_VENDOR := node_modules/preact/dist/preact.mjs node_modules/preact/hooks/dist/hooks.mjs \
  node_modules/htm/dist/htm.mjs node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css
web: $(STAMP)/npm
	@mkdir -p web/vendor
	@cp -u $(WEB_VENDOR) web/vendor/

e2e: setup
	PYTHONPATH=. $(PY) -m pytest -q tests/e2e

# Dashboard and customer card at desktop and phone sizes, into .local/screenshots/.
screenshots: setup
	PYTHONPATH=. $(PY) -m tests.e2e.screenshots

bench-web: setup
	PYTHONPATH=. $(PY) -m bench.web

clean:
	rm -rf .local build cdk.out
