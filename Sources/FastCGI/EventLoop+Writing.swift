import Glibc

/// Writing answers, closing connections, and messages from workers.
extension EventLoop {
    /// Writes what the kernel takes, then closes if that was the last thing to do.
    func settle(_ connection: Connection, now: ContinuousClock.Instant) {
        if connection.isOpen, connection.closeWhenIdle, connection.isBetweenRequests {
            connection.state = .closeAfterFlush
        }
        switch connection.state {
        case .open, .closeAfterFlush:
            if !connection.output.isEmpty {
                flush(connection, now: now)
            }
        case .lingering, .closed:
            break
        }
        if case .closeAfterFlush = connection.state, connection.output.isEmpty {
            startLingering(connection, now: now)
        }
    }

    func flush(_ connection: Connection, now: ContinuousClock.Instant) {
        defer { reportStreamOutput(of: connection) }
        while !connection.output.isEmpty {
            let sent = connection.output.withUnreadBytes { bytes in
                send(connection.fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                connection.output.consume(sent)
                connection.lastWriteProgressAt = now
                continue
            }
            let code = errno
            if sent < 0 && code == EINTR {
                continue
            }
            if sent < 0 && (code == EAGAIN || code == EWOULDBLOCK) {
                return
            }
            abandon(connection, reason: "write failed: \(SystemErrorText.describe(code))", level: .info)
            return
        }
        connection.lastActivityAt = now
    }

    /// shutdown(SHUT_WR) then read until EOF, so unread input never turns our close into a reset.
    func startLingering(_ connection: Connection, now: ContinuousClock.Instant) {
        forgetInFlight(of: connection, reason: "connection closing")
        shutdown(connection.fd, Int32(SHUT_WR))
        connection.state = .lingering(until: now + Self.lingerDuration)
        discardInput(of: connection)
    }

    func discardInput(of connection: Connection) {
        while case .lingering = connection.state {
            let count = recv(connection.fd, readBuffer.baseAddress, readBuffer.count, 0)
            if count > 0 {
                connection.lingerBytesDiscarded += count
                if connection.lingerBytesDiscarded > Self.lingerMaxBytes {
                    release(connection)
                }
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                release(connection)
            }
        }
    }

    func peerClosed(_ connection: Connection) {
        if connection.inFlight != nil {
            log(.info, "peer closed the connection while its request was pending", ["connection": "\(connection.id)"])
        }
        release(connection)
    }

    func abandon(_ connection: Connection, reason: String, level: FastCGILogEvent.Level) {
        log(level, "closing connection: \(reason)", ["connection": "\(connection.id)"])
        release(connection)
    }

    /// Closes the descriptor at once, cancelling any request still pending.
    func release(_ connection: Connection) {
        guard !connection.isClosed else {
            return
        }
        forgetInFlight(of: connection, reason: "connection closed")
        Glibc.close(connection.fd)
        connection.state = .closed
        counters.update { $0.activeConnections -= 1 }
    }

    /// A streaming writer blocked on this connection's output re-checks it.
    func reportStreamOutput(of connection: Connection) {
        if let inFlight = connection.inFlight, inFlight.isStreaming {
            inFlight.flow.outputChanged(buffered: connection.output.count)
        }
    }

    /// Fires the request's cancellation and releases a writer blocked on its stream.
    /// `endRequestOwed`: the peer aborted the request but the connection stays usable,
    /// so a stream already begun is still ended with END_REQUEST.
    func cancelInFlight(
        of connection: Connection,
        reason: String,
        streamError: FastCGIStreamError = .cancelled,
        endRequestOwed: Bool = false
    ) {
        guard let inFlight = connection.inFlight else {
            return
        }
        // The cause first: a writer that notices the cancellation on its own (or
        // through its `onCancel`, run on another thread) reports this cause and
        // knows whether END_REQUEST is owed. Then the cancellation, so a writer
        // released by `fail` finds it already fired.
        inFlight.flow.prepareFailure(streamError, endRequestOwed: endRequestOwed)
        let firstCancel = inFlight.cancellation.markCancelled()
        inFlight.flow.fail(streamError)
        guard firstCancel else {
            return
        }
        counters.update { $0.cancelledRequests += 1 }
        log(.info, "request cancelled", [
            "connection": "\(connection.id)",
            "requestID": "\(inFlight.requestID)",
            "reason": reason,
        ])
    }

    /// The response can no longer be delivered: cancel, and drop it when it comes.
    func forgetInFlight(of connection: Connection, reason: String) {
        cancelInFlight(of: connection, reason: reason, streamError: .connectionClosed)
        connection.inFlight = nil
    }

    func removeClosedConnections() {
        let closed = connections.values.filter(\.isClosed)
        for connection in closed {
            connections[connection.id] = nil
        }
    }

    // MARK: - Messages from other threads

    func handleMessages() {
        for message in inbox.takeAll() {
            switch message {
            case let .completed(connectionID, requestID, bytes):
                deliver(bytes, connectionID: connectionID, requestID: requestID)
            case let .partial(connectionID, requestID, bytes):
                deliverPartial(bytes, connectionID: connectionID, requestID: requestID)
            case let .abort(connectionID, requestID):
                abortStream(connectionID: connectionID, requestID: requestID)
            case .stop(let graceful):
                beginStop(graceful: graceful)
            }
        }
    }

    /// The open connection whose in-flight request is `requestID`, if both still exist: a worker's
    /// message about a request that is gone (closed, aborted, timed out) is dropped.
    func connection(_ connectionID: UInt64, servingRequest requestID: UInt16) -> Connection? {
        guard let connection = connections[connectionID], connection.isOpen,
              let inFlight = connection.inFlight, inFlight.requestID == requestID else {
            return nil
        }
        return connection
    }

    func deliver(_ bytes: [UInt8], connectionID: UInt64, requestID: UInt16) {
        guard let connection = connection(connectionID, servingRequest: requestID) else {
            return
        }
        let now = clock.now
        connection.inFlight = nil
        connection.enqueue(bytes, now: now)
        perform(connection.assembler.responseCompleted(), on: connection, now: now)
        connection.lastActivityAt = now
        settle(connection, now: now)
    }

    /// Part of a streamed response: queued and written like any output, the
    /// request staying in flight. Dropped unless the request is still the
    /// connection's current one (a gone request's writer has already failed).
    func deliverPartial(_ bytes: [UInt8], connectionID: UInt64, requestID: UInt16) {
        guard let connection = connection(connectionID, servingRequest: requestID) else {
            return
        }
        let now = clock.now
        connection.inFlight?.isStreaming = true
        connection.enqueue(bytes, now: now)
        connection.inFlight?.flow.appended(bytes.count, buffered: connection.output.count)
        connection.lastActivityAt = now
        settle(connection, now: now)
    }

    /// A streamed response cannot be completed: write what was already
    /// produced, then close without END_REQUEST so the web server reports the
    /// response as truncated rather than whole.
    func abortStream(connectionID: UInt64, requestID: UInt16) {
        guard let connection = connections[connectionID],
              let inFlight = connection.inFlight,
              inFlight.requestID == requestID
        else {
            return
        }
        log(.info, "streamed response abandoned, closing without END_REQUEST", [
            "connection": "\(connection.id)",
            "requestID": "\(requestID)",
        ])
        connection.inFlight = nil
        if connection.isOpen {
            connection.state = .closeAfterFlush
        }
        settle(connection, now: clock.now)
    }
}
