import Portal

/// "Gestion des utilisateurs" (guide ch. 09), for principal users.
enum UserEndpoints {
    static func register(in router: inout Router<Endpoint>) {
        router.add("GET", "/api/v1/users", Guards.authenticated { _, context, caller in
            try .json(administration(context, caller).users())
        })

        router.add("POST", "/api/v1/users", Guards.authenticated { request, context, caller in
            let body = try JSONBody(request, allowed: ["last_name", "first_name", "landline_phone", "mobile_phone", "job_title",
                                                       "email", "grants"])
            let identity = IdentityInput.read(from: body, jobTitleRequired: false)
            let grants = readGrants(body)
            try body.finish()
            guard let identity, let grants else { throw Problem.validation(body.issues) }
            let created = try administration(context, caller).createDelegatedUser(identity, grants: grants)
            let user = try administration(context, caller).users().first { $0.id == created.userID }
            return try .json(user, status: created.newAccount ? 201 : 200)
        })

        router.add("PUT", "/api/v1/users/{id}/grants/{structure_id}", Guards.authenticated { request, context, caller in
            let body = try JSONBody(request, allowed: ["rights"])
            let values = body.array("rights", required: true, maxCount: Right.allCases.count * 2)
            let rights = values.flatMap { parseRights($0, field: "rights", into: body) }
            try body.finish()
            guard let rights else { throw Problem.validation(body.issues) }
            let userID = try context.id("id")
            try administration(context, caller).setGrant(userID: userID, structureID: try context.id("structure_id"), rights: rights)
            return try .json(administration(context, caller).users().first { $0.id == userID })
        })

        router.add("DELETE", "/api/v1/users/{id}/grants/{structure_id}", Guards.authenticated { _, context, caller in
            try administration(context, caller).revoke(userID: try context.id("id"), structureID: try context.id("structure_id"))
            return APIResponse(status: 204, headers: [APIResponse.Header("Cache-Control", "no-store")])
        })
    }

    static func administration(_ context: RequestContext, _ caller: Caller) -> UserAdministration {
        UserAdministration(connection: context.database, settings: context.auth, origin: context.origin, principalID: caller.userID)
    }

    /// `grants: [{structure_id, rights: [...]}]`, at least one, each structure once.
    static func readGrants(_ body: JSONBody) -> [Int64: Set<Right>]? {
        guard let values = body.array("grants", required: true, maxCount: 200) else { return nil }
        var grants: [Int64: Set<Right>] = [:]
        for value in values {
            guard case .object(let fields) = value, Set(fields.keys).isSubset(of: ["structure_id", "rights"]),
                  case .number(let number)? = fields["structure_id"], number.rounded() == number, number > 0, number < 9e15,
                  case .array(let names)? = fields["rights"] else {
                body.record(ValidationIssue(field: "grants", code: "invalid_grant",
                                            message: "Chaque accès doit indiquer « structure_id » et la liste « rights »."))
                return nil
            }
            guard let rights = parseRights(names, field: "grants", into: body) else { return nil }
            guard grants.updateValue(rights, forKey: Int64(number)) == nil else {
                body.record(ValidationIssue(field: "grants", code: "duplicate_structure", message: "Une structure apparaît deux fois."))
                return nil
            }
        }
        if grants.isEmpty {
            body.record(ValidationIssue(field: "grants", code: "required", message: "Indiquez au moins une structure."))
            return nil
        }
        return grants
    }
}
