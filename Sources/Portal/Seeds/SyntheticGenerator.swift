import Postgres

extension SyntheticDataset {
    /// The SQL steps, run inside the caller's transaction. Sizes and dates are integers and ISO
    /// dates formatted here (never user text); word lists travel as parameters.
    struct Generator {
        let options: Options
        let connection: PostgresConnection
        let progress: (String) -> Void
        let clock: ContinuousClock

        private var n: Int { options.structures }
        private var m: Int { options.insured }
        private var k: Int { options.ijLines }

        static func seconds(_ duration: Duration) -> Double {
            let (whole, attoseconds) = duration.components
            return ((Double(whole) + Double(attoseconds) / 1e18) * 100).rounded() / 100
        }

        private func step<T>(_ name: String, _ body: () throws -> T) throws -> T {
            let start = clock.now
            let value = try body()
            progress("\(name): \(Self.seconds(clock.now - start)) s")
            return value
        }

        func run() throws -> Summary {
            try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [SyntheticDataset.advisoryLockKey])
            // Transaction-scoped settings only (never session SET: see DESIGN §4).
            try connection.query("SELECT set_config('work_mem', '256MB', true), set_config('synchronous_commit', 'off', true)")
            var summary = Summary()
            let existing: Int64 = try connection.query(
                "SELECT count(*) FROM structures WHERE client_number ~ '\(SyntheticDataset.clientNumberPattern)'")[0].decode(0)
            if existing > 0 {
                guard options.replace else { throw SeedFailure.syntheticDataPresent(structures: Int(existing)) }
                try step("delete \(existing) previous synthetic structures") { try deletePrevious() }
                summary.replacedStructures = Int(existing)
            }
            let asOf: String = try options.asOf.map(\.description) ?? connection.query("SELECT current_date::text")[0].decode(0)
            try createFunctions()
            try step("structures") { try insertStructures() }
            try step("contracts and guarantees") { try insertContracts() }
            try step("insured people") { try insertInsured() }
            try step("affiliations") { try insertAffiliations(asOf: asOf) }
            try step("beneficiaries") { try insertBeneficiaries(asOf: asOf) }
            if k > 0 {
                try step("IJ payments and lines") { try insertPayments(asOf: asOf) }
            }
            try step("documents") { try insertDocuments(asOf: asOf) }
            let counts = try SyntheticDataset.counts(on: connection)
            summary.structures = counts.structures
            summary.contracts = counts.contracts
            summary.guarantees = counts.guarantees
            summary.insured = counts.insured
            summary.affiliations = counts.affiliations
            summary.beneficiaries = counts.beneficiaries
            summary.ijPayments = counts.ijPayments
            summary.ijLines = counts.ijLines
            summary.documents = counts.documents
            return summary
        }

        /// Children first: a plain DELETE per table is much faster than letting a million rows cascade.
        private func deletePrevious() throws {
            try connection.executeScript("""
                CREATE TEMP TABLE synth_old ON COMMIT DROP AS
                    SELECT id FROM structures WHERE client_number ~ '\(SyntheticDataset.clientNumberPattern)';
                DELETE FROM ij_payment_lines WHERE structure_id IN (SELECT id FROM synth_old);
                DELETE FROM ij_payments WHERE structure_id IN (SELECT id FROM synth_old);
                DELETE FROM documents WHERE structure_id IN (SELECT id FROM synth_old);
                DELETE FROM beneficiaries WHERE structure_id IN (SELECT id FROM synth_old);
                DELETE FROM affiliations WHERE structure_id IN (SELECT id FROM synth_old);
                DELETE FROM insured_people WHERE structure_id IN (SELECT id FROM synth_old);
                DELETE FROM guarantees WHERE structure_id IN (SELECT id FROM synth_old);
                DELETE FROM contracts WHERE structure_id IN (SELECT id FROM synth_old);
                DELETE FROM structures WHERE id IN (SELECT id FROM synth_old);
                DROP TABLE synth_old;
                """)
        }

