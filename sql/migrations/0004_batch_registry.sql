-- OCSO batch files (issue: worker; spec ../shared/specs/ocso-batch-files.md).
-- Every file the worker processes gets one row in batch_files, loaded or rejected, with its
-- SHA-256; rejected items and files are listed in batch_rejects, queryable by operations and
-- DBAs. A batch_id is loaded at most once (partial unique index); the worker also serialises
-- loads of one batch_id with an advisory lock, so two workers on the same file never both load it.

CREATE TABLE batch_files (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL when the file was rejected before a valid header was read.
    batch_id            text CHECK (batch_id ~ '^[A-Za-z0-9_-]{1,32}$'),
    file_type           text CHECK (file_type IN ('IJ', 'AFF')),
    file_name           text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    sha256              bytea NOT NULL CHECK (length(sha256) = 32),
    size_bytes          bigint NOT NULL CHECK (size_bytes >= 0),
    sender              text,
    created_at          text,
    status              text NOT NULL CHECK (status IN ('loaded', 'rejected')),
    strict              boolean NOT NULL DEFAULT false,
    record_count        integer,
    items_loaded        integer NOT NULL DEFAULT 0,
    items_rejected      integer NOT NULL DEFAULT 0,
    reason              text,
    message             text,
    processed_at        timestamptz NOT NULL DEFAULT now(),
    duration_ms         integer
);
CREATE UNIQUE INDEX batch_files_loaded_once ON batch_files (batch_id) WHERE status = 'loaded';
CREATE INDEX batch_files_processed ON batch_files (processed_at DESC);

CREATE TABLE batch_rejects (
    batch_file_id       bigint NOT NULL REFERENCES batch_files (id) ON DELETE CASCADE,
    position            integer NOT NULL,
    line_number         integer,
    record_type         text,
    item_key            text,
    reason              text NOT NULL,
    message             text NOT NULL,
    -- The structure concerned, when known (for reports per structure).
    structure_id        bigint REFERENCES structures (id) ON DELETE SET NULL,
    PRIMARY KEY (batch_file_id, position)
);
CREATE INDEX batch_rejects_reason ON batch_rejects (reason);

ALTER TABLE batch_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE batch_files FORCE ROW LEVEL SECURITY;
ALTER TABLE batch_rejects ENABLE ROW LEVEL SECURITY;
ALTER TABLE batch_rejects FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON batch_files TO portal_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON batch_rejects TO portal_owner USING (true) WITH CHECK (true);
CREATE POLICY worker_all ON batch_files TO portal_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_all ON batch_rejects TO portal_worker USING (true) WITH CHECK (true);
-- Employers never see the registry: no policy and no grant for portal_app.
GRANT SELECT, INSERT, UPDATE ON batch_files, batch_rejects TO portal_worker;
-- The loader takes payment ids ahead of the insert (see IJMerge).
GRANT USAGE ON SEQUENCE ij_payments_id_seq TO portal_worker;
-- The worker resolves client numbers, SIRETs and matricules while loading.
GRANT SELECT ON structures TO portal_worker;
CREATE POLICY worker_read ON structures FOR SELECT TO portal_worker USING (true);
