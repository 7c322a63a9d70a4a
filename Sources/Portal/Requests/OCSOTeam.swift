/// The OCSO teams that answer démarches. Each request category is routed to one of them
/// (`RequestCategory.team`); staff accounts belong to one or more.
public enum OCSOTeam: String, CaseIterable, Sendable, Codable {
    /// Affiliations: bulletins, portability, exits and addresses of employees.
    case employees
    /// Company details: address, phone, KBIS.
    case companies
    /// Sick leave files (indemnités journalières, prévoyance).
    case benefits
    /// Contribution statements and payments.
    case contributions
    /// Questions.
    case customerService = "customer_service"

    public var label: String {
        switch self {
        case .employees: "Gestion des salariés"
        case .companies: "Gestion des entreprises"
        case .benefits: "Arrêts de travail"
        case .contributions: "Cotisations"
        case .customerService: "Relation clients"
        }
    }

    /// Parses a list from the database or the command line; nil if any entry is unknown.
    public static func parse(_ names: [String]) -> [OCSOTeam]? {
        var teams: [OCSOTeam] = []
        for name in names {
            guard let team = OCSOTeam(rawValue: name) else { return nil }
            if !teams.contains(team) { teams.append(team) }
        }
        return teams
    }
}
