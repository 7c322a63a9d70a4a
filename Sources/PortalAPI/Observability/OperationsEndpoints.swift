import Logging

/// The operators' endpoints: `GET /metrics` (Prometheus text format) and `GET /status` (the
/// responder's state in the spirit of PHP-FPM's `pm.status_path`: text by default, JSON with
/// `?json` or `?format=json`). Served only to nginx's internal listener (the executable decides
/// which requests come here), never under the API's public origin. What they show comes from
/// the executable, which alone knows the server and the metrics backend. Used by one thread.
public final class OperationsEndpoints {
    public struct Sources {
        /// The whole exposition, brought up to date, and the database time that took.
        public var metrics: () -> (exposition: [UInt8], databaseTime: Duration)
        /// The status report in both layouts.
        public var status: () -> (json: String, text: String)

        public init(metrics: @escaping () -> (exposition: [UInt8], databaseTime: Duration),
                    status: @escaping () -> (json: String, text: String)) {
            self.metrics = metrics
            self.status = status
        }
    }

    /// A response and the database time it cost.
    private typealias Handler = (APIRequest) throws -> (APIResponse, Duration)
    private let router: Router<Handler>
    private let observer: RequestObserver

    public init(sources: Sources, metrics: RequestMetrics = RequestMetrics()) {
        observer = RequestObserver(metrics: metrics)
        var router = Router<Handler>()
        router.add("GET", "/metrics") { request in
            try QueryParameters(request, allowed: []).finish()
            let scrape = sources.metrics()
            return (APIResponse(status: 200, headers: Self.noStore("text/plain; version=0.0.4; charset=utf-8"), body: scrape.exposition),
                    scrape.databaseTime)
        }
        router.add("GET", "/status") { request in
            let query = QueryParameters(request, allowed: ["json", "format"])
            // PHP-FPM's `?json` (a bare flag), or `?format=`.
            let flag = request.query["json"] == [""] ? "json" : "text"
            let format = query.choice("format", allowed: ["text", "json"], default: flag)
            try query.finish()
            let report = sources.status()
            let response = format == "json"
                ? APIResponse(status: 200, headers: Self.noStore("application/json"), body: Array(report.json.utf8))
                : APIResponse(status: 200, headers: Self.noStore("text/plain; charset=utf-8"), body: Array(report.text.utf8))
            return (response, .zero)
        }
        self.router = router
    }

    public func handle(_ request: APIRequest, logger baseLogger: Logger) -> APIResponse {
        var logger = baseLogger
        logger[metadataKey: "request_id"] = request.requestID.map { .string($0) }
        let started = ContinuousClock.now
        var route: String?
        var response: APIResponse
        var databaseTime = Duration.zero
        switch router.match(method: request.method, path: request.path) {
        case .notFound:
            response = Problem.notFound.response
        case .methodNotAllowed(let allowed):
            response = Problem.methodNotAllowed(allowed: allowed).response
        case .found(let handler, let pattern, _):
            route = pattern
            do {
                (response, databaseTime) = try handler(request)
            } catch let problem as Problem {
                response = problem.response
            } catch {
                response = ProblemMapping.problem(for: error, logger: logger).response
            }
        }
        if request.method == "HEAD" { response.body = [] }
        observer.report(method: request.method, route: route, status: response.status, duration: .now - started,
                        databaseTime: databaseTime, observation: nil, logger: logger)
        return response
    }

    private static func noStore(_ contentType: String) -> [APIResponse.Header] {
        [APIResponse.Header("Content-Type", contentType), APIResponse.Header("Cache-Control", "no-store")]
    }
}
