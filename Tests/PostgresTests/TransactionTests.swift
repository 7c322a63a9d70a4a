import Postgres
import Testing
import TestSupport

@Suite struct TransactionTests {
    struct Boom: Error {}

    @Test func commitsWhatTheBodyDid() async throws {
        let count = try await onDedicatedThread { () -> Int in
            let connection = try TestCluster.connect(as: "portal_app")
            try connection.execute("CREATE TEMP TABLE t (v int)")
            try connection.transaction { try $0.execute("INSERT INTO t VALUES (1), (2)") }
            return try connection.query("SELECT count(*) FROM t").first!.decode(0)
        }
        #expect(count == 2)
    }

    @Test func rollsBackWhenTheBodyThrows() async throws {
        let (thrown, count, inTransaction) = try await onDedicatedThread { () -> (Bool, Int, Bool) in
            let connection = try TestCluster.connect(as: "portal_app")
            try connection.execute("CREATE TEMP TABLE t (v int)")
            var thrown = false
            do {
                try connection.transaction { connection in
                    try connection.execute("INSERT INTO t VALUES (1)")
                    throw Boom()
                }
            } catch is Boom {
                thrown = true
            }
            return (thrown, try connection.query("SELECT count(*) FROM t").first!.decode(0), connection.isInTransaction)
        }
        #expect(thrown)
        #expect(count == 0)
        #expect(!inTransaction)
    }

    @Test func reportsACommitThatRolledBackBecauseAStatementFailed() async throws {
        let (kind, count) = try await onDedicatedThread { () -> (PostgresError.Kind?, Int) in
            let connection = try TestCluster.connect(as: "portal_app")
            try connection.execute("CREATE TEMP TABLE t (v int PRIMARY KEY)")
            var kind: PostgresError.Kind?
            do {
                try connection.transaction { connection in
                    try connection.execute("INSERT INTO t VALUES (1)")
                    // A body that swallows an error must not get a silent "success".
                    _ = try? connection.execute("INSERT INTO t VALUES (1)")
                }
            } catch let error as PostgresError {
                kind = error.kind
            }
            return (kind, try connection.query("SELECT count(*) FROM t").first!.decode(0))
        }
        #expect(kind == .commitFailed)
        #expect(count == 0)
    }

    @Test func reportsADeferredConstraintFailingAtCommit() async throws {
        let (error, count) = try await onDedicatedThread { () -> (PostgresError?, Int) in
            let connection = try TestCluster.connect(as: "portal_app")
            try connection.execute("CREATE TEMP TABLE parent (id int PRIMARY KEY)")
            try connection.execute("CREATE TEMP TABLE child (parent int REFERENCES parent DEFERRABLE INITIALLY DEFERRED)")
            var failure: PostgresError?
            do {
                try connection.transaction { try $0.execute("INSERT INTO child VALUES (99)") }
            } catch let error as PostgresError {
                failure = error
            }
            return (failure, try connection.query("SELECT count(*) FROM child").first!.decode(0))
        }
        #expect(error?.kind == .commitFailed)
        #expect(error?.sqlState == "23503")
        #expect(count == 0)
    }

    @Test func refusesNestedTransactions() async throws {
        let kind = try await onDedicatedThread { () -> PostgresError.Kind? in
            let connection = try TestCluster.connect(as: "portal_app")
            do {
                try connection.transaction { connection in try connection.transaction { _ in } }
                return nil
            } catch let error as PostgresError {
                return error.kind
            }
        }
        #expect(kind == .misuse)
    }

    @Test func transactionLocalSettingsDoNotOutliveTheTransaction() async throws {
        let (inside, after) = try await onDedicatedThread { () -> (String, String?) in
            let connection = try TestCluster.connect(as: "portal_app")
            let inside: String = try connection.transaction { connection in
                try connection.query("SELECT set_config('app.user_id', $1, true)", ["42"])
                return try connection.query("SELECT current_setting('app.user_id')").first!.decode(0)
            }
            let after: String? = try connection.query("SELECT nullif(current_setting('app.user_id', true), '')").first!.decode(0)
            return (inside, after)
        }
        #expect(inside == "42")
        #expect(after == nil)
    }
}
