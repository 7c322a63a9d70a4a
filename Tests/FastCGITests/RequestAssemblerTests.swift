@testable import FastCGI
import Testing

/// Feeds bytes through decoder + assembler like a connection does.
private struct Harness {
    var decoder = FastCGIRecordDecoder()
    var assembler: RequestAssembler

    init(maxParamsBytes: Int = 64 * 1024, maxBodyBytes: Int = 1024 * 1024, maxConnections: Int = 1024) {
        assembler = RequestAssembler(limits: .init(maxParamsBytes: maxParamsBytes, maxBodyBytes: maxBodyBytes, maxConnections: maxConnections))
    }

    mutating func feed(_ bytes: [UInt8]) throws -> [AssemblerAction] {
        decoder.append(bytes)
        var actions: [AssemblerAction] = []
        while let record = try decoder.next() {
            actions += assembler.handle(record)
        }
        return actions
    }
}

private extension [AssemblerAction] {
    var sentRecords: [FastCGIRecord] {
        get throws {
            try RequestBytes.records(flatMap { action -> [UInt8] in
                if case .send(let bytes) = action { return bytes }
                return []
            })
        }
    }

    var dispatched: [FastCGIRequest] {
        compactMap { action in
            if case .dispatch(let request) = action { return request }
            return nil
        }
    }

    var closes: Bool {
        contains { if case .closeAfterFlush = $0 { return true } else { return false } }
    }

    var cancels: Bool {
        contains { if case .cancelInFlight = $0 { return true } else { return false } }
    }

    /// The HTTP status of the single early response, and its END_REQUEST status.
    var earlyAnswer: (status: Int, protocolStatus: FastCGIProtocolStatus)? {
        get throws {
            let records = try sentRecords
            guard let end = records.last, end.type == .endRequest else { return nil }
            let stdout = records.filter { $0.type == .stdout }.flatMap(\.content)
            let parsed = try ParsedResponse.parse(stdout: stdout, endRequest: FastCGIEndRequestBody(decoding: end.content))
            return (parsed.status, parsed.endRequest.protocolStatus)
        }
    }
}

@Suite struct RequestAssemblerTests {
    @Test func completeRequestIsDispatchedWithParamsBodyAndKeepConn() throws {
        var harness = Harness()
        let body = Array("payload".utf8)
        let actions = try harness.feed(RequestBytes.request(id: 5, params: ["REQUEST_METHOD": "POST", "REQUEST_URI": "/x"], body: body))
        let request = try #require(actions.dispatched.first)
        #expect(actions.dispatched.count == 1)
        #expect(request.requestID == 5)
        #expect(request.params["REQUEST_METHOD"] == "POST")
        #expect(request.params["REQUEST_URI"] == "/x")
        #expect(request.body == body)
        #expect(request.keepConnection)
        #expect(harness.assembler.isAwaitingResponse)
        #expect(harness.assembler.responseCompleted().isEmpty)
        #expect(harness.assembler.isIdle)
    }

    @Test func requestWithoutKeepConnClosesAfterTheResponse() throws {
        var harness = Harness()
        let actions = try harness.feed(RequestBytes.request(id: 1, keepConnection: false))
        #expect(actions.dispatched.first?.keepConnection == false)
        #expect(harness.assembler.responseCompleted().closes)
    }

