#!/usr/bin/env bash
# Times every DBA report (the reporting.* views, docs/reports.md) with
# EXPLAIN (ANALYZE, BUFFERS), connected as portal_report, on a running stack.
# Prints figures; asserts nothing.
#
#   scripts/bench-reports.sh RUN_DIR [--runs N]
#
# Loads the synthetic dataset first if absent (`portalctl seed synthetic`
# with the README's sizes: 1000 structures, 100,000 insured, 1,000,000 IJ
# lines, seed 42), then, once, the volume the synthetic dataset lacks: about
# three years of démarches (150,000), a year of audit trail (2,000,000
# events of 2,000 bench users) and of batch files (2,200 files, ~200,000
# rejections). Throwaway stacks only: it writes into that database.
# Each query runs N times (default 3); the plans of the last run and the
# timings are kept in bench-results/<timestamp>-reports/.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

run_dir=${1:-}
[[ -n $run_dir && $run_dir != -* ]] || die "usage: $0 RUN_DIR [--runs N]"
shift
runs=3
while (($#)); do
    case $1 in
        --runs) runs=${2:?}; shift ;;
        *) die "unknown option: $1 (see the header of $0)" ;;
    esac
    shift
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number"

eval "$(bash "$SCRIPTS_DIR/stack.sh" env "$run_dir")"
bindir=$(pg_bindir)
psql_as() { # ROLE, then psql arguments
    local role=$1
    shift
    "$bindir/psql" -X -qAt -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$role" -d "$PGDATABASE" "$@"
}
out="$REPO_ROOT/bench-results/$(date +%Y%m%d-%H%M%S)-reports"
mkdir -p "$out"

synthetic=$(psql_as postgres -c "SELECT count(*) FROM structures WHERE client_number ~ '^S[0-9]{6}\$'")
if ((synthetic == 0)); then
    log "portalctl seed synthetic --structures 1000 --insured 100000 --ij-lines 1000000 --seed 42"
    "$PORTAL_E2E_BIN_DIR/portalctl" seed synthetic --structures 1000 --insured 100000 --ij-lines 1000000 --seed 42 \
        --database-url "$PORTAL_E2E_OWNER_URL" >"$out/seed.txt"
    tail -n 1 "$out/seed.txt" >&2
else
    log "synthetic dataset already loaded ($synthetic structures)"
fi

if [[ -z $(psql_as postgres -c "SELECT 1 FROM users WHERE email = 'reports-bench-1@example.invalid'") ]]; then
    log "adding démarches, audit events and batch files (once, ~1 min)"
    # As the superuser: RLS does not apply, and the audit trail accepts back-dated rows.
    psql_as postgres >/dev/null <<'SQL'
SELECT setseed(0.42);
INSERT INTO users (email, last_name, first_name, must_change_password)
SELECT format('reports-bench-%s@example.invalid', g), 'Bench', 'Reports', false FROM generate_series(1, 2000) g;
INSERT INTO users (email, last_name, first_name, must_change_password, kind, teams)
SELECT format('reports-bench-staff-%s@example.invalid', g), 'Bench', 'Staff', false, 'staff',
       ARRAY[(ARRAY['employees', 'companies', 'benefits', 'contributions', 'customer_service'])[1 + g % 5]]
FROM generate_series(1, 20) g;

CREATE TEMPORARY TABLE bench_ids AS
SELECT (SELECT array_agg(id ORDER BY id) FROM structures) AS structures,
       (SELECT array_agg(id ORDER BY id) FROM users WHERE email LIKE 'reports-bench-%') AS users;

-- Démarches over ~1000 days; the older ones done, a few stuck; the last 20 days in every status.
-- Rows go in in time order, as the portal appends them.
INSERT INTO requests (structure_id, category, team, subject, message, status, created_by_name, created_at, updated_at,
                      status_changed_at)
