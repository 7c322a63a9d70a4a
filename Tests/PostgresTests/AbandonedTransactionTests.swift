import Postgres
import Testing
import TestSupport

/// A request cancelled while it rolled back leaves its transaction aborted on the connection; the
/// responder ends it before the connection serves the next request.
@Suite struct AbandonedTransactionTests {
    @Test func endsAnAbortedTransactionSoTheNextStatementRuns() async throws {
        let (poisoned, ended, afterwards, again) = try await onDedicatedThread { () -> (String?, Bool, Int, Bool) in
            let connection = try TestCluster.connect(as: "portal_app")
            try connection.execute("BEGIN")
            _ = try? connection.query("SELECT 1 / 0")
            var poisoned: String?
            do { try connection.query("SELECT 1") } catch let error as PostgresError { poisoned = error.sqlState }
            let ended = connection.rollbackAbandonedTransaction()
            let afterwards: Int = try connection.query("SELECT 1").first!.decode(0)
            return (poisoned, ended, afterwards, connection.rollbackAbandonedTransaction())
        }
        #expect(poisoned == "25P02")  // current transaction is aborted
        #expect(ended)
        #expect(afterwards == 1)
        #expect(!again)  // nothing open any more: no round trip, nothing to report
    }

    @Test func rollsBackAnOpenTransactionAndKeepsNothingOfIt() async throws {
        let (ended, count) = try await onDedicatedThread { () -> (Bool, Int) in
            let connection = try TestCluster.connect(as: "portal_app")
            try connection.execute("CREATE TEMP TABLE t (v int)")
            try connection.execute("BEGIN")
            try connection.execute("INSERT INTO t VALUES (1)")
            let ended = connection.rollbackAbandonedTransaction()
            return (ended, try connection.query("SELECT count(*) FROM t").first!.decode(0))
        }
        #expect(ended)
        #expect(count == 0)
    }

    @Test func leavesATransactionInProgressAlone() async throws {
        let (ended, count) = try await onDedicatedThread { () -> (Bool, Int) in
            let connection = try TestCluster.connect(as: "portal_app")
            try connection.execute("CREATE TEMP TABLE t (v int)")
            var ended = true
            try connection.transaction { connection in
                try connection.execute("INSERT INTO t VALUES (1)")
                ended = connection.rollbackAbandonedTransaction()
            }
            return (ended, try connection.query("SELECT count(*) FROM t").first!.decode(0))
        }
        #expect(!ended)
        #expect(count == 1)
    }
}
