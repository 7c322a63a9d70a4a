import Dispatch
import Foundation
import Synchronization

/// A FastCGI responder for nginx: one I/O thread multiplexing every
/// connection with `poll`, a bounded queue, and `workerCount` worker threads
/// that run the application's handler.
public final class FastCGIServer: Sendable {
    /// Serves one request. Either returns the whole response, or streams it
    /// through the `FastCGIResponseWriter` (the returned value is then ignored).
    typealias Handler = (FastCGIRequest, FastCGICancellation, FastCGIResponseWriter) -> FastCGIResponse

    private enum Lifecycle {
        case idle
        case running(inbox: IOInbox, boundPort: UInt16?)
        case stopped
    }

    /// After the I/O thread is done, how long to wait for handlers that ignore cancellation.
    private static let workerExitGrace: DispatchTimeInterval = .seconds(5)

    public let configuration: FastCGIServerConfiguration
    private let makeHandler: @Sendable (Int) -> Handler
    private let serviceLane: FastCGIServiceLane?
    private let serviceQueue: RequestQueue?
    let logger: @Sendable (FastCGILogEvent) -> Void
    private let counters = ServerCounters()
    private let queue: RequestQueue
    private let lifecycle = Mutex(Lifecycle.idle)
    private let stoppedGroup = DispatchGroup()
    let stopSignalCount = Mutex(0)

    /// - Parameters:
    ///   - makeHandler: called once per worker thread, on that thread, with the
    ///     worker index; the returned closure then serves every request of that worker.
    ///     It may return a whole response, or send the head and then the body
    ///     in chunks through the `FastCGIResponseWriter` (see there).
    ///   - serviceLane: operational requests served beside the workers (see there).
    ///   - logger: receives operational events; never request params or bodies.
    public init(
        configuration: FastCGIServerConfiguration,
        makeHandler: @escaping @Sendable (Int) -> (FastCGIRequest, FastCGICancellation, FastCGIResponseWriter) -> FastCGIResponse,
        serviceLane: FastCGIServiceLane? = nil,
        logger: @escaping @Sendable (FastCGILogEvent) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.makeHandler = makeHandler
        self.serviceLane = serviceLane
        self.logger = logger
        self.queue = RequestQueue(capacity: configuration.queueCapacity)
        self.serviceQueue = serviceLane.map { RequestQueue(capacity: $0.queueCapacity) }
    }

    /// Binds the socket, starts the I/O thread and the workers, and returns.
    public func start() throws {
        try configuration.validate()
        Self.ignoreSIGPIPE()
        try lifecycle.withLock { state throws(FastCGIServerError) in
            guard case .idle = state else {
                throw .alreadyStarted
            }
            let listener = try ListeningSocket.open(configuration.listen, backlog: Int32(clamping: configuration.maxConnections))
            let inbox: IOInbox
            do throws(FastCGIServerError) {
                inbox = try IOInbox()
            } catch {
                listener.close()
                throw error
            }
            state = .running(inbox: inbox, boundPort: listener.boundPort)
            counters.update { $0.startTime = Date().timeIntervalSince1970 }
            stoppedGroup.enter()
            launchThreads(listener: listener, inbox: inbox)
        }
    }

    /// Graceful: stop accepting, let queued and running requests finish (up to
    /// `drainTimeout`), then close. Otherwise: close everything now, cancelling
    /// whatever runs. Returns at once; see `waitUntilStopped`.
    public func stop(graceful: Bool) {
        let inbox: IOInbox? = lifecycle.withLock { state in
            if case .running(let inbox, _) = state {
                return inbox
            }
            return nil
        }
        inbox?.post(.stop(graceful: graceful))
    }

    /// Blocks until the server has stopped (immediately if it never started).
    public func waitUntilStopped() {
        stoppedGroup.wait()
    }

    /// The TCP port actually bound (useful with port 0); nil for unix sockets.
    public var boundPort: UInt16? {
        lifecycle.withLock { state in
            if case .running(_, let port) = state {
                return port
            }
            return nil
        }
    }

    public var isRunning: Bool {
        lifecycle.withLock { state in
            if case .running = state {
                return true
            }
            return false
        }
    }

    public var stats: FastCGIServerStats {
        var stats = counters.snapshot()
        stats.queueDepth = queue.depth
        stats.maxQueueDepth = queue.maxDepthReached
        return stats
    }

    private func launchThreads(listener: ListeningSocket, inbox: IOInbox) {
        let workers = DispatchGroup()
        for index in 0..<configuration.workerCount {
            workers.enter()
            let thread = Thread { [makeHandler, queue, counters] in
                WorkerLoop.run(makeHandler: { makeHandler(index) }, queue: queue, inbox: inbox, counters: counters)
                workers.leave()
            }
            thread.name = "fastcgi-worker-\(index)"
            thread.start()
        }
        if let serviceLane, let serviceQueue {
            workers.enter()
            let thread = Thread { [self] in
                WorkerLoop.run(makeHandler: { serviceLane.makeHandler(self) }, queue: serviceQueue, inbox: inbox, counters: nil)
                workers.leave()
            }
            thread.name = "fastcgi-service"
            thread.start()
        }
        let setup = EventLoopSetup(
            configuration: configuration,
            listener: listener,
            inbox: inbox,
            queue: queue,
            serviceLane: serviceLane.flatMap { lane in serviceQueue.map { (lane.accepts, $0) } },
            counters: counters,
            logger: logger
        )
        let ioThread = Thread { [self] in
            EventLoop(setup: setup).run()
            queue.close()
            serviceQueue?.close()
            if workers.wait(timeout: .now() + Self.workerExitGrace) == .timedOut {
                logger(FastCGILogEvent(level: .warning, message: "some handlers are still running after stop"))
            }
            lifecycle.withLock { $0 = .stopped }
            logger(FastCGILogEvent(level: .info, message: "stopped"))
            stoppedGroup.leave()
        }
        ioThread.name = "fastcgi-io"
        ioThread.start()
    }
}
