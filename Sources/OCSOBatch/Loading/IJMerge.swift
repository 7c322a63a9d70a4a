/// The set-based part of loading an IJ file: the parsed payments and lines are COPY'd into
/// `stage_ij`, then these statements resolve structures and insured people, reject what the
/// database knows to be wrong (spec §4, item level), and merge the rest — no per-row round trip.
/// Payments and their lines are tied by their ordinal in the file (`seq`, an integer): every join
/// of the merge is a hash join on integers or on short keys, and no staging index is needed.
enum IJMerge {
    /// `R` a payment, `L` one of its lines, `X` a payment the parser rejected (key only).
    static let createStaging = """
        CREATE TEMP TABLE stage_ij (
            kind char(1) NOT NULL,
            seq integer NOT NULL,
            line_number integer NOT NULL,
            payment_ref text, client_number text, siret text, payment_date date, amount numeric(12,2),
            line_no integer, matricule text, beneficiary_name text, period_start date, period_end date,
            nature text, days integer, ss_daily numeric(12,2), other_movement numeric(12,2), insurer_daily numeric(12,2)
        ) ON COMMIT DROP
        """

    static let copy = """
        COPY stage_ij (kind, seq, line_number, payment_ref, client_number, siret, payment_date, amount, line_no, matricule,
                       beneficiary_name, period_start, period_end, nature, days, ss_daily, other_movement, insurer_daily)
        FROM STDIN
        """

    /// Resolves each payment's structure, takes its id, and finds, in order of precedence, the
    /// first reason to reject it. A payment is rejected whole, with all its lines.
    static let resolve = """
        -- Ids are taken for every payment, rejected ones included (a sequence has gaps anyway):
        -- the lines then need no join back to ij_payments to find their payment.
        CREATE TEMP TABLE stage_payments ON COMMIT DROP AS
            SELECT r.seq, r.line_number, r.payment_ref, r.client_number, r.siret, r.payment_date, r.amount,
                   s.id AS structure_id, s.siret AS structure_siret, nextval('ij_payments_id_seq'::regclass) AS payment_id,
                   NULL::text AS reason, NULL::text AS message
            FROM stage_ij r LEFT JOIN structures s ON s.client_number = r.client_number
            WHERE r.kind = 'R';
        ANALYZE stage_payments;
        -- Every occurrence of a reference but the first, counting the payments the parser rejected.
        UPDATE stage_payments p SET reason = 'duplicate_payment_ref',
               message = 'Le règlement ' || p.payment_ref || ' figure déjà plus haut dans ce fichier.'
            FROM (SELECT payment_ref, min(seq) AS first_seq FROM stage_ij WHERE kind IN ('R', 'X')
                  GROUP BY payment_ref HAVING count(*) > 1) d
            WHERE p.payment_ref = d.payment_ref AND p.seq > d.first_seq;
        UPDATE stage_payments SET reason = 'unknown_client_number', message = 'Numéro client inconnu : ' || client_number
            WHERE reason IS NULL AND structure_id IS NULL;
        UPDATE stage_payments SET reason = 'siret_mismatch',
               message = 'Le SIRET ' || siret || ' n''est pas celui de la structure ' || client_number
            WHERE reason IS NULL AND siret <> structure_siret;
        UPDATE stage_payments p SET reason = 'duplicate_payment_ref',
               message = 'Le règlement ' || payment_ref || ' a déjà été chargé par un autre lot'
            WHERE reason IS NULL AND EXISTS (SELECT 1 FROM ij_payments x WHERE x.payment_ref = p.payment_ref);
        UPDATE stage_payments p SET reason = 'unknown_matricule',
               message = 'Matricule ' || u.matricule || ' inconnu pour la structure ' || p.client_number
            FROM (SELECT DISTINCT ON (l.seq) l.seq, l.matricule
                  FROM stage_ij l
                  JOIN stage_payments sp ON sp.seq = l.seq
                  WHERE l.kind = 'L' AND sp.reason IS NULL
                    AND NOT EXISTS (SELECT 1 FROM insured_people i
                                    WHERE i.structure_id = sp.structure_id AND i.matricule = l.matricule)
                  ORDER BY l.seq, l.line_number) u
            WHERE p.reason IS NULL AND p.seq = u.seq;
        """

    /// The database's rejections, to be recorded with the parser's.
    static let rejections = """
        SELECT line_number, payment_ref, structure_id, reason, message FROM stage_payments
        WHERE reason IS NOT NULL ORDER BY line_number
        """

    /// Inserts the accepted payments, in index order (rows of one structure land on the same
    /// index pages). `$1` is the batch_id.
    static let merge = """
        INSERT INTO ij_payments (id, structure_id, payment_ref, payment_date, amount, batch_id) OVERRIDING SYSTEM VALUE
        SELECT payment_id, structure_id, payment_ref, payment_date, amount, $1 FROM stage_payments WHERE reason IS NULL
        ORDER BY structure_id, payment_id
        """

    static let mergeLines = """
        INSERT INTO ij_payment_lines (structure_id, payment_id, line_no, insured_id, beneficiary_name, period_start, period_end,
                                      nature, days, ss_daily, other_movement, insurer_daily)
        SELECT sp.structure_id, sp.payment_id, l.line_no, i.id, l.beneficiary_name, l.period_start, l.period_end,
               l.nature, l.days, l.ss_daily, l.other_movement, l.insurer_daily
        FROM stage_ij l
        JOIN stage_payments sp ON sp.seq = l.seq AND sp.reason IS NULL
        JOIN insured_people i ON i.structure_id = sp.structure_id AND i.matricule = l.matricule
        WHERE l.kind = 'L'
        ORDER BY sp.structure_id, sp.payment_id, l.line_no
        """
}
