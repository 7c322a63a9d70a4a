import Glibc

/// One accepted socket and its protocol state. Confined to the I/O thread.
final class Connection {
    enum State {
        case open
        /// No more input is processed; close once `output` is written.
        case closeAfterFlush
        /// Write side shut down; reading and discarding until EOF or the deadline,
        /// so the peer never sees a reset because of bytes we did not read.
        case lingering(until: ContinuousClock.Instant)
        case closed
    }

    /// The request currently owned by a worker.
    struct InFlight {
        let requestID: UInt16
        let cancellation: FastCGICancellation
        let flow: StreamFlow
        /// Set by the first partial response: output changes are then reported to `flow`.
        var isStreaming = false
    }

    let id: UInt64
    let fd: Int32
    var state = State.open
    var decoder = FastCGIRecordDecoder()
    var assembler: RequestAssembler
    var output = OutputBuffer()
    var inFlight: InFlight?
    /// Set by a graceful stop: close once the current request is answered.
    var closeWhenIdle = false
    var hasReceivedRecord = false
    let acceptedAt: ContinuousClock.Instant
    var lastRecordAt: ContinuousClock.Instant
    var lastActivityAt: ContinuousClock.Instant
    var lastWriteProgressAt: ContinuousClock.Instant
    var lingerBytesDiscarded = 0

    init(id: UInt64, fd: Int32, limits: RequestAssembler.Limits, now: ContinuousClock.Instant) {
        self.id = id
        self.fd = fd
        self.assembler = RequestAssembler(limits: limits)
        self.acceptedAt = now
        self.lastRecordAt = now
        self.lastActivityAt = now
        self.lastWriteProgressAt = now
    }

    var isOpen: Bool {
        if case .open = state {
            return true
        }
        return false
    }

    var isClosed: Bool {
        if case .closed = state {
            return true
        }
        return false
    }

    /// Nothing begun, nothing running, nothing half-received.
    var isBetweenRequests: Bool {
        assembler.isIdle && inFlight == nil && decoder.bufferedByteCount == 0
    }

    func enqueue(_ bytes: [UInt8], now: ContinuousClock.Instant) {
        guard !bytes.isEmpty else {
            return
        }
        if output.isEmpty {
            // The write timeout measures progress from the moment there is something to write.
            lastWriteProgressAt = now
        }
        output.append(bytes)
    }

    /// Poll events this connection wants in its current state.
    func pollEvents(outputHighWater: Int) -> Int16 {
        switch state {
        case .open:
            var events: Int16 = 0
            // Back-pressure: a peer that does not read our answers does not get to send more.
            if output.count < outputHighWater {
                events |= Int16(POLLIN)
            }
            if !output.isEmpty {
                events |= Int16(POLLOUT)
            }
            return events
        case .closeAfterFlush:
            return output.isEmpty ? 0 : Int16(POLLOUT)
        case .lingering:
            return Int16(POLLIN)
        case .closed:
            return 0
        }
    }
}
