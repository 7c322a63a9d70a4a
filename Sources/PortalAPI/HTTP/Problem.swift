import Portal

/// An error answered as `application/problem+json` (RFC 9457): a stable machine `code` and a
/// French `detail` for the person reading it.
public struct Problem: Error, Sendable, Equatable {
    public var status: Int
    public var code: String
    public var title: String
    public var detail: String
    /// Field-level problems, for 422 answers.
    public var errors: [ValidationIssue]
    public var extraHeaders: [APIResponse.Header]
    /// The request's transaction still commits (a failed attempt must stay counted and audited).
    public var keepsSideEffects = false

    public init(status: Int, code: String, title: String, detail: String, errors: [ValidationIssue] = [],
                extraHeaders: [APIResponse.Header] = []) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors = errors
        self.extraHeaders = extraHeaders
    }

    public static let unauthenticated = Problem(status: 401, code: "unauthenticated", title: "Unauthorized",
                                                detail: "Votre session a expiré ou vous n'êtes pas connecté. Veuillez vous connecter.")

    public static let csrfRejected = Problem(status: 403, code: "csrf_token_invalid", title: "Forbidden",
                                             detail: "Jeton de sécurité (X-CSRF-Token) absent ou invalide. Rechargez la page et réessayez.")

    public static let passwordChangeRequired = Problem(status: 403, code: "password_change_required", title: "Forbidden",
                                                       detail: "Vous devez changer votre mot de passe temporaire avant de continuer.")

    public static func badRequest(code: String, detail: String) -> Problem {
        Problem(status: 400, code: code, title: "Bad Request", detail: detail)
    }

    public static let notFound = Problem(status: 404, code: "not_found", title: "Not Found",
                                         detail: "La ressource demandée n'existe pas.")

    public static func methodNotAllowed(allowed: [String]) -> Problem {
        Problem(status: 405, code: "method_not_allowed", title: "Method Not Allowed",
                detail: "Cette méthode n'est pas acceptée pour cette ressource.",
                extraHeaders: [APIResponse.Header("Allow", allowed.joined(separator: ", "))])
    }

    public static let databaseUnavailable = Problem(
        status: 503, code: "database_unavailable", title: "Service Unavailable",
        detail: "Le service est momentanément indisponible, veuillez réessayer dans quelques instants.",
        extraHeaders: [APIResponse.Header("Retry-After", "5")])

    public static let internalError = Problem(status: 500, code: "internal_error", title: "Internal Server Error",
                                              detail: "Une erreur inattendue est survenue. Elle a été enregistrée.")

    public static func validation(_ issues: [ValidationIssue]) -> Problem {
        Problem(status: 422, code: "validation_failed", title: "Unprocessable Content",
                detail: "Certains champs sont invalides.", errors: issues)
    }

    private struct Body: Encodable {
        let type = "about:blank"
        let title: String
        let status: Int
        let code: String
        let detail: String
        let errors: [ValidationIssue]?
    }

    public var response: APIResponse {
        let body = Body(title: title, status: status, code: code, detail: detail, errors: errors.isEmpty ? nil : errors)
        let bytes = (try? APIResponse.encodeJSON(body)) ?? []
        return APIResponse(status: status,
                           headers: [APIResponse.Header("Content-Type", "application/problem+json; charset=utf-8"),
                                     APIResponse.Header("Cache-Control", "no-store")] + extraHeaders,
                           body: bytes)
    }
}
