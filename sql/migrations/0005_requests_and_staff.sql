-- Démarches (guide ch. 08) and the OCSO back-office that answers them (issue 6).
--
-- Staff. OCSO operations staff are rows of `users` with kind = 'staff' and the teams they work
-- in. They sign in through the same sessions as employers, but never hold structure_access (a
-- trigger refuses it, whoever writes), and the responder sends them to back-office endpoints
-- only. Teams are restricted: a staff member sees, answers and moves only the requests routed
-- to one of their teams; a member of several teams (a supervisor) is given each of them.
--
-- Requests. An employer's request (démarche) carries structure_id in its key like every tenant
-- table. Its category decides the OCSO team it is routed to (the routing lives with the
-- categories in Sources/Portal/Requests/RequestCategory.swift); the team is stored on the row.
-- Its history is append-only: request_events holds the status changes (the first one,
-- 'received', written with the request) and the staff's replies; request_attachments holds the
-- files sent with the request (event_id NULL) or with a reply. A request, its first event and
-- its attachments are written in one transaction by the responder.
--
-- Visibility (RLS, portal_app): employers see the requests of the structures they have access
-- to (which right they need is checked by the application, as for employer data); staff see
-- the requests of their teams. Events and attachments are visible exactly when their request
-- is (the policies ask `requests`, whose own policies apply).

ALTER TABLE users ADD COLUMN kind text NOT NULL DEFAULT 'employer' CHECK (kind IN ('employer', 'staff'));
ALTER TABLE users ADD COLUMN teams text[];
ALTER TABLE users ADD CONSTRAINT users_staff_teams CHECK (
    CASE kind
        WHEN 'staff' THEN teams IS NOT NULL AND cardinality(teams) >= 1
                          AND teams <@ ARRAY['employees', 'companies', 'benefits', 'contributions', 'customer_service']::text[]
        ELSE teams IS NULL
    END);

-- The teams of the current user if they are staff; NULL for employers (so every staff policy
-- is false for them). SECURITY DEFINER: portal_app reads users through RLS only.
CREATE FUNCTION portal_current_staff_teams() RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT teams FROM users WHERE id = portal_current_user_id() AND kind = 'staff' $$;
REVOKE ALL ON FUNCTION portal_current_staff_teams() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portal_current_staff_teams() TO portal_app;

-- Staff never get employer rights: refused at the table, whoever writes (a principal granting
-- a staff address, an operator by hand). SECURITY DEFINER because portal_app cannot see staff
-- rows of users.
CREATE FUNCTION structure_access_not_for_staff() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id AND kind = 'staff') THEN
        RAISE EXCEPTION 'staff accounts cannot be given access to structures'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'structure_access_not_for_staff';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER structure_access_not_for_staff BEFORE INSERT OR UPDATE OF user_id ON structure_access
    FOR EACH ROW EXECUTE FUNCTION structure_access_not_for_staff();

CREATE FUNCTION users_staff_without_structures() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.kind = 'staff' AND EXISTS (SELECT 1 FROM structure_access WHERE user_id = NEW.id) THEN
        RAISE EXCEPTION 'a user with access to structures cannot become staff'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'users_staff_without_structures';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER users_staff_without_structures BEFORE UPDATE OF kind ON users
    FOR EACH ROW EXECUTE FUNCTION users_staff_without_structures();

-- The session lookup now also says which kind of account it is, so the responder can keep
-- staff and employers on their own endpoints without another round trip. Same steps as 0002.
DROP FUNCTION auth_resolve_session(bytea, integer);
CREATE FUNCTION auth_resolve_session(p_token_hash bytea, p_idle_seconds integer)
    RETURNS TABLE (user_id bigint, csrf_token_hash bytea, must_change_password boolean, expires_at timestamptz, kind text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v record;
BEGIN
    SELECT s.user_id, s.csrf_token_hash, u.must_change_password, s.expires_at, s.last_seen_at, u.kind INTO v
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
    kind := v.kind;
    RETURN NEXT;
END
$$;
REVOKE ALL ON FUNCTION auth_resolve_session(bytea, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_resolve_session(bytea, integer) TO portal_app;

-- ---------------------------------------------------------------------------------------------
-- Requests

CREATE TABLE requests (
    structure_id        bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    category            text NOT NULL CHECK (category IN ('enrolment', 'portability', 'employee_exit', 'employee_address',
                                                          'company_details', 'sick_leave', 'contributions', 'question')),
    team                text NOT NULL CHECK (team IN ('employees', 'companies', 'benefits', 'contributions', 'customer_service')),
    subject             text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    -- Optional when files are attached (the application requires one or the other).
    message             text CHECK (length(message) BETWEEN 1 AND 10000),
    status              text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'in_progress', 'done')),
    created_by          bigint REFERENCES users (id) ON DELETE SET NULL,
    -- The sender's name when they sent it, shown to everyone who sees the request.
    created_by_name     text NOT NULL CHECK (length(created_by_name) BETWEEN 1 AND 201),
    created_at          timestamptz NOT NULL DEFAULT now(),
    -- Last activity (reply or status change).
    updated_at          timestamptz NOT NULL DEFAULT now(),
    status_changed_at   timestamptz NOT NULL DEFAULT now(),
    status_changed_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (structure_id, id)
);
-- "Mes dernières démarches": a structure's requests, newest first.
CREATE INDEX requests_structure_recent ON requests (structure_id, created_at DESC, id DESC);
-- The back-office queue of a team, by status.
CREATE INDEX requests_team_queue ON requests (team, status, created_at DESC, id DESC);
-- Back-office paths carry the request id alone (unique by identity; not a unique index, which
-- would have to include structure_id once distributed).
CREATE INDEX requests_id ON requests (id);

