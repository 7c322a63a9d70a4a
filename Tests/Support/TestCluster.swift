import Foundation
import Postgres

/// The throwaway PostgreSQL cluster that `make test` (scripts/test.sh) starts and describes in
/// `PORTAL_TEST_*` variables. Tests never mock the database; without a cluster they fail loudly.
public enum TestCluster {
    public struct NotConfigured: Error, CustomStringConvertible {
        public let variable: String
        public var description: String {
            "\(variable) is not set: run the tests with `make test`, which starts a throwaway PostgreSQL"
        }
    }

    static func environment(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { throw NotConfigured(variable: name) }
        return value
    }

    /// The migrated database shared by the tests (`portal`).
    public static var databaseName: String { get throws { try environment("PORTAL_TEST_DB") } }

    public static var migrationsDirectory: String { get throws { try environment("PORTAL_TEST_MIGRATIONS_DIR") } }

    public static func conninfo(user: String, database: String? = nil) throws -> String {
        let host = try environment("PORTAL_TEST_PG_HOST")
        let port = try environment("PORTAL_TEST_PG_PORT")
        return "host=\(host) port=\(port) dbname=\(try database ?? databaseName) user=\(user)"
    }

    public static var superuser: String { get throws { try environment("PORTAL_TEST_PG_SUPERUSER") } }

    public static func connect(as user: String, database: String? = nil) throws -> PostgresConnection {
        try PostgresConnection(configuration: PostgresConfiguration(conninfo: try conninfo(user: user, database: database),
                                                                    applicationName: "portal-tests"))
    }

    public static func connectAsSuperuser(database: String? = nil) throws -> PostgresConnection {
        try connect(as: try superuser, database: database)
    }

    /// An empty database owned by portal_owner, dropped by `body`'s end. For tests that must see
    /// a pristine schema (migrations) or that change shared state.
    public static func withScratchDatabase<T>(_ body: (String) throws -> T) throws -> T {
        let name = "scratch_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try connectAsSuperuser(database: "postgres")
        try admin.executeScript("CREATE DATABASE \(name) OWNER portal_owner")
        defer { try? admin.executeScript("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        return try body(name)
    }
}
