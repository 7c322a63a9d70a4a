import Foundation
import Logging
import Portal
import PortalAPI
import Postgres
import Prometheus
import Synchronization
import Testing
import TestSupport

/// Log lines as the application emits them, kept for inspection.
final class CapturedLogs: Sendable {
    private let entries = Mutex<[(message: String, metadata: Logger.Metadata)]>([])

    var logger: Logger { Logger(label: "test") { _ in CapturingLogHandler(logs: self) } }

    func append(_ message: String, _ metadata: Logger.Metadata) { entries.withLock { $0.append((message, metadata)) } }

    /// The "request" lines, each as the JSON line the responder would write (redaction included).
    var requestLines: [(metadata: Logger.Metadata, json: String)] {
        entries.withLock { $0 }.filter { $0.message == "request" }.map {
            ($0.metadata, JSONLogHandler.line(timestamp: "t", level: .info, label: "test", message: $0.message, metadata: $0.metadata))
        }
    }

    private struct CapturingLogHandler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            logs.append(event.message.description, metadata.merging(event.metadata ?? [:]) { _, new in new })
        }
    }
}

extension Logger.Metadata {
    func text(_ key: String) -> String? { self[key].map { "\($0)" } }
}

@Suite struct ObservabilityTests {
    @Test func oneLinePerRequestSaysWhoWhichStructureAndHowLongButNoSecret() async throws {
        let (lines, userID, structureID) = try await onDedicatedThread { () -> ([(metadata: Logger.Metadata, json: String)], Int64, Int64) in
            let structure = try Fixtures.structure()
            let email = Fixtures.uniqueEmail("observed")
            let principal = try Fixtures.principal(of: structure, email: email)
            let userID: Int64 = try TestCluster.connect(as: "portal_owner")
                .query("SELECT id FROM users WHERE email = $1", [email]).first!.decode(0)
            let logs = CapturedLogs()
            principal.logger = logs.logger
            #expect(try principal.send("GET", "/api/v1/structures/\(structure.id)/insured?q=DUPONTSECRETNAME").status == 200)
            let stranger = try APIClient()
            stranger.logger = logs.logger
            #expect(try stranger.send("POST", "/api/v1/session", json: ["email": email, "password": "Mauvais-Secret-2026"]).status == 401)
            #expect(try stranger.send("POST", "/api/v1/password-resets/RESETTOKENSECRET0123456789",
                                      json: ["new_password": "Autre-Secret-2026"]).status != 500)
            return (logs.requestLines, userID, structure.id)
        }
        try #require(lines.count == 3)
        let structureRead = lines[0].metadata
        #expect(structureRead.text("route") == "/api/v1/structures/{id}/insured")
        #expect(structureRead.text("status") == "200")
        #expect(structureRead.text("user_id") == String(userID))
        #expect(structureRead.text("structure_id") == String(structureID))
        #expect(structureRead.text("request_id")?.hasPrefix("test-") == true)
        let databaseMilliseconds = try #require(structureRead.text("db_ms").flatMap(Double.init))
        let totalMilliseconds = try #require(structureRead.text("duration_ms").flatMap(Double.init))
        #expect(databaseMilliseconds > 0)
        #expect(databaseMilliseconds <= totalMilliseconds)
        // A failed login has no user; the reset is logged under its route template.
        #expect(lines[1].metadata.text("user_id") == nil)
        #expect(lines[1].metadata.text("route") == "/api/v1/session")
        #expect(lines[2].metadata.text("route") == "/api/v1/password-resets/{token}")
        for line in lines {
            for secret in ["DUPONTSECRETNAME", "Mauvais-Secret-2026", "RESETTOKENSECRET", "Autre-Secret-2026", "__Host-ee_session"] {
                #expect(!line.json.contains(secret), "\(secret) in \(line.json)")
            }
        }
    }

    /// The application recording into a registry of its own, as portal-fcgi does.
    static func instrumentedClient() throws -> (APIClient, PrometheusCollectorRegistry) {
        let registry = PrometheusCollectorRegistry()
        let application = PortalApplication(configuration: APIConfiguration(auth: testAuth),
                                            metrics: RequestMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        return (APIClient(application: application, database: try TestCluster.connect(as: "portal_app")), registry)
    }

    static func sample(_ exposition: String, _ series: String) -> String? {
        exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }.map { String($0.dropFirst(series.count + 1)) }
    }

    @Test func requestsAreCountedPerRouteAndStatusWithALatencyHistogram() async throws {
        let exposition = try await onDedicatedThread { () -> String in
            let (client, registry) = try Self.instrumentedClient()
            for _ in 0..<3 { _ = try client.send("GET", "/api/v1/version") }
            _ = try client.send("GET", "/api/v1/no-such-thing/42")
            _ = try client.send("POST", "/api/v1/session", json: ["email": "not-an-address"])
            _ = try client.send("BREW", "/api/v1/version")
            _ = client.application.refuse(Problem.badRequest(code: "malformed_query", detail: "-"), method: "GET",
                                          path: "/api/v1/version", requestID: nil, logger: APIClient.logger)
            return registry.emitToString()
        }
        let version = #"{method="GET",route="/api/v1/version",status="200"}"#
        #expect(Self.sample(exposition, "portal_http_requests_total" + version) == "3")
        #expect(Self.sample(exposition, "portal_http_request_duration_seconds_count" + version) == "3")
        #expect(Self.sample(exposition, #"portal_http_request_duration_seconds_bucket{method="GET",route="/api/v1/version",status="200",le="+Inf"}"#) == "3")
        // No route: one series for every unknown path, whatever ids or tokens it carried.
        #expect(Self.sample(exposition, #"portal_http_requests_total{method="GET",route="unmatched",status="404"}"#) == "1")
        #expect(Self.sample(exposition, #"portal_http_requests_total{method="POST",route="/api/v1/session",status="422"}"#) == "1")
        // Methods outside the closed set share one label value.
        #expect(Self.sample(exposition, #"portal_http_requests_total{method="OTHER",route="unmatched",status="405"}"#) == "1")
        #expect(Self.sample(exposition, #"portal_http_requests_total{method="GET",route="/api/v1/version",status="400"}"#) == "1")
        #expect(!exposition.contains("no-such-thing"))
        #expect(!exposition.contains("BREW"))
    }

    static var sources: OperationsEndpoints.Sources { OperationsEndpoints.Sources(
        metrics: { (Array("# TYPE up gauge\nup 1\n".utf8), .milliseconds(3)) },
        status: { (json: "{\"pool\":\"p\"}\n", text: "pool: p\n") }) }

    @Test func operationsEndpointsAnswerTheirFormatsAndRefuseTheRest() throws {
        let endpoints = OperationsEndpoints(sources: Self.sources)
        let logs = CapturedLogs()
        func get(_ target: String, method: String = "GET") throws -> APIResponse {
            let parts = target.split(separator: "?", maxSplits: 1)
            return endpoints.handle(APIRequest(method: method, path: String(parts[0]),
                                               query: parts.count == 2 ? try APIRequest.parseQuery(String(parts[1])) : [:],
                                               requestID: "rid-\(target)"), logger: logs.logger)
        }
        let metrics = try get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(String(decoding: metrics.body, as: UTF8.self) == "# TYPE up gauge\nup 1\n")
        #expect(try get("/status").text == "pool: p\n")
        #expect(try get("/status?json").text == "{\"pool\":\"p\"}\n")
        #expect(try get("/status?json").header("Content-Type") == "application/json")
        #expect(try get("/status?format=json").text == "{\"pool\":\"p\"}\n")
        #expect(try get("/status?format=text").text == "pool: p\n")
        let head = try get("/status", method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty)

        #expect(try get("/status?format=xml").problemCode == "validation_failed")
        #expect(try get("/metrics?debug=1").status == 422)
        let post = try get("/metrics", method: "POST")
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET, HEAD")
        #expect(try get("/api/v1/version").status == 404)

        let lines = logs.requestLines
        #expect(lines.count == 11)
        #expect(lines[0].metadata.text("route") == "/metrics")
        #expect(lines[0].metadata.text("db_ms") == "3.0")
        #expect(lines[0].metadata.text("request_id") == "rid-/metrics")
    }

    /// A scratch database with the migrations, its outbox and batch registry filled by the owner.
    static func withOperations<T>(_ body: (String) throws -> T) throws -> T {
        let migrations = try Migration.load(from: try TestCluster.migrationsDirectory)
        return try TestCluster.withScratchDatabase { database in
            let owner = try TestCluster.connect(as: "portal_owner", database: database)
            try MigrationRunner(connection: owner).apply(migrations)
            for index in 0..<4 {
                try MailOutbox.enqueue(MailMessage(recipient: "r\(index)@example.fr", subject: "s", body: "b"), on: owner)
            }
            try owner.execute("UPDATE mail_outbox SET status = 'sent', sent_at = now() WHERE id = (SELECT min(id) FROM mail_outbox)")
            try owner.execute("UPDATE mail_outbox SET created_at = now() - interval '10 minutes' WHERE id = (SELECT max(id) FROM mail_outbox)")
            try owner.executeScript("""
                INSERT INTO batch_files (batch_id, file_type, file_name, sha256, size_bytes, status, items_loaded, items_rejected, processed_at)
                VALUES ('IJ1', 'IJ', 'a', decode(repeat('ab', 32), 'hex'), 1, 'loaded', 10, 0, now() - interval '2 days'),
                       ('IJ2', 'IJ', 'b', decode(repeat('cd', 32), 'hex'), 1, 'rejected', 0, 0, '2030-01-02T03:04:05Z'),
                       ('AF1', 'AFF', 'c', decode(repeat('ef', 32), 'hex'), 1, 'loaded', 7, 2, now() - interval '1 day'),
                       (NULL, NULL, 'd', decode(repeat('01', 32), 'hex'), 1, 'rejected', 0, 0, now() - interval '3 days');
                """)
            return try body(database)
        }
    }

    @Test func theProbeReadsTheBacklogAndLatestBatchesAsTheResponderRole() async throws {
        let snapshot = try await onDedicatedThread {
            try Self.withOperations { database in
                try OperationsProbe.read(on: try TestCluster.connect(as: "portal_app", database: database))
            }
        }
        #expect(snapshot.pendingMail == 3)
        #expect((snapshot.oldestPendingMailSeconds ?? 0) >= 600)
        #expect(snapshot.lastBatches.map(\.fileType) == ["AFF", "IJ", "unknown"])
        #expect(snapshot.lastBatches.map(\.outcome) == [.partial, .rejected, .rejected])
        #expect(snapshot.lastBatches[0].itemsLoaded == 7 && snapshot.lastBatches[0].itemsRejected == 2)
        #expect(snapshot.lastBatches[1].processedAt == ISO8601DateFormatter().date(from: "2030-01-02T03:04:05Z"))
    }

    @Test func theResponderRoleGetsAggregatesOnlyNotTheTables() async throws {
        // portal_app may only insert into the outbox, and has no access to the registry.
        let states = try await onDedicatedThread { () -> [String?] in
            try Self.withOperations { database in
                let app = try TestCluster.connect(as: "portal_app", database: database)
                return ["SELECT count(*) FROM mail_outbox", "SELECT count(*) FROM batch_files"].map { sql in
                    do {
                        _ = try app.query(sql)
                        return nil
                    } catch let error as PostgresError {
                        return error.sqlState
                    } catch {
                        return "?"
                    }
                }
            }
        }
        #expect(states == ["42501", "42501"])
    }
}