-- received → in_progress → done, never backwards nor skipping a step, whoever writes.
CREATE FUNCTION requests_status_moves_forward() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status
       AND NOT ((OLD.status = 'received' AND NEW.status = 'in_progress')
                OR (OLD.status = 'in_progress' AND NEW.status = 'done')) THEN
        RAISE EXCEPTION 'request status cannot go from % to %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'requests_status_moves_forward';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER requests_status_moves_forward BEFORE UPDATE OF status ON requests
    FOR EACH ROW EXECUTE FUNCTION requests_status_moves_forward();

CREATE TABLE request_events (
    structure_id        bigint NOT NULL,
    request_id          bigint NOT NULL,
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    kind                text NOT NULL CHECK (kind IN ('status', 'reply')),
    -- The status reached, for status events.
    status              text CHECK (status IN ('received', 'in_progress', 'done')),
    -- The text of a reply.
    body                text CHECK (length(body) BETWEEN 1 AND 10000),
    author_id           bigint REFERENCES users (id) ON DELETE SET NULL,
    author_name         text NOT NULL CHECK (length(author_name) BETWEEN 1 AND 201),
    author_kind         text NOT NULL CHECK (author_kind IN ('employer', 'staff')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (structure_id, request_id, id),
    FOREIGN KEY (structure_id, request_id) REFERENCES requests (structure_id, id) ON DELETE CASCADE,
    CHECK (CASE kind WHEN 'status' THEN status IS NOT NULL AND body IS NULL
                     ELSE status IS NULL AND body IS NOT NULL AND author_kind = 'staff' END)
);

CREATE TABLE request_attachments (
    structure_id        bigint NOT NULL,
    request_id          bigint NOT NULL,
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    -- The reply that carried the file; NULL for the files sent with the request.
    event_id            bigint,
    -- Sanitised by the application: no path, no control character, at most 200 characters.
    file_name           text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200 AND file_name !~ '[/\\[:cntrl:]]'
                                             AND file_name NOT IN ('.', '..')),
    -- Detected from the content, never taken from the client; the magic bytes are checked again here.
    content_type        text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    content             bytea NOT NULL CHECK (length(content) BETWEEN 1 AND 10485760),
    size                integer GENERATED ALWAYS AS (length(content)) STORED,
    sha256              bytea GENERATED ALWAYS AS (sha256(content)) STORED,
    uploaded_by         bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (structure_id, request_id, id),
    FOREIGN KEY (structure_id, request_id) REFERENCES requests (structure_id, id) ON DELETE CASCADE,
    FOREIGN KEY (structure_id, request_id, event_id) REFERENCES request_events (structure_id, request_id, id) ON DELETE CASCADE,
    CHECK (CASE content_type
               WHEN 'application/pdf' THEN substring(content FROM 1 FOR 5) = '\x255044462d'::bytea
               WHEN 'image/jpeg' THEN substring(content FROM 1 FOR 3) = '\xffd8ff'::bytea
               WHEN 'image/png' THEN substring(content FROM 1 FOR 8) = '\x89504e470d0a1a0a'::bytea
           END)
);
-- PDF, JPEG and PNG are compressed already: store them out of line without trying again.
ALTER TABLE request_attachments ALTER COLUMN content SET STORAGE EXTERNAL;

-- Who published and withdrew news (the audit trail has the rest).
ALTER TABLE news ADD COLUMN published_by bigint REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE news ADD COLUMN withdrawn_by bigint REFERENCES users (id) ON DELETE SET NULL;

