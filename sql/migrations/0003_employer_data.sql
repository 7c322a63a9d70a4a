-- Employer data (guide ch. 03 to 07): contracts and guarantees, insured people with their
-- affiliations and beneficiaries, IJ payments and their lines, documents, blank forms, news.
--
-- Every tenant table carries structure_id in its primary key (ready to be distributed by
-- structure), has row-level security enabled and forced, and lets portal_app read only the
-- structures the current user (app.user_id) has access to. Which rights a user has on a
-- structure is checked by the application; RLS guarantees the structure boundary.
-- Natural keys of OCSO's batch files (contract_ref, matricule, payment_ref) are unique per
-- structure here; the loader keeps contract and payment references unique across structures.

CREATE TABLE contracts (
    structure_id        bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    contract_ref        text NOT NULL CHECK (contract_ref ~ '^[A-Za-z0-9_-]{1,32}$'),
    kind                text NOT NULL CHECK (kind IN ('PREVOYANCE', 'SANTE')),
    college             text NOT NULL CHECK (length(college) BETWEEN 1 AND 200),
    dsn_reference       text NOT NULL CHECK (length(dsn_reference) BETWEEN 1 AND 64),
    start_date          date NOT NULL,
    end_date            date CHECK (end_date >= start_date),
    -- Only contracts OCSO received signed are shown to the employer (guide ch. 04).
    signed              boolean NOT NULL DEFAULT true,
    PRIMARY KEY (structure_id, id),
    UNIQUE (structure_id, contract_ref)
);

CREATE TABLE guarantees (
    structure_id        bigint NOT NULL,
    contract_id         bigint NOT NULL,
    code                text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
    label               text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    periodicity         text NOT NULL CHECK (length(periodicity) BETWEEN 1 AND 64),
    payment_mode        text NOT NULL CHECK (length(payment_mode) BETWEEN 1 AND 64),
    PRIMARY KEY (structure_id, contract_id, code),
    FOREIGN KEY (structure_id, contract_id) REFERENCES contracts (structure_id, id) ON DELETE CASCADE
);

CREATE TABLE insured_people (
    structure_id        bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    matricule           text NOT NULL CHECK (matricule ~ '^[0-9A-Z]{1,20}$'),
    last_name           text NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
    first_name          text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    -- Health data: shown only with the `health` right, never logged, never in reports.
    nir                 text CHECK (nir ~ '^[1-478][0-9]{2}[0-9]{2}(2A|2B|[0-9]{2})[0-9]{6}[0-9]{2}$'),
    birth_date          date,
    address_line        text CHECK (length(address_line) <= 200),
    postal_code         text CHECK (length(postal_code) <= 10),
    city                text CHECK (length(city) <= 100),
    PRIMARY KEY (structure_id, id),
    UNIQUE (structure_id, matricule)
);
-- "q" searches names within one structure.
CREATE INDEX insured_people_name ON insured_people (structure_id, lower(last_name), lower(first_name));

CREATE TABLE affiliations (
    structure_id        bigint NOT NULL,
    insured_id          bigint NOT NULL,
    contract_id         bigint NOT NULL,
    entry_date          date NOT NULL,
    end_date            date CHECK (end_date >= entry_date),
    portability_end     date CHECK (portability_end >= end_date),
    PRIMARY KEY (structure_id, insured_id, contract_id, entry_date),
    FOREIGN KEY (structure_id, insured_id) REFERENCES insured_people (structure_id, id) ON DELETE CASCADE,
    FOREIGN KEY (structure_id, contract_id) REFERENCES contracts (structure_id, id) ON DELETE CASCADE
);
CREATE INDEX affiliations_contract ON affiliations (structure_id, contract_id);

CREATE TABLE beneficiaries (
    structure_id        bigint NOT NULL,
    insured_id          bigint NOT NULL,
    last_name           text NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
    first_name          text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    birth_date          date NOT NULL,
    rank                text NOT NULL CHECK (rank ~ '^[A-Z]{2}$'),
    adhesion_date       date NOT NULL,
    validity_date       date,
    radiation_date      date,
    PRIMARY KEY (structure_id, insured_id, last_name, first_name, birth_date),
    FOREIGN KEY (structure_id, insured_id) REFERENCES insured_people (structure_id, id) ON DELETE CASCADE
);

CREATE TABLE ij_payments (
    structure_id        bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    payment_ref         text NOT NULL CHECK (payment_ref ~ '^[A-Za-z0-9_-]{1,32}$'),
    payment_date        date NOT NULL,
    amount              numeric(12,2) NOT NULL,
    -- The batch that brought it (issue: worker); NULL for demo and synthetic data.
    batch_id            text,
    PRIMARY KEY (structure_id, id),
    UNIQUE (structure_id, payment_ref)
);
CREATE INDEX ij_payments_date ON ij_payments (structure_id, payment_date DESC, id DESC);

