/// A snapshot of the server's counters.
public struct FastCGIServerStats: Hashable, Sendable {
    /// Connections accepted since start.
    public var acceptedConnections = 0
    /// Connections currently open.
    public var activeConnections = 0
    /// Requests waiting for a worker right now.
    public var queueDepth = 0
    /// Highest `queueDepth` seen since start.
    public var maxQueueDepth = 0
    /// Workers currently inside the handler.
    public var busyWorkers = 0
    /// Highest `busyWorkers` seen since start.
    public var maxBusyWorkers = 0
    /// Complete requests handed to the queue, those answered 503 included.
    public var totalRequests = 0
    /// Requests answered 503 because the queue was full.
    public var rejectedRequests = 0
    /// Requests whose handler returned.
    public var completedRequests = 0
    /// Requests cancelled by ABORT_REQUEST, connection loss, timeout or stop.
    public var cancelledRequests = 0
    /// When `start()` succeeded, in seconds since 1970; nil before.
    public var startTime: Double?

    public init() {}
}
