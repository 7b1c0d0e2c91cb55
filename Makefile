# Two commands matter to a newcomer: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV)/bin)
STAMP := $(VENV)/.installed
# ansible-lint and molecule start ansible-* by name: they must find the venv's first.
export PATH := $(BIN):$(PATH)
PYTHON_SOURCES := lab tests bench filter_plugins molecule roles scripts

.PHONY: setup test lint lint-python lint-ansible unit molecule demo bench clean

setup: $(STAMP)

# Rebuilt whenever a pin changes; rerunning with nothing changed does nothing. PyPI only (no Galaxy):
# the ansible package bundles the collections, and ansible-galaxy confirms requirements.yml offline.
$(STAMP): requirements.txt requirements-dev.txt constraints.txt requirements.yml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-dev.txt
	$(BIN)/ansible-galaxy collection install -r requirements.yml
	touch $(STAMP)

lint-python: setup
	$(BIN)/ruff check $(PYTHON_SOURCES)
	$(BIN)/ruff format --check $(PYTHON_SOURCES)
	$(BIN)/mypy lab

lint-ansible: setup
	$(BIN)/yamllint .
	ANSIBLE_VAULT_PASSWORD_FILE=inventory/example/vault-password.txt $(BIN)/ansible-lint
	$(BIN)/ansible-playbook --syntax-check site.yml playbooks/*.yml
	$(BIN)/ansible-playbook --syntax-check -i inventory/example \
		--vault-password-file inventory/example/vault-password.txt site.yml

lint: lint-python lint-ansible

unit: setup
	$(BIN)/pytest -q

molecule: setup
	$(BIN)/molecule test

# pytest last, so its summary closes the output.
test: lint molecule unit

demo: setup
	./scripts/demo.sh

bench: setup
	$(BIN)/python bench/lab_startup.py
	$(BIN)/python bench/provisioning.py
	$(BIN)/python bench/alert_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
