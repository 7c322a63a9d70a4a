/// The two kinds of group contract (régime) OCSO manages.
public enum Regime: String, Encodable, Sendable, CaseIterable {
    case prevoyance = "PREVOYANCE"
    case sante = "SANTE"

    /// As the guide prints it.
    public var label: String {
        switch self {
        case .prevoyance: "Prévoyance collective"
        case .sante: "Santé collective"
        }
    }
}
