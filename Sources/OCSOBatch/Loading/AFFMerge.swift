import Postgres

/// Loading an AFF file: every record is an upsert by its natural key (spec §3); nothing is ever
/// deleted. Records whose parent is unknown (structure, contract, insured person) are rejected,
/// and so are dates that contradict each other, rather than breaking the transaction.
enum AFFMerge {
    static let columns = """
        kind, line_number, contract_ref, client_number, contract_kind, college, dsn_reference, start_date, end_date,
        guarantee_code, label, periodicity, payment_mode, matricule, last_name, first_name, nir, birth_date,
        address_line, postal_code, city, entry_date, portability_end, rank, adhesion_date, validity_date, radiation_date
        """

    static let createStaging = """
        CREATE TEMP TABLE stage_aff (
            kind char(1) NOT NULL, line_number integer NOT NULL, contract_ref text, client_number text, contract_kind text,
            college text, dsn_reference text, start_date date, end_date date, guarantee_code text, label text, periodicity text,
            payment_mode text, matricule text, last_name text, first_name text, nir text, birth_date date, address_line text,
            postal_code text, city text, entry_date date, portability_end date, rank text, adhesion_date date,
            validity_date date, radiation_date date
        ) ON COMMIT DROP;
        CREATE TEMP TABLE aff_rejects (line_number integer, record_type text, item_key text, reason text, message text,
                                       structure_id bigint) ON COMMIT DROP
        """

    static let copy = "COPY stage_aff (\(columns)) FROM STDIN"

    /// One COPY row per record, the unused columns NULL.
    static func appendRow(for item: BatchItem, to buffer: inout CopyBuffer) {
        var values = [String?](repeating: nil, count: 27)
        func set(_ index: Int, _ value: String?) { values[index] = value }
        values[0] = item.recordType
        values[1] = String(item.lineNumber)
        switch item {
        case .payment: return
        case .contract(let c):
            set(2, c.contractRef); set(3, c.clientNumber); set(4, c.kind.rawValue); set(5, c.college); set(6, c.dsnReference)
            set(7, c.startDate.description); set(8, c.endDate?.description)
        case .guarantee(let g):
            set(2, g.contractRef); set(9, g.guaranteeCode); set(10, g.label); set(11, g.periodicity); set(12, g.paymentMode)
        case .insured(let i):
            set(3, i.clientNumber); set(13, i.matricule); set(14, i.lastName); set(15, i.firstName); set(16, i.nir)
            set(17, i.birthDate.description); set(18, i.addressLine); set(19, i.postalCode); set(20, i.city)
        case .affiliation(let a):
            set(13, a.matricule); set(2, a.contractRef); set(21, a.entryDate.description); set(8, a.endDate?.description)
            set(22, a.portabilityEnd?.description)
        case .beneficiary(let b):
            set(13, b.matricule); set(14, b.lastName); set(15, b.firstName); set(23, b.rank); set(17, b.birthDate.description)
            set(24, b.adhesionDate.description); set(25, b.validityDate?.description); set(26, b.radiationDate?.description)
        }
        for value in values { buffer.add(value) }
        buffer.endRow()
    }

