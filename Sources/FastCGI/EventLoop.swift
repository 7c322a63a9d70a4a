import Glibc

/// The single I/O thread: accepts, reads and decodes records, answers what
/// it can by itself (GET_VALUES, errors, 503), hands complete requests to the
/// bounded queue and writes the workers' responses back.
///
/// It owns every socket descriptor, so workers never touch a descriptor that
/// may have been closed and reused; they post finished responses through
/// `IOInbox`. Nothing here blocks, so idle connections cost a pollfd slot,
/// never a worker.
final class EventLoop {
    private static let readChunkSize = 64 * 1024
    /// Per wake-up and connection, so one fast sender cannot starve the others.
    private static let readBudgetPerWakeup = 256 * 1024
    /// Stop reading from a peer while this much of our output is unread.
    private static let outputHighWater = 256 * 1024
    private static let lingerDuration: Duration = .seconds(2)
    private static let lingerMaxBytes = 4 * 1024 * 1024
    private static let maxPollWait: Duration = .seconds(1)
    private static let acceptRetryDelay: Duration = .milliseconds(100)
    private static let acceptsPerWakeup = 64
    private static let overloadLogInterval: Duration = .seconds(1)

    private let configuration: FastCGIServerConfiguration
    private let limits: RequestAssembler.Limits
    private let inbox: IOInbox
    private let queue: RequestQueue
    private let counters: ServerCounters
    private let logger: @Sendable (FastCGILogEvent) -> Void
    private let clock = ContinuousClock()
    private let readBuffer: UnsafeMutableRawBufferPointer
    private let isTCP: Bool

    private var listener: ListeningSocket?
    private var connections: [UInt64: Connection] = [:]
    private var lastConnectionID: UInt64 = 0
    private var acceptResumesAt: ContinuousClock.Instant?
    private var drainDeadline: ContinuousClock.Instant?
    private var exitRequested = false
    private var lastOverloadLogAt: ContinuousClock.Instant?
    private var unloggedOverloads = 0

    init(setup: EventLoopSetup) {
        configuration = setup.configuration
        limits = RequestAssembler.Limits(
            maxParamsBytes: setup.configuration.maxParamsBytes,
            maxBodyBytes: setup.configuration.maxBodyBytes,
            maxConnections: setup.configuration.maxConnections
        )
        listener = setup.listener
        inbox = setup.inbox
        queue = setup.queue
        counters = setup.counters
        logger = setup.logger
        readBuffer = .allocate(byteCount: Self.readChunkSize, alignment: 16)
        if case .tcp = setup.configuration.listen {
            isTCP = true
        } else {
            isTCP = false
        }
    }

    deinit {
        readBuffer.deallocate()
    }

