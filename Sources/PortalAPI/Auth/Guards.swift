import Portal

/// The signed-in user of a request.
struct Caller {
    let session: SessionService.ResolvedSession
    let sessionToken: String
    var userID: Int64 { session.userID }
    var kind: AccountKind { session.kind }
}

/// Which accounts an endpoint serves. Employers' endpoints refuse staff and the back-office
/// refuses employers, whatever their rights; account endpoints (session, profile, password)
/// serve both.
enum Audience: Sendable {
    case employer
    case staff
    case anyAccount
}

extension Problem {
    static let staffAccount = Problem(status: 403, code: "staff_account", title: "Forbidden",
                                      detail: "Les comptes OCSO n'ont accès qu'au back-office.")
    static let backOfficeOnly = Problem(status: 403, code: "backoffice_only", title: "Forbidden",
                                        detail: "Cette fonction est réservée aux équipes OCSO.")
}

/// Wrappers that run before a handler: a live session, the CSRF token on state-changing
/// requests, the forced password change, and per-structure access.
enum Guards {
    static let stateChangingMethods: Set<String> = ["POST", "PUT", "PATCH", "DELETE"]

    /// Needs a live session (401 otherwise). State-changing requests need the session's CSRF token
    /// in `X-CSRF-Token` (403). Staff reach only staff endpoints (403 `staff_account` elsewhere),
    /// employers only employer endpoints (403 `backoffice_only` in the back-office). While the
    /// temporary password is not changed, only the endpoints that allow it answer (403
    /// `password_change_required`).
    /// `audience` is employers unless said otherwise: the account endpoints every kind of user
    /// needs (session, profile, password) pass `.anyAccount`, the back-office `.staff`.
    static func authenticated(allowWhilePasswordChangeRequired: Bool = false, audience: Audience = .employer,
                              _ body: @escaping @Sendable (APIRequest, RequestContext, Caller) throws -> APIResponse) -> Endpoint {
        .transactional { request, context in
            guard let token = SessionCookie.value(in: request),
                  let session = try SessionService(connection: context.database, settings: context.auth, origin: context.origin)
                      .resolve(token: token) else {
                throw Problem.unauthenticated
            }
            context.observation.userID = session.userID
            if stateChangingMethods.contains(request.method), !session.acceptsCSRFToken(request.header("x-csrf-token")) {
                throw Problem.csrfRejected
            }
            switch (audience, session.kind) {
            case (.employer, .staff): throw Problem.staffAccount
            case (.staff, .employer): throw Problem.backOfficeOnly
            default: break
            }
            if session.mustChangePassword, !allowWhilePasswordChangeRequired {
                throw Problem.passwordChangeRequired
            }
            return try body(request, context, Caller(session: session, sessionToken: token))
        }
    }

    /// Under `/api/v1/structures/{id}`: the caller's access to that structure is resolved once.
    /// A structure the caller cannot see is a 404 (existence does not leak), a missing right a 403.
    static func structure(_ right: Right?, principalOnly: Bool = false,
                          _ body: @escaping @Sendable (APIRequest, RequestContext, Caller, AccessContext) throws -> APIResponse) -> Endpoint {
        authenticated { request, context, caller in
            let structureID = try context.id("id")
            // The structure asked for, even when refused: probing for others' structures shows in the logs.
            context.observation.structureID = structureID
            let access = try AccessContext.resolve(userID: caller.userID, structureID: structureID, on: context.database)
            if let right { try access.require(right) }
            if principalOnly { try access.requirePrincipal() }
            return try body(request, context, caller, access)
        }
    }

    /// Back-office endpoints: a staff member with their teams.
    static func staff(_ body: @escaping @Sendable (APIRequest, RequestContext, Caller, StaffMember) throws -> APIResponse) -> Endpoint {
        authenticated(audience: .staff) { request, context, caller in
            guard let member = try StaffMember.load(userID: caller.userID, on: context.database) else { throw Problem.backOfficeOnly }
            return try body(request, context, caller, member)
        }
    }
}