    /// Rejections first (each record at most once, first reason wins), then the upserts in
    /// dependency order: contracts, guarantees, insured people, affiliations, beneficiaries.
    static let script = """
        CREATE INDEX ON stage_aff (kind, line_number);
        ANALYZE stage_aff;
        -- C
        INSERT INTO aff_rejects
        SELECT c.line_number, 'C', c.contract_ref, 'unknown_client_number', 'Numéro client inconnu : ' || c.client_number, NULL
        FROM stage_aff c WHERE c.kind = 'C' AND NOT EXISTS (SELECT 1 FROM structures s WHERE s.client_number = c.client_number);
        INSERT INTO aff_rejects
        SELECT c.line_number, 'C', c.contract_ref, 'contract_ref_conflict',
               'Le contrat ' || c.contract_ref || ' appartient déjà à une autre structure', s.id
        FROM stage_aff c JOIN structures s ON s.client_number = c.client_number
        WHERE c.kind = 'C' AND EXISTS (SELECT 1 FROM contracts x WHERE x.contract_ref = c.contract_ref AND x.structure_id <> s.id)
          AND NOT EXISTS (SELECT 1 FROM aff_rejects r WHERE r.line_number = c.line_number);
        INSERT INTO aff_rejects
        SELECT c.line_number, 'C', c.contract_ref, 'inconsistent_dates', 'La date de fin du contrat précède sa date de début', NULL
        FROM stage_aff c WHERE c.kind = 'C' AND c.end_date < c.start_date
          AND NOT EXISTS (SELECT 1 FROM aff_rejects r WHERE r.line_number = c.line_number);
        INSERT INTO contracts (structure_id, contract_ref, kind, college, dsn_reference, start_date, end_date)
        SELECT DISTINCT ON (c.contract_ref) s.id, c.contract_ref, c.contract_kind, c.college, c.dsn_reference, c.start_date, c.end_date
        FROM stage_aff c JOIN structures s ON s.client_number = c.client_number
        WHERE c.kind = 'C' AND NOT EXISTS (SELECT 1 FROM aff_rejects r WHERE r.line_number = c.line_number)
        ORDER BY c.contract_ref, c.line_number DESC
        ON CONFLICT (structure_id, contract_ref) DO UPDATE SET kind = EXCLUDED.kind, college = EXCLUDED.college,
            dsn_reference = EXCLUDED.dsn_reference, start_date = EXCLUDED.start_date, end_date = EXCLUDED.end_date;
        -- G
        INSERT INTO aff_rejects
        SELECT g.line_number, 'G', g.contract_ref || ';' || g.guarantee_code, 'unknown_contract_ref', 'Contrat inconnu : ' || g.contract_ref, NULL
        FROM stage_aff g WHERE g.kind = 'G' AND NOT EXISTS (SELECT 1 FROM contracts x WHERE x.contract_ref = g.contract_ref);
        INSERT INTO guarantees (structure_id, contract_id, code, label, periodicity, payment_mode)
        SELECT DISTINCT ON (x.id, g.guarantee_code) x.structure_id, x.id, g.guarantee_code, g.label, g.periodicity, g.payment_mode
        FROM stage_aff g JOIN contracts x ON x.contract_ref = g.contract_ref
        WHERE g.kind = 'G'
        ORDER BY x.id, g.guarantee_code, g.line_number DESC
        ON CONFLICT (structure_id, contract_id, code) DO UPDATE SET label = EXCLUDED.label, periodicity = EXCLUDED.periodicity,
            payment_mode = EXCLUDED.payment_mode;
        -- I
        INSERT INTO aff_rejects
        SELECT i.line_number, 'I', i.client_number || ';' || i.matricule, 'unknown_client_number', 'Numéro client inconnu : ' || i.client_number, NULL
        FROM stage_aff i WHERE i.kind = 'I' AND NOT EXISTS (SELECT 1 FROM structures s WHERE s.client_number = i.client_number);
        INSERT INTO insured_people (structure_id, matricule, last_name, first_name, nir, birth_date, address_line, postal_code, city)
        SELECT DISTINCT ON (s.id, i.matricule) s.id, i.matricule, i.last_name, i.first_name, i.nir, i.birth_date, i.address_line,
               i.postal_code, i.city
        FROM stage_aff i JOIN structures s ON s.client_number = i.client_number
        WHERE i.kind = 'I'
        ORDER BY s.id, i.matricule, i.line_number DESC
        ON CONFLICT (structure_id, matricule) DO UPDATE SET last_name = EXCLUDED.last_name, first_name = EXCLUDED.first_name,
            nir = EXCLUDED.nir, birth_date = EXCLUDED.birth_date, address_line = EXCLUDED.address_line,
            postal_code = EXCLUDED.postal_code, city = EXCLUDED.city;
        -- A: the contract gives the structure, the matricule the person within it.
        CREATE TEMP TABLE aff_affiliations ON COMMIT DROP AS
        SELECT a.line_number, a.matricule, a.contract_ref, a.entry_date, a.end_date, a.portability_end,
               x.structure_id, x.id AS contract_id, p.id AS insured_id
        FROM stage_aff a
        LEFT JOIN contracts x ON x.contract_ref = a.contract_ref
        LEFT JOIN insured_people p ON p.structure_id = x.structure_id AND p.matricule = a.matricule
        WHERE a.kind = 'A';
        INSERT INTO aff_rejects
        SELECT line_number, 'A', matricule || ';' || contract_ref || ';' || entry_date,
               CASE WHEN contract_id IS NULL THEN 'unknown_contract_ref'
                    WHEN insured_id IS NULL THEN 'unknown_matricule' ELSE 'inconsistent_dates' END,
               CASE WHEN contract_id IS NULL THEN 'Contrat inconnu : ' || contract_ref
                    WHEN insured_id IS NULL THEN 'Matricule inconnu pour le contrat ' || contract_ref || ' : ' || matricule
                    ELSE 'Dates incohérentes (fin avant entrée, ou fin de portabilité avant la fin)' END,
               structure_id
        FROM aff_affiliations
        WHERE contract_id IS NULL OR insured_id IS NULL OR end_date < entry_date OR portability_end < end_date
           OR (portability_end IS NOT NULL AND end_date IS NULL);
        INSERT INTO affiliations (structure_id, insured_id, contract_id, entry_date, end_date, portability_end)
        SELECT DISTINCT ON (structure_id, insured_id, contract_id, entry_date)
               structure_id, insured_id, contract_id, entry_date, end_date, portability_end
        FROM aff_affiliations a
        WHERE NOT EXISTS (SELECT 1 FROM aff_rejects r WHERE r.line_number = a.line_number)
        ORDER BY structure_id, insured_id, contract_id, entry_date, line_number DESC
        ON CONFLICT (structure_id, insured_id, contract_id, entry_date) DO UPDATE SET end_date = EXCLUDED.end_date,
            portability_end = EXCLUDED.portability_end;
        -- B: a matricule must designate exactly one insured person.
        CREATE TEMP TABLE aff_beneficiaries ON COMMIT DROP AS
        SELECT b.*, m.people, m.structure_id AS structure_id_resolved, m.insured_id
        FROM stage_aff b
        LEFT JOIN (SELECT matricule, count(*) AS people, min(structure_id) AS structure_id, min(id) AS insured_id
                   FROM insured_people WHERE matricule IN (SELECT matricule FROM stage_aff WHERE kind = 'B')
                   GROUP BY matricule) m ON m.matricule = b.matricule
        WHERE b.kind = 'B';
        INSERT INTO aff_rejects
        SELECT line_number, 'B', matricule || ';' || last_name || ';' || first_name || ';' || birth_date,
               CASE WHEN people IS NULL THEN 'unknown_matricule' ELSE 'ambiguous_matricule' END,
               CASE WHEN people IS NULL THEN 'Matricule inconnu : ' || matricule
                    ELSE 'Le matricule ' || matricule || ' désigne plusieurs assurés' END,
               NULL
        FROM aff_beneficiaries WHERE people IS NULL OR people > 1;
        INSERT INTO beneficiaries (structure_id, insured_id, last_name, first_name, birth_date, rank, adhesion_date, validity_date, radiation_date)
        SELECT DISTINCT ON (structure_id_resolved, insured_id, last_name, first_name, birth_date)
               structure_id_resolved, insured_id, last_name, first_name, birth_date, rank, adhesion_date, validity_date, radiation_date
        FROM aff_beneficiaries WHERE people = 1
        ORDER BY structure_id_resolved, insured_id, last_name, first_name, birth_date, line_number DESC
        ON CONFLICT (structure_id, insured_id, last_name, first_name, birth_date) DO UPDATE SET rank = EXCLUDED.rank,
            adhesion_date = EXCLUDED.adhesion_date, validity_date = EXCLUDED.validity_date, radiation_date = EXCLUDED.radiation_date
        """

    struct Result {
        let loaded: Int
        let rejects: [BatchReject]
        /// Records rejected (one record may have several reasons).
        let rejectedItems: Int
    }

    static func run(on connection: PostgresConnection, strict: Bool, priorRejects: [BatchReject]) throws -> Result {
        try connection.executeScript(script)
        let rejects = priorRejects + (try connection.query(
            "SELECT line_number, record_type, item_key, reason, message, structure_id FROM aff_rejects ORDER BY line_number").map { row in
            BatchReject(lineNumber: try row.decode("line_number"), recordType: try row.decode("record_type"), key: try row.decode("item_key"),
                        reason: try row.decode("reason"), message: try row.decode("message"), structureID: try row.decode("structure_id"))
        })
        let rejectedItems = Set(rejects.compactMap(\.lineNumber)).count
        if strict, !rejects.isEmpty { throw LoadRejection.strict(rejects, items: rejectedItems) }
        let staged: Int = try connection.query("SELECT count(*) FROM stage_aff").first!.decode(0)
        let rejectedLines: Int = try connection.query("SELECT count(DISTINCT line_number) FROM aff_rejects").first!.decode(0)
        return Result(loaded: staged - rejectedLines, rejects: rejects, rejectedItems: rejectedItems)
    }
}
