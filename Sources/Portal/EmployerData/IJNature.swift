/// What an IJ line indemnifies: the codes of OCSO's batch files (spec §2) and the labels the
/// portal shows. Shared by the employer API and the batch parser.
public enum IJNature: String, Encodable, Sendable, CaseIterable {
    case sickness = "MAL"
    case maternity = "MAT"
    case paternity = "PAT"
    case workAccident = "ATP"
    case therapeuticPartTime = "TPT"

    /// As the portal shows it.
    public var label: String {
        switch self {
        case .sickness: "Ind.Jour. Maladie"
        case .maternity: "Ind.Jour. Maternité"
        case .paternity: "Ind.Jour. Paternité"
        case .workAccident: "Ind.Jour. Accident du travail"
        case .therapeuticPartTime: "Temps partiel thérapeutique"
        }
    }
}
