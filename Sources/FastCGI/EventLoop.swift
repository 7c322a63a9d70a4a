import Glibc

/// The single I/O thread: accepts, reads and decodes records, answers what
/// it can by itself (GET_VALUES, errors, 503), hands complete requests to the
/// bounded queue and writes the workers' responses back.
///
/// It owns every socket descriptor, so workers never touch a descriptor that
/// may have been closed and reused; they post finished responses through
/// `IOInbox`. Nothing here blocks, so idle connections cost a pollfd slot,
/// never a worker.
///
/// Members are internal rather than private only so the EventLoop+*.swift
/// extensions can share them; the object never leaves the I/O thread.
final class EventLoop {
    static let readChunkSize = 64 * 1024
    /// Per wake-up and connection, so one fast sender cannot starve the others.
    static let readBudgetPerWakeup = 256 * 1024
    /// Stop reading from a peer while this much of our output is unread.
    static let outputHighWater = 256 * 1024
    static let lingerDuration: Duration = .seconds(2)
    static let lingerMaxBytes = 4 * 1024 * 1024
    static let maxPollWait: Duration = .seconds(1)
    static let acceptRetryDelay: Duration = .milliseconds(100)
    static let acceptsPerWakeup = 64
    static let overloadLogInterval: Duration = .seconds(1)

    let configuration: FastCGIServerConfiguration
    let limits: RequestAssembler.Limits
    let inbox: IOInbox
    let queue: RequestQueue
    let serviceLane: ServiceLaneQueue?
    let counters: ServerCounters
    let logger: @Sendable (FastCGILogEvent) -> Void
    let clock = ContinuousClock()
    let readBuffer: UnsafeMutableRawBufferPointer
    let isTCP: Bool

    var listener: ListeningSocket?
    var connections: [UInt64: Connection] = [:]
    var lastConnectionID: UInt64 = 0
    var acceptResumesAt: ContinuousClock.Instant?
    var drainDeadline: ContinuousClock.Instant?
    var exitRequested = false
    var lastOverloadLogAt: ContinuousClock.Instant?
    var unloggedOverloads = 0

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
        serviceLane = setup.serviceLane
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

    func canAccept(_ now: ContinuousClock.Instant) -> Bool {
        if let resume = acceptResumesAt {
            guard now >= resume else {
                return false
            }
            acceptResumesAt = nil
        }
        // At the limit, new connections wait in the kernel backlog.
        return connections.count < configuration.maxConnections
    }

    func acceptConnections() {
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
}
