/// Test-only endpoints, registered only when diagnostics are enabled in the configuration.
enum DiagnosticsEndpoints {
    static let maximumSleep = 30.0

    static func register(in router: inout Router<Endpoint>) {
        // A long query that a client can walk away from: proves that cancellation reaches PostgreSQL.
        router.add("GET", "/api/v1/_diagnostics/sleep", .transactional { request, context in
            guard let text = try request.queryValue("seconds"), let seconds = Double(text), seconds.isFinite,
                  (0...maximumSleep).contains(seconds) else {
                throw Problem.badRequest(code: "invalid_seconds", detail: "Le paramètre « seconds » doit être compris entre 0 et 30.")
            }
            try context.database.query("SELECT pg_sleep($1)", [seconds])
            return try .json(["slept": seconds])
        })
    }
}
