-- The row-level security policies call these helpers once per statement and per table they guard.
-- As SQL functions that PostgreSQL cannot inline (SECURITY DEFINER, set-returning or not), their
-- body was parsed and planned again on every call: perf on the backends serving the portal's API
-- put a third of their CPU under those calls (docs/performance.md, step 10). In PL/pgSQL the
-- body's plan is prepared once per session and reused. Same owner, grants, results and
-- SECURITY DEFINER reasons as in 0001 and 0005.

CREATE OR REPLACE FUNCTION portal_visible_structure_ids() RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ BEGIN
        RETURN QUERY SELECT structure_id FROM structure_access WHERE user_id = portal_current_user_id();
    END $$;

CREATE OR REPLACE FUNCTION portal_administered_structure_ids() RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ BEGIN
        RETURN QUERY SELECT structure_id FROM structure_access WHERE user_id = portal_current_user_id() AND role = 'principal';
    END $$;

CREATE OR REPLACE FUNCTION portal_current_staff_teams() RETURNS text[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ BEGIN
        RETURN (SELECT teams FROM users WHERE id = portal_current_user_id() AND kind = 'staff');
    END $$;
