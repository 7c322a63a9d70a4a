import Foundation
import Postgres
import Testing
import TestSupport

/// A transaction's BEGIN goes out with its first statement, and `queries` sends several statements
/// at once (pipeline mode): everything must behave as one statement after the other would, with
/// prepared statements and without.
@Suite struct PipelineTests {
    static func connect(caching: Bool) throws -> PostgresConnection {
        try PostgresConnection(configuration: PostgresConfiguration(conninfo: try TestCluster.conninfo(user: "portal_app"),
                                                                    applicationName: "portal-tests",
                                                                    cachesPreparedStatements: caching))
    }

    @Test(arguments: [true, false])
    func theFirstStatementRunsInTheSameTransactionAsTheRest(caching: Bool) async throws {
        let (inside, outside) = try await onDedicatedThread { () -> ([Int64], [Int64]) in
            let connection = try Self.connect(caching: caching)
            let inside = try connection.transaction { tx in
                [try tx.query("SELECT txid_current()").first!.decode(0, as: Int64.self),
                 try tx.query("SELECT txid_current()").first!.decode(0, as: Int64.self)]
            }
            let outside = [try connection.query("SELECT txid_current()").first!.decode(0, as: Int64.self),
                           try connection.query("SELECT txid_current()").first!.decode(0, as: Int64.self)]
            return (inside, outside)
        }
        #expect(inside[0] == inside[1])
        #expect(outside[0] != outside[1])
    }

    @Test(arguments: [true, false])
    func aFailingFirstStatementRollsBackAndLeavesTheConnectionIdle(caching: Bool) async throws {
        let (sqlState, savepointRefused, count) = try await onDedicatedThread { () -> (String?, Bool, Int) in
            let connection = try Self.connect(caching: caching)
            try connection.execute("CREATE TEMP TABLE t (v int PRIMARY KEY)")
            try connection.execute("INSERT INTO t VALUES (1)")
            var sqlState: String?
            do {
                try connection.transaction { tx in
                    try tx.execute("INSERT INTO t VALUES (1)") // duplicate: fails
                    try tx.execute("INSERT INTO t VALUES (2)")
                }
            } catch let error as PostgresError {
                sqlState = error.sqlState
            }
            // Outside any transaction block, SAVEPOINT is refused.
            var savepointRefused = false
            do { try connection.execute("SAVEPOINT s") } catch { savepointRefused = true }
            return (sqlState, savepointRefused, try connection.query("SELECT count(*) FROM t").first!.decode(0))
        }
        #expect(sqlState == "23505")
        #expect(savepointRefused)
        #expect(count == 1)
    }

    @Test func aFirstStatementThatWroteIsRolledBackWhenTheBodyThrows() async throws {
        struct Boom: Error {}
        let count = try await onDedicatedThread { () -> Int in
            let connection = try Self.connect(caching: true)
            try connection.execute("CREATE TEMP TABLE t (v int)")
            _ = try? connection.transaction { tx in
                try tx.execute("INSERT INTO t VALUES (1)")
                throw Boom()
            }
            return try connection.query("SELECT count(*) FROM t").first!.decode(0)
        }
        #expect(count == 0)
    }

    @Test func aTransactionThatRunsNoStatementCostsNoRoundTrip() async throws {
        let (value, time, usable) = try await onDedicatedThread { () -> (Int, Duration, Bool) in
            let connection = try Self.connect(caching: true)
            try connection.query("SELECT 1")
            let before = connection.databaseTime
            let value = try connection.transaction { _ in 42 }
            let time = connection.databaseTime - before
            return (value, time, try connection.query("SELECT true").first!.decode(0))
        }
        #expect(value == 42)
        #expect(time == .zero)
        #expect(usable)
    }

