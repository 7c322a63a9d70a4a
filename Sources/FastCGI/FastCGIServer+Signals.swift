import Glibc

extension FastCGIServer {
    /// A peer closing its socket must cost an EPIPE, never the process.
    /// (Sends also pass MSG_NOSIGNAL; this covers every other write.)
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Maps SIGTERM/SIGINT (or the given signals) to `stop(graceful: true)`;
    /// a second signal stops at once. Also ignores SIGPIPE. Call it once, early.
    public func installSignalHandlers(_ signals: [Int32] = [SIGTERM, SIGINT]) {
        Self.ignoreSIGPIPE()
        SignalForwarder.shared.subscribe(self, to: signals)
    }

    func receivedStopSignal(_ number: Int32) {
        let count = stopSignalCount.withLock {
            $0 += 1
            return $0
        }
        let graceful = count == 1
        logger(FastCGILogEvent(level: .info, message: "stop signal received", fields: ["signal": "\(number)", "graceful": "\(graceful)"]))
        stop(graceful: graceful)
    }
}
