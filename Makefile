# Set-up and everyday commands. `make serve` and `make test` install into .venv when needed.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PIP := $(PY) -m pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: serve test install install-dev index lint typecheck bench screenshots clean ocr system-deps

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(PY)
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml constraints.txt
	$(PIP) -e '.[dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

serve: install  ## install if needed, index the corpus, serve the chat on http://$(HOST):$(PORT)/
	$(VENV)/bin/qa serve --host $(HOST) --port $(PORT)

ocr:  ## (as root) Debian's Tesseract, for PDF pages without a text layer (QA_OCR=auto); the OCR tests need it
	command -v tesseract >/dev/null 2>&1 || apt-get install -y -q --no-install-recommends tesseract-ocr tesseract-ocr-eng

test: install-dev  ## install with dev tools, run every test (browser tests need /usr/bin/chromium, OCR tests `make ocr`)
	$(PY) -m pytest

index: install
	$(VENV)/bin/qa index

system-deps:  ## Debian packages the tests use: chromium (browser tests), nginx (replicas test), Tesseract (OCR); as root
	apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core nginx tesseract-ocr tesseract-ocr-eng

lint: install-dev
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

bench: install-dev
	$(PY) -m bench.run_all

screenshots: install-dev
	$(PY) bench/screenshots.py

clean:
	rm -rf index/gen-* index/CURRENT index/.tmp-* .pytest_cache .mypy_cache .ruff_cache
