/// How to reach PostgreSQL. The conninfo is passed to libpq untouched (key=value or URI form);
/// an empty one lets libpq read the standard `PG*` environment variables.
public struct PostgresConfiguration: Sendable {
    public var conninfo: String
    /// Reported in `pg_stat_activity.application_name`, so DBAs can tell the processes apart.
    public var applicationName: String
    /// Seconds libpq waits for a connection to be established.
    public var connectTimeoutSeconds: Int
    /// Prepare each statement once per connection under a name and reuse it (the default), or send
    /// it unnamed every time. A named statement lives on one server session; behind a pooler in
    /// transaction mode (PgBouncer before 1.21) the next transaction may run on another session.
    public var cachesPreparedStatements: Bool

    public init(conninfo: String = "", applicationName: String = "espace-employeur", connectTimeoutSeconds: Int = 5,
                cachesPreparedStatements: Bool = true) {
        self.conninfo = conninfo
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.cachesPreparedStatements = cachesPreparedStatements
    }
}
