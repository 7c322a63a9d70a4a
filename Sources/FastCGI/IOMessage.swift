/// What other threads tell the I/O thread.
enum IOMessage: Sendable {
    /// A worker finished (or skipped) a request; `bytes` are framed records, END_REQUEST included.
    case completed(connectionID: UInt64, requestID: UInt16, bytes: [UInt8])
    /// Part of a streamed response: framed STDOUT records, the request still running.
    case partial(connectionID: UInt64, requestID: UInt16, bytes: [UInt8])
    /// A streamed response cannot be completed: close the connection, without END_REQUEST.
    case abort(connectionID: UInt64, requestID: UInt16)
    case stop(graceful: Bool)
}
