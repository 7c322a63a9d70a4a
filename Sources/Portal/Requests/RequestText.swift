/// The texts people type in a démarche or a reply, with the French messages shown next to them.
public enum RequestText {
    public static let maximumSubjectLength = 200
    public static let maximumMessageLength = 10_000

    public static func subject(_ raw: String?, field: String = "subject") -> Result<String, ValidationIssue> {
        guard let raw else {
            return .failure(ValidationIssue(field: field, code: "required", message: "L'objet est obligatoire."))
        }
        return FieldRules.text(raw, field: field, maxLength: maximumSubjectLength, label: "L'objet")
    }

    /// Several lines: line breaks and tabs are kept (CRLF becomes LF), other control characters
    /// and the bidirectional overrides are refused. Empty or blank gives nil.
    public static func message(_ raw: String?, field: String, label: String = "Le message",
                               maxLength: Int = maximumMessageLength) -> Result<String?, ValidationIssue> {
        guard let raw else { return .success(nil) }
        let value = raw.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if value.isEmpty { return .success(nil) }
        if value.codePointCount > maxLength {
            return .failure(ValidationIssue(field: field, code: "too_long",
                                            message: "\(label) ne doit pas dépasser \(maxLength) caractères."))
        }
        let unsafe = value.unicodeScalars.contains { scalar in
            if scalar == "\n" || scalar == "\t" { return false }
            if (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value) { return true }
            switch scalar.properties.generalCategory {
            case .control, .surrogate, .unassigned, .privateUse: return true
            default: return false
            }
        }
        if unsafe {
            return .failure(ValidationIssue(field: field, code: "invalid_characters", message: "\(label) contient des caractères non autorisés."))
        }
        return .success(value)
    }
}
