# Two commands matter to a newcomer: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV)/bin)
STAMP := $(VENV)/.installed
# ansible-lint and molecule start ansible-* by name: they must find the venv's first.
export PATH := $(BIN):$(PATH)
PYTHON_SOURCES := lab tests bench filter_plugins molecule roles scripts

.PHONY: setup test lint lint-python lint-ansible unit versions molecule demo bench clean site

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

# The alerting tests again on the oldest and the newest RouterOS the toolkit supports (the whole suite runs on
# the lab's default version, and tests/test_notifier_real_routers.py on both); routeros_version.py names them.
VERSION_TESTS := tests/test_alerting.py tests/test_verify.py
versions: setup
	for version in $$($(BIN)/python -c 'import sys; sys.path.insert(0, "roles/routeros_api/module_utils"); \
		import routeros_version; print(*routeros_version.TESTED)'); do \
		LAB_ROS_VERSION=$$version $(BIN)/pytest -q -p no:cacheprovider $(VERSION_TESTS) || exit 1; \
	done

# pytest last, so its summary closes the output.
test: lint molecule versions unit

demo: setup
	./scripts/demo.sh

# A real site: `make site INVENTORY=inventory/<site>` (ARGS="--check --diff" for a dry run), with that site's
# vault password only (scripts/site.py: <inventory>/vault-password.txt, VAULT_PASSWORD_FILE, or a prompt).
site: setup
	INVENTORY="$(INVENTORY)" $(BIN)/python scripts/site.py $(ARGS)

bench: setup
	$(BIN)/python bench/lab_startup.py
	$(BIN)/python bench/provisioning.py
	$(BIN)/python bench/alert_latency.py
	$(BIN)/python bench/notifier_storage.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
