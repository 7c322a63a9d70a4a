import Portal

/// Domain validation failures become 422 problems with their field list.
protocol ValidationFailureConvertible {
    var validationIssues: [ValidationIssue] { get }
}

extension ValidationFailure: ValidationFailureConvertible {
    var validationIssues: [ValidationIssue] { issues }
}
