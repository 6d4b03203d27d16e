# gpufabric: two commands do everything on a fresh machine with Python 3.11-3.13 and make.
#   make plan   set up .venv, install, and plan the default example stack offline
#   make test   set up .venv, install, and run the whole test suite

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14)))' \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
STACK ?= eu-sovereign
PYTEST_ARGS ?=

.PHONY: install plan check test golden lint format bench snapshot clean haproxy

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.11, 3.12 or 3.13 is required (pulumi mocks break on 3.14)"; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

plan: $(STAMP)
	$(BIN)/gpufabric plan --stack $(STACK)

check: $(STAMP)
	$(BIN)/gpufabric check --stack $(STACK)

# The gateway tests run the real HAProxy (Debian's package): installed here when missing and we are root.
haproxy:
	@command -v haproxy >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's haproxy (the gateway tests run it)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >/dev/null; }; \
	  else \
	    echo "error: haproxy is not installed; as root run: apt-get install -y haproxy (the gateway tests need it)"; \
	    exit 2; \
	  fi; }
	@haproxy -v | head -n 1

test: $(STAMP) haproxy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# Rewrite every golden file (plans, Kubernetes objects, configs) from the code; review the diff.
golden: $(STAMP)
	GPUFABRIC_UPDATE_GOLDENS=1 $(BIN)/python -m pytest -n 2 -q -m golden $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .

# Rewrite the AZ/instance-type offerings snapshot of the offline engine from moto's recorded data (~40 s).
snapshot: $(STAMP)
	$(BIN)/python -m gpufabric.offline.snapshot

bench: $(STAMP)
	$(BIN)/python benchmarks/plan_speed.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
