/// Content of a BEGIN_REQUEST record: role, flags and 5 reserved bytes.
public struct FastCGIBeginRequestBody: Hashable, Sendable {
    public static let responderRole: UInt16 = 1
    public static let authorizerRole: UInt16 = 2
    public static let filterRole: UInt16 = 3
    public static let keepConnectionFlag: UInt8 = 1

    public var role: UInt16
    public var flags: UInt8

    public init(role: UInt16, flags: UInt8) {
        self.role = role
        self.flags = flags
    }

    public init(role: UInt16 = FastCGIBeginRequestBody.responderRole, keepConnection: Bool) {
        self.init(role: role, flags: keepConnection ? Self.keepConnectionFlag : 0)
    }

    public init(decoding content: [UInt8]) throws(FastCGIProtocolError) {
        guard content.count == 8 else {
            throw .invalidBeginRequestBody(byteCount: content.count)
        }
        role = UInt16(content[0]) << 8 | UInt16(content[1])
        flags = content[2]
    }

    /// When false the application closes the connection after END_REQUEST.
    public var keepConnection: Bool {
        flags & Self.keepConnectionFlag != 0
    }

    public var encoded: [UInt8] {
        [UInt8(truncatingIfNeeded: role >> 8), UInt8(truncatingIfNeeded: role), flags, 0, 0, 0, 0, 0]
    }
}
