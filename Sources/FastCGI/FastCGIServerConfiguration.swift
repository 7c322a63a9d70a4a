/// Everything the server needs to know before `start()`.
public struct FastCGIServerConfiguration: Sendable {
    public enum Listen: Sendable, Hashable {
        /// A unix socket created with `mode` (bound under a restrictive umask,
        /// then chmod-ed) and, when `group` is set, chgrp-ed to that group.
        case unix(path: String, mode: UInt16 = 0o660, group: String? = nil)
        /// A TCP socket; port 0 picks a free port (see `FastCGIServer.boundPort`).
        case tcp(host: String, port: UInt16)
    }

    public var listen: Listen
    public var workerCount: Int
    /// Requests accepted but waiting for a worker; beyond this the I/O thread answers 503.
    public var queueCapacity: Int
    public var maxConnections: Int
    /// Cap on the total encoded PARAMS stream of one request.
    public var maxParamsBytes: Int
    /// Cap on the STDIN stream of one request.
    public var maxBodyBytes: Int
    /// A new connection must deliver its first record within this.
    public var firstByteTimeout: Duration
    /// While a request is being received, the longest gap allowed between records.
    public var recordTimeout: Duration
    /// A kept-alive connection with nothing to do is closed after this.
    public var idleTimeout: Duration
    /// Pending response bytes must make progress within this.
    public var writeTimeout: Duration
    /// On graceful stop, the longest wait for queued and running requests.
    public var drainTimeout: Duration
    /// Streamed responses (`FastCGIResponseWriter`): a write blocks while more
    /// than this many bytes of the connection's output wait for the socket.
    public var streamHighWaterMark: Int

    public init(
        listen: Listen,
        workerCount: Int = 4,
        queueCapacity: Int = 64,
        maxConnections: Int = 1024,
        maxParamsBytes: Int = 64 * 1024,
        maxBodyBytes: Int = 1024 * 1024,
        firstByteTimeout: Duration = .seconds(10),
        recordTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(300),
        writeTimeout: Duration = .seconds(30),
        drainTimeout: Duration = .seconds(30),
        streamHighWaterMark: Int = 256 * 1024
    ) {
        self.listen = listen
        self.workerCount = workerCount
        self.queueCapacity = queueCapacity
        self.maxConnections = maxConnections
        self.maxParamsBytes = maxParamsBytes
        self.maxBodyBytes = maxBodyBytes
        self.firstByteTimeout = firstByteTimeout
        self.recordTimeout = recordTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.drainTimeout = drainTimeout
        self.streamHighWaterMark = streamHighWaterMark
    }

    /// Rejects values the server cannot work with.
    func validate() throws(FastCGIServerError) {
        func require(_ condition: Bool, _ message: String) throws(FastCGIServerError) {
            if !condition {
                throw .invalidConfiguration(message)
            }
        }
        try require(workerCount >= 1, "workerCount must be at least 1")
        try require(queueCapacity >= 1, "queueCapacity must be at least 1")
        try require(maxConnections >= 1, "maxConnections must be at least 1")
        try require(maxParamsBytes >= 1, "maxParamsBytes must be at least 1")
        try require(maxBodyBytes >= 0, "maxBodyBytes must not be negative")
        try require(streamHighWaterMark >= 1, "streamHighWaterMark must be at least 1")
        let timeouts = [firstByteTimeout, recordTimeout, idleTimeout, writeTimeout, drainTimeout]
        try require(timeouts.allSatisfy { $0 > .zero }, "timeouts must be positive")
    }
}
