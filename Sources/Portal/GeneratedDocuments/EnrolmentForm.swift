import Postgres

/// The "Bulletin individuel d'adhésion" (BIA) composer of guide ch. 07: the blank enrolment form
/// of one signed contract of the structure, for a new employee to fill in. Its footnotes become
/// inputs: whether option contributions are taken from the pay slip (précompte employeur), and
/// the number of employees in the category — for Prévoyance, a category of fewer than 6 needs a
/// medical questionnaire, which is then part of the document.
public struct EnrolmentForm: Sendable {
    /// Below this many employees in a Prévoyance category, the insurer asks for a medical questionnaire.
    public static let medicalQuestionnaireThreshold = 6
    public static let maximumEmployees = 100_000

    public struct Request: Sendable {
        public var contractReference: String
        /// nil: not answered (the contract may have no options).
        public var payrollDeduction: Bool?
        /// Required for Prévoyance contracts, optional for Santé.
        public var employeesInCategory: Int?

        public init(contractReference: String, payrollDeduction: Bool?, employeesInCategory: Int?) {
            self.contractReference = contractReference
            self.payrollDeduction = payrollDeduction
            self.employeesInCategory = employeesInCategory
        }
    }

    public let company: StructureDirectory.Details
    public let contract: Contracts.Contract
    public let payrollDeduction: Bool?
    public let employeesInCategory: Int?

    public var includesMedicalQuestionnaire: Bool {
        contract.regime == .prevoyance && (employeesInCategory ?? 0) < Self.medicalQuestionnaireThreshold
    }

    public var fileName: String { "bulletin-individuel-adhesion-\(contract.reference).pdf" }

    static let blank = "________________________________________"
    /// Two lines high: room to write by hand.
    static let emptyCell = " \n "

