import Dispatch
import Synchronization

/// Keeps the server's signal sources alive and counts stop signals.
///
/// `@unchecked Sendable`: `sources` is only touched while `lock` is held.
final class SignalRegistry: @unchecked Sendable {
    private let lock = Mutex(())
    private var sources: [any DispatchSourceSignal] = []
    private let received = Mutex(0)

    func keep(_ source: any DispatchSourceSignal) {
        lock.withLock { _ in
            sources.append(source)
        }
    }

    /// How many stop signals arrived, this one included.
    func countSignal() -> Int {
        received.withLock {
            $0 += 1
            return $0
        }
    }
}
