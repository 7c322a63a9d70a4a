/// Body of one worker thread: build the handler on this thread, then run
/// queued requests until the queue is closed and empty.
enum WorkerLoop {
    static func run(
        index: Int,
        makeHandler: @Sendable (Int) -> (FastCGIRequest, FastCGICancellation) -> FastCGIResponse,
        queue: RequestQueue,
        inbox: IOInbox,
        counters: ServerCounters
    ) {
        let handler = makeHandler(index)
        while let item = queue.dequeue() {
            let requestID = item.request.requestID
            guard !item.cancellation.isCancelled else {
                // Never run work nobody waits for. If the peer is still there
                // (ABORT_REQUEST), it is owed an END_REQUEST.
                inbox.post(.completed(
                    connectionID: item.connectionID,
                    requestID: requestID,
                    bytes: ResponseEncoder.endRequest(requestID: requestID, protocolStatus: .requestComplete)
                ))
                continue
            }
            counters.update { $0.busyWorkers += 1 }
            let response = handler(item.request, item.cancellation)
            let bytes = ResponseEncoder.encode(response, requestID: requestID)
            counters.update {
                $0.busyWorkers -= 1
                $0.completedRequests += 1
            }
            inbox.post(.completed(connectionID: item.connectionID, requestID: requestID, bytes: bytes))
        }
    }
}
