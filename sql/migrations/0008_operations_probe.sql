-- What /metrics reports about the rest of the system: the mail outbox backlog and the latest batch
-- file of each type. The responder's role may only insert into the outbox and cannot see the batch
-- registry; rather than giving the responder another role's credentials, these two functions hand
-- it aggregates only (counts, ages, outcomes; no address, subject, file name or reason).

CREATE FUNCTION portal_mail_outbox_backlog(OUT pending bigint, OUT oldest_pending_seconds double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    -- The partial index mail_outbox_due holds exactly the pending rows.
    SELECT count(*), extract(epoch FROM now() - min(created_at))::float8 FROM mail_outbox WHERE status = 'pending'
$$;

-- One row per file type ('unknown' for a file refused before its header was read), for the types
-- seen at least once: one backward walk of batch_files_processed per type.
CREATE FUNCTION portal_last_batches()
RETURNS TABLE (file_type text, status text, items_loaded integer, items_rejected integer, processed_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.label, b.status, b.items_loaded, b.items_rejected, b.processed_at
    FROM unnest(ARRAY['AFF', 'IJ', 'unknown']) AS t(label)
    CROSS JOIN LATERAL (
        SELECT f.status, f.items_loaded, f.items_rejected, f.processed_at FROM batch_files f
        WHERE coalesce(f.file_type, 'unknown') = t.label
        ORDER BY f.processed_at DESC LIMIT 1) AS b
    ORDER BY t.label
$$;

REVOKE ALL ON FUNCTION portal_mail_outbox_backlog(), portal_last_batches() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portal_mail_outbox_backlog(), portal_last_batches() TO portal_app;
