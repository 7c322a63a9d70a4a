import Postgres
import Testing
import TestSupport

@Suite struct ErrorTests {
    @Test func keepsSQLStateMessageDetailHintAndStatementButNotValues() async throws {
        let secret = "NIR-1850575123456"
        let error = try await onDedicatedThread { () -> PostgresError? in
            let connection = try TestCluster.connect(as: "portal_app")
            try connection.execute("CREATE TEMP TABLE people (nir text PRIMARY KEY)")
            try connection.execute("INSERT INTO people VALUES ($1)", [secret])
            do {
                try connection.execute("INSERT INTO people VALUES ($1)", [secret])
                return nil
            } catch let error as PostgresError {
                return error
            }
        }
        let failure = try #require(error)
        #expect(failure.kind == .server)
        #expect(failure.sqlState == "23505")
        #expect(failure.isUniqueViolation)
        #expect(failure.message.contains("people_pkey"))
        // The server's detail echoes the key; it is kept for the caller but never printed.
        #expect(failure.detail?.contains(secret) == true)
        #expect(!failure.description.contains(secret))
        #expect(failure.statement == "INSERT INTO people VALUES ($1)")
    }

    @Test func reportsTheServersHint() async throws {
        let error = try await onDedicatedThread { () -> PostgresError? in
            let connection = try TestCluster.connect(as: "portal_app")
            do {
                try connection.query("SELECT no_such_function($1::int)", [1])
                return nil
            } catch let error as PostgresError {
                return error
            }
        }
        #expect(error?.sqlState == "42883")
        #expect(error?.hint?.isEmpty == false)
        #expect(error?.description.contains("no_such_function") == true)
    }

    @Test func theAppRoleCannotReadTablesWithoutAUser() async throws {
        let count = try await onDedicatedThread { () -> Int in
            let connection = try TestCluster.connect(as: "portal_app")
            // RLS fails closed: app.user_id unset means no structure is visible.
            return try connection.query("SELECT count(*) FROM structures").first!.decode(0)
        }
        #expect(count == 0)
    }
}
