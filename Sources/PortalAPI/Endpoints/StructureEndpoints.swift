import Portal

/// "Mes structures" and the structure-scoped endpoints of this layer (guide ch. 04 and 09).
enum StructureEndpoints {
    static func register(in router: inout Router<Endpoint>) {
        router.add("GET", "/api/v1/structures", Guards.authenticated { _, context, caller in
            try .json(StructureDirectory.memberships(userID: caller.userID, on: context.database))
        })

        // A principal attaches another structure with its three security fields.
        router.add("POST", "/api/v1/structures", Guards.authenticated { request, context, caller in
            let body = try JSONBody(request, allowed: ["client_number", "siren", "security_code"])
            let fields = AccountEndpoints.securityFields(from: body)
            try body.finish()
            guard let fields else { throw Problem.validation(body.issues) }
            let service = AccountService(connection: context.database, settings: context.auth, origin: context.origin)
            let structureID: Int64
            do {
                structureID = try service.attachStructure(fields, userID: caller.userID)
            } catch AccountFailure.notAdministered {
                throw ProblemMapping.problem(for: AccessContext.Denial.principalOnly)
            }
            let memberships = try StructureDirectory.memberships(userID: caller.userID, on: context.database)
            guard let attached = memberships.first(where: { $0.id == structureID }) else { throw Problem.internalError }
            return try .json(attached, status: 201)
        })

        router.add("GET", "/api/v1/structures/{id}", Guards.structure(.company) { _, context, _, access in
            try .json(StructureDirectory.details(access, on: context.database))
        })

        router.add("GET", "/api/v1/structures/{id}/history", Guards.structure(nil, principalOnly: true) { request, context, _, access in
            let query = QueryParameters(request, allowed: ["page", "page_size"])
            let page = query.page()
            try query.finish()
            return try .json(AuditTrail.history(.structure(access.structureID), page: page, on: context.database))
        })
    }
}
