import Foundation

/// State of one request's streamed response, shared by the worker (through
/// `FastCGIResponseWriter`) and the I/O thread.
///
/// Backpressure: the worker counts the framed bytes it posts (`inTransit`)
/// until the I/O thread has appended them to the connection's output; the I/O
/// thread reports the connection's unwritten output (`buffered`) after every
/// append and every socket write. A writer waits while
/// `inTransit + buffered > highWaterMark`, so a connection never holds much
/// more than the mark plus one record, whatever the response size.
///
/// Release: every way the request can end (peer gone, write failure, write
/// timeout, ABORT_REQUEST, drain timeout, hard stop) goes through the I/O
/// thread's `forgetInFlight`/`cancelInFlight`, which call `fail` and wake the
/// writer. The writer's own wait is also bounded by `writeTimeout`, and a post
/// refused by a closed inbox fails the stream, so a worker is never stuck.
///
/// `@unchecked Sendable`: every mutable field is only read or written while
/// `condition` is locked. Lock order: `condition`, then the inbox's or the
/// cancellation's lock, never the reverse. Posting happens under `condition`,
/// so nothing reaches the inbox after `finish()` and the messages of one
/// response arrive in order. `FastCGICancellation.onCancel`/`removeHandler`
/// are never called with `condition` locked (the handler itself locks it).
final class StreamFlow: @unchecked Sendable {
    /// What the worker must do once the handler has returned.
    enum Outcome: Equatable {
        /// The writer was never used: encode the returned response as before.
        case untouched
        /// The stream went through (or the peer aborted it): end it with the
        /// empty STDOUT record and END_REQUEST.
        case complete
        /// The response is incomplete; the I/O thread was already asked to
        /// close the connection without END_REQUEST.
        case truncated
    }

    private enum Phase {
        case idle
        case streaming
        case aborted
        case finished
    }

    let connectionID: UInt64
    let requestID: UInt16
    let highWaterMark: Int
    private let writeTimeout: Duration
    private let inbox: IOInbox
    private let cancellation: FastCGICancellation

    private let condition = NSCondition()
    private var phase = Phase.idle
    private var headWasSent = false
    private var failure: FastCGIStreamError?
    /// Set when the peer itself aborted the request: it is still owed an END_REQUEST.
    private var endRequestOwed = false
    /// Why the I/O thread is about to cancel the request (see `prepareFailure`).
    private var pendingCause: FastCGIStreamError?
    private var abortPosted = false
    /// Posted, not yet appended to the connection's output by the I/O thread.
    private var inTransit = 0
    /// The connection's unwritten output, as last reported by the I/O thread.
    private var buffered = 0
    private var cancelRegistration: FastCGICancellation.Registration?

    init(
        connectionID: UInt64,
        requestID: UInt16,
        highWaterMark: Int,
        writeTimeout: Duration,
        inbox: IOInbox,
        cancellation: FastCGICancellation
    ) {
        self.connectionID = connectionID
        self.requestID = requestID
        self.highWaterMark = highWaterMark
        self.writeTimeout = writeTimeout
        self.inbox = inbox
        self.cancellation = cancellation
    }

    // MARK: - Worker side

    var headSent: Bool {
        condition.lock()
        defer { condition.unlock() }
        return headWasSent
    }

    /// Throws if `send` would refuse to send now; used for empty writes.
    func checkWritable(startingHead: Bool) throws(FastCGIStreamError) {
        condition.lock()
        defer { condition.unlock() }
        try checkPhaseLocked(startingHead: startingHead)
        try checkFailureLocked()
    }

    /// Waits until the connection's output is at or below the high-water mark,
    /// then posts `framed` (complete STDOUT records) to the I/O thread.
    func send(_ framed: [UInt8], startingHead: Bool) throws(FastCGIStreamError) {
        condition.lock()
        defer { condition.unlock() }
        try checkPhaseLocked(startingHead: startingHead)
        let deadline = Date(timeIntervalSinceNow: Self.seconds(writeTimeout))
        while true {
            try checkFailureLocked()
            if inTransit + buffered <= highWaterMark {
                break
            }
            if !condition.wait(until: deadline) {
                try checkFailureLocked()
                if inTransit + buffered <= highWaterMark {
                    break
                }
                // The client stopped reading: the response can no longer be completed.
                failure = .timedOut
                phase = .aborted
                postAbortLocked()
                throw .timedOut
            }
        }
        guard inbox.post(.partial(connectionID: connectionID, requestID: requestID, bytes: framed)) else {
            failure = .connectionClosed
            throw .connectionClosed
        }
        inTransit += framed.count
        if startingHead {
            headWasSent = true
            phase = .streaming
        }
    }

