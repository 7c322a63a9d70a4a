import Foundation
import Portal
import Postgres
import Testing
import TestSupport

/// Migration 0006 replaces the IJ tables' foreign keys by statement-level triggers: these tests hold
/// them to what a foreign key guarantees (missing parents refused, cascades, NO ACTION, stable keys,
/// parents locked until the child commits), on a scratch database with the demo data.
@Suite struct IJIntegrityTests {
    static let foreignKeyViolation = "23503"

    /// The owner's connection, the demo structure's id, one of its payments with lines, one insured
    /// person with lines and one without.
    struct Demo {
        let database: String
        let owner: PostgresConnection
        let structureID: Int64
        let paymentID: Int64
        let insuredWithLines: Int64
        let insuredWithoutLines: Int64
    }

    static func withDemo<T>(_ body: (Demo) throws -> T) throws -> T {
        let migrations = try Migration.load(from: try TestCluster.migrationsDirectory)
        return try TestCluster.withScratchDatabase { database in
            let owner = try TestCluster.connect(as: "portal_owner", database: database)
            try MigrationRunner(connection: owner).apply(migrations)
            _ = try DemoDataset.load(on: owner, hasher: .minimal)
            let row = try owner.query("""
                SELECT p.structure_id, p.id, l.insured_id,
                       (SELECT i.id FROM insured_people i WHERE i.structure_id = p.structure_id
                          AND NOT EXISTS (SELECT 1 FROM ij_payment_lines x WHERE x.insured_id = i.id) ORDER BY i.id LIMIT 1)
                FROM ij_payments p JOIN ij_payment_lines l ON l.structure_id = p.structure_id AND l.payment_id = p.id
                ORDER BY p.id LIMIT 1
                """).first!
            return try body(Demo(database: database, owner: owner, structureID: try row.decode(0), paymentID: try row.decode(1),
                                 insuredWithLines: try row.decode(2), insuredWithoutLines: try row.decode(3)))
        }
    }

    static func sqlState(_ connection: PostgresConnection, _ sql: String, _ binds: [any PostgresBindable] = []) -> String? {
        do {
            try connection.execute(sql, binds)
            return nil
        } catch let error as PostgresError {
            return error.sqlState ?? "?"
        } catch {
            return "?"
        }
    }

    static func count(_ connection: PostgresConnection, _ sql: String, _ binds: [any PostgresBindable] = []) throws -> Int {
        try connection.query(sql, binds).first!.decode(0)
    }

    static let insertLine = """
        INSERT INTO ij_payment_lines (structure_id, payment_id, line_no, insured_id, beneficiary_name, period_start, period_end,
                                      nature, days, ss_daily, other_movement, insurer_daily)
        VALUES ($1, $2, 99, $3, 'NOM Prénom', '2026-10-01', '2026-10-01', 'MAL', 1, 1.00, 0.00, 2.00)
        """

    @Test func childrenWithoutTheirParentsAreRefused() async throws {
        try await onDedicatedThread {
            try Self.withDemo { demo throws in
                let owner = demo.owner
                #expect(Self.sqlState(owner, Self.insertLine, [demo.structureID, Int64(999_999_999), demo.insuredWithLines])
                        == Self.foreignKeyViolation)
                #expect(Self.sqlState(owner, Self.insertLine, [demo.structureID, demo.paymentID, Int64(999_999_999)])
                        == Self.foreignKeyViolation)
                // Parents of another structure do not count: the reference includes structure_id.
                let other: Int64 = try owner.query("""
                    INSERT INTO structures (client_number, siren, siret, name) VALUES ('7777777', '123456782', '12345678200010', 'AUTRE')
                    RETURNING id
                    """).first!.decode(0)
                #expect(Self.sqlState(owner, Self.insertLine, [other, demo.paymentID, demo.insuredWithLines]) == Self.foreignKeyViolation)
                #expect(Self.sqlState(owner, """
                    INSERT INTO ij_payments (structure_id, payment_ref, payment_date, amount) VALUES (999999999, 'NOPE', '2026-11-20', 1.00)
                    """) == Self.foreignKeyViolation)
                // And a right one goes in.
                #expect(Self.sqlState(owner, Self.insertLine, [demo.structureID, demo.paymentID, demo.insuredWithoutLines]) == nil)
            }
        }
    }

    @Test func deletesCascadeFromStructuresToPaymentsToLines() async throws {
        try await onDedicatedThread {
            try Self.withDemo { demo throws in
                let owner = demo.owner
                let lines = try Self.count(owner, "SELECT count(*) FROM ij_payment_lines WHERE payment_id = $1", [demo.paymentID])
                #expect(lines > 0)
                try owner.execute("DELETE FROM ij_payments WHERE id = $1", [demo.paymentID])
                #expect(try Self.count(owner, "SELECT count(*) FROM ij_payment_lines WHERE payment_id = $1", [demo.paymentID]) == 0)
                #expect(try Self.count(owner, "SELECT count(*) FROM ij_payments WHERE structure_id = $1", [demo.structureID]) > 0)
                // A structure takes its insured people (ordinary foreign key) and its IJ rows (triggers) along.
                try owner.execute("DELETE FROM structures WHERE id = $1", [demo.structureID])
                #expect(try Self.count(owner, "SELECT count(*) FROM ij_payments WHERE structure_id = $1", [demo.structureID]) == 0)
                #expect(try Self.count(owner, "SELECT count(*) FROM ij_payment_lines WHERE structure_id = $1", [demo.structureID]) == 0)
            }
        }
    }

    @Test func anInsuredPersonWithLinesCannotBeDeletedNorItsKeyChanged() async throws {
        try await onDedicatedThread {
            try Self.withDemo { demo throws in
                let owner = demo.owner
                #expect(Self.sqlState(owner, "DELETE FROM insured_people WHERE id = $1", [demo.insuredWithLines]) == Self.foreignKeyViolation)
                #expect(Self.sqlState(owner, "DELETE FROM insured_people WHERE id = $1", [demo.insuredWithoutLines]) == nil)
                #expect(Self.sqlState(owner, "UPDATE ij_payments SET structure_id = structure_id + 1 WHERE id = $1", [demo.paymentID])
                        == Self.foreignKeyViolation)
                #expect(Self.sqlState(owner, "UPDATE insured_people SET structure_id = structure_id + 1 WHERE id = $1",
                                      [demo.insuredWithLines]) == Self.foreignKeyViolation)
                #expect(try Self.count(owner, "SELECT count(*) FROM insured_people WHERE id = $1", [demo.insuredWithLines]) == 1)
            }
        }
    }

    /// As with a foreign key, the parent a new line relies on stays locked until the line commits:
    /// a concurrent delete waits, then sees the line and is refused.
    @Test func aParentCannotBeDeletedUnderAnUncommittedChild() async throws {
        try await onDedicatedThread {
            try Self.withDemo { demo throws in
                let writer = try TestCluster.connect(as: "portal_owner", database: demo.database)
                let deleter = try TestCluster.connect(as: "portal_owner", database: demo.database)
                try writer.execute("BEGIN")
                try writer.execute(Self.insertLine, [demo.structureID, demo.paymentID, demo.insuredWithoutLines])
                try deleter.execute("SET lock_timeout = '300ms'")
                #expect(Self.sqlState(deleter, "DELETE FROM insured_people WHERE id = $1", [demo.insuredWithoutLines]) == "55P03")
                try writer.execute("COMMIT")
                #expect(Self.sqlState(deleter, "DELETE FROM insured_people WHERE id = $1", [demo.insuredWithoutLines])
                        == Self.foreignKeyViolation)
            }
        }
    }
}
