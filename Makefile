# Two commands for a fresh clone: `make synth` and `make test`; CI runs `make ci`. Everything else is optional.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
CONFIG ?= config/org.yaml
ACCOUNTS ?=
PARTITION ?=
# The test suite's processes (pytest-xdist): one per core of the 2-core CI machine; WORKERS=0 runs it in one.
# --dist loadgroup runs each group of tests in one process (groups: tests/conftest.py): a module's tests, so each
# module-scoped synthesis or moto server is built once, and all modules that use the session's example-org apps
# together, so those are built once too.
WORKERS ?= 2
PYTEST_PARALLEL := $(if $(filter-out 0,$(WORKERS)),-n $(WORKERS) --dist loadgroup)

# The pinned Node 22 and CDK CLI from package.json come first on PATH, then the venv.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
# Some images set PYTHONDONTWRITEBYTECODE (this one does), so every Python process compiled the project's modules and
# pytest rewrote the test modules anew: about 3.5 s of each test process's collection, and more in each subprocess.
# The bytecode goes to __pycache__/ (ignored by git).
unexport PYTHONDONTWRITEBYTECODE

CDK_CONTEXT := -c config=$(CONFIG) $(if $(ACCOUNTS),-c accounts=$(ACCOUNTS)) $(if $(PARTITION),-c partition=$(PARTITION))
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-trusted-host --no-emit-find-links

.PHONY: help setup check-config synth access-diff bootstrap-stackset deploy access-audit access-parity elevate verify test suite ci deploy-test fuzz lint typecheck format schema docs snapshots requirements benchmark clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

setup: $(VENV)/.installed node_modules/.installed ## Create the venv and install pinned Python and Node dependencies

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

check-config: $(VENV)/.installed ## Validate CONFIG alone, without CDK (about a second): every problem with its line
	$(VENV)/bin/python -m config $(CONFIG)

synth: setup ## Synthesize every stack of CONFIG (default config/org.yaml) into cdk.out/; ACCOUNTS=a,b and PARTITION=aws limit it
	rm -rf cdk.out
	cdk synth --quiet $(CDK_CONTEXT) 2>&1 | { grep -v '^Supply a stack id' || true; }
	$(VENV)/bin/python -m ops.access matrix --config $(CONFIG) --out cdk.out/access

access-diff: $(VENV)/.installed ## What the config change since BASE (a git ref, default main) does to access; exit 2 if it widens
	$(VENV)/bin/python -m ops.access diff $(or $(BASE),main) --config $(CONFIG)

bootstrap-stackset: $(VENV)/.installed node_modules/.installed ## CDK-bootstrap PARTITION's member accounts through one service-managed StackSet (OUS=a,b REGIONS=r1,r2; APPLY=1 does it, else a dry run)
	@test -n "$(PARTITION)" || { echo "make bootstrap-stackset needs PARTITION=aws or PARTITION=aws-us-gov (run with the management account's credentials)" >&2; exit 1; }
	$(VENV)/bin/python -m ops.bootstrap_stackset --partition $(PARTITION) --config $(CONFIG) $(if $(OUS),--ous $(OUS)) $(if $(REGIONS),--regions $(REGIONS)) $(if $(CALL_AS),--call-as $(CALL_AS)) $(if $(APPLY),--apply)

deploy: ## Synthesize PARTITION (aws or aws-us-gov), then deploy it step by step in order (ACCOUNTS=a,b; DRY_RUN=1 prints the steps only)
	@test -n "$(PARTITION)" || { echo "make deploy needs PARTITION=aws or PARTITION=aws-us-gov (one partition's credentials deploy it)" >&2; exit 1; }
	$(MAKE) --no-print-directory synth
	$(VENV)/bin/python -m ops.deploy --partition $(PARTITION) --config $(CONFIG) --app cdk.out $(if $(ACCOUNTS),--accounts $(ACCOUNTS)) $(if $(CONCURRENCY),--concurrency $(CONCURRENCY)) $(if $(DRY_RUN),--dry-run)

access-audit: $(VENV)/.installed ## Live read-only access audit of PARTITION with management-account credentials (ACCOUNTS=a,b): table, JSON and CSV in cdk.out/
	@test -n "$(PARTITION)" || { echo "make access-audit needs PARTITION=aws or PARTITION=aws-us-gov" >&2; exit 1; }
	$(VENV)/bin/python -m ops.access audit --partition $(PARTITION) --config $(CONFIG) $(if $(ACCOUNTS),--accounts $(ACCOUNTS)) $(if $(CONCURRENCY),--concurrency $(CONCURRENCY))

