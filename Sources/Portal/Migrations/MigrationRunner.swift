import Postgres

/// Applies migrations in order, each in its own transaction together with its row in
/// `schema_migrations`. Concurrent runners serialise on an advisory lock, so two deployments
/// starting at once apply each file exactly once.
public struct MigrationRunner {
    /// Arbitrary constant identifying the migration lock among advisory locks.
    static let lockKey: Int64 = 0x4545_4d49_4752
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public struct Outcome: Equatable, Sendable {
        public var applied: [Int]
        public var alreadyApplied: Int
    }

    @discardableResult
    public func apply(_ migrations: [Migration]) throws -> Outcome {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """)
        var outcome = Outcome(applied: [], alreadyApplied: 0)
        try verifyApplied(against: migrations)
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            let applied = try connection.transaction { connection -> Bool in
                try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.lockKey])
                let existing = try connection.query("SELECT checksum FROM schema_migrations WHERE version = $1", [migration.version])
                if let row = existing.first {
                    guard try row.decode(0, as: String.self) == migration.checksum else {
                        throw MigrationError.changedAfterApply(version: migration.version, name: migration.name)
                    }
                    return false
                }
                try connection.executeScript(migration.sql)
                try connection.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                                       [migration.version, migration.name, migration.checksum])
                return true
            }
            if applied { outcome.applied.append(migration.version) } else { outcome.alreadyApplied += 1 }
        }
        return outcome
    }

    /// Refuses to go on when the history in the database and the files disagree.
    private func verifyApplied(against migrations: [Migration]) throws {
        let byVersion = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for row in try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version") {
            let version: Int = try row.decode("version")
            let name: String = try row.decode("name")
            guard let file = byVersion[version] else { throw MigrationError.missingFile(version: version, name: name) }
            guard file.checksum == (try row.decode("checksum", as: String.self)) else {
                throw MigrationError.changedAfterApply(version: version, name: name)
            }
        }
    }
}
