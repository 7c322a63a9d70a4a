/// A complete request waiting for (or held by) a worker.
struct QueuedRequest: Sendable {
    let connectionID: UInt64
    let request: FastCGIRequest
    let cancellation: FastCGICancellation
    /// Shared with the I/O thread for a streamed response.
    let flow: StreamFlow
}
