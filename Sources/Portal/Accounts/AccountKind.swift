/// Employers' staff use the portal; OCSO staff use the back-office. The same sessions serve
/// both, and the responder keeps each on its own endpoints.
public enum AccountKind: String, Sendable, Codable {
    case employer
    case staff
}
