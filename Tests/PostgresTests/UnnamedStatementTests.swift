import Foundation
import Postgres
import Testing
import TestSupport

/// `cachesPreparedStatements: false`, for a transaction-pooling PgBouncer: nothing is left on the
/// server session between statements, so the next transaction may run on another one.
@Suite struct UnnamedStatementTests {
    static func connect(caching: Bool) throws -> PostgresConnection {
        try PostgresConnection(configuration: PostgresConfiguration(conninfo: try TestCluster.conninfo(user: "portal_app"),
                                                                    applicationName: "portal-tests",
                                                                    cachesPreparedStatements: caching))
    }

    @Test func bindsAndDecodesLikePreparedStatementsButPreparesNothing() async throws {
        let (sum, text, day, prepared) = try await onDedicatedThread { () -> (Int, String?, CalendarDate, Int) in
            let connection = try Self.connect(caching: false)
            let sum: Int = try connection.query("SELECT $1::int + $2::int", [40, 2]).first!.decode(0)
            let text: String? = try connection.query("SELECT $1::text", [Optional<String>.none]).first!.decode(0)
            let day: CalendarDate = try connection.query("SELECT $1::date + 1", [CalendarDate(year: 2026, month: 2, day: 28)!]).first!.decode(0)
            let prepared: Int = try connection.query("SELECT count(*) FROM pg_prepared_statements").first!.decode(0)
            return (sum, text, day, prepared)
        }
        #expect(sum == 42)
        #expect(text == nil)
        #expect(day == CalendarDate(year: 2026, month: 3, day: 1)!)
        #expect(prepared == 0)
    }

    @Test func transactionLocalSettingsWorkWithUnnamedStatements() async throws {
        let (inside, after) = try await onDedicatedThread { () -> (String, String) in
            let connection = try Self.connect(caching: false)
            let inside: String = try connection.transaction { tx in
                try tx.query("SELECT set_config('app.user_id', $1, true)", ["7"])
                return try tx.query("SELECT current_setting('app.user_id')").first!.decode(0)
            }
            let after: String = try connection.query("SELECT coalesce(current_setting('app.user_id', true), '')").first!.decode(0)
            return (inside, after)
        }
        #expect(inside == "7")
        #expect(after == "")
    }

    /// What a pooler does to a client that caches statements: the server session under it changes
    /// and its named statements are gone (simulated by DEALLOCATE ALL on the same session).
    @Test func onlyUnnamedStatementsSurviveASessionThatLostItsStatements() async throws {
        let outcomes = try await onDedicatedThread { () -> [Bool: Result<Int, PostgresError>] in
            var outcomes: [Bool: Result<Int, PostgresError>] = [:]
            for caching in [true, false] {
                let connection = try Self.connect(caching: caching)
                try connection.query("SELECT $1::int * 2", [21])
                try connection.executeScript("DEALLOCATE ALL")
                do {
                    outcomes[caching] = .success(try connection.query("SELECT $1::int * 2", [21]).first!.decode(0))
                } catch let error as PostgresError {
                    outcomes[caching] = .failure(error)
                }
            }
            return outcomes
        }
        #expect(try outcomes[false]?.get() == 42)
        guard case let .failure(error)? = outcomes[true] else {
            Issue.record("a cached statement survived DEALLOCATE ALL: \(String(describing: outcomes[true]))")
            return
        }
        // invalid_sql_statement_name: "prepared statement ee1 does not exist"
        #expect(error.sqlState == "26000")
    }
}
