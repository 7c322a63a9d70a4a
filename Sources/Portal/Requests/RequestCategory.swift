/// What a démarche is about (guide ch. 08), grouped as on the page, each routed to the OCSO
/// team that handles it. The codes are stable: the home page links to
/// `…/requests?category=portability|company_details|employee_exit|employee_address`.
public enum RequestCategory: String, CaseIterable, Sendable, Codable {
    /// Bulletin d'adhésion ou de modification.
    case enrolment
    case portability
    case employeeExit = "employee_exit"
    case employeeAddress = "employee_address"
    /// Address, phone, KBIS.
    case companyDetails = "company_details"
    /// File, statements, extension, return to work.
    case sickLeave = "sick_leave"
    /// Bordereaux échus ou de régularisation.
    case contributions
    case question

    /// The sections of the Démarches page.
    public enum Group: String, CaseIterable, Sendable, Codable {
        case employees
        case company
        case sickLeave = "sick_leave"
        case contributions
        case question

        public var label: String {
            switch self {
            case .employees: "Salariés"
            case .company: "Modification des coordonnées de l'entreprise"
            case .sickLeave: "Arrêts de travail"
            case .contributions: "Règlement des cotisations"
            case .question: "Poser une question"
            }
        }
    }

    public var group: Group {
        switch self {
        case .enrolment, .portability, .employeeExit, .employeeAddress: .employees
        case .companyDetails: .company
        case .sickLeave: .sickLeave
        case .contributions: .contributions
        case .question: .question
        }
    }

    /// The team the request is routed to.
    public var team: OCSOTeam {
        switch group {
        case .employees: .employees
        case .company: .companies
        case .sickLeave: .benefits
        case .contributions: .contributions
        case .question: .customerService
        }
    }

    /// How the request reads in "Mes dernières démarches" (guide ch. 08).
    public var label: String {
        switch self {
        case .enrolment: "Envoi d'un bulletin d'adhésion ou de modification"
        case .portability: "Envoi d'un formulaire de portabilité"
        case .employeeExit: "Signalement de la sortie d'un salarié"
        case .employeeAddress: "Signalement de changement d'adresse d'un salarié"
        case .companyDetails: "Modification des coordonnées de l'entreprise"
        case .sickLeave: "Arrêt de travail : dossier, décomptes, prolongation ou reprise"
        case .contributions: "Règlement des cotisations : envoi de bordereaux"
        case .question: "Nouvelle question posée"
        }
    }
}
