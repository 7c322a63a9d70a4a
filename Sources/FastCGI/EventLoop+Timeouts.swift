import Glibc

/// Per-connection deadlines and the poll timeout they imply.
extension EventLoop {
    func deadline(of connection: Connection) -> (ContinuousClock.Instant, ConnectionTimeout)? {
        switch connection.state {
        case .closed:
            return nil
        case .lingering(let until):
            return (until, .linger)
        case .open, .closeAfterFlush:
            if !connection.output.isEmpty {
                return (connection.lastWriteProgressAt + configuration.writeTimeout, .write)
            }
            guard connection.isOpen, connection.inFlight == nil else {
                // A worker has the request: the peer is rightly silent.
                return nil
            }
            if !connection.hasReceivedRecord {
                return (connection.acceptedAt + configuration.firstByteTimeout, .firstByte)
            }
            if connection.assembler.isReceiving || connection.decoder.bufferedByteCount > 0 {
                return (connection.lastRecordAt + configuration.recordTimeout, .record)
            }
            return (connection.lastActivityAt + configuration.idleTimeout, .idle)
        }
    }

    func expireTimeouts() {
        let now = clock.now
        for connection in connections.values {
            guard let (deadline, timeout) = deadline(of: connection), now >= deadline else {
                continue
            }
            switch timeout {
            case .linger:
                release(connection)
            case .write:
                abandon(connection, reason: "write timeout", level: .info)
            case .firstByte, .record, .idle:
                log(timeout == .idle ? .debug : .info, "closing connection: \(timeout.rawValue) timeout", ["connection": "\(connection.id)"])
                connection.state = .closeAfterFlush
                settle(connection, now: now)
            }
        }
    }

    func pollTimeoutMilliseconds(_ now: ContinuousClock.Instant) -> Int32 {
        var nearest = now + Self.maxPollWait
        for connection in connections.values {
            if let (deadline, _) = deadline(of: connection), deadline < nearest {
                nearest = deadline
            }
        }
        if let drainDeadline, drainDeadline < nearest {
            nearest = drainDeadline
        }
        if let acceptResumesAt, acceptResumesAt < nearest {
            nearest = acceptResumesAt
        }
        let remaining = nearest - now
        guard remaining > .zero else {
            return 0
        }
        return Int32((remaining / .milliseconds(1)).rounded(.up))
    }

    func log(_ level: FastCGILogEvent.Level, _ message: String, _ fields: [String: String] = [:]) {
        logger(FastCGILogEvent(level: level, message: message, fields: fields))
    }
}
