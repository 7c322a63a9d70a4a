-- Reports for DBAs (issue 8): the `reporting` schema, a set of documented views that the
-- `portal_report` role reads, and nothing else does. Described in docs/reports.md.
--
-- Who reads what:
-- * portal_report (DBAs, LOGIN) has USAGE on `reporting` and SELECT on its views, and no
--   privilege on any table of `public`: it cannot read base tables, NIR or names directly.
-- * The views belong to portal_reporting_owner (NOLOGIN, sql/bootstrap.sql). A view runs with
--   its owner's rights (security_invoker is off), so that role is what reaches the tables. It
--   holds SELECT on the few columns the reports aggregate, column by column, and nothing on
--   insured_people, beneficiaries, documents, sessions or mail: a view that tried to show a
--   NIR, a name, an e-mail address or health data would fail with "permission denied" instead
--   of leaking it. Its RLS policies (report_read, SELECT only) let it see every structure: the
--   reports are cross-structure by nature, and the tables' app policies (app.user_id) do not
--   apply to it.
-- * portal_app and portal_worker have no USAGE on `reporting`.
-- * Every view is a security_barrier view, so a DBA's own function in a WHERE clause cannot be
--   evaluated on rows before the view's own filters; leakproof comparisons (=, <, >= on ids and
--   dates) are still pushed down and use the indexes.
--
-- Calendar days and months are those of Europe/Paris (OCSO's), whatever the session's TimeZone,
-- so a report reads the same for everyone. Payment dates are dates already.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal_reporting_owner') THEN
        RAISE EXCEPTION 'role portal_reporting_owner is missing: run sql/bootstrap.sql as a superuser first';
    END IF;
END
$$;

CREATE SCHEMA reporting AUTHORIZATION portal_reporting_owner;
COMMENT ON SCHEMA reporting IS
    'Reports for DBAs (docs/reports.md): views readable by portal_report only; no NIR, names or health data.';
REVOKE ALL ON SCHEMA reporting FROM PUBLIC;
GRANT USAGE ON SCHEMA reporting TO portal_report;

-- ---------------------------------------------------------------------------------------------
-- What the views' owner may read: these columns, every row, nothing else.

GRANT USAGE ON SCHEMA public TO portal_reporting_owner;
GRANT SELECT (id, client_number, siren, siret, name, created_at) ON structures TO portal_reporting_owner;
GRANT SELECT (id, kind) ON users TO portal_reporting_owner;
GRANT SELECT (structure_id, user_id, role) ON structure_access TO portal_reporting_owner;
GRANT SELECT (occurred_at, actor_user_id, structure_id, action, outcome) ON audit_events TO portal_reporting_owner;
GRANT SELECT (structure_id, id, kind, college, signed) ON contracts TO portal_reporting_owner;
GRANT SELECT (structure_id, insured_id, contract_id, entry_date, end_date, portability_end) ON affiliations TO portal_reporting_owner;
GRANT SELECT (structure_id, id, payment_date) ON ij_payments TO portal_reporting_owner;
GRANT SELECT (structure_id, payment_id, nature, days, amount) ON ij_payment_lines TO portal_reporting_owner;
GRANT SELECT (structure_id, id, category, team, status, created_at, updated_at, status_changed_at) ON requests
    TO portal_reporting_owner;
GRANT SELECT (id, batch_id, file_type, file_name, size_bytes, sender, created_at, status, strict, record_count,
              items_loaded, items_rejected, reason, processed_at, duration_ms) ON batch_files TO portal_reporting_owner;
GRANT SELECT (batch_file_id, record_type, reason, structure_id) ON batch_rejects TO portal_reporting_owner;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['structures', 'users', 'structure_access', 'audit_events', 'contracts', 'affiliations',
                             'ij_payments', 'ij_payment_lines', 'requests', 'batch_files', 'batch_rejects'] LOOP
        EXECUTE format('CREATE POLICY report_read ON %I FOR SELECT TO portal_reporting_owner USING (true)', t);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Structures

CREATE VIEW reporting.structures WITH (security_barrier) AS
SELECT s.id AS structure_id, s.client_number, s.siren, s.siret, s.name, s.created_at,
       coalesce(a.principals, 0) > 0 AS has_principal,
       coalesce(a.delegated_users, 0) AS delegated_users,
       coalesce(c.signed_contracts, 0) AS signed_contracts
FROM structures s
LEFT JOIN (SELECT structure_id, count(*) FILTER (WHERE role = 'principal') AS principals,
                  count(*) FILTER (WHERE role = 'delegated') AS delegated_users
           FROM structure_access GROUP BY structure_id) a ON a.structure_id = s.id
LEFT JOIN (SELECT structure_id, count(*) AS signed_contracts FROM contracts WHERE signed GROUP BY structure_id) c
       ON c.structure_id = s.id;
COMMENT ON VIEW reporting.structures IS
    'One row per structure (employer company): identifiers to join the other reports on structure_id, and its accounts.';
COMMENT ON COLUMN reporting.structures.structure_id IS 'Internal id; every other report carries it.';
COMMENT ON COLUMN reporting.structures.client_number IS 'OCSO client number (7 characters), as in the batch files.';
COMMENT ON COLUMN reporting.structures.name IS 'Company name (raison sociale), not a person''s name.';
COMMENT ON COLUMN reporting.structures.created_at IS 'When the structure was created in the portal.';
COMMENT ON COLUMN reporting.structures.has_principal IS 'Someone signed up for it (its principal user exists).';
COMMENT ON COLUMN reporting.structures.delegated_users IS 'Delegated users with access to it.';
COMMENT ON COLUMN reporting.structures.signed_contracts IS 'Contracts OCSO received signed (the ones employers see).';

-- ---------------------------------------------------------------------------------------------
-- IJ paid per structure, month and nature

CREATE VIEW reporting.ij_paid_monthly WITH (security_barrier) AS
SELECT p.structure_id, date_trunc('month', p.payment_date::timestamp)::date AS month, l.nature,
       count(*) AS lines, sum(l.days) AS days, sum(l.amount) AS amount
FROM ij_payments p
JOIN ij_payment_lines l ON l.structure_id = p.structure_id AND l.payment_id = p.id
GROUP BY p.structure_id, date_trunc('month', p.payment_date::timestamp)::date, l.nature;
COMMENT ON VIEW reporting.ij_paid_monthly IS
    'Daily allowances (IJ) paid to a structure, per month of payment and nature of the sick leave; from the payment lines.';
COMMENT ON COLUMN reporting.ij_paid_monthly.month IS 'First day of the month of the payment date.';
COMMENT ON COLUMN reporting.ij_paid_monthly.nature IS
    'Nature of the leave: MAL illness, MAT maternity, PAT paternity, ATP work accident, TPT part-time therapeutic.';
COMMENT ON COLUMN reporting.ij_paid_monthly.lines IS 'Payment lines (one per insured person and period within a payment).';
COMMENT ON COLUMN reporting.ij_paid_monthly.days IS 'Days compensated.';
COMMENT ON COLUMN reporting.ij_paid_monthly.amount IS
    'Euros paid: sum of days × (insurer daily − Sécurité sociale daily) + other movements; the natures of a month add up to its payments.';

-- The same over all structures, for questions about the whole portfolio: about twice as fast as
-- summing the view above, whose groups are per structure.
CREATE VIEW reporting.ij_paid_monthly_totals WITH (security_barrier) AS
SELECT date_trunc('month', p.payment_date::timestamp)::date AS month, l.nature,
       count(*) AS lines, sum(l.days) AS days, sum(l.amount) AS amount
FROM ij_payments p
JOIN ij_payment_lines l ON l.structure_id = p.structure_id AND l.payment_id = p.id
GROUP BY date_trunc('month', p.payment_date::timestamp)::date, l.nature;
COMMENT ON VIEW reporting.ij_paid_monthly_totals IS
    'Daily allowances (IJ) paid to all structures together, per month of payment and nature: reporting.ij_paid_monthly summed over structures.';
COMMENT ON COLUMN reporting.ij_paid_monthly_totals.month IS 'First day of the month of the payment date.';
COMMENT ON COLUMN reporting.ij_paid_monthly_totals.nature IS
    'Nature of the leave: MAL illness, MAT maternity, PAT paternity, ATP work accident, TPT part-time therapeutic.';
COMMENT ON COLUMN reporting.ij_paid_monthly_totals.lines IS 'Payment lines.';
COMMENT ON COLUMN reporting.ij_paid_monthly_totals.days IS 'Days compensated.';
COMMENT ON COLUMN reporting.ij_paid_monthly_totals.amount IS 'Euros paid.';

-- ---------------------------------------------------------------------------------------------
-- Insured people per structure, régime and collège

CREATE VIEW reporting.insured_by_college WITH (security_barrier) AS
WITH today AS (SELECT (now() AT TIME ZONE 'Europe/Paris')::date AS d),
per_person AS (
    SELECT a.structure_id, c.kind AS regime, c.college,
           CASE WHEN bool_or(a.entry_date <= t.d AND (a.end_date IS NULL OR a.end_date >= t.d)) THEN 'active'
                WHEN bool_or(a.end_date < t.d AND a.portability_end >= t.d) THEN 'portability'
                ELSE 'exited' END AS status
    FROM affiliations a
    JOIN contracts c ON c.structure_id = a.structure_id AND c.id = a.contract_id
    CROSS JOIN today t
    WHERE c.signed
    GROUP BY a.structure_id, c.kind, c.college, a.insured_id
)
SELECT structure_id, regime, college,
       count(*) FILTER (WHERE status = 'active') AS active,
       count(*) FILTER (WHERE status = 'portability') AS in_portability,
       count(*) FILTER (WHERE status = 'exited') AS exited,
       count(*) AS total
FROM per_person
GROUP BY structure_id, regime, college;
COMMENT ON VIEW reporting.insured_by_college IS
    'Insured people of a structure per régime and collège of its signed contracts, by status today (Paris), with the portal''s rule: '
    'active if an affiliation covers today, in portability if none does but one ended and its portability runs until today or later, '
    'exited otherwise. A person affiliated in two collèges counts in both.';
COMMENT ON COLUMN reporting.insured_by_college.regime IS 'PREVOYANCE or SANTE (the contract''s régime).';
COMMENT ON COLUMN reporting.insured_by_college.college IS 'Collège of the contract (e.g. "Salariés non cadres").';
COMMENT ON COLUMN reporting.insured_by_college.active IS 'Status ACTIF in the portal.';
COMMENT ON COLUMN reporting.insured_by_college.in_portability IS 'Status PORTABILITE in the portal.';
COMMENT ON COLUMN reporting.insured_by_college.exited IS 'Status SORTI in the portal.';
COMMENT ON COLUMN reporting.insured_by_college.total IS 'active + in_portability + exited.';

-- ---------------------------------------------------------------------------------------------
-- Démarches: the open backlog per team and status, and the monthly flow

CREATE VIEW reporting.request_backlog WITH (security_barrier) AS
SELECT team, status, count(*) AS requests,
       min(created_at) AS oldest_created_at,
       date_trunc('second', now() - min(created_at)) AS age_max,
       date_trunc('second', avg(now() - created_at)) AS age_avg,
       date_trunc('second', percentile_cont(0.5) WITHIN GROUP (ORDER BY now() - created_at)) AS age_median,
       date_trunc('second', now() - min(status_changed_at)) AS in_status_max,
       date_trunc('second', now() - min(updated_at)) AS idle_max
FROM requests
WHERE status <> 'done'
GROUP BY team, status;
COMMENT ON VIEW reporting.request_backlog IS
    'Démarches not yet done, per OCSO team and status (received, in_progress), with their ages now. '
    'A team and status without open requests has no row.';
COMMENT ON COLUMN reporting.request_backlog.team IS
    'OCSO team the category routes to: employees, companies, benefits, contributions, customer_service.';
COMMENT ON COLUMN reporting.request_backlog.status IS 'received (not yet taken) or in_progress.';
COMMENT ON COLUMN reporting.request_backlog.oldest_created_at IS 'When the oldest of these requests was sent.';
COMMENT ON COLUMN reporting.request_backlog.age_max IS 'Age of the oldest request (now − sent), to the second.';
COMMENT ON COLUMN reporting.request_backlog.age_avg IS 'Average age (now − sent).';
COMMENT ON COLUMN reporting.request_backlog.age_median IS 'Median age (now − sent).';
COMMENT ON COLUMN reporting.request_backlog.in_status_max IS 'Longest time a request has been in this status.';
COMMENT ON COLUMN reporting.request_backlog.idle_max IS 'Longest time without activity (reply or status change) on one request.';

CREATE VIEW reporting.requests_monthly WITH (security_barrier) AS
SELECT date_trunc('month', created_at AT TIME ZONE 'Europe/Paris')::date AS month, team, category,
       count(*) AS requests,
       count(*) FILTER (WHERE status = 'received') AS received,
       count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
       count(*) FILTER (WHERE status = 'done') AS done,
       date_trunc('second', avg(status_changed_at - created_at) FILTER (WHERE status = 'done')) AS time_to_done_avg,
       date_trunc('second', max(status_changed_at - created_at) FILTER (WHERE status = 'done')) AS time_to_done_max
FROM requests
GROUP BY 1, team, category;
COMMENT ON VIEW reporting.requests_monthly IS
    'Démarches sent per month (Paris), team and category, with where they stand now and how long the done ones took.';
COMMENT ON COLUMN reporting.requests_monthly.month IS 'First day of the month the requests were sent in.';
COMMENT ON COLUMN reporting.requests_monthly.category IS
    'enrolment, portability, employee_exit, employee_address, company_details, sick_leave, contributions, question.';
COMMENT ON COLUMN reporting.requests_monthly.requests IS 'Requests sent; received + in_progress + done.';
COMMENT ON COLUMN reporting.requests_monthly.received IS 'Of those, still waiting to be taken.';
COMMENT ON COLUMN reporting.requests_monthly.in_progress IS 'Of those, being handled.';
COMMENT ON COLUMN reporting.requests_monthly.done IS 'Of those, done.';
COMMENT ON COLUMN reporting.requests_monthly.time_to_done_avg IS 'Average time from sending to done, over the done ones.';
COMMENT ON COLUMN reporting.requests_monthly.time_to_done_max IS 'Longest time from sending to done.';

-- ---------------------------------------------------------------------------------------------
-- OCSO batch files

CREATE VIEW reporting.batch_history WITH (security_barrier) AS
SELECT id AS batch_file_id, batch_id, file_type, file_name, size_bytes, sender, created_at AS sender_created_at,
       processed_at, status, strict, record_count, items_loaded, items_rejected, reason, duration_ms
FROM batch_files;
COMMENT ON VIEW reporting.batch_history IS
    'Every batch file ij-worker processed, loaded or rejected (the registry). Rejection messages are left out: '
    'they may quote field values; operators read them in the file''s .report.txt.';
COMMENT ON COLUMN reporting.batch_history.batch_file_id IS 'Registry id; joins reporting.batch_rejects_by_reason.';
COMMENT ON COLUMN reporting.batch_history.batch_id IS 'The file''s batch id (header); NULL if it had no valid header.';
COMMENT ON COLUMN reporting.batch_history.file_type IS 'IJ (payments) or AFF (affiliation data); NULL if unknown.';
COMMENT ON COLUMN reporting.batch_history.sender_created_at IS 'Creation time written in the header by the sender, as sent.';
COMMENT ON COLUMN reporting.batch_history.processed_at IS 'When the worker committed its outcome.';
COMMENT ON COLUMN reporting.batch_history.status IS 'loaded (possibly with rejected items) or rejected (nothing of it loaded).';
COMMENT ON COLUMN reporting.batch_history.strict IS 'Loaded with --strict: any rejected item rejects the file.';
COMMENT ON COLUMN reporting.batch_history.record_count IS 'Record count announced by the trailer.';
COMMENT ON COLUMN reporting.batch_history.items_loaded IS 'Items (payments, affiliation records) merged.';
COMMENT ON COLUMN reporting.batch_history.items_rejected IS 'Items refused (an item refused for two reasons counts once).';
COMMENT ON COLUMN reporting.batch_history.reason IS 'Reason code of a rejected file (e.g. trailer_mismatch); NULL when loaded.';
COMMENT ON COLUMN reporting.batch_history.duration_ms IS 'Processing time in milliseconds.';

CREATE VIEW reporting.batch_rejects_by_reason WITH (security_barrier) AS
SELECT r.batch_file_id, f.batch_id, f.file_type, f.processed_at, r.reason, r.record_type,
       count(*) AS rejects, count(DISTINCT r.structure_id) AS structures
FROM batch_rejects r
JOIN batch_files f ON f.id = r.batch_file_id
GROUP BY r.batch_file_id, f.batch_id, f.file_type, f.processed_at, r.reason, r.record_type;
COMMENT ON VIEW reporting.batch_rejects_by_reason IS
    'Rejections per batch file, reason code and record type. A file-level rejection is one row with the file''s reason.';
COMMENT ON COLUMN reporting.batch_rejects_by_reason.reason IS
    'Stable reason code (spec §4), e.g. amount_mismatch, invalid_nir, unknown_matricule, trailer_mismatch.';
COMMENT ON COLUMN reporting.batch_rejects_by_reason.record_type IS 'Record type at fault (H, T, R, L, C, G, I, A, B); NULL if none.';
COMMENT ON COLUMN reporting.batch_rejects_by_reason.rejects IS 'Rejections recorded (an item refused for two reasons has two).';
COMMENT ON COLUMN reporting.batch_rejects_by_reason.structures IS 'Distinct structures concerned, where the loader knew them.';

-- ---------------------------------------------------------------------------------------------
-- Account activity, from the audit trail

CREATE VIEW reporting.account_activity_daily WITH (security_barrier) AS
SELECT (e.occurred_at AT TIME ZONE 'Europe/Paris')::date AS day,
       count(*) FILTER (WHERE e.action = 'account.create' AND e.outcome = 'success') AS sign_ups,
       count(*) FILTER (WHERE e.action = 'account.create' AND e.outcome = 'failure') AS sign_ups_refused,
       count(*) FILTER (WHERE e.action = 'structure.attach' AND e.outcome = 'success') AS structures_attached,
       count(*) FILTER (WHERE e.action = 'session.login' AND e.outcome = 'success') AS logins,
       count(DISTINCT e.actor_user_id) FILTER (WHERE e.action = 'session.login' AND e.outcome = 'success') AS users_logged_in,
       count(*) FILTER (WHERE e.action = 'session.login' AND e.outcome = 'success' AND e.actor_user_id = ANY (staff.ids))
           AS staff_logins,
       count(*) FILTER (WHERE e.action = 'session.login' AND e.outcome = 'failure') AS logins_failed,
       count(*) FILTER (WHERE e.action = 'account.lockout') AS lockouts,
       count(*) FILTER (WHERE e.action = 'user.create' AND e.outcome = 'success') AS users_created,
       count(*) FILTER (WHERE e.action IN ('user.create', 'user.grant', 'user.revoke') AND e.outcome = 'success') AS grants_changed,
       count(*) FILTER (WHERE e.action = 'user.revoke' AND e.outcome = 'success') AS grants_revoked,
       count(*) FILTER (WHERE e.action IN ('password.change', 'password.reset_completed') AND e.outcome = 'success')
           AS passwords_changed
-- The staff accounts, read once (a join with users would cost a lookup per event).
FROM audit_events e, (SELECT ARRAY(SELECT id FROM users WHERE kind = 'staff') AS ids) staff
WHERE e.action IN ('account.create', 'structure.attach', 'session.login', 'account.lockout', 'user.create', 'user.grant',
                   'user.revoke', 'password.change', 'password.reset_completed')
GROUP BY 1;
COMMENT ON VIEW reporting.account_activity_daily IS
    'Account activity per day (Paris), counted from the audit trail. Days without any such event have no row.';
-- A range of days reads those days' events only (the trail is appended in time order, so they are
-- also together on disk). One small index entry per audited action.
CREATE INDEX audit_events_paris_day ON audit_events (((occurred_at AT TIME ZONE 'Europe/Paris')::date));
COMMENT ON COLUMN reporting.account_activity_daily.sign_ups IS 'Principal accounts created by sign-up (account.create).';
COMMENT ON COLUMN reporting.account_activity_daily.sign_ups_refused IS
    'Sign-ups refused: wrong security fields, throttled, structure already has a principal, address already registered.';
