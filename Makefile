# Two commands matter to a newcomer: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test lint unit demo bench clean

setup: $(STAMP)

# Rebuilt whenever a pin changes; rerunning with nothing changed does nothing.
$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-dev.txt
	touch $(STAMP)

lint: setup
	$(BIN)/ruff check lab tests bench
	$(BIN)/ruff format --check lab tests bench
	$(BIN)/mypy lab

unit: setup
	$(BIN)/pytest -q

test: lint unit

demo: setup
	./scripts/demo.sh

bench: setup
	$(BIN)/python bench/lab_startup.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
