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

    func cancelInFlight(of connection: Connection, reason: String) {
        guard let inFlight = connection.inFlight, inFlight.cancellation.markCancelled() else {
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
        cancelInFlight(of: connection, reason: reason)
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
            case .stop(let graceful):
                beginStop(graceful: graceful)
            }
        }
    }

    func deliver(_ bytes: [UInt8], connectionID: UInt64, requestID: UInt16) {
        guard let connection = connections[connectionID],
              connection.isOpen,
              let inFlight = connection.inFlight,
              inFlight.requestID == requestID
        else {
            return
        }
        let now = clock.now
        connection.inFlight = nil
        connection.enqueue(bytes, now: now)
        perform(connection.assembler.responseCompleted(), on: connection, now: now)
        connection.lastActivityAt = now
        settle(connection, now: now)
    }
}
