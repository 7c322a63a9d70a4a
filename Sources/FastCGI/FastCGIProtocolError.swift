/// Why bytes received from the web server could not be understood.
public enum FastCGIProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The record header carries a version other than 1.
    case unsupportedVersion(UInt8)
    /// Fewer than 8 bytes were given to the header decoder.
    case headerTooShort(byteCount: Int)
    /// A name-value pair claims more bytes than the stream holds.
    case truncatedNameValuePair(offset: Int)
    /// A BEGIN_REQUEST body is not 8 bytes long.
    case invalidBeginRequestBody(byteCount: Int)
    /// An END_REQUEST body is not 8 bytes long.
    case invalidEndRequestBody(byteCount: Int)

    public var description: String {
        switch self {
        case .unsupportedVersion(let version):
            "unsupported FastCGI version \(version)"
        case .headerTooShort(let count):
            "record header needs 8 bytes, got \(count)"
        case .truncatedNameValuePair(let offset):
            "truncated name-value pair at offset \(offset)"
        case .invalidBeginRequestBody(let count):
            "BEGIN_REQUEST body must be 8 bytes, got \(count)"
        case .invalidEndRequestBody(let count):
            "END_REQUEST body must be 8 bytes, got \(count)"
        }
    }
}