        /// Helpers for this transaction only (pg_temp): `synth_u(k, salt)` is uniform in [0, 1) and
        /// a pure function of (seed, k, salt); the others complete identifiers with their check digits.
        private func createFunctions() throws {
            try connection.executeScript("""
                CREATE OR REPLACE FUNCTION pg_temp.synth_u(k bigint, salt integer) RETURNS double precision
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE
                    AS $$ SELECT (hashint8extended(k, \(options.seed) * 1000003 + salt) & 2147483647)::double precision / 2147483648.0 $$;
                CREATE OR REPLACE FUNCTION pg_temp.synth_pick(list text[], r double precision) RETURNS text
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE
                    AS $$ SELECT list[1 + floor(r * cardinality(list))::integer] $$;
                -- Luhn (SIREN, SIRET): append the digit that makes the whole number valid.
                CREATE OR REPLACE FUNCTION pg_temp.synth_luhn(payload text) RETURNS text
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE
                    AS $$
                    SELECT payload || ((10 - sum(CASE WHEN (length(payload) - p) % 2 = 0
                                                     THEN CASE WHEN 2 * d > 9 THEN 2 * d - 9 ELSE 2 * d END
                                                     ELSE d END) % 10) % 10)::text
                    FROM (SELECT p, substr(payload, p, 1)::integer AS d FROM generate_series(1, length(payload)) AS p) AS digits
                    $$;
                -- NIR: 13 digits and their key, 97 - (number mod 97).
                CREATE OR REPLACE FUNCTION pg_temp.synth_nir(thirteen text) RETURNS text
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE
                    AS $$ SELECT thirteen || lpad((97 - thirteen::bigint % 97)::text, 2, '0') $$;
                """)
        }

        private func insertStructures() throws {
            try connection.execute("""
                INSERT INTO structures (client_number, siren, siret, name, address, phone)
                SELECT client_number, siren,
                       pg_temp.synth_luhn(siren || lpad((1 + floor(pg_temp.synth_u(i, 3) * 60))::integer::text, 4, '0')),
                       pg_temp.synth_pick($1::text[], pg_temp.synth_u(i, 1)) || ' '
                           || pg_temp.synth_pick($2::text[], pg_temp.synth_u(i, 2)) || ' '
                           || pg_temp.synth_pick($3::text[], pg_temp.synth_u(i, 4)),
                       (1 + floor(pg_temp.synth_u(i, 5) * 120))::integer || ' ' || pg_temp.synth_pick($4::text[], pg_temp.synth_u(i, 6))
                           || E'\\n' || ($5::text[])[town] || ' ' || ($6::text[])[town],
                       '05 ' || lpad(floor(pg_temp.synth_u(i, 8) * 100)::integer::text, 2, '0')
                           || ' ' || lpad(floor(pg_temp.synth_u(i, 9) * 100)::integer::text, 2, '0')
                           || ' ' || lpad(floor(pg_temp.synth_u(i, 10) * 100)::integer::text, 2, '0')
                           || ' ' || lpad(floor(pg_temp.synth_u(i, 11) * 100)::integer::text, 2, '0')
                FROM (SELECT i, 'S' || lpad(i::text, 6, '0') AS client_number,
                             pg_temp.synth_luhn(lpad((20000000 + i)::text, 8, '0')) AS siren,
                             1 + floor(pg_temp.synth_u(i, 7) * cardinality($5::text[]))::integer AS town
                      FROM generate_series(1, \(n)) AS i) AS s
                ORDER BY i
                """, [SyntheticWords.legalForms, SyntheticWords.activities, SyntheticWords.lastNames, SyntheticWords.streets,
                      SyntheticWords.postalCodes, SyntheticWords.towns])
            try connection.executeScript("""
                CREATE TEMP TABLE synth_structures ON COMMIT DROP AS
                    SELECT id AS structure_id, substr(client_number, 2)::integer AS k, client_number
                    FROM structures WHERE client_number ~ '\(SyntheticDataset.clientNumberPattern)';
                ALTER TABLE synth_structures ADD PRIMARY KEY (k);
                ANALYZE synth_structures;
                """)
        }

