import Dispatch
import FastCGI
import Foundation
import Glibc
import Testing

/// Body bytes with a period (251) that divides neither the chunk nor the record
/// size, so a lost, repeated or reordered record shows up as a mismatch.
enum PatternBytes {
    private static let period = 251
    private static let blockLength = 1 << 20
    private static let cycle: [UInt8] = (0..<(period + blockLength)).map { UInt8($0 % period) }

    /// The `count` bytes found at `offset` of the pattern (`count` ≤ 1 MiB).
    static func slice(at offset: Int, count: Int) -> [UInt8] {
        precondition(count <= blockLength)
        let start = offset % period
        return Array(cycle[start..<start + count])
    }

    /// Whether `body` is exactly the pattern from offset 0.
    static func matches(_ body: [UInt8]) -> Bool {
        var position = 0
        while position < body.count {
            let count = min(blockLength, body.count - position)
            let expected = slice(at: position, count: count)
            let equal = body.withUnsafeBytes { all in
                expected.withUnsafeBytes { memcmp(all.baseAddress! + position, $0.baseAddress!, count) == 0 }
            }
            guard equal else {
                return false
            }
            position += count
        }
        return true
    }
}

/// Reads the server's records straight off the socket, checking how each one is framed.
final class RecordReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var scratch = [UInt8](repeating: 0, count: 256 * 1024)
    private(set) var framingErrors: [String] = []

    init(_ client: FastCGITestClient) {
        fd = client.fd
    }

    /// The next record; nil on EOF. Throws on timeout or reset.
    func next(timeout: Duration = .seconds(10)) throws -> FastCGIRecord? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if buffer.count - start >= FastCGIRecordHeader.byteCount {
                let header = try FastCGIRecordHeader(decoding: buffer[start..<start + FastCGIRecordHeader.byteCount])
                if buffer.count - start >= header.recordByteCount {
                    return take(header)
                }
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                throw TestFailure.timeout("record")
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, Int32((remaining / .milliseconds(1)).rounded(.up))) == 0 {
                throw TestFailure.timeout("record")
            }
            let count = recv(fd, &scratch, scratch.count, 0)
            if count == 0 {
                if buffer.count > start {
                    framingErrors.append("EOF inside a record (\(buffer.count - start) bytes)")
                }
                return nil
            }
            if count < 0 {
                if errno == EINTR {
                    continue
                }
                throw errno == ECONNRESET ? TestFailure.reset : TestFailure.system("recv", errno)
            }
            if start > 1 << 20 {
                buffer.removeFirst(start)
                start = 0
            }
            buffer.append(contentsOf: scratch[0..<count])
        }
    }

    private func take(_ header: FastCGIRecordHeader) -> FastCGIRecord {
        let length = Int(header.contentLength)
        if (length + Int(header.paddingLength)) % 8 != 0 || header.paddingLength >= 8 {
            framingErrors.append("record of \(length) bytes padded with \(header.paddingLength)")
        }
        if header.reserved != 0 {
            framingErrors.append("reserved byte \(header.reserved)")
        }
        let contentStart = start + FastCGIRecordHeader.byteCount
        let content = Array(buffer[contentStart..<contentStart + length])
        start += header.recordByteCount
        return FastCGIRecord(type: header.type, requestID: header.requestID, content: content)
    }
}

/// What a client received for one (streamed) response.
struct ReceivedStream: CustomStringConvertible {
    var stdout: [UInt8] = []
    var stdoutRecords = 0
    var emptyStdoutRecords = 0
    var endRequests: [FastCGIEndRequestBody] = []
    var endedByEOF = false
    var errors: [String] = []

    private var headerEnd: Int? {
        stdout.prefix(8192).firstRange(of: [13, 10, 13, 10])?.upperBound
    }

    var head: String {
        String(decoding: stdout[..<(headerEnd ?? 0)], as: UTF8.self)
    }

    var body: [UInt8] {
        Array(stdout[(headerEnd ?? 0)...])
    }

    /// The body is exactly the first `length` bytes of `PatternBytes`.
    func bodyIsPattern(length: Int) -> Bool {
        let body = body
        return body.count == length && PatternBytes.matches(body)
    }

