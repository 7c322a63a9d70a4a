-- Core schema: structures, users, per-structure access, sessions, audit trail, mail outbox.
-- Row-level security is enabled and forced on every table that holds tenant or user data.
-- Policies for portal_app read app.user_id, set per transaction with set_config(..., true),
-- and fail closed when it is missing or empty.

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO portal_app, portal_worker;

-- The user on whose behalf the current transaction runs; NULL (so every policy is false) when unset.
CREATE FUNCTION portal_current_user_id() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.user_id', true), '')::bigint $$;

CREATE TABLE structures (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_number       text NOT NULL UNIQUE CHECK (client_number ~ '^[0-9A-Z]{7}$'),
    siren               text NOT NULL CHECK (siren ~ '^[0-9]{9}$'),
    siret               text NOT NULL CHECK (siret ~ '^[0-9]{14}$' AND left(siret, 9) = siren),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address             text CHECK (length(address) <= 500),
    phone               text CHECK (length(phone) <= 30),
    security_code_hash  text,
    security_code_set_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email               text NOT NULL CHECK (length(email) <= 254 AND email = lower(email)),
    last_name           text NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
    first_name          text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    landline_phone      text CHECK (length(landline_phone) <= 30),
    mobile_phone        text CHECK (length(mobile_phone) <= 30),
    job_title           text CHECK (length(job_title) <= 100),
    password_hash       text,
    must_change_password boolean NOT NULL DEFAULT true,
    password_changed_at timestamptz,
    failed_logins       integer NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    default_structure_id bigint REFERENCES structures (id) ON DELETE SET NULL,
    email_consent_at    timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- Which user sees which structure, as principal (administers it, has every right) or delegated.
CREATE TABLE structure_access (
    structure_id        bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    user_id             bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role                text NOT NULL CHECK (role IN ('principal', 'delegated')),
    rights              text[] NOT NULL DEFAULT '{}'
        CHECK (rights <@ ARRAY['company', 'insured', 'health', 'ij', 'documents', 'requests']::text[]),
    granted_by          bigint REFERENCES users (id) ON DELETE SET NULL,
    granted_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (structure_id, user_id)
);
CREATE UNIQUE INDEX structure_access_one_principal ON structure_access (structure_id) WHERE role = 'principal';
CREATE INDEX structure_access_user ON structure_access (user_id);

-- Only SHA-256 digests of session and CSRF tokens are stored.
CREATE TABLE sessions (
    token_hash          bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id             bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token_hash     bytea NOT NULL CHECK (length(csrf_token_hash) = 32),
    created_at          timestamptz NOT NULL DEFAULT now(),
    last_seen_at        timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz NOT NULL,
    client_ip           inet,
    user_agent          text CHECK (length(user_agent) <= 512)
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Append-only trail: who, what, when, from where, on which structure. Never NIR or health data.
CREATE TABLE audit_events (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at         timestamptz NOT NULL DEFAULT now(),
    actor_user_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    structure_id        bigint REFERENCES structures (id) ON DELETE SET NULL,
    action              text NOT NULL CHECK (action ~ '^[a-z_.]{1,64}$'),
    outcome             text NOT NULL DEFAULT 'success' CHECK (outcome IN ('success', 'failure')),
    client_ip           inet,
    request_id          text CHECK (length(request_id) <= 64),
    details             jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_structure ON audit_events (structure_id, occurred_at DESC) WHERE structure_id IS NOT NULL;
CREATE INDEX audit_events_actor ON audit_events (actor_user_id, occurred_at DESC);

CREATE FUNCTION audit_events_are_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
-- Grants alone would not stop the owner; the trigger does, for everyone.
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_are_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_are_append_only();

-- Transactional outbox: written in the same transaction as the action that sends the mail.
CREATE TABLE mail_outbox (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at          timestamptz NOT NULL DEFAULT now(),
    recipient           text NOT NULL CHECK (length(recipient) <= 254),
    subject             text NOT NULL CHECK (length(subject) <= 200),
    body_text           text NOT NULL,
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz,
    last_error          text
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';

-- Structures the current user may see, and those they administer. SECURITY DEFINER so that
-- policies can consult structure_access without recursing into its own policy.
CREATE FUNCTION portal_visible_structure_ids() RETURNS SETOF bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT structure_id FROM structure_access WHERE user_id = portal_current_user_id() $$;

CREATE FUNCTION portal_administered_structure_ids() RETURNS SETOF bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT structure_id FROM structure_access
          WHERE user_id = portal_current_user_id() AND role = 'principal' $$;

REVOKE ALL ON FUNCTION portal_visible_structure_ids(), portal_administered_structure_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portal_current_user_id(), portal_visible_structure_ids(), portal_administered_structure_ids()
    TO portal_app;

ALTER TABLE structures ENABLE ROW LEVEL SECURITY;
ALTER TABLE structures FORCE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE structure_access ENABLE ROW LEVEL SECURITY;
ALTER TABLE structure_access FORCE ROW LEVEL SECURITY;
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
ALTER TABLE mail_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_outbox FORCE ROW LEVEL SECURITY;

-- The owner (migrations, portalctl) works on every row; FORCE would otherwise bind it too.
CREATE POLICY owner_all ON structures TO portal_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON users TO portal_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON structure_access TO portal_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON sessions TO portal_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON audit_events TO portal_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON mail_outbox TO portal_owner USING (true) WITH CHECK (true);

-- portal_app: a structure is visible to its users only.
CREATE POLICY app_visible ON structures FOR SELECT TO portal_app
    USING (id IN (SELECT portal_visible_structure_ids()));

-- A user sees themself and the users of the structures they administer.
CREATE POLICY app_self_or_administered ON users FOR SELECT TO portal_app
    USING (id = portal_current_user_id()
           OR id IN (SELECT user_id FROM structure_access
                     WHERE structure_id IN (SELECT portal_administered_structure_ids())));
CREATE POLICY app_update_self ON users FOR UPDATE TO portal_app
    USING (id = portal_current_user_id()) WITH CHECK (id = portal_current_user_id());

-- Access rows: my own, and every row of the structures I administer (principals manage grants).
CREATE POLICY app_read ON structure_access FOR SELECT TO portal_app
    USING (user_id = portal_current_user_id() OR structure_id IN (SELECT portal_administered_structure_ids()));
CREATE POLICY app_manage ON structure_access FOR ALL TO portal_app
    USING (structure_id IN (SELECT portal_administered_structure_ids()) AND role = 'delegated')
    WITH CHECK (structure_id IN (SELECT portal_administered_structure_ids()) AND role = 'delegated');

CREATE POLICY app_own ON sessions FOR ALL TO portal_app
    USING (user_id = portal_current_user_id()) WITH CHECK (user_id = portal_current_user_id());

-- Audit: write as myself; read my own actions and those on structures I administer.
CREATE POLICY app_insert_own ON audit_events FOR INSERT TO portal_app
    WITH CHECK (actor_user_id IS NOT DISTINCT FROM portal_current_user_id());
CREATE POLICY app_read ON audit_events FOR SELECT TO portal_app
    USING (actor_user_id = portal_current_user_id() OR structure_id IN (SELECT portal_administered_structure_ids()));

-- Mail: the app only enqueues; delivery is the worker's job.
CREATE POLICY app_enqueue ON mail_outbox FOR INSERT TO portal_app WITH CHECK (true);
CREATE POLICY worker_deliver ON mail_outbox FOR ALL TO portal_worker USING (true) WITH CHECK (true);

GRANT SELECT ON structures TO portal_app;
GRANT SELECT, UPDATE (landline_phone, mobile_phone, job_title, default_structure_id) ON users TO portal_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON structure_access TO portal_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO portal_app;
GRANT SELECT, INSERT ON audit_events TO portal_app;
GRANT INSERT ON mail_outbox TO portal_app;
GRANT SELECT, UPDATE ON mail_outbox TO portal_worker;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC, portal_app, portal_worker, portal_report;
