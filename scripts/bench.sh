#!/usr/bin/env bash
# Benchmarks, each against its own baseline in the same run. Prints figures;
# asserts nothing. Method and latest figures: docs/performance.md.
#
# readyz: GET /readyz through nginx + portal-fcgi (wrk) against pgbench
#   replaying the same statement (SELECT 1) as portal_app on the same database.
# api: with the synthetic dataset and a signed-in principal of one synthetic
#   structure (--structure), wrk through nginx on four endpoints (structure
#   home, insured list page 1 filtered on active people, IJ payments of the
#   structure's insured person with the most payments, one document download),
#   each next to pgbench replaying exactly the SQL transaction the endpoint ran:
#   the responder's statements are captured from PostgreSQL's log
#   (log_statement = all, one request each) and turned into pgbench scripts by
#   scripts/bench/replay.py. Also: CPU time per request of the responders,
#   nginx and PostgreSQL, and the responders' RSS under load.
# openloop: each API endpoint at a constant rate (--rate-fraction of the
#   maximum a 5-s wrk run measures just before) with tools/openloop (requests
#   sent on schedule, latency counted from when each was due): p50, p99,
#   p99.9 and errors.
# ingest: `ij-worker ingest` of a generated IJ batch file (default 1,000,000
#   lines) for the synthetic dataset, wall time and peak RSS, against `psql
#   \copy` of the same R and L lines into UNLOGGED tables with the columns of
#   ij_payments and ij_payment_lines (typed, no index), of the raw lines into a
#   one-column text table, and of the loaded rows back into the indexed tables.
#
#   scripts/bench.sh [--run-dir DIR] [--duration S] [--connections N] [--no-build]
#                    [--only PARTS] [--structure CLIENT_NUMBER]
#                    [--rate-fraction F] [--openloop-duration S] [--ingest-lines N]
#
# PARTS: a comma-separated list of readyz, api, openloop, ingest (default: all).
# The synthetic dataset (`portalctl seed synthetic`, ~1 min) is loaded first if
# absent. Without --run-dir: builds in release mode and starts a throwaway
# stack on free ports (4 workers, torn down at exit). With --run-dir: uses the
# stack already running there (e.g. .data from `make up`); the api part then
# adds the benchmark's principal user (principal@bench.example) to the
# structure if it has none, and the ingest part one batch of payments.
# Raw outputs are kept in bench-results/<timestamp>/ (the generated batch
# files are deleted at the end: they are large).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

run_dir="" duration=10 connections=32 threads=2 build=1 only="readyz,api,openloop,ingest" ingest_lines=1000000
structure=S000002 rate_fraction=0.75 openloop_duration=20
while (($#)); do
    case $1 in
        --run-dir) run_dir=${2:?}; shift ;;
        --duration) duration=${2:?}; shift ;;
        --connections) connections=${2:?}; shift ;;
        --no-build) build=0 ;;
        --only) only=${2:?}; shift ;;
        --structure) structure=${2:?}; shift ;;
        --rate-fraction) rate_fraction=${2:?}; shift ;;
        --openloop-duration) openloop_duration=${2:?}; shift ;;
        --ingest-lines) ingest_lines=${2:?}; shift ;;
        *) die "unknown option: $1 (see the header of $0)" ;;
    esac
    shift
done

run_readyz=0 run_api=0 run_openloop=0 run_ingest=0
IFS=, read -r -a parts <<<"$only"
for part in "${parts[@]}"; do
    case $part in
        readyz) run_readyz=1 ;;
        api) run_api=1 ;;
        openloop) run_openloop=1 ;;
        ingest) run_ingest=1 ;;
        *) die "--only takes a comma-separated list of readyz, api, openloop, ingest" ;;
    esac
done
if [[ ! $ingest_lines =~ ^[0-9]+$ ]] || ((ingest_lines < 4)); then
    die "--ingest-lines must be a number of lines (at least 4)"
fi
for number in "$duration" "$connections" "$openloop_duration"; do
    [[ $number =~ ^[1-9][0-9]*$ ]] || die "--duration, --connections and --openloop-duration take whole numbers"
