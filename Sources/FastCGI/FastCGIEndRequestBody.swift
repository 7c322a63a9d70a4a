/// Content of an END_REQUEST record: application status, protocol status, 3 reserved bytes.
public struct FastCGIEndRequestBody: Hashable, Sendable {
    public var appStatus: UInt32
    public var protocolStatus: FastCGIProtocolStatus

    public init(appStatus: UInt32 = 0, protocolStatus: FastCGIProtocolStatus) {
        self.appStatus = appStatus
        self.protocolStatus = protocolStatus
    }

    /// A protocol status outside the four defined values is treated as malformed.
    public init(decoding content: [UInt8]) throws(FastCGIProtocolError) {
        guard content.count == 8, let status = FastCGIProtocolStatus(rawValue: content[4]) else {
            throw .invalidEndRequestBody(byteCount: content.count)
        }
        appStatus = UInt32(content[0]) << 24 | UInt32(content[1]) << 16 | UInt32(content[2]) << 8 | UInt32(content[3])
        protocolStatus = status
    }

    public var encoded: [UInt8] {
        [
            UInt8(truncatingIfNeeded: appStatus >> 24),
            UInt8(truncatingIfNeeded: appStatus >> 16),
            UInt8(truncatingIfNeeded: appStatus >> 8),
            UInt8(truncatingIfNeeded: appStatus),
            protocolStatus.rawValue,
            0, 0, 0,
        ]
    }
}
