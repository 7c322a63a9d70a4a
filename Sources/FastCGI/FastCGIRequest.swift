/// A complete request as received from the web server: all PARAMS and all of STDIN.
public struct FastCGIRequest: Sendable {
    public let requestID: UInt16
    /// CGI parameters (REQUEST_METHOD, REQUEST_URI, QUERY_STRING, CONTENT_TYPE, HTTP_*…).
    public let params: [String: String]
    /// The complete STDIN stream.
    public let body: [UInt8]
    /// Whether the web server asked to keep the connection open (FCGI_KEEP_CONN).
    public let keepConnection: Bool

    public init(requestID: UInt16, params: [String: String], body: [UInt8], keepConnection: Bool) {
        self.requestID = requestID
        self.params = params
        self.body = body
        self.keepConnection = keepConnection
    }
}
