/// One problem with one input field: a stable machine code and a French message for the user.
public struct ValidationIssue: Error, Hashable, Sendable, Codable {
    public var field: String
    public var code: String
    public var message: String

    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}

/// Several field problems reported together, so the user fixes them in one go.
public struct ValidationFailure: Error, Sendable {
    public var issues: [ValidationIssue]
    public init(_ issues: [ValidationIssue]) { self.issues = issues }
}
