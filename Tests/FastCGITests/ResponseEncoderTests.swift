@testable import FastCGI
import Testing

@Suite struct ResponseEncoderTests {
    @Test func largeBodyIsSplitIntoAlignedStdoutRecordsThenOneEmptyStdoutAndOneEndRequest() throws {
        let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let response = FastCGIResponse(
            status: 200,
            headers: [
                FastCGIHeaderField("Content-Type", "application/octet-stream"),
                FastCGIHeaderField("Set-Cookie", "a=1"),
                FastCGIHeaderField("Set-Cookie", "b=2"),
            ],
            body: body
        )
        let bytes = ResponseEncoder.encode(response, requestID: 42)
        let records = try RequestBytes.records(bytes)

        #expect(records.allSatisfy { $0.requestID == 42 })
        #expect(records.allSatisfy { $0.content.count <= 65535 })
        let stdout = records.filter { $0.type == .stdout }
        #expect(stdout.count == records.count - 1)
        #expect(stdout.filter { $0.content.isEmpty }.count == 1)
        #expect(records[records.count - 2].type == .stdout && records[records.count - 2].content.isEmpty)
        #expect(records.filter { $0.type == .endRequest }.count == 1)
        #expect(records.last?.type == .endRequest)
        let end = try FastCGIEndRequestBody(decoding: records.last!.content)
        #expect(end == FastCGIEndRequestBody(appStatus: 0, protocolStatus: .requestComplete))

        let header = "Status: 200 OK\r\nContent-Type: application/octet-stream\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n"
        let payload = stdout.flatMap(\.content)
        #expect(payload == Array(header.utf8) + body)
        // Every record (header + content + padding) keeps 8-byte alignment.
        var offset = 0
        for record in records {
            let length = 8 + record.content.count + Int(FastCGIRecordHeader.paddingLength(forContentLength: record.content.count))
            #expect(length % 8 == 0)
            #expect(bytes[offset + 1] == record.type.rawValue)
            offset += length
        }
        #expect(offset == bytes.count)
    }

    @Test func emptyBodyStillHasHeadersEmptyStdoutAndEndRequest() throws {
        let records = try RequestBytes.records(ResponseEncoder.encode(FastCGIResponse(status: 204), requestID: 1))
        #expect(records.map(\.type) == [.stdout, .stdout, .endRequest])
        #expect(String(decoding: records[0].content, as: UTF8.self) == "Status: 204 No Content\r\n\r\n")
    }

    @Test func headerInjectionIsNeutralised() {
        let response = FastCGIResponse(status: 200, headers: [
            FastCGIHeaderField("X-Ok", "a\r\nSet-Cookie: evil=1"),
            FastCGIHeaderField("Bad Name", "x"),
            FastCGIHeaderField("Status", "500"),
        ])
        let text = String(decoding: ResponseEncoder.headerBlock(for: response), as: UTF8.self)
        #expect(text == "Status: 200 OK\r\nX-Ok: a Set-Cookie: evil=1\r\n\r\n")
    }

    @Test func overloadedResponseIsTheExactProblemDocument() {
        let response = ProblemResponses.overloaded()
        #expect(response.status == 503)
        #expect(response.headerValues("Content-Type") == ["application/problem+json"])
        #expect(response.headerValues("Retry-After") == ["1"])
        let expected = #"{"type":"about:blank","title":"Service Unavailable","status":503,"code":"overloaded","detail":"Le service est momentanément surchargé, veuillez réessayer."}"#
        #expect(String(decoding: response.body, as: UTF8.self) == expected)
    }
}
