/// What a handler returns: written back as a CGI response (`Status:` line,
/// headers, blank line, body) on STDOUT, followed by END_REQUEST.
public struct FastCGIResponse: Sendable {
    public var status: Int
    public var headers: [FastCGIHeaderField]
    public var body: [UInt8]

    public init(status: Int, headers: [FastCGIHeaderField] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Convenience for callers that prefer tuples.
    public init(status: Int, headerPairs: [(name: String, value: String)], body: [UInt8] = []) {
        self.init(status: status, headers: headerPairs.map { FastCGIHeaderField(name: $0.name, value: $0.value) }, body: body)
    }

    public mutating func addHeader(_ name: String, _ value: String) {
        headers.append(FastCGIHeaderField(name: name, value: value))
    }

    /// Values of every header called `name` (case-insensitive), in order.
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }
}
