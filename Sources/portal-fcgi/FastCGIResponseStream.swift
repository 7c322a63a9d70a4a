import FastCGI
import PortalAPI

/// The API's response stream over FastCGI: the head and each chunk go out as STDOUT records,
/// with the server's backpressure (a slow client slows the export, memory stays bounded).
final class FastCGIResponseStream: ResponseStream {
    private let writer: FastCGIResponseWriter

    init(writer: FastCGIResponseWriter) {
        self.writer = writer
    }

    var started: Bool { writer.headSent }

    func start(status: Int, headers: [APIResponse.Header]) throws {
        try writer.sendHead(status: status, headers: headers.map { FastCGIHeaderField(name: $0.name, value: $0.value) })
    }

    func write(_ bytes: [UInt8]) throws {
        try writer.write(bytes)
    }
}
