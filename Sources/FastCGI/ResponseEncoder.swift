/// Frames a handler's response: CGI header block + body on STDOUT records,
/// the empty STDOUT record, then exactly one END_REQUEST.
enum ResponseEncoder {
    static func encode(_ response: FastCGIResponse, requestID: UInt16) -> [UInt8] {
        var stdout = headerBlock(for: response)
        stdout.append(contentsOf: response.body)
        var bytes: [UInt8] = []
        let recordCount = stdout.count / FastCGIRecord.alignedChunkLength + 3
        bytes.reserveCapacity(stdout.count + recordCount * 16)
        FastCGIRecord.encodeStream(type: .stdout, requestID: requestID, content: stdout, into: &bytes)
        appendEndRequest(requestID: requestID, protocolStatus: .requestComplete, to: &bytes)
        return bytes
    }

    /// End of a streamed response: the empty STDOUT record, then END_REQUEST.
    static func streamEnd(requestID: UInt16) -> [UInt8] {
        var bytes: [UInt8] = []
        FastCGIRecord.appendRecord(type: .stdout, requestID: requestID, content: [], to: &bytes)
        appendEndRequest(requestID: requestID, protocolStatus: .requestComplete, to: &bytes)
        return bytes
    }

    /// END_REQUEST alone: for rejected roles, multiplexing attempts and aborted requests.
    static func endRequest(requestID: UInt16, protocolStatus: FastCGIProtocolStatus) -> [UInt8] {
        var bytes: [UInt8] = []
        appendEndRequest(requestID: requestID, protocolStatus: protocolStatus, to: &bytes)
        return bytes
    }

    static func appendEndRequest(requestID: UInt16, protocolStatus: FastCGIProtocolStatus, to bytes: inout [UInt8]) {
        let body = FastCGIEndRequestBody(appStatus: 0, protocolStatus: protocolStatus)
        FastCGIRecord.appendRecord(type: .endRequest, requestID: requestID, content: body.encoded[...], to: &bytes)
    }

    /// `Status: 200 OK\r\nName: value\r\n…\r\n`. Invalid header names are
    /// dropped and CR/LF in values replaced, so a handler can never inject lines.
    static func headerBlock(for response: FastCGIResponse) -> [UInt8] {
        let status = (100...999).contains(response.status) ? response.status : 500
        var text = "Status: \(status)"
        if let reason = HTTPReasonPhrase.forStatus(status) {
            text += " \(reason)"
        }
        text += "\r\n"
        for header in response.headers where isValidName(header.name) && header.name.lowercased() != "status" {
            text += "\(header.name): \(sanitizedValue(header.value))\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    private static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenByte)
    }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func sanitizedValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
            return value
        }
        return String(value.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" || $0 == "\0" ? " " : $0 })
    }
}