done
[[ $structure =~ ^[A-Z0-9]{1,20}$ ]] || die "--structure takes a client number (e.g. S000002)"
[[ $rate_fraction =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] || die "--rate-fraction takes a number in (0, 1]"
if ((run_readyz || run_api || run_openloop)); then
    command -v wrk >/dev/null 2>&1 || die "wrk not installed (scripts/install-deps.sh)"
fi
if [[ -n $run_dir ]]; then
    run_dir=$(cd "$run_dir" && pwd) || die "no such run directory"
fi
cd "$REPO_ROOT"

own_run="" capturing=0
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if ((capturing)); then
        statement_logging off || true
    fi
    if [[ -n $own_run ]]; then
        bash "$SCRIPTS_DIR/stack.sh" stop "$own_run" || true
        rm -rf "$own_run"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

workers=4
if [[ -z $run_dir ]]; then
    if ((build)); then
        log "building (release)"
        swift build -c release
    fi
    own_run=$(mktemp -d "${TMPDIR:-/tmp}/portal-bench.XXXXXX")
    run_dir=$own_run
    pg_port=$(free_port)
    http_port=$(free_port)
    while [[ $http_port == "$pg_port" ]]; do http_port=$(free_port); done
    bash "$SCRIPTS_DIR/stack.sh" start "$run_dir" --pg-port "$pg_port" --http-port "$http_port" \
        --release --workers "$workers" --queue 64 --ephemeral >/dev/null
fi
eval "$(bash "$SCRIPTS_DIR/stack.sh" env "$run_dir")"
workers=$PORTAL_E2E_WORKERS
# The database sessions the responders hold: one per worker of each instance.
responders=$(find "$run_dir" -maxdepth 1 -name 'portal-fcgi*.pid' | wc -l)
sessions=$((workers * (responders > 0 ? responders : 1)))
wait_http_200 "$PORTAL_E2E_BASE_URL/readyz" 10 || die "$PORTAL_E2E_BASE_URL/readyz is not answering 200"

out="$REPO_ROOT/bench-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
bindir=$(pg_bindir)
export PATH="$bindir:$PATH"
psql_su() { "$bindir/psql" -X -qAt -v ON_ERROR_STOP=1 "$@"; }
bench_py="$SCRIPTS_DIR/bench"

# What the figures were measured on, printed first and kept with them.
{
    echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')),"\
        "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r);"\
        "load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "stack: $responders responder(s) × $workers workers, nginx $(nginx -v 2>&1 | cut -d/ -f2) ($(grep -m1 worker_processes "$run_dir/nginx/nginx.conf" |
        tr -d ';' | awk '{ print $2 }') workers), PostgreSQL" \
        "$(psql_su -c "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings
            WHERE name IN ('server_version', 'shared_buffers', 'work_mem', 'max_connections', 'fsync', 'synchronous_commit',
                           'full_page_writes', 'jit')")"
} | tee "$out/machine.txt"

# The synthetic dataset, loaded once per cluster.
ensure_synthetic() {
    local synthetic
    synthetic=$(psql_su -c "SELECT count(*) FROM structures WHERE client_number ~ '^S[0-9]{6}\$'")
    if ((synthetic == 0)); then
        log "portalctl seed synthetic (default size)"
        "$PORTAL_E2E_BIN_DIR/portalctl" seed synthetic --database-url "$PORTAL_E2E_OWNER_URL" >"$out/seed.txt"
        tail -n 1 "$out/seed.txt" >&2
    else
        log "synthetic dataset already loaded ($synthetic structures)"
    fi
}
if ((run_api || run_openloop || run_ingest)); then
    ensure_synthetic
fi

# PostgreSQL logs every statement (on) or not (off), for all sessions, from now on.
statement_logging() {
    if [[ $1 == on ]]; then
        psql_su -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
    else
        psql_su -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
    fi
    sleep 0.5 # the backends take the new setting at their next command
}

# ---------------------------------------------------------------- targets

# One JSON line per target of the closed- and open-loop benchmarks; the cookie is
# read from $BENCH_COOKIE by the benchmark scripts, never written to disk.
printf '' >"$out/targets.jsonl"
add_target() { # NAME LABEL PATH [cookie]
    python3 -c 'import json, sys; print(json.dumps({"name": sys.argv[1], "label": sys.argv[2], "url": sys.argv[3],
        "cookie": sys.argv[4] == "cookie", "script": sys.argv[5] + ".sql", "vars": sys.argv[5] + ".vars"}))' \
        "$1" "$2" "$PORTAL_E2E_BASE_URL$3" "${4:-}" "$out/replay/$1" >>"$out/targets.jsonl"
}
mkdir -p "$out/replay"

if ((run_readyz)); then
    printf 'SELECT 1;\n' >"$out/replay/readyz.sql"
    : >"$out/replay/readyz.vars"
    add_target readyz "GET /readyz" /readyz
fi

