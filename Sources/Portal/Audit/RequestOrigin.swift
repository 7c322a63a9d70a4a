import Foundation

/// Where a request came from, for the audit trail and throttling.
public struct RequestOrigin: Sendable {
    /// Only a syntactically valid IPv4 or IPv6 address is kept (it is stored as `inet`).
    public let clientIP: String?
    public let requestID: String?
    public let userAgent: String?

    public init(clientIP: String?, requestID: String?, userAgent: String?) {
        self.clientIP = clientIP.flatMap { Self.isIPAddress($0) ? $0 : nil }
        self.requestID = requestID.map { $0.prefix(codePoints: 64) }
        self.userAgent = userAgent.map { $0.prefix(codePoints: 512) }
    }

    public static let unknown = RequestOrigin(clientIP: nil, requestID: nil, userAgent: nil)

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