        /// Non cadres (Prévoyance) and Ensemble du personnel (Santé) everywhere; Cadres (Prévoyance)
        /// in half the structures, and OCSO has not received a fifth of those signed.
        private func insertContracts() throws {
            try connection.executeScript("""
                INSERT INTO contracts (structure_id, contract_ref, kind, college, dsn_reference, start_date, signed)
                SELECT s.structure_id, s.client_number || '-' || c.code || '-' || c.suffix, c.kind, c.college,
                       s.client_number || '/' || c.code || '/' || c.suffix,
                       DATE '2008-01-01' + floor(pg_temp.synth_u(s.k, 20) * 4000)::integer,
                       c.code <> 'C' OR pg_temp.synth_u(s.k, 22) < 0.8
                FROM synth_structures s
                CROSS JOIN (VALUES ('NC', 'P', 'PREVOYANCE', 'Salariés non cadres', 1),
                                   ('C', 'P', 'PREVOYANCE', 'Cadres art. 2.1 ANI du 17/11/2017', 2),
                                   ('EP', 'S', 'SANTE', 'Ensemble du personnel', 3)) AS c (code, suffix, kind, college, position)
                WHERE c.code <> 'C' OR pg_temp.synth_u(s.k, 21) < 0.5
                ORDER BY s.k, c.position;

                INSERT INTO guarantees (structure_id, contract_id, code, label, periodicity, payment_mode)
                SELECT c.structure_id, c.id, g.code, g.label,
                       CASE WHEN pg_temp.synth_u(s.k, 23) < 0.3 THEN 'MENSUEL_ECHU' ELSE 'TRIMESTRIEL_ECHU' END,
                       CASE WHEN c.kind = 'SANTE' THEN 'PRECOMPTE_OCSO' ELSE 'OCSO' END
                FROM contracts c JOIN synth_structures s USING (structure_id)
                JOIN (VALUES ('PREVOYANCE', 'DTC', 'Décès Toutes Causes'), ('PREVOYANCE', 'DA', 'Décès Accident'),
                             ('PREVOYANCE', 'II', 'Incapacité Invalidité'),
                             ('SANTE', 'FMC', 'Frais Médicaux Chirurgicaux')) AS g (kind, code, label) ON g.kind = c.kind;

                CREATE TEMP TABLE synth_contracts ON COMMIT DROP AS
                    SELECT c.structure_id,
                           max(c.id) FILTER (WHERE c.contract_ref LIKE '%-NC-P') AS nc_id,
                           max(c.id) FILTER (WHERE c.contract_ref LIKE '%-C-P' AND c.signed) AS c_id,
                           max(c.id) FILTER (WHERE c.contract_ref LIKE '%-EP-S') AS ep_id,
                           min(c.start_date) AS start_date
                    FROM contracts c JOIN synth_structures USING (structure_id)
                    GROUP BY c.structure_id;
                ALTER TABLE synth_contracts ADD PRIMARY KEY (structure_id);
                ANALYZE synth_contracts;
                """)
        }

        /// Insured person j belongs to structure 1 + ⌊N·u²⌋: the first structures are big, most are small.
        /// The matricule ends with j (8 digits), so later steps recover j without a lookup.
        private func insertInsured() throws {
            guard m > 0 else { return try createInsuredTable() }
            try connection.execute("""
                INSERT INTO insured_people (structure_id, matricule, last_name, first_name, nir, birth_date,
                                            address_line, postal_code, city)
                SELECT s.structure_id, s.client_number || lpad(x.j::text, 8, '0'), x.last_name,
                       CASE x.sex WHEN 1 THEN pg_temp.synth_pick($2::text[], pg_temp.synth_u(x.j, 33))
                                  ELSE pg_temp.synth_pick($3::text[], pg_temp.synth_u(x.j, 33)) END,
                       pg_temp.synth_nir(x.sex::text || to_char(x.birth, 'YYMM')
                                         || pg_temp.synth_pick($4::text[], pg_temp.synth_u(x.j, 35))
                                         || lpad((1 + floor(pg_temp.synth_u(x.j, 36) * 899))::integer::text, 3, '0')
                                         || lpad((1 + floor(pg_temp.synth_u(x.j, 37) * 998))::integer::text, 3, '0')),
                       x.birth,
                       (1 + floor(pg_temp.synth_u(x.j, 38) * 150))::integer || ' ' || pg_temp.synth_pick($5::text[], pg_temp.synth_u(x.j, 39)),
                       ($6::text[])[x.town], ($7::text[])[x.town]
                FROM (SELECT j,
                             least(\(n), 1 + floor(\(n) * power(pg_temp.synth_u(j, 30), 2))::integer) AS k,
                             CASE WHEN pg_temp.synth_u(j, 31) < 0.5 THEN 1 ELSE 2 END AS sex,
                             pg_temp.synth_pick($1::text[], pg_temp.synth_u(j, 32)) AS last_name,
                             DATE '1960-01-01' + floor(pg_temp.synth_u(j, 34) * 16000)::integer AS birth,
                             1 + floor(pg_temp.synth_u(j, 40) * cardinality($6::text[]))::integer AS town
                      FROM generate_series(1, \(m)) AS j) AS x
                JOIN synth_structures s ON s.k = x.k
                ORDER BY x.j
                """, [SyntheticWords.lastNames, SyntheticWords.maleFirstNames, SyntheticWords.femaleFirstNames,
                      SyntheticWords.birthDepartments, SyntheticWords.streets, SyntheticWords.postalCodes, SyntheticWords.towns])
            try createInsuredTable()
        }

