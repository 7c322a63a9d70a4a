import Postgres

/// Login, session lookup, logout and password changes (guide ch. 02). Session and CSRF tokens
/// are random 256-bit values; only their SHA-256 is stored.
public struct SessionService {
    let connection: PostgresConnection
    let settings: AuthSettings
    let origin: RequestOrigin

    public init(connection: PostgresConnection, settings: AuthSettings, origin: RequestOrigin) {
        self.connection = connection
        self.settings = settings
        self.origin = origin
    }

    /// What the browser receives at login and at password change.
    public struct IssuedSession: Sendable {
        public let userID: Int64
        public let token: String
        public let csrfToken: String
        public let mustChangePassword: Bool
    }

    /// A live session found from its cookie. `app.user_id` is set for the rest of the transaction.
    public struct ResolvedSession: Sendable {
        public let userID: Int64
        public let tokenDigest: [UInt8]
        public let csrfTokenDigest: [UInt8]
        public let mustChangePassword: Bool
        public let kind: AccountKind

        /// Constant-time comparison of the header's token with the session's.
        public func acceptsCSRFToken(_ token: String?) -> Bool {
            guard let token, Secrets.isWellFormedToken(token) else { return false }
            return Sodium.constantTimeEqual(Secrets.digest(ofToken: token), csrfTokenDigest)
        }
    }

    public func login(email rawEmail: String, password: String) throws -> IssuedSession {
        // A malformed address goes through the same steps: it simply matches no account.
        let email = FieldRules.normalizedEmail(rawEmail) ?? rawEmail.lowercased().prefix(codePoints: 254)
        let candidate = try connection.query("SELECT user_id, password_hash, locked_seconds FROM auth_login_candidate($1)", [email]).first!
        if let lockedSeconds: Int = try candidate.decode("locked_seconds") {
            try AuditTrail.record("session.login", outcome: .failure, actor: nil,
                                  details: ["reason": "locked", "email": email], origin: origin, on: connection)
            throw AccountFailure.loginLocked(retryAfterSeconds: lockedSeconds)
        }
        let userID: Int64? = try candidate.decode("user_id")
        let storedHash: String? = try candidate.decode("password_hash")
        let passwordMatches = settings.hasher.verify(password, against: storedHash ?? settings.timingDummyHash) && storedHash != nil
        guard passwordMatches, let userID else {
            let lockSeconds: Int? = try connection.query("SELECT auth_register_login_failure($1, $2, $3, $4)",
                                                         [email, settings.lockoutThreshold, settings.lockoutBaseSeconds,
                                                          settings.lockoutMaxSeconds]).first!.decode(0)
            try AuditTrail.record("session.login", outcome: .failure, actor: nil,
                                  details: ["reason": lockSeconds == nil ? "invalid_credentials" : "locked_now", "email": email],
                                  origin: origin, on: connection)
            if let lockSeconds {
                try AuditTrail.record("account.lockout", outcome: .failure, actor: nil,
                                      details: ["email": email, "seconds": String(lockSeconds)], origin: origin, on: connection)
                throw AccountFailure.loginLocked(retryAfterSeconds: lockSeconds)
            }
            throw AccountFailure.invalidCredentials
        }
        try connection.execute("SELECT auth_register_login_success($1)", [email])
        try actAs(userID)
        let issued = try issueSession(for: userID)
        try AuditTrail.record("session.login", actor: userID, origin: origin, on: connection)
        return issued
    }

    /// The session behind a cookie value, or nil if it is unknown, expired or idle too long.
    public func resolve(token: String) throws -> ResolvedSession? {
        guard Secrets.isWellFormedToken(token) else { return nil }
        let digest = Secrets.digest(ofToken: token)
        return try connection.query(Self.resolveSQL, [digest, settings.sessionIdleSeconds]).first.map { try Self.session($0, digest) }
    }

    /// `resolve(token:)`, and in the same round trip `statements`, run right after the session check
    /// (so as the session's user, when there is one): the session and each statement's rows.
    /// `commit`: the transaction's COMMIT goes in that round trip too (`queriesThenCommit`), for
    /// a request that runs nothing afterwards.
    public func resolve(token: String, then statements: [(sql: String, binds: [any PostgresBindable])], commit: Bool = false) throws
        -> (session: ResolvedSession, rows: [PostgresResult])? {
        guard Secrets.isWellFormedToken(token) else { return nil }
        let digest = Secrets.digest(ofToken: token)
        let check: (sql: String, binds: [any PostgresBindable]) = (Self.resolveSQL, [digest, settings.sessionIdleSeconds])
        let results = try commit ? connection.queriesThenCommit([check] + statements) : connection.queries([check] + statements)
        return try results[0].first.map { (try Self.session($0, digest), Array(results.dropFirst())) }
    }

    static let resolveSQL = "SELECT user_id, csrf_token_hash, must_change_password, kind FROM auth_resolve_session($1, $2)"