    @Test func aConnectionBrokenWhileIdleIsReplacedBeforeTheTransactionBegins() async throws {
        let (value, reconnects) = try await onDedicatedThread { () -> (Int, Int) in
            let connection = try Self.connect(caching: true)
            try connection.query("SELECT 1")
            try RecoveryTests.terminate(try #require(connection.backendPID))
            // Nothing of the transaction was sent yet: replacing the connection re-runs nothing.
            let value: Int = try connection.transaction { tx in try tx.query("SELECT $1::int * 2", [21]).first!.decode(0) }
            return (value, connection.reconnectCount)
        }
        #expect(value == 42)
        #expect(reconnects == 1)
    }

    @Test func theFirstStatementCanBeCancelled() async throws {
        let (cancelled, elapsed, usable) = try await onDedicatedThread { () -> (Bool, TimeInterval, Bool) in
            let connection = try Self.connect(caching: true)
            let handle = connection.cancelHandle
            after(0.2) { handle.cancelRunningStatement() }
            var cancelled = false
            let (_, elapsed) = measure {
                do {
                    try connection.transaction { tx in try tx.query("SELECT pg_sleep(10)") }
                } catch let error as PostgresError {
                    cancelled = error.isCancellation
                } catch {}
            }
            return (cancelled, elapsed, (try? connection.query("SELECT true").first!.decode(0)) ?? false)
        }
        #expect(cancelled)
        #expect(elapsed < 5)
        #expect(usable)
    }

    @Test func copyAndScriptsInATransactionStillWork() async throws {
        let count = try await onDedicatedThread { () -> Int in
            let connection = try Self.connect(caching: true)
            try connection.execute("CREATE TEMP TABLE t (v int)")
            try connection.transaction { tx in
                try tx.copyFrom("COPY t FROM STDIN") { writer in try writer.write(Array("1\n2\n".utf8)) }
                try tx.executeScript("INSERT INTO t VALUES (3); INSERT INTO t VALUES (4)")
            }
            return try connection.query("SELECT count(*) FROM t").first!.decode(0)
        }
        #expect(count == 4)
    }

    @Test(arguments: [true, false])
    func independentStatementsComeBackInOrder(caching: Bool) async throws {
        let (values, sameTransaction) = try await onDedicatedThread { () -> ([Int], Bool) in
            let connection = try Self.connect(caching: caching)
            return try connection.transaction { tx in
                let results = try tx.queries([("SELECT $1::int", [1]), ("SELECT $1::int + 1", [1]), ("SELECT txid_current()", []),
                                              ("SELECT generate_series(1, $1::int)", [3])])
                let after: Int64 = try tx.query("SELECT txid_current()").first!.decode(0)
                return ([try results[0].first!.decode(0), try results[1].first!.decode(0), results[3].count],
                        try results[2].first!.decode(0, as: Int64.self) == after)
            }
        }
        #expect(values == [1, 2, 3])
        #expect(sameTransaction)
    }

    @Test func noStatementsIsNoRoundTrip() async throws {
        let (count, time) = try await onDedicatedThread { () -> (Int, Duration) in
            let connection = try Self.connect(caching: true)
            let before = connection.databaseTime
            return (try connection.queries([]).count, connection.databaseTime - before)
        }
        #expect(count == 0)
        #expect(time == .zero)
    }

    @Test(arguments: [true, false])
    func theFirstFailureThrowsAndWhatFollowsDoesNotRun(caching: Bool) async throws {
        let (sqlState, count) = try await onDedicatedThread { () -> (String?, Int) in
            let connection = try Self.connect(caching: caching)
            try connection.execute("CREATE TEMP TABLE t (v int PRIMARY KEY)")
            var sqlState: String?
            do {
                // Outside a transaction: one implicit transaction, so the first insert goes too.
                _ = try connection.queries([("INSERT INTO t VALUES (1)", []), ("SELECT 1/0", []), ("INSERT INTO t VALUES (2)", [])])
            } catch let error as PostgresError {
                sqlState = error.sqlState
            }
            return (sqlState, try connection.query("SELECT count(*) FROM t").first!.decode(0))
        }
        #expect(sqlState == "22012")
        #expect(count == 0)
    }

    @Test func aParameterWithANulByteIsRefusedBeforeAnythingIsSent() async throws {
        let (kind, count) = try await onDedicatedThread { () -> (PostgresError.Kind?, Int) in
            let connection = try Self.connect(caching: true)
            try connection.execute("CREATE TEMP TABLE t (v text)")
            var kind: PostgresError.Kind?
            do {
                _ = try connection.queries([("INSERT INTO t VALUES ($1)", ["ok"]), ("INSERT INTO t VALUES ($1)", ["a\u{0}b"])])
            } catch let error as PostgresError {
                kind = error.kind
            }
            return (kind, try connection.query("SELECT count(*) FROM t").first!.decode(0))
        }
        #expect(kind == .misuse)
        #expect(count == 0)
    }
}
