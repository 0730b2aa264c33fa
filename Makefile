# The two commands a newcomer needs: `make demo` and `make test`. Everything runs from .venv/,
# which `make setup` creates from requirements.txt (again only when that file changes).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
EMULATOR := $(PY) scripts/emulator.py
ENV ?= dev
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Python keeps the bytecode of what it imports (__pycache__), compiled once. An environment that sets
# PYTHONDONTWRITEBYTECODE (many CI images do, and this machine does) together with pip's --no-compile
# below would have every ansible-playbook run, every module import and every local endpoint compile
# ansible-core, Jinja, boto3, botocore and moto from source again: about 3 s of each playbook run here
# (docs/performance.md).
unexport PYTHONDONTWRITEBYTECODE
PYTEST_WORKERS ?= 2
# More pytest arguments for make test, e.g. PYTEST_ARGS=--store-durations to refresh tests/durations.json.
PYTEST_ARGS ?=
# The demo switches on what the dev inventory leaves off, so that every role shows.
DEMO_VARS := -e database_read_replica=true -e '{"schedule_task_cleanup_cron": "0 2 * * *"}'

.PHONY: help setup demo status plan down test test-fast fast-checks fast-site lint unit integration sanity units ansible-test-gates specs docs bench durations

help:
	@echo "make demo   provision the dev environment into a local AWS endpoint and print its outputs"
	@echo "make test   lint, ansible-test sanity and units, unit, integration and molecule tests (what CI runs)"
	@echo "make test-fast   the edit-run loop: lint, unit tests, ansible-test units, one dev site converge and rerun"
	@echo "make status ENV=dev   is the environment healthy, and if not, why (read-only; exit 0 healthy, 2 not)"
	@echo "make down   stop the local AWS endpoint that make demo left running"
	@echo "make plan ENV=dev   what site.yml would change in that environment (the local endpoint if one runs, else AWS)"

setup: $(VENV)/.installed

# --no-compile: pip would byte-compile every file of every package (the ansible package alone carries
# thousands), 40 of its 60 s here; Python compiles what is imported, once, into __pycache__ as it goes.
$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile -r requirements.txt
	touch $@

demo: setup
	@eval "$$($(EMULATOR) ensure)"; \
	ansible-playbook playbooks/landing_zone.yml -i inventories/$(ENV); \
	ansible-playbook site.yml -i inventories/$(ENV) -e @.emulator/landing-zone-nestjs-playground-$(ENV).yml $(DEMO_VARS); \
	echo; \
	echo "Outputs (outputs/nestjs-playground-$(ENV).json, keyed by the CDK app's export names):"; \
	cat outputs/nestjs-playground-$(ENV).json; \
	echo; \
	echo "The local AWS endpoint is still running at $$AWS_ENDPOINT_URL (dashboard: $$AWS_ENDPOINT_URL/moto-api/)."; \
	echo "Look at it:  eval \"\$$($(VENV)/bin/python scripts/emulator.py ensure)\"  then any AWS SDK or CLI call,"; \
	echo "             e.g. aws ecr describe-repositories, or rerun make demo (it converges, changed=0)."; \
	echo "Stop it:     make down"

# Read-only health report (playbooks/status.yml): exit 0 healthy, 2 not (or not readable). Against the local
# endpoint when one runs (AWS_ENDPOINT_URL, or the one make demo left running, read with the demo's settings),
# else against the AWS account of your credentials. More ansible-playbook arguments: ARGS='-e status_log_lines=50'.
ARGS ?=
status: setup
	@if [ -n "$${AWS_ENDPOINT_URL:-}" ] || $(EMULATOR) status >/dev/null; then \
	  eval "$$($(EMULATOR) ensure)"; \
	  ansible-playbook playbooks/status.yml -i inventories/$(ENV) -e @.emulator/landing-zone-nestjs-playground-$(ENV).yml \
	    $(DEMO_VARS) $(ARGS); \
	else \
	  ansible-playbook playbooks/status.yml -i inventories/$(ENV) $(ARGS); \
	fi

# The generated files. specs: the entry points of each role's meta/argument_specs.yml after main, from its
# meta/entry_points.yml and the main entry points (scripts/entry_point_specs.py); docs: then docs/configuration.md,
# from the main entry points (scripts/config_reference.py). A unit test fails when either is out of date.
specs: setup
	$(PY) scripts/entry_point_specs.py

