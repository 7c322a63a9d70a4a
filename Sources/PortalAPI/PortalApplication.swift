import Foundation
import Logging
import Portal
import Postgres

/// The whole JSON API: routes requests to handlers, runs each in one transaction, and turns
/// every failure into a problem response. Shared by the worker threads; holds no mutable state.
public final class PortalApplication: Sendable {
    private let router: Router<Endpoint>
    private let observer: RequestObserver
    public let configuration: APIConfiguration

    /// - Parameter metrics: where request counts and latencies go (swift-metrics' global
    ///   factory unless said otherwise).
    public init(configuration: APIConfiguration, metrics: RequestMetrics = RequestMetrics()) {
        self.configuration = configuration
        self.observer = RequestObserver(metrics: metrics)
        var router = Router<Endpoint>()
        HealthEndpoints.register(in: &router, configuration: configuration)
        AccountEndpoints.register(in: &router)
        SessionEndpoints.register(in: &router)
        ProfileEndpoints.register(in: &router)
        StructureEndpoints.register(in: &router)
        UserEndpoints.register(in: &router)
        EmployerEndpoints.register(in: &router)
        InsuredEndpoints.register(in: &router)
        IJEndpoints.register(in: &router)
        DocumentEndpoints.register(in: &router)
        GeneratedDocumentEndpoints.register(in: &router)
        RequestEndpoints.register(in: &router)
        BackOfficeEndpoints.register(in: &router)
        if configuration.diagnosticsEnabled {
            DiagnosticsEndpoints.register(in: &router)
        }
        self.router = router
    }

    /// Answers one request. Never throws: unexpected errors become a logged 500, and an
    /// unavailable database a 503.
    /// A streamed body goes to `stream`; the returned value then only says it was streamed
    /// (`streamed`, and `streamFailed` if an error came after the head was sent).
    public func handle(_ request: APIRequest, database: PostgresConnection, stream: ResponseStream = BufferedResponseStream(),
                       logger baseLogger: Logger) -> APIResponse {
        var logger = baseLogger
        logger[metadataKey: "request_id"] = request.requestID.map { .string($0) }
        let started = ContinuousClock.now
        let databaseTimeBefore = database.databaseTime
        let observation = RequestObservation()
        var route: String?
        var response: APIResponse
        switch router.match(method: request.method, path: request.path) {
        case .notFound:
            response = Problem.notFound.response
        case .methodNotAllowed(let allowed):
            response = Problem.methodNotAllowed(allowed: allowed).response
        case .found(let endpoint, let pattern, let parameters):
            route = pattern
            let context = RequestContext(
                database: database, parameters: parameters,
                origin: RequestOrigin(clientIP: request.remoteAddress, requestID: request.requestID, userAgent: request.header("user-agent")),
                auth: configuration.auth, logger: logger, stream: stream, observation: observation)
            response = Self.run(endpoint, request: request, context: context)
            if response.streamed, let buffered = stream as? BufferedResponseStream {
                response = buffered.response(failed: response.streamFailed)
            }
        }
        if request.method == "HEAD" { response.body = [] }
        observer.report(method: request.method, route: route, status: response.status, duration: .now - started,
                        databaseTime: database.databaseTime - databaseTimeBefore, observation: observation, logger: logger)
        return response
    }

    /// Answers a request refused before it could become an `APIRequest` (an undecodable query
    /// string), logged and counted like any other, under its route if it has one.
    public func refuse(_ problem: Problem, method: String, path: String, requestID: String?, logger baseLogger: Logger) -> APIResponse {
        var logger = baseLogger
        logger[metadataKey: "request_id"] = requestID.map { .string($0) }
        var route: String?
        if case .found(_, let pattern, _) = router.match(method: method, path: path) { route = pattern }
        observer.report(method: method, route: route, status: problem.status, duration: .zero, databaseTime: .zero,
                        observation: nil, logger: logger)
        return problem.response
    }

    /// One transaction per request. A problem that must keep its side effects (a failed login
    /// is counted and audited) is answered from inside the transaction, so it commits; any
    /// other error rolls everything back.
    static func run(_ endpoint: Endpoint, request: APIRequest, context: RequestContext) -> APIResponse {
        do {
            guard endpoint.transactional else { return try endpoint.handler(request, context) }
            return try context.database.transaction { _ in
                do {
                    return try endpoint.handler(request, context)
                } catch {
                    let problem = ProblemMapping.problem(for: error, logger: context.logger)
                    if problem.keepsSideEffects { return problem.response }
                    throw error
                }
            }
        } catch {
            let problem = ProblemMapping.problem(for: error, logger: context.logger)
            guard context.stream.started else { return problem.response }
            // Once the head is out the status cannot change: the response must be cut short.
            var failed = APIResponse.streamed
            failed.streamFailed = true
            return failed
        }
    }
}
