-- Run once per cluster by a superuser (psql -d postgres -f sql/bootstrap.sql). Idempotent.
-- Creates the four roles of DESIGN §4, the owner of the reporting views and the replication
-- role. Passwords are set by operations in production (ALTER ROLE … PASSWORD); the local
-- dev/test clusters use peer/trust authentication.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal_owner') THEN
        -- Owns the schema and runs migrations; not a superuser.
        CREATE ROLE portal_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal_app') THEN
        -- The responder: owns nothing, always subject to row-level security.
        CREATE ROLE portal_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal_worker') THEN
        -- Loads OCSO batch files and delivers mail.
        CREATE ROLE portal_worker LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal_report') THEN
        -- DBAs' read-only role: the reporting schema only.
        CREATE ROLE portal_report LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal_reporting_owner') THEN
        -- Owns the reporting views (migration 0007), which run with its rights: SELECT on the
        -- columns the reports need only. Nobody logs in as it.
        CREATE ROLE portal_reporting_owner NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal_replication') THEN
        -- Streaming replicas connect as it (scripts/replica.sh, docs/reports.md); it reads no table.
        CREATE ROLE portal_replication LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    -- Migrations (run as portal_owner) create the reporting views and hand them to their owner.
    IF NOT pg_has_role('portal_owner', 'portal_reporting_owner', 'MEMBER') THEN
        GRANT portal_reporting_owner TO portal_owner;
    END IF;
END
$$;
-- Make sure an earlier manual change did not give the app role a way around RLS.
ALTER ROLE portal_app NOSUPERUSER NOBYPASSRLS;
-- Reports aggregate a few million rows at most: JIT compilation costs more than it saves there.
ALTER ROLE portal_report SET jit = off;
