/// The fixed 8-byte header in front of every FastCGI record.
public struct FastCGIRecordHeader: Hashable, Sendable {
    public static let byteCount = 8
    public static let supportedVersion: UInt8 = 1

    public var version: UInt8
    public var type: FastCGIRecordType
    public var requestID: UInt16
    public var contentLength: UInt16
    public var paddingLength: UInt8
    public var reserved: UInt8

    public init(
        version: UInt8 = FastCGIRecordHeader.supportedVersion,
        type: FastCGIRecordType,
        requestID: UInt16,
        contentLength: UInt16,
        paddingLength: UInt8 = 0,
        reserved: UInt8 = 0
    ) {
        self.version = version
        self.type = type
        self.requestID = requestID
        self.contentLength = contentLength
        self.paddingLength = paddingLength
        self.reserved = reserved
    }

    /// Decodes the first 8 bytes of `bytes`. Only version 1 exists, so anything
    /// else means the peer is not speaking FastCGI (or the stream is out of sync).
    public init<Bytes: RandomAccessCollection>(decoding bytes: Bytes) throws(FastCGIProtocolError)
    where Bytes.Element == UInt8 {
        guard bytes.count >= Self.byteCount else {
            throw .headerTooShort(byteCount: bytes.count)
        }
        let start = bytes.startIndex
        func byte(_ offset: Int) -> UInt8 {
            bytes[bytes.index(start, offsetBy: offset)]
        }
        let version = byte(0)
        guard version == Self.supportedVersion else {
            throw .unsupportedVersion(version)
        }
        self.version = version
        self.type = FastCGIRecordType(rawValue: byte(1))
        self.requestID = UInt16(byte(2)) << 8 | UInt16(byte(3))
        self.contentLength = UInt16(byte(4)) << 8 | UInt16(byte(5))
        self.paddingLength = byte(6)
        self.reserved = byte(7)
    }

    /// Total bytes the record occupies on the wire, header included.
    public var recordByteCount: Int {
        Self.byteCount + Int(contentLength) + Int(paddingLength)
    }

    public func encode(into bytes: inout [UInt8]) {
        bytes.append(version)
        bytes.append(type.rawValue)
        bytes.append(UInt8(truncatingIfNeeded: requestID >> 8))
        bytes.append(UInt8(truncatingIfNeeded: requestID))
        bytes.append(UInt8(truncatingIfNeeded: contentLength >> 8))
        bytes.append(UInt8(truncatingIfNeeded: contentLength))
        bytes.append(paddingLength)
        bytes.append(reserved)
    }

    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        encode(into: &bytes)
        return bytes
    }

    /// Padding that brings `contentLength` up to a multiple of 8, as the
    /// specification recommends for records we emit.
    public static func paddingLength(forContentLength contentLength: Int) -> UInt8 {
        UInt8((8 - contentLength % 8) % 8)
    }
}
