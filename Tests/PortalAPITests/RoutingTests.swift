import Foundation
import PortalAPI
import Testing
import TestSupport

@Suite struct RoutingTests {
    @Test func unknownPathIsANotFoundProblem() async throws {
        let response = try await onDedicatedThread { try APIClient().send("GET", "/api/v1/nothing-here") }
        #expect(response.status == 404)
        #expect(response.header("Content-Type") == "application/problem+json; charset=utf-8")
        #expect(response.json["code"] as? String == "not_found")
        #expect(response.json["status"] as? Int == 404)
        #expect((response.json["detail"] as? String)?.isEmpty == false)
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        let response = try await onDedicatedThread { try APIClient().send("DELETE", "/api/v1/version") }
        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET, HEAD")
        #expect(response.json["code"] as? String == "method_not_allowed")
    }

    @Test func diagnosticsDoNotExistUnlessEnabled() async throws {
        let (disabled, enabled) = try await onDedicatedThread { () -> (Int, Int) in
            (try APIClient().send("GET", "/api/v1/_diagnostics/sleep?seconds=0").status,
             try APIClient(configuration: APIConfiguration(auth: testAuth, diagnosticsEnabled: true)).send("GET", "/api/v1/_diagnostics/sleep?seconds=0").status)
        }
        #expect(disabled == 404)
        #expect(enabled == 200)
    }

    @Test(arguments: ["seconds=abc", "seconds=31", "seconds=-1", "seconds=nan", "", "seconds=1&seconds=2"])
    func diagnosticsSleepRejectsBadInput(query: String) async throws {
        let response = try await onDedicatedThread {
            try APIClient(configuration: APIConfiguration(auth: testAuth, diagnosticsEnabled: true)).send("GET", "/api/v1/_diagnostics/sleep?" + query)
        }
        #expect(response.status == 400)
        #expect(["invalid_seconds", "repeated_parameter"].contains(response.json["code"] as? String))
    }

    @Test func routerBindsParametersAndPrefersExactMethods() {
        var router = Router<String>()
        router.add("GET", "/api/v1/structures/{id}", "show")
        router.add("PUT", "/api/v1/structures/{id}", "replace")
        guard case .found(let handler, let pattern, let parameters) = router.match(method: "PUT", path: "/api/v1/structures/42") else {
            Issue.record("no match")
            return
        }
        #expect(handler == "replace")
        #expect(pattern == "/api/v1/structures/{id}")
        #expect(parameters == ["id": "42"])
        guard case .methodNotAllowed(let allowed) = router.match(method: "POST", path: "/api/v1/structures/42") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == ["GET", "PUT", "HEAD"])
        guard case .notFound = router.match(method: "GET", path: "/api/v1/structures/42/extra") else {
            Issue.record("expected 404")
            return
        }
    }

    @Test func queryParsingDecodesAndRejectsMalformedEscapes() throws {
        #expect(try APIRequest.parseQuery("q=Dupont+%C3%89loise&page=2") == ["q": ["Dupont Éloise"], "page": ["2"]])
        #expect(throws: Problem.self) { try APIRequest.parseQuery("q=%E9") } // not UTF-8
        #expect(throws: Problem.self) { try APIRequest.parseQuery("q=%4") }
    }
}
