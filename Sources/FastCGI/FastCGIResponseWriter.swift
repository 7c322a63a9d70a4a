/// Handed to the handler with each request. Lets it send the response head,
/// then the body in chunks, instead of returning a whole body — for responses
/// too large to hold in memory (CSV exports…).
///
/// Once `sendHead` succeeded, the response returned by the handler is ignored:
/// when the handler returns, the stream is ended (empty STDOUT record, then
/// END_REQUEST), unless `abort()` was called or a write failed, in which case
/// the connection is closed without END_REQUEST so the web server reports the
/// response as truncated. A handler that never touches the writer behaves
/// exactly as before: its returned response is sent whole.
///
/// Only valid while the handler runs; afterwards every call throws `.finished`.
/// All state lives in a `StreamFlow` (locked), so the writer may be used from
/// another thread while the handler waits for it.
public final class FastCGIResponseWriter: Sendable {
    private let flow: StreamFlow

    init(flow: StreamFlow) {
        self.flow = flow
    }

    /// Whether `sendHead` succeeded.
    public var headSent: Bool {
        flow.headSent
    }

    /// Sends the `Status:` line and the headers as the start of STDOUT. At
    /// most once. Invalid header names are dropped and CR/LF in values
    /// replaced, as for returned responses.
    ///
    /// - Throws: `.headAlreadySent`, or `.cancelled`, `.connectionClosed`,
    ///   `.timedOut`, `.aborted`, `.finished` when the response can no longer be sent.
    public func sendHead(status: Int, headers: [FastCGIHeaderField] = []) throws(FastCGIStreamError) {
        try flow.checkWritable(startingHead: true)
        let block = ResponseEncoder.headerBlock(for: FastCGIResponse(status: status, headers: headers))
        var framed: [UInt8] = []
        FastCGIRecord.encodeStream(type: .stdout, requestID: flow.requestID, content: block, terminated: false, into: &framed)
        try flow.send(framed, startingHead: true)
        flow.watchCancellation()
    }

    /// Sends body bytes as STDOUT records (at most 65528 bytes each, padded to
    /// a multiple of 8). Empty writes send nothing.
    ///
    /// Backpressure: blocks while more than the configured
    /// `streamHighWaterMark` bytes of this connection's output wait for the
    /// socket, and resumes once the client has read enough. Bytes of a call
    /// that throws may have been partly sent.
    ///
    /// - Throws: `.headNotSent` before `sendHead`; `.cancelled` (ABORT_REQUEST,
    ///   cancellation), `.connectionClosed` (client gone, server stopped),
    ///   `.timedOut` (the wait exceeded `writeTimeout`; the connection is then
    ///   closed), `.aborted`, `.finished`.
    public func write(_ bytes: [UInt8]) throws(FastCGIStreamError) {
        guard !bytes.isEmpty else {
            // An empty STDOUT record would end the stream; only report the state.
            try flow.checkWritable(startingHead: false)
            return
        }
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + FastCGIRecord.alignedChunkLength, bytes.count)
            var framed: [UInt8] = []
            framed.reserveCapacity(end - offset + FastCGIRecordHeader.byteCount)
            FastCGIRecord.appendRecord(type: .stdout, requestID: flow.requestID, content: bytes[offset..<end], to: &framed)
            try flow.send(framed, startingHead: false)
            offset = end
        }
    }

    /// Gives up on a response whose head was already sent (e.g. the database
    /// failed mid-way): the connection is closed after the bytes already
    /// written, WITHOUT END_REQUEST, so nginx reports the response as
    /// truncated instead of completing it as if it were whole. Later calls
    /// throw `.aborted`. Before `sendHead` it does nothing (the handler's
    /// returned response is sent as usual).
    public func abort() {
        flow.abort()
    }
}
