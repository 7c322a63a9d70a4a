import Glibc
import Synchronization

/// Mailbox of the I/O thread plus the pipe that wakes it out of `poll`.
///
/// The pipe is written under the same lock that guards `isClosed`, so no
/// thread can write to the descriptor after `close()` released (and the
/// kernel possibly reused) it.
final class IOInbox: Sendable {
    private struct State {
        var messages: [IOMessage] = []
        var isClosed = false
    }

    private let state = Mutex(State())
    let wakeReadFD: Int32
    private let wakeWriteFD: Int32

    init() throws(FastCGIServerError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw .systemCall("pipe", errno: errno)
        }
        // pipe2 is not exported to Swift; set the flags by hand.
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeReadFD = fds[0]
        wakeWriteFD = fds[1]
    }

    /// Returns false once the I/O thread has gone.
    @discardableResult
    func post(_ message: IOMessage) -> Bool {
        state.withLock { state in
            guard !state.isClosed else {
                return false
            }
            let wasEmpty = state.messages.isEmpty
            state.messages.append(message)
            if wasEmpty {
                // One byte is enough: the I/O thread takes every message once awake.
                var byte: UInt8 = 1
                _ = Glibc.write(wakeWriteFD, &byte, 1)
            }
            return true
        }
    }

    func takeAll() -> [IOMessage] {
        state.withLock { state in
            let messages = state.messages
            state.messages = []
            return messages
        }
    }

    func drainWakeups() {
        var scratch = [UInt8](repeating: 0, count: 256)
        while Glibc.read(wakeReadFD, &scratch, scratch.count) > 0 {}
    }

    func close() {
        state.withLock { state in
            guard !state.isClosed else {
                return
            }
            state.isClosed = true
            state.messages = []
            Glibc.close(wakeReadFD)
            Glibc.close(wakeWriteFD)
        }
    }
}
