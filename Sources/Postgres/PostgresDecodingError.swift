/// A column could not be read as the Swift type the caller asked for.
public struct PostgresDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// NULL arrived for a non-optional type.
        case unexpectedNull
        /// The column's PostgreSQL type cannot become the requested Swift type.
        case typeMismatch(expected: String, actual: String)
        /// The bytes were not a valid value of their type, or did not fit the Swift type.
        case invalidValue(String)
        /// No column of that name or index.
        case noSuchColumn
    }

    public var column: String
    public var kind: Kind

    public init(column: String, kind: Kind) {
        self.column = column
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .unexpectedNull: "column \(column): NULL where a value was required"
        case .typeMismatch(let expected, let actual): "column \(column): cannot decode \(actual) as \(expected)"
        case .invalidValue(let why): "column \(column): \(why)"
        case .noSuchColumn: "no column \(column) in the result"
        }
    }
}
