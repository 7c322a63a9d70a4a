/// A démarche as the employer sends it, validated.
public struct NewRequest: Sendable {
    public let category: RequestCategory
    public let subject: String
    public let message: String?
    public let attachments: [NewAttachment]

    /// Checks the typed fields; a request needs a message or at least one file.
    /// `category` is the raw code (nil when missing).
    public static func validated(category rawCategory: String?, subject rawSubject: String?, message rawMessage: String?,
                                 attachments: [NewAttachment], attachmentsRefused: Bool = false) -> Result<NewRequest, ValidationFailure> {
        var issues: [ValidationIssue] = []
        var category: RequestCategory?
        switch rawCategory.map({ $0.trimmingCharacters(in: .whitespaces) }) {
        case nil, ""?:
            issues.append(ValidationIssue(field: "category", code: "required", message: "Choisissez le type de démarche."))
        case let code?:
            category = RequestCategory(rawValue: code)
            if category == nil {
                issues.append(ValidationIssue(field: "category", code: "invalid_category",
                                              message: "Type de démarche inconnu ; valeurs possibles : "
                                                  + RequestCategory.allCases.map(\.rawValue).joined(separator: ", ") + "."))
            }
        }
        var subject: String?
        switch RequestText.subject(rawSubject) {
        case .success(let value): subject = value
        case .failure(let issue): issues.append(issue)
        }
        var message: String?
        var messageValid = true
        switch RequestText.message(rawMessage, field: "message") {
        case .success(let value): message = value
        case .failure(let issue):
            issues.append(issue)
            messageValid = false
        }
        if messageValid, message == nil, attachments.isEmpty, !attachmentsRefused {
            issues.append(ValidationIssue(field: "message", code: "required",
                                          message: "Écrivez un message ou joignez au moins un fichier."))
        }
        guard issues.isEmpty, let category, let subject else { return .failure(ValidationFailure(issues)) }
        return .success(NewRequest(category: category, subject: subject, message: message, attachments: attachments))
    }
}
