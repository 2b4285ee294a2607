# The two commands a newcomer needs: `make run` (set up + serve the app) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup run test test-fast system-deps lint typecheck bench clean

$(BIN)/brief-qa: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# CPU build of torch first, pinned: letting pip resolve torch pulls a multi-GB CUDA build.
	$(BIN)/pip install -q $(TORCH) $(if $(wildcard /opt/wheels),--find-links /opt/wheels)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(BIN)/brief-qa

run: setup
	$(BIN)/python app.py

# Debian tools the tests and benchmarks use: chromium (browser tests) and poppler-utils
# (`pdftotext`, the reference for reading coverage). Installed when missing and we are root;
# otherwise `make test` stops with the command to run. BRIEF_QA_NO_BROWSER=1 is the explicit
# opt-out for machines that cannot have a browser (the browser tests then skip, saying so).
# tesseract-ocr is optional (OCR of scanned pages; its tests skip without it): installed with
# the others when we install anything, never a reason to stop.
system-deps:
	@missing=""; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -z "$$BRIEF_QA_NO_BROWSER" ]; then command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	    command -v tesseract >/dev/null 2>&1 || \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null || \
	      echo "optional tesseract-ocr not installed: OCR tests will skip"; \
	  else \
	    echo "missing:$$missing -- run: sudo apt-get install -y$$missing (or BRIEF_QA_NO_BROWSER=1 make test to skip browser tests)"; exit 1; \
	  fi; \
	fi

test: setup system-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

# The fast subset: fake embedder, no real model, no browser (seconds, not minutes).
test-fast: setup
	$(BIN)/ruff check .
	$(BIN)/pytest -q -m "not model and not browser and not slow"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# Every benchmark in bench/, one after another; each prints its own tables.
bench: setup system-deps
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .brief-qa
