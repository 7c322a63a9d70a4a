/// Liveness, readiness and version: what load balancers and operators poll.
enum HealthEndpoints {
    static func register(in router: inout Router<Endpoint>, configuration: APIConfiguration) {
        // Liveness never touches the database: a slow database must not get the process restarted.
        router.add("GET", "/healthz", .bare { _, _ in
            try .json(["status": "ok"])
        })
        // Readiness: exactly one round trip to PostgreSQL.
        router.add("GET", "/readyz", .bare { _, context in
            do {
                try context.database.query("SELECT 1")
            } catch {
                context.logger.warning("readiness check failed", metadata: ["error": .string(String(describing: error))])
                throw Problem.databaseUnavailable
            }
            return try .json(["status": "ready"])
        })
        router.add("GET", "/api/v1/version", .bare { _, _ in
            try .json(["name": "espace-employeur", "version": configuration.version, "api": "v1"])
        })
    }
}