docs: specs
	$(PY) scripts/config_reference.py

down:
	@$(EMULATOR) stop

# The `cdk diff` habit: playbooks/plan.yml, which changes nothing. Against the local endpoint that make
# demo left running (or AWS_ENDPOINT_URL), with the demo's landing zone and settings; when none runs,
# against the AWS account of the shell's credentials. PLAN_ARGS passes more, e.g.
# make plan ENV=prd PLAN_ARGS="-e plan_fail_on_changes=true".
PLAN_ARGS ?=
plan: setup
	@if [ -n "$${AWS_ENDPOINT_URL:-}" ] || $(EMULATOR) status >/dev/null; then \
	  eval "$$($(EMULATOR) ensure)"; \
	  lz=.emulator/landing-zone-nestjs-playground-$(ENV).yml; \
	  ansible-playbook playbooks/plan.yml -i inventories/$(ENV) $$([ -f $$lz ] && echo "-e @$$lz") $(DEMO_VARS) $(PLAN_ARGS); \
	else \
	  ansible-playbook playbooks/plan.yml -i inventories/$(ENV) $(PLAN_ARGS); \
	fi

# The benchmark (docs/performance.md): medians of 3 runs on fresh local endpoints; prints a table and
# writes bench/results/latest.json. Takes about 23 minutes on 2 cores. Not part of make test.
bench: setup
	$(PY) bench/run.py $(BENCH_ARGS)

# Measures how long each test module takes into tests/durations.json, which orders the work of make
# test longest first (tests/scheduling.py). Run it after adding or reshaping a long test module.
durations: setup
	pytest -n $(PYTEST_WORKERS) tests --store-durations

lint: setup
	yamllint --strict .
	ansible-lint

unit: setup
	pytest tests/unit

# Ansible's own gates, run by ansible-test on a copy of the checkout laid out as
# ansible_collections/nestjs_playground/infra, each in a virtual environment that ansible-test makes
# from PyPI (no container engine): scripts/run_ansible_test.py says how and why.
sanity: setup
	$(PY) scripts/run_ansible_test.py sanity

units: setup
	$(PY) scripts/run_ansible_test.py units

integration: setup
	pytest -n $(PYTEST_WORKERS) tests/integration

# The edit-run loop: the whole of make test is the routine before a commit lands. The unit tests of
# plugins/ run once, under ansible-test units (here and in make test); make unit runs them with pytest.
# Two lanes, as make test's gates: the checks without AWS beside the site scenario (-O: each lane's output
# whole when it ends).
test-fast: setup
	$(MAKE) --no-print-directory -j2 -O fast-checks fast-site

fast-checks: setup
	yamllint --strict .
	ansible-lint
	pytest tests/unit --ignore=tests/unit/plugins
	$(PY) scripts/run_ansible_test.py units

fast-site: setup
	pytest tests/integration/test_site_dev.py

# The gates run beside the suite, in two lanes of their own: the linters beside ansible-test (sanity, then
# units: one after the other, as both set up ansible-test's environments). The suite's two workers leave
# about a sixth of the two cores idle (waiting on each other and on the endpoint), which the gates' two
# minutes fill instead of going first. pytest's output streams; the gates' is printed whole after it
# (-O: each lane's output whole), and make test fails when either failed.
test: setup
	@gates_log=$$(mktemp); \
	$(MAKE) --no-print-directory -j2 -O lint ansible-test-gates > "$$gates_log" 2>&1 & gates=$$!; \
	pytest -n $(PYTEST_WORKERS) tests --ignore=tests/unit/plugins $(PYTEST_ARGS) && suite=0 || suite=$$?; \
	wait $$gates && lanes=0 || lanes=$$?; \
	echo "== the gates, run beside the suite: yamllint and ansible-lint; ansible-test sanity and units =="; \
	cat "$$gates_log"; rm -f "$$gates_log"; \
	echo "== make test: the gates exited $$lanes, the suite $$suite =="; \
	test $$lanes -eq 0 -a $$suite -eq 0

ansible-test-gates: setup
	$(PY) scripts/run_ansible_test.py sanity
	$(PY) scripts/run_ansible_test.py units
