/// A second, small queue with its own thread for operational requests (status, metrics): they
/// must answer when the workers are saturated, which is exactly when operators look, so they
/// never wait behind application requests and never count as busy workers.
public struct FastCGIServiceLane: Sendable {
    /// Decides on the I/O thread, from the request alone, whether it takes this lane. Must be
    /// cheap and must rely only on what the web server sets (never on client headers).
    public let accepts: @Sendable (FastCGIRequest) -> Bool
    /// Requests waiting for the lane's thread; beyond this they get the usual 503.
    public let queueCapacity: Int
    /// Called once, on the lane's thread, with the server (whose `stats` the lane may report);
    /// the closure then serves every request of the lane.
    public let makeHandler: @Sendable (FastCGIServer) -> (FastCGIRequest, FastCGICancellation, FastCGIResponseWriter) -> FastCGIResponse

    public init(
        queueCapacity: Int = 8,
        accepts: @escaping @Sendable (FastCGIRequest) -> Bool,
        makeHandler: @escaping @Sendable (FastCGIServer) -> (FastCGIRequest, FastCGICancellation, FastCGIResponseWriter) -> FastCGIResponse
    ) {
        precondition(queueCapacity > 0, "a service lane needs room for one request")
        self.accepts = accepts
        self.queueCapacity = queueCapacity
        self.makeHandler = makeHandler
    }
}

/// What the I/O thread needs of a service lane: its test and its queue.
typealias ServiceLaneQueue = (accepts: @Sendable (FastCGIRequest) -> Bool, queue: RequestQueue)