SELECT structure_id, category, team, 'Bench', 'Bench', status, 'Bench', created_at, changed_at, changed_at
FROM (
    SELECT b.structures[1 + floor(random() * cardinality(b.structures))::int] AS structure_id, c.category, c.team, r.created_at,
           CASE WHEN r.created_at > now() - interval '20 days' THEN (ARRAY['received', 'in_progress', 'done'])[1 + floor(random() * 3)::int]
                WHEN random() < 0.03 THEN 'in_progress' ELSE 'done' END AS status,
           least(now(), r.created_at + random() * interval '10 days') AS changed_at
    FROM generate_series(1, 150000) g
    CROSS JOIN bench_ids b
    CROSS JOIN LATERAL (SELECT now() - random() * interval '1000 days' + g * interval '0 s' AS created_at) r
    CROSS JOIN LATERAL (SELECT * FROM (VALUES ('enrolment', 'employees'), ('portability', 'employees'),
                                              ('employee_exit', 'employees'), ('employee_address', 'employees'),
                                              ('company_details', 'companies'), ('sick_leave', 'benefits'),
                                              ('contributions', 'contributions'), ('question', 'customer_service')) v(category, team)
                        ORDER BY random() + g * 0 LIMIT 1) c
) t
ORDER BY created_at;

-- A year of audit trail: mostly logins, some failures, lockouts, sign-ups and grants.
INSERT INTO audit_events (occurred_at, actor_user_id, structure_id, action, outcome)
SELECT now() - random() * interval '365 days' + g * interval '0 s',
       CASE WHEN a.action IN ('session.login', 'user.grant', 'user.create', 'user.revoke', 'password.change') AND a.outcome = 'success'
            THEN b.users[1 + floor(random() * cardinality(b.users))::int] END,
       CASE WHEN a.action LIKE 'user.%' OR a.action = 'account.create'
            THEN b.structures[1 + floor(random() * cardinality(b.structures))::int] END,
       a.action, a.outcome
FROM generate_series(1, 2000000) g
CROSS JOIN bench_ids b
CROSS JOIN LATERAL (SELECT random() + g * 0 AS x) r
CROSS JOIN LATERAL (SELECT CASE WHEN r.x < 0.60 THEN 'session.login' WHEN r.x < 0.85 THEN 'session.login'
                                WHEN r.x < 0.87 THEN 'account.lockout' WHEN r.x < 0.89 THEN 'account.create'
                                WHEN r.x < 0.92 THEN 'user.grant' WHEN r.x < 0.93 THEN 'user.create'
                                WHEN r.x < 0.94 THEN 'user.revoke' WHEN r.x < 0.96 THEN 'password.change'
                                ELSE 'profile.update' END AS action,
                           CASE WHEN r.x >= 0.60 AND r.x < 0.87 THEN 'failure' WHEN r.x >= 0.88 AND r.x < 0.89 THEN 'failure'
                                ELSE 'success' END AS outcome) a
ORDER BY 1;

-- Two batch files a day for three years; one in twenty rejected whole; rejections on the others.
INSERT INTO batch_files (batch_id, file_type, file_name, sha256, size_bytes, sender, created_at, status, record_count,
                         items_loaded, items_rejected, reason, processed_at, duration_ms)
SELECT 'BENCH' || g, t.file_type, 'OCSO_' || t.file_type || '_BENCH' || g || '.txt', sha256(('bench' || g)::bytea),
       (random() * 5e7)::bigint, 'OCSO', to_char(p.at, 'YYYY-MM-DD"T"HH24:MI:SS'),
       CASE WHEN g % 20 = 0 THEN 'rejected' ELSE 'loaded' END, (random() * 100000)::int,
       CASE WHEN g % 20 = 0 THEN 0 ELSE (random() * 30000)::int END, 0,
       CASE WHEN g % 20 = 0 THEN (ARRAY['trailer_mismatch', 'bad_header', 'invalid_field'])[1 + g % 3] END,
       p.at, (random() * 60000)::int
FROM generate_series(1, 2200) g
CROSS JOIN LATERAL (SELECT CASE WHEN g % 2 = 0 THEN 'IJ' ELSE 'AFF' END AS file_type) t
CROSS JOIN LATERAL (SELECT now() - (2200 - g) * interval '12 hours' AS at) p;
INSERT INTO batch_rejects (batch_file_id, position, line_number, record_type, item_key, reason, message, structure_id)
SELECT f.id, n, n * 7, CASE WHEN f.file_type = 'IJ' THEN 'R' ELSE 'A' END, 'BENCH',
       (ARRAY['amount_mismatch', 'unknown_matricule', 'invalid_nir', 'days_inconsistent', 'unknown_client_number'])[1 + (n + f.id) % 5],
       'bench', b.structures[1 + (f.id * n) % cardinality(b.structures)]
