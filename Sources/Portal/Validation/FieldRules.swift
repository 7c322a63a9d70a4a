/// Rules for the identity fields people type (sign-up, profile, delegated users), with the
/// French messages shown next to the field.
public enum FieldRules {
    /// Lowercased and trimmed; nil if it is not a plausible single address. Deliberately strict
    /// (ASCII, one @, a dotted domain) because it is also a login and a mail header.
    public static func normalizedEmail(_ raw: String) -> String? {
        let email = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard email.utf8.count <= 254, email.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }) else { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return nil }
        let forbidden = Set("()<>,;:\\\"[]")
        guard !parts[0].contains(where: forbidden.contains), !parts[0].hasPrefix("."), !parts[0].hasSuffix("."),
              !parts[0].contains("..") else { return nil }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        }), labels.last!.count >= 2, labels.last!.allSatisfy(\.isLetter) else { return nil }
        return email
    }

    public static func emailIssue(field: String = "email") -> ValidationIssue {
        ValidationIssue(field: field, code: "invalid_email", message: "L'adresse e-mail n'est pas valide.")
    }

    /// A person's name or job title: trimmed, 1...maxLength characters, letters and the usual
    /// punctuation of names; no control or invisible formatting characters.
    public static func text(_ raw: String, field: String, maxLength: Int, label: String) -> Result<String, ValidationIssue> {
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if value.isEmpty {
            return .failure(ValidationIssue(field: field, code: "required", message: "\(label) est obligatoire."))
        }
        if value.codePointCount > maxLength {
            return .failure(ValidationIssue(field: field, code: "too_long", message: "\(label) ne doit pas dépasser \(maxLength) caractères."))
        }
        let unsafe = value.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .privateUse, .surrogate, .unassigned, .lineSeparator, .paragraphSeparator: true
            default: false
            }
        }
        if unsafe {
            return .failure(ValidationIssue(field: field, code: "invalid_characters", message: "\(label) contient des caractères non autorisés."))
        }
        return .success(value)
    }

    /// Optional phone: empty means "not given".
    public static func phone(_ raw: String?, field: String) -> Result<String?, ValidationIssue> {
        guard let raw else { return .success(nil) }
        let value = raw.trimmingCharacters(in: .whitespaces)
        if value.isEmpty { return .success(nil) }
        guard PhoneNumber.isPlausible(value) else {
            return .failure(ValidationIssue(field: field, code: "invalid_phone", message: "Le numéro de téléphone n'est pas valide."))
        }
        return .success(value)
    }
}
