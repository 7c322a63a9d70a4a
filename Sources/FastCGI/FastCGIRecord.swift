/// One FastCGI record: its type, request id and content (padding stripped).
public struct FastCGIRecord: Hashable, Sendable {
    /// The content length field is 16 bits wide.
    public static let maxContentLength = 65535
    /// Largest multiple of 8 that fits in a record, so full stream chunks need no padding.
    public static let alignedChunkLength = 65528

    public var type: FastCGIRecordType
    public var requestID: UInt16
    public var content: [UInt8]

    public init(type: FastCGIRecordType, requestID: UInt16, content: [UInt8] = []) {
        precondition(content.count <= Self.maxContentLength, "FastCGI record content is limited to 65535 bytes")
        self.type = type
        self.requestID = requestID
        self.content = content
    }

    /// Appends header, content and padding to a multiple of 8 bytes.
    public func encode(into bytes: inout [UInt8]) {
        Self.appendRecord(type: type, requestID: requestID, content: content[...], to: &bytes)
    }

    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return bytes
    }

    /// Appends one record without copying the content into a `FastCGIRecord` first.
    public static func appendRecord(
        type: FastCGIRecordType,
        requestID: UInt16,
        content: ArraySlice<UInt8>,
        to bytes: inout [UInt8]
    ) {
        precondition(content.count <= maxContentLength, "FastCGI record content is limited to 65535 bytes")
        let padding = FastCGIRecordHeader.paddingLength(forContentLength: content.count)
        FastCGIRecordHeader(
            type: type,
            requestID: requestID,
            contentLength: UInt16(content.count),
            paddingLength: padding
        ).encode(into: &bytes)
        bytes.append(contentsOf: content)
        for _ in 0..<padding {
            bytes.append(0)
        }
    }

    /// Writes a whole stream (STDOUT, PARAMS, STDIN…) as records of at most
    /// `alignedChunkLength` bytes, followed by the empty record that ends the
    /// stream when `terminated` is true.
    public static func encodeStream(
        type: FastCGIRecordType,
        requestID: UInt16,
        content: [UInt8],
        terminated: Bool = true,
        chunkLength: Int = alignedChunkLength,
        into bytes: inout [UInt8]
    ) {
        precondition(chunkLength > 0 && chunkLength <= maxContentLength)
        var offset = 0
        while offset < content.count {
            let end = min(offset + chunkLength, content.count)
            appendRecord(type: type, requestID: requestID, content: content[offset..<end], to: &bytes)
            offset = end
        }
        if terminated {
            appendRecord(type: type, requestID: requestID, content: [], to: &bytes)
        }
    }
}
