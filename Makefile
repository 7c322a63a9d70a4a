# Thin entry points; the logic lives in scripts/.
# `make up` runs the whole stack from .data/ (PostgreSQL :54329, http://127.0.0.1:8080).

SHELL := /bin/bash
RUN_DIR := .data
PG_PORT := 54329
HTTP_PORT := 8080

.PHONY: help deps build up down status test test-pgbouncer test-faults bench fuzz fuzz-smoke fuzz-api

help:
	@echo "make up      install/check dependencies, build (release), start the stack in $(RUN_DIR)/"
	@echo "make down    stop the stack"
	@echo "make status  what runs, where"
	@echo "make test    Swift tests + end-to-end tests on a throwaway stack, then the end-to-end tests through PgBouncer, then the fault tests"
	@echo "make test-pgbouncer  only the end-to-end tests, through PgBouncer (transaction pooling)"
	@echo "make test-faults     only the fault-injection tests (tests/faults), on a throwaway stack"
	@echo "make bench   API endpoints through nginx vs pgbench replaying their SQL, open-loop latency, ingest vs psql \\copy (figures, not tests; docs/performance.md)"
	@echo "make build   swift build (debug)"
	@echo "make fuzz    libFuzzer harnesses (Fuzz/), FUZZ_SECONDS each (default 60); fuzz-smoke: 15 s each"
	@echo "make fuzz-api  schemathesis against openapi.yaml on a throwaway stack, SCHEMATHESIS_EXAMPLES per operation (default 500)"

# As root, install what is missing; otherwise only check and say what to install.
deps:
	@if [[ $$(id -u) -eq 0 ]]; then bash scripts/install-deps.sh; else bash scripts/install-deps.sh --check; fi

build:
	swift build

up: deps
	swift build -c release
	bash scripts/stack.sh start $(RUN_DIR) --pg-port $(PG_PORT) --http-port $(HTTP_PORT) --demo --release --responders 2
	@echo
	@echo "Portal: http://127.0.0.1:$(HTTP_PORT)   (mails land in $(RUN_DIR)/mail/, logs in $(RUN_DIR)/logs/)"
	@echo "Stop with: make down"

down:
	bash scripts/stack.sh stop $(RUN_DIR)

status:
	bash scripts/stack.sh status $(RUN_DIR)

# Then the end-to-end suite again through PgBouncer, with the first run's build; both run even
# if the first fails. The scale-out, compose and worker tests need no second pass (the first starts
# its own stack with PgBouncer, the second reads files, the worker never goes through PgBouncer).
# Then the fault tests, but for the responder SIGKILL one that the first pass ran already.
test:
	rc=0; bash scripts/test.sh || rc=$$?; \
	bash scripts/test.sh --no-build --skip-swift --pgbouncer -- -k "not scale_out and not compose and not test_85_worker and not schemathesis" || rc=$$?; \
	bash scripts/test.sh --no-build --skip-swift --faults -- -k "not sigkill_of_one_responder" || rc=$$?; \
	exit $$rc

test-pgbouncer:
	bash scripts/test.sh --skip-swift --pgbouncer

test-faults:
	bash scripts/test.sh --skip-swift --faults

bench:
	bash scripts/bench.sh

FUZZ_SECONDS ?= 60
SCHEMATHESIS_EXAMPLES ?= 500

fuzz:
	bash scripts/fuzz.sh --seconds $(FUZZ_SECONDS)

# CI: replays every committed input, then fuzzes each harness briefly.
fuzz-smoke:
	bash scripts/fuzz.sh --seconds 15

# Random (seeded by the clock, printed) rather than the derandomized pass of `make test`.
fuzz-api:
	PORTAL_SCHEMATHESIS_EXAMPLES=$(SCHEMATHESIS_EXAMPLES) PORTAL_SCHEMATHESIS_SEED=$${PORTAL_SCHEMATHESIS_SEED:-$$(date +%s)} \
	PORTAL_SCHEMATHESIS_SECONDS=$${PORTAL_SCHEMATHESIS_SECONDS:-3600} bash scripts/test.sh --skip-swift -- -q -s -k schemathesis
