import Foundation

/// Runs blocking work (libpq calls, sleeps) on a thread of its own, never on Swift concurrency's
/// cooperative pool, and awaits its result. It stays inside the test's own task (a task executor
/// preference), so an `#expect` that fails in `body` is attributed to its test.
public func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let executor = DedicatedThreadExecutor()
    defer { executor.finish() }
    return try await withTaskExecutorPreference(executor) { try body() }
}

/// A task executor with one thread of its own; it ends when finished and idle.
final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false
    private var running = true

    init() {
        let thread = Thread { [self] in work() }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        defer { condition.unlock() }
        if running {
            jobs.append(job)
            condition.signal()
        } else {
            // Late job after the end: run it on a thread of its own rather than lose it.
            let executor = asUnownedTaskExecutor()
            Thread { job.runSynchronously(on: executor) }.start()
        }
    }

    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty {
                running = false
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
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
