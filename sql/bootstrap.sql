-- Run once per cluster by a superuser (psql -d postgres -f sql/bootstrap.sql). Idempotent.
-- Creates the four roles of DESIGN §4. Passwords are set by operations in production
-- (ALTER ROLE … PASSWORD); the local dev/test clusters use peer/trust authentication.
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
END
$$;
-- Make sure an earlier manual change did not give the app role a way around RLS.
ALTER ROLE portal_app NOSUPERUSER NOBYPASSRLS;