        /// Each insured person's rank within their structure (by matricule), to pick IJ beneficiaries.
        private func createInsuredTable() throws {
            try connection.executeScript("""
                CREATE TEMP TABLE synth_insured ON COMMIT DROP AS
                    SELECT i.structure_id, i.id, substr(i.matricule, 8)::bigint AS j, i.last_name, i.first_name,
                           i.birth_date, left(i.nir, 1) AS sex,
                           row_number() OVER (PARTITION BY i.structure_id ORDER BY i.matricule) AS rn,
                           count(*) OVER (PARTITION BY i.structure_id) AS cnt
                    FROM insured_people i JOIN synth_structures USING (structure_id);
                ALTER TABLE synth_insured ADD PRIMARY KEY (j);
                CREATE INDEX ON synth_insured (structure_id, rn);
                ANALYZE synth_insured;
                """)
        }

        /// One Prévoyance affiliation each (Cadres for some, where signed), Santé for 60 %; the same
        /// dates on both. 80 % active, 8 % in portability (left less than 300 days ago, covered a
        /// year), 12 % out (left more than 400 days ago; half had a portability, now over).
        private func insertAffiliations(asOf: String) throws {
            try connection.executeScript("""
                WITH p AS (
                    SELECT si.structure_id, si.id, si.j, c.nc_id, c.c_id, c.ep_id, c.start_date,
                           pg_temp.synth_u(si.j, 50) AS status_r, pg_temp.synth_u(si.j, 51) AS end_r
                    FROM synth_insured si JOIN synth_contracts c USING (structure_id)
                ), d AS (
                    SELECT p.*, CASE WHEN status_r < 0.80 THEN NULL
                                     WHEN status_r < 0.88 THEN DATE '\(asOf)' - (1 + floor(end_r * 300)::integer)
                                     ELSE DATE '\(asOf)' - (400 + floor(end_r * 1400)::integer) END AS end_date
                    FROM p
                ), e AS (
                    SELECT d.*,
                           CASE WHEN status_r < 0.80 THEN NULL
                                WHEN status_r < 0.88 OR pg_temp.synth_u(j, 52) < 0.5 THEN end_date + 365
                                ELSE NULL END AS portability_end,
                           least(greatest(start_date, DATE '\(asOf)' - (30 + floor(pg_temp.synth_u(j, 53) * 5500)::integer)),
                                 coalesce(end_date, DATE '\(asOf)') - 30) AS entry_date
                    FROM d
                )
                INSERT INTO affiliations (structure_id, insured_id, contract_id, entry_date, end_date, portability_end)
                SELECT structure_id, id, CASE WHEN c_id IS NOT NULL AND pg_temp.synth_u(j, 54) < 0.3 THEN c_id ELSE nc_id END,
                       entry_date, end_date, portability_end
                FROM e
                UNION ALL
                SELECT structure_id, id, ep_id, entry_date, end_date, portability_end
                FROM e WHERE pg_temp.synth_u(j, 55) < 0.6;
                """)
        }

