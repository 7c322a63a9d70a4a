/// The guide's rule (8 characters with one digit and one special character) plus what a careful
/// operator adds: at most 128 characters, not the e-mail's local part, not a common password.
public enum PasswordPolicy {
    public static let minimumLength = 8
    public static let maximumLength = 128

    public static func issues(for password: String, email: String, field: String) -> [ValidationIssue] {
        func issue(_ code: String, _ message: String) -> ValidationIssue {
            ValidationIssue(field: field, code: code, message: message)
        }
        let length = password.count
        if length < minimumLength {
            return [issue("password_too_short", "Le mot de passe doit comporter au moins 8 caractères.")]
        }
        if length > maximumLength {
            return [issue("password_too_long", "Le mot de passe ne doit pas dépasser 128 caractères.")]
        }
        if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return [issue("password_invalid_character", "Le mot de passe contient un caractère non autorisé.")]
        }
        var issues: [ValidationIssue] = []
        if !password.contains(where: { $0.isNumber }) {
            issues.append(issue("password_needs_digit", "Le mot de passe doit contenir au moins un chiffre."))
        }
        if !password.contains(where: { !$0.isLetter && !$0.isNumber && !$0.isWhitespace }) {
            issues.append(issue("password_needs_special", "Le mot de passe doit contenir au moins un caractère spécial."))
        }
        let localPart = email.split(separator: "@").first.map { String($0).lowercased() } ?? ""
        if localPart.count >= 3, password.lowercased().contains(localPart) {
            issues.append(issue("password_contains_email", "Le mot de passe ne doit pas contenir votre adresse e-mail."))
        }
        if CommonPasswords.contains(password) {
            issues.append(issue("password_too_common", "Ce mot de passe est trop courant, choisissez-en un autre."))
        }
        return issues
    }
}