    /// Short, so a failed expectation does not print megabytes.
    var description: String {
        "\(stdout.count) STDOUT bytes in \(stdoutRecords) records, \(emptyStdoutRecords) empty STDOUT, "
            + "END_REQUEST \(endRequests), EOF \(endedByEOF), errors \(errors)"
    }

    /// STDOUT records, then one empty STDOUT record, then one END_REQUEST, all well framed.
    var isWellFramedAndComplete: Bool {
        errors.isEmpty && emptyStdoutRecords == 1 && endRequests == [FastCGIEndRequestBody(appStatus: 0, protocolStatus: .requestComplete)]
    }

    /// Reads records for `requestID` until END_REQUEST or EOF.
    static func read(from reader: RecordReader, requestID: UInt16 = 1) throws -> ReceivedStream {
        var stream = ReceivedStream()
        while true {
            guard let record = try reader.next() else {
                stream.endedByEOF = true
                break
            }
            guard record.requestID == requestID else {
                stream.errors.append("record for request \(record.requestID)")
                continue
            }
            switch record.type {
            case .stdout where record.content.isEmpty:
                stream.emptyStdoutRecords += 1
            case .stdout:
                if stream.emptyStdoutRecords > 0 {
                    stream.errors.append("STDOUT after the end of the stream")
                }
                stream.stdoutRecords += 1
                stream.stdout += record.content
            case .endRequest:
                if stream.emptyStdoutRecords != 1 {
                    stream.errors.append("END_REQUEST after \(stream.emptyStdoutRecords) empty STDOUT records")
                }
                stream.endRequests.append(try FastCGIEndRequestBody(decoding: record.content))
                stream.errors += reader.framingErrors
                return stream
            default:
                stream.errors.append("unexpected \(record.type)")
            }
        }
        stream.errors += reader.framingErrors
        return stream
    }
}

/// What a streaming handler reports to its test.
final class StreamProbe: Sendable {
    /// Body bytes accepted by `write` so far (current request).
    let produced = Shared(0)
    let errors = Shared<[FastCGIStreamError]>([])
    let cancelledWhenWriteFailed = Shared<Bool?>(nil)
    /// Signalled each time the handler returns.
    let returned = DispatchSemaphore(value: 0)
    /// Signalled when a request's cancellation fires.
    let cancelled = DispatchSemaphore(value: 0)
    let writers = Shared<[FastCGIResponseWriter]>([])

    var firstError: FastCGIStreamError? {
        errors.value.first
    }
}

extension ServerTests {
    /// Streaming over real sockets; nested in `ServerTests` so it is serialized with the other server tests.
    @Suite struct Streaming {
        static let mebibyte = 1024 * 1024

        /// Streams `STREAM_BYTES` pattern bytes in `CHUNK_BYTES` chunks; with `ABORT_AFTER`,
        /// aborts once that many bytes were written. Without `STREAM_BYTES`: echo.
        static func streamingHandler(_ probe: StreamProbe) -> @Sendable (FastCGIRequest, FastCGICancellation, FastCGIResponseWriter) -> FastCGIResponse {
            { request, cancellation, writer in
                guard let total = request.params["STREAM_BYTES"].flatMap({ Int($0) }) else {
                    return TestServer.echo(request, cancellation, writer)
                }
                defer { probe.returned.signal() }
                let chunk = request.params["CHUNK_BYTES"].flatMap { Int($0) } ?? 64 * 1024
                let abortAfter = request.params["ABORT_AFTER"].flatMap { Int($0) }
                cancellation.onCancel { probe.cancelled.signal() }
                probe.produced.update { $0 = 0 }
                probe.writers.update { $0.append(writer) }
                do throws(FastCGIStreamError) {
                    try writer.sendHead(status: 200, headers: [FastCGIHeaderField("Content-Type", "text/csv")])
                    var offset = 0
                    while offset < total {
                        if let abortAfter, offset >= abortAfter {
                            writer.abort()
                            try writer.write([1]) // refused: throws .aborted
                        }
                        let count = min(chunk, total - offset)
                        try writer.write(PatternBytes.slice(at: offset, count: count))
                        offset += count
                        probe.produced.update { $0 = offset }
                    }
                } catch {
                    probe.errors.update { $0.append(error) }
                    probe.cancelledWhenWriteFailed.update { $0 = cancellation.isCancelled }
                }
                // Ignored: the head was sent.
                return FastCGIResponse(status: 500, body: Array("IGNORED".utf8))
            }
        }

