import Dispatch
import FastCGI
import Foundation
import Glibc
import Synchronization

enum TestFailure: Error, CustomStringConvertible {
    case timeout(String)
    case system(String, Int32)
    case malformed(String)
    case reset

    var description: String {
        switch self {
        case .timeout(let what): "timed out: \(what)"
        case let .system(call, code): "\(call) failed: errno \(code)"
        case .malformed(let what): "malformed: \(what)"
        case .reset: "connection reset by server"
        }
    }
}

/// Polls `condition` until true or the timeout passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() {
            return true
        }
        usleep(2_000)
    }
    return condition()
}

/// A value shared between a test and its handler threads.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) {
        storage = Mutex(value)
    }

    var value: Value {
        storage.withLock { $0 }
    }

    func update(_ change: (inout Value) -> Void) {
        storage.withLock { change(&$0) }
    }
}

/// mkdtemp under /tmp: short enough for sun_path, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/fcgi-test-XXXXXX".utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestFailure.system("mkdtemp", errno)
        }
        path = String(cString: result)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Builds the byte stream a web server sends for one request.
enum RequestBytes {
    static func begin(id: UInt16, role: UInt16 = FastCGIBeginRequestBody.responderRole, keepConnection: Bool = true) -> [UInt8] {
        FastCGIRecord(
            type: .beginRequest,
            requestID: id,
            content: FastCGIBeginRequestBody(role: role, keepConnection: keepConnection).encoded
        ).encoded
    }

    static func params(id: UInt16, _ params: [String: String], chunkLength: Int = FastCGIRecord.alignedChunkLength) -> [UInt8] {
        let pairs = params.keys.sorted().map { FastCGINameValuePair(name: $0, value: params[$0]!) }
        var bytes: [UInt8] = []
        FastCGIRecord.encodeStream(type: .params, requestID: id, content: FastCGINameValueCoding.encode(pairs), chunkLength: chunkLength, into: &bytes)
        return bytes
    }

    static func stdin(id: UInt16, _ body: [UInt8], chunkLength: Int = FastCGIRecord.alignedChunkLength) -> [UInt8] {
        var bytes: [UInt8] = []
        FastCGIRecord.encodeStream(type: .stdin, requestID: id, content: body, chunkLength: chunkLength, into: &bytes)
        return bytes
    }

    static func request(
        id: UInt16 = 1,
        params: [String: String] = [:],
        body: [UInt8] = [],
        keepConnection: Bool = true
    ) -> [UInt8] {
        var all = params
        if all["CONTENT_LENGTH"] == nil {
            all["CONTENT_LENGTH"] = body.isEmpty ? "" : String(body.count)
        }
        return begin(id: id, keepConnection: keepConnection) + Self.params(id: id, all) + stdin(id: id, body)
    }

    static func abort(id: UInt16) -> [UInt8] {
        FastCGIRecord(type: .abortRequest, requestID: id).encoded
    }

    /// Decodes a complete byte stream into records.
    static func records(_ bytes: [UInt8]) throws -> [FastCGIRecord] {
        var decoder = FastCGIRecordDecoder()
        decoder.append(bytes)
        var records: [FastCGIRecord] = []
        while let record = try decoder.next() {
            records.append(record)
        }
        guard decoder.bufferedByteCount == 0 else {
            throw TestFailure.malformed("\(decoder.bufferedByteCount) trailing bytes")
        }
        return records
    }
}

/// A CGI response read back from STDOUT records.
struct ParsedResponse {
    var status: Int
    var headers: [FastCGIHeaderField]
    var body: [UInt8]
    var endRequest: FastCGIEndRequestBody

    var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Parses `Status: …\r\nName: value\r\n\r\nbody`.
    static func parse(stdout: [UInt8], endRequest: FastCGIEndRequestBody) throws -> ParsedResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let split = (0...max(0, stdout.count - 4)).first(where: { Array(stdout[$0..<min($0 + 4, stdout.count)]) == separator }) else {
            throw TestFailure.malformed("no header block end")
        }
        let headerText = String(decoding: stdout[..<split], as: UTF8.self)
        var status = 200
        var headers: [FastCGIHeaderField] = []
        for line in headerText.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else {
                throw TestFailure.malformed("header line \(line)")
            }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "Status" {
                status = Int(value.prefix(3)) ?? -1
            } else {
                headers.append(FastCGIHeaderField(name, value))
            }
        }
        return ParsedResponse(status: status, headers: headers, body: Array(stdout[(split + 4)...]), endRequest: endRequest)
    }
}

/// A blocking FastCGI client speaking to the server like nginx would.
final class FastCGITestClient {
    let fd: Int32
    private var decoder = FastCGIRecordDecoder()
    private var isClosed = false

