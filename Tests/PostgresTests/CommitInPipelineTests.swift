import Foundation
import Postgres
import Testing
import TestSupport

/// `queriesThenCommit` ends the transaction in the round trip of its statements: committed before
/// `transaction` returns, nothing more may run in it, and a failing statement commits nothing.
@Suite struct CommitInPipelineTests {
    static func connect(caching: Bool, database: String? = nil) throws -> PostgresConnection {
        try PostgresConnection(configuration: PostgresConfiguration(conninfo: try TestCluster.conninfo(user: "portal_owner", database: database),
                                                                    applicationName: "portal-tests",
                                                                    cachesPreparedStatements: caching))
    }

    @Test(arguments: [true, false])
    func theStatementsAndTheCommitGoTogether(caching: Bool) async throws {
        // In a scratch database: a table another session can see, away from the shared schema's checks.
        let (seenFromOutside, refused, afterwards) = try await onDedicatedThread { () -> (Int, PostgresError.Kind?, Int) in
            try TestCluster.withScratchDatabase { database in
                let connection = try Self.connect(caching: caching, database: database)
                let observer = try Self.connect(caching: caching, database: database)
                try connection.execute("CREATE TABLE pipeline_commit_probe (v text PRIMARY KEY)")
                let value = UUID().uuidString
                var seenFromOutside = -1
                var refused: PostgresError.Kind?
                try connection.transaction { tx in
                    let results = try tx.queriesThenCommit([("INSERT INTO pipeline_commit_probe VALUES ($1) RETURNING v", [value]),
                                                            ("SELECT count(*) FROM pipeline_commit_probe WHERE v = $1", [value])])
                    #expect(results.count == 2)
                    #expect(try results[0].first?.decode(0, as: String.self) == value)
                    #expect(try results[1].first?.decode(0, as: Int.self) == 1)
                    // Another session sees the row already: the COMMIT went with the statements.
                    seenFromOutside = try observer.query("SELECT count(*) FROM pipeline_commit_probe WHERE v = $1", [value]).first!.decode(0)
                    do { try tx.execute("DELETE FROM pipeline_commit_probe WHERE v = $1", [value]) } catch let error as PostgresError {
                        refused = error.kind
                    }
                }
                let afterwards: Int = try connection.query("SELECT count(*) FROM pipeline_commit_probe WHERE v = $1", [value]).first!.decode(0)
                connection.close()
                observer.close()
                return (seenFromOutside, refused, afterwards)
            }
        }
        #expect(seenFromOutside == 1)
        #expect(refused == .misuse, "nothing runs after the commit in the same transaction")
        #expect(afterwards == 1)
    }

    @Test(arguments: [true, false])
    func aFailingStatementCommitsNothingAndTheConnectionStaysUsable(caching: Bool) async throws {
        let (sqlState, count, next) = try await onDedicatedThread { () -> (String?, Int, Int) in
            let connection = try Self.connect(caching: caching)
            try connection.execute("CREATE TEMP TABLE t (v int PRIMARY KEY)")
            var sqlState: String?
            do {
                try connection.transaction { tx in
                    try tx.queriesThenCommit([("INSERT INTO t VALUES (1)", []), ("INSERT INTO t VALUES (1)", [])])
                }
            } catch let error as PostgresError {
                sqlState = error.sqlState
            }
            let count: Int = try connection.query("SELECT count(*) FROM t").first!.decode(0)
            // The next transaction is an ordinary one.
            let next: Int = try connection.transaction { tx in
                try tx.execute("INSERT INTO t VALUES (2)")
                return try tx.query("SELECT count(*) FROM t").first!.decode(0)
            }
            return (sqlState, count, next)
        }
        #expect(sqlState == "23505")
        #expect(count == 0, "the first INSERT was not committed")
        #expect(next == 1)
    }

    @Test func outsideATransactionItIsRefused() async throws {
        let kind = try await onDedicatedThread { () -> PostgresError.Kind? in
            let connection = try Self.connect(caching: true)
            do { _ = try connection.queriesThenCommit([("SELECT 1", [])]) } catch let error as PostgresError { return error.kind }
            return nil
        }
        #expect(kind == .misuse)
    }
}