    public func document() -> PDFDocument {
        var pdf = PDFDocument(title: "Bulletin individuel d'adhésion – \(contract.regimeLabel)")
        pdf.paragraph("Bulletin à compléter par le salarié, à signer par le salarié et l'employeur, puis à retourner à OCSO "
            + "depuis la rubrique Démarches de votre Espace Employeur.")
        pdf.heading("Employeur")
        var employer = [("Raison sociale", company.name), ("SIRET", company.siret), ("Numéro client", company.clientNumber)]
        if let address = company.address, !address.isEmpty { employer.append(("Adresse", address)) }
        pdf.fields(employer)

        pdf.heading("Contrat")
        var terms = [("Régime", contract.regimeLabel), ("Collège", contract.college), ("Référence DSN", contract.dsnReference),
                     ("Référence du contrat", contract.reference), ("Date d'effet du contrat", FrenchFormat.date(contract.startDate))]
        if let employees = employeesInCategory { terms.append(("Salariés de la catégorie", String(employees))) }
        terms.append(("Cotisation des options", payrollDeductionText))
        pdf.fields(terms)
        if !contract.guarantees.isEmpty {
            pdf.table(columns: [PDFDocument.Column("Garanties du contrat", width: 240), PDFDocument.Column("Périodicité", width: 110),
                                PDFDocument.Column("Paiement", width: 133)],
                      rows: contract.guarantees.map { [$0.label, Self.periodicityLabel($0.periodicity), Self.paymentModeLabel($0.paymentMode)] })
        }

        pdf.heading("Salarié")
        pdf.fields(["Nom", "Nom de naissance", "Prénom", "Date de naissance", "Numéro de Sécurité sociale", "Adresse", "Code postal et ville",
                    "Téléphone", "Adresse e-mail", "Matricule", "Date d'embauche", "Date d'affiliation"]
            .map { ($0, Self.blank) })

        switch contract.regime {
        case .sante:
            pdf.heading("Ayants droit à couvrir")
            pdf.paragraph("Conjoint, partenaire de PACS ou concubin, et enfants à charge au sens du contrat.")
            pdf.table(columns: [PDFDocument.Column("Qualité", width: 80), PDFDocument.Column("Nom", width: 110),
                                PDFDocument.Column("Prénom", width: 90), PDFDocument.Column("Né(e) le", width: 70),
                                PDFDocument.Column("N° de Sécurité sociale de rattachement", width: 133)],
                      rows: Array(repeating: Array(repeating: Self.emptyCell, count: 5), count: 5))
        case .prevoyance:
            pdf.heading("Bénéficiaires en cas de décès")
            pdf.paragraph("À défaut de désignation particulière, le capital est versé selon la clause type du contrat : au conjoint "
                + "non séparé ou au partenaire de PACS, à défaut aux enfants par parts égales, à défaut aux héritiers.")
            pdf.table(columns: [PDFDocument.Column("Nom", width: 120), PDFDocument.Column("Prénom", width: 100),
                                PDFDocument.Column("Né(e) le", width: 80), PDFDocument.Column("Lien avec le salarié", width: 113),
                                PDFDocument.Column("Part (%)", width: 70, alignment: .right)],
                      rows: Array(repeating: Array(repeating: Self.emptyCell, count: 5), count: 4))
        }

        pdf.heading("Signatures")
        pdf.paragraph("Le salarié reconnaît avoir reçu la notice d'information du contrat. Ses données sont traitées par OCSO pour la "
            + "gestion de son adhésion ; il peut exercer ses droits d'accès et de rectification auprès de dpo@ocso.fr.")
        pdf.paragraph("Fait à ____________________________, le ____ / ____ / ________")
        pdf.signatures(["Signature du salarié", "Signature et cachet de l'employeur"])

        if includesMedicalQuestionnaire {
            pdf.pageBreak()
            pdf.heading("Questionnaire médical")
            pdf.paragraph("La catégorie de personnel « \(contract.college) » compte moins de \(Self.medicalQuestionnaireThreshold) "
                + "salariés : ce questionnaire, rempli et signé par le salarié, est à joindre au bulletin d'adhésion. Il est "
                + "confidentiel : le salarié l'adresse sous pli fermé, à l'attention du médecin conseil d'OCSO.")
            pdf.fields([("Nom et prénom", Self.blank), ("Taille (cm) et poids (kg)", Self.blank)])
            pdf.questions([
                "Êtes-vous actuellement en arrêt de travail, ou l'avez-vous été plus de 30 jours consécutifs au cours des 5 dernières années ?",
                "Suivez-vous un traitement médical régulier, ou en avez-vous suivi un de plus de 3 mois au cours des 5 dernières années ?",
                "Une intervention chirurgicale, une hospitalisation ou des examens médicaux sont-ils prévus ?",
                "Percevez-vous une pension d'invalidité, une rente d'incapacité, ou une demande est-elle en cours ?",
                "Êtes-vous reconnu(e) travailleur handicapé ou atteint(e) d'une affection de longue durée (ALD) ?",
            ])
            pdf.paragraph("Si vous avez répondu « Oui » à une question, précisez la nature de l'affection, les dates et les "
                + "traitements sur papier libre joint sous le même pli.")
            pdf.paragraph("Je certifie l'exactitude de mes réponses. Toute réticence ou fausse déclaration intentionnelle entraîne la "
                + "nullité de l'adhésion (article L. 113-8 du Code des assurances).")
            pdf.paragraph("Fait à ____________________________, le ____ / ____ / ________")
            pdf.signatures(["Signature du salarié"])
        }
        return pdf
    }

    var payrollDeductionText: String {
        switch payrollDeduction {
        case true?: "Précompte employeur : prélevée sur le bulletin de paie du salarié"
        case false?: "Pas de précompte employeur : prélevée sur le compte bancaire du salarié"
        case nil: "Non renseigné"
        }
    }

    static func periodicityLabel(_ code: String) -> String {
        switch code {
        case "TRIMESTRIEL_ECHU": "Trimestriel - Échu"
        case "TRIMESTRIEL_ECHOIR": "Trimestriel - À échoir"
        case "MENSUEL_ECHU": "Mensuel - Échu"
        default: code
        }
    }

    static func paymentModeLabel(_ code: String) -> String {
        switch code {
        case "OCSO": "Paiement via OCSO"
        case "PRECOMPTE_OCSO": "Précompte employeur - Paiement via OCSO"
        default: code
        }
    }
}