access-parity: $(VENV)/.installed ## Before deleting IAM_USER of ACCOUNT: does SET (permission set) or ROLE cover what it used in DAYS (90)?
	@test -n "$(IAM_USER)" -a -n "$(ACCOUNT)" -a -n "$(SET)$(ROLE)" || { echo "make access-parity needs IAM_USER=name ACCOUNT=name and SET=permission-set or ROLE=role" >&2; exit 1; }
	$(VENV)/bin/python -m ops.access parity --user $(IAM_USER) --account $(ACCOUNT) --config $(CONFIG) $(if $(SET),--permission-set $(SET),--role $(ROLE)) $(if $(DAYS),--days $(DAYS))

elevate: $(VENV)/.installed ## Request, list, approve, deny or revoke elevated access (ARGS="request --account web-prod ..."; docs/elevation.md)
	@$(VENV)/bin/python -m ops.elevate --config $(CONFIG) $(ARGS)

verify: setup ## Synthesize one baseline stack per profile (with every other stack), then run the independent checkers on cdk.out (CHECKER=checkov runs one)
	rm -rf cdk.out
	cdk synth --quiet $(CDK_CONTEXT) -c representatives=1 2>&1 | { grep -v '^Supply a stack id' || true; }
	$(VENV)/bin/python -m checks.verify cdk.out --config $(CONFIG) $(if $(CHECKER),--only $(CHECKER))

# Lint and mypy run next to the suite (-j 2): in a fresh clone mypy's first pass over aws-cdk-lib's types takes about
# 20 s of one core, which the suite's processes would otherwise wait for; with a warm cache it takes a second.
test: setup ## Lint, type-check and run the test suite (WORKERS=2 processes): the command while you work
	$(MAKE) --no-print-directory -j 2 lint typecheck suite

suite: $(VENV)/.installed ## The test suite alone (WORKERS=2 processes; not the deploy test)
	$(VENV)/bin/python -m pytest -m "not deploy" $(PYTEST_PARALLEL)

# What CI runs (.ci/run): everything `make test` runs, then the deploy test and the verification gate, each of which
# synthesizes with the CDK CLI and takes minutes on the 2-core machine, so they are not in `make test`.
ci: test ## make test, then the deploy test and the verification gate (what CI runs: .ci/run)
	$(MAKE) --no-print-directory deploy-test
	$(MAKE) --no-print-directory verify

deploy-test: setup ## Deploy the example org into a local AWS API (moto) with the real CDK CLI and read it back
	$(VENV)/bin/python -m pytest tests/deploy -m deploy -s

fuzz: $(VENV)/.installed ## The config loader's property tests with many random inputs (EXAMPLES=2000; CI runs ~200)
	FUZZ_EXAMPLES=$(or $(EXAMPLES),2000) $(VENV)/bin/python -m pytest tests/test_config_properties.py -q

lint: $(VENV)/.installed ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed ## mypy, strict, over app, config, stacks, constructs, checks, ops and tests
	$(VENV)/bin/mypy

format: $(VENV)/.installed ## Format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: $(VENV)/.installed ## Regenerate config/schema.json from the config models
	$(VENV)/bin/python -m config.schema > config/schema.json

docs: $(VENV)/.installed ## Regenerate docs/config-reference.md from the config models
	$(VENV)/bin/python -m config.reference > docs/config-reference.md

snapshots: setup ## Rewrite the template snapshots after reviewing the diff of a change
	$(VENV)/bin/python -m pytest tests/test_snapshots.py --snapshot-update

requirements: $(VENV)/.installed ## Pin requirements*.in into requirements*.txt with pip-tools (needs PyPI)
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in

benchmark: setup ## Synthesize generated orgs (N="0 1000", CHECKS=1, VERIFY=1, TEAM_ASSIGNMENTS=3, EVERY_STACK=1): time, CPU, memory of every process
	$(VENV)/bin/python -m tests.benchmark $(if $(N),--accounts $(N)) $(if $(CHECKS),--checks) $(if $(VERIFY),--verify) $(if $(TEAM_ASSIGNMENTS),--team-assignments $(TEAM_ASSIGNMENTS)) $(if $(EVERY_STACK),--every-stack) $(if $(JSON),--json $(JSON))

clean: ## Remove cdk.out and caches (keeps the venv and node_modules)
	rm -rf cdk.out .pytest_cache .mypy_cache
