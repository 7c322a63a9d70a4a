/// Turns an arbitrary sequence of byte chunks into records.
///
/// Bytes may arrive in any split (one at a time included); complete records
/// come out of `next()`. Memory stays bounded by one record plus whatever was
/// appended since the last call, because consumed bytes are dropped on append.
/// After an error the decoder stays failed: the stream cannot be resynchronised.
public struct FastCGIRecordDecoder: Sendable {
    private static let retainedCapacity = 16 * 1024

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: FastCGIProtocolError?

    public init() {}

    /// Bytes received but not yet returned as a record.
    public var bufferedByteCount: Int {
        buffer.count - readIndex
    }

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        dropConsumedBytes()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        dropConsumedBytes()
        buffer.append(contentsOf: bytes)
    }

    /// The next complete record, or nil when more bytes are needed.
    public mutating func next() throws(FastCGIProtocolError) -> FastCGIRecord? {
        if let failure {
            throw failure
        }
        guard bufferedByteCount >= FastCGIRecordHeader.byteCount else {
            return nil
        }
        let header: FastCGIRecordHeader
        do {
            header = try FastCGIRecordHeader(decoding: buffer[readIndex..<readIndex + FastCGIRecordHeader.byteCount])
        } catch {
            failure = error
            throw error
        }
        guard bufferedByteCount >= header.recordByteCount else {
            return nil
        }
        let contentStart = readIndex + FastCGIRecordHeader.byteCount
        let content = Array(buffer[contentStart..<contentStart + Int(header.contentLength)])
        readIndex += header.recordByteCount
        if readIndex == buffer.count {
            // Keep a small buffer for the next read, but do not let an idle
            // kept-alive connection hold on to the memory of a large upload.
            if buffer.capacity > Self.retainedCapacity {
                buffer = []
            } else {
                buffer.removeAll(keepingCapacity: true)
            }
            readIndex = 0
        }
        return FastCGIRecord(type: header.type, requestID: header.requestID, content: content)
    }

    private mutating func dropConsumedBytes() {
        if readIndex > 0 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
