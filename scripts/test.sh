#!/usr/bin/env bash
# Build, start a throwaway stack (PostgreSQL + portal-fcgi + nginx) on free
# ports, run the Swift tests and the end-to-end pytest suite against it (the
# portal's pages in headless Chromium included), and tear everything down
# whatever happens.
#
#   scripts/test.sh [--skip-swift] [--skip-e2e] [--no-build] [--keep] [--pgbouncer] [--faults] [-- PYTEST_ARGS...]
#
# --faults runs the fault-injection tests (tests/faults) instead of tests/e2e.
# --pgbouncer puts PgBouncer in transaction pooling mode between the responder and
# PostgreSQL (the Swift tests connect directly either way).
# --keep leaves the run directory (and its logs) in place, stack stopped.
# --no-build skips `swift build` (e.g. with PORTAL_BIN_DIR, see stack.sh).
# Both suites run even if the first fails; the exit status is non-zero if
# either failed.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

run_swift=1 run_e2e=1 keep=0 build=1 suite=tests/e2e
stack_options=()
pytest_args=()
while (($#)); do
    case $1 in
        --skip-swift) run_swift=0 ;;
        --skip-e2e) run_e2e=0 ;;
        --keep) keep=1 ;;
        --no-build) build=0 ;;
        --pgbouncer) stack_options+=(--pgbouncer) ;;
        --faults) suite=tests/faults ;;
        --) shift; pytest_args=("$@"); break ;;
        *) die "unknown option: $1 (see the header of $0)" ;;
    esac
    shift
done

cd "$REPO_ROOT"

if ((build)); then
    log "building (debug, with tests)"
    swift build --build-tests
fi

RUN=$(mktemp -d "${TMPDIR:-/tmp}/portal-test.XXXXXX")
stack_failed=0

teardown() {
    local rc=$?
    trap - EXIT INT TERM
    bash "$SCRIPTS_DIR/stack.sh" stop "$RUN" || true
    if ((rc != 0 || stack_failed)); then
        for f in portal-fcgi.log nginx-error.log postgresql.log; do
            tail_log "$RUN/logs/$f" 60
        done
    fi
    if ((keep)); then
        log "run directory kept: $RUN"
    else
        rm -rf "$RUN"
    fi
    exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_port=$(free_port)
http_port=$(free_port)
while [[ $http_port == "$pg_port" ]]; do http_port=$(free_port); done

log "starting stack in $RUN (PostgreSQL :$pg_port, nginx :$http_port)"
# Cheapest Argon2id on the throwaway stack: the tests exercise hashing, not its cost.
if ! PORTAL_PASSWORD_HASH=minimal bash "$SCRIPTS_DIR/stack.sh" start "$RUN" --pg-port "$pg_port" --http-port "$http_port" \
    --debug --diagnostics --workers 4 --queue 16 --ephemeral "${stack_options[@]}"; then
    stack_failed=1
    warn "the stack did not start completely"
fi

if [[ -f $RUN/stack.env ]]; then
    eval "$(bash "$SCRIPTS_DIR/stack.sh" env "$RUN")"
fi

swift_rc=skipped
if ((run_swift)); then
    if [[ -z ${PGPORT:-} ]] || ! wait_pg_ready "$PORTAL_TEST_PG_HOST" "$PORTAL_TEST_PG_PORT" 5; then
        warn "PostgreSQL is not running: Swift integration tests will fail"
    fi
    log "swift test"
    swift_rc=0
    swift test --skip-build || swift_rc=$?
fi

e2e_rc=skipped
if ((run_e2e)); then
    if ((stack_failed)); then
        warn "not running the end-to-end tests: the stack is not up"
        e2e_rc=1
    else
        log "pytest $suite"
        e2e_rc=0
        # The suite bounds its own waits; this only guards against a wedge.
        # --foreground keeps pytest in our process group, so ctrl-c reaches it.
        timeout --foreground --kill-after=30 1800 python3 -m pytest -q -p no:cacheprovider "$suite" \
            "${pytest_args[@]}" || e2e_rc=$?
    fi
fi

if [[ $e2e_rc != skipped && $suite == tests/e2e ]]; then
    log "screenshots of the portal's pages: ${PORTAL_SCREENSHOT_DIR:-$REPO_ROOT/.data/screenshots}/"
fi
log "summary: swift test: $swift_rc, e2e: $e2e_rc (0 = passed)"
[[ $swift_rc == 0 || $swift_rc == skipped ]] && [[ $e2e_rc == 0 || $e2e_rc == skipped ]]
