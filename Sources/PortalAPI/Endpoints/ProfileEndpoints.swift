import Portal

/// "Mes informations": the signed-in user's profile, password, default structure and history.
enum ProfileEndpoints {
    static func register(in router: inout Router<Endpoint>) {
        router.add("GET", "/api/v1/me", Guards.authenticated(allowWhilePasswordChangeRequired: true, audience: .anyAccount) { _, context, caller in
            try .json(SessionEndpoints.sessionBody(userID: caller.userID, sessionToken: caller.sessionToken, context: context))
        })

        router.add("PATCH", "/api/v1/me", Guards.authenticated { request, context, caller in
            let body = try JSONBody(request, allowed: ["landline_phone", "mobile_phone", "job_title"])
            var changes = Profile.Changes()
            for key in ["landline_phone", "mobile_phone"] {
                guard let change = body.optionalStringChange(key, maxLength: 60) else { continue }
                switch FieldRules.phone(change, field: key) {
                case .success(let value):
                    if key == "landline_phone" { changes.landlinePhone = .some(value) } else { changes.mobilePhone = .some(value) }
                case .failure(let issue):
                    body.record(issue)
                }
            }
            if let change = body.optionalStringChange("job_title", maxLength: 200) {
                if let title = change {
                    switch FieldRules.text(title, field: "job_title", maxLength: 100, label: "La fonction") {
                    case .success(let value): changes.jobTitle = .some(value)
                    case .failure(let issue): body.record(issue)
                    }
                } else {
                    changes.jobTitle = .some(nil)
                }
            }
            try body.finish()
            try Profile.update(userID: caller.userID, changes, origin: context.origin, on: context.database)
            return try .json(Profile.load(userID: caller.userID, on: context.database))
        })

        router.add("POST", "/api/v1/me/password", Guards.authenticated(allowWhilePasswordChangeRequired: true, audience: .anyAccount) { request, context, caller in
            let body = try JSONBody(request, allowed: ["current_password", "new_password"])
            let current = body.string("current_password", required: true, maxLength: 1024)
            let new = body.string("new_password", required: true, maxLength: 1024)
            try body.finish()
            guard let current, let new else { throw Problem.validation(body.issues) }
            let issued = try SessionService(connection: context.database, settings: context.auth, origin: context.origin)
                .changePassword(caller.session, current: current, new: new)
            return try SessionEndpoints.sessionResponse(issued, context: context)
        })

        router.add("PUT", "/api/v1/me/default-structure", Guards.authenticated { request, context, caller in
            let body = try JSONBody(request, allowed: ["structure_id"])
            let structureID = body.integer("structure_id", required: true)
            try body.finish()
            guard let structureID else { throw Problem.validation(body.issues) }
            do {
                try StructureDirectory.setDefault(userID: caller.userID, structureID: structureID, origin: context.origin,
                                                  on: context.database)
            } catch AccessContext.Denial.invisible {
                throw Problem.validation([ValidationIssue(field: "structure_id", code: "unknown_structure",
                                                          message: "Cette structure ne fait pas partie de vos structures.")])
            }
            return try .json(StructureDirectory.memberships(userID: caller.userID, on: context.database))
        })

        router.add("GET", "/api/v1/me/history", Guards.authenticated { request, context, caller in
            let query = QueryParameters(request, allowed: ["page", "page_size"])
            let page = query.page()
            try query.finish()
            return try .json(AuditTrail.history(.actor(caller.userID), page: page, on: context.database))
        })
    }
}