        static func streamParams(bytes: Int, chunk: Int = 64 * 1024, abortAfter: Int? = nil) -> [String: String] {
            var params = ["REQUEST_URI": "/export.csv", "STREAM_BYTES": "\(bytes)", "CHUNK_BYTES": "\(chunk)"]
            params["ABORT_AFTER"] = abortAfter.map { "\($0)" }
            return params
        }

        /// The value once it has stopped changing for `quiet`.
        static func settledValue(_ read: () -> Int, quiet: Duration = .milliseconds(600), timeout: Duration = .seconds(15)) -> Int {
            let deadline = ContinuousClock.now + timeout
            var last = read()
            var stableSince = ContinuousClock.now
            while ContinuousClock.now < deadline {
                usleep(50_000)
                let current = read()
                if current != last || current == 0 {
                    last = current
                    stableSince = ContinuousClock.now
                } else if ContinuousClock.now - stableSince >= quiet {
                    break
                }
            }
            return last
        }

        @Test func twentyMebibytesStreamedInChunksArriveWellFramedAndExact() throws {
            let probe = StreamProbe()
            let test = try TestServer(handler: Self.streamingHandler(probe))
            defer { test.shutdown() }
            let client = try test.connect()
            let total = 20 * Self.mebibyte
            try client.send(RequestBytes.request(params: Self.streamParams(bytes: total)))
            let stream = try ReceivedStream.read(from: RecordReader(client))
            #expect(stream.errors.isEmpty, "\(stream.errors)")
            #expect(stream.isWellFramedAndComplete, "\(stream)")
            #expect(stream.head == "Status: 200 OK\r\nContent-Type: text/csv\r\n\r\n")
            #expect(stream.bodyIsPattern(length: total))
            // 64 KiB writes do not fit one record: every record stays within the limit.
            #expect(stream.stdoutRecords >= total / FastCGIRecord.alignedChunkLength)
            #expect(probe.returned.wait(timeout: .now() + 5) == .success)
            #expect(probe.errors.value.isEmpty)
            #expect(eventually { test.server.stats.completedRequests == 1 })
            #expect(test.server.stats.cancelledRequests == 0)
        }

        @Test func aClientThatDoesNotReadBlocksTheWriterUntilItReads() throws {
            let probe = StreamProbe()
            let highWaterMark = 256 * 1024
            let test = try TestServer { $0.streamHighWaterMark = highWaterMark } handler: { request, cancellation, writer in
                Self.streamingHandler(probe)(request, cancellation, writer)
            }
            defer { test.shutdown() }
            let client = try test.connect()
            let total = 32 * Self.mebibyte
            try client.send(RequestBytes.request(params: Self.streamParams(bytes: total)))

            // The client reads nothing: the handler gets as far as the high-water mark,
            // one chunk and the socket buffers allow, then blocks in `write`.
            let producedWhileStalled = Self.settledValue { probe.produced.value }
            #expect(producedWhileStalled > 0)
            #expect(producedWhileStalled < 8 * Self.mebibyte, "produced \(producedWhileStalled) bytes while the client read nothing")
            #expect(test.server.stats.busyWorkers == 1)
            #expect(probe.errors.value.isEmpty)

            // Once the client reads, everything arrives.
            let stream = try ReceivedStream.read(from: RecordReader(client))
            #expect(stream.isWellFramedAndComplete, "\(stream)")
            #expect(stream.bodyIsPattern(length: total))
            #expect(probe.produced.value == total)
            #expect(probe.errors.value.isEmpty)
        }

