# Nigrani's developer commands. Every target installs what it needs first.
#   make up         run the whole system in the background (local Kafka + FerretDB unless
#                   KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI are set); prints each URL.
#                   Starts only what is not running: a live broker, store or service is kept.
#                   A real Prometheus scrapes every service, with the alert rules loaded;
#                   local mail and SMS sinks (SMTP 1025, page and SMS gateway on 8025)
#                   receive what notify sends
#   make down       stop the services and the local infrastructure
#   make status     what runs (exit 3 if something does not)
#   make test       lint, type-check and run every test (unit, integration, end to end),
#                   the Prometheus config and alert rules checked and unit-tested by promtool,
#                   deploy/k8s rendered by kustomize and validated against the API schemas
#   make bench      measure throughput and latency (figures for the README): the routing
#                   engine alone first (seconds), then the whole system, then department
#                   work, then the SLA service's timers (a million open, 10,000 due at once),
#                   then notify's deliveries to a local SMTP server and SMS gateway, then
#                   the operator's read-model rebuild (nigrani read-model rebuild intake)
#                   (python -m bench --only system|staff|sla|notify|rebuild runs one of the
#                   last five)
#   make lock       re-resolve uv.lock after a change to pyproject.toml (same versions where
#                   they still fit)
#   make upgrade    move every dependency in uv.lock to the newest version pyproject allows;
#                   then run `make test` before committing the new lock
#
# Python packages are installed from uv.lock, exactly the versions (and file hashes) the
# tests passed with: the Makefile installs a pinned uv into the virtualenv, exports the lock
# as hashed requirements and lets pip install them. The Dockerfile does the same, without
# the dev extra.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV_VERSION := 0.9.13
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml uv.lock | sha256sum | cut -c1-12)
PIP    := $(PY) -m pip --quiet --disable-pip-version-check

.PHONY: install provision up down status test unit lint format typecheck bench lock upgrade

$(STAMP): pyproject.toml uv.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "[setup] installing the locked Python dependencies (uv.lock) into $(VENV)"
	@$(PIP) install uv==$(UV_VERSION)
	@$(UV) export --quiet --frozen --extra dev --no-emit-project -o $(VENV)/requirements.txt
	@$(PIP) install --require-hashes -r $(VENV)/requirements.txt
	@$(PIP) install --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

provision: install
	@$(PY) -m nigrani_localinfra provision

up: install
	@$(PY) -m nigrani_localinfra system up

down:
	@if [ -x $(PY) ]; then $(PY) -m nigrani_localinfra system down; fi

status: install
	@$(PY) -m nigrani_localinfra system status

lint: install
	@$(PY) -m ruff check shared services cli deploy tests bench
	@$(PY) -m ruff format --check shared services cli deploy tests bench

format: install
	@$(PY) -m ruff format shared services cli deploy tests bench
	@$(PY) -m ruff check --fix shared services cli deploy tests bench

typecheck: install
	@$(PY) -m mypy shared services cli deploy/local/nigrani_localinfra

unit: install
	@$(PY) -m pytest tests/unit -q

test: lint typecheck
	@if [ -z "$$KAFKA_BOOTSTRAP_SERVERS" ] || [ -z "$$MONGODB_URI" ]; then \
		$(PY) -m nigrani_localinfra provision; \
	else $(PY) -m nigrani_localinfra provision --only prometheus --only k8s; fi
	@$(PY) -m nigrani_localinfra browser
	@$(PY) -m pytest -q -rs

bench: install
	@$(PY) -m bench.routing_engine
	@$(PY) -m bench

lock: install
	@$(UV) lock

upgrade: install
	@$(UV) lock --upgrade
	@$(MAKE) --no-print-directory install
	@echo "uv.lock upgraded: run make test before committing it"