COMMENT ON COLUMN reporting.account_activity_daily.structures_attached IS 'Structures a principal attached to their account.';
COMMENT ON COLUMN reporting.account_activity_daily.logins IS 'Successful logins, employers and OCSO staff.';
COMMENT ON COLUMN reporting.account_activity_daily.users_logged_in IS 'Distinct accounts that logged in that day.';
COMMENT ON COLUMN reporting.account_activity_daily.staff_logins IS 'Of the logins, those of OCSO staff (back-office).';
COMMENT ON COLUMN reporting.account_activity_daily.logins_failed IS 'Refused logins: wrong credentials or address locked.';
COMMENT ON COLUMN reporting.account_activity_daily.lockouts IS 'Times an address got locked after repeated failures.';
COMMENT ON COLUMN reporting.account_activity_daily.users_created IS 'Delegated users created by a principal (one per structure granted).';
COMMENT ON COLUMN reporting.account_activity_daily.grants_changed IS
    'Grants written by principals: created with a new user, rights set, or revoked (one per user and structure).';
COMMENT ON COLUMN reporting.account_activity_daily.grants_revoked IS 'Of grants_changed, the revocations.';
COMMENT ON COLUMN reporting.account_activity_daily.passwords_changed IS 'Password changes and completed resets.';

-- ---------------------------------------------------------------------------------------------
-- Ownership and access: every view of the schema, including those added by later migrations
-- (which must repeat these two statements for their views).

DO $$
DECLARE
    v regclass;
BEGIN
    FOR v IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'reporting' AND c.relkind = 'v' LOOP
        EXECUTE format('ALTER VIEW %s OWNER TO portal_reporting_owner', v);
        EXECUTE format('GRANT SELECT ON %s TO portal_report', v);
    END LOOP;
END
$$;