        /// 30 % of insured have 1–3 beneficiaries: a spouse (CJ) for half of them, then children
        /// EA, EB… born 700 days or more apart (so their keys never collide), never in the future.
        private func insertBeneficiaries(asOf: String) throws {
            try connection.execute("""
                INSERT INTO beneficiaries (structure_id, insured_id, last_name, first_name, birth_date, rank,
                                           adhesion_date, validity_date, radiation_date)
                SELECT structure_id, id, last_name, first_name, birth_date, rank, adhesion_date, NULL,
                       CASE WHEN pg_temp.synth_u(j * 8 + n, 65) < 0.1 AND adhesion_date + 1500 < DATE '\(asOf)'
                            THEN adhesion_date + 365 + floor(pg_temp.synth_u(j * 8 + n, 66) * 1000)::integer END
                FROM (
                    SELECT b.structure_id, b.id, b.j, n, b.last_name,
                           CASE WHEN spouse AND n = 1
                                THEN pg_temp.synth_pick(CASE WHEN b.sex = '1' THEN $1::text[] ELSE $2::text[] END,
                                                        pg_temp.synth_u(b.j * 8 + n, 63))
                                ELSE pg_temp.synth_pick($1::text[] || $2::text[], pg_temp.synth_u(b.j * 8 + n, 63)) END AS first_name,
                           CASE WHEN spouse AND n = 1 THEN 'CJ'
                                ELSE 'E' || chr(64 + n - CASE WHEN spouse THEN 1 ELSE 0 END) END AS rank,
                           CASE WHEN spouse AND n = 1
                                THEN b.birth_date - 1500 + floor(pg_temp.synth_u(b.j * 8 + n, 64) * 3000)::integer
                                ELSE b.birth_date + 7300 + (n - 1) * 700 + floor(pg_temp.synth_u(b.j * 8 + n, 64) * 600)::integer
                           END AS birth_date,
                           DATE '\(asOf)' - 400 - floor(pg_temp.synth_u(b.j * 8 + n, 67) * 3000)::integer AS joined
                    FROM (SELECT si.*, pg_temp.synth_u(si.j, 61) < 0.5 AS spouse,
                                 1 + floor(pg_temp.synth_u(si.j, 62) * 3)::integer AS count
                          FROM synth_insured si WHERE pg_temp.synth_u(si.j, 60) < 0.3) AS b
                    CROSS JOIN LATERAL generate_series(1, b.count) AS n
                ) AS x
                CROSS JOIN LATERAL (SELECT greatest(x.birth_date, x.joined) AS adhesion_date) AS a
                WHERE birth_date < DATE '\(asOf)' - 60
                """, [SyntheticWords.femaleFirstNames, SyntheticWords.maleFirstNames])
        }

