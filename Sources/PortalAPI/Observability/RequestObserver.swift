import Logging

/// One structured line and the metrics of each request. It reports the route template, never
/// the path or the query string (reset tokens travel there), and identifiers only: never
/// bodies, headers, names, NIR or health data.
struct RequestObserver: Sendable {
    let metrics: RequestMetrics

    func report(method: String, route: String?, status: Int, duration: Duration, databaseTime: Duration,
                observation: RequestObservation?, logger: Logger) {
        let route = route ?? RequestMetrics.unmatchedRoute
        metrics.record(method: method, route: route, status: status, duration: duration)
        var metadata: Logger.Metadata = [
            "method": .string(method), "route": .string(route), "status": .stringConvertible(status),
            "duration_ms": .stringConvertible(Self.milliseconds(duration)),
            "db_ms": .stringConvertible(Self.milliseconds(databaseTime)),
        ]
        if let userID = observation?.userID { metadata["user_id"] = .stringConvertible(userID) }
        if let structureID = observation?.structureID { metadata["structure_id"] = .stringConvertible(structureID) }
        logger.info("request", metadata: metadata)
    }

    /// Milliseconds with two decimals.
    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return ((Double(seconds) * 1000 + Double(attoseconds) / 1e15) * 100).rounded() / 100
    }
}
