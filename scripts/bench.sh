#!/usr/bin/env bash
# Two benchmarks, each against its own baseline in the same run. Prints
# figures; asserts nothing.
#
# readyz: GET /readyz through nginx + portal-fcgi (wrk) against pgbench
#   replaying the same statement (SELECT 1) as portal_app on the same database.
# ingest: `ij-worker ingest` of a generated IJ batch file (default 1,000,000
#   lines) for the synthetic dataset (`portalctl seed synthetic`, loaded first
#   if absent, ~30 s), wall time and peak RSS, against `psql \copy` of the same
#   R and L lines into UNLOGGED tables with the columns of ij_payments and
#   ij_payment_lines (typed, no index) and, for reference, of the raw lines
#   into a one-column text table.
#
#   scripts/bench.sh [--run-dir DIR] [--duration S] [--connections N] [--no-build]
#                    [--only readyz|ingest] [--ingest-lines N]
#
# Without --run-dir: builds in release mode and starts a throwaway stack on
# free ports (torn down at exit). With --run-dir: uses the stack already
# running there (e.g. .data from `make up`); the ingest benchmark then adds
# the synthetic dataset and one batch of payments to it.
# Raw outputs are kept in bench-results/<timestamp>/ (the generated batch
# files are deleted at the end: they are large).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

run_dir="" duration=10 connections=32 threads=2 build=1 only="" ingest_lines=1000000
while (($#)); do
    case $1 in
        --run-dir) run_dir=${2:?}; shift ;;
        --duration) duration=${2:?}; shift ;;
        --connections) connections=${2:?}; shift ;;
        --no-build) build=0 ;;
        --only) only=${2:?}; shift ;;
        --ingest-lines) ingest_lines=${2:?}; shift ;;
        *) die "unknown option: $1 (see the header of $0)" ;;
    esac
    shift
done

case $only in
    "" | readyz | ingest) ;;
    *) die "--only takes readyz or ingest" ;;
esac
if [[ ! $ingest_lines =~ ^[0-9]+$ ]] || ((ingest_lines < 4)); then
    die "--ingest-lines must be a number of lines (at least 4)"
fi
run_readyz=1 run_ingest=1
[[ $only == ingest ]] && run_readyz=0
[[ $only == readyz ]] && run_ingest=0
if ((run_readyz)); then
    command -v wrk >/dev/null 2>&1 || die "wrk not installed (scripts/install-deps.sh)"
fi
if [[ -n $run_dir ]]; then
    run_dir=$(cd "$run_dir" && pwd) || die "no such run directory"
fi
cd "$REPO_ROOT"

own_run=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n $own_run ]]; then
        bash "$SCRIPTS_DIR/stack.sh" stop "$own_run" || true
        rm -rf "$own_run"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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
        --release --workers 4 --queue 64 --ephemeral >/dev/null
fi
eval "$(bash "$SCRIPTS_DIR/stack.sh" env "$run_dir")"
url="$PORTAL_E2E_BASE_URL/readyz"
if ((run_readyz)); then
    wait_http_200 "$url" 10 || die "$url is not answering 200"
fi

out="$REPO_ROOT/bench-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
bindir=$(pg_bindir)

if ((run_readyz)); then
    # Extended protocol with unnamed statements: what a libpq client using
    # PQexecParams does, i.e. the closest replay of the responder's query.
    pgbench_mode=extended
    printf 'SELECT 1;\n' >"$out/select1.sql"

    log "warm-up (2 s)"
    wrk -t"$threads" -c"$connections" -d2s "$url" >/dev/null

    log "wrk -t$threads -c$connections -d${duration}s --latency $url"
    wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "$url" >"$out/wrk.txt"

    log "pgbench -n -c $connections -j $threads -T $duration -M $pgbench_mode (SELECT 1 as portal_app)"
    (cd "$out" && "$bindir/pgbench" -n -c "$connections" -j "$threads" -T "$duration" \
        -M "$pgbench_mode" -f select1.sql -l --log-prefix=pgbench_log \
        -h "$PORTAL_TEST_PG_HOST" -p "$PORTAL_TEST_PG_PORT" -U portal_app "$PORTAL_TEST_DB" \
        >"$out/pgbench.txt" 2>&1)

    python3 - "$out" "$connections" "$duration" "$pgbench_mode" <<'PY' | tee "$out/summary.txt"
import glob, os, re, sys

out, conns, duration, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]

def ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

wrk = open(os.path.join(out, "wrk.txt")).read()
w_rps = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1))
w_avg = ms(re.search(r"^\s+Latency\s+(\S+)", wrk, re.M).group(1))
w_pct = {p: ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", wrk, re.M)}
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", wrk)
sock_err = re.search(r"Socket errors:.*", wrk)
w_err = int(non2xx.group(1)) if non2xx else 0

pgb = open(os.path.join(out, "pgbench.txt")).read()
p_tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", pgb).group(1))
p_avg = float(re.search(r"latency average = ([\d.]+) ms", pgb).group(1))
p_fail = re.search(r"number of failed transactions: (\d+)", pgb)
lat = []
for path in glob.glob(os.path.join(out, "pgbench_log.*")):
    with open(path) as f:
        lat.extend(int(line.split()[2]) for line in f if line.strip())
lat.sort()

def pct(p):
    return lat[min(len(lat) - 1, int(len(lat) * p / 100))] / 1000.0 if lat else float("nan")

nan = float("nan")
print()
print(f"{conns} connections, {duration} s each; client and servers share {os.cpu_count()} cores")
print(f"{'':44} {'req/s':>10} {'avg ms':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
print(f"{'GET /readyz via nginx + portal-fcgi (wrk)':44} {w_rps:>10.1f} {w_avg:>8.3f} "
      f"{w_pct.get('50', nan):>8.3f} {w_pct.get('99', nan):>8.3f} {w_err:>7}")
print(f"{'SELECT 1 via pgbench -M ' + mode + ' (*)':44} {p_tps:>10.1f} {p_avg:>8.3f} "
      f"{pct(50):>8.3f} {pct(99):>8.3f} {p_fail.group(1) if p_fail else '-':>7}")
print(f"{'ratio endpoint / pgbench (req/s)':44} {w_rps / p_tps:>10.3f}")
print("(*) pgbench percentiles come from its per-transaction log, whose clock is refreshed")
print("    lazily: under load they read low. Its avg is connections / tps, which is exact.")
if sock_err:
    print(f"wrk: {sock_err.group(0)}")
print(f"raw outputs: {out}")
PY
    # The per-transaction logs are large and already summarised.
    rm -f "$out"/pgbench_log.*
fi

# ---------------------------------------------------------------- ingest
if ((run_ingest)); then
    [[ -x $PORTAL_E2E_BIN_DIR/ij-worker ]] || die "no ij-worker in $PORTAL_E2E_BIN_DIR (restart the stack to install it)"
    psql_su() { "$bindir/psql" -X -qAt -v ON_ERROR_STOP=1 "$@"; }
    synthetic=$(psql_su -c "SELECT count(*) FROM structures WHERE client_number ~ '^S[0-9]{6}\$'")
    if ((synthetic == 0)); then
        log "portalctl seed synthetic (default size)"
        "$PORTAL_E2E_BIN_DIR/portalctl" seed synthetic --database-url "$PORTAL_E2E_OWNER_URL" >"$out/seed.txt"
        tail -n 1 "$out/seed.txt" >&2
    else
        log "synthetic dataset already loaded ($synthetic structures)"
    fi
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
