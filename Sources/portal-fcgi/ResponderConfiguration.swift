import FastCGI
import Foundation
import Logging
import Portal
import PortalAPI
import Postgres

/// Everything `portal-fcgi` reads at start, from the environment and/or `PORTAL_CONFIG`.
struct ResponderConfiguration {
    static let keys: Set<String> = [
        "PORTAL_DATABASE_URL", "PORTAL_FCGI_LISTEN", "PORTAL_FCGI_SOCKET_MODE", "PORTAL_FCGI_SOCKET_GROUP",
        "PORTAL_WORKERS", "PORTAL_QUEUE_CAPACITY", "PORTAL_MAX_CONNECTIONS", "PORTAL_MAX_BODY_BYTES", "PORTAL_MAX_PARAMS_BYTES",
        "PORTAL_FIRST_BYTE_TIMEOUT_SECONDS", "PORTAL_RECORD_TIMEOUT_SECONDS", "PORTAL_IDLE_TIMEOUT_SECONDS",
        "PORTAL_WRITE_TIMEOUT_SECONDS", "PORTAL_DRAIN_TIMEOUT_SECONDS", "PORTAL_LOG_LEVEL", "PORTAL_DIAGNOSTICS",
        "PORTAL_PASSWORD_HASH", "PORTAL_SESSION_IDLE_SECONDS", "PORTAL_SESSION_ABSOLUTE_SECONDS",
        "PORTAL_DB_STATEMENT_CACHE",
    ]

    var database: PostgresConfiguration
    var server: FastCGIServerConfiguration
    var api: APIConfiguration
    var logLevel: Logger.Level

    static func load(environment: [String: String]) throws -> ResponderConfiguration {
        let source = try ConfigurationSource.load(environment: environment, file: environment["PORTAL_CONFIG"],
                                                  prefix: "PORTAL_", knownKeys: keys)
        let listen = try parseListen(source.string("PORTAL_FCGI_LISTEN", default: "127.0.0.1:9001")!,
                                     mode: source.string("PORTAL_FCGI_SOCKET_MODE", default: "0660")!,
                                     group: source.string("PORTAL_FCGI_SOCKET_GROUP"))
        func duration(_ key: String, _ fallback: Double) throws -> Duration {
            .milliseconds(Int(try source.seconds(key, default: fallback, range: 0.1...86_400) * 1000))
        }
        let server = FastCGIServerConfiguration(
            listen: listen,
            workerCount: try source.integer("PORTAL_WORKERS", default: 4, range: 1...256),
            queueCapacity: try source.integer("PORTAL_QUEUE_CAPACITY", default: 64, range: 1...100_000),
            maxConnections: try source.integer("PORTAL_MAX_CONNECTIONS", default: 1024, range: 1...65_536),
            maxParamsBytes: try source.integer("PORTAL_MAX_PARAMS_BYTES", default: 64 * 1024, range: 1024...(1 << 20)),
            // Démarches carry up to 25 MiB of attachments; JSON bodies are capped at 1 MiB by the API itself.
            maxBodyBytes: try source.integer("PORTAL_MAX_BODY_BYTES", default: 26 << 20, range: 0...(64 << 20)),
            firstByteTimeout: try duration("PORTAL_FIRST_BYTE_TIMEOUT_SECONDS", 10),
            recordTimeout: try duration("PORTAL_RECORD_TIMEOUT_SECONDS", 30),
            idleTimeout: try duration("PORTAL_IDLE_TIMEOUT_SECONDS", 300),
            writeTimeout: try duration("PORTAL_WRITE_TIMEOUT_SECONDS", 30),
            drainTimeout: try duration("PORTAL_DRAIN_TIMEOUT_SECONDS", 30))
        let levelText = source.string("PORTAL_LOG_LEVEL", default: "info")!
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigurationSource.Invalid(key: "PORTAL_LOG_LEVEL", reason: "expected trace, debug, info, notice, warning, error or critical")
        }
        let hasher: SecretHasher
        switch source.string("PORTAL_PASSWORD_HASH", default: "interactive")! {
        case "interactive": hasher = .interactive
        // The cheapest Argon2id: only for throwaway test stacks, where hashing time would dominate.
        case "minimal": hasher = .minimal
        case let other:
            throw ConfigurationSource.Invalid(key: "PORTAL_PASSWORD_HASH", reason: "expected interactive or minimal, got \"\(other)\"")
        }
        let auth = AuthSettings(
            hasher: hasher,
            sessionIdleSeconds: try source.integer("PORTAL_SESSION_IDLE_SECONDS", default: 30 * 60, range: 60...86_400),
            sessionAbsoluteSeconds: try source.integer("PORTAL_SESSION_ABSOLUTE_SECONDS", default: 12 * 3600, range: 300...(30 * 86_400)))
        let statementCache = try source.flag("PORTAL_DB_STATEMENT_CACHE", default: true)
        return ResponderConfiguration(
            // off behind a transaction-pooling PgBouncer older than 1.21 (no named statements there).
            database: PostgresConfiguration(conninfo: source.string("PORTAL_DATABASE_URL", default: "")!, applicationName: "portal-fcgi",
                                            cachesPreparedStatements: statementCache),
            server: server,
            api: APIConfiguration(auth: auth, diagnosticsEnabled: try source.flag("PORTAL_DIAGNOSTICS", default: false)),
            logLevel: level)
    }

    /// `unix:/path.sock` or `HOST:PORT`.
    static func parseListen(_ text: String, mode: String, group: String?) throws -> FastCGIServerConfiguration.Listen {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/") else {
                throw ConfigurationSource.Invalid(key: "PORTAL_FCGI_LISTEN", reason: "a unix socket path must be absolute")
            }
            guard let bits = UInt16(mode, radix: 8), bits <= 0o777 else {
                throw ConfigurationSource.Invalid(key: "PORTAL_FCGI_SOCKET_MODE", reason: "expected octal permissions such as 0660")
            }
            return .unix(path: path, mode: bits, group: group?.isEmpty == false ? group : nil)
        }
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw ConfigurationSource.Invalid(key: "PORTAL_FCGI_LISTEN", reason: "expected unix:/path or HOST:PORT, got \"\(text)\"")
        }
        return .tcp(host: String(text[..<colon]), port: port)
    }
}
