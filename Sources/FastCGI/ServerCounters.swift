import Synchronization

/// Counters shared by the I/O thread and the workers.
final class ServerCounters: Sendable {
    private let stats = Mutex(FastCGIServerStats())

    func update(_ change: (inout FastCGIServerStats) -> Void) {
        stats.withLock { change(&$0) }
    }

    func snapshot() -> FastCGIServerStats {
        stats.withLock { $0 }
    }
}
