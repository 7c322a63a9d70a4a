/// The knobs of authentication, with production defaults. Tests shorten the timeouts and lower
/// the Argon2id cost; nothing else changes.
public struct AuthSettings: Sendable {
    public var hasher: SecretHasher
    /// A session ends after this long without a request...
    public var sessionIdleSeconds: Int
    /// ...and in any case this long after login.
    public var sessionAbsoluteSeconds: Int
    /// Failed logins for one address before it is locked...
    public var lockoutThreshold: Int
    /// ...first for this long, doubling with each further failure...
    public var lockoutBaseSeconds: Int
    /// ...up to this long.
    public var lockoutMaxSeconds: Int
    public var passwordResetTTLSeconds: Int
    /// Failed security-field checks allowed per client number within the window.
    public var securityAttemptsPerWindow: Int
    public var securityAttemptWindowSeconds: Int
    /// Checked when there is no real hash to check against, so that an unknown account or
    /// structure costs the same time as a wrong password.
    public let timingDummyHash: String

    public init(hasher: SecretHasher = .interactive, sessionIdleSeconds: Int = 30 * 60, sessionAbsoluteSeconds: Int = 12 * 3600,
                lockoutThreshold: Int = 5, lockoutBaseSeconds: Int = 60, lockoutMaxSeconds: Int = 3600,
                passwordResetTTLSeconds: Int = 30 * 60, securityAttemptsPerWindow: Int = 5, securityAttemptWindowSeconds: Int = 3600) {
        self.hasher = hasher
        self.sessionIdleSeconds = sessionIdleSeconds
        self.sessionAbsoluteSeconds = sessionAbsoluteSeconds
        self.lockoutThreshold = lockoutThreshold
        self.lockoutBaseSeconds = lockoutBaseSeconds
        self.lockoutMaxSeconds = lockoutMaxSeconds
        self.passwordResetTTLSeconds = passwordResetTTLSeconds
        self.securityAttemptsPerWindow = securityAttemptsPerWindow
        self.securityAttemptWindowSeconds = securityAttemptWindowSeconds
        self.timingDummyHash = (try? hasher.hash(Secrets.token())) ?? ""
    }
}
