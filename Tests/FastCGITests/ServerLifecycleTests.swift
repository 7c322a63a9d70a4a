import Dispatch
import FastCGI
import Foundation
import Glibc
import Testing

extension ServerTests {
    @Test func gracefulStopFinishesTheInFlightRequestThenStops() throws {
        let gate = DispatchSemaphore(value: 0)
        let test = try TestServer { $0.drainTimeout = .seconds(10) } handler: { _, cancellation, _ in
            gate.wait()
            return FastCGIResponse(status: 200, body: Array("finished cancelled=\(cancellation.isCancelled)".utf8))
        }
        defer { test.shutdown() }
        let client = try test.connect()
        try client.send(RequestBytes.request(params: ["REQUEST_URI": "/slow"]))
        #expect(eventually { test.server.stats.busyWorkers == 1 })

        test.server.stop(graceful: true)
        // No longer accepting: the socket file goes away.
        #expect(eventually { access(test.socketPath, F_OK) != 0 })
        #expect(throws: (any Error).self) { try test.connect() }

        let stopped = Shared(false)
        let server = test.server
        DispatchQueue.global().async {
            server.waitUntilStopped()
            stopped.update { $0 = true }
        }
        usleep(100_000)
        #expect(!stopped.value) // still draining the in-flight request

        gate.signal()
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "finished cancelled=false")
        #expect(try client.waitForClose(timeout: .seconds(3)))
        #expect(eventually { stopped.value })
    }

    @Test func gracefulStopGivesUpAfterTheDrainTimeoutAndCancels() throws {
        let cancelled = DispatchSemaphore(value: 0)
        let test = try TestServer { $0.drainTimeout = .milliseconds(300) } handler: { _, cancellation, _ in
            cancellation.onCancel { cancelled.signal() }
            _ = eventually(timeout: .seconds(10)) { cancellation.isCancelled }
            return FastCGIResponse(status: 200)
        }
        defer { test.shutdown() }
        let client = try test.connect()
        try client.send(RequestBytes.request())
        #expect(eventually { test.server.stats.busyWorkers == 1 })
        test.server.stop(graceful: true)
        #expect(cancelled.wait(timeout: .now() + 5) == .success)
        test.server.waitUntilStopped()
        #expect(!test.server.isRunning)
    }

    @Test func staleSocketFileIsReplaced() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/stale.sock"
        // A socket file nobody listens on, as left by a crashed process.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        close(fd)
        #expect(access(path, F_OK) == 0)

        let server = FastCGIServer(configuration: FastCGIServerConfiguration(listen: .unix(path: path), workerCount: 1), makeHandler: { _ in TestServer.echo })
        try server.start()
        let client = try FastCGITestClient(unixPath: path)
        #expect(try client.request(params: ["REQUEST_URI": "/fresh"]).bodyText == "/fresh|")
        server.stop(graceful: false)
        server.waitUntilStopped()
        // We created this one, so we remove it.
        #expect(access(path, F_OK) != 0)
    }

    @Test func liveSocketIsRefusedAndLeftAlone() throws {
        let first = try TestServer()
        defer { first.shutdown() }
        let second = FastCGIServer(
            configuration: FastCGIServerConfiguration(listen: .unix(path: first.socketPath), workerCount: 1),
            makeHandler: { _ in TestServer.echo }
        )
        #expect(throws: FastCGIServerError.addressInUse(first.socketPath)) {
            try second.start()
        }
        second.waitUntilStopped() // never started: returns at once
        let client = try first.connect()
        #expect(try client.request(params: ["REQUEST_URI": "/first"]).bodyText == "/first|")
    }

    @Test func pathThatIsNotASocketIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/file"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8)))
        let server = FastCGIServer(configuration: FastCGIServerConfiguration(listen: .unix(path: path)), makeHandler: { _ in TestServer.echo })
        #expect(throws: FastCGIServerError.pathIsNotASocket(path)) {
            try server.start()
        }
        #expect(FileManager.default.contents(atPath: path) == Data("keep me".utf8))
    }

    @Test func socketIsCreatedWithMode0660() throws {
        let test = try TestServer()
        defer { test.shutdown() }
        var info = stat()
        #expect(lstat(test.socketPath, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o7777 == 0o660)
    }

    /// A group other than ours, so a successful chgrp is observable; chgrp to it needs root.
    static var otherGroupAvailable: Bool {
        guard getuid() == 0, let entry = getgrnam("nogroup") ?? getgrnam("daemon") else { return false }
        return entry.pointee.gr_gid != getgid()
    }

    // Skipped (and reported as such) where it cannot check anything, rather than passing empty.
    @Test(.enabled(if: ServerTests.otherGroupAvailable, "needs root and a group other than ours"))
    func socketModeAndGroupAreApplied() throws {
        let entry = try #require(getgrnam("nogroup") ?? getgrnam("daemon"))
        let name = String(cString: entry.pointee.gr_name)
        let gid = entry.pointee.gr_gid
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/g.sock"
        let server = FastCGIServer(
            configuration: FastCGIServerConfiguration(listen: .unix(path: path, mode: 0o600, group: name), workerCount: 1),
            makeHandler: { _ in TestServer.echo }
        )
        try server.start()
        defer {
            server.stop(graceful: false)
            server.waitUntilStopped()
        }
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o600)
        #expect(info.st_gid == gid)
    }

    @Test func unknownGroupIsAClearError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = FastCGIServer(
            configuration: FastCGIServerConfiguration(listen: .unix(path: directory.path + "/s", group: "no-such-group-fcgi")),
            makeHandler: { _ in TestServer.echo }
        )
        #expect(throws: FastCGIServerError.unknownGroup("no-such-group-fcgi")) {
            try server.start()
        }
        #expect(access(directory.path + "/s", F_OK) != 0)
    }

    @Test func immediateStopCancelsRunningRequests() throws {
        let cancelled = DispatchSemaphore(value: 0)
        let test = try TestServer(handler: { _, cancellation, _ in
            cancellation.onCancel { cancelled.signal() }
            _ = eventually(timeout: .seconds(10)) { cancellation.isCancelled }
            return FastCGIResponse(status: 200)
        })
        defer { test.shutdown() }
        let client = try test.connect()
        try client.send(RequestBytes.request())
        #expect(eventually { test.server.stats.busyWorkers == 1 })
        test.server.stop(graceful: false)
        #expect(cancelled.wait(timeout: .now() + 2) == .success)
        test.server.waitUntilStopped()
        #expect(try client.waitForClose(timeout: .seconds(1)))
    }

    @Test func stopSignalTriggersAGracefulStop() throws {
        let test = try TestServer()
        defer { test.shutdown() }
        // SIGUSR2 stands in for SIGTERM so the test process itself is never at risk.
        test.server.installSignalHandlers([SIGUSR2])
        let client = try test.connect()
        #expect(try client.request(params: ["REQUEST_URI": "/before"]).status == 200)
        kill(getpid(), SIGUSR2)
        let stopped = Shared(false)
        let server = test.server
        DispatchQueue.global().async {
            server.waitUntilStopped()
            stopped.update { $0 = true }
        }
        #expect(eventually { stopped.value })
        #expect(try client.waitForClose(timeout: .seconds(1)))
        #expect(test.logs.value.contains { $0.message == "stop signal received" && $0.fields["graceful"] == "true" })
    }
}
