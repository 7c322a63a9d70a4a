import Foundation
import Postgres
import Testing
import TestSupport

/// Broken connections and cancellation, against the real server.
@Suite struct RecoveryTests {
    static func terminate(_ pid: Int32) throws {
        let admin = try TestCluster.connectAsSuperuser(database: "postgres")
        try admin.query("SELECT pg_terminate_backend($1::int4)", [pid])
        // Wait until the backend is really gone, so the test does not race its exit.
        for _ in 0..<100 {
            let alive: Int = try admin.query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int4", [pid]).first!.decode(0)
            if alive == 0 { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    @Test func reconnectsAndRepreparesAfterTheBackendWasTerminatedWhileIdle() async throws {
        let (before, after, value, reconnects) = try await onDedicatedThread { () -> (Int32, Int32, Int, Int) in
            let connection = try TestCluster.connect(as: "portal_app")
            let statement = "SELECT $1::int * 2"
            _ = try connection.query(statement, [1])
            let before = try #require(connection.backendPID)
            try Self.terminate(before)
            // Nothing was in flight: the next use replaces the connection and re-prepares the statement.
            let value: Int = try connection.query(statement, [21]).first!.decode(0)
            return (before, try #require(connection.backendPID), value, connection.reconnectCount)
        }
        #expect(value == 42)
        #expect(before != after)
        #expect(reconnects == 1)
    }

    @Test func failsTheStatementInFlightWithoutRerunningIt() async throws {
        let (kind, runs, recovered) = try await onDedicatedThread { () -> (PostgresError.Kind?, Int, Bool) in
            // A database of its own, so the extra table is never seen by tests inspecting the schema.
            try TestCluster.withScratchDatabase { database in
                let admin = try TestCluster.connectAsSuperuser(database: database)
                try admin.execute("CREATE TABLE inflight (run int)")
                try admin.execute("GRANT INSERT, SELECT ON inflight TO portal_app")

                let connection = try TestCluster.connect(as: "portal_app", database: database)
                let pid = try #require(connection.backendPID)
                after(0.3) { try? Self.terminate(pid) }
                var kind: PostgresError.Kind?
                do {
                    // Inserts a row, then sleeps: if it were silently re-run, a row would remain.
                    try connection.query("WITH i AS (INSERT INTO inflight VALUES (1) RETURNING 1) SELECT pg_sleep(5) FROM i")
                } catch let error as PostgresError {
                    kind = error.kind
                }
                let runs: Int = try admin.query("SELECT count(*) FROM inflight").first!.decode(0)
                let recovered: Bool = try connection.query("SELECT true").first!.decode(0)
                return (kind, runs, recovered)
            }
        }
        #expect(kind == .connectionLost)
        #expect(runs == 0) // the terminated statement's transaction never committed, and nothing re-ran it
        #expect(recovered)
    }

    @Test func aTransactionCutByTheServerReportsConnectionLost() async throws {
        let kind = try await onDedicatedThread { () -> PostgresError.Kind? in
            let connection = try TestCluster.connect(as: "portal_app")
            let pid = try #require(connection.backendPID)
            do {
                try connection.transaction { connection in
                    try connection.query("SELECT 1")
                    try Self.terminate(pid)
                    try connection.query("SELECT 2")
                }
                return nil
            } catch let error as PostgresError {
                return error.kind
            }
        }
        #expect(kind == .connectionLost)
    }

    @Test func cancelsARunningStatementFromAnotherThread() async throws {
        let (cancelled, elapsed, usable) = try await onDedicatedThread { () -> (Bool, TimeInterval, Bool) in
            let connection = try TestCluster.connect(as: "portal_app")
            let handle = connection.cancelHandle
            after(0.2) { handle.cancelRunningStatement() }
            var cancelled = false
            let (_, elapsed) = measure {
                do {
                    try connection.query("SELECT pg_sleep(10)")
                } catch let error as PostgresError {
                    cancelled = error.isCancellation
                } catch {}
            }
            let usable: Bool = (try? connection.query("SELECT true").first!.decode(0)) ?? false
            return (cancelled, elapsed, usable)
        }
        #expect(cancelled)
        #expect(elapsed < 5) // generous: the sleep was 10 s, cancellation came after 0.2 s
        #expect(usable)
    }
}
