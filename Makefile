# The front door: `make run` serves the dashboard, `make test` runs the whole suite.
# Both set themselves up on a fresh machine (a local .venv; Debian's chromium for browser tests).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= data/themoon.db
PORT   ?= 8866
PYTEST_ARGS ?=

.PHONY: run test lab install install-test browser vendor lint format demo screenshot clean

# plotly.js for the dashboard's charts: the cartesian partial bundle (bar, box, scatter… 1.5 MB
# instead of 4.8 MB), from the npm registry at install time, its version pinned to the plotly.js
# the plotly wheel ships (PLOTLY_JS_VERSION in themoon/serve.py; tests/test_serve.py checks they
# match). Never committed (.gitignore).
PLOTLY_JS := $(shell sed -n 's/^PLOTLY_JS_VERSION = "\(.*\)"/\1/p' themoon/serve.py)
VENDOR    := share/jupyter/voila/templates/themoon/static/vendor
PLOTLY_BUNDLE := $(VENDOR)/plotly-cartesian-$(PLOTLY_JS).min.js

run: install $(DB)
	$(BIN)/themoon serve --db $(DB) --port $(PORT)

# JupyterLab on notebooks/ for analysts, with the project's kernel (the venv's python3), loopback only.
lab: install $(DB)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 --no-browser \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

$(DB): | $(BIN)/themoon
	$(BIN)/themoon demo --db $(DB)

install: $(VENV)/.installed $(PLOTLY_BUNDLE)
vendor: $(PLOTLY_BUNDLE)
install-test: $(VENV)/.installed-test $(PLOTLY_BUNDLE)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(BIN)/themoon: $(VENV)/.installed

$(PLOTLY_BUNDLE):
	@command -v npm >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null; }
	mkdir -p build/npm $(VENDOR)
	cd build/npm && npm pack --silent plotly.js-cartesian-dist-min@$(PLOTLY_JS) >/dev/null
	tar -xzf build/npm/plotly.js-cartesian-dist-min-$(PLOTLY_JS).tgz -C build/npm package/plotly-cartesian.min.js package/LICENSE
	head -c 200 build/npm/package/plotly-cartesian.min.js | grep -q 'v$(PLOTLY_JS)'
	cp build/npm/package/LICENSE $(VENDOR)/plotly-LICENSE.txt
	cp build/npm/package/plotly-cartesian.min.js $@

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