    @Test func nameValuePairStraddlingTwoParamsRecordsIsDecoded() throws {
        var harness = Harness()
        let pairs = [
            FastCGINameValuePair(name: "REQUEST_URI", value: "/straddle"),
            FastCGINameValuePair(name: "HTTP_COOKIE", value: String(repeating: "c", count: 300)),
        ]
        let encoded = FastCGINameValueCoding.encode(pairs)
        // Split inside the 4-byte length prefix of the second pair, and again mid-value.
        let secondPairStart = encoded.count - (1 + 4 + 11 + 300)
        let cuts = [secondPairStart + 2, encoded.count - 100]
        var stream = RequestBytes.begin(id: 1)
        var start = 0
        for cut in cuts + [encoded.count] {
            stream += FastCGIRecord(type: .params, requestID: 1, content: Array(encoded[start..<cut])).encoded
            start = cut
        }
        stream += FastCGIRecord(type: .params, requestID: 1).encoded + RequestBytes.stdin(id: 1, [])
        let request = try #require(try harness.feed(stream).dispatched.first)
        #expect(request.params["REQUEST_URI"] == "/straddle")
        #expect(request.params["HTTP_COOKIE"] == String(repeating: "c", count: 300))
    }

    @Test func paramsOverTheCapAreAnswered431AndTheRestIsDiscarded() throws {
        var harness = Harness(maxParamsBytes: 100)
        var actions = try harness.feed(RequestBytes.begin(id: 1) + RequestBytes.params(id: 1, ["HTTP_X": String(repeating: "x", count: 200)], chunkLength: 64))
        #expect(try actions.earlyAnswer?.status == 431)
        #expect(try actions.earlyAnswer?.protocolStatus == .requestComplete)
        #expect(actions.dispatched.isEmpty)
        #expect(!actions.closes)
        actions = try harness.feed(RequestBytes.stdin(id: 1, Array("ignored".utf8)))
        #expect(actions.isEmpty)
        #expect(harness.assembler.isIdle)
        // The kept-alive connection serves the next request normally.
        actions = try harness.feed(RequestBytes.request(id: 2, params: ["REQUEST_URI": "/next"]))
        #expect(actions.dispatched.first?.params["REQUEST_URI"] == "/next")
    }

    @Test func bodyOverTheCapIsAnswered413() throws {
        var harness = Harness(maxBodyBytes: 10)
        let stream = RequestBytes.begin(id: 1) + RequestBytes.params(id: 1, ["REQUEST_URI": "/"]) + RequestBytes.stdin(id: 1, [UInt8](repeating: 1, count: 11), chunkLength: 8)
        let actions = try harness.feed(stream)
        #expect(try actions.earlyAnswer?.status == 413)
        #expect(actions.dispatched.isEmpty)
        #expect(harness.assembler.isIdle)
    }

    @Test func contentLengthOverTheCapIsAnswered413BeforeAnyBodyArrives() throws {
        var harness = Harness(maxBodyBytes: 1000)
        let actions = try harness.feed(RequestBytes.begin(id: 1) + RequestBytes.params(id: 1, ["CONTENT_LENGTH": "1001"]))
        #expect(try actions.earlyAnswer?.status == 413)
        #expect(harness.assembler.isReceiving) // still swallowing the body that will follow
        #expect(try harness.feed(RequestBytes.stdin(id: 1, [UInt8](repeating: 0, count: 1001))).isEmpty)
        #expect(harness.assembler.isIdle)
    }

    @Test(arguments: ["5", "20"])
    func bodyNotMatchingContentLengthIsAnswered400(contentLength: String) throws {
        var harness = Harness()
        let stream = RequestBytes.begin(id: 1) + RequestBytes.params(id: 1, ["CONTENT_LENGTH": contentLength]) + RequestBytes.stdin(id: 1, Array("0123456789".utf8))
        let actions = try harness.feed(stream)
        #expect(try actions.earlyAnswer?.status == 400)
        #expect(actions.dispatched.isEmpty)
        #expect(harness.assembler.isIdle)
    }

    @Test(arguments: ["abc", "-1", "1e3"])
    func invalidContentLengthIsAnswered400(contentLength: String) throws {
        var harness = Harness()
        let actions = try harness.feed(RequestBytes.begin(id: 1) + RequestBytes.params(id: 1, ["CONTENT_LENGTH": contentLength]))
        #expect(try actions.earlyAnswer?.status == 400)
    }

