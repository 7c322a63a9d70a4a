import Dispatch
import FastCGI
import Foundation
import Glibc
import Testing

extension ServerTests {
    @Test func malformedInputNeverCrashesAndTheServerKeepsServing() throws {
        let test = try TestServer { $0.maxBodyBytes = 1000 }
        defer { test.shutdown() }
        var generator = SplitMix64(seed: 42)

        // Random garbage (first byte is not version 1): connection closed, no reset.
        let garbage = try test.connect()
        try garbage.send([0x47] + (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        #expect(try garbage.waitForClose(timeout: .seconds(3)))

        // A header with a bad version.
        let badVersion = try test.connect()
        try badVersion.send([2, 1, 0, 1, 0, 8, 0, 0])
        #expect(try badVersion.waitForClose(timeout: .seconds(3)))

        // Bad version in the middle of a request: 400 for that request, then close.
        let midRequest = try test.connect()
        try midRequest.send(RequestBytes.begin(id: 7) + RequestBytes.params(id: 7, ["REQUEST_URI": "/x"]).dropLast(8) + [9, 9, 9, 9, 9, 9, 9, 9])
        let answer = try midRequest.readResponse(requestID: 7)
        #expect(answer.status == 400)
        #expect(try midRequest.waitForClose(timeout: .seconds(3)))

        // Truncated record (claims 65535 bytes, sends 10) then EOF.
        let truncated = try test.connect()
        try truncated.send(RequestBytes.begin(id: 1) + [1, 4, 0, 1, 0xFF, 0xFF, 0, 0] + [UInt8](repeating: 1, count: 10))
        truncated.shutdownWrite()
        #expect(try truncated.waitForClose(timeout: .seconds(3)))

        // A huge CONTENT_LENGTH claim is answered 413 at once, without a body.
        let huge = try test.connect()
        try huge.send(RequestBytes.begin(id: 2) + RequestBytes.params(id: 2, ["CONTENT_LENGTH": "99999999999999999999999", "HTTP_AUTHORIZATION": "secret-token"]))
        #expect(try huge.readResponse(requestID: 2).status == 413)

        // Random but well-framed records of every type.
        let fuzz = try test.connect()
        var records: [UInt8] = []
        for _ in 0..<200 {
            let type = FastCGIRecordType(rawValue: UInt8(generator.next() % 14))
            let content = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            records += FastCGIRecord(type: type, requestID: UInt16(generator.next() % 3), content: content).encoded
        }
        try? fuzz.send(records)
        fuzz.close()

        // Still serving, with nothing leaked.
        let client = try test.connect()
        #expect(try client.request(params: ["REQUEST_URI": "/alive"]).bodyText == "/alive|")
        #expect(eventually { test.server.stats.activeConnections == 2 }) // `client` and `huge`
        #expect(!test.logs.value.contains { $0.description.contains("secret-token") })
    }

    @Test func silentSlowAndIdleConnectionsAreClosedByTheirTimeouts() throws {
        let test = try TestServer {
            $0.firstByteTimeout = .milliseconds(200)
            $0.recordTimeout = .milliseconds(200)
            $0.idleTimeout = .milliseconds(400)
        }
        defer { test.shutdown() }
        let silent = try test.connect()
        let slow = try test.connect()
        try slow.send(RequestBytes.begin(id: 1))
        let idle = try test.connect()
        #expect(try idle.request(params: ["REQUEST_URI": "/then-idle"]).status == 200)

        #expect(try silent.waitForClose(timeout: .seconds(3)))
        #expect(try slow.waitForClose(timeout: .seconds(3)))
        #expect(try idle.waitForClose(timeout: .seconds(3)))
        #expect(eventually { test.server.stats.activeConnections == 0 })
    }
}