if ((run_api || run_openloop)); then
    log "principal of $structure signs in (scripts/bench/session.py)"
    BENCH_COOKIE=$(python3 "$bench_py/session.py" "$structure" principal@bench.example)
    export BENCH_COOKIE
    structure_id=$(psql_su -c "SELECT id FROM structures WHERE client_number = '$structure'")
    [[ -n $structure_id ]] || die "no structure $structure"
    # The insured person with the most IJ payments, and the structure's largest visible document.
    matricule=$(psql_su -c "SELECT i.matricule FROM ij_payment_lines l JOIN insured_people i
        ON i.structure_id = l.structure_id AND i.id = l.insured_id WHERE l.structure_id = $structure_id
        GROUP BY i.matricule ORDER BY count(DISTINCT l.payment_id) DESC, i.matricule LIMIT 1")
    document=$(psql_su -c "SELECT d.id FROM documents d LEFT JOIN contracts c ON c.structure_id = d.structure_id
        AND c.id = d.contract_id WHERE d.structure_id = $structure_id AND (d.contract_id IS NULL OR c.signed)
        ORDER BY d.size DESC, d.id LIMIT 1")
    [[ -n $matricule && -n $document ]] || die "structure $structure has no IJ payments or no document"
    base="/api/v1/structures/$structure_id"
    endpoints=(
        "home|GET …/{id}/home|$base/home"
        "insured|GET …/{id}/insured?portability=active|$base/insured?portability=active"
        "ij|GET …/{id}/ij-payments?insured=…|$base/ij-payments?insured=$matricule"
        "document|GET …/{id}/documents/{doc}/content|$base/documents/$document/content"
    )
    names=()
    for endpoint in "${endpoints[@]}"; do
        IFS='|' read -r name label path <<<"$endpoint"
        add_target "$name" "$label" "$path" cookie
        names+=("$name")
    done
    # One request per endpoint with every statement logged: the transactions to replay.
    log "capturing the SQL of one request per endpoint (log_statement = all)"
    pg_log="$run_dir/logs/postgresql.log"
    offset=$(stat -c %s "$pg_log")
    capturing=1
    statement_logging on
    for endpoint in "${endpoints[@]}"; do
        IFS='|' read -r _ _ path <<<"$endpoint"
        curl -sf -o /dev/null -H "Cookie: $BENCH_COOKIE" "$PORTAL_E2E_BASE_URL$path" || die "GET $path failed"
    done
    statement_logging off
    capturing=0
    tail -c +$((offset + 1)) "$pg_log" >"$out/replay/captured.log"
    python3 "$bench_py/replay.py" "$out/replay/captured.log" "$out/replay" "${names[@]}"
fi

if ((run_readyz || run_api)); then
    closed_targets="$out/closed-targets.jsonl"
    pgbench_clients=$sessions
    ((connections != sessions)) && pgbench_clients+=",$connections"
    if ((run_api)); then cp "$out/targets.jsonl" "$closed_targets"; else grep '"readyz"' "$out/targets.jsonl" >"$closed_targets"; fi
    python3 "$bench_py/closedloop.py" --targets "$closed_targets" --out "$out" --run-dir "$run_dir" \
        --pgbench "$bindir/pgbench" --workers "$workers" --duration "$duration" --connections "$connections" \
        --threads "$threads" --pgbench-clients "$pgbench_clients" | tee "$out/summary.txt"
fi

if ((run_openloop)); then
    openloop_bin="$REPO_ROOT/.build/openloop/openloop"
    openloop_src="$REPO_ROOT/tools/openloop/openloop.c"
    if [[ ! -x $openloop_bin || $openloop_src -nt $openloop_bin ]]; then
        mkdir -p "$(dirname "$openloop_bin")"
        cc=${CC:-$(command -v cc || command -v clang || true)}
        [[ -n $cc ]] || die "no C compiler for tools/openloop (cc or the Swift toolchain's clang)"
        "$cc" -O2 -o "$openloop_bin" "$openloop_src" -lm
    fi
    grep -v '"readyz"' "$out/targets.jsonl" >"$out/open-targets.jsonl"
    python3 "$bench_py/openloop.py" --targets "$out/open-targets.jsonl" --out "$out" --openloop "$openloop_bin" \
        --fraction "$rate_fraction" --duration "$openloop_duration" --connections "$connections" | tee -a "$out/summary.txt"
fi

# ---------------------------------------------------------------- ingest
if ((run_ingest)); then
    [[ -x $PORTAL_E2E_BIN_DIR/ij-worker ]] || die "no ij-worker in $PORTAL_E2E_BIN_DIR (restart the stack to install it)"
    # Who to pay: every synthetic insured person with its structure's client number and SIRET (one line: \copy).
    targets_sql="SELECT s.client_number, s.siret, i.matricule FROM insured_people i JOIN structures s ON s.id = i.structure_id"
    targets_sql+=" WHERE s.client_number ~ '^S[0-9]{6}\$' ORDER BY s.client_number, i.matricule"
    psql_su -c "\copy ($targets_sql) TO '$out/targets.tsv'"
    batch_id="bench-$(date +%Y%m%d%H%M%S)-$$"
    log "generating a $ingest_lines-line IJ file for $(wc -l <"$out/targets.tsv") synthetic insured people"
    python3 "$REPO_ROOT/tests/e2e/batchfiles.py" ij --out "$out/ij.txt" --lines "$ingest_lines" --batch-id "$batch_id" \
        --targets "$out/targets.tsv" --copy-r "$out/copy-r.tsv" --copy-l "$out/copy-l.tsv" >"$out/generated.json"
    # The generated files are read once before timing anything, so both runs find them in the page cache.
    cat "$out/ij.txt" "$out/copy-r.tsv" "$out/copy-l.tsv" >/dev/null
    # One process per measured command: wall time and peak RSS. GNU time's %M if installed, else
    # wait4's ru_maxrss, which also counts the pre-exec fork of this small python3 (~10 MiB, below
    # any worker figure).
    measure() { # NAME COMMAND...
        python3 - "$out/$1" "${@:2}" <<'PY'
import json, os, subprocess, sys, time
name, args = sys.argv[1], sys.argv[2:]
gnu_time = os.path.exists("/usr/bin/time")
if gnu_time:
    args = ["/usr/bin/time", "-f", "%M", "-o", name + ".rss", *args]
started = time.monotonic()
with open(name + ".out", "wb") as stdout, open(name + ".err", "wb") as stderr:
    proc = subprocess.Popen(args, stdout=stdout, stderr=stderr)
    _, status, usage = os.wait4(proc.pid, 0)
elapsed = time.monotonic() - started
peak = int(open(name + ".rss").read().split()[-1]) if gnu_time else usage.ru_maxrss
code = os.waitstatus_to_exitcode(status)
with open(name + ".json", "w") as f:
    json.dump({"seconds": elapsed, "peak_rss_kib": peak, "exit": code}, f)
PY
    }
    log "ij-worker ingest $out/ij.txt"
    measure worker "$PORTAL_E2E_BIN_DIR/ij-worker" ingest --json --database-url "$PORTAL_E2E_WORKER_URL" "$out/ij.txt"
    log "psql \\copy of the same lines into UNLOGGED tables"
    psql_su <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_copy_payments, bench_copy_lines, bench_copy_raw;
CREATE UNLOGGED TABLE bench_copy_payments (payment_ref text, client_number text, siret text, payment_date date,
                                           amount numeric(12,2));
CREATE UNLOGGED TABLE bench_copy_lines (payment_ref text, matricule text, beneficiary_name text, period_start date,
                                        period_end date, nature text, days integer, ss_daily numeric(12,2),
                                        other_movement numeric(12,2), insurer_daily numeric(12,2));
CREATE UNLOGGED TABLE bench_copy_raw (line text);
SQL
    measure copy "$bindir/psql" -X -q -v ON_ERROR_STOP=1 \
        -c "\copy bench_copy_payments FROM '$out/copy-r.tsv'" -c "\copy bench_copy_lines FROM '$out/copy-l.tsv'"
    # The raw lines, one text column (the file has neither backslash nor \x01): COPY's floor.
    measure copy-raw "$bindir/psql" -X -q -v ON_ERROR_STOP=1 \
        -c "\copy bench_copy_raw FROM '$out/ij.txt' WITH (FORMAT text, DELIMITER E'\x01')"
    copied=$(psql_su -c "SELECT (SELECT count(*) FROM bench_copy_payments) + (SELECT count(*) FROM bench_copy_lines)")
    loaded=$(psql_su -c "SELECT count(*) FROM ij_payments WHERE batch_id = '$batch_id'")
    # The floor of the merge: the rows the worker wrote, taken out and written back into the same
    # indexed tables (constraints and integrity triggers included) by PostgreSQL's fastest path.
    log "psql \\copy of the loaded rows back into ij_payments and ij_payment_lines"
    payment_columns="id, structure_id, payment_ref, payment_date, amount, batch_id"
    line_columns="structure_id, payment_id, line_no, insured_id, beneficiary_name, period_start, period_end, nature, days,"
    line_columns+=" ss_daily, other_movement, insurer_daily"
    psql_su -c "\copy (SELECT $payment_columns FROM ij_payments WHERE batch_id = '$batch_id') TO '$out/final-p.tsv'"
    batch_lines="SELECT $line_columns FROM ij_payment_lines WHERE (structure_id, payment_id) IN"
    batch_lines+=" (SELECT structure_id, id FROM ij_payments WHERE batch_id = '$batch_id')"
    psql_su -c "\copy ($batch_lines) TO '$out/final-l.tsv'"
    psql_su -c "DELETE FROM ij_payments WHERE batch_id = '$batch_id'" -c "VACUUM ij_payments, ij_payment_lines"
    cat "$out/final-p.tsv" "$out/final-l.tsv" >/dev/null
    measure copy-final "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -c "BEGIN" \
        -c "\copy ij_payments ($payment_columns) FROM '$out/final-p.tsv'" \
        -c "\copy ij_payment_lines ($line_columns) FROM '$out/final-l.tsv'" -c "COMMIT"
    reloaded=$(psql_su -c "SELECT count(*) FROM ij_payments WHERE batch_id = '$batch_id'")
    psql_su -c "DROP TABLE bench_copy_payments, bench_copy_lines, bench_copy_raw"
    stat -c %s "$out/ij.txt" >"$out/ij.size"
    rm -f "$out/ij.txt" "$out/copy-r.tsv" "$out/copy-l.tsv" "$out/targets.tsv" "$out/final-p.tsv" "$out/final-l.tsv"

    python3 - "$out" "$copied" "$loaded" "$reloaded" <<'PY' | tee -a "$out/summary.txt"
import json, os, sys

out, copied, loaded, reloaded = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
gen = json.load(open(os.path.join(out, "generated.json")))
size = int(open(os.path.join(out, "ij.size")).read())
w = json.load(open(os.path.join(out, "worker.json")))
c = json.load(open(os.path.join(out, "copy.json")))
raw = json.load(open(os.path.join(out, "copy-raw.json")))
final = json.load(open(os.path.join(out, "copy-final.json")))
outcome = open(os.path.join(out, "worker.out")).read().strip()
records = gen["records"]
body = gen["payments"] + gen["lines"]
try:
    summary = json.loads(outcome)
except ValueError:
    summary = {}
print()
print(f"ingest: {records:,} lines ({gen['payments']:,} R + {gen['lines']:,} L + H + T), {size / 1048576:.1f} MiB, "
      f"{os.cpu_count()} cores shared by the worker and PostgreSQL")
worker_rate, copy_rate, raw_rate = records / w["seconds"], body / c["seconds"], records / raw["seconds"]
final_rate = body / final["seconds"]
rows = [
    ("ij-worker ingest (parse, validate, COPY, merge)", w["seconds"], worker_rate, f"{w['peak_rss_kib'] / 1024:.1f} MiB"),
    ("psql \\copy, typed R and L tables (UNLOGGED)", c["seconds"], copy_rate, ""),
    ("psql \\copy, raw lines, one text column (UNLOGGED)", raw["seconds"], raw_rate, ""),
    ("psql \\copy, loaded rows into the indexed tables", final["seconds"], final_rate, ""),
]
print(f"{'':52} {'seconds':>8} {'lines/s':>10} {'peak RSS':>10}")
for label, seconds, rate, rss in rows:
    print(f"{label:52} {seconds:>8.2f} {rate:>10,.0f} {rss:>10}")
print(f"{'ratio worker / typed copy (lines/s)':52} {worker_rate / copy_rate:>8.3f}")
print(f"{'ratio worker / raw copy (lines/s)':52} {worker_rate / raw_rate:>8.3f}")
print(f"{'ratio indexed-table copy / typed copy (lines/s)':52} {final_rate / copy_rate:>8.3f}")
print(f"{'ratio worker / indexed-table copy (lines/s)':52} {worker_rate / final_rate:>8.3f}")
print(f"worker: exit {w['exit']}, {summary.get('status', '?')}, loaded={summary.get('loaded', '?')} "
      f"rejected={summary.get('rejected', '?')}, its own duration {summary.get('duration_ms', 0) / 1000:.2f} s; "
      f"ij_payments of the batch: {loaded:,}; rows copied: {copied:,}")
if w["exit"] != 0 or loaded != gen["payments"] or reloaded != loaded or copied != body or final["exit"] != 0:
    print("WARNING: the runs did not load everything; see worker.err in the raw outputs")
print(f"raw outputs: {out}")
PY
fi
