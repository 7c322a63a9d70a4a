import Foundation

/// A fixed number of connections shared by threads. A checkout waits at most `checkoutTimeout`
/// for a free connection, then fails with `.poolTimeout` instead of queueing forever.
/// Connections are opened lazily and survive their users; broken ones heal on next use.
public final class PostgresPool: @unchecked Sendable {
    // All mutable state is guarded by `condition`.
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var opened = 0
    private var closed = false

    public let configuration: PostgresConfiguration
    public let size: Int
    public let checkoutTimeout: TimeInterval

    public init(configuration: PostgresConfiguration, size: Int, checkoutTimeout: TimeInterval = 5) {
        precondition(size > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.size = size
        self.checkoutTimeout = checkoutTimeout
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever happens.
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try checkout()
        defer { checkin(connection) }
        return try body(connection)
    }

    /// Connections currently lent out.
    public var inUse: Int {
        condition.lock()
        defer { condition.unlock() }
        return opened - idle.count
    }

    /// Closes idle connections and refuses further checkouts; lent ones close when returned.
    public func shutdown() {
        condition.lock()
        closed = true
        let toClose = idle
        idle.removeAll()
        opened -= toClose.count
        condition.broadcast()
        condition.unlock()
        toClose.forEach { $0.close() }
    }

    private func checkout() throws -> PostgresConnection {
        let deadline = Date().addingTimeInterval(checkoutTimeout)
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw PostgresError(kind: .poolClosed, message: "the connection pool is shut down")
            }
            if let connection = idle.popLast() {
                condition.unlock()
                return connection
            }
            if opened < size {
                opened += 1
                condition.unlock()
                do {
                    return try PostgresConnection(configuration: configuration)
                } catch {
                    condition.lock()
                    opened -= 1
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            if !condition.wait(until: deadline) {
                condition.unlock()
                throw PostgresError(kind: .poolTimeout,
                                    message: "no database connection free after \(checkoutTimeout) s (pool of \(size))")
            }
        }
    }

    private func checkin(_ connection: PostgresConnection) {
        condition.lock()
        if closed {
            opened -= 1
            condition.unlock()
            connection.close()
            return
        }
        idle.append(connection)
        condition.signal()
        condition.unlock()
    }
}
