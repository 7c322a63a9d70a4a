import Foundation
import Glibc
import Synchronization

/// Write end of the self-pipe, read by the C signal handler. Assigned once,
/// before any handler is installed, and never changed afterwards.
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

/// Runs inside the signal handler, so it only makes async-signal-safe calls.
private func forwardSignalToPipe(_ number: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteFD, &byte, 1)
    errno = savedErrno
}

/// Turns process signals into calls on an ordinary thread (the self-pipe
/// trick). Unlike signalfd-based sources it does not depend on which of the
/// process's threads block the signal, so it works whatever threads already run.
final class SignalForwarder: Sendable {
    static let shared = SignalForwarder()

    private struct Subscriber {
        weak var server: FastCGIServer?
        let signals: Set<Int32>
    }

    private struct State {
        var pipeReady = false
        var installed: Set<Int32> = []
        var subscribers: [Subscriber] = []
    }

    private let state = Mutex(State())

    func subscribe(_ server: FastCGIServer, to signals: [Int32]) {
        state.withLock { state in
            if !state.pipeReady {
                state.pipeReady = startReader()
            }
            state.subscribers.append(Subscriber(server: server, signals: Set(signals)))
            for number in signals where !state.installed.contains(number) {
                var action = sigaction()
                action.__sigaction_handler.sa_handler = forwardSignalToPipe
                sigemptyset(&action.sa_mask)
                action.sa_flags = SA_RESTART
                if sigaction(number, &action, nil) == 0 {
                    state.installed.insert(number)
                }
            }
        }
    }

    private func startReader() -> Bool {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            return false
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        // The handler must never block: a full pipe just drops the extra signal.
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        signalPipeWriteFD = fds[1]
        let readFD = fds[0]
        let thread = Thread { [self] in
            readLoop(readFD)
        }
        thread.name = "fastcgi-signals"
        thread.start()
        return true
    }

    private func readLoop(_ fd: Int32) {
        var byte: UInt8 = 0
        while true {
            let count = read(fd, &byte, 1)
            if count == 1 {
                deliver(Int32(byte))
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    private func deliver(_ number: Int32) {
        let servers = state.withLock { state in
            state.subscribers.filter { $0.signals.contains(number) }.compactMap(\.server)
        }
        for server in servers {
            server.receivedStopSignal(number)
        }
    }
}
