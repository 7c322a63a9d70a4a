/// Where a handler can stream a large body (CSV exports) instead of returning it whole: the
/// head first, then the body in chunks, all while the request's transaction is still open.
/// The responder implements it over FastCGI with backpressure; tests buffer it.
public protocol ResponseStream: AnyObject {
    /// True once the head was sent: from then on the status cannot change.
    var started: Bool { get }
    func start(status: Int, headers: [APIResponse.Header]) throws
    func write(_ bytes: [UInt8]) throws
}

/// Collects a streamed response in memory (tests, and callers without a stream).
public final class BufferedResponseStream: ResponseStream {
    public private(set) var status = 0
    public private(set) var headers: [APIResponse.Header] = []
    public private(set) var body: [UInt8] = []
    public private(set) var started = false

    public init() {}

    public func start(status: Int, headers: [APIResponse.Header]) throws {
        self.status = status
        self.headers = headers
        started = true
    }

    public func write(_ bytes: [UInt8]) throws {
        body.append(contentsOf: bytes)
    }

    /// The collected response; a stream cut short by an error keeps its partial body and says so.
    public func response(failed: Bool) -> APIResponse {
        var response = APIResponse(status: status, headers: headers, body: body)
        response.streamFailed = failed
        return response
    }
}
