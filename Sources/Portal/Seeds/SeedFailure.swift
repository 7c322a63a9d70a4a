/// Why a dataset could not be loaded.
public enum SeedFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// A payment's amount is not the sum of its lines (the data, not the database, is wrong).
    case inconsistentPayment(ref: String, amount: String, linesTotal: String)
    /// Synthetic structures exist already; load again with `replace`.
    case syntheticDataPresent(structures: Int)
    /// Sizes that cannot make a dataset (e.g. more structures than insured people).
    case invalidSize(String)

    public var description: String {
        switch self {
        case let .inconsistentPayment(ref, amount, linesTotal):
            "payment \(ref) is \(amount) but its lines add up to \(linesTotal)"
        case let .syntheticDataPresent(structures):
            "\(structures) synthetic structures are already loaded; use --replace to delete them and load again"
        case let .invalidSize(message):
            message
        }
    }
}