        @Test func clientClosingMidStreamFailsTheNextWriteAndFiresTheCancellation() throws {
            let probe = StreamProbe()
            let test = try TestServer(handler: Self.streamingHandler(probe))
            defer { test.shutdown() }
            let client = try test.connect()
            try client.send(RequestBytes.request(params: Self.streamParams(bytes: 1 << 40)))
            let reader = RecordReader(client)
            var received = 0
            while received < 2 * Self.mebibyte {
                let record = try #require(try reader.next())
                received += record.content.count
            }
            client.close()

            #expect(probe.returned.wait(timeout: .now() + 5) == .success, "the handler is still writing")
            #expect(probe.firstError == .connectionClosed)
            // The cancellation had already fired when the write failed.
            #expect(probe.cancelledWhenWriteFailed.value == true)
            #expect(probe.cancelled.wait(timeout: .now() + 5) == .success)
            #expect(eventually { test.server.stats.cancelledRequests == 1 })
            #expect(eventually { test.server.stats.activeConnections == 0 })

            // Other connections are still served.
            let other = try test.connect()
            #expect(try other.request(params: ["REQUEST_URI": "/after"]).bodyText == "/after|")
            let streamed = try test.connect()
            try streamed.send(RequestBytes.request(params: Self.streamParams(bytes: Self.mebibyte)))
            let stream = try ReceivedStream.read(from: RecordReader(streamed))
            #expect(stream.isWellFramedAndComplete, "\(stream)")
            #expect(stream.bodyIsPattern(length: Self.mebibyte))
        }

        @Test func abortAfterSomeChunksClosesTheConnectionWithoutEndRequest() throws {
            let probe = StreamProbe()
            let test = try TestServer(handler: Self.streamingHandler(probe))
            defer { test.shutdown() }
            let client = try test.connect()
            let sentBeforeAbort = 3 * 64 * 1024
            try client.send(RequestBytes.request(params: Self.streamParams(bytes: Self.mebibyte, abortAfter: sentBeforeAbort)))
            let stream = try ReceivedStream.read(from: RecordReader(client))
            #expect(stream.endedByEOF)
            #expect(stream.endRequests.isEmpty)
            #expect(stream.emptyStdoutRecords == 0)
            #expect(stream.errors.isEmpty, "\(stream.errors)")
            // What was written before the abort still went out.
            #expect(stream.bodyIsPattern(length: sentBeforeAbort))
            #expect(probe.returned.wait(timeout: .now() + 5) == .success)
            #expect(probe.errors.value == [.aborted])
            #expect(test.logs.value.contains { $0.message.contains("without END_REQUEST") })
            client.close()
            #expect(eventually { test.server.stats.activeConnections == 0 })

            let other = try test.connect()
            #expect(try other.request(params: ["REQUEST_URI": "/next"]).bodyText == "/next|")
        }

        @Test func twoStreamedResponsesInSequenceOnOneKeptAliveConnection() throws {
            let probe = StreamProbe()
            let test = try TestServer(handler: Self.streamingHandler(probe))
            defer { test.shutdown() }
            let client = try test.connect()
            let reader = RecordReader(client)
            // Chunks that are not a multiple of the record size, then a plain request in between.
            for (id, size, chunk) in [(UInt16(1), 3 * Self.mebibyte + 5, 100_000), (UInt16(1), 2 * Self.mebibyte, 7_000)] {
                try client.send(RequestBytes.request(id: id, params: Self.streamParams(bytes: size, chunk: chunk)))
                let stream = try ReceivedStream.read(from: reader, requestID: id)
                #expect(stream.isWellFramedAndComplete, "\(stream)")
                #expect(stream.bodyIsPattern(length: size))
            }
            try client.send(RequestBytes.request(id: 2, params: ["REQUEST_URI": "/plain"]))
            let plain = try ReceivedStream.read(from: reader, requestID: 2)
            #expect(plain.isWellFramedAndComplete)
            #expect(String(decoding: plain.body, as: UTF8.self) == "/plain|")
            try client.send(RequestBytes.request(id: 3, params: Self.streamParams(bytes: 1000)))
            let last = try ReceivedStream.read(from: reader, requestID: 3)
            #expect(last.isWellFramedAndComplete)
            #expect(last.bodyIsPattern(length: 1000))
            let stats = test.server.stats
            #expect(stats.acceptedConnections == 1)
            #expect(stats.activeConnections == 1)
            #expect(probe.errors.value.isEmpty)
        }

