-- Accounts, sessions and administration (issue: accounts and per-structure access).
--
-- Before the user is known (sign-up, login, password reset, session lookup) portal_app cannot
-- read users or sessions through RLS. It goes through the narrow SECURITY DEFINER functions
-- below, each doing one step and returning only what that step needs. Once the user is known,
-- the request sets app.user_id and everything else goes through the ordinary RLS policies.

-- Failed logins are counted per e-mail address, whether or not an account exists, so that the
-- lockout (429) does not reveal which addresses have accounts.
CREATE TABLE login_throttle (
    email               text PRIMARY KEY CHECK (length(email) <= 254),
    failures            integer NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    last_failure_at     timestamptz NOT NULL DEFAULT now()
);

-- Every check of the three security fields (sign-up, attaching a structure), for throttling.
CREATE TABLE security_code_attempts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_number       text NOT NULL CHECK (length(client_number) <= 32),
    attempted_at        timestamptz NOT NULL DEFAULT now(),
    client_ip           inet,
    succeeded           boolean NOT NULL
);
CREATE INDEX security_code_attempts_recent ON security_code_attempts (client_number, attempted_at DESC);

CREATE TABLE password_resets (
    token_hash          bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id             bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at          timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz NOT NULL,
    used_at             timestamptz
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- 'sending' marks a message handed to delivery: never retried automatically, so never sent twice.
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_status_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_status_check CHECK (status IN ('pending', 'sending', 'sent', 'failed'));
ALTER TABLE mail_outbox ADD COLUMN claimed_at timestamptz;

ALTER TABLE login_throttle ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_throttle FORCE ROW LEVEL SECURITY;
ALTER TABLE security_code_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE security_code_attempts FORCE ROW LEVEL SECURITY;
ALTER TABLE password_resets ENABLE ROW LEVEL SECURITY;
ALTER TABLE password_resets FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON login_throttle TO portal_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON security_code_attempts TO portal_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON password_resets TO portal_owner USING (true) WITH CHECK (true);
-- No policy for portal_app on these three: it only reaches them through the functions below.

-- ---------------------------------------------------------------------------------------------
-- Login

-- The account behind an address (if any) and, if the address is locked, seconds until it unlocks.
CREATE FUNCTION auth_login_candidate(p_email text)
    RETURNS TABLE (user_id bigint, password_hash text, locked_seconds integer)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.id, u.password_hash,
           CASE WHEN t.locked_until > now() THEN ceil(extract(epoch FROM t.locked_until - now()))::integer END
    FROM (SELECT p_email AS email) e
    LEFT JOIN users u ON u.email = e.email
    LEFT JOIN login_throttle t ON t.email = e.email
$$;

-- Counts a failure for the address; from the p_threshold-th on, locks it for p_base_seconds,
-- doubling with each further failure, capped at p_max_seconds. Returns the lock's length, if any.
CREATE FUNCTION auth_register_login_failure(p_email text, p_threshold integer, p_base_seconds integer, p_max_seconds integer)
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_failures integer;
    v_seconds integer;
BEGIN
    INSERT INTO login_throttle AS t (email, failures, last_failure_at) VALUES (p_email, 1, now())
    ON CONFLICT (email) DO UPDATE SET failures = t.failures + 1, last_failure_at = now()
    RETURNING failures INTO v_failures;
    IF v_failures >= p_threshold THEN
        v_seconds := least(p_max_seconds::bigint, p_base_seconds * power(2, least(v_failures - p_threshold, 20))::bigint);
        UPDATE login_throttle SET locked_until = now() + make_interval(secs => v_seconds) WHERE email = p_email;
    END IF;
    RETURN v_seconds;
END
$$;

CREATE FUNCTION auth_register_login_success(p_email text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DELETE FROM login_throttle WHERE email = p_email
$$;

-- ---------------------------------------------------------------------------------------------
-- Sessions

-- The live session behind a token digest, touched at most once a minute. Sets app.user_id for
-- the rest of the transaction, so the lookup and the first query share one round trip.
CREATE FUNCTION auth_resolve_session(p_token_hash bytea, p_idle_seconds integer)
    RETURNS TABLE (user_id bigint, csrf_token_hash bytea, must_change_password boolean, expires_at timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v record;
BEGIN
    SELECT s.user_id, s.csrf_token_hash, u.must_change_password, s.expires_at, s.last_seen_at INTO v
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = p_token_hash AND s.expires_at > now()
      AND s.last_seen_at > now() - make_interval(secs => p_idle_seconds);
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF v.last_seen_at < now() - interval '1 minute' THEN
        UPDATE sessions SET last_seen_at = now() WHERE token_hash = p_token_hash;
    END IF;
    PERFORM set_config('app.user_id', v.user_id::text, true);
    user_id := v.user_id;
    csrf_token_hash := v.csrf_token_hash;
    must_change_password := v.must_change_password;
    expires_at := v.expires_at;
    RETURN NEXT;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Passwords (acting on the current user, app.user_id)

CREATE FUNCTION auth_set_password(p_password_hash text, p_must_change boolean) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE users SET password_hash = p_password_hash, must_change_password = p_must_change,
                     password_changed_at = now()
    WHERE id = portal_current_user_id()
$$;

CREATE FUNCTION auth_current_password_hash() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT password_hash FROM users WHERE id = portal_current_user_id()
$$;

-- Creates a reset token for the address if it has an account, with its mail in the outbox.
-- Does the same amount of work either way and returns nothing: the caller cannot tell.
CREATE FUNCTION auth_request_password_reset(p_email text, p_token_hash bytea, p_ttl_seconds integer,
                                            p_subject text, p_body text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_user bigint;
BEGIN
    SELECT id INTO v_user FROM users WHERE email = p_email;
    IF v_user IS NOT NULL THEN
        INSERT INTO password_resets (token_hash, user_id, expires_at)
        VALUES (p_token_hash, v_user, now() + make_interval(secs => p_ttl_seconds));
        INSERT INTO mail_outbox (recipient, subject, body_text) VALUES (p_email, p_subject, p_body);
    END IF;
END
$$;

-- Consumes a reset token: single use, unexpired. Returns the user and sets app.user_id.
CREATE FUNCTION auth_consume_password_reset(p_token_hash bytea) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_user bigint;
BEGIN
    UPDATE password_resets SET used_at = now()
    WHERE token_hash = p_token_hash AND used_at IS NULL AND expires_at > now()
    RETURNING user_id INTO v_user;
    IF v_user IS NOT NULL THEN
        PERFORM set_config('app.user_id', v_user::text, true);
    END IF;
    RETURN v_user;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Security fields (sign-up and attaching a structure)

-- Failed checks for this client number in the last p_window_seconds.
CREATE FUNCTION auth_recent_security_failures(p_client_number text, p_window_seconds integer) RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT count(*)::integer FROM security_code_attempts
    WHERE client_number = p_client_number AND NOT succeeded
      AND attempted_at > now() - make_interval(secs => p_window_seconds)
$$;

CREATE FUNCTION auth_record_security_attempt(p_client_number text, p_ip inet, p_succeeded boolean) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO security_code_attempts (client_number, client_ip, succeeded) VALUES (p_client_number, p_ip, p_succeeded)
$$;

-- The structure matching a client number and SIREN, with what is needed to check its code.
CREATE FUNCTION auth_structure_candidate(p_client_number text, p_siren text)
    RETURNS TABLE (structure_id bigint, security_code_hash text, has_principal boolean)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT s.id, s.security_code_hash,
           EXISTS (SELECT 1 FROM structure_access a WHERE a.structure_id = s.id AND a.role = 'principal')
    FROM structures s WHERE s.client_number = p_client_number AND s.siren = p_siren
$$;

-- True when this transaction recorded a successful check of the structure's security fields:
-- the two functions below refuse to work without one, so even a compromised app role cannot
-- become principal of a structure without its security code.
CREATE FUNCTION auth_security_check_passed(p_structure_id bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM security_code_attempts a JOIN structures s ON s.client_number = a.client_number
                   WHERE s.id = p_structure_id AND a.succeeded AND a.attempted_at = now())
$$;

-- Sign-up: a new user becomes the structure's principal. Returns NULL when the address already
-- has an account (the caller then mails that address instead of revealing it).
CREATE FUNCTION auth_create_principal(p_structure_id bigint, p_email text, p_last_name text, p_first_name text,
                                      p_landline text, p_mobile text, p_job_title text, p_password_hash text)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_user bigint;
BEGIN
    IF NOT auth_security_check_passed(p_structure_id) THEN
        RAISE EXCEPTION 'security fields not checked' USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO users (email, last_name, first_name, landline_phone, mobile_phone, job_title, password_hash,
                       must_change_password, default_structure_id, email_consent_at)
    VALUES (p_email, p_last_name, p_first_name, p_landline, p_mobile, p_job_title, p_password_hash, true,
            p_structure_id, now())
    ON CONFLICT (email) DO NOTHING
    RETURNING id INTO v_user;
    IF v_user IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO structure_access (structure_id, user_id, role, rights, granted_by)
    VALUES (p_structure_id, v_user, 'principal', ARRAY['company', 'insured', 'health', 'ij', 'documents', 'requests'], v_user);
    PERFORM set_config('app.user_id', v_user::text, true);
    RETURN v_user;
END
$$;

-- A principal attaches another structure (after the security fields were checked).
CREATE FUNCTION auth_attach_structure(p_structure_id bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF portal_current_user_id() IS NULL OR NOT auth_security_check_passed(p_structure_id) THEN
        RAISE EXCEPTION 'security fields not checked' USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO structure_access (structure_id, user_id, role, rights, granted_by)
    VALUES (p_structure_id, portal_current_user_id(), 'principal',
            ARRAY['company', 'insured', 'health', 'ij', 'documents', 'requests'], portal_current_user_id())
    ON CONFLICT (structure_id, user_id) DO UPDATE
        SET role = 'principal', rights = EXCLUDED.rights, granted_by = EXCLUDED.granted_by, granted_at = now();
END
$$;

-- A principal creates a delegated user, or finds the existing account of that address.
-- Refused unless the caller administers at least one structure.
CREATE FUNCTION admin_create_or_find_user(p_email text, p_last_name text, p_first_name text,
                                          p_landline text, p_mobile text, p_job_title text, p_password_hash text)
    RETURNS TABLE (user_id bigint, created boolean)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM structure_access sa
                   WHERE sa.user_id = portal_current_user_id() AND sa.role = 'principal') THEN
        RAISE EXCEPTION 'only a principal user may create users' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY
    INSERT INTO users AS u (email, last_name, first_name, landline_phone, mobile_phone, job_title, password_hash, must_change_password)
    VALUES (p_email, p_last_name, p_first_name, p_landline, p_mobile, p_job_title, p_password_hash, true)
    ON CONFLICT (email) DO NOTHING
    RETURNING u.id, true;
    IF NOT FOUND THEN
        RETURN QUERY SELECT u.id, false FROM users u WHERE u.email = p_email;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION auth_security_check_passed(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION auth_login_candidate(text), auth_register_login_failure(text, integer, integer, integer),
    auth_register_login_success(text), auth_resolve_session(bytea, integer), auth_set_password(text, boolean),
    auth_current_password_hash(), auth_request_password_reset(text, bytea, integer, text, text),
    auth_consume_password_reset(bytea), auth_recent_security_failures(text, integer),
    auth_record_security_attempt(text, inet, boolean), auth_structure_candidate(text, text),
    auth_create_principal(bigint, text, text, text, text, text, text, text), auth_attach_structure(bigint),
    admin_create_or_find_user(text, text, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_candidate(text), auth_register_login_failure(text, integer, integer, integer),
    auth_register_login_success(text), auth_resolve_session(bytea, integer), auth_set_password(text, boolean),
    auth_current_password_hash(), auth_request_password_reset(text, bytea, integer, text, text),
    auth_consume_password_reset(bytea), auth_recent_security_failures(text, integer),
    auth_record_security_attempt(text, inet, boolean), auth_structure_candidate(text, text),
    auth_create_principal(bigint, text, text, text, text, text, text, text), auth_attach_structure(bigint),
    admin_create_or_find_user(text, text, text, text, text, text, text) TO portal_app;

-- Sessions are created by the app as the user (app.user_id set); it may also end its own.
-- Mail is enqueued by the app in the same transaction as the action.
