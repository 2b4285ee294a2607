# The two commands a newcomer needs: `make run` (set up + serve the app) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup run test lint typecheck bench clean

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

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .brief-qa
