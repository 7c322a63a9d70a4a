import Dispatch
import Glibc

extension FastCGIServer {
    /// A peer closing its socket must cost an EPIPE, never the process.
    /// (Sends also pass MSG_NOSIGNAL; this covers every other write.)
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Maps SIGTERM/SIGINT to `stop(graceful: true)`; a second signal stops at once.
    /// Also ignores SIGPIPE.
    public func installSignalHandlers(_ signals: [Int32] = [SIGTERM, SIGINT]) {
        Self.ignoreSIGPIPE()
        for number in signals {
            // The default action would kill the process before Dispatch sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                self?.stopOnSignal(number)
            }
            source.resume()
            signalRegistry.keep(source)
        }
    }

    private func stopOnSignal(_ number: Int32) {
        let count = signalRegistry.countSignal()
        let graceful = count == 1
        logger(FastCGILogEvent(level: .info, message: "stop signal received", fields: ["signal": "\(number)", "graceful": "\(graceful)"]))
        stop(graceful: graceful)
    }
}
