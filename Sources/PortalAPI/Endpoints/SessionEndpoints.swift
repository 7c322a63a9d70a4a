import Portal

/// Login, logout and the forgotten-password flow (guide ch. 02).
enum SessionEndpoints {
    static func register(in router: inout Router<Endpoint>) {
        router.add("POST", "/api/v1/session", .transactional { request, context in
            let body = try JSONBody(request, allowed: ["email", "password"])
            let email = body.string("email", required: true, maxLength: 254)
            let password = body.string("password", required: true, maxLength: 1024)
            try body.finish()
            guard let email, let password else { throw Problem.validation(body.issues) }
            let service = SessionService(connection: context.database, settings: context.auth, origin: context.origin)
            let issued = try service.login(email: email, password: password)
            context.observation.userID = issued.userID
            return try sessionResponse(issued, context: context)
        })

        router.add("DELETE", "/api/v1/session", Guards.authenticated(allowWhilePasswordChangeRequired: true, audience: .anyAccount) { _, context, caller in
            try SessionService(connection: context.database, settings: context.auth, origin: context.origin).logout(caller.session)
            return APIResponse(status: 204, headers: [SessionCookie.clear, APIResponse.Header("Cache-Control", "no-store")])
        })

        router.add("POST", "/api/v1/password-resets", .transactional { request, context in
            let body = try JSONBody(request, allowed: ["email"])
            let email = body.string("email", required: true, maxLength: 254)
            try body.finish()
            guard let email else { throw Problem.validation(body.issues) }
            try SessionService(connection: context.database, settings: context.auth, origin: context.origin)
                .requestPasswordReset(email: email)
            // Same status, body and (near) timing whether the address has an account or not.
            return try .json(["status": "accepted",
                              "detail": "Si un compte existe pour cette adresse, un e-mail de réinitialisation vient d'être envoyé."],
                             status: 202)
        })

        router.add("POST", "/api/v1/password-resets/{token}", .transactional { request, context in
            let body = try JSONBody(request, allowed: ["new_password"])
            let password = body.string("new_password", required: true, maxLength: 1024)
            try body.finish()
            guard let password, let token = context.parameters["token"] else { throw Problem.validation(body.issues) }
            try SessionService(connection: context.database, settings: context.auth, origin: context.origin)
                .completePasswordReset(token: token, newPassword: password)
            return APIResponse(status: 204, headers: [APIResponse.Header("Cache-Control", "no-store")])
        })
    }

    struct SessionBody: Encodable {
        let user: Profile
        let structures: [StructureDirectory.Membership]
        let defaultStructureID: Int64?
        let mustChangePassword: Bool
        let csrfToken: String

        enum CodingKeys: String, CodingKey {
            case user, structures
            case defaultStructureID = "default_structure_id"
            case mustChangePassword = "must_change_password"
            case csrfToken = "csrf_token"
        }
    }

    /// The user, their structures with rights, the default structure and the CSRF token.
    static func sessionBody(userID: Int64, sessionToken: String, context: RequestContext) throws -> SessionBody {
        let profile = try Profile.load(userID: userID, on: context.database)
        let memberships = try StructureDirectory.memberships(userID: userID, on: context.database)
        return SessionBody(user: profile, structures: memberships,
                           defaultStructureID: StructureDirectory.effectiveDefault(in: memberships),
                           mustChangePassword: profile.mustChangePassword,
                           csrfToken: Secrets.csrfToken(forSession: sessionToken))
    }

    /// A new session: the cookie, and the body the portal starts from.
    static func sessionResponse(_ issued: SessionService.IssuedSession, context: RequestContext) throws -> APIResponse {
        var response = try APIResponse.json(sessionBody(userID: issued.userID, sessionToken: issued.token, context: context))
        response.headers.append(SessionCookie.set(issued.token, maxAgeSeconds: context.auth.sessionAbsoluteSeconds))
        return response
    }
}
