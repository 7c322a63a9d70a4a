import Portal

/// A multipart form read strictly, like `JSONBody`: text fields known to the endpoint, each at
/// most once, in UTF-8; files only under `fileField`. Field problems are collected and thrown
/// together by `finish()`; the files' own checks (count, size, type) are `AttachmentRules`'.
final class MultipartBody {
    private let fields: [String: [MultipartForm.Part]]
    let files: [AttachmentRules.Upload]
    private(set) var issues: [ValidationIssue] = []

    /// A file input left empty: browsers still send the part, with an empty name and no bytes.
    private static func isEmptyFileInput(_ part: MultipartForm.Part) -> Bool {
        part.fileName == "" && part.body.isEmpty
    }

    init(_ request: APIRequest, allowed: Set<String>, fileField: String) throws {
        let form = try MultipartForm(request)
        var fields: [String: [MultipartForm.Part]] = [:]
        var files: [AttachmentRules.Upload] = []
        var unknown: Set<String> = []
        for part in form.parts {
            if part.name == fileField {
                if !Self.isEmptyFileInput(part) { files.append(AttachmentRules.Upload(fileName: part.fileName, content: part.body)) }
            } else if allowed.contains(part.name) {
                fields[part.name, default: []].append(part)
            } else {
                unknown.insert(part.name)
            }
        }
        self.fields = fields
        self.files = files
        for name in unknown.sorted() {
            issues.append(ValidationIssue(field: String(name.prefix(64)), code: "unknown_field", message: "Ce champ n'est pas attendu."))
        }
    }

    /// One problem per field: a field already refused here (repeated, not UTF-8…) is not
    /// reported again by the endpoint's own rules.
    func record(_ issue: ValidationIssue) {
        guard !issues.contains(where: { $0.field == issue.field }) else { return }
        issues.append(issue)
    }

    /// A text field; absent gives nil (and a `required` issue if required).
    func string(_ key: String, required: Bool, maxLength: Int) -> String? {
        guard let parts = fields[key], !parts.isEmpty else {
            if required { issues.append(ValidationIssue(field: key, code: "required", message: "Ce champ est obligatoire.")) }
            return nil
        }
        guard parts.count == 1 else {
            issues.append(ValidationIssue(field: key, code: "repeated_field", message: "Ce champ est répété."))
            return nil
        }
        guard parts[0].fileName == nil else {
            issues.append(ValidationIssue(field: key, code: "wrong_type", message: "Ce champ doit être du texte, pas un fichier."))
            return nil
        }
        guard let value = String(validating: parts[0].body, as: UTF8.self) else {
            issues.append(ValidationIssue(field: key, code: "invalid_encoding", message: "Ce champ doit être encodé en UTF-8."))
            return nil
        }
        if value.codePointCount > maxLength {
            issues.append(ValidationIssue(field: key, code: "too_long", message: "Ce champ ne doit pas dépasser \(maxLength) caractères."))
            return nil
        }
        if value.contains("\u{0}") {
            issues.append(ValidationIssue(field: key, code: "invalid_characters", message: "Ce champ contient des caractères non autorisés."))
            return nil
        }
        return value
    }

    private var fileRejection: (field: String, rejection: AttachmentRules.Rejection)?

    /// True when `attachments(field:)` refused the files.
    var filesRefused: Bool { fileRejection != nil }

    /// The files, checked by `AttachmentRules`; empty if they were refused, the refusal being
    /// thrown by `finish()` together with the field problems, so the user sees everything at once.
    func attachments(field: String) -> [NewAttachment] {
        do {
            return try AttachmentRules.inspect(files)
        } catch {
            fileRejection = (field, error)
        }
        return []
    }

    /// Throws the collected problems: the files' refusal first — 413 when a size limit is the
    /// problem, else 422, with the first file problem's code (`unsupported_file_type`,
    /// `empty_file`, `too_many_files`, …) — then the fields' as one 422 `validation_failed`.
    func finish() throws {
        if let (field, rejection) = fileRejection {
            let fileIssues = rejection.issues.map { issue in
                ValidationIssue(field: issue.position.map { "\(field)[\($0)]" } ?? field, code: issue.code.rawValue, message: issue.message)
            }
            let sizeIssue = rejection.issues.first { $0.code.isSizeProblem }
            let lead = sizeIssue ?? rejection.issues[0]
            throw Problem(status: sizeIssue == nil ? 422 : 413, code: lead.code.rawValue,
                          title: sizeIssue == nil ? "Unprocessable Content" : "Content Too Large",
                          detail: lead.message, errors: fileIssues + issues)
        }
        if !issues.isEmpty { throw Problem.validation(issues) }
    }
}
