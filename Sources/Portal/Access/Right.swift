/// What a user may see on one structure (guide ch. 09, a user's "profil").
public enum Right: String, CaseIterable, Codable, Sendable, Comparable {
    /// Entreprise: company details, régimes, guarantees.
    case company
    /// Assurés: the list of insured people.
    case insured
    /// Détails santé: NIR, beneficiaries, attestations.
    case health
    /// Indemnités journalières.
    case ij
    case documents
    /// Démarches.
    case requests

    public static func < (lhs: Right, rhs: Right) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses a list from the database or a request; nil if any entry is unknown.
    public static func parse(_ names: [String]) -> Set<Right>? {
        var rights: Set<Right> = []
        for name in names {
            guard let right = Right(rawValue: name) else { return nil }
            rights.insert(right)
        }
        return rights
    }
}

public enum AccessRole: String, Codable, Sendable {
    /// Administers the structure and has every right.
    case principal
    case delegated
}
