import Foundation
import Logging
import Postgres

/// The whole JSON API: routes requests to handlers and turns every failure into a problem
/// response. One instance is shared by the worker threads; it holds no mutable state.
public final class PortalApplication: Sendable {
    private let router: Router<Handler>
    public let configuration: APIConfiguration

    public init(configuration: APIConfiguration) {
        self.configuration = configuration
        var router = Router<Handler>()
        HealthEndpoints.register(in: &router, configuration: configuration)
        if configuration.diagnosticsEnabled {
            DiagnosticsEndpoints.register(in: &router)
        }
        self.router = router
    }

    /// Answers one request. Never throws: unexpected errors become a logged 500, and an
    /// unavailable database a 503.
    public func handle(_ request: APIRequest, database: PostgresConnection, logger baseLogger: Logger) -> APIResponse {
        var logger = baseLogger
        logger[metadataKey: "request_id"] = request.requestID.map { .string($0) }
        let started = DispatchTime.now()
        var route = "-"
        var response: APIResponse
        switch router.match(method: request.method, path: request.path) {
        case .notFound:
            response = Problem.notFound.response
        case .methodNotAllowed(let allowed):
            response = Problem.methodNotAllowed(allowed: allowed).response
        case .found(let handler, let pattern, let parameters):
            route = pattern
            do {
                response = try handler(request, RequestContext(database: database, parameters: parameters, logger: logger))
            } catch {
                response = Self.problem(for: error, logger: logger).response
            }
        }
        if request.method == "HEAD" { response.body = [] }
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000
        logger.info("request", metadata: [
            "method": .string(request.method), "route": .string(route), "status": .stringConvertible(response.status),
            "duration_ms": .stringConvertible((milliseconds * 100).rounded() / 100),
        ])
        return response
    }

    /// Maps an error to what the client may know. Details of unexpected errors go to the log only.
    static func problem(for error: Error, logger: Logger) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let failure as ValidationFailureConvertible:
            return .validation(failure.validationIssues)
        case let error as PostgresError where error.kind == .connectionFailed || error.kind == .connectionLost
            || error.kind == .poolTimeout || error.isCancellation:
            logger.warning("database unavailable", metadata: ["error": .string(error.description)])
            return .databaseUnavailable
        default:
            logger.error("unexpected error", metadata: ["error": .string(String(describing: error))])
            return .internalError
        }
    }
}
