/// Where a request stands. It only moves forward, one step at a time (a trigger enforces the
/// same rule in PostgreSQL).
public enum RequestStatus: String, CaseIterable, Sendable, Codable {
    case received
    case inProgress = "in_progress"
    case done

    public var label: String {
        switch self {
        case .received: "Reçue"
        case .inProgress: "En cours de traitement"
        case .done: "Traitée"
        }
    }

    /// The only status this one may move to.
    public var next: RequestStatus? {
        switch self {
        case .received: .inProgress
        case .inProgress: .done
        case .done: nil
        }
    }
}
