/// What `FastCGIServer.start()` hands to the I/O thread.
struct EventLoopSetup: Sendable {
    let configuration: FastCGIServerConfiguration
    let listener: ListeningSocket
    let inbox: IOInbox
    let queue: RequestQueue
    /// The service lane's test and queue, if there is one.
    let serviceLane: ServiceLaneQueue?
    let counters: ServerCounters
    let logger: @Sendable (FastCGILogEvent) -> Void
}
