import CLibPQ
import Synchronization

/// Cancels the statement running on a connection from any other thread (libpq `PQcancel`).
/// The connection refreshes it after every reconnect, because the backend it targets changes.
public final class PostgresCancelHandle: Sendable {
    /// The `PGcancel*` of the current backend, as a bit pattern so the Mutex holds a Sendable value.
    private let cancel = Mutex<UInt?>(nil)

    init() {}

    func replace(with connection: OpaquePointer?) {
        let fresh = connection.flatMap { PQgetCancel($0) }
        let old = cancel.withLock { state -> UInt? in
            let previous = state
            state = fresh.map { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer($0))) }
            return previous
        }
        if let old { PQfreeCancel(OpaquePointer(bitPattern: old)) }
    }

    /// Asks the server to cancel whatever the connection is running. Returns false if the request
    /// could not be sent (no connection); a statement that already finished is unaffected.
    @discardableResult
    public func cancelRunningStatement() -> Bool {
        cancel.withLock { state in
            guard let state, let pointer = OpaquePointer(bitPattern: state) else { return false }
            var buffer = [CChar](repeating: 0, count: 256)
            return PQcancel(pointer, &buffer, Int32(buffer.count)) == 1
        }
    }

    deinit { replace(with: nil) }
}
