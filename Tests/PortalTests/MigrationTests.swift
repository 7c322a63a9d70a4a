import Foundation
import Portal
import Postgres
import Testing
import TestSupport

@Suite struct MigrationTests {
    /// A directory of migration files for one test.
    static func directory(_ files: [String: String]) throws -> String {
        let path = NSTemporaryDirectory() + "migrations-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, sql) in files {
            try sql.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
        }
        return path
    }

    @Test func appliesTheProjectsMigrationsOnceThenIsANoOp() async throws {
        let directory = try TestCluster.migrationsDirectory
        let (first, second, tables) = try await onDedicatedThread { () -> (MigrationRunner.Outcome, MigrationRunner.Outcome, Int) in
            try TestCluster.withScratchDatabase { database in
                let connection = try TestCluster.connect(as: "portal_owner", database: database)
                let migrations = try Migration.load(from: directory)
                let first = try MigrationRunner(connection: connection).apply(migrations)
                let second = try MigrationRunner(connection: connection).apply(migrations)
                let tables: Int = try connection.query(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'").first!.decode(0)
                return (first, second, tables)
            }
        }
        #expect(!first.applied.isEmpty)
        #expect(second.applied.isEmpty)
        #expect(second.alreadyApplied == first.applied.count)
        #expect(tables >= 6)
    }

    @Test func refusesAnAppliedFileThatChanged() async throws {
        let original = try Self.directory(["0001_first.sql": "CREATE TABLE a (id int);"])
        let edited = try Self.directory(["0001_first.sql": "CREATE TABLE a (id bigint);"])
        let error = try await onDedicatedThread { () -> MigrationError? in
            try TestCluster.withScratchDatabase { database in
                let connection = try TestCluster.connect(as: "portal_owner", database: database)
                try MigrationRunner(connection: connection).apply(try Migration.load(from: original))
                do {
                    try MigrationRunner(connection: connection).apply(try Migration.load(from: edited))
                    return nil
                } catch let error as MigrationError {
                    return error
                }
            }
        }
        #expect(error == .changedAfterApply(version: 1, name: "first"))
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        let files = try Self.directory([
            "0001_good.sql": "CREATE TABLE good (id int);",
            "0002_bad.sql": "CREATE TABLE half (id int); SELECT no_such_column FROM good;",
        ])
        let (sqlState, recorded, halfExists) = try await onDedicatedThread { () -> (String?, [Int], Bool) in
            try TestCluster.withScratchDatabase { database in
                let connection = try TestCluster.connect(as: "portal_owner", database: database)
                var sqlState: String?
                do {
                    try MigrationRunner(connection: connection).apply(try Migration.load(from: files))
                } catch let error as PostgresError {
                    sqlState = error.sqlState
                }
                let recorded = try connection.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(0, as: Int.self) }
                let half: Bool = try connection.query("SELECT to_regclass('half') IS NOT NULL").first!.decode(0)
                return (sqlState, recorded, half)
            }
        }
        #expect(sqlState == "42703")
        #expect(recorded == [1])
        #expect(!halfExists)
    }

    @Test func refusesMisnamedAndDuplicateFiles() throws {
        #expect(throws: MigrationError.badFileName("1_first.sql")) {
            try Migration.load(from: try Self.directory(["1_first.sql": "SELECT 1;"]))
        }
        #expect(throws: MigrationError.duplicateVersion(2, "a", "b")) {
            try Migration.load(from: try Self.directory(["0002_a.sql": "SELECT 1;", "0002_b.sql": "SELECT 1;"]))
        }
    }

    @Test func refusesAHistoryWhoseFileDisappeared() async throws {
        let both = try Self.directory(["0001_a.sql": "SELECT 1;", "0002_b.sql": "SELECT 2;"])
        let onlyFirst = try Self.directory(["0001_a.sql": "SELECT 1;"])
        let error = try await onDedicatedThread { () -> MigrationError? in
            try TestCluster.withScratchDatabase { database in
                let connection = try TestCluster.connect(as: "portal_owner", database: database)
                try MigrationRunner(connection: connection).apply(try Migration.load(from: both))
                do {
                    try MigrationRunner(connection: connection).apply(try Migration.load(from: onlyFirst))
                    return nil
                } catch let error as MigrationError {
                    return error
                }
            }
        }
        #expect(error == .missingFile(version: 2, name: "b"))
    }
}
