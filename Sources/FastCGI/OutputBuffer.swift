/// Bytes queued for a non-blocking socket, consumed from the front as the
/// kernel accepts them.
struct OutputBuffer {
    private var bytes: [UInt8] = []
    private var readIndex = 0

    var isEmpty: Bool {
        readIndex == bytes.count
    }

    var count: Int {
        bytes.count - readIndex
    }

    mutating func append(_ more: [UInt8]) {
        if isEmpty {
            // Take ownership instead of copying: the common case is one whole response.
            bytes = more
            readIndex = 0
        } else {
            if readIndex > 0 {
                bytes.removeFirst(readIndex)
                readIndex = 0
            }
            bytes.append(contentsOf: more)
        }
    }

    mutating func consume(_ byteCount: Int) {
        readIndex += byteCount
        if readIndex >= bytes.count {
            bytes = []
            readIndex = 0
        }
    }

    func withUnreadBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        bytes.withUnsafeBytes { all in
            body(UnsafeRawBufferPointer(rebasing: all[readIndex...]))
        }
    }
}
