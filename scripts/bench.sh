#!/usr/bin/env bash
# Measure GET /readyz through nginx + portal-fcgi against its own baseline:
# pgbench replaying the same statement (SELECT 1) as portal_app on the same
# database in the same run. Prints figures; asserts nothing.
#
#   scripts/bench.sh [--run-dir DIR] [--duration S] [--connections N] [--no-build]
#
# Without --run-dir: builds in release mode and starts a throwaway stack on
# free ports (torn down at exit). With --run-dir: uses the stack already
# running there (e.g. .data from `make up`).
# Raw outputs are kept in bench-results/<timestamp>/.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

run_dir="" duration=10 connections=32 threads=2 build=1
while (($#)); do
    case $1 in
        --run-dir) run_dir=${2:?}; shift ;;
        --duration) duration=${2:?}; shift ;;
        --connections) connections=${2:?}; shift ;;
        --no-build) build=0 ;;
        *) die "unknown option: $1 (see the header of $0)" ;;
    esac
    shift
done

command -v wrk >/dev/null 2>&1 || die "wrk not installed (scripts/install-deps.sh)"
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
wait_http_200 "$url" 10 || die "$url is not answering 200"

out="$REPO_ROOT/bench-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
bindir=$(pg_bindir)

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