-- ---------------------------------------------------------------------------------------------
-- Row-level security

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['requests', 'request_events', 'request_attachments'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY owner_all ON %I TO portal_owner USING (true) WITH CHECK (true)', t);
        EXECUTE format('CREATE POLICY worker_all ON %I TO portal_worker USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;

-- Employers: the requests of their structures; they send requests as themselves.
CREATE POLICY app_employer_read ON requests FOR SELECT TO portal_app
    USING (structure_id IN (SELECT portal_visible_structure_ids()));
CREATE POLICY app_employer_submit ON requests FOR INSERT TO portal_app
    WITH CHECK (structure_id IN (SELECT portal_visible_structure_ids())
                AND created_by = portal_current_user_id() AND status = 'received');
-- Staff: the requests routed to their teams, whose status they move.
CREATE POLICY app_staff_read ON requests FOR SELECT TO portal_app
    USING (team = ANY ((SELECT portal_current_staff_teams())::text[]));
CREATE POLICY app_staff_update ON requests FOR UPDATE TO portal_app
    USING (team = ANY ((SELECT portal_current_staff_teams())::text[]))
    WITH CHECK (team = ANY ((SELECT portal_current_staff_teams())::text[]));

-- Events and attachments: visible with their request.
CREATE POLICY app_read ON request_events FOR SELECT TO portal_app
    USING (EXISTS (SELECT 1 FROM requests r WHERE r.structure_id = request_events.structure_id AND r.id = request_events.request_id));
CREATE POLICY app_read ON request_attachments FOR SELECT TO portal_app
    USING (EXISTS (SELECT 1 FROM requests r WHERE r.structure_id = request_attachments.structure_id
                                              AND r.id = request_attachments.request_id));
-- The sender writes the first event ('received') and the files of their own request.
CREATE POLICY app_employer_write ON request_events FOR INSERT TO portal_app
    WITH CHECK (author_id = portal_current_user_id() AND author_kind = 'employer' AND kind = 'status' AND status = 'received'
                AND EXISTS (SELECT 1 FROM requests r WHERE r.structure_id = request_events.structure_id
                                                       AND r.id = request_events.request_id
                                                       AND r.created_by = portal_current_user_id()));
CREATE POLICY app_employer_write ON request_attachments FOR INSERT TO portal_app
    WITH CHECK (uploaded_by = portal_current_user_id() AND event_id IS NULL
                AND EXISTS (SELECT 1 FROM requests r WHERE r.structure_id = request_attachments.structure_id
                                                       AND r.id = request_attachments.request_id
                                                       AND r.created_by = portal_current_user_id()));
-- Staff write replies, status events and reply files on their teams' requests.
CREATE POLICY app_staff_write ON request_events FOR INSERT TO portal_app
    WITH CHECK (author_id = portal_current_user_id() AND author_kind = 'staff'
                AND EXISTS (SELECT 1 FROM requests r WHERE r.structure_id = request_events.structure_id
                                                       AND r.id = request_events.request_id
                                                       AND r.team = ANY ((SELECT portal_current_staff_teams())::text[])));
CREATE POLICY app_staff_write ON request_attachments FOR INSERT TO portal_app
    WITH CHECK (uploaded_by = portal_current_user_id() AND event_id IS NOT NULL
                AND EXISTS (SELECT 1 FROM requests r WHERE r.structure_id = request_attachments.structure_id
                                                       AND r.id = request_attachments.request_id
                                                       AND r.team = ANY ((SELECT portal_current_staff_teams())::text[])));

-- Staff see the structures and the senders of their teams' requests (names, client numbers, the
-- address a reply is mailed to) and nothing else of them.
CREATE POLICY app_staff_request_structures ON structures FOR SELECT TO portal_app
    USING ((SELECT portal_current_staff_teams()) IS NOT NULL AND id IN (SELECT structure_id FROM requests));
CREATE POLICY app_staff_requesters ON users FOR SELECT TO portal_app
    USING ((SELECT portal_current_staff_teams()) IS NOT NULL AND id IN (SELECT created_by FROM requests));

-- Staff publish and withdraw news, and see the withdrawn ones too.
CREATE POLICY app_staff_read ON news FOR SELECT TO portal_app
    USING ((SELECT portal_current_staff_teams()) IS NOT NULL);
CREATE POLICY app_staff_publish ON news FOR INSERT TO portal_app
    WITH CHECK ((SELECT portal_current_staff_teams()) IS NOT NULL AND published_by = portal_current_user_id()
                AND withdrawn_at IS NULL);
CREATE POLICY app_staff_withdraw ON news FOR UPDATE TO portal_app
    USING ((SELECT portal_current_staff_teams()) IS NOT NULL)
    WITH CHECK ((SELECT portal_current_staff_teams()) IS NOT NULL AND withdrawn_by = portal_current_user_id());

-- The history is append-only for the application: no UPDATE or DELETE on events and files, and
-- on requests only the columns a status change or a reply moves.
GRANT SELECT, INSERT ON requests, request_events, request_attachments TO portal_app;
GRANT UPDATE (status, updated_at, status_changed_at, status_changed_by) ON requests TO portal_app;
GRANT SELECT ON requests, request_events, request_attachments TO portal_worker;
GRANT INSERT (title, body, published_by), UPDATE (withdrawn_at, withdrawn_by) ON news TO portal_app;
