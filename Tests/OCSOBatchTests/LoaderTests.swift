import Foundation
import Logging
@testable import OCSOBatch
import Portal
import Postgres
import Synchronization
import Testing
import TestSupport

/// The loader against a real database: a scratch database per test, migrated, with the guide's
/// demo structure (client number 1234567, SIRET 99999999800019, insured 123456700001…05).
@Suite struct LoaderTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let siret = "99999999800019"

    static func withDemoDatabase<T>(_ body: (String) throws -> T) throws -> T {
        let migrations = try Migration.load(from: try TestCluster.migrationsDirectory)
        return try TestCluster.withScratchDatabase { database in
            let owner = try TestCluster.connect(as: "portal_owner", database: database)
            try MigrationRunner(connection: owner).apply(migrations)
            _ = try DemoDataset.load(on: owner, hasher: .minimal)
            return try body(database)
        }
    }

    static func loader(_ database: String, strict: Bool = false, dryRun: Bool = false) throws -> BatchLoader {
        var options = BatchLoader.Options()
        options.strict = strict
        options.dryRun = dryRun
        return BatchLoader(connection: try TestCluster.connect(as: "portal_worker", database: database), options: options, logger: logger)
    }

    /// Loads `text` from a temporary file that lives until the load is over.
    static func load(_ text: String, _ database: String, strict: Bool = false, dryRun: Bool = false) throws -> BatchOutcome {
        let file = try TemporaryFile(text)
        return try withExtendedLifetime(file) { try loader(database, strict: strict, dryRun: dryRun).load(path: file.path) }
    }

    /// An IJ file: each payment is (ref, client number, siret, [(matricule, days, ss, insurer)]),
    /// its amount the exact sum of its lines unless `amountOverride` says otherwise.
    static func ijFile(batch: String, _ payments: [(String, String, String, [(String, Int, Int, Int)])],
                       amountOverride: [String: String] = [:]) -> String {
        var body: [String] = []
        var control: Int64 = 0
        var lineCount = 0
        for (ref, client, siret, lines) in payments {
            let sum = lines.reduce(Int64(0)) { $0 + Int64($1.1) * Int64($1.3 - $1.2) }
            let amount = amountOverride[ref] ?? Cents(sum).description
            control += Cents(decimal: amount)!.value
            body.append("R;\(ref);\(client);\(siret);2026-11-20;\(amount)")
            for (matricule, days, ss, insurer) in lines {
                let end = CalendarDate(daysSinceUnixEpoch: CalendarDate(iso: "2026-10-01")!.daysSinceUnixEpoch + days - 1)!
                body.append("L;\(ref);\(matricule);NOM Prénom;2026-10-01;\(end);MAL;\(days);\(Cents(Int64(ss)));0.00;\(Cents(Int64(insurer)))")
                lineCount += 1
            }
        }
        let header = "H;IJ;1;\(batch);2026-11-25T22:14:03+01:00;OCSO tests"
        let trailer = "T;\(body.count + 2);\(payments.count);\(lineCount);\(Cents(control))"
        return ([header] + body + [trailer]).joined(separator: "\n") + "\n"
    }

    static func count(_ sql: String, _ binds: [any PostgresBindable] = [], database: String) throws -> Int {
        try TestCluster.connect(as: "portal_owner", database: database).query(sql, binds).first!.decode(0)
    }

    @Test func loadsGoodPaymentsAndRecordsEveryRejection() async throws {
        try await onDedicatedThread {
            try Self.withDemoDatabase { database in
                let file = try TemporaryFile(Self.ijFile(batch: "B-MIXED", [
                    ("P1", "1234567", Self.siret, [("123456700001", 20, 3234, 6003)]),          // 553.80, the guide's example
                    ("P2", "7654321", Self.siret, [("123456700001", 1, 100, 200)]),             // unknown client number
                    ("P3", "1234567", "12345678210001", [("123456700001", 1, 100, 200)]),       // SIRET of another structure
                    ("P4", "1234567", Self.siret, [("123456700002", 2, 100, 200), ("999999999999", 1, 100, 200)]), // unknown matricule
                    ("P5", "1234567", Self.siret, [("123456700003", 3, 1000, 2000)]),           // amount off
                ], amountOverride: ["P5": "29.99"]))
                let outcome = try Self.loader(database).load(path: file.path)
                #expect(outcome.status == .loaded)
                #expect(outcome.itemsLoaded == 1)
                #expect(outcome.itemsRejected == 4)
                let reasons = try TestCluster.connect(as: "portal_owner", database: database).query(
                    "SELECT r.item_key, r.reason, r.line_number FROM batch_rejects r JOIN batch_files f ON f.id = r.batch_file_id ORDER BY r.line_number")
                    .map { [try $0.decode(0, as: String.self), try $0.decode(1, as: String.self), String(try $0.decode(2, as: Int.self))] }
                #expect(reasons == [["P2", "unknown_client_number", "4"], ["P3", "siret_mismatch", "6"],
                                    ["P4", "unknown_matricule", "8"], ["P5", "amount_mismatch", "11"]])
                let amount: Cents = try TestCluster.connect(as: "portal_owner", database: database)
                    .query("SELECT amount FROM ij_payments WHERE payment_ref = 'P1'").first!.decode(0)
                #expect(amount == Cents(55380))
                #expect(try Self.count("SELECT count(*) FROM ij_payments WHERE batch_id = 'B-MIXED'", database: database) == 1)
                #expect(try Self.count("SELECT count(*) FROM ij_payment_lines l JOIN ij_payments p ON p.id = l.payment_id WHERE p.batch_id = 'B-MIXED'",
                                       database: database) == 1)
                // The report beside the file lists the same rejections.
                let report = try String(contentsOfFile: try #require(outcome.reportPath), encoding: .utf8)
                for code in ["unknown_client_number", "siret_mismatch", "unknown_matricule", "amount_mismatch"] {
                    #expect(report.contains(code))
                }
            }
        }
    }

    @Test func theSameBatchTwiceChangesNothingAndOtherContentIsRefused() async throws {
        try await onDedicatedThread {
            try Self.withDemoDatabase { database in
                let text = Self.ijFile(batch: "B-ONCE", [("Q1", "1234567", Self.siret, [("123456700001", 2, 100, 300)])])
                let first = try TemporaryFile(text)
                #expect(try Self.loader(database).load(path: first.path).status == .loaded)
                let again = try Self.load(text, database)
                #expect(again.status == .alreadyLoaded)
                let altered = try Self.load(Self.ijFile(batch: "B-ONCE", [("Q2", "1234567", Self.siret, [("123456700001", 2, 100, 300)])]),
                                            database)
                #expect(altered.status == .rejected)
                #expect(altered.reason == "batch_id_reused")
                #expect(try Self.count("SELECT count(*) FROM ij_payments WHERE batch_id = 'B-ONCE'", database: database) == 1)
                #expect(try Self.count("SELECT count(*) FROM batch_files WHERE batch_id = 'B-ONCE' AND status = 'loaded'", database: database) == 1)
            }
        }
    }

    @Test func laterOccurrencesOfAReferenceInsideTheFileAreRejected() async throws {
        try await onDedicatedThread {
            try Self.withDemoDatabase { database in
                let payment = ("D1", "1234567", Self.siret, [("123456700001", 2, 100, 300)])
                // D2's first occurrence is wrong (its period does not match its days) and rejected
                // by the parser: the second, otherwise right, is still a duplicate.
                var text = Self.ijFile(batch: "B-DUPS", [
                    payment, ("D2", "1234567", Self.siret, [("123456700002", 1, 100, 200)]), payment,
                    ("D2", "1234567", Self.siret, [("123456700002", 1, 100, 200)]), payment,
                ])
                let firstD2Line = try #require(text.range(of: "L;D2;123456700002;NOM Prénom;2026-10-01;2026-10-01"))
                text.replaceSubrange(firstD2Line, with: "L;D2;123456700002;NOM Prénom;2026-10-01;2026-10-02")
                let outcome = try Self.load(text, database)
                #expect(outcome.status == .loaded)
                #expect(outcome.itemsLoaded == 1)
                #expect(outcome.itemsRejected == 4)
                let reasons: [String] = try TestCluster.connect(as: "portal_owner", database: database).query(
                    "SELECT item_key || ' ' || reason || ' ' || line_number FROM batch_rejects ORDER BY line_number")
                    .map { row -> String in try row.decode(0) }
                #expect(reasons == ["D2;123456700002 days_inconsistent 5", "D1 duplicate_payment_ref 6", "D2 duplicate_payment_ref 8",
                                    "D1 duplicate_payment_ref 10"])
                #expect(try Self.count("SELECT count(*) FROM ij_payments WHERE batch_id = 'B-DUPS'", database: database) == 1)
            }
        }
    }

    @Test func aPaymentAlreadyLoadedByAnotherBatchIsRejected() async throws {
        try await onDedicatedThread {
            try Self.withDemoDatabase { database in
                let payment = ("DUP1", "1234567", Self.siret, [("123456700001", 2, 100, 300)])
                _ = try Self.load(Self.ijFile(batch: "B-A", [payment]), database)
                let second = try Self.load(Self.ijFile(batch: "B-B", [payment]), database)
                #expect(second.status == .loaded)
                #expect(second.itemsLoaded == 0)
                #expect(second.itemsRejected == 1)
                #expect(try Self.count("SELECT count(*) FROM batch_rejects WHERE reason = 'duplicate_payment_ref'", database: database) == 1)
            }
        }
    }

    @Test func aFileLevelErrorStoresNothingButTheRejection() async throws {
        try await onDedicatedThread {
            try Self.withDemoDatabase { database in
                let good = Self.ijFile(batch: "B-TRUNC", [("T1", "1234567", Self.siret, [("123456700001", 2, 100, 300)])])
                let truncated = String(good.split(separator: "\n").dropLast().joined(separator: "\n")) + "\n"
                let outcome = try Self.load(truncated, database)
                #expect(outcome.status == .rejected)
                #expect(outcome.reason == "missing_trailer")
                #expect(try Self.count("SELECT count(*) FROM ij_payments WHERE payment_ref = 'T1'", database: database) == 0)
                #expect(try Self.count("SELECT count(*) FROM batch_files WHERE status = 'rejected' AND reason = 'missing_trailer'",
                                       database: database) == 1)
                // Fixed and sent again, it loads.
                #expect(try Self.load(good, database).status == .loaded)
            }
        }
    }

    @Test func strictModeRefusesTheFileAndDryRunWritesNothing() async throws {
        try await onDedicatedThread {
            try Self.withDemoDatabase { database in
                let text = Self.ijFile(batch: "B-STRICT", [
                    ("S1", "1234567", Self.siret, [("123456700001", 2, 100, 300)]),
                    ("S2", "7654321", Self.siret, [("123456700001", 2, 100, 300)]),
                ])
                let dry = try Self.load(text, database, dryRun: true)
                #expect(dry.status == .validated)
                #expect(dry.itemsLoaded == 1)
                #expect(dry.itemsRejected == 1)
                #expect(try Self.count("SELECT count(*) FROM batch_files", database: database) == 0)
                let strict = try Self.load(text, database, strict: true)
                #expect(strict.status == .rejected)
                #expect(strict.reason == "strict_item_rejected")
                #expect(try Self.count("SELECT count(*) FROM ij_payments WHERE batch_id = 'B-STRICT'", database: database) == 0)
                // Without --strict the same batch still loads: a rejected file does not burn its batch_id.
                #expect(try Self.load(text, database).status == .loaded)
            }
        }
    }

    @Test func twoWorkersOnTheSameFileLoadItOnce() async throws {
        try await onDedicatedThread {
            try Self.withDemoDatabase { database in
                let payments = (1...300).map { ("C\($0)", "1234567", Self.siret, [("123456700001", 2, 100, 300)]) }
                let file = try TemporaryFile(Self.ijFile(batch: "B-RACE", payments))
                let outcomes = Mutex<[BatchOutcome.Status]>([])
                let done = DispatchGroup()
                for _ in 0..<2 {
                    done.enter()
                    let path = file.path
                    Thread {
                        defer { done.leave() }
                        do {
                            let outcome = try Self.loader(database).load(path: path)
                            outcomes.withLock { $0.append(outcome.status) }
                        } catch {
                            Issue.record("load failed: \(error)")
                        }
                    }.start()
                }
                done.wait()
                #expect(outcomes.withLock { $0.sorted { $0.rawValue < $1.rawValue } } == [.alreadyLoaded, .loaded])
                #expect(try Self.count("SELECT count(*) FROM ij_payments WHERE batch_id = 'B-RACE'", database: database) == 300)
            }
        }
    }

    @Test func affiliationDataIsUpsertedAndDependentsOfBadRecordsRejected() async throws {
        try await onDedicatedThread {
            try Self.withDemoDatabase { database in
                let lines = [
                    "H;AFF;1;A-1;2026-11-25T22:14:03+01:00;OCSO tests",
                    "C;NEW-P;1234567;PREVOYANCE;Cadres;1234567/CA/P;2026-01-01;",
                    "C;BAD-C;7654321;SANTE;Tous;7654321/EP/S;2026-01-01;",
                    "G;NEW-P;DC;Décès Toutes Causes;TRIMESTRIEL_ECHU;OCSO",
                    "G;NOPE;DC;Décès;TRIMESTRIEL_ECHU;OCSO",
                    "I;1234567;123456700009;NOUVEAU;Assuré;185057512345673;1985-05-07;1 rue du Test;33700;MERIGNAC",
                    "I;1234567;123456700010;FAUX;Nir;185057512345699;1985-05-07;1 rue du Test;33700;MERIGNAC",
                    "A;123456700009;NEW-P;2026-01-01;;",
                    "A;123456700010;NEW-P;2026-01-01;;",
                    "B;123456700009;NOUVEAU;Enfant;EA;2015-03-04;2026-01-01;;",
                ]
                let text = (lines + ["T;\(lines.count + 1);4;5;0.00"]).joined(separator: "\n") + "\n"
                let outcome = try Self.load(text, database)
                #expect(outcome.status == .loaded)
                let owner = try TestCluster.connect(as: "portal_owner", database: database)
                let rejected = try owner.query("SELECT line_number, reason FROM batch_rejects ORDER BY line_number").map {
                    "\(try $0.decode(0, as: Int.self)):\(try $0.decode(1, as: String.self))"
                }
                #expect(rejected == ["3:unknown_client_number", "5:unknown_contract_ref", "7:invalid_nir", "9:unknown_matricule"])
                #expect(try Self.count("SELECT count(*) FROM contracts WHERE contract_ref = 'NEW-P'", database: database) == 1)
                #expect(try Self.count("SELECT count(*) FROM guarantees g JOIN contracts c ON c.id = g.contract_id WHERE c.contract_ref = 'NEW-P'",
                                       database: database) == 1)
                #expect(try Self.count("SELECT count(*) FROM insured_people WHERE matricule IN ('123456700009', '123456700010')",
                                       database: database) == 1)
                #expect(try Self.count("SELECT count(*) FROM beneficiaries WHERE first_name = 'Enfant'", database: database) == 1)
                // Upserts: the same records again change nothing and duplicate nothing.
                let again = lines.map { $0.replacingOccurrences(of: "H;AFF;1;A-1;", with: "H;AFF;1;A-2;") }
                _ = try Self.load((again + ["T;\(lines.count + 1);4;5;0.00"]).joined(separator: "\n") + "\n", database)
                #expect(try Self.count("SELECT count(*) FROM affiliations a JOIN contracts c ON c.id = a.contract_id WHERE c.contract_ref = 'NEW-P'",
                                       database: database) == 1)
            }
        }
    }
}
