-- Fresh planner statistics after each batch load.
--
-- A nightly file can bring thousands of rows for a structure the statistics have never seen.
-- Autovacuum analyzes a table only after a tenth of it has changed, which may take days on a
-- large table. Until then the planner estimates one row for that structure. A join of two such
-- one-row estimates can become a nested loop that rescans the whole structure for every person.
-- Measured on the insured list: 1.2 s instead of 5 ms per page for 5,000 people, quadratic in
-- their number. The worker calls this function once its file has committed, for the tables that
-- this kind of file writes.
--
-- ANALYZE needs the tables' owner, so the function runs as portal_owner (SECURITY DEFINER). It
-- takes only a file type, so the worker cannot choose what to analyze.

CREATE FUNCTION analyze_after_batch(file_type text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ BEGIN
        CASE file_type
            WHEN 'IJ' THEN ANALYZE ij_payments, ij_payment_lines;
            WHEN 'AFF' THEN ANALYZE contracts, guarantees, insured_people, affiliations, beneficiaries;
            ELSE RAISE EXCEPTION 'unknown batch file type %', file_type USING ERRCODE = 'invalid_parameter_value';
        END CASE;
    END $$;

REVOKE ALL ON FUNCTION analyze_after_batch(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analyze_after_batch(text) TO portal_worker;