        @Test func abortRequestMidStreamFailsWritesAndEndRequestStillFollows() throws {
            let probe = StreamProbe()
            let test = try TestServer(handler: Self.streamingHandler(probe))
            defer { test.shutdown() }
            let client = try test.connect()
            try client.send(RequestBytes.request(id: 5, params: Self.streamParams(bytes: 1 << 40)))
            let reader = RecordReader(client)
            var received = 0
            while received < Self.mebibyte {
                received += try #require(try reader.next()).content.count
            }
            try client.send(RequestBytes.abort(id: 5))
            // Keep reading: the server only sees the ABORT_REQUEST once its output drains.
            let stream = try ReceivedStream.read(from: reader, requestID: 5)
            #expect(stream.isWellFramedAndComplete, "\(stream)")
            #expect(probe.returned.wait(timeout: .now() + 5) == .success)
            #expect(probe.firstError == .cancelled)
            #expect(probe.cancelledWhenWriteFailed.value == true)
            #expect(probe.cancelled.wait(timeout: .now() + 5) == .success)
            #expect(test.server.stats.cancelledRequests == 1)
            // The connection is still good.
            #expect(try client.request(id: 6, params: ["REQUEST_URI": "/again"]).bodyText == "/again|")
        }

        @Test func unreadStreamHitsTheWriteTimeoutAndReleasesTheWriter() throws {
            let probe = StreamProbe()
            let test = try TestServer { $0.writeTimeout = .milliseconds(300) } handler: { request, cancellation, writer in
                Self.streamingHandler(probe)(request, cancellation, writer)
            }
            defer { test.shutdown() }
            let client = try test.connect()
            try client.send(RequestBytes.request(params: Self.streamParams(bytes: 1 << 40)))
            #expect(probe.returned.wait(timeout: .now() + 5) == .success, "the writer is still blocked")
            let error = try #require(probe.firstError)
            #expect(error == .timedOut || error == .connectionClosed)
            #expect(eventually { test.server.stats.activeConnections == 0 })
            let stream = try ReceivedStream.read(from: RecordReader(client))
            #expect(stream.endedByEOF)
            #expect(stream.endRequests.isEmpty)
        }

        @Test func immediateStopReleasesABlockedWriter() throws {
            let probe = StreamProbe()
            let test = try TestServer(handler: Self.streamingHandler(probe))
            defer { test.shutdown() }
            let client = try test.connect()
            try client.send(RequestBytes.request(params: Self.streamParams(bytes: 1 << 40)))
            _ = Self.settledValue { probe.produced.value } // blocked: the client reads nothing
            test.server.stop(graceful: false)
            #expect(probe.returned.wait(timeout: .now() + 5) == .success, "the writer is still blocked")
            #expect(probe.firstError == .connectionClosed)
            #expect(probe.cancelledWhenWriteFailed.value == true)
            let stopped = DispatchSemaphore(value: 0)
            let server = test.server
            DispatchQueue.global().async {
                server.waitUntilStopped()
                stopped.signal()
            }
            #expect(stopped.wait(timeout: .now() + 5) == .success)
            #expect(!test.logs.value.contains { $0.message.contains("still running") })
            // A writer kept past the handler's return refuses further use.
            let writer = try #require(probe.writers.value.first)
            #expect(throws: FastCGIStreamError.finished) { try writer.write([1]) }
        }

        @Test func gracefulStopLetsAStreamFinish() throws {
            let probe = StreamProbe()
            let test = try TestServer { $0.drainTimeout = .seconds(20) } handler: { request, cancellation, writer in
                Self.streamingHandler(probe)(request, cancellation, writer)
            }
            defer { test.shutdown() }
            let client = try test.connect()
            let total = 8 * Self.mebibyte
            try client.send(RequestBytes.request(params: Self.streamParams(bytes: total)))
            #expect(eventually { probe.produced.value > 0 })
            test.server.stop(graceful: true)
            let stream = try ReceivedStream.read(from: RecordReader(client))
            #expect(stream.isWellFramedAndComplete, "\(stream)")
            #expect(stream.bodyIsPattern(length: total))
            #expect(try client.waitForClose(timeout: .seconds(3)))
            let stopped = DispatchSemaphore(value: 0)
            let server = test.server
            DispatchQueue.global().async {
                server.waitUntilStopped()
                stopped.signal()
            }
            #expect(stopped.wait(timeout: .now() + 5) == .success)
            #expect(probe.errors.value.isEmpty)
        }

