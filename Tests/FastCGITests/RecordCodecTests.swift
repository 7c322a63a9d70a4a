@testable import FastCGI
import Testing

@Suite struct RecordCodecTests {
    @Test func headerRoundTrip() throws {
        let header = FastCGIRecordHeader(type: .stdin, requestID: 0x1234, contentLength: 0xABCD, paddingLength: 3, reserved: 0)
        let bytes = header.encoded
        #expect(bytes == [1, 5, 0x12, 0x34, 0xAB, 0xCD, 3, 0])
        #expect(try FastCGIRecordHeader(decoding: bytes) == header)
    }

    @Test(arguments: [(0, 0), (1, 7), (7, 1), (8, 0), (9, 7), (65535, 1)])
    func recordsArePaddedToMultiplesOfEight(contentLength: Int, expectedPadding: Int) throws {
        let record = FastCGIRecord(type: .stdout, requestID: 7, content: [UInt8](repeating: 0xAA, count: contentLength))
        let bytes = record.encoded
        #expect(bytes.count == 8 + contentLength + expectedPadding)
        #expect(bytes.count % 8 == 0)
        #expect(bytes[6] == UInt8(expectedPadding))
        #expect(bytes.suffix(expectedPadding).allSatisfy { $0 == 0 })
        #expect(try RequestBytes.records(bytes) == [record])
    }

    @Test func nameValueLengthsUseOneByteUpTo127AndFourBytesFrom128() throws {
        var short: [UInt8] = []
        FastCGINameValueCoding.appendLength(127, to: &short)
        #expect(short == [127])
        var long: [UInt8] = []
        FastCGINameValueCoding.appendLength(128, to: &long)
        #expect(long == [0x80, 0, 0, 128])
        var huge: [UInt8] = []
        FastCGINameValueCoding.appendLength(0x0102_0304, to: &huge)
        #expect(huge == [0x81, 2, 3, 4])

        let pairs = [
            FastCGINameValuePair(name: String(repeating: "n", count: 127), value: String(repeating: "v", count: 128)),
            FastCGINameValuePair(name: "EMPTY", value: ""),
            FastCGINameValuePair(name: "BIG", value: String(repeating: "x", count: 70_000)),
        ]
        let encoded = FastCGINameValueCoding.encode(pairs)
        #expect(encoded[0] == 127)
        #expect(Array(encoded[1...4]) == [0x80, 0, 0, 128])
        #expect(encoded.count == (1 + 4 + 127 + 128) + (1 + 1 + 5) + (1 + 4 + 3 + 70_000))
        #expect(try FastCGINameValueCoding.decode(encoded) == pairs)
    }

    @Test func truncatedNameValuePairsAreErrors() {
        #expect(throws: FastCGIProtocolError.truncatedNameValuePair(offset: 0)) {
            try FastCGINameValueCoding.decode([5, 3, 65])
        }
        #expect(throws: FastCGIProtocolError.truncatedNameValuePair(offset: 0)) {
            try FastCGINameValueCoding.decode([0x80, 0])
        }
        // A 4-byte length claiming ~2 GiB must fail cleanly, not allocate.
        #expect(throws: FastCGIProtocolError.truncatedNameValuePair(offset: 3)) {
            try FastCGINameValueCoding.decode([1, 0, 65] + [0xFF, 0xFF, 0xFF, 0xFF, 0, 1, 2])
        }
    }

    @Test func decoderFedOneByteAtATimeYieldsTheSameRecords() throws {
        let records = [
            FastCGIRecord(type: .beginRequest, requestID: 1, content: FastCGIBeginRequestBody(keepConnection: true).encoded),
            FastCGIRecord(type: .params, requestID: 1, content: Array("hello world".utf8)),
            FastCGIRecord(type: .params, requestID: 1),
            FastCGIRecord(type: .stdin, requestID: 1, content: (0..<65535).map { UInt8(truncatingIfNeeded: $0) }),
            FastCGIRecord(type: .stdin, requestID: 1),
        ]
        let bytes = records.flatMap(\.encoded)
        var decoder = FastCGIRecordDecoder()
        var decoded: [FastCGIRecord] = []
        for byte in bytes {
            decoder.append([byte])
            while let record = try decoder.next() {
                decoded.append(record)
            }
        }
        #expect(decoded == records)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func decoderWaitsForThePaddingBeforeYieldingARecord() throws {
        let bytes = FastCGIRecord(type: .stdin, requestID: 3, content: [1, 2, 3]).encoded
        var decoder = FastCGIRecordDecoder()
        decoder.append(bytes.dropLast())
        #expect(try decoder.next() == nil)
        decoder.append(bytes.suffix(1))
        #expect(try decoder.next() == FastCGIRecord(type: .stdin, requestID: 3, content: [1, 2, 3]))
    }

    @Test func badVersionIsAPreciseAndStickyError() throws {
        var decoder = FastCGIRecordDecoder()
        decoder.append([2, 1, 0, 1, 0, 8, 0, 0])
        #expect(throws: FastCGIProtocolError.unsupportedVersion(2)) {
            try decoder.next()
        }
        decoder.append(FastCGIRecord(type: .stdin, requestID: 1).encoded)
        #expect(throws: FastCGIProtocolError.unsupportedVersion(2)) {
            try decoder.next()
        }
        #expect(throws: FastCGIProtocolError.unsupportedVersion(0)) {
            try FastCGIRecordHeader(decoding: [0, 1, 0, 1, 0, 0, 0, 0])
        }
    }

    @Test func beginAndEndRequestBodiesRoundTrip() throws {
        let begin = FastCGIBeginRequestBody(role: FastCGIBeginRequestBody.responderRole, keepConnection: true)
        #expect(begin.encoded == [0, 1, 1, 0, 0, 0, 0, 0])
        #expect(try FastCGIBeginRequestBody(decoding: begin.encoded) == begin)
        #expect(throws: FastCGIProtocolError.invalidBeginRequestBody(byteCount: 3)) {
            try FastCGIBeginRequestBody(decoding: [0, 1, 1])
        }
        let end = FastCGIEndRequestBody(appStatus: 0x0102_0304, protocolStatus: .unknownRole)
        #expect(end.encoded == [1, 2, 3, 4, 3, 0, 0, 0])
        #expect(try FastCGIEndRequestBody(decoding: end.encoded) == end)
    }
}
