/// How to reach PostgreSQL. The conninfo is passed to libpq untouched (key=value or URI form);
/// an empty one lets libpq read the standard `PG*` environment variables.
public struct PostgresConfiguration: Sendable {
    public var conninfo: String
    /// Reported in `pg_stat_activity.application_name`, so DBAs can tell the processes apart.
    public var applicationName: String
    /// Seconds libpq waits for a connection to be established.
    public var connectTimeoutSeconds: Int

    public init(conninfo: String = "", applicationName: String = "espace-employeur", connectTimeoutSeconds: Int = 5) {
        self.conninfo = conninfo
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }
}