        @Test func writerMisuseIsRefusedAndTheReturnedResponseIsIgnored() throws {
            let outcomes = Shared<[String]>([])
            let test = try TestServer(handler: { request, _, writer in
                var seen: [String] = []
                func attempt(_ label: String, _ body: () throws(FastCGIStreamError) -> Void) {
                    do throws(FastCGIStreamError) {
                        try body()
                        seen.append("\(label): ok")
                    } catch {
                        seen.append("\(label): \(error)")
                    }
                }
                if request.params["REQUEST_URI"] == "/plain" {
                    // Looking at the writer is not using it.
                    seen.append("headSent=\(writer.headSent)")
                    outcomes.update { $0 += seen }
                    return FastCGIResponse(status: 201, body: Array("whole".utf8))
                }
                attempt("write before head") { () throws(FastCGIStreamError) in try writer.write([1]) }
                attempt("abort before head") { () throws(FastCGIStreamError) in writer.abort() }
                attempt("head") { () throws(FastCGIStreamError) in try writer.sendHead(status: 404, headers: [FastCGIHeaderField("X-Bad\r\nName", "v"), FastCGIHeaderField("X-Ok", "a\r\nb")]) }
                attempt("head again") { () throws(FastCGIStreamError) in try writer.sendHead(status: 200, headers: []) }
                attempt("empty write") { () throws(FastCGIStreamError) in try writer.write([]) }
                attempt("write") { () throws(FastCGIStreamError) in try writer.write(Array("streamed".utf8)) }
                seen.append("headSent=\(writer.headSent)")
                outcomes.update { $0 += seen }
                return FastCGIResponse(status: 500, body: Array("IGNORED".utf8))
            })
            defer { test.shutdown() }
            let client = try test.connect()
            let reader = RecordReader(client)
            try client.send(RequestBytes.request(params: ["REQUEST_URI": "/streamed"]))
            let stream = try ReceivedStream.read(from: reader)
            #expect(stream.isWellFramedAndComplete, "\(stream)")
            #expect(stream.head == "Status: 404 Not Found\r\nX-Ok: a b\r\n\r\n")
            #expect(String(decoding: stream.body, as: UTF8.self) == "streamed")
            #expect(outcomes.value == [
                "write before head: \(FastCGIStreamError.headNotSent)",
                "abort before head: ok",
                "head: ok",
                "head again: \(FastCGIStreamError.headAlreadySent)",
                "empty write: ok",
                "write: ok",
                "headSent=true",
            ])

            // A handler that never uses the writer is answered exactly as before.
            let plain = try client.request(id: 2, params: ["REQUEST_URI": "/plain"])
            #expect(plain.status == 201)
            #expect(plain.bodyText == "whole")
            #expect(outcomes.value.last == "headSent=false")
        }

        @Test func aTinyHighWaterMarkStillDeliversEverything() throws {
            let probe = StreamProbe()
            let test = try TestServer { $0.streamHighWaterMark = 1 } handler: { request, cancellation, writer in
                Self.streamingHandler(probe)(request, cancellation, writer)
            }
            defer { test.shutdown() }
            let client = try test.connect()
            let total = 2 * Self.mebibyte + 3
            try client.send(RequestBytes.request(params: Self.streamParams(bytes: total, chunk: 200_000)))
            let stream = try ReceivedStream.read(from: RecordReader(client))
            #expect(stream.isWellFramedAndComplete, "\(stream)")
            #expect(stream.bodyIsPattern(length: total))
        }

        @Test func invalidHighWaterMarkIsRejected() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let server = FastCGIServer(
                configuration: FastCGIServerConfiguration(listen: .unix(path: directory.path + "/s"), streamHighWaterMark: 0),
                makeHandler: { _ in TestServer.echo }
            )
            #expect(throws: FastCGIServerError.invalidConfiguration("streamHighWaterMark must be at least 1")) {
                try server.start()
            }
            #expect(FastCGIServerConfiguration(listen: .unix(path: "/x")).streamHighWaterMark == 256 * 1024)
        }
    }
}
