/// What other threads tell the I/O thread.
enum IOMessage: Sendable {
    /// A worker finished (or skipped) a request; `bytes` are framed records, END_REQUEST included.
    case completed(connectionID: UInt64, requestID: UInt16, bytes: [UInt8])
    case stop(graceful: Bool)
}
