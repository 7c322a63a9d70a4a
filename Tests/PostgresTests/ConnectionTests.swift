import Foundation
import Postgres
import Testing
import TestSupport

@Suite struct ConnectionTests {
    @Test func connectsFromAConninfoString() async throws {
        let user = try await onDedicatedThread { () -> String in
            let connection = try TestCluster.connect(as: "portal_app")
            return try connection.query("SELECT current_user::text").first!.decode(0)
        }
        #expect(user == "portal_app")
    }

    @Test func connectsFromStandardPGVariables() async throws {
        let conninfo = try TestCluster.conninfo(user: "portal_app")
        let user = try await onDedicatedThread { () -> String in
            var fields: [String: String] = [:]
            for pair in conninfo.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                fields[String(parts[0])] = String(parts[1])
            }
            // Other tests pass every parameter explicitly, so these variables cannot change what they reach.
            for (key, value) in [("PGHOST", fields["host"]!), ("PGPORT", fields["port"]!), ("PGDATABASE", fields["dbname"]!), ("PGUSER", fields["user"]!)] {
                setenv(key, value, 1)
            }
            defer { for key in ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER"] { unsetenv(key) } }
            let connection = try PostgresConnection(configuration: PostgresConfiguration(conninfo: ""))
            return try connection.query("SELECT current_user::text").first!.decode(0)
        }
        #expect(user == "portal_app")
    }

    @Test func reportsAnUnreachableServerAsConnectionFailed() async throws {
        let error = try await onDedicatedThread { () -> PostgresError? in
            do {
                _ = try PostgresConnection(configuration: PostgresConfiguration(conninfo: "host=127.0.0.1 port=1 dbname=x user=y", connectTimeoutSeconds: 2))
                return nil
            } catch let error as PostgresError {
                return error
            }
        }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.message.isEmpty == false)
    }

    @Test func namesItselfInPgStatActivity() async throws {
        let name = try await onDedicatedThread { () -> String in
            let connection = try TestCluster.connect(as: "portal_app")
            return try connection.query("SELECT application_name::text FROM pg_stat_activity WHERE pid = pg_backend_pid()").first!.decode(0)
        }
        #expect(name == "portal-tests")
    }

    @Test func valuesNeverReachTheSQLText() async throws {
        let hostile = "'); DROP TABLE structures; --"
        let echoed = try await onDedicatedThread { () -> String in
            let connection = try TestCluster.connect(as: "portal_app")
            return try connection.query("SELECT $1::text", [hostile]).first!.decode(0)
        }
        #expect(echoed == hostile)
    }

    @Test func refusesTextParametersWithNulBytesInsteadOfTruncating() async throws {
        let error = try await onDedicatedThread { () -> PostgresError? in
            let connection = try TestCluster.connect(as: "portal_app")
            do {
                _ = try connection.query("SELECT $1::text", ["abc\u{0}def"])
                return nil
            } catch let error as PostgresError {
                return error
            }
        }
        #expect(error?.kind == .misuse)
    }

    @Test func cachesPreparedStatementsPerConnection() async throws {
        let counts = try await onDedicatedThread { () -> [Int] in
            let connection = try TestCluster.connect(as: "portal_app")
            let count = "SELECT count(*) FROM pg_prepared_statements"
            var counts: [Int] = []
            for _ in 0..<3 {
                try connection.query("SELECT $1::int + 1", [41])
                counts.append(try connection.query(count).first!.decode(0))
            }
            // A different parameter type is a different prepared statement.
            try connection.query("SELECT $1::int + 1", [41.0])
            counts.append(try connection.query(count).first!.decode(0))
            return counts
        }
        // The count statement itself is prepared once too.
        #expect(counts == [2, 2, 2, 3])
    }
}
