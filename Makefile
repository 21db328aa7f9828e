# The front door: `make run` serves the dashboard, `make test` runs the whole suite.
# Both set themselves up on a fresh machine (a local .venv; Debian's chromium for browser tests).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= data/themoon.db
PORT   ?= 8866
PYTEST_ARGS ?=

.PHONY: run test lab install install-test browser lint format demo screenshot clean

run: install $(DB)
	$(BIN)/themoon serve --db $(DB) --port $(PORT)

# JupyterLab on notebooks/ for analysts, with the project's kernel (the venv's python3), loopback only.
lab: install $(DB)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 --no-browser \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

$(DB): | $(BIN)/themoon
	$(BIN)/themoon demo --db $(DB)

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(BIN)/themoon: $(VENV)/.installed

# Debian's Chromium for the Playwright tests (never `playwright install`: no browser CDN here),
# CJK fonts so Korean labels render in screenshots, and the tools the deployment tests run
# (nginx -t, openssl for a test certificate, systemd-analyze verify).
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto sans cjk" \
	  && command -v nginx >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 \
	  && command -v systemd-analyze >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    chromium fonts-noto-cjk nginx openssl systemd >/dev/null; }

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install-test browser lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: install
	$(BIN)/themoon demo --db $(DB) --force

# Regenerate the README's screenshot of the Overview from the demo data.
screenshot: install-test browser
	$(BIN)/python -m themoon.screenshot docs/img/overview.png

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