    static func session(_ row: PostgresRow, _ digest: [UInt8]) throws -> ResolvedSession {
        ResolvedSession(userID: try row.decode("user_id"), tokenDigest: digest,
                        csrfTokenDigest: try row.decode("csrf_token_hash"), mustChangePassword: try row.decode("must_change_password"),
                        kind: AccountKind(rawValue: try row.decode("kind")) ?? .employer)
    }

    public func logout(_ session: ResolvedSession) throws {
        try connection.execute("DELETE FROM sessions WHERE token_hash = $1", [session.tokenDigest])
        try AuditTrail.record("session.logout", actor: session.userID, origin: origin, on: connection)
    }

    /// Changes the password of the session's user, ends every one of their sessions and opens a
    /// new one: a stolen session token dies with the password change.
    public func changePassword(_ session: ResolvedSession, current: String, new: String) throws -> IssuedSession {
        let row = try connection.query("SELECT auth_current_password_hash() AS hash, (SELECT email FROM users WHERE id = $1) AS email",
                                       [session.userID]).first!
        let storedHash: String? = try row.decode("hash")
        let email: String = try row.decode("email")
        guard let storedHash, settings.hasher.verify(current, against: storedHash) else {
            try AuditTrail.record("password.change", outcome: .failure, actor: session.userID,
                                  details: ["reason": "current_password_wrong"], origin: origin, on: connection)
            throw AccountFailure.currentPasswordWrong
        }
        let issues = PasswordPolicy.issues(for: new, email: email, field: "new_password")
        guard issues.isEmpty else { throw ValidationFailure(issues) }
        guard new != current else { throw AccountFailure.passwordUnchanged }
        try connection.execute("SELECT auth_set_password($1, false)", [try settings.hasher.hash(new)])
        try connection.execute("DELETE FROM sessions WHERE user_id = $1", [session.userID])
        let issued = try issueSession(for: session.userID)
        try AuditTrail.record("password.change", actor: session.userID, origin: origin, on: connection)
        return issued
    }

    /// Always behaves the same, whether the address has an account or not.
    public func requestPasswordReset(email rawEmail: String) throws {
        let email = FieldRules.normalizedEmail(rawEmail) ?? rawEmail.lowercased().prefix(codePoints: 254)
        let token = Secrets.token()
        let mail = MailTemplates.passwordReset(to: email, token: token, ttlMinutes: settings.passwordResetTTLSeconds / 60)
        try connection.execute("SELECT auth_request_password_reset($1, $2, $3, $4, $5)",
                               [email, Secrets.digest(ofToken: token), settings.passwordResetTTLSeconds, mail.subject, mail.body])
        try AuditTrail.record("password.reset_requested", actor: nil, details: ["email": email], origin: origin, on: connection)
    }

    /// Sets a new password with a mailed token (single use, unexpired) and ends all sessions.
    /// A password refused by the policy throws before commit, so the token stays usable.
    public func completePasswordReset(token: String, newPassword: String) throws {
        guard Secrets.isWellFormedToken(token),
              let userID: Int64 = try connection.query("SELECT auth_consume_password_reset($1)",
                                                       [Secrets.digest(ofToken: token)]).first!.decode(0) else {
            throw AccountFailure.resetTokenInvalid
        }
        let email: String = try connection.query("SELECT email FROM users WHERE id = $1", [userID]).first!.decode(0)
        let issues = PasswordPolicy.issues(for: newPassword, email: email, field: "new_password")
        guard issues.isEmpty else { throw ValidationFailure(issues) }
        try connection.execute("SELECT auth_set_password($1, false)", [try settings.hasher.hash(newPassword)])
        try connection.execute("DELETE FROM sessions WHERE user_id = $1", [userID])
        // The rightful owner proved control of the address: lift any lockout on it.
        try connection.execute("SELECT auth_register_login_success($1)", [email])
        try AuditTrail.record("password.reset_completed", actor: userID, origin: origin, on: connection)
    }

    /// Sets `app.user_id` for the rest of the transaction; every policy reads it.
    public func actAs(_ userID: Int64) throws {
        try connection.query("SELECT set_config('app.user_id', $1, true)", [String(userID)])
    }

    private func issueSession(for userID: Int64) throws -> IssuedSession {
        let token = Secrets.token()
        let csrf = Secrets.csrfToken(forSession: token)
        let mustChange: Bool = try connection.query("""
            INSERT INTO sessions (token_hash, user_id, csrf_token_hash, expires_at, client_ip, user_agent)
            VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5::inet, $6)
            RETURNING (SELECT must_change_password FROM users WHERE id = $2)
            """, [Secrets.digest(ofToken: token), userID, Secrets.digest(ofToken: csrf), settings.sessionAbsoluteSeconds,
                  origin.clientIP, origin.userAgent]).first!.decode(0)
        return IssuedSession(userID: userID, token: token, csrfToken: csrf, mustChangePassword: mustChange)
    }
}
