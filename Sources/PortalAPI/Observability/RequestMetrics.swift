import CoreMetrics

/// Request counts and latencies per method, route and status, through swift-metrics: the
/// executable chooses the backend (Prometheus in portal-fcgi), tests pass their own factory.
/// Every label value comes from a closed set (route templates, known methods, status codes),
/// so a client cannot create series at will.
public struct RequestMetrics: Sendable {
    public static let requestsTotal = "portal_http_requests_total"
    public static let requestDuration = "portal_http_request_duration_seconds"
    /// Route label of a request that matched no route.
    public static let unmatchedRoute = "unmatched"

    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    private let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    func record(method: String, route: String, status: Int, duration: Duration) {
        let dimensions = [("method", Self.knownMethods.contains(method) ? method : "OTHER"), ("route", route),
                          ("status", String(status))]
        Counter(label: Self.requestsTotal, dimensions: dimensions, factory: factory).increment()
        let (seconds, attoseconds) = duration.components
        Timer(label: Self.requestDuration, dimensions: dimensions, factory: factory)
            .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
