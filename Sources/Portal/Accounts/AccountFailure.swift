/// Why an account operation was refused. `keepsSideEffects` says whether the transaction must
/// still commit (the failed attempt has to be counted and audited) although the request fails.
public enum AccountFailure: Error, Equatable, Sendable {
    /// Client number, SIREN and security code do not designate one structure. One message for
    /// all three, so nobody learns which was wrong.
    case securityFieldsMismatch
    /// Too many wrong security-field checks for this client number recently.
    case securityChecksThrottled(retryAfterSeconds: Int)
    /// The structure already has a principal user: they must be contacted.
    case structureHasPrincipal
    /// Wrong e-mail or password — or no such account; never said which.
    case invalidCredentials
    /// Too many failed logins for this address.
    case loginLocked(retryAfterSeconds: Int)
    case currentPasswordWrong
    case passwordUnchanged
    case resetTokenInvalid
    /// The target user or structure is not one the caller administers.
    case notAdministered
    case cannotChangeOwnPrincipalRole

    public var keepsSideEffects: Bool {
        switch self {
        case .securityFieldsMismatch, .securityChecksThrottled, .structureHasPrincipal, .invalidCredentials, .loginLocked,
             .currentPasswordWrong: true
        default: false
        }
    }
}