    /// After a successful `sendHead`: a cancellation from any source wakes a blocked writer.
    func watchCancellation() {
        // Covers `FastCGICancellation.cancel()` called by the application itself;
        // the I/O thread's cancellations also call `fail` directly.
        let registration = cancellation.onCancel { [weak self] in
            self?.fail(.cancelled)
        }
        condition.lock()
        let alreadyFinished = phase == .finished
        if !alreadyFinished {
            cancelRegistration = registration
        }
        condition.unlock()
        if alreadyFinished {
            cancellation.removeHandler(registration)
        }
    }

    /// Gives up on a streamed response: the I/O thread closes the connection
    /// without END_REQUEST. Does nothing before the head was sent.
    func abort() {
        condition.lock()
        defer { condition.unlock() }
        guard phase == .streaming else {
            return
        }
        phase = .aborted
        if failure == nil {
            failure = .aborted
        }
        postAbortLocked()
        condition.broadcast()
    }

    /// Called by the worker once the handler has returned; the writer is unusable afterwards.
    func finish() -> Outcome {
        condition.lock()
        let outcome: Outcome
        switch phase {
        case .idle:
            outcome = .untouched
        case .streaming:
            if failure == nil || endRequestOwed {
                outcome = .complete
            } else {
                // A write failed (cancelled, connection gone…): never complete a partial body.
                postAbortLocked()
                outcome = .truncated
            }
        case .aborted, .finished:
            outcome = .truncated
        }
        phase = .finished
        if failure == nil {
            failure = .finished
        }
        let registration = cancelRegistration
        cancelRegistration = nil
        condition.broadcast()
        condition.unlock()
        if let registration {
            cancellation.removeHandler(registration)
        }
        return outcome
    }

    // MARK: - I/O thread side

    /// `count` posted bytes were appended to the connection's output, now `buffered` long.
    func appended(_ count: Int, buffered: Int) {
        condition.lock()
        inTransit -= count
        self.buffered = buffered
        wakeWriterIfRoomLocked()
        condition.unlock()
    }

    /// The connection's unwritten output is now `buffered` bytes long.
    func outputChanged(buffered: Int) {
        condition.lock()
        self.buffered = buffered
        wakeWriterIfRoomLocked()
        condition.unlock()
    }

    /// Called by the I/O thread just before it fires the request's
    /// cancellation: whoever then notices the failure first reports `cause`.
    /// `endRequestOwed`: the peer aborted the request (ABORT_REQUEST) but keeps
    /// the connection, so a stream already begun is still ended with
    /// END_REQUEST although its writes fail.
    func prepareFailure(_ cause: FastCGIStreamError, endRequestOwed owed: Bool) {
        condition.lock()
        if pendingCause == nil {
            pendingCause = cause
        }
        if owed {
            endRequestOwed = true
        }
        condition.unlock()
    }

    /// The response can no longer be written; wakes a blocked writer. The first error wins.
    func fail(_ error: FastCGIStreamError) {
        condition.lock()
        if failure == nil {
            failure = pendingCause ?? error
        }
        condition.broadcast()
        condition.unlock()
    }

    // MARK: - Private

    private func checkPhaseLocked(startingHead: Bool) throws(FastCGIStreamError) {
        switch phase {
        case .idle:
            if !startingHead {
                throw .headNotSent
            }
        case .streaming:
            if startingHead {
                throw .headAlreadySent
            }
        case .aborted:
            throw failure ?? .aborted
        case .finished:
            throw .finished
        }
    }

    private func checkFailureLocked() throws(FastCGIStreamError) {
        if let failure {
            throw failure
        }
        if cancellation.isCancelled {
            let cause = pendingCause ?? .cancelled
            failure = cause
            throw cause
        }
    }

    private func wakeWriterIfRoomLocked() {
        if inTransit + buffered <= highWaterMark {
            condition.broadcast()
        }
    }

    private func postAbortLocked() {
        guard !abortPosted else {
            return
        }
        abortPosted = true
        inbox.post(.abort(connectionID: connectionID, requestID: requestID))
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let parts = duration.components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
