# tlviz: the two commands are `make run` (app on its embedded defaults) and `make test` (the whole suite).
# Serving: `make run` (this machine only), `make class` (the room's network), `make dev` (auto-reload on save).
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
PORT    ?= 8501
SUDO    := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo)
LOCALES ?= tlviz/locales
# Compiled gettext catalogues (tlviz.i18n also compiles a missing or stale one on first use).
MO      := $(patsubst %.po,%.mo,$(wildcard $(LOCALES)/*/LC_MESSAGES/tlviz.po))
# Production settings live in .streamlit/config.toml; these flags give developers auto-reload back.
DEV_FLAGS := --server.fileWatcherType auto --server.runOnSave true --runner.postScriptGC true \
             --client.toolbarMode developer
STREAMLIT := $(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true \
             --browser.gatherUsageStats false

.PHONY: run dev class test test-fast lint messages catalogues bench prefetch recipes clean-venv

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

$(LOCALES)/%/LC_MESSAGES/tlviz.mo: $(LOCALES)/%/LC_MESSAGES/tlviz.po $(VENV)/.installed
	$(PY) -c "import sys; from tlviz.i18n import compile_catalogue; compile_catalogue(*sys.argv[1:])" $< $@

catalogues: $(MO)

# One user, this machine only, production settings (.streamlit/config.toml).
run: $(VENV)/.installed catalogues
	$(STREAMLIT) --server.address 127.0.0.1

# Developers: the same on 127.0.0.1, but the app reloads when a source file is saved.
dev: $(VENV)/.installed catalogues
	$(STREAMLIT) --server.address 127.0.0.1 $(DEV_FLAGS)

# A class: listen on every interface and print the address students type. The LAN IP is the source address of the
# route a UDP socket would take (connecting a UDP socket sends nothing); naming it as browser.serverAddress also
# stops Streamlit from asking an outside service (checkip.amazonaws.com) for the machine's public IP.
class: $(VENV)/.installed catalogues
	@ip=$$($(PY) -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); \
	  s.connect(("10.254.254.254", 1)); print(s.getsockname()[0])' 2>/dev/null || \
	  hostname -I 2>/dev/null | cut -d" " -f1); ip=$${ip:-127.0.0.1}; \
	echo; echo "  Students open:  http://$$ip:$(PORT)"; \
	echo "  (same Wi-Fi or LAN as this machine; allow TCP port $(PORT) in its firewall; nothing leaves the room)"; \
	echo; set -x; $(STREAMLIT) --server.address 0.0.0.0 --browser.serverAddress $$ip

# Two pytest workers (pytest-xdist), one test file each at a time: the browser tests mostly wait for pages, so two
# files at once nearly halve the run on 2 cores. TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-test catalogues
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

test-fast: $(VENV)/.installed-test catalogues
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not browser"

# The pinned ruff (requirements-test.txt), configured in pyproject.toml.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

# Extract every _() / N_() / ngettext() string into $(LOCALES)/tlviz.pot and update (or start) the Greek
# catalogue; `make catalogues` (run by run/test) compiles it.
messages: $(VENV)/.installed
	mkdir -p $(LOCALES)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location -o $(LOCALES)/tlviz.pot .
	$(VENV)/bin/pybabel update -i $(LOCALES)/tlviz.pot -d $(LOCALES) -D tlviz -l el --init-missing --no-fuzzy-matching

bench: $(VENV)/.installed
	$(PY) -m bench

prefetch: $(VENV)/.installed
	$(PY) -m tlviz.recipes.prefetch

clean-venv:
	rm -rf $(VENV)
