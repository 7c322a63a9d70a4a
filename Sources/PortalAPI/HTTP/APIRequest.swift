/// An HTTP request as the API sees it: no FastCGI records, no sockets, so handlers are tested
/// with plain values.
public struct APIRequest: Sendable {
    public var method: String
    /// The path without the query string, percent-decoding left to the router.
    public var path: String
    public var query: [String: [String]]
    /// Header names in lowercase.
    public var headers: [String: String]
    public var body: [UInt8]
    public var remoteAddress: String?
    /// nginx's `$request_id`, to correlate our logs with its access log.
    public var requestID: String?

    public init(method: String, path: String, query: [String: [String]] = [:], headers: [String: String] = [:],
                body: [UInt8] = [], remoteAddress: String? = nil, requestID: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.requestID = requestID
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The single value of a query parameter; repeating it is a client error.
    public func queryValue(_ name: String) throws -> String? {
        guard let values = query[name] else { return nil }
        guard values.count == 1 else {
            throw Problem.badRequest(code: "repeated_parameter", detail: "Le paramètre « \(name) » est répété.")
        }
        return values[0]
    }

    /// Parses `a=1&b=2` with `+` as space and percent-decoding; undecodable pairs are a client error.
    public static func parseQuery(_ text: String) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecode(parts[0]), let value = percentDecode(parts.count == 2 ? parts[1] : "") else {
                throw Problem.badRequest(code: "malformed_query", detail: "La chaîne de requête est mal formée.")
            }
            result[name, default: []].append(value)
        }
        return result
    }

    static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