    init(unixPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw TestFailure.system("socket", errno)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(unixPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw TestFailure.system("connect", code)
        }
    }

    init(tcpPort: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw TestFailure.system("socket", errno)
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = tcpPort.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw TestFailure.system("connect", code)
        }
    }

    deinit {
        close()
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR {
                    continue
                }
                throw errno == ECONNRESET ? TestFailure.reset : TestFailure.system("send", errno)
            }
            offset += sent
        }
    }

    /// The next record; nil on EOF. Throws on timeout or reset.
    func readRecord(timeout: Duration = .seconds(5)) throws -> FastCGIRecord? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let record = try decoder.next() {
                return record
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                throw TestFailure.timeout("record")
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32((remaining / .milliseconds(1)).rounded(.up)))
            if ready == 0 {
                throw TestFailure.timeout("record")
            }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 {
                return nil
            }
            if count < 0 {
                if errno == EINTR {
                    continue
                }
                throw errno == ECONNRESET ? TestFailure.reset : TestFailure.system("recv", errno)
            }
            decoder.append(buffer[0..<count])
        }
    }

    /// Reads STDOUT records up to END_REQUEST for `requestID`.
    func readResponse(requestID: UInt16 = 1, timeout: Duration = .seconds(5)) throws -> ParsedResponse {
        var stdout: [UInt8] = []
        while true {
            guard let record = try readRecord(timeout: timeout) else {
                throw TestFailure.malformed("EOF before END_REQUEST")
            }
            guard record.requestID == requestID else {
                throw TestFailure.malformed("record for request \(record.requestID)")
            }
            switch record.type {
            case .stdout:
                stdout += record.content
            case .endRequest:
                return try ParsedResponse.parse(stdout: stdout, endRequest: FastCGIEndRequestBody(decoding: record.content))
            default:
                throw TestFailure.malformed("unexpected \(record.type)")
            }
        }
    }

    func request(
        id: UInt16 = 1,
        params: [String: String] = [:],
        body: [UInt8] = [],
        keepConnection: Bool = true,
        timeout: Duration = .seconds(5)
    ) throws -> ParsedResponse {
        try send(RequestBytes.request(id: id, params: params, body: body, keepConnection: keepConnection))
        return try readResponse(requestID: id, timeout: timeout)
    }

    /// True when the server closes the connection (cleanly) within `timeout`;
    /// records arriving meanwhile are skipped.
    func waitForClose(timeout: Duration = .seconds(5)) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        do {
            while ContinuousClock.now < deadline {
                if try readRecord(timeout: deadline - ContinuousClock.now) == nil {
                    return true
                }
            }
        } catch TestFailure.timeout {
            return false
        }
        return false
    }

    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    func close() {
        if !isClosed {
            isClosed = true
            Glibc.close(fd)
        }
    }
}

/// A server on a unix socket in a fresh temporary directory.
final class TestServer {
    let directory: TemporaryDirectory
    let socketPath: String
    let server: FastCGIServer
    let logs = Shared<[FastCGILogEvent]>([])

    init(
        configure: (inout FastCGIServerConfiguration) -> Void = { _ in },
        serviceLane: FastCGIServiceLane? = nil,
        handler: @escaping @Sendable (FastCGIRequest, FastCGICancellation, FastCGIResponseWriter) -> FastCGIResponse = TestServer.echo
    ) throws {
        directory = try TemporaryDirectory()
        socketPath = directory.path + "/fcgi.sock"
        var configuration = FastCGIServerConfiguration(listen: .unix(path: socketPath), workerCount: 2)
        configure(&configuration)
        let logs = self.logs
        server = FastCGIServer(
            configuration: configuration,
            makeHandler: { _ in handler },
            serviceLane: serviceLane,
            logger: { event in logs.update { $0.append(event) } }
        )
        do {
            try server.start()
        } catch {
            directory.remove()
            throw error
        }
    }

    func connect() throws -> FastCGITestClient {
        try FastCGITestClient(unixPath: socketPath)
    }

    func shutdown() {
        server.stop(graceful: false)
        server.waitUntilStopped()
        directory.remove()
    }

    /// Answers `REQUEST_URI|body`.
    static let echo: @Sendable (FastCGIRequest, FastCGICancellation, FastCGIResponseWriter) -> FastCGIResponse = { request, _, _ in
        FastCGIResponse(
            status: 200,
            headers: [FastCGIHeaderField("Content-Type", "text/plain")],
            body: Array("\(request.params["REQUEST_URI"] ?? "")|".utf8) + request.body
        )
    }
}