        /// Payment p has 1–5 lines (the last one is cut to reach exactly K lines), belongs to the
        /// structure of a uniformly drawn insured person (big structures get more payments) and
        /// is dated in the last five years. Lines are built first, so each payment's amount is the
        /// exact sum of its lines' amounts, computed as the table's generated column does.
        private func insertPayments(asOf: String) throws {
            try connection.executeScript("""
                CREATE TEMP TABLE synth_payments ON COMMIT DROP AS
                    WITH sizes AS (
                        SELECT p, 1 + floor(pg_temp.synth_u(p, 70) * 5)::integer AS n FROM generate_series(1, \(k)) AS p
                    ), placed AS (
                        SELECT p, n, sum(n) OVER (ORDER BY p ROWS UNBOUNDED PRECEDING) - n AS first_line FROM sizes
                    )
                    SELECT placed.p, placed.first_line, least(placed.n, \(k) - placed.first_line) AS n,
                           anchor.structure_id, anchor.cnt,
                           'SIJ' || lpad(placed.p::text, 9, '0') AS payment_ref,
                           DATE '\(asOf)' - floor(pg_temp.synth_u(placed.p, 72) * 1826)::integer AS payment_date
                    FROM placed
                    JOIN synth_insured anchor ON anchor.j = 1 + floor(pg_temp.synth_u(placed.p, 71) * \(m))::bigint
                    WHERE placed.first_line < \(k);
                ANALYZE synth_payments;

                CREATE TEMP TABLE synth_lines ON COMMIT DROP AS
                    SELECT sp.structure_id, sp.p, sp.payment_ref, line_no, si.id AS insured_id,
                           si.last_name || ' ' || initcap(si.first_name) AS beneficiary_name,
                           x.period_end - x.days + 1 AS period_start, x.period_end,
                           CASE WHEN x.nature_r < 0.70 THEN 'MAL'
                                WHEN x.nature_r < 0.82 THEN 'ATP'
                                WHEN x.nature_r < 0.92 THEN CASE si.sex WHEN '2' THEN 'MAT' ELSE 'PAT' END
                                ELSE 'TPT' END AS nature,
                           x.days,
                           x.ss_daily, adjustment.other_movement, x.ss_daily + x.extra AS insurer_daily
                    FROM synth_payments sp
                    CROSS JOIN LATERAL generate_series(1, sp.n) AS line_no
                    CROSS JOIN LATERAL (
                        SELECT sp.payment_date - (3 + floor(pg_temp.synth_u(sp.first_line + line_no, 80) * 25)::integer) AS period_end,
                               1 + floor(pg_temp.synth_u(sp.first_line + line_no, 81) * 45)::integer AS days,
                               pg_temp.synth_u(sp.first_line + line_no, 82) AS nature_r,
                               round((20 + pg_temp.synth_u(sp.first_line + line_no, 83) * 35)::numeric, 2)::numeric(12,2) AS ss_daily,
                               round((5 + pg_temp.synth_u(sp.first_line + line_no, 85) * 40)::numeric, 2)::numeric(12,2) AS extra,
                               1 + floor(pg_temp.synth_u(sp.first_line + line_no, 84) * sp.cnt)::bigint AS rn
                    ) AS x
                    -- One line in ten carries an adjustment, between -15 % and +35 % of the line, so no line is negative.
                    CROSS JOIN LATERAL (
                        SELECT CASE WHEN pg_temp.synth_u(sp.first_line + line_no, 86) < 0.9 THEN 0.00
                                    ELSE round((pg_temp.synth_u(sp.first_line + line_no, 87) * 0.5 - 0.15)::numeric * x.days * x.extra, 2)
                               END::numeric(12,2) AS other_movement
                    ) AS adjustment
                    JOIN synth_insured si ON si.structure_id = sp.structure_id AND si.rn = x.rn;

                INSERT INTO ij_payments (structure_id, payment_ref, payment_date, amount, batch_id)
                SELECT sp.structure_id, sp.payment_ref, sp.payment_date, t.amount, NULL
                FROM synth_payments sp
                JOIN (SELECT p, sum(days * (insurer_daily - ss_daily) + other_movement) AS amount
                      FROM synth_lines GROUP BY p) AS t USING (p)
                ORDER BY sp.p;

                INSERT INTO ij_payment_lines (structure_id, payment_id, line_no, insured_id, beneficiary_name, period_start,
                                              period_end, nature, days, ss_daily, other_movement, insurer_daily)
                SELECT l.structure_id, p.id, l.line_no, l.insured_id, l.beneficiary_name, l.period_start,
                       l.period_end, l.nature, l.days, l.ss_daily, l.other_movement, l.insurer_daily
                FROM synth_lines l
                JOIN ij_payments p ON p.structure_id = l.structure_id AND p.payment_ref = l.payment_ref
                ORDER BY l.p, l.line_no;

                DROP TABLE synth_lines;
                DROP TABLE synth_payments;
                """)
        }

        /// A descriptif for each signed contract and last year's bordereau: the same small PDF each time.
        private func insertDocuments(asOf: String) throws {
            let content = SyntheticDataset.placeholderDocument()
            try connection.execute("""
                INSERT INTO documents (structure_id, category, title, year, college, guarantee, contract_id, file_name,
                                       content_type, size, sha256, content)
                SELECT c.structure_id, d.category, d.title || c.college, d.year, c.college, c.kind, c.id,
                       d.prefix || lower(c.contract_ref) || '.pdf', 'application/pdf', $1::integer, $2::bytea, $3::bytea
                FROM contracts c JOIN synth_structures USING (structure_id)
                CROSS JOIN (VALUES ('guarantee_description', 'Descriptif des garanties — ', NULL::integer, 'descriptif-garanties-'),
                                   ('contribution_statement', 'Bordereau de régularisation — ',
                                    extract(year FROM DATE '\(asOf)')::integer - 1, 'bordereau-regularisation-')) AS d (category, title, year, prefix)
                WHERE c.signed
                ORDER BY c.structure_id, c.id, d.category
                """, [content.count, Sodium.sha256(content), content])
        }
    }
}