CREATE TABLE ij_payment_lines (
    structure_id        bigint NOT NULL,
    payment_id          bigint NOT NULL,
    line_no             integer NOT NULL CHECK (line_no >= 1),
    insured_id          bigint NOT NULL,
    beneficiary_name    text NOT NULL CHECK (length(beneficiary_name) BETWEEN 1 AND 200),
    period_start        date NOT NULL,
    period_end          date NOT NULL,
    nature              text NOT NULL CHECK (nature IN ('MAL', 'MAT', 'PAT', 'ATP', 'TPT')),
    days                integer NOT NULL CHECK (days = period_end - period_start + 1),
    ss_daily            numeric(12,2) NOT NULL,
    other_movement      numeric(12,2) NOT NULL,
    insurer_daily       numeric(12,2) NOT NULL,
    -- Batch spec §2: days × (insurer_daily − ss_daily) + other_movement, exact in numeric.
    amount              numeric(12,2) GENERATED ALWAYS AS (days * (insurer_daily - ss_daily) + other_movement) STORED,
    PRIMARY KEY (structure_id, payment_id, line_no),
    FOREIGN KEY (structure_id, payment_id) REFERENCES ij_payments (structure_id, id) ON DELETE CASCADE,
    FOREIGN KEY (structure_id, insured_id) REFERENCES insured_people (structure_id, id)
);
CREATE INDEX ij_payment_lines_insured ON ij_payment_lines (structure_id, insured_id);

CREATE TABLE documents (
    structure_id        bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    -- guarantee_description: "Descriptif des garanties" of a contract; information_notice: "Notice
    -- d'information" of a guarantee; contribution_statement: "Bordereau de cotisation".
    category            text NOT NULL CHECK (category IN ('guarantee_description', 'information_notice',
                                                          'contribution_statement', 'other')),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    year                integer CHECK (year BETWEEN 1900 AND 2999),
    college             text CHECK (length(college) <= 200),
    guarantee           text CHECK (length(guarantee) <= 200),
    contract_id         bigint,
    guarantee_code      text,
    file_name           text NOT NULL CHECK (file_name ~ '^[^/\\]{1,200}$'),
    content_type        text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png', 'text/csv')),
    size                integer NOT NULL CHECK (size = length(content)),
    sha256              bytea NOT NULL CHECK (length(sha256) = 32),
    content             bytea NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (structure_id, id),
    FOREIGN KEY (structure_id, contract_id) REFERENCES contracts (structure_id, id) ON DELETE CASCADE
);
CREATE INDEX documents_category ON documents (structure_id, category, year DESC);

-- Blank forms of the Documents page, the same for every employer.
CREATE TABLE forms (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category            text NOT NULL CHECK (category IN ('sick_leave', 'contributions', 'changes')),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    position            integer NOT NULL DEFAULT 0,
    file_name           text NOT NULL CHECK (file_name ~ '^[^/\\]{1,200}$'),
    content_type        text NOT NULL CHECK (content_type IN ('application/pdf')),
    size                integer NOT NULL CHECK (size = length(content)),
    sha256              bytea NOT NULL CHECK (length(sha256) = 32),
    content             bytea NOT NULL
);

-- Actualités, for every employer.
CREATE TABLE news (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    published_at        timestamptz NOT NULL DEFAULT now(),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body                text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    withdrawn_at        timestamptz
);
CREATE INDEX news_published ON news (published_at DESC) WHERE withdrawn_at IS NULL;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['contracts', 'guarantees', 'insured_people', 'affiliations', 'beneficiaries',
                             'ij_payments', 'ij_payment_lines', 'documents', 'forms', 'news'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY owner_all ON %I TO portal_owner USING (true) WITH CHECK (true)', t);
        -- The worker loads batch files (issue: worker); it sees and writes every structure.
        EXECUTE format('CREATE POLICY worker_all ON %I TO portal_worker USING (true) WITH CHECK (true)', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['contracts', 'guarantees', 'insured_people', 'affiliations', 'beneficiaries',
                             'ij_payments', 'ij_payment_lines', 'documents'] LOOP
        EXECUTE format('CREATE POLICY app_visible ON %I FOR SELECT TO portal_app
                        USING (structure_id IN (SELECT portal_visible_structure_ids()))', t);
        EXECUTE format('GRANT SELECT ON %I TO portal_app', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO portal_worker', t);
    END LOOP;
END
$$;

-- Forms and news are the same for everyone, but only for signed-in users.
CREATE POLICY app_signed_in ON forms FOR SELECT TO portal_app USING (portal_current_user_id() IS NOT NULL);
CREATE POLICY app_signed_in ON news FOR SELECT TO portal_app
    USING (portal_current_user_id() IS NOT NULL AND withdrawn_at IS NULL);
GRANT SELECT ON forms, news TO portal_app;
GRANT SELECT, INSERT, UPDATE ON forms, news TO portal_worker;