    func run() {
        log(.info, "listening", ["address": listener?.description ?? "?", "workers": "\(configuration.workerCount)"])
        var pollSet: [pollfd] = []
        var owners: [Connection?] = []
        while !exitRequested {
            let now = clock.now
            pollSet.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            pollSet.append(pollfd(fd: inbox.wakeReadFD, events: Int16(POLLIN), revents: 0))
            owners.append(nil)
            var listenerIndex: Int?
            if let listener, canAccept(now) {
                listenerIndex = pollSet.count
                pollSet.append(pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0))
                owners.append(nil)
            }
            for connection in connections.values {
                pollSet.append(pollfd(fd: connection.fd, events: connection.pollEvents(outputHighWater: Self.outputHighWater), revents: 0))
                owners.append(connection)
            }

            let ready = poll(&pollSet, nfds_t(pollSet.count), pollTimeoutMilliseconds(now))
            if ready < 0 && errno != EINTR {
                log(.error, "poll failed", ["error": SystemErrorText.describe(errno)])
            }
            if ready > 0 {
                if pollSet[0].revents != 0 {
                    inbox.drainWakeups()
                }
                for index in pollSet.indices where pollSet[index].revents != 0 {
                    if let connection = owners[index] {
                        service(connection, revents: pollSet[index].revents)
                    }
                }
                if let listenerIndex, pollSet[listenerIndex].revents != 0 {
                    acceptConnections()
                }
            }
            handleMessages()
            expireTimeouts()
            removeClosedConnections()
            checkDrainProgress()
        }
        closeEverything()
    }

    // MARK: - Accepting

    private func canAccept(_ now: ContinuousClock.Instant) -> Bool {
        if let resume = acceptResumesAt {
            guard now >= resume else {
                return false
            }
            acceptResumesAt = nil
        }
        // At the limit, new connections wait in the kernel backlog.
        return connections.count < configuration.maxConnections
    }

    private func acceptConnections() {
        guard let listener else {
            return
        }
        let now = clock.now
        for _ in 0..<Self.acceptsPerWakeup {
            guard connections.count < configuration.maxConnections else {
                return
            }
            let fd = Glibc.accept(listener.fd, nil, nil)
            if fd < 0 {
                let code = errno
                switch code {
                case EAGAIN, EWOULDBLOCK:
                    return
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                default:
                    // EMFILE and friends: back off instead of spinning on a ready listener.
                    log(.error, "accept failed", ["error": SystemErrorText.describe(code)])
                    acceptResumesAt = now + Self.acceptRetryDelay
                    return
                }
            }
            // accept4 is not exported to Swift; set the flags by hand.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            if isTCP {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            lastConnectionID += 1
            connections[lastConnectionID] = Connection(id: lastConnectionID, fd: fd, limits: limits, now: now)
            counters.update {
                $0.acceptedConnections += 1
                $0.activeConnections += 1
            }
        }
    }

    // MARK: - Readiness

    private func service(_ connection: Connection, revents: Int16) {
        let now = clock.now
        if revents & Int16(POLLNVAL) != 0 {
            abandon(connection, reason: "invalid descriptor", level: .error)
            return
        }
        switch connection.state {
        case .open:
            if revents & Int16(POLLOUT) != 0 {
                flush(connection, now: now)
            }
            if connection.isOpen, revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                readRecords(from: connection, now: now)
            }
        case .closeAfterFlush:
            if revents & Int16(POLLHUP | POLLERR) != 0 {
                abandon(connection, reason: "peer went away before reading the answer", level: .info)
                return
            }
            if revents & Int16(POLLOUT) != 0 {
                flush(connection, now: now)
            }
        case .lingering:
            discardInput(of: connection)
        case .closed:
            return
        }
        settle(connection, now: now)
    }

    private func readRecords(from connection: Connection, now: ContinuousClock.Instant) {
        var budget = Self.readBudgetPerWakeup
        while budget > 0, connection.isOpen, connection.output.count < Self.outputHighWater {
            let count = recv(connection.fd, readBuffer.baseAddress, readBuffer.count, 0)
            if count > 0 {
                budget -= count
                connection.decoder.append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<count]))
                processRecords(of: connection, now: now)
            } else if count == 0 {
                peerClosed(connection)
                return
            } else {
                let code = errno
                if code == EINTR {
                    continue
                }
                if code == EAGAIN || code == EWOULDBLOCK {
                    return
                }
                abandon(connection, reason: "read failed: \(SystemErrorText.describe(code))", level: .info)
                return
            }
        }
    }

    private func processRecords(of connection: Connection, now: ContinuousClock.Instant) {
        while connection.isOpen {
            let record: FastCGIRecord?
            do {
                record = try connection.decoder.next()
            } catch {
                perform(connection.assembler.inputFailed("\(error)"), on: connection, now: now)
                return
            }
            guard let record else {
                return
            }
            connection.hasReceivedRecord = true
            connection.lastRecordAt = now
            connection.lastActivityAt = now
            perform(connection.assembler.handle(record), on: connection, now: now)
        }
    }

    private func perform(_ actions: [AssemblerAction], on connection: Connection, now: ContinuousClock.Instant) {
        for action in actions {
            switch action {
            case .send(let bytes):
                connection.enqueue(bytes, now: now)
            case .dispatch(let request):
                dispatch(request, from: connection, now: now)
            case .cancelInFlight:
                cancelInFlight(of: connection, reason: "aborted")
            case .closeAfterFlush:
                if connection.isOpen {
                    connection.state = .closeAfterFlush
                }
            case let .log(level, message):
                log(level, message, ["connection": "\(connection.id)"])
            }
        }
    }

    private func dispatch(_ request: FastCGIRequest, from connection: Connection, now: ContinuousClock.Instant) {
        counters.update { $0.totalRequests += 1 }
        let cancellation = FastCGICancellation()
        let item = QueuedRequest(connectionID: connection.id, request: request, cancellation: cancellation)
        if queue.tryEnqueue(item) {
            connection.inFlight = Connection.InFlight(requestID: request.requestID, cancellation: cancellation)
            return
        }
        counters.update { $0.rejectedRequests += 1 }
        logOverload(now: now)
        connection.enqueue(ResponseEncoder.encode(ProblemResponses.overloaded(), requestID: request.requestID), now: now)
        perform(connection.assembler.responseCompleted(), on: connection, now: now)
    }

    /// One line per second at most, however hard the overload.
    private func logOverload(now: ContinuousClock.Instant) {
        unloggedOverloads += 1
        if let last = lastOverloadLogAt, now - last < Self.overloadLogInterval {
            return
        }
        log(.warning, "request queue full, answered 503", [
            "rejected": "\(unloggedOverloads)",
            "queueCapacity": "\(queue.capacity)",
        ])
        unloggedOverloads = 0
        lastOverloadLogAt = now
    }

    // MARK: - Writing and closing

    /// Writes what the kernel takes, then closes if that was the last thing to do.
    private func settle(_ connection: Connection, now: ContinuousClock.Instant) {
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

    private func flush(_ connection: Connection, now: ContinuousClock.Instant) {
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
    private func startLingering(_ connection: Connection, now: ContinuousClock.Instant) {
        forgetInFlight(of: connection, reason: "connection closing")
        shutdown(connection.fd, Int32(SHUT_WR))
        connection.state = .lingering(until: now + Self.lingerDuration)
        discardInput(of: connection)
    }

    private func discardInput(of connection: Connection) {
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

    private func peerClosed(_ connection: Connection) {
        if connection.inFlight != nil {
            log(.info, "peer closed the connection while its request was pending", ["connection": "\(connection.id)"])
        }
        release(connection)
    }

    private func abandon(_ connection: Connection, reason: String, level: FastCGILogEvent.Level) {
        log(level, "closing connection: \(reason)", ["connection": "\(connection.id)"])
        release(connection)
    }

    /// Closes the descriptor at once, cancelling any request still pending.
    private func release(_ connection: Connection) {
        guard !connection.isClosed else {
            return
        }
        forgetInFlight(of: connection, reason: "connection closed")
        Glibc.close(connection.fd)
        connection.state = .closed
        counters.update { $0.activeConnections -= 1 }
    }

    private func cancelInFlight(of connection: Connection, reason: String) {
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
    private func forgetInFlight(of connection: Connection, reason: String) {
        cancelInFlight(of: connection, reason: reason)
        connection.inFlight = nil
    }

    private func removeClosedConnections() {
        let closed = connections.values.filter(\.isClosed)
        for connection in closed {
            connections[connection.id] = nil
        }
    }

    // MARK: - Messages from other threads

    private func handleMessages() {
        for message in inbox.takeAll() {
            switch message {
            case let .completed(connectionID, requestID, bytes):
                deliver(bytes, connectionID: connectionID, requestID: requestID)
            case .stop(let graceful):
                beginStop(graceful: graceful)
            }
        }
    }

    private func deliver(_ bytes: [UInt8], connectionID: UInt64, requestID: UInt16) {
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

    // MARK: - Stopping

    private func beginStop(graceful: Bool) {
        let now = clock.now
        if let listener {
            listener.close()
            self.listener = nil
            log(.info, "stopped accepting connections", ["graceful": "\(graceful)"])
        }
        guard graceful else {
            for connection in connections.values {
                release(connection)
            }
            exitRequested = true
            return
        }
        if drainDeadline == nil {
            drainDeadline = now + configuration.drainTimeout
            log(.info, "draining", ["connections": "\(connections.count)", "queued": "\(queue.depth)"])
        }
        // Idle connections close now; busy ones right after their current answer.
        for connection in connections.values {
            connection.closeWhenIdle = true
            settle(connection, now: now)
        }
    }

    private func checkDrainProgress() {
        guard let drainDeadline else {
            return
        }
        if connections.isEmpty {
            log(.info, "drained")
            exitRequested = true
        } else if clock.now >= drainDeadline {
            log(.warning, "drain timeout, closing remaining connections", ["connections": "\(connections.count)"])
            for connection in connections.values {
                release(connection)
            }
            connections.removeAll()
            exitRequested = true
        }
    }

    private func closeEverything() {
        for connection in connections.values {
            release(connection)
        }
        connections.removeAll()
        listener?.close()
        listener = nil
        inbox.close()
    }

    // MARK: - Timeouts

    private func deadline(of connection: Connection) -> (ContinuousClock.Instant, ConnectionTimeout)? {
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

    private func expireTimeouts() {
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

    private func pollTimeoutMilliseconds(_ now: ContinuousClock.Instant) -> Int32 {
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

    private func log(_ level: FastCGILogEvent.Level, _ message: String, _ fields: [String: String] = [:]) {
        logger(FastCGILogEvent(level: level, message: message, fields: fields))
    }
}
