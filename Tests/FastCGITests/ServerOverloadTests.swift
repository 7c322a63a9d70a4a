import Dispatch
import FastCGI
import Foundation
import Glibc
import Testing

extension ServerTests {
    /// Blocks requests to `/block` until the test opens the gate.
    private static func gatedHandler(gate: DispatchSemaphore, seen: Shared<[String]>) -> @Sendable (FastCGIRequest, FastCGICancellation, FastCGIResponseWriter) -> FastCGIResponse {
        { request, cancellation, writer in
            let uri = request.params["REQUEST_URI"] ?? ""
            seen.update { $0.append(uri) }
            if uri == "/block" {
                gate.wait()
            }
            return TestServer.echo(request, cancellation, writer)
        }
    }

    /// One worker, held by a `/block` request (on `running`) until `gate` is signalled.
    private static func serverWithItsOnlyWorkerBusy(queueCapacity: Int) throws
        -> (TestServer, DispatchSemaphore, Shared<[String]>, FastCGITestClient) {
        let gate = DispatchSemaphore(value: 0)
        let seen = Shared<[String]>([])
        let test = try TestServer {
            $0.workerCount = 1
            $0.queueCapacity = queueCapacity
        } handler: { request, cancellation, writer in
            gatedHandler(gate: gate, seen: seen)(request, cancellation, writer)
        }
        let running = try test.connect()
        try running.send(RequestBytes.request(params: ["REQUEST_URI": "/block"]))
        #expect(eventually { test.server.stats.busyWorkers == 1 })
        return (test, gate, seen, running)
    }

    @Test func fullQueueIsAnsweredWithAFast503() throws {
        let (test, gate, seen, running) = try Self.serverWithItsOnlyWorkerBusy(queueCapacity: 1)
        defer { test.shutdown() }
        let queued = try test.connect()
        try queued.send(RequestBytes.request(params: ["REQUEST_URI": "/block"]))
        #expect(eventually { test.server.stats.queueDepth == 1 })

        let rejected = try test.connect()
        let started = ContinuousClock.now
        let response = try rejected.request(params: ["REQUEST_URI": "/fast"], timeout: .seconds(1))
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(response.status == 503)
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(response.header("Retry-After") == "1")
        #expect(response.bodyText == #"{"type":"about:blank","title":"Service Unavailable","status":503,"code":"overloaded","detail":"Le service est momentanément surchargé, veuillez réessayer."}"#)
        #expect(response.endRequest.protocolStatus == .requestComplete)

        gate.signal()
        gate.signal()
        #expect(try running.readResponse().status == 200)
        #expect(try queued.readResponse().status == 200)
        let stats = test.server.stats
        #expect(stats.rejectedRequests == 1)
        #expect(stats.maxQueueDepth == 1)
        #expect(!seen.value.contains("/fast"))
        // The rejected connection stays usable once there is room again.
        #expect(try rejected.request(id: 2, params: ["REQUEST_URI": "/later"]).status == 200)
    }

    /// Handler that waits to be cancelled, reporting through semaphores.
    private static func waitForCancellation(started: DispatchSemaphore, cancelled: DispatchSemaphore) -> @Sendable (FastCGIRequest, FastCGICancellation, FastCGIResponseWriter) -> FastCGIResponse {
        { request, cancellation, writer in
            guard request.params["REQUEST_URI"] == "/long" else {
                return TestServer.echo(request, cancellation, writer)
            }
            started.signal()
            // Signals once the handler itself sees the cancellation. (An `onCancel` callback would
            // race with its own removal: callbacks run asynchronously, and a removed one never runs.)
            if eventually(timeout: .seconds(10), { cancellation.isCancelled }) { cancelled.signal() }
            return FastCGIResponse(status: 200, body: Array("cancelled=\(cancellation.isCancelled)".utf8))
        }
    }

    @Test func abortRequestFiresTheCancellationAndEndRequestStillFollows() throws {
        let started = DispatchSemaphore(value: 0)
        let cancelled = DispatchSemaphore(value: 0)
        let test = try TestServer(handler: Self.waitForCancellation(started: started, cancelled: cancelled))
        defer { test.shutdown() }
        let client = try test.connect()
        try client.send(RequestBytes.request(id: 3, params: ["REQUEST_URI": "/long"]))
        #expect(started.wait(timeout: .now() + 5) == .success)
        try client.send(RequestBytes.abort(id: 3))
        #expect(cancelled.wait(timeout: .now() + 2) == .success)
        let response = try client.readResponse(requestID: 3)
        #expect(response.bodyText == "cancelled=true")
        #expect(test.server.stats.cancelledRequests == 1)
        // The connection is still good for the next request.
        #expect(try client.request(id: 4, params: ["REQUEST_URI": "/x"]).status == 200)
    }

    @Test func clientClosingTheConnectionFiresTheCancellation() throws {
        let started = DispatchSemaphore(value: 0)
        let cancelled = DispatchSemaphore(value: 0)
        let test = try TestServer(handler: Self.waitForCancellation(started: started, cancelled: cancelled))
        defer { test.shutdown() }
        let client = try test.connect()
        try client.send(RequestBytes.request(params: ["REQUEST_URI": "/long"]))
        #expect(started.wait(timeout: .now() + 5) == .success)
        client.close()
        // Generous: on a loaded 2-core CI machine the I/O thread may take a moment to see the EOF.
        #expect(cancelled.wait(timeout: .now() + 10) == .success)
        #expect(eventually { test.server.stats.activeConnections == 0 })
    }

    @Test func queuedRequestWhoseClientLeftIsNeverRun() throws {
        let (test, gate, seen, running) = try Self.serverWithItsOnlyWorkerBusy(queueCapacity: 4)
        defer { test.shutdown() }
        let leaving = try test.connect()
        try leaving.send(RequestBytes.request(params: ["REQUEST_URI": "/abandoned"]))
        #expect(eventually { test.server.stats.queueDepth == 1 })
        leaving.close()
        #expect(eventually { test.server.stats.cancelledRequests == 1 })

        gate.signal()
        #expect(try running.readResponse().status == 200)
        // FIFO: had /abandoned been run, it would have run before /after.
        let after = try test.connect()
        #expect(try after.request(params: ["REQUEST_URI": "/after"]).status == 200)
        #expect(seen.value == ["/block", "/after"])
    }

    @Test func unreadLargeResponseHitsTheWriteTimeout() throws {
        let test = try TestServer { $0.writeTimeout = .milliseconds(300) } handler: { _, _, _ in
            FastCGIResponse(status: 200, body: [UInt8](repeating: 0x41, count: 16 * 1024 * 1024))
        }
        defer { test.shutdown() }
        let client = try test.connect()
        try client.send(RequestBytes.request())
        #expect(eventually { test.server.stats.completedRequests == 1 })
        #expect(test.server.stats.activeConnections == 1)
        // The client never reads; the server must give up rather than hold the connection.
        #expect(eventually(timeout: .seconds(5)) { test.server.stats.activeConnections == 0 })
        #expect(test.logs.value.contains { $0.message.contains("write timeout") })
    }
}
