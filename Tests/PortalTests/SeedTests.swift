import Foundation
import Portal
import Postgres
import Testing
import TestSupport

/// The demo and synthetic datasets, each in scratch databases of their own (they write global
/// tables such as forms and news, and many rows).
@Suite struct SeedTests {
    static func withMigratedDatabase<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let migrations = try Migration.load(from: try TestCluster.migrationsDirectory)
        return try TestCluster.withScratchDatabase { database in
            let owner = try TestCluster.connect(as: "portal_owner", database: database)
            try MigrationRunner(connection: owner).apply(migrations)
            return try body(owner)
        }
    }

    /// One digest per table of everything a second load could have changed (ids included).
    static func fingerprint(_ connection: PostgresConnection) throws -> [String] {
        let queries = [
            "SELECT id, client_number, siren, siret, name, address, phone FROM structures",
            "SELECT * FROM contracts", "SELECT * FROM guarantees", "SELECT * FROM insured_people",
            "SELECT * FROM affiliations", "SELECT * FROM beneficiaries", "SELECT * FROM ij_payments",
            "SELECT * FROM ij_payment_lines",
            "SELECT id, category, title, year, college, guarantee, contract_id, guarantee_code, file_name, size, sha256 FROM documents",
            "SELECT id, category, title, position, file_name, size, sha256 FROM forms",
            "SELECT id, title, body, published_at FROM news",
        ]
        return try queries.map { query in
            try connection.query("SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM (\(query)) AS t")[0]
                .decode(0, as: String.self)
        }
    }

    @Test func demoLoadsTwiceToTheSameRows() async throws {
        let (first, second, fingerprints, secondFingerprints) = try await onDedicatedThread {
            try Self.withMigratedDatabase { owner -> (DemoDataset.Loaded, DemoDataset.Loaded, [String], [String]) in
                let first = try DemoDataset.load(on: owner, hasher: .minimal)
                let fingerprints = try Self.fingerprint(owner)
                let second = try DemoDataset.load(on: owner, hasher: .minimal)
                return (first, second, fingerprints, try Self.fingerprint(owner))
            }
        }
        #expect(first.structureID == second.structureID)
        #expect(first.contractIDs == second.contractIDs)
        #expect(first.insuredIDs == second.insuredIDs)
        #expect(first.counts == second.counts)
        #expect(fingerprints == secondFingerprints)
        #expect(first.counts == DemoDataset.Counts(contracts: 4, guarantees: 8, insured: 5, affiliations: 9, beneficiaries: 2,
                                                   ijPayments: 4, ijLines: 4, documents: 13, forms: 8, news: 1))
    }

    @Test func demoReproducesTheGuide() async throws {
        struct Observed: Sendable {
            var payments: [String] = []
            var unbalanced: Int64 = 0
            var line: [String] = []
            var unsigned: [String] = []
            var signedCount: Int64 = 0
            var badNIRs: Int64 = 0
            var statuses: [String] = []
            var beneficiaries: [String] = []
            var structure: [String] = []
            var badDocuments: Int64 = 0
            var documentCategories: [String] = []
            var forms: [String] = []
            var pdfPrefix: [UInt8] = []
            var securityCodeVerifies = false
        }
        let observed = try await onDedicatedThread {
            try Self.withMigratedDatabase { owner -> Observed in
                let loaded = try DemoDataset.load(on: owner, hasher: .minimal)
                var observed = Observed()
                let id = loaded.structureID
                observed.payments = try owner.query("""
                    SELECT payment_date::text || ' ' || amount::text FROM ij_payments WHERE structure_id = $1 ORDER BY payment_date DESC
                    """, [id]).map { try $0.decode(0) }
                observed.unbalanced = try owner.query("""
                    SELECT count(*) FROM ij_payments p
                    WHERE p.amount <> (SELECT sum(l.amount) FROM ij_payment_lines l WHERE l.structure_id = p.structure_id AND l.payment_id = p.id)
                    """)[0].decode(0)
                let line = try owner.query("""
                    SELECT l.beneficiary_name, l.period_start::text, l.period_end::text, l.nature, l.days::text, l.ss_daily::text,
                           l.other_movement::text, l.insurer_daily::text, l.amount::text, i.matricule
                    FROM ij_payment_lines l JOIN ij_payments p ON p.structure_id = l.structure_id AND p.id = l.payment_id
                    JOIN insured_people i ON i.structure_id = l.structure_id AND i.id = l.insured_id
                    WHERE p.payment_ref = 'DEMO-IJ-20210618'
                    """)
                observed.line = try (0..<10).map { try line[0].decode($0, as: String.self) }
                observed.unsigned = try owner.query("SELECT contract_ref FROM contracts WHERE NOT signed").map { try $0.decode(0) }
                observed.signedCount = try owner.query("SELECT count(*) FROM contracts WHERE signed")[0].decode(0)
                observed.badNIRs = try owner.query("""
                    SELECT count(*) FROM insured_people WHERE nir IS NULL OR 97 - left(nir, 13)::bigint % 97 <> right(nir, 2)::integer
                    """)[0].decode(0)
                observed.statuses = try owner.query("""
                    SELECT i.matricule || ' ' || CASE WHEN bool_or(a.end_date IS NULL OR a.end_date >= DATE '2026-11-26') THEN 'ACTIF'
                                                      WHEN bool_or(a.portability_end >= DATE '2026-11-26') THEN 'PORTABILITE'
                                                      ELSE 'SORTI' END
                    FROM insured_people i JOIN affiliations a ON a.structure_id = i.structure_id AND a.insured_id = i.id
                    GROUP BY i.matricule ORDER BY i.matricule
                    """).map { try $0.decode(0) }
                observed.beneficiaries = try owner.query("""
                    SELECT first_name || ' ' || last_name || ' ' || rank || ' ' || birth_date::text || ' ' || adhesion_date::text
                    FROM beneficiaries ORDER BY rank
                    """).map { try $0.decode(0) }
                observed.structure = try owner.query("""
                    SELECT client_number, siren, siret, name, address, phone FROM structures WHERE id = $1
                    """, [id]).first.map { row in try (0..<6).map { try row.decode($0, as: String.self) } } ?? []
                observed.badDocuments = try owner.query("""
                    SELECT (SELECT count(*) FROM documents WHERE sha256 <> sha256(content) OR substr(content, 1, 8) <> '%PDF-1.4'::bytea)
                         + (SELECT count(*) FROM forms WHERE sha256 <> sha256(content) OR substr(content, 1, 8) <> '%PDF-1.4'::bytea)
                    """)[0].decode(0)
                observed.documentCategories = try owner.query("""
                    SELECT category || ' ' || count(*) FROM documents GROUP BY category ORDER BY category
                    """).map { try $0.decode(0) }
                observed.forms = try owner.query("SELECT category || ' ' || title || ' ' || file_name FROM forms ORDER BY position")
                    .map { try $0.decode(0) }
                observed.pdfPrefix = try owner.query("SELECT substr(content, 1, 9) FROM forms ORDER BY position LIMIT 1")[0].decode(0)
                let hash: String = try owner.query("SELECT security_code_hash FROM structures WHERE id = $1", [id])[0].decode(0)
                observed.securityCodeVerifies = SecretHasher.minimal.verify(SecurityCode.normalize(StructureAdministration.demoSecurityCode),
                                                                            against: hash)
                return observed
            }
        }
        #expect(observed.payments == ["2021-06-18 553.80", "2021-05-28 1162.98", "2020-06-20 296.38", "2020-06-06 636.86"])
        #expect(observed.unbalanced == 0)
        #expect(observed.line == ["DUPONT Eloise", "2021-05-07", "2021-05-26", "MAL", "20", "32.34", "0.00", "60.03", "553.80", "123456700001"])
        #expect(observed.unsigned == ["DEMO-CA-P"])
        #expect(observed.signedCount == 3)
        #expect(observed.badNIRs == 0)
        #expect(observed.statuses == ["123456700001 ACTIF", "123456700002 ACTIF", "123456700003 ACTIF",
                                      "123456700004 SORTI", "123456700005 PORTABILITE"])
        #expect(observed.beneficiaries == ["JULIE DUBOIS EA 2014-10-27 2021-01-23", "JULIEN DUBOIS EB 2018-05-05 2021-01-23"])
        #expect(observed.structure == ["1234567", "999999998", "99999999800019", "SARL DEMONSTRATION",
                                       "Rue de la proximité et de l'écoute\n33700 MERIGNAC", "05 59 00 00 00"])
        #expect(observed.badDocuments == 0)
        #expect(observed.documentCategories == ["contribution_statement 3", "guarantee_description 3", "information_notice 7"])
        #expect(observed.forms.first == "sick_leave Demande indemnités journalières demande-indemnites-journalieres.pdf")
        #expect(observed.forms.map { $0.split(separator: " ")[0] } == ["sick_leave", "sick_leave", "sick_leave", "sick_leave",
                                                                       "contributions", "changes", "changes", "changes"])
        #expect(observed.forms.allSatisfy { $0.split(separator: " ").last!.allSatisfy(\.isASCII) })
        #expect(observed.pdfPrefix == Array("%PDF-1.4\n".utf8))
        #expect(observed.securityCodeVerifies)
    }

    static let small = SyntheticDataset.Options(structures: 20, insured: 500, ijLines: 2000, seed: 42,
                                                asOf: CalendarDate(year: 2026, month: 11, day: 26))

    /// Sum of every synthetic payment and a digest of every matricule: equal iff the same data.
    static func signature(_ connection: PostgresConnection) throws -> String {
        try connection.query("""
            SELECT (SELECT coalesce(sum(p.amount), 0)::text FROM ij_payments p JOIN structures s ON s.id = p.structure_id
                    WHERE s.client_number ~ '^S') || ' ' ||
                   (SELECT md5(string_agg(i.matricule || i.last_name || i.first_name || i.nir, ',' ORDER BY i.matricule))
                    FROM insured_people i JOIN structures s ON s.id = i.structure_id WHERE s.client_number ~ '^S')
            """)[0].decode(0)
    }

    @Test func syntheticHasTheRequestedSizesAndConsistentAmounts() async throws {
        struct Observed: Sendable {
            var summary = SyntheticDataset.Summary()
            var unbalanced: Int64 = -1
            var paymentsWithoutLines: Int64 = -1
            var lineSizes: [Int64] = []
            var badLineAmounts: Int64 = -1
            var badNIRs: Int64 = -1
            var identifiers: [(String, String)] = []
            var statuses: [String] = []
            var beneficiaryShare = 0.0
            var largest: Int64 = 0
            var smallest: Int64 = 0
            var securityCodes: Int64 = -1
            var refusal: SeedFailure?
            var replaced = SyntheticDataset.Summary()
            var demoStillThere: Int64 = 0
            var documentSizes: [Int64] = []
        }
        let observed = try await onDedicatedThread {
            try Self.withMigratedDatabase { owner -> Observed in
                var observed = Observed()
                _ = try DemoDataset.load(on: owner, hasher: .minimal)
                observed.summary = try SyntheticDataset.load(Self.small, on: owner)
                observed.unbalanced = try owner.query("""
                    SELECT count(*) FROM ij_payments p
                    LEFT JOIN (SELECT structure_id, payment_id, sum(amount) AS total FROM ij_payment_lines GROUP BY 1, 2) l
                           ON l.structure_id = p.structure_id AND l.payment_id = p.id
                    WHERE p.amount IS DISTINCT FROM l.total
                    """)[0].decode(0)
                observed.lineSizes = try owner.query("""
                    SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM ij_payment_lines GROUP BY structure_id, payment_id) c
                    """).first.map { [try $0.decode(0), try $0.decode(1)] } ?? []
                observed.badLineAmounts = try owner.query("""
                    SELECT count(*) FROM ij_payment_lines l JOIN structures s ON s.id = l.structure_id
                    WHERE s.client_number ~ '^S'
                      AND (days <> period_end - period_start + 1 OR insurer_daily <= ss_daily OR amount <= 0
                           OR line_no > 5 OR period_end < DATE '2026-11-26' - 1900 OR period_end > DATE '2026-11-26')
                    """)[0].decode(0)
                observed.badNIRs = try owner.query("""
                    SELECT count(*) FROM insured_people WHERE nir IS NULL OR 97 - left(nir, 13)::bigint % 97 <> right(nir, 2)::integer
                    """)[0].decode(0)
                observed.identifiers = try owner.query("SELECT siren, siret FROM structures WHERE client_number ~ '^S'")
                    .map { (try $0.decode(0), try $0.decode(1)) }
                observed.statuses = try owner.query("""
                    SELECT DISTINCT CASE WHEN a.end_date IS NULL THEN 'ACTIF'
                                         WHEN a.portability_end >= DATE '2026-11-26' THEN 'PORTABILITE' ELSE 'SORTI' END
                    FROM affiliations a JOIN structures s ON s.id = a.structure_id WHERE s.client_number ~ '^S' ORDER BY 1
                    """).map { try $0.decode(0) }
                let withBeneficiaries: Int64 = try owner.query("""
                    SELECT count(DISTINCT b.insured_id) FROM beneficiaries b JOIN structures s ON s.id = b.structure_id
                    WHERE s.client_number ~ '^S'
                    """)[0].decode(0)
                observed.beneficiaryShare = Double(withBeneficiaries) / 500
                let sizes = try owner.query("""
                    SELECT max(n), min(n) FROM (SELECT s.id, count(i.id) AS n FROM structures s
                                                LEFT JOIN insured_people i ON i.structure_id = s.id
                                                WHERE s.client_number ~ '^S' GROUP BY s.id) c
                    """)[0]
                observed.largest = try sizes.decode(0)
                observed.smallest = try sizes.decode(1)
                observed.securityCodes = try owner.query(
                    "SELECT count(*) FROM structures WHERE client_number ~ '^S' AND security_code_hash IS NOT NULL")[0].decode(0)
                observed.documentSizes = try owner.query("""
                    SELECT count(DISTINCT sha256) FROM documents d JOIN structures s ON s.id = d.structure_id WHERE s.client_number ~ '^S'
                    """).map { try $0.decode(0) }
                do {
                    _ = try SyntheticDataset.load(Self.small, on: owner)
                } catch let failure as SeedFailure {
                    observed.refusal = failure
                }
                var replace = Self.small
                replace.replace = true
                observed.replaced = try SyntheticDataset.load(replace, on: owner)
                observed.demoStillThere = try owner.query("""
                    SELECT count(*) FROM ij_payment_lines l JOIN structures s ON s.id = l.structure_id WHERE s.client_number = '1234567'
                    """)[0].decode(0)
                return observed
            }
        }
        let summary = observed.summary
        #expect(summary.structures == 20)
        #expect(summary.insured == 500)
        #expect(summary.ijLines == 2000)
        #expect((400...2000).contains(summary.ijPayments))
        #expect((40...60).contains(summary.contracts))
        #expect((500...1000).contains(summary.affiliations))
        #expect(summary.documents > 0)
        #expect(observed.unbalanced == 0)
        #expect(observed.lineSizes == [1, 5])
        #expect(observed.badLineAmounts == 0)
        #expect(observed.badNIRs == 0)
        #expect(observed.identifiers.count == 20)
        #expect(observed.identifiers.allSatisfy { CompanyIdentifiers.isValidSIREN($0.0) && CompanyIdentifiers.isValidSIRET($0.1) && $0.1.hasPrefix($0.0) })
        #expect(observed.statuses == ["ACTIF", "PORTABILITE", "SORTI"])
        #expect((0.2...0.4).contains(observed.beneficiaryShare))
        #expect(observed.largest >= 5 * max(observed.smallest, 1)) // some big, most small
        #expect(observed.securityCodes == 0)
        #expect(observed.documentSizes == [1]) // one PDF, reused
        #expect(observed.refusal == SeedFailure.syntheticDataPresent(structures: 20))
        #expect(observed.replaced.replacedStructures == 20)
        #expect(observed.replaced.structures == 20)
        #expect(observed.replaced.ijLines == 2000)
        #expect(observed.demoStillThere == 4)
    }

    @Test func syntheticIsDeterministicForASeed() async throws {
        let (first, second, other) = try await onDedicatedThread { () -> (String, String, String) in
            let first = try Self.withMigratedDatabase { owner in
                _ = try SyntheticDataset.load(Self.small, on: owner)
                return try Self.signature(owner)
            }
            let (second, other) = try Self.withMigratedDatabase { owner -> (String, String) in
                // A demo structure first shifts every identity value: the data must not depend on ids.
                _ = try DemoDataset.load(on: owner, hasher: .minimal)
                _ = try SyntheticDataset.load(Self.small, on: owner)
                let second = try Self.signature(owner)
                var reseeded = Self.small
                reseeded.seed = 43
                reseeded.replace = true
                _ = try SyntheticDataset.load(reseeded, on: owner)
                return (second, try Self.signature(owner))
            }
            return (first, second, other)
        }
        #expect(first == second)
        #expect(first != other)
        #expect(!first.hasPrefix("0 "))
    }
}
