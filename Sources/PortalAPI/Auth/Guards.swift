import Portal
import Postgres

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
            let token = SessionCookie.value(in: request)
            let session = try token.flatMap {
                try SessionService(connection: context.database, settings: context.auth, origin: context.origin).resolve(token: $0)
            }
            let caller = try admit(session, token: token, request: request, context: context, audience: audience,
                                   allowWhilePasswordChangeRequired: allowWhilePasswordChangeRequired)
            return try body(request, context, caller)
        }
    }

    /// The checks of `authenticated` on a resolved session (nil: none), in their order.
    private static func admit(_ session: SessionService.ResolvedSession?, token: String?, request: APIRequest,
                              context: RequestContext, audience: Audience, allowWhilePasswordChangeRequired: Bool) throws -> Caller {
        guard let session, let token else { throw Problem.unauthenticated }
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
        return Caller(session: session, sessionToken: token)
    }

    /// Under `/api/v1/structures/{id}`: the caller's access to that structure is resolved once.
    /// A structure the caller cannot see is a 404 (existence does not leak), a missing right a 403.
    /// The access is read in the same round trip as the session (for the session's user); the
    /// checks still come in the order of `authenticated`, then the structure's.
    static func structure(_ right: Right?, principalOnly: Bool = false,
                          _ body: @escaping @Sendable (APIRequest, RequestContext, Caller, AccessContext) throws -> APIResponse) -> Endpoint {
        structure(right, principalOnly: principalOnly, prefetching: { _, _ in [] }) { request, context, caller, access, _ in
            try body(request, context, caller, access)
        }
    }

    /// `structure`, with the endpoint's own statements sent in that same round trip, after the access
    /// query, and the transaction's COMMIT after them: a read that needs nothing but the request
    /// makes one round trip in all. They run as the session's user, under row-level security,
    /// whatever the checks decide next; their results reach `body` only once every check passed.
    /// With them, `body` runs after the commit and may not run statements (the connection refuses);
    /// what a refused request commits is the session's last-seen time, at most once a minute, as a
    /// granted one does. `prefetch` returns none when it cannot build them (a malformed id or
    /// filter, an export: `body` handles the request then, after the checks, in the transaction as
    /// usual), and `body` gets an empty array.
    static func structure(_ right: Right?, principalOnly: Bool = false,
                          prefetching prefetch: @escaping @Sendable (APIRequest, RequestContext) -> [(sql: String, binds: [any PostgresBindable])],
                          _ body: @escaping @Sendable (APIRequest, RequestContext, Caller, AccessContext, [PostgresResult]) throws
                              -> APIResponse) -> Endpoint {
        .transactional { request, context in
            let token = SessionCookie.value(in: request)
            let requested = try? context.id("id")
            var session: SessionService.ResolvedSession?
            var accessRows: PostgresResult?
            var prefetched: [PostgresResult] = []
            if let token {
                let sessions = SessionService(connection: context.database, settings: context.auth, origin: context.origin)
                if let requested {
                    let own = prefetch(request, context)
                    let found = try sessions.resolve(token: token, then: [AccessContext.sessionUserQuery(structureID: requested)] + own,
                                                     commit: !own.isEmpty)
                    (session, accessRows) = (found?.session, found?.rows.first)
                    prefetched = Array(found?.rows.dropFirst() ?? [])
                } else {
                    session = try sessions.resolve(token: token)
                }
            }
            let caller = try admit(session, token: token, request: request, context: context, audience: .employer,
                                   allowWhilePasswordChangeRequired: false)
            // A malformed structure id is refused only now, after the session checks.
            let structureID = try context.id("id")
            // The structure asked for, even when refused: probing for others' structures shows in the logs.
            context.observation.structureID = structureID
            // With a session and a well-formed id, the access rows came with the session.
            guard let accessRows else { throw AccessContext.Denial.invisible }
            let access = try AccessContext.from(accessRows, userID: caller.userID, structureID: structureID)
            if let right { try access.require(right) }
            if principalOnly { try access.requirePrincipal() }
            return try body(request, context, caller, access, prefetched)
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
