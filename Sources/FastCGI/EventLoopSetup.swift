/// What `FastCGIServer.start()` hands to the I/O thread.
struct EventLoopSetup: Sendable {
    let configuration: FastCGIServerConfiguration
    let listener: ListeningSocket
    let inbox: IOInbox
    let queue: RequestQueue
    let counters: ServerCounters
    let logger: @Sendable (FastCGILogEvent) -> Void
}
