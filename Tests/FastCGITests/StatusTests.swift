import Dispatch
import FastCGI
import Foundation
import Testing

/// The status figures (PHP-FPM's `pm.status_path` in spirit) and the service lane that serves
/// operational requests beside the workers.
@Suite struct StatusTests {
    /// A lane taking requests marked `LANE=1` (the responder's PORTAL_INTERNAL) and answering
    /// with the server's status report as JSON.
    static let statusLane = FastCGIServiceLane(accepts: { $0.params["LANE"] == "1" }, makeHandler: { server in
        { _, _, _ in
            let report = FastCGIStatusReport(pool: "test", stats: server.stats, configuration: server.configuration)
            return FastCGIResponse(status: 200, headers: [FastCGIHeaderField("Content-Type", "application/json")],
                                   body: Array(report.json.utf8))
        }
    })

    /// Blocks `/block` requests until the gate opens.
    static func gated(_ gate: DispatchSemaphore) -> @Sendable (FastCGIRequest, FastCGICancellation, FastCGIResponseWriter) -> FastCGIResponse {
        { request, cancellation, writer in
            if request.params["REQUEST_URI"] == "/block" { gate.wait() }
            return TestServer.echo(request, cancellation, writer)
        }
    }

    static func json(_ response: ParsedResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func theLaneAnswersWhileEveryWorkerIsBusyAndTheQueueIsFull() throws {
        let gate = DispatchSemaphore(value: 0)
        let test = try TestServer(configure: {
            $0.workerCount = 1
            $0.queueCapacity = 1
        }, serviceLane: Self.statusLane, handler: Self.gated(gate))
        defer { test.shutdown() }
        let running = try test.connect()
        try running.send(RequestBytes.request(params: ["REQUEST_URI": "/block"]))
        #expect(eventually { test.server.stats.busyWorkers == 1 })
        let queued = try test.connect()
        try queued.send(RequestBytes.request(params: ["REQUEST_URI": "/block"]))
        #expect(eventually { test.server.stats.queueDepth == 1 })
        // An application request now gets the overload answer…
        #expect(try test.connect().request(params: ["REQUEST_URI": "/app"]).status == 503)

        // …while the status answers, seeing the saturation, and does not count as a busy worker.
        let status = try test.connect().request(params: ["REQUEST_URI": "/status", "LANE": "1"])
        #expect(status.status == 200)
        let report = try Self.json(status)
        #expect(report["active_processes"] as? Int == 1)
        #expect(report["idle_processes"] as? Int == 0)
        #expect(report["total_processes"] as? Int == 1)
        #expect(report["listen_queue"] as? Int == 1)
        #expect(report["max_listen_queue"] as? Int == 1)
        #expect(report["listen_queue_len"] as? Int == 1)
        #expect(report["overloaded_requests"] as? Int == 1)

        gate.signal()
        gate.signal()
        #expect(try running.readResponse().status == 200)
        #expect(try queued.readResponse().status == 200)
        // Only the application's queue overflowing is an overload.
        #expect(test.server.stats.rejectedRequests == 1)
        #expect(test.server.stats.maxBusyWorkers == 1)
    }

    @Test func highWaterMarksStayAfterTheLoadIsGone() throws {
        let gate = DispatchSemaphore(value: 0)
        let test = try TestServer(configure: { $0.workerCount = 3 }, serviceLane: Self.statusLane, handler: Self.gated(gate))
        defer { test.shutdown() }
        let clients = try (0..<2).map { _ in try test.connect() }
        for client in clients { try client.send(RequestBytes.request(params: ["REQUEST_URI": "/block"])) }
        #expect(eventually { test.server.stats.busyWorkers == 2 })
        gate.signal()
        gate.signal()
        for client in clients { #expect(try client.readResponse().status == 200) }
        #expect(eventually { test.server.stats.busyWorkers == 0 })

        let report = try Self.json(try test.connect().request(params: ["REQUEST_URI": "/status", "LANE": "1"]))
        #expect(report["active_processes"] as? Int == 0)
        #expect(report["idle_processes"] as? Int == 3)
        #expect(report["max_active_processes"] as? Int == 2)
        #expect(report["completed_requests"] as? Int == 2)
        // The two /block requests and this one; the lane's own request is not a completed worker request.
        #expect(report["requests"] as? Int == 3)
        #expect(report["accepted_conn"] as? Int == 3)
        #expect(report["active_connections"] as? Int == 3)
        let started = try #require(test.server.stats.startTime)
        #expect(started <= Date().timeIntervalSince1970)
    }

    @Test func theReportReadsLikePHPFPMsInTextAndJSON() throws {
        var stats = FastCGIServerStats()
        stats.acceptedConnections = 12
        stats.busyWorkers = 3
        stats.maxBusyWorkers = 4
        stats.queueDepth = 2
        stats.maxQueueDepth = 9
        stats.rejectedRequests = 5
        stats.startTime = 1_800_000_000
        let configuration = FastCGIServerConfiguration(listen: .tcp(host: "127.0.0.1", port: 0), workerCount: 4, queueCapacity: 16)
        let report = FastCGIStatusReport(pool: "po\"ol", stats: stats, configuration: configuration,
                                         now: Date(timeIntervalSince1970: 1_800_000_090))

        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.contains("accepted conn:        12"))
        #expect(lines.contains("start time:           2027-01-15T08:00:00Z"))
        #expect(lines.contains("start since:          90"))
        #expect(lines.contains("idle processes:       1"))
        #expect(lines.contains("overloaded requests:  5"))
        #expect(lines.count == report.fields.count)

        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(json["pool"] as? String == "po\"ol")
        #expect(json["active_processes"] as? Int == 3)
        #expect(json["max_active_processes"] as? Int == 4)
        #expect(json["listen_queue"] as? Int == 2)
        #expect(json["max_listen_queue"] as? Int == 9)
        #expect(json["listen_queue_len"] as? Int == 16)
        #expect(json["total_processes"] as? Int == 4)
        #expect(json.count == report.fields.count)
    }
}
