import Dispatch
import FastCGI
import Foundation
import Glibc
import Testing

/// Tests over real sockets. Serialized so the timing bounds ("fast") are not
/// distorted by other servers competing for the two cores.
@Suite(.serialized) struct ServerTests {
    @Test func keepAliveServesOneHundredSequentialRequestsOnOneConnection() throws {
        let test = try TestServer()
        defer { test.shutdown() }
        let client = try test.connect()
        for index in 1...100 {
            let id = UInt16(index)
            let body = Array("body-\(index)".utf8)
            let response = try client.request(id: id, params: ["REQUEST_URI": "/seq/\(index)", "REQUEST_METHOD": "POST"], body: body)
            #expect(response.status == 200)
            #expect(response.bodyText == "/seq/\(index)|body-\(index)")
            #expect(response.endRequest == FastCGIEndRequestBody(appStatus: 0, protocolStatus: .requestComplete))
        }
        let stats = test.server.stats
        #expect(stats.acceptedConnections == 1)
        #expect(stats.totalRequests == 100)
        #expect(stats.completedRequests == 100)
    }

    @Test func fiftyConcurrentConnectionsAreAllServedByTwoWorkers() throws {
        let test = try TestServer { $0.workerCount = 2 } handler: { request, cancellation, writer in
            usleep(2_000)
            return TestServer.echo(request, cancellation, writer)
        }
        defer { test.shutdown() }
        let clients = try (0..<50).map { _ in try test.connect() }
        for (index, client) in clients.enumerated() {
            try client.send(RequestBytes.request(id: 1, params: ["REQUEST_URI": "/c/\(index)"]))
        }
        for (index, client) in clients.enumerated() {
            let response = try client.readResponse(timeout: .seconds(10))
            #expect(response.status == 200)
            #expect(response.bodyText == "/c/\(index)|")
        }
        let stats = test.server.stats
        #expect(stats.acceptedConnections == 50)
        #expect(stats.completedRequests == 50)
        #expect(stats.rejectedRequests == 0)
    }

    @Test func idleConnectionsDoNotPinWorkers() throws {
        let test = try TestServer { $0.workerCount = 2 }
        defer { test.shutdown() }
        let idle = try (0..<100).map { _ in try test.connect() }
        #expect(eventually { test.server.stats.activeConnections == 100 })
        let client = try test.connect()
        let response = try client.request(params: ["REQUEST_URI": "/still-served"], timeout: .seconds(2))
        #expect(response.bodyText == "/still-served|")
        // The idle ones were not closed to make room.
        #expect(test.server.stats.activeConnections == 101)
        #expect(idle.count == 100)
    }

    @Test func connectionWithoutKeepConnIsClosedAfterEndRequest() throws {
        let test = try TestServer()
        defer { test.shutdown() }
        let client = try test.connect()
        let response = try client.request(params: ["REQUEST_URI": "/once"], keepConnection: false)
        #expect(response.bodyText == "/once|")
        #expect(try client.waitForClose(timeout: .seconds(3)))
    }

    @Test func tcpOnPortZeroExposesTheBoundPortAndAnswersGetValues() throws {
        let server = FastCGIServer(
            configuration: FastCGIServerConfiguration(listen: .tcp(host: "127.0.0.1", port: 0), workerCount: 1, maxConnections: 33),
            makeHandler: { _ in TestServer.echo }
        )
        try server.start()
        defer {
            server.stop(graceful: false)
            server.waitUntilStopped()
        }
        let port = try #require(server.boundPort)
        #expect(port != 0)
        let client = try FastCGITestClient(tcpPort: port)
        #expect(try client.request(params: ["REQUEST_URI": "/tcp"]).bodyText == "/tcp|")

        let asked = FastCGINameValueCoding.encode(["FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"].map { FastCGINameValuePair(name: $0, value: "") })
        try client.send(FastCGIRecord(type: .getValues, requestID: 0, content: asked).encoded)
        let record = try #require(try client.readRecord())
        #expect(record.type == .getValuesResult)
        #expect(try FastCGINameValueCoding.decode(record.content) == [
            FastCGINameValuePair(name: "FCGI_MAX_CONNS", value: "33"),
            FastCGINameValuePair(name: "FCGI_MAX_REQS", value: "33"),
            FastCGINameValuePair(name: "FCGI_MPXS_CONNS", value: "0"),
        ])
    }

    @Test func eachWorkerBuildsItsHandlerOnItsOwnThread() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let built = Shared<[Int]>([])
        let server = FastCGIServer(
            configuration: FastCGIServerConfiguration(listen: .unix(path: directory.path + "/s"), workerCount: 3),
            makeHandler: { index in
                built.update { $0.append(index) }
                let builtOn = Thread.current
                return { _, _, _ in
                    FastCGIResponse(status: 200, body: Array("\(index) \(Thread.current == builtOn)".utf8))
                }
            }
        )
        try server.start()
        defer {
            server.stop(graceful: false)
            server.waitUntilStopped()
        }
        #expect(eventually { built.value.count == 3 })
        #expect(built.value.sorted() == [0, 1, 2])
        let client = try FastCGITestClient(unixPath: directory.path + "/s")
        let text = try client.request().bodyText
        #expect(text.hasSuffix(" true"))
    }

    @Test func connectionsBeyondMaxConnectionsWaitForAFreeSlot() throws {
        let test = try TestServer { $0.maxConnections = 2 }
        defer { test.shutdown() }
        let first = try test.connect()
        let second = try test.connect()
        #expect(eventually { test.server.stats.activeConnections == 2 })
        let third = try test.connect() // sits in the kernel backlog
        try third.send(RequestBytes.request(params: ["REQUEST_URI": "/third"]))
        #expect(throws: TestFailure.self) {
            try third.readResponse(timeout: .milliseconds(300))
        }
        first.close()
        #expect(try third.readResponse().bodyText == "/third|")
        #expect(test.server.stats.acceptedConnections == 3)
        #expect(try second.request(params: ["REQUEST_URI": "/second"]).status == 200)
    }
}
