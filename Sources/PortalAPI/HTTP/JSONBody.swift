import Foundation
import Portal

/// A request's JSON object, read strictly: `application/json` only, UTF-8, an object at the
/// top, no field the endpoint does not know. Typed getters collect every field problem so the
/// user sees them all at once (422 with the list); `finish()` throws them.
final class JSONBody {
    /// JSON bodies stay small whatever the responder accepts for uploads (PORTAL_MAX_BODY_BYTES,
    /// sized for démarches' files); nginx applies the same 1 MiB outside the upload locations.
    static let maximumBytes = 1 << 20

    private let fields: [String: JSONValue]
    private(set) var issues: [ValidationIssue] = []

    init(_ request: APIRequest, allowed: Set<String>) throws {
        guard request.body.count <= Self.maximumBytes else {
            throw Problem(status: 413, code: "payload_too_large", title: "Content Too Large",
                          detail: "La requête dépasse la taille autorisée (1 Mio pour un corps JSON).")
        }
        let mediaType = request.header("content-type")?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            throw Problem(status: 415, code: "unsupported_media_type", title: "Unsupported Media Type",
                          detail: "Le corps de la requête doit être au format JSON (Content-Type: application/json).")
        }
        guard String(validating: request.body, as: UTF8.self) != nil,
              let value = try? JSONDecoder().decode(JSONValue.self, from: Data(request.body)) else {
            throw Problem.badRequest(code: "malformed_json", detail: "Le corps de la requête n'est pas un JSON valide.")
        }
        guard case .object(let fields) = value else {
            throw Problem.badRequest(code: "malformed_json", detail: "Le corps de la requête doit être un objet JSON.")
        }
        self.fields = fields
        for key in fields.keys.sorted() where !allowed.contains(key) {
            issues.append(ValidationIssue(field: String(key.prefix(64)), code: "unknown_field", message: "Ce champ n'est pas attendu."))
        }
    }

    func has(_ key: String) -> Bool { fields[key] != nil }

    func record(_ issue: ValidationIssue) { issues.append(issue) }

    private func wrongType(_ key: String, expected: String) {
        issues.append(ValidationIssue(field: key, code: "wrong_type", message: "Ce champ doit être de type \(expected)."))
    }

    /// A string field; absent or null gives nil (and a `required` issue if required).
    func string(_ key: String, required: Bool, maxLength: Int) -> String? {
        switch fields[key] {
        case nil, .null?:
            if required { issues.append(ValidationIssue(field: key, code: "required", message: "Ce champ est obligatoire.")) }
            return nil
        case .string(let value)?:
            if value.codePointCount > maxLength {
                issues.append(ValidationIssue(field: key, code: "too_long", message: "Ce champ ne doit pas dépasser \(maxLength) caractères."))
                return nil
            }
            if value.contains("\u{0}") {
                issues.append(ValidationIssue(field: key, code: "invalid_characters", message: "Ce champ contient des caractères non autorisés."))
                return nil
            }
            return value
        case let other?:
            wrongType(key, expected: "texte (reçu : \(other.kindName))")
            return nil
        }
    }

    /// For PATCH: absent → nil (unchanged), null → .some(nil) (clear), string → .some(value).
    func optionalStringChange(_ key: String, maxLength: Int) -> String?? {
        guard let value = fields[key] else { return nil }
        if value == .null { return .some(nil) }
        guard let text = string(key, required: false, maxLength: maxLength) else { return nil }
        return .some(text)
    }

    func bool(_ key: String, required: Bool) -> Bool? {
        switch fields[key] {
        case nil, .null?:
            if required { issues.append(ValidationIssue(field: key, code: "required", message: "Ce champ est obligatoire.")) }
            return nil
        case .bool(let value)?: return value
        case let other?:
            wrongType(key, expected: "booléen (reçu : \(other.kindName))")
            return nil
        }
    }

    func integer(_ key: String, required: Bool) -> Int64? {
        switch fields[key] {
        case nil, .null?:
            if required { issues.append(ValidationIssue(field: key, code: "required", message: "Ce champ est obligatoire.")) }
            return nil
        case .number(let value)? where value.rounded() == value && abs(value) < 9_007_199_254_740_992:
            return Int64(value)
        case let other?:
            wrongType(key, expected: "nombre entier (reçu : \(other.kindName))")
            return nil
        }
    }

    func array(_ key: String, required: Bool, maxCount: Int) -> [JSONValue]? {
        switch fields[key] {
        case nil, .null?:
            if required { issues.append(ValidationIssue(field: key, code: "required", message: "Ce champ est obligatoire.")) }
            return nil
        case .array(let values)?:
            guard values.count <= maxCount else {
                issues.append(ValidationIssue(field: key, code: "too_many", message: "Cette liste ne doit pas dépasser \(maxCount) éléments."))
                return nil
            }
            return values
        case let other?:
            wrongType(key, expected: "liste (reçu : \(other.kindName))")
            return nil
        }
    }

    /// Throws the collected problems as one 422.
    func finish() throws {
        if !issues.isEmpty { throw Problem.validation(issues) }
    }
}

/// Rights arrive as a list of names; unknown names are a field error.
func parseRights(_ values: [JSONValue], field: String, into body: JSONBody) -> Set<Right>? {
    var rights: Set<Right> = []
    for value in values {
        guard case .string(let name) = value, let right = Right(rawValue: name) else {
            body.record(ValidationIssue(field: field, code: "invalid_right",
                                        message: "Droit inconnu ; valeurs possibles : \(Right.allCases.map(\.rawValue).joined(separator: ", "))."))
            return nil
        }
        rights.insert(right)
    }
    return rights
}
