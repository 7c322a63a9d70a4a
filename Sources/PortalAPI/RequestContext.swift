import Logging
import Portal
import Postgres

/// What a handler gets besides the request: the worker's own database connection (inside the
/// request's transaction), the route's path parameters, where the request came from, the
/// authentication settings, a logger already tagged with the request id, and what the request's
/// log line will say about the caller.
public struct RequestContext {
    public let database: PostgresConnection
    public let parameters: [String: String]
    public let origin: RequestOrigin
    public let auth: AuthSettings
    public let logger: Logger
    /// For large bodies sent in chunks (CSV exports).
    public let stream: ResponseStream
    public let observation: RequestObservation

    /// Records in the audit trail an action of the signed-in user on a structure (exports,
    /// health details viewed): identifiers only, never the data itself.
    func audit(_ action: String, _ access: AccessContext, _ details: [String: String] = [:]) throws {
        try AuditTrail.record(action, actor: access.userID, structureID: access.structureID, details: details, origin: origin, on: database)
    }

    /// A path parameter that must be a positive integer id; anything else is a 404 (no such resource).
    func id(_ name: String) throws -> Int64 {
        guard let text = parameters[name], let value = Int64(text), value > 0, String(value) == text else { throw Problem.notFound }
        return value
    }
}

public typealias Handler = @Sendable (APIRequest, RequestContext) throws -> APIResponse

/// A route's handler and whether it runs inside a transaction (all but the probes).
public struct Endpoint: Sendable {
    let handler: Handler
    let transactional: Bool

    static func transactional(_ handler: @escaping Handler) -> Endpoint { Endpoint(handler: handler, transactional: true) }
    static func bare(_ handler: @escaping Handler) -> Endpoint { Endpoint(handler: handler, transactional: false) }
}
