import Postgres

/// The guide's example employer, SARL DEMONSTRATION (client number 1234567), with everything the
/// employer pages show: régimes, assurés, bénéficiaires, IJ payments, documents, blank forms, news.
///
/// Loading is idempotent: every row is upserted by its natural key, so a second run leaves the
/// same rows (and ids) behind. Runs in one transaction, as `portal_owner` (`portalctl seed demo`).
public enum DemoDataset {
    public struct Loaded: Sendable {
        public var structureID: Int64
        public var securityCode: String
        /// By contract_ref.
        public var contractIDs: [String: Int64]
        /// By matricule.
        public var insuredIDs: [String: Int64]
        public var counts: Counts
    }

    /// Rows of the demo structure (forms and news: every row, they are global).
    public struct Counts: Sendable, Equatable, CustomStringConvertible {
        public var contracts = 0
        public var guarantees = 0
        public var insured = 0
        public var affiliations = 0
        public var beneficiaries = 0
        public var ijPayments = 0
        public var ijLines = 0
        public var documents = 0
        public var forms = 0
        public var news = 0

        public init(contracts: Int = 0, guarantees: Int = 0, insured: Int = 0, affiliations: Int = 0, beneficiaries: Int = 0,
                    ijPayments: Int = 0, ijLines: Int = 0, documents: Int = 0, forms: Int = 0, news: Int = 0) {
            self.contracts = contracts
            self.guarantees = guarantees
            self.insured = insured
            self.affiliations = affiliations
            self.beneficiaries = beneficiaries
            self.ijPayments = ijPayments
            self.ijLines = ijLines
            self.documents = documents
            self.forms = forms
            self.news = news
        }

        public var description: String {
            "\(contracts) contracts, \(guarantees) guarantees, \(insured) insured, \(affiliations) affiliations, "
                + "\(beneficiaries) beneficiaries, \(ijPayments) IJ payments, \(ijLines) IJ lines, \(documents) documents, "
                + "\(forms) forms, \(news) news"
        }
    }

    /// Serialises concurrent loads (two operators, two test runs) so natural keys cannot race.
    static let advisoryLockKey: Int64 = 4_412_345_670_001

    /// Loads or refreshes the dataset. Joins the caller's transaction if there is one.
    public static func load(on connection: PostgresConnection, hasher: SecretHasher,
                            securityCode: String = StructureAdministration.demoSecurityCode) throws -> Loaded {
        if connection.isInTransaction {
            return try loadRows(on: connection, hasher: hasher, securityCode: securityCode)
        }
        return try connection.transaction { try loadRows(on: $0, hasher: hasher, securityCode: securityCode) }
    }

    private static func loadRows(on connection: PostgresConnection, hasher: SecretHasher, securityCode: String) throws -> Loaded {
        try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [advisoryLockKey])
        let structureID = try StructureAdministration(connection: connection, hasher: hasher).seedDemo(securityCode: securityCode)
        try connection.execute("""
            UPDATE structures SET siren = $2, siret = $3, name = $4, address = $5, phone = $6 WHERE id = $1
            """, [structureID, siren, siret, name, address, phone])

        var contractIDs: [String: Int64] = [:]
        for contract in contracts {
            let id = try upsertContract(contract, structureID: structureID, on: connection)
            contractIDs[contract.ref] = id
            for guarantee in contract.guarantees {
                try connection.execute("""
                    INSERT INTO guarantees (structure_id, contract_id, code, label, periodicity, payment_mode)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (structure_id, contract_id, code) DO UPDATE
                    SET label = EXCLUDED.label, periodicity = EXCLUDED.periodicity, payment_mode = EXCLUDED.payment_mode
                    """, [structureID, id, guarantee.code, guarantee.label, guarantee.periodicity, guarantee.paymentMode])
            }
        }

        var insuredIDs: [String: Int64] = [:]
        for person in insured {
            let id = try upsertInsured(person, structureID: structureID, contractIDs: contractIDs, on: connection)
            insuredIDs[person.matricule] = id
        }

        for payment in ijPayments {
            try upsertPayment(payment, structureID: structureID, insuredIDs: insuredIDs, on: connection)
        }
        try checkPaymentTotals(structureID: structureID, on: connection)

