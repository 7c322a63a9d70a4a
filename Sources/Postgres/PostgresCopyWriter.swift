import CLibPQ

/// Sends data to a running `COPY … FROM STDIN`. Only valid inside `PostgresConnection.copyFrom`.
public final class PostgresCopyWriter {
    private let handle: OpaquePointer
    private let statement: String

    init(handle: OpaquePointer, statement: String) {
        self.handle = handle
        self.statement = statement
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        let sent = PQputCopyData(handle, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        guard sent == 1 else {
            throw PostgresError.from(result: nil, connection: handle, statement: statement)
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }
}
