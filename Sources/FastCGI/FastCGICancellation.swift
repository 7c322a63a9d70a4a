import Dispatch
import Foundation

/// Tells a running handler that nobody wants its answer any more: nginx sent
/// ABORT_REQUEST, or the connection closed, failed or timed out.
///
/// Handlers registered with `onCancel` run once, on a Dispatch queue (never on
/// the I/O thread, because a handler such as libpq's `PQcancel` blocks on the
/// network). `removeHandler` guarantees that, once it returns, the handler is
/// neither running nor will ever run — so a worker can unregister before it
/// reuses its database connection for the next request.
///
/// `@unchecked Sendable`: every mutable field is only read or written while
/// `condition` is locked.
public final class FastCGICancellation: @unchecked Sendable {
    /// Identifies one registered handler.
    public struct Registration: Hashable, Sendable {
        fileprivate let id: UInt64
    }

    private let condition = NSCondition()
    private var cancelled = false
    private var handlers: [UInt64: @Sendable () -> Void] = [:]
    private var runningHandlers: Set<UInt64> = []
    private var lastRegistrationID: UInt64 = 0

    public init() {}

    public var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Runs `handler` once when cancelled; immediately, on the calling thread,
    /// if already cancelled.
    @discardableResult
    public func onCancel(_ handler: @escaping @Sendable () -> Void) -> Registration {
        condition.lock()
        lastRegistrationID += 1
        let registration = Registration(id: lastRegistrationID)
        guard !cancelled else {
            condition.unlock()
            handler()
            return registration
        }
        handlers[registration.id] = handler
        condition.unlock()
        return registration
    }

    /// Unregisters a handler. If it is running right now, waits until it
    /// returns. Do not call it from inside the handler itself.
    public func removeHandler(_ registration: Registration) {
        condition.lock()
        defer { condition.unlock() }
        handlers[registration.id] = nil
        while runningHandlers.contains(registration.id) {
            condition.wait()
        }
    }

    /// Flips the flag and schedules the registered handlers. Idempotent.
    public func cancel() {
        markCancelled()
    }

    /// Returns true only for the call that actually flipped the flag.
    @discardableResult
    func markCancelled() -> Bool {
        condition.lock()
        guard !cancelled else {
            condition.unlock()
            return false
        }
        cancelled = true
        let pending = handlers.keys.sorted()
        condition.unlock()
        if !pending.isEmpty {
            DispatchQueue.global().async {
                self.runHandlers(pending)
            }
        }
        return true
    }

    private func runHandlers(_ ids: [UInt64]) {
        for id in ids {
            condition.lock()
            guard let handler = handlers.removeValue(forKey: id) else {
                condition.unlock()
                continue
            }
            runningHandlers.insert(id)
            condition.unlock()

            handler()

            condition.lock()
            runningHandlers.remove(id)
            condition.broadcast()
            condition.unlock()
        }
    }
}
