import Foundation

/// Bounded FIFO between the I/O thread and the workers. The I/O thread never
/// blocks on it: `tryEnqueue` fails at once when full so it can answer 503.
///
/// `@unchecked Sendable`: every mutable field is only touched with `condition` locked.
final class RequestQueue: @unchecked Sendable {
    let capacity: Int
    private let condition = NSCondition()
    private var items: [QueuedRequest] = []
    private var isClosed = false
    private var deepest = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    func tryEnqueue(_ item: QueuedRequest) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !isClosed, items.count < capacity else {
            return false
        }
        items.append(item)
        deepest = max(deepest, items.count)
        condition.signal()
        return true
    }

    /// Blocks until an item is available; nil once closed and empty.
    func dequeue() -> QueuedRequest? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !isClosed {
            condition.wait()
        }
        return items.isEmpty ? nil : items.removeFirst()
    }

    /// Refuses new items; workers still drain what is queued.
    func close() {
        condition.lock()
        isClosed = true
        condition.broadcast()
        condition.unlock()
    }

    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }

    var maxDepthReached: Int {
        condition.lock()
        defer { condition.unlock() }
        return deepest
    }
}
