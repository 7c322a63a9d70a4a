/// Body of one worker thread: build the handler on this thread, then run
/// queued requests until the queue is closed and empty. The service lane's
/// thread runs it too, without `counters`: it is not one of the workers.
enum WorkerLoop {
    static func run(
        makeHandler: () -> FastCGIServer.Handler,
        queue: RequestQueue,
        inbox: IOInbox,
        counters: ServerCounters?
    ) {
        let handler = makeHandler()
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
            counters?.update {
                $0.busyWorkers += 1
                $0.maxBusyWorkers = max($0.maxBusyWorkers, $0.busyWorkers)
            }
            let response = handler(item.request, item.cancellation, FastCGIResponseWriter(flow: item.flow))
            let outcome = item.flow.finish()
            counters?.update {
                $0.busyWorkers -= 1
                $0.completedRequests += 1
            }
            switch outcome {
            case .untouched:
                let bytes = ResponseEncoder.encode(response, requestID: requestID)
                inbox.post(.completed(connectionID: item.connectionID, requestID: requestID, bytes: bytes))
            case .complete:
                // The head and body went out as they were written; only the ends are missing.
                inbox.post(.completed(connectionID: item.connectionID, requestID: requestID, bytes: ResponseEncoder.streamEnd(requestID: requestID)))
            case .truncated:
                // `finish` (or `abort`) already asked the I/O thread to close the connection.
                break
            }
        }
    }
}
