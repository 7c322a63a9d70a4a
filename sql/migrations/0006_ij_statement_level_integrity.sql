-- Referential integrity of the IJ tables, checked once per statement instead of once per row.
--
-- The nightly batch inserts hundreds of thousands of payments and lines in one INSERT ... SELECT.
-- PostgreSQL checks a FOREIGN KEY with one query and one row lock per inserted row: on a
-- 1,000,000-line file that was more than half of the load (scripts/bench.sh --only ingest). These
-- triggers give the same guarantees with a few set-based queries per statement, through
-- transition tables:
--
--   ij_payments (structure_id)                  -> structures (id)             ON DELETE CASCADE
--   ij_payment_lines (structure_id, payment_id) -> ij_payments (structure_id, id) ON DELETE CASCADE
--   ij_payment_lines (structure_id, insured_id) -> insured_people (structure_id, id) ON DELETE NO ACTION
--
-- Like a foreign key, a check locks the parents it relies on FOR KEY SHARE (once per parent, not
-- per row), so no other transaction can delete them before this one commits. Referenced keys
-- never change (refuse_referenced_key_change). Everything else keeps its ordinary foreign keys.
-- The functions are SECURITY DEFINER (owner: portal_owner, who sees every row through its
-- owner_all policies): a check must not be blinded by the row-level security of its caller.

ALTER TABLE ij_payments DROP CONSTRAINT ij_payments_structure_id_fkey;
ALTER TABLE ij_payment_lines DROP CONSTRAINT ij_payment_lines_structure_id_payment_id_fkey,
                             DROP CONSTRAINT ij_payment_lines_structure_id_insured_id_fkey;

CREATE FUNCTION ij_payments_check_structures() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    missing bigint;
BEGIN
    PERFORM 1 FROM structures s WHERE s.id IN (SELECT structure_id FROM new_rows) FOR KEY SHARE;
    SELECT n.structure_id INTO missing FROM new_rows n
        WHERE NOT EXISTS (SELECT 1 FROM structures s WHERE s.id = n.structure_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "ij_payments" violates its reference to "structures"'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (structure_id)=(%s) is not present in table "structures".', missing);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ij_payments_structures_on_insert AFTER INSERT ON ij_payments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ij_payments_check_structures();
CREATE TRIGGER ij_payments_structures_on_update AFTER UPDATE ON ij_payments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ij_payments_check_structures();

CREATE FUNCTION ij_payment_lines_check_parents() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    parent text;
    reference text;
    complete boolean;
    missing record;
BEGIN
    FOR parent, reference IN VALUES ('ij_payments', 'payment_id'), ('insured_people', 'insured_id') LOOP
        -- Lock the referenced parents; fewer locked than referenced means one is missing.
        EXECUTE format($q$
            SELECT (SELECT count(*) FROM (SELECT 1 FROM %1$I p WHERE (p.structure_id, p.id) IN
                                              (SELECT structure_id, %2$I FROM new_rows) FOR KEY SHARE) locked)
                 = (SELECT count(*) FROM (SELECT DISTINCT structure_id, %2$I FROM new_rows) referenced)
            $q$, parent, reference) INTO complete;
        CONTINUE WHEN complete;
        EXECUTE format($q$
            SELECT n.structure_id, n.%2$I AS id FROM new_rows n
            WHERE NOT EXISTS (SELECT 1 FROM %1$I p WHERE p.structure_id = n.structure_id AND p.id = n.%2$I) LIMIT 1
            $q$, parent, reference) INTO missing;
        RAISE EXCEPTION 'insert or update on table "ij_payment_lines" violates its reference to "%"', parent
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (structure_id, %s)=(%s, %s) is not present in table "%s".',
                                  reference, missing.structure_id, missing.id, parent);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER ij_payment_lines_parents_on_insert AFTER INSERT ON ij_payment_lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ij_payment_lines_check_parents();
CREATE TRIGGER ij_payment_lines_parents_on_update AFTER UPDATE ON ij_payment_lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ij_payment_lines_check_parents();

-- ON DELETE CASCADE, structures -> ij_payments -> ij_payment_lines.
CREATE FUNCTION structures_delete_ij_payments() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM ij_payments p USING old_rows o WHERE p.structure_id = o.id;
    RETURN NULL;
END $$;

CREATE TRIGGER structures_cascade_ij_payments AFTER DELETE ON structures
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION structures_delete_ij_payments();

CREATE FUNCTION ij_payments_delete_lines() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM ij_payment_lines l USING old_rows o WHERE l.structure_id = o.structure_id AND l.payment_id = o.id;
    RETURN NULL;
END $$;

CREATE TRIGGER ij_payments_cascade_lines AFTER DELETE ON ij_payments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ij_payments_delete_lines();

-- ON DELETE NO ACTION, insured_people <- ij_payment_lines. Lines of a structure deleted earlier in
-- this transaction are left to the cascade above: deleting a structure cascades to its insured
-- people (foreign key, row by row) before its statement-level cascade reaches the IJ tables.
CREATE FUNCTION insured_people_refuse_delete_with_ij_lines() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    kept record;
BEGIN
    SELECT o.structure_id, o.id INTO kept FROM old_rows o
        WHERE EXISTS (SELECT 1 FROM ij_payment_lines l WHERE l.structure_id = o.structure_id AND l.insured_id = o.id)
          AND EXISTS (SELECT 1 FROM structures s WHERE s.id = o.structure_id)
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'update or delete on table "insured_people" violates a reference from "ij_payment_lines"'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (structure_id, id)=(%s, %s) is still referenced from table "ij_payment_lines".',
                                  kept.structure_id, kept.id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER insured_people_keep_ij_lines AFTER DELETE ON insured_people
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION insured_people_refuse_delete_with_ij_lines();

-- What a foreign key also guarantees: the referenced key does not change under its children.
CREATE FUNCTION refuse_referenced_key_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the key of table "%" cannot change: IJ rows refer to it', TG_TABLE_NAME
        USING ERRCODE = 'foreign_key_violation';
END $$;

CREATE TRIGGER structures_key_is_stable BEFORE UPDATE OF id ON structures
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION refuse_referenced_key_change();
CREATE TRIGGER insured_people_key_is_stable BEFORE UPDATE OF structure_id, id ON insured_people
    FOR EACH ROW WHEN (OLD.structure_id IS DISTINCT FROM NEW.structure_id OR OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION refuse_referenced_key_change();
CREATE TRIGGER ij_payments_key_is_stable BEFORE UPDATE OF structure_id, id ON ij_payments
    FOR EACH ROW WHEN (OLD.structure_id IS DISTINCT FROM NEW.structure_id OR OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION refuse_referenced_key_change();

REVOKE ALL ON FUNCTION ij_payments_check_structures(), ij_payment_lines_check_parents(), structures_delete_ij_payments(),
                       ij_payments_delete_lines(), insured_people_refuse_delete_with_ij_lines(), refuse_referenced_key_change()
    FROM PUBLIC;