FROM batch_files f
CROSS JOIN bench_ids b
CROSS JOIN LATERAL generate_series(1, CASE WHEN f.status = 'rejected' THEN 1 ELSE (f.id * 37) % 190 END) n
WHERE f.batch_id LIKE 'BENCH%';
UPDATE batch_files f SET items_rejected = r.n
FROM (SELECT batch_file_id, count(*) AS n FROM batch_rejects GROUP BY 1) r
WHERE r.batch_file_id = f.id AND f.batch_id LIKE 'BENCH%' AND f.status = 'loaded';
SQL
    psql_as postgres -c "VACUUM (ANALYZE) users, requests, audit_events, batch_files, batch_rejects"
fi

largest=$(psql_as postgres -c "SELECT structure_id FROM ij_payments GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
# name|query: what a DBA would run (docs/reports.md).
queries=(
    "structures (all)|SELECT * FROM reporting.structures"
    "ij_paid_monthly (all)|SELECT * FROM reporting.ij_paid_monthly"
    "ij_paid_monthly (largest structure)|SELECT * FROM reporting.ij_paid_monthly WHERE structure_id = $largest"
    "ij_paid_monthly (last 12 months)|SELECT * FROM reporting.ij_paid_monthly WHERE month >= date_trunc('month', current_date - 365)::date"
    "ij_paid_monthly_totals (all)|SELECT * FROM reporting.ij_paid_monthly_totals"
    "insured_by_college (all)|SELECT * FROM reporting.insured_by_college"
    "insured_by_college (largest structure)|SELECT * FROM reporting.insured_by_college WHERE structure_id = $largest"
    "request_backlog (all)|SELECT * FROM reporting.request_backlog"
    "requests_monthly (all)|SELECT * FROM reporting.requests_monthly"
    "batch_history (all)|SELECT * FROM reporting.batch_history"
    "batch_history (last 30 days)|SELECT * FROM reporting.batch_history WHERE processed_at >= now() - interval '30 days'"
    "batch_rejects_by_reason (all)|SELECT * FROM reporting.batch_rejects_by_reason"
    "batch_rejects_by_reason (totals per reason)|SELECT reason, sum(rejects) FROM reporting.batch_rejects_by_reason GROUP BY 1"
    "account_activity_daily (all)|SELECT * FROM reporting.account_activity_daily"
    "account_activity_daily (last 30 days)|SELECT * FROM reporting.account_activity_daily WHERE day >= current_date - 30"
)

: >"$out/timings.txt"
for entry in "${queries[@]}"; do
    name=${entry%%|*}
    query=${entry#*|}
    file="$out/$(tr -c 'a-z0-9_\n' '-' <<<"$name" | tr -s '-' | sed 's/-$//').txt"
    times=()
    for ((i = 0; i < runs; i++)); do
        psql_as portal_report -c "EXPLAIN (ANALYZE, BUFFERS) $query" >"$file"
        times+=("$(sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p' "$file")")
    done
    rows=$(sed -n '1s/.*actual time=[0-9.]*\.\.[0-9.]* rows=\([0-9]*\).*/\1/p' "$file")
    printf '%s|%s|%s|%s\n' "$name" "$rows" "$(tr '\n' ' ' <<<"${times[*]}")" "$query" >>"$out/timings.txt"
done

python3 - "$out/timings.txt" <<'PY'
import os, sys
print(f"\nEXPLAIN (ANALYZE, BUFFERS) as portal_report; execution times in ms; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
print(f"{'report':46} {'rows':>8} {'best':>9} {'median':>9}")
for line in open(sys.argv[1]):
    name, rows, times, _ = line.rstrip("\n").split("|", 3)
    t = sorted(float(x) for x in times.split())
    print(f"{name:46} {rows:>8} {t[0]:>9.1f} {t[len(t) // 2]:>9.1f}")
print(f"plans: {os.path.dirname(sys.argv[1])}")
PY
