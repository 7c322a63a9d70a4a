/// An amount of money in euro cents. PostgreSQL stores `numeric(12,2)`, JSON carries `"553.80"`;
/// binary floating point never holds money.
public struct Cents: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: Int64

    public init(_ value: Int64) { self.value = value }

    /// Parses a decimal string with at most two decimals: `"553.80"`, `"12"`, `"-0.5"`.
    /// Rejects exponents, grouping, spaces and more than two decimals rather than rounding.
    public init?(decimal text: String) {
        var rest = Substring(text)
        let negative = rest.first == "-"
        if negative { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let units = parts.first, !units.isEmpty, units.count <= 16,
              units.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : "00"
        guard (1...2).contains(fraction.count), fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        if fraction.count == 1 { fraction += "0" }
        guard let whole = Int64(units), let cents = Int64(fraction) else { return nil }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: 100)
        guard !overflow else { return nil }
        value = negative ? -(scaled + cents) : scaled + cents
    }

    /// `"553.80"`: always two decimals, no grouping.
    public var description: String {
        let magnitude = value.magnitude
        let fraction = magnitude % 100
        return (value < 0 ? "-" : "") + "\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    public static func < (lhs: Cents, rhs: Cents) -> Bool { lhs.value < rhs.value }
}

extension Cents: PostgresBindable {
    public var postgresBind: PostgresBind { .text(description, .numeric) }
}

extension Cents: Encodable {
    /// A decimal string in JSON (`"553.80"`): exact, and no client reads it as a float.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// `553,80` — the decimal comma of French spreadsheets.
    public var frenchDecimal: String { description.replacingOccurrences(of: ".", with: ",") }
}
