import Foundation
import PortalAPI
import Testing
import TestSupport

@Suite struct HealthEndpointTests {
    @Test func livenessNeedsNoDatabaseAnswer() async throws {
        let response = try await onDedicatedThread { try APIClient().send("GET", "/healthz") }
        #expect(response.status == 200)
        #expect(response.json["status"] as? String == "ok")
        #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        #expect(response.header("Cache-Control") == "no-store")
    }

    @Test func readinessMakesOneRoundTrip() async throws {
        let response = try await onDedicatedThread { try APIClient().send("GET", "/readyz") }
        #expect(response.status == 200)
        #expect(response.json["status"] as? String == "ready")
    }

    @Test func readinessReportsAnUnreachableDatabaseAs503() async throws {
        let response = try await onDedicatedThread { () -> APIResponse in
            // A role that can log in once, then no more: its connection breaks and cannot come back.
            let role = "probe_" + UUID().uuidString.prefix(8).lowercased()
            let admin = try TestCluster.connectAsSuperuser()
            try admin.executeScript("CREATE ROLE \(role) LOGIN")
            defer { _ = try? admin.executeScript("DROP ROLE IF EXISTS \(role)") }
            let client = APIClient(application: PortalApplication(configuration: APIConfiguration(auth: testAuth)),
                                   database: try TestCluster.connect(as: role))
            try admin.executeScript("ALTER ROLE \(role) NOLOGIN")
            try admin.query("SELECT pg_terminate_backend($1::int4)", [client.database.backendPID!])
            Thread.sleep(forTimeInterval: 0.2)
            return try client.send("GET", "/readyz")
        }
        #expect(response.status == 503)
        #expect(response.json["code"] as? String == "database_unavailable")
        #expect(response.header("Retry-After") == "5")
    }

    @Test func versionNamesTheAPI() async throws {
        let response = try await onDedicatedThread { try APIClient().send("GET", "/api/v1/version") }
        #expect(response.status == 200)
        #expect(response.json["api"] as? String == "v1")
        #expect(response.json["version"] as? String == PortalVersion.current)
    }

    @Test func headGetsHeadersWithoutABody() async throws {
        let response = try await onDedicatedThread { try APIClient().send("HEAD", "/healthz") }
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
    }
}
