import Glibc

/// Reading records and handing requests to the workers.
extension EventLoop {
    func service(_ connection: Connection, revents: Int16) {
        let now = clock.now
        if revents & Int16(POLLNVAL) != 0 {
            abandon(connection, reason: "invalid descriptor", level: .error)
            return
        }
        switch connection.state {
        case .open:
            // On HUP/ERR with output pending, the failing send is what notices the
            // peer is gone: reading is paused while too much output is unread.
            if revents & Int16(POLLOUT) != 0 || (revents & Int16(POLLHUP | POLLERR) != 0 && !connection.output.isEmpty) {
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

    func readRecords(from connection: Connection, now: ContinuousClock.Instant) {
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

    func processRecords(of connection: Connection, now: ContinuousClock.Instant) {
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

    func perform(_ actions: [AssemblerAction], on connection: Connection, now: ContinuousClock.Instant) {
        for action in actions {
            switch action {
            case .send(let bytes):
                connection.enqueue(bytes, now: now)
            case .dispatch(let request):
                dispatch(request, from: connection, now: now)
            case .cancelInFlight:
                // The peer gave up (ABORT_REQUEST): it is still owed an END_REQUEST.
                cancelInFlight(of: connection, reason: "aborted", endRequestOwed: true)
            case .closeAfterFlush:
                if connection.isOpen {
                    connection.state = .closeAfterFlush
                }
            case let .log(level, message):
                log(level, message, ["connection": "\(connection.id)"])
            }
        }
    }

    func dispatch(_ request: FastCGIRequest, from connection: Connection, now: ContinuousClock.Instant) {
        counters.update { $0.totalRequests += 1 }
        let cancellation = FastCGICancellation()
        let flow = StreamFlow(
            connectionID: connection.id,
            requestID: request.requestID,
            highWaterMark: configuration.streamHighWaterMark,
            writeTimeout: configuration.writeTimeout,
            inbox: inbox,
            cancellation: cancellation
        )
        let item = QueuedRequest(connectionID: connection.id, request: request, cancellation: cancellation, flow: flow)
        let lane = serviceLane.flatMap { $0.accepts(request) ? $0.queue : nil }
        if (lane ?? queue).tryEnqueue(item) {
            connection.inFlight = Connection.InFlight(requestID: request.requestID, cancellation: cancellation, flow: flow)
            return
        }
        // Only the workers' queue overflowing is an overload worth counting and logging.
        if lane == nil {
            counters.update { $0.rejectedRequests += 1 }
            logOverload(now: now)
        }
        connection.enqueue(ResponseEncoder.encode(ProblemResponses.overloaded(), requestID: request.requestID), now: now)
        perform(connection.assembler.responseCompleted(), on: connection, now: now)
    }

    /// One line per second at most, however hard the overload.
    func logOverload(now: ContinuousClock.Instant) {
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
}
