# tlviz: the two commands are `make run` (app on its embedded defaults) and `make test` (the whole suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PORT   ?= 8501
SUDO   := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo)

.PHONY: run test test-fast bench prefetch recipes clean-venv

$(VENV)/.installed: requirements.txt requirements-nodeps.txt constraints.txt
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install -r requirements.txt -c constraints.txt
	$(PIP) install --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PIP) install -r requirements-test.txt -c constraints.txt
	[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || \
	  ( $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium chromium-driver )
	touch $@

run: $(VENV)/.installed
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true \
	  --browser.gatherUsageStats false

test: $(VENV)/.installed-test
	$(PY) -m pytest

test-fast: $(VENV)/.installed-test
	$(PY) -m pytest -m "not browser"

bench: $(VENV)/.installed
	$(PY) -m bench

prefetch: $(VENV)/.installed
	$(PY) -m tlviz.recipes.prefetch

clean-venv:
	rm -rf $(VENV)
