/// Why a `FastCGIResponseWriter` call failed.
public enum FastCGIStreamError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `sendHead` was called a second time.
    case headAlreadySent
    /// `write` was called before `sendHead`.
    case headNotSent
    /// The request was cancelled: ABORT_REQUEST from the web server, or
    /// `FastCGICancellation.cancel()`.
    case cancelled
    /// The connection closed, failed or timed out, or the server stopped.
    case connectionClosed
    /// The connection's output stayed above the high-water mark for longer than `writeTimeout`.
    case timedOut
    /// `abort()` was called.
    case aborted
    /// The handler already returned; the writer cannot be used any more.
    case finished

    public var description: String {
        switch self {
        case .headAlreadySent: "the response head was already sent"
        case .headNotSent: "the response head must be sent before the body"
        case .cancelled: "the request was cancelled"
        case .connectionClosed: "the connection is closed"
        case .timedOut: "the client did not read the response within the write timeout"
        case .aborted: "the response was aborted"
        case .finished: "the handler already returned"
        }
    }
}
