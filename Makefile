# Gongkai — the README's commands. Everything installs into .venv from pyproject.toml.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PYWB_VENV := .venv-pywb

.PHONY: demo test lint format clean system-deps pywb

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## demo: serve the bundled sample agency sites on 127.0.0.1 and run a real cycle into data/demo.db
demo: $(BIN)/.installed
	$(BIN)/python -m sitefixtures.run_demo

## test: lint, then the whole test suite (real crawls against local fixture sites)
test: $(BIN)/.installed lint $(VENV)/.system-deps $(PYWB_VENV)/.installed
	$(BIN)/python -m pytest -q -n 2

## pywb: the Webrecorder replay server the export tests load a WACZ into, in a virtualenv of
##       its own: pywb pins werkzeug, redis and webassets, and its brotlipy installs a `brotli`
##       module over the one Scrapy decodes with. Never fails: without it those tests skip.
pywb: $(PYWB_VENV)/.installed
$(PYWB_VENV)/.installed:
	@{ test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV); } \
		&& $(PYWB_VENV)/bin/python -m pip install --quiet 'pywb>=2.10,<3' \
		&& touch $@ \
		|| echo "pywb: could not install pywb into $(PYWB_VENV); the replay tests will skip"

## system-deps: antiword, which reads .doc/.wps attachments, and headless Chromium with a Chinese
## font (Debian's chromium, fonts-wqy-microhei), which the browser test of archived copies drives —
## apt-get when root, else a message. Never fails: without antiword those attachments get a note
## saying so and their tests skip; without chromium the browser test skips.
system-deps:
	@if command -v antiword >/dev/null 2>&1; then \
		echo "system-deps: antiword is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "system-deps: installing antiword with apt-get"; \
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq antiword \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq antiword; }; \
		} >/dev/null 2>&1 \
		&& echo "system-deps: antiword installed" \
		|| echo "system-deps: apt-get could not install antiword; .doc/.wps attachments stay unread"; \
	else \
		echo "system-deps: antiword is missing; .doc/.wps attachments stay unread until an admin"; \
		echo "  runs 'apt-get install antiword' (Debian/Ubuntu) or installs it another way"; \
	fi
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "system-deps: chromium and a Chinese font are installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "system-deps: installing chromium and fonts-wqy-microhei with apt-get"; \
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; }; \
		} >/dev/null 2>&1 \
		&& echo "system-deps: chromium installed" \
		|| echo "system-deps: apt-get could not install chromium; the browser test of archived copies skips"; \
	else \
		echo "system-deps: chromium is missing; the browser test of archived copies skips until an admin"; \
		echo "  runs 'apt-get install chromium fonts-wqy-microhei' (Debian/Ubuntu)"; \
	fi

# `make test` tries system-deps once per venv (the stamp goes with `make clean`).
$(VENV)/.system-deps:
	-@$(MAKE) --no-print-directory system-deps
	@mkdir -p $(VENV) && touch $@

.PHONY: serve metadata
DB ?= data/demo.db
HOST ?= 127.0.0.1
PORT ?= 8001

## serve: browse an archive in Datasette, read-only, with its metadata and canned queries
##        (make serve DB=data/archive.db for yours). Datasette opens a file given without -i as
##        SQLite mode=ro: it sees each cycle's commits and cannot write. No -i (immutable): that
##        tells SQLite the file never changes, which is false while cycles write.
serve: $(BIN)/.installed
	@test -f "$(DB)" || { echo "serve: no archive at $(DB) (make demo makes one; or make serve DB=path/to/archive.db)"; exit 1; }
	@$(BIN)/python -m archive.preflight "$(DB)" --read-only  # one line if it is not an archive we can read
	@echo "serve: $(DB) read-only on http://$(HOST):$(PORT)/$(basename $(notdir $(DB)))  (Ctrl-C stops)"
	$(BIN)/datasette serve "$(DB)" --metadata datasette/metadata.yml --plugins-dir datasette/plugins --host $(HOST) --port $(PORT) --setting sql_time_limit_ms 5000 --setting facet_time_limit_ms 1000

## metadata: rewrite datasette/metadata.yml from README.md's Schema and datasette/metadata.in.yml
metadata: $(BIN)/.installed
	$(BIN)/python datasette/build_metadata.py

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(PYWB_VENV) data .pytest_cache .ruff_cache *.egg-info

.PHONY: screenshot
## screenshot: docs/archived-copy.png, the README's picture of an archived copy, taken by the
##             browser test (tests/test_browser.py) with headless Chromium (make system-deps)
screenshot: $(BIN)/.installed
	GONGKAI_SCREENSHOT=$(CURDIR)/docs/archived-copy.png $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_browser.py -k screenshot

.PHONY: bench
SOURCES ?= 200
PAGES ?= 5
ENTRIES ?= 20
REPORT_KB ?= 30

.PHONY: bench-query
QUERY_SIZES ?= 25000,100000

## bench-query: a large archive built directly (generated rows in a cycle's shapes, no crawl) at two
##        sizes (QUERY_SIZES reports), served with make serve's settings and timed over HTTP: search,
##        the big table pages, every canned query; extrapolated to 1.5 M reports, with a QUERYBENCH
##        line. Archives go to data/bench-query/. See docs/benchmarks.md. Quick: QUERY_SIZES=2000,8000
bench-query: $(BIN)/.installed
	$(BIN)/python -m bench.query --sizes $(QUERY_SIZES)

## bench: a synthetic government web served on 127.77.x.y (SOURCES columns of PAGES list pages of
##        ENTRIES reports of ~REPORT_KB KB), a plain Scrapy baseline with Gongkai's settings, a minimal
##        aiohttp archiving crawler (the ceiling) and three Gongkai cycles (all new, unchanged, 1% new)
##        side by side; prints a table and a BENCH line.
##        Results and the archive go to data/bench/. See docs/benchmarks.md. Quick: make bench SOURCES=20
bench: $(BIN)/.installed
	$(BIN)/python -m bench.run --sources $(SOURCES) --pages $(PAGES) --entries $(ENTRIES) --report-kb $(REPORT_KB)
