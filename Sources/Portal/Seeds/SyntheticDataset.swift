import Postgres

/// A large, realistic, reproducible dataset for benchmarks (`portalctl seed synthetic`).
///
/// Everything is generated server-side with set-based `INSERT … SELECT` over `generate_series`:
/// no row travels between this process and PostgreSQL. Every random draw is a hash of
/// (seed, entity number, purpose) — `hashint8extended` — so the data depends on the seed only,
/// never on the order in which PostgreSQL evaluates rows.
///
/// Shape: structures of very unequal size (a few with thousands of insured, most with a few
/// dozen); 2–3 contracts each (Non cadres, Ensemble du personnel, sometimes Cadres, not always
/// signed); 1–2 affiliations per insured, ~80 % active, ~8 % in portability, ~12 % out; beneficiaries
/// for ~30 % of insured; IJ payments over the last five years with 1–5 lines each whose amounts
/// follow the batch spec and add up to the payment's; one small PDF reused for a few documents
/// per structure; valid SIREN/SIRET (Luhn) and NIR keys.
///
/// Synthetic structures are recognised by their client number, `S` + 6 digits, which OCSO's
/// numbering (and the demo's 1234567) never uses.
public enum SyntheticDataset {
    public static let clientNumberPattern = "^S[0-9]{6}$"

    public struct Options: Sendable {
        public var structures: Int
        public var insured: Int
        public var ijLines: Int
        public var seed: Int64
        /// Delete previously loaded synthetic structures (and everything they own) first.
        public var replace: Bool
        /// The day statuses are relative to (portability, payments of the last five years); today if nil.
        public var asOf: CalendarDate?

        public init(structures: Int = 1000, insured: Int = 100_000, ijLines: Int = 1_000_000, seed: Int64 = 1,
                    replace: Bool = false, asOf: CalendarDate? = nil) {
            self.structures = structures
            self.insured = insured
            self.ijLines = ijLines
            self.seed = seed
            self.replace = replace
            self.asOf = asOf
        }

        func validate() throws {
            guard (1...999_999).contains(structures) else {
                throw SeedFailure.invalidSize("--structures must be between 1 and 999999")
            }
            guard (0...99_999_999).contains(insured) else {
                throw SeedFailure.invalidSize("--insured must be between 0 and 99999999")
            }
            guard (0...999_999_999).contains(ijLines) else {
                throw SeedFailure.invalidSize("--ij-lines must be between 0 and 999999999")
            }
            guard ijLines == 0 || insured > 0 else {
                throw SeedFailure.invalidSize("IJ lines need insured people: give --insured")
            }
        }
    }

    public struct Summary: Sendable, CustomStringConvertible {
        public var structures = 0
        public var contracts = 0
        public var guarantees = 0
        public var insured = 0
        public var affiliations = 0
        public var beneficiaries = 0
        public var ijPayments = 0
        public var ijLines = 0
        public var documents = 0
        /// Structures deleted first (with `replace`).
        public var replacedStructures = 0
        public var elapsedSeconds = 0.0

        public init() {}

        public var description: String {
            "\(structures) structures, \(contracts) contracts, \(guarantees) guarantees, \(insured) insured, "
                + "\(affiliations) affiliations, \(beneficiaries) beneficiaries, \(ijPayments) IJ payments, "
                + "\(ijLines) IJ lines, \(documents) documents"
        }
    }

    static let advisoryLockKey: Int64 = 4_412_345_670_002

    /// Loads the dataset in one transaction. Throws `SeedFailure.syntheticDataPresent` if synthetic
    /// structures exist and `options.replace` is false. `progress` receives one line per step.
    public static func load(_ options: Options, on connection: PostgresConnection,
                            progress: (String) -> Void = { _ in }) throws -> Summary {
        try options.validate()
        let clock = ContinuousClock()
        let started = clock.now
        var summary = try withoutActuallyEscaping(progress) { progress in
            try connection.transaction { connection in
                try Generator(options: options, connection: connection, progress: progress, clock: clock).run()
            }
        }
        // After COMMIT (VACUUM cannot run in a transaction). Statistics for the planner, and the
        // visibility map so that counts and lookups can use index-only scans straight away.
        let analyzeStart = clock.now
        try connection.executeScript("""
            VACUUM (ANALYZE) structures, contracts, guarantees, insured_people, affiliations, beneficiaries,
                    ij_payments, ij_payment_lines, documents
            """)
        progress("vacuum and analyze: \(Generator.seconds(clock.now - analyzeStart)) s")
        summary.elapsedSeconds = Generator.seconds(clock.now - started)
        return summary
    }

    /// Counts of what is loaded now (synthetic structures only).
    public static func counts(on connection: PostgresConnection) throws -> Summary {
        let row = try connection.query("""
            WITH s AS (SELECT id FROM structures WHERE client_number ~ '\(clientNumberPattern)')
            SELECT (SELECT count(*) FROM s) AS structures,
                   (SELECT count(*) FROM contracts WHERE structure_id IN (SELECT id FROM s)) AS contracts,
                   (SELECT count(*) FROM guarantees WHERE structure_id IN (SELECT id FROM s)) AS guarantees,
                   (SELECT count(*) FROM insured_people WHERE structure_id IN (SELECT id FROM s)) AS insured,
                   (SELECT count(*) FROM affiliations WHERE structure_id IN (SELECT id FROM s)) AS affiliations,
                   (SELECT count(*) FROM beneficiaries WHERE structure_id IN (SELECT id FROM s)) AS beneficiaries,
                   (SELECT count(*) FROM ij_payments WHERE structure_id IN (SELECT id FROM s)) AS ij_payments,
                   (SELECT count(*) FROM ij_payment_lines WHERE structure_id IN (SELECT id FROM s)) AS ij_lines,
                   (SELECT count(*) FROM documents WHERE structure_id IN (SELECT id FROM s)) AS documents
            """)[0]
        func int(_ name: String) throws -> Int { Int(try row.decode(name, as: Int64.self)) }
        var summary = Summary()
        summary.structures = try int("structures")
        summary.contracts = try int("contracts")
        summary.guarantees = try int("guarantees")
        summary.insured = try int("insured")
        summary.affiliations = try int("affiliations")
        summary.beneficiaries = try int("beneficiaries")
        summary.ijPayments = try int("ij_payments")
        summary.ijLines = try int("ij_lines")
        summary.documents = try int("documents")
        return summary
    }

    /// The one PDF every synthetic document points at.
    static func placeholderDocument() -> [UInt8] {
        var pdf = PDFDocument(title: "Document de démonstration")
        pdf.paragraph("Ce document accompagne un jeu de données synthétique, généré pour mesurer les performances "
            + "de l'Espace Employeur. Il ne décrit aucune garantie réelle.")
        return pdf.render()
    }
}
