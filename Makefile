# Two commands for a fresh machine: `make run` (the site) and `make test` (the suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
# The shared samples when they are there, else the copies kept in the repo.
SAMPLES := $(if $(wildcard $(SHARED)/seeds),$(SHARED),samples)
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs on this many processes (pytest-xdist; 0 = one process). Each file
# stays on one worker (--dist loadfile), so module and package fixtures are made once
# per worker; each worker has its own test database, temp folders and ports. One
# process by default. The 25 failures once blamed on two processes came from the
# committed test archives: they changed haystack's connection list but not the
# settings its engine reads PATH from, so all shared one index and a later archive
# counted an earlier one's documents (fixed: committed_archive in tests/conftest.py).
PYTEST_WORKERS ?= 0

.PHONY: run test test-only lint format setup sample-data browser-deps deploy-deps bench-deps \
	attachment-deps

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

setup: $(BIN)/.installed attachment-deps

# What only the benchmarks use (Tantivy, the peer of search_bench); the site never
# imports it, and the suite tests the peer's exactness with it.
$(BIN)/.bench-installed: bench/requirements.txt $(BIN)/.installed
	$(BIN)/pip install --quiet -r bench/requirements.txt
	touch $@

# load_bench.py drives Debian's wrk; installed where it is missing and we may (root).
bench-deps: $(BIN)/.bench-installed
	@if ! command -v wrk >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				wrk >/dev/null; \
		else \
			echo "NOTE: bench/load_bench.py needs: apt-get install wrk"; \
		fi; \
	fi

sample-data: setup
	$(BIN)/python manage.py migrate --noinput
	# Rejected files are reported; the site still starts.
	-$(BIN)/python manage.py import_plans $(SAMPLES)/seeds $(SAMPLES)/corpus
	# import_plans reindexes what changed or is behind; repair an index that was lost.
	$(BIN)/python manage.py check_index --repair --verbosity 0

run: sample-data
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: setup bench-deps browser-deps deploy-deps test-only

# Attachments are read by Debian's tools: LibreOffice headless (DOC, WPS, ET),
# Tesseract with its simplified-Chinese model (scans), poppler (pdftoppm) and img2pdf
# (the tests make scanned PDFs with them), unar (RAR). `make run` and `make test`
# both install them where they are missing and we may (root).
ATTACHMENT_TOOLS := soffice tesseract pdftoppm img2pdf unar
attachment-deps:
	@missing=0; for tool in $(ATTACHMENT_TOOLS); do \
		command -v $$tool >/dev/null || missing=1; done; \
	tesseract --list-langs 2>/dev/null | grep -qx chi_sim || missing=1; \
	if [ $$missing = 1 ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				libreoffice-writer-nogui libreoffice-calc-nogui tesseract-ocr \
				tesseract-ocr-chi-sim poppler-utils img2pdf unar fonts-noto-cjk >/dev/null; \
		else \
			echo "NOTE: attachments need: apt-get install libreoffice-writer-nogui" \
				"libreoffice-calc-nogui tesseract-ocr tesseract-ocr-chi-sim poppler-utils" \
				"img2pdf unar fonts-noto-cjk"; \
		fi; \
	fi

# Browser tests drive Debian's Chromium; install it (and CJK fonts for screenshots)
# where it is missing and we may (root). Playwright never downloads a browser here.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				chromium chromium-driver fonts-noto-cjk >/dev/null; \
		else \
			echo "NOTE: browser tests need: apt-get install chromium chromium-driver fonts-noto-cjk"; \
		fi; \
	fi

# The deployment tests run Debian's nginx as a child process under a temp folder
# (never the system service) and make a throwaway certificate with openssl.
deploy-deps:
	@if { ! command -v nginx && [ ! -x /usr/sbin/nginx ]; } >/dev/null \
			|| ! command -v openssl >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				nginx openssl >/dev/null; \
		else \
			echo "NOTE: deployment tests need: apt-get install nginx openssl"; \
		fi; \
	fi

test-only:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# The import contracts in pyproject.toml (documents does not import search).
	$(BIN)/lint-imports
	$(BIN)/pytest $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile) $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
