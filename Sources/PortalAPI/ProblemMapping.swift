import Logging
import Portal
import Postgres

/// What the client may know of an error. Details of unexpected errors go to the log only.
enum ProblemMapping {
    static func problem(for error: Error, logger: Logger) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let failure as ValidationFailure:
            return .validation(failure.issues)
        case let failure as AccountFailure:
            return problem(for: failure)
        case let denial as AccessContext.Denial:
            return problem(for: denial)
        case let error as PostgresError where error.sqlState == "23514" && error.message.contains("structure_access_not_for_staff"):
            // A principal tried to give structure access to an OCSO staff address.
            return .validation([ValidationIssue(field: "email", code: "staff_account",
                                                message: "Cette adresse appartient à un compte OCSO et ne peut pas recevoir d'accès employeur.")])
        case let error as PostgresError where error.kind == .connectionFailed || error.kind == .connectionLost
            || error.kind == .poolTimeout || error.isCancellation:
            logger.warning("database unavailable", metadata: ["error": .string(error.description)])
            return .databaseUnavailable
        default:
            logger.error("unexpected error", metadata: ["error": .string(String(describing: error))])
            return .internalError
        }
    }

    static func problem(for denial: AccessContext.Denial) -> Problem {
        switch denial {
        case .invisible:
            return .notFound
        case .missingRight(let right):
            return Problem(status: 403, code: "missing_right", title: "Forbidden",
                           detail: "Votre profil ne donne pas accès à cette rubrique (droit « \(right.rawValue) »).")
        case .principalOnly:
            return Problem(status: 403, code: "principal_only", title: "Forbidden",
                           detail: "Seul l'utilisateur principal de la structure peut effectuer cette action.")
        }
    }

    static func problem(for failure: AccountFailure) -> Problem {
        var problem: Problem
        switch failure {
        case .securityFieldsMismatch:
            problem = Problem(status: 422, code: "security_fields_mismatch", title: "Unprocessable Content",
                              detail: "Le numéro client, le SIREN et le code de sécurité ne correspondent à aucune structure. "
                                  + "Si vous ne connaissez pas ces éléments, demandez-les à support@ocso.fr.")
        case .securityChecksThrottled(let seconds):
            problem = Problem(status: 429, code: "too_many_attempts", title: "Too Many Requests",
                              detail: "Trop de tentatives pour ce numéro client. Réessayez plus tard ou contactez support@ocso.fr.",
                              extraHeaders: [APIResponse.Header("Retry-After", String(seconds))])
        case .structureHasPrincipal:
            problem = Problem(status: 409, code: "structure_has_principal", title: "Conflict",
                              detail: "Cette structure a déjà un utilisateur principal. Contactez-le pour qu'il vous crée un accès.")
        case .invalidCredentials:
            problem = Problem(status: 401, code: "invalid_credentials", title: "Unauthorized",
                              detail: "Adresse e-mail ou mot de passe incorrect.")
        case .loginLocked(let seconds):
            problem = Problem(status: 429, code: "login_locked", title: "Too Many Requests",
                              detail: "Trop de tentatives de connexion. Réessayez dans quelques minutes ou utilisez « Mot de passe oublié ? ».",
                              extraHeaders: [APIResponse.Header("Retry-After", String(seconds))])
        case .currentPasswordWrong:
            problem = .validation([ValidationIssue(field: "current_password", code: "current_password_wrong",
                                                   message: "Le mot de passe actuel est incorrect.")])
        case .passwordUnchanged:
            problem = .validation([ValidationIssue(field: "new_password", code: "password_unchanged",
                                                   message: "Le nouveau mot de passe doit être différent de l'actuel.")])
        case .resetTokenInvalid:
            problem = Problem(status: 400, code: "reset_token_invalid", title: "Bad Request",
                              detail: "Ce lien de réinitialisation est invalide, a expiré ou a déjà servi. Faites une nouvelle demande.")
        case .notAdministered:
            problem = .notFound
        case .cannotChangeOwnPrincipalRole:
            problem = Problem(status: 409, code: "own_principal_role", title: "Conflict",
                              detail: "Vous ne pouvez pas modifier ni retirer votre propre rôle d'utilisateur principal.")
        }
        problem.keepsSideEffects = failure.keepsSideEffects
        return problem
    }
}
