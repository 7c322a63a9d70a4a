import Portal
import Postgres

/// A GET request's query string, read strictly like `JSONBody`: unknown parameters, repeated
/// ones and malformed values are field errors, all reported together as one 422.
final class QueryParameters {
    private let request: APIRequest
    private(set) var issues: [ValidationIssue] = []

    init(_ request: APIRequest, allowed: Set<String>) {
        self.request = request
        for name in request.query.keys.sorted() where !allowed.contains(name) {
            issues.append(ValidationIssue(field: String(name.prefix(64)), code: "unknown_parameter",
                                          message: "Ce paramètre n'est pas attendu."))
        }
    }

    private func single(_ name: String) -> String? {
        guard let values = request.query[name] else { return nil }
        guard values.count == 1 else {
            issues.append(ValidationIssue(field: name, code: "repeated_parameter", message: "Ce paramètre est répété."))
            return nil
        }
        return values[0].isEmpty ? nil : values[0]
    }

    func string(_ name: String, maxLength: Int) -> String? {
        guard let value = single(name) else { return nil }
        guard value.codePointCount <= maxLength, !value.contains("\u{0}") else {
            issues.append(ValidationIssue(field: name, code: "too_long", message: "Ce paramètre ne doit pas dépasser \(maxLength) caractères."))
            return nil
        }
        return value
    }

    func date(_ name: String) -> CalendarDate? {
        guard let value = single(name) else { return nil }
        guard let date = CalendarDate(iso: value) else {
            issues.append(ValidationIssue(field: name, code: "invalid_date", message: "La date doit être au format AAAA-MM-JJ."))
            return nil
        }
        return date
    }

    /// One of `allowed` (default when absent).
    func choice(_ name: String, allowed: [String], default fallback: String) -> String {
        guard let value = single(name) else { return fallback }
        guard allowed.contains(value) else {
            issues.append(ValidationIssue(field: name, code: "invalid_value",
                                          message: "Valeurs possibles : \(allowed.joined(separator: ", "))."))
            return fallback
        }
        return value
    }

    func integer(_ name: String, range: ClosedRange<Int>, default fallback: Int) -> Int {
        guard let value = single(name) else { return fallback }
        guard let number = Int(value), range.contains(number) else {
            issues.append(ValidationIssue(field: name, code: "out_of_range",
                                          message: "Ce paramètre doit être un entier entre \(range.lowerBound) et \(range.upperBound)."))
            return fallback
        }
        return number
    }

    /// `page` (from 1) and `page_size` (1...100).
    func page() -> Page {
        Page(number: integer("page", range: 1...100_000, default: 1), size: integer("page_size", range: 1...Page.maximumSize, default: 20))
    }

    /// Checks that `from` is not after `to`.
    func period(from: CalendarDate?, to: CalendarDate?) {
        if let from, let to, from > to {
            issues.append(ValidationIssue(field: "to", code: "invalid_period", message: "La date de fin précède la date de début."))
        }
    }

    func finish() throws {
        if !issues.isEmpty { throw Problem.validation(issues) }
    }
}