    @Test func emptyContentLengthMeansNoDeclaredBody() throws {
        var harness = Harness()
        let stream = RequestBytes.begin(id: 1) + RequestBytes.params(id: 1, ["CONTENT_LENGTH": ""]) + RequestBytes.stdin(id: 1, [])
        #expect(try harness.feed(stream).dispatched.count == 1)
    }

    @Test func getValuesIsAnsweredWithOnlyTheKnownAskedNames() throws {
        var harness = Harness(maxConnections: 77)
        let asked = FastCGINameValueCoding.encode([
            FastCGINameValuePair(name: "FCGI_MAX_CONNS", value: ""),
            FastCGINameValuePair(name: "FCGI_MPXS_CONNS", value: ""),
            FastCGINameValuePair(name: "FCGI_SOMETHING_ELSE", value: ""),
        ])
        let records = try harness.feed(FastCGIRecord(type: .getValues, requestID: 0, content: asked).encoded).sentRecords
        #expect(records.count == 1)
        #expect(records[0].type == .getValuesResult)
        #expect(records[0].requestID == 0)
        #expect(try FastCGINameValueCoding.decode(records[0].content) == [
            FastCGINameValuePair(name: "FCGI_MAX_CONNS", value: "77"),
            FastCGINameValuePair(name: "FCGI_MPXS_CONNS", value: "0"),
        ])
        let onlyRequests = FastCGINameValueCoding.encode([FastCGINameValuePair(name: "FCGI_MAX_REQS", value: "")])
        let second = try harness.feed(FastCGIRecord(type: .getValues, requestID: 0, content: onlyRequests).encoded).sentRecords
        #expect(try FastCGINameValueCoding.decode(second[0].content) == [FastCGINameValuePair(name: "FCGI_MAX_REQS", value: "77")])
    }

    @Test(arguments: [(UInt8(42), UInt16(0)), (UInt8(200), UInt16(3))])
    func unknownRecordTypesGetUnknownType(type: UInt8, requestID: UInt16) throws {
        var harness = Harness()
        let records = try harness.feed(FastCGIRecord(type: FastCGIRecordType(rawValue: type), requestID: requestID, content: [9, 9]).encoded).sentRecords
        #expect(records == [FastCGIRecord(type: .unknownType, requestID: 0, content: [type, 0, 0, 0, 0, 0, 0, 0])])
    }

    @Test func otherRolesGetUnknownRoleAndTheirRecordsAreIgnored() throws {
        var harness = Harness()
        var actions = try harness.feed(RequestBytes.begin(id: 4, role: FastCGIBeginRequestBody.authorizerRole, keepConnection: true))
        let records = try actions.sentRecords
        #expect(records.count == 1)
        #expect(records[0].type == .endRequest && records[0].requestID == 4)
        #expect(try FastCGIEndRequestBody(decoding: records[0].content).protocolStatus == .unknownRole)
        actions = try harness.feed(RequestBytes.params(id: 4, ["A": "b"]) + RequestBytes.stdin(id: 4, []))
        #expect(actions.isEmpty)

        var closing = Harness()
        #expect(try closing.feed(RequestBytes.begin(id: 1, role: FastCGIBeginRequestBody.filterRole, keepConnection: false)).closes)
    }

    @Test func secondBeginRequestGetsCantMultiplexAndTheFirstCarriesOn() throws {
        var harness = Harness()
        var actions = try harness.feed(RequestBytes.begin(id: 1) + RequestBytes.params(id: 1, ["REQUEST_URI": "/first"]))
        #expect(actions.isEmpty)
        actions = try harness.feed(RequestBytes.begin(id: 2))
        let records = try actions.sentRecords
        #expect(records.count == 1)
        #expect(records[0].type == .endRequest && records[0].requestID == 2)
        #expect(try FastCGIEndRequestBody(decoding: records[0].content).protocolStatus == .cantMultiplexConnection)
        actions = try harness.feed(RequestBytes.stdin(id: 1, []))
        #expect(actions.dispatched.first?.params["REQUEST_URI"] == "/first")
        // Also while the first one is with a worker.
        let busy = try harness.feed(RequestBytes.begin(id: 3)).sentRecords
        #expect(try FastCGIEndRequestBody(decoding: busy[0].content).protocolStatus == .cantMultiplexConnection)
    }

    @Test func recordsForRequestIDsNeverBegunAreIgnored() throws {
        var harness = Harness()
        let stray = RequestBytes.params(id: 9, ["X": "y"]) + RequestBytes.stdin(id: 9, [1, 2, 3]) + RequestBytes.abort(id: 9)
        #expect(try harness.feed(stray).isEmpty)
        #expect(harness.assembler.isIdle)
        // Interleaved with a real request, they change nothing.
        var stream = RequestBytes.begin(id: 1) + RequestBytes.params(id: 1, ["REQUEST_URI": "/real"])
        stream += stray + RequestBytes.stdin(id: 1, Array("b".utf8))
        let actions = try harness.feed(stream)
        #expect(actions.dispatched.count == 1)
        #expect(actions.dispatched[0].params == ["REQUEST_URI": "/real"])
        #expect(actions.dispatched[0].body == Array("b".utf8))
    }

    @Test func abortWhileReceivingEndsTheRequestAndWhileRunningCancelsIt() throws {
        var harness = Harness()
        var actions = try harness.feed(RequestBytes.begin(id: 1) + RequestBytes.params(id: 1, [:]) + RequestBytes.abort(id: 1))
        let records = try actions.sentRecords
        #expect(records.map(\.type) == [.endRequest])
        #expect(actions.dispatched.isEmpty)
        #expect(harness.assembler.isIdle)

        actions = try harness.feed(RequestBytes.request(id: 2))
        #expect(actions.dispatched.count == 1)
        actions = try harness.feed(RequestBytes.abort(id: 2))
        #expect(actions.cancels)
        #expect(try actions.sentRecords.isEmpty) // END_REQUEST comes when the handler returns
        #expect(harness.assembler.isAwaitingResponse)
    }

    @Test func brokenStreamAnswers400WhenARequestIsKnownThenCloses() throws {
        var harness = Harness()
        _ = try harness.feed(RequestBytes.begin(id: 6) + RequestBytes.params(id: 6, ["A": "b"], chunkLength: 8).dropLast(8))
        let actions = harness.assembler.inputFailed("bad version")
        #expect(try actions.earlyAnswer?.status == 400)
        #expect(try actions.sentRecords.last?.requestID == 6)
        #expect(actions.closes)

        var idle = Harness()
        let idleActions = idle.assembler.inputFailed("garbage")
        #expect(try idleActions.sentRecords.isEmpty)
        #expect(idleActions.closes)
    }

    @Test func randomInputNeverCrashesTheCodecOrTheAssembler() {
        var generator = SplitMix64(seed: 0xFC61)
        for round in 0..<300 {
            var harness = Harness(maxParamsBytes: 512, maxBodyBytes: 512)
            var bytes: [UInt8] = []
            for _ in 0..<Int(generator.next() % 40) {
                if generator.next() % 4 == 0 {
                    bytes += (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                } else {
                    let type = FastCGIRecordType(rawValue: UInt8(generator.next() % 13))
                    let content = (0..<Int(generator.next() % 300)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                    bytes += FastCGIRecord(type: type, requestID: UInt16(generator.next() % 3), content: content).encoded
                }
            }
            if round % 2 == 0 {
                bytes = [1] + bytes // mostly valid headers with a shifted stream
            }
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + 1 + Int(generator.next() % 100))
                do {
                    _ = try harness.feed(Array(bytes[offset..<end]))
                } catch {
                    _ = harness.assembler.inputFailed("\(error)")
                    break
                }
                offset = end
            }
        }
    }
}

/// Deterministic generator so a failing fuzz round can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
