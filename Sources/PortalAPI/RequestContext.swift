import Logging
import Postgres

/// What a handler gets besides the request: the worker's own database connection, the route's
/// path parameters and a logger already tagged with the request id.
public struct RequestContext {
    public let database: PostgresConnection
    public let parameters: [String: String]
    public let logger: Logger

    public init(database: PostgresConnection, parameters: [String: String], logger: Logger) {
        self.database = database
        self.parameters = parameters
        self.logger = logger
    }
}

public typealias Handler = @Sendable (APIRequest, RequestContext) throws -> APIResponse
