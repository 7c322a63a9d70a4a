import Foundation

/// Runs blocking work (libpq calls, sleeps) on a thread of its own, never on Swift concurrency's
/// cooperative pool, and awaits its result.
public func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do {
                continuation.resume(returning: try body())
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// Runs `body` on a background thread after `delay` seconds.
public func after(_ delay: TimeInterval, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread {
        Thread.sleep(forTimeInterval: delay)
        body()
    }
    thread.start()
}

/// Seconds elapsed while running `body`.
public func measure<T>(_ body: () throws -> T) rethrows -> (T, TimeInterval) {
    let start = Date()
    let value = try body()
    return (value, Date().timeIntervalSince(start))
}