        try loadDocuments(structureID: structureID, contractIDs: contractIDs, on: connection)
        try loadForms(on: connection)
        try loadNews(on: connection)

        return Loaded(structureID: structureID, securityCode: securityCode, contractIDs: contractIDs, insuredIDs: insuredIDs,
                      counts: try counts(structureID: structureID, on: connection))
    }

    // MARK: Employer rows

    private static func upsertContract(_ contract: Contract, structureID: Int64, on connection: PostgresConnection) throws -> Int64 {
        let rows = try connection.query("""
            INSERT INTO contracts (structure_id, contract_ref, kind, college, dsn_reference, start_date, end_date, signed)
            VALUES ($1, $2, $3, $4, $5, $6::date, NULL, $7)
            ON CONFLICT (structure_id, contract_ref) DO UPDATE
            SET kind = EXCLUDED.kind, college = EXCLUDED.college, dsn_reference = EXCLUDED.dsn_reference,
                start_date = EXCLUDED.start_date, end_date = NULL, signed = EXCLUDED.signed
            RETURNING id
            """, [structureID, contract.ref, contract.kind, contract.college, contract.dsnReference, contract.startDate, contract.signed])
        return try rows[0].decode(0)
    }

    private static func upsertInsured(_ person: Insured, structureID: Int64, contractIDs: [String: Int64],
                                      on connection: PostgresConnection) throws -> Int64 {
        let rows = try connection.query("""
            INSERT INTO insured_people (structure_id, matricule, last_name, first_name, nir, birth_date, address_line, postal_code, city)
            VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8, $9)
            ON CONFLICT (structure_id, matricule) DO UPDATE
            SET last_name = EXCLUDED.last_name, first_name = EXCLUDED.first_name, nir = EXCLUDED.nir,
                birth_date = EXCLUDED.birth_date, address_line = EXCLUDED.address_line,
                postal_code = EXCLUDED.postal_code, city = EXCLUDED.city
            RETURNING id
            """, [structureID, person.matricule, person.lastName, person.firstName, person.nir, person.birthDate,
                  person.addressLine, person.postalCode, person.city])
        let id: Int64 = try rows[0].decode(0)
        for affiliation in person.affiliations {
            try connection.execute("""
                INSERT INTO affiliations (structure_id, insured_id, contract_id, entry_date, end_date, portability_end)
                VALUES ($1, $2, $3, $4::date, $5::date, $6::date)
                ON CONFLICT (structure_id, insured_id, contract_id, entry_date) DO UPDATE
                SET end_date = EXCLUDED.end_date, portability_end = EXCLUDED.portability_end
                """, [structureID, id, contractIDs[affiliation.contractRef]!, affiliation.entryDate,
                      affiliation.endDate, affiliation.portabilityEnd])
        }
        for beneficiary in person.beneficiaries {
            try connection.execute("""
                INSERT INTO beneficiaries (structure_id, insured_id, last_name, first_name, birth_date, rank, adhesion_date,
                                           validity_date, radiation_date)
                VALUES ($1, $2, $3, $4, $5::date, $6, $7::date, NULL, NULL)
                ON CONFLICT (structure_id, insured_id, last_name, first_name, birth_date) DO UPDATE
                SET rank = EXCLUDED.rank, adhesion_date = EXCLUDED.adhesion_date, validity_date = NULL, radiation_date = NULL
                """, [structureID, id, beneficiary.lastName, beneficiary.firstName, beneficiary.birthDate, beneficiary.rank,
                      beneficiary.adhesionDate])
        }
        return id
    }

    private static func upsertPayment(_ payment: IJPayment, structureID: Int64, insuredIDs: [String: Int64],
                                      on connection: PostgresConnection) throws {
        let rows = try connection.query("""
            INSERT INTO ij_payments (structure_id, payment_ref, payment_date, amount, batch_id)
            VALUES ($1, $2, $3::date, $4, NULL)
            ON CONFLICT (structure_id, payment_ref) DO UPDATE SET payment_date = EXCLUDED.payment_date, amount = EXCLUDED.amount
            RETURNING id
            """, [structureID, payment.ref, payment.date, payment.amount])
        let paymentID: Int64 = try rows[0].decode(0)
        for (index, line) in payment.lines.enumerated() {
            try connection.execute("""
                INSERT INTO ij_payment_lines (structure_id, payment_id, line_no, insured_id, beneficiary_name, period_start,
                                              period_end, nature, days, ss_daily, other_movement, insurer_daily)
                VALUES ($1, $2, $3, $4, $5, $6::date, $7::date, $8, $7::date - $6::date + 1, $9, $10, $11)
                ON CONFLICT (structure_id, payment_id, line_no) DO UPDATE
                SET insured_id = EXCLUDED.insured_id, beneficiary_name = EXCLUDED.beneficiary_name,
                    period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end, nature = EXCLUDED.nature,
                    days = EXCLUDED.days, ss_daily = EXCLUDED.ss_daily, other_movement = EXCLUDED.other_movement,
                    insurer_daily = EXCLUDED.insurer_daily
                """, [structureID, paymentID, index + 1, insuredIDs[line.matricule]!, line.beneficiaryName, line.periodStart,
                      line.periodEnd, line.nature, line.ssDaily, line.otherMovement, line.insurerDaily])
        }
        try connection.execute("DELETE FROM ij_payment_lines WHERE structure_id = $1 AND payment_id = $2 AND line_no > $3",
                               [structureID, paymentID, payment.lines.count])
    }

    /// The figures above are the guide's; the database computes line amounts. They must agree.
    private static func checkPaymentTotals(structureID: Int64, on connection: PostgresConnection) throws {
        let rows = try connection.query("""
            SELECT p.payment_ref, p.amount::text AS amount, coalesce(sum(l.amount), 0)::text AS lines
            FROM ij_payments p LEFT JOIN ij_payment_lines l ON l.structure_id = p.structure_id AND l.payment_id = p.id
            WHERE p.structure_id = $1
            GROUP BY p.id, p.payment_ref, p.amount
            HAVING p.amount <> coalesce(sum(l.amount), 0)
            """, [structureID])
        if let row = rows.first {
            throw SeedFailure.inconsistentPayment(ref: try row.decode("payment_ref"), amount: try row.decode("amount"),
                                                  linesTotal: try row.decode("lines"))
        }
    }

    // MARK: Documents, forms, news

    private static func loadDocuments(structureID: Int64, contractIDs: [String: Int64], on connection: PostgresConnection) throws {
        for contract in contracts where contract.signed {
            let contractID = contractIDs[contract.ref]!
            try upsertDocument(DocumentRow(category: "guarantee_description",
                                           title: "Descriptif des garanties — \(contract.college)",
                                           college: contract.college, guarantee: contract.kind, contractID: contractID,
                                           fileName: "descriptif-garanties-\(contract.ref.lowercased()).pdf",
                                           content: DemoDocuments.guaranteeDescription(contract)),
                               structureID: structureID, on: connection)
            for guarantee in contract.guarantees {
                try upsertDocument(DocumentRow(category: "information_notice", title: "Notice d'information — \(guarantee.label)",
                                               college: contract.college, guarantee: guarantee.label, contractID: contractID,
                                               guaranteeCode: guarantee.code,
                                               fileName: "notice-information-\(contract.ref.lowercased())-\(guarantee.code.lowercased()).pdf",
                                               content: DemoDocuments.informationNotice(contract, guarantee)),
                                   structureID: structureID, on: connection)
            }
        }
        for statement in contributionStatements {
            try upsertDocument(DocumentRow(category: "contribution_statement", title: "Bordereau de régularisation.pdf",
                                           year: statement.year, college: statement.college, guarantee: statement.guarantee,
                                           contractID: contractIDs[statement.contractRef],
                                           fileName: "bordereau-de-regularisation-\(statement.year)-\(statement.contractRef.lowercased()).pdf",
                                           content: DemoDocuments.contributionStatement(year: statement.year, college: statement.college,
                                                                                        guarantee: statement.guarantee)),
                               structureID: structureID, on: connection)
        }
    }

    struct DocumentRow {
        var category: String
        var title: String
        var year: Int?
        var college: String?
        var guarantee: String?
        var contractID: Int64?
        var guaranteeCode: String?
        var fileName: String
        var content: [UInt8]
    }

    /// Documents have no natural key in the schema: the demo's are told apart by category, title,
    /// contract, guarantee, year and collège.
    private static func upsertDocument(_ document: DocumentRow, structureID: Int64, on connection: PostgresConnection) throws {
        let binds: [any PostgresBindable] = [structureID, document.category, document.title, document.contractID,
                                             document.guaranteeCode, document.year, document.college, document.guarantee,
                                             document.fileName, document.content.count, Sodium.sha256(document.content), document.content]
        let updated = try connection.execute("""
            UPDATE documents SET guarantee = $8::text, file_name = $9::text, content_type = 'application/pdf', size = $10::integer,
                   sha256 = $11, content = $12
            WHERE structure_id = $1::bigint AND category = $2::text AND title = $3::text
              AND contract_id IS NOT DISTINCT FROM $4::bigint AND guarantee_code IS NOT DISTINCT FROM $5::text
              AND year IS NOT DISTINCT FROM $6::integer AND college IS NOT DISTINCT FROM $7::text
            """, binds)
        guard updated == 0 else { return }
        try connection.execute("""
            INSERT INTO documents (structure_id, category, title, contract_id, guarantee_code, year, college, guarantee,
                                   file_name, content_type, size, sha256, content)
            VALUES ($1::bigint, $2::text, $3::text, $4::bigint, $5::text, $6::integer, $7::text, $8::text,
                    $9::text, 'application/pdf', $10::integer, $11, $12)
            """, binds)
    }

    /// Forms are global (every employer sees them): one per title.
    private static func loadForms(on connection: PostgresConnection) throws {
        for form in forms {
            let content = DemoDocuments.blankForm(form)
            let binds: [any PostgresBindable] = [form.title, form.category, form.position, form.fileName, content.count,
                                                 Sodium.sha256(content), content]
            let updated = try connection.execute("""
                UPDATE forms SET category = $2::text, position = $3::integer, file_name = $4::text, content_type = 'application/pdf',
                       size = $5::integer, sha256 = $6, content = $7
                WHERE title = $1::text
                """, binds)
            if updated == 0 {
                try connection.execute("""
                    INSERT INTO forms (title, category, position, file_name, content_type, size, sha256, content)
                    VALUES ($1::text, $2::text, $3::integer, $4::text, 'application/pdf', $5::integer, $6, $7)
                    """, binds)
            }
        }
    }

    private static func loadNews(on connection: PostgresConnection) throws {
        let updated = try connection.execute("""
            UPDATE news SET body = $2::text, published_at = $3::timestamptz, withdrawn_at = NULL WHERE title = $1::text
            """, [newsTitle, newsBody, newsPublishedAt])
        if updated == 0 {
            try connection.execute("INSERT INTO news (title, body, published_at) VALUES ($1::text, $2::text, $3::timestamptz)",
                                   [newsTitle, newsBody, newsPublishedAt])
        }
    }

    static func counts(structureID: Int64, on connection: PostgresConnection) throws -> Counts {
        let row = try connection.query("""
            SELECT (SELECT count(*) FROM contracts WHERE structure_id = $1) AS contracts,
                   (SELECT count(*) FROM guarantees WHERE structure_id = $1) AS guarantees,
                   (SELECT count(*) FROM insured_people WHERE structure_id = $1) AS insured,
                   (SELECT count(*) FROM affiliations WHERE structure_id = $1) AS affiliations,
                   (SELECT count(*) FROM beneficiaries WHERE structure_id = $1) AS beneficiaries,
                   (SELECT count(*) FROM ij_payments WHERE structure_id = $1) AS ij_payments,
                   (SELECT count(*) FROM ij_payment_lines WHERE structure_id = $1) AS ij_lines,
                   (SELECT count(*) FROM documents WHERE structure_id = $1) AS documents,
                   (SELECT count(*) FROM forms) AS forms,
                   (SELECT count(*) FROM news) AS news
            """, [structureID])[0]
        func int(_ name: String) throws -> Int { Int(try row.decode(name, as: Int64.self)) }
        return Counts(contracts: try int("contracts"), guarantees: try int("guarantees"), insured: try int("insured"),
                      affiliations: try int("affiliations"), beneficiaries: try int("beneficiaries"),
                      ijPayments: try int("ij_payments"), ijLines: try int("ij_lines"), documents: try int("documents"),
                      forms: try int("forms"), news: try int("news"))
    }
}
