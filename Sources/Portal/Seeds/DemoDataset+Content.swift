import Postgres

/// What the guide shows for SARL DEMONSTRATION, as plain values. Tests of the employer API can
/// compare against these rather than repeat the figures.
extension DemoDataset {
    public struct Contract: Sendable {
        public var ref: String
        public var kind: String
        public var college: String
        public var dsnReference: String
        public var startDate: String
        public var signed: Bool
        public var guarantees: [Guarantee]
    }

    public struct Guarantee: Sendable {
        public var code: String
        public var label: String
        public var periodicity: String
        public var paymentMode: String
    }

    public struct Insured: Sendable {
        public var matricule: String
        public var lastName: String
        public var firstName: String
        public var nir: String
        public var birthDate: String
        public var addressLine: String
        public var postalCode: String
        public var city: String
        public var affiliations: [Affiliation]
        public var beneficiaries: [Beneficiary]
    }

    public struct Affiliation: Sendable {
        public var contractRef: String
        public var entryDate: String
        public var endDate: String?
        public var portabilityEnd: String?
    }

    public struct Beneficiary: Sendable {
        public var lastName: String
        public var firstName: String
        public var rank: String
        public var birthDate: String
        public var adhesionDate: String
    }

    public struct IJPayment: Sendable {
        public var ref: String
        public var date: String
        public var amount: Cents
        public var lines: [IJLine]
    }

    public struct IJLine: Sendable {
        public var matricule: String
        public var beneficiaryName: String
        public var periodStart: String
        public var periodEnd: String
        public var nature: String
        public var ssDaily: Cents
        public var otherMovement: Cents
        public var insurerDaily: Cents
    }

    public static let clientNumber = "1234567"
    public static let siren = "999999998"
    public static let siret = "99999999800019"
    public static let name = "SARL DEMONSTRATION"
    public static let address = "Rue de la proximité et de l'écoute\n33700 MERIGNAC"
    public static let phone = "05 59 00 00 00"

    static let prevoyanceGuarantees = [
        Guarantee(code: "DTC", label: "Décès Toutes Causes", periodicity: "TRIMESTRIEL_ECHU", paymentMode: "OCSO"),
        Guarantee(code: "DA", label: "Décès Accident", periodicity: "TRIMESTRIEL_ECHU", paymentMode: "OCSO"),
        Guarantee(code: "II", label: "Incapacité Invalidité", periodicity: "TRIMESTRIEL_ECHU", paymentMode: "OCSO"),
    ]

    /// The three régimes of guide ch. 04, then one OCSO has not received signed (never shown).
    public static let contracts = [
        Contract(ref: "DEMO-GU-P", kind: "PREVOYANCE", college: "Salarié art 48,4bis CCN 14/03/1947",
                 dsnReference: "1234567/GU/P", startDate: "2007-01-01", signed: true, guarantees: prevoyanceGuarantees),
        Contract(ref: "DEMO-SN-P", kind: "PREVOYANCE", college: "Salarié ne relevant pas de la CCN 1947",
                 dsnReference: "1234567/SN/P", startDate: "2018-01-01", signed: true, guarantees: prevoyanceGuarantees),
        Contract(ref: "DEMO-EP-S", kind: "SANTE", college: "Ensemble du Personnel",
                 dsnReference: "1234567/EP/S", startDate: "2007-01-01", signed: true,
                 guarantees: [Guarantee(code: "FMC", label: "Frais Médicaux Chirurgicaux", periodicity: "TRIMESTRIEL_ECHU",
                                        paymentMode: "PRECOMPTE_OCSO")]),
        Contract(ref: "DEMO-CA-P", kind: "PREVOYANCE", college: "Cadres (contrat non retourné signé)",
                 dsnReference: "1234567/CA/P", startDate: "2024-01-01", signed: false,
                 guarantees: [Guarantee(code: "DTC", label: "Décès Toutes Causes", periodicity: "TRIMESTRIEL_ECHU", paymentMode: "OCSO")]),
    ]

    /// Guide ch. 05. DUBOIS MARTIN keeps the guide's NIR, completed with its key. On 2026-11-26,
    /// MARTIN ESTELLE is out (SORTI) and PETIT GWENNAEL in portability; the others are active.
    public static let insured = [
        Insured(matricule: "123456700001", lastName: "DUPONT", firstName: "ELOISE", nir: "285033306304736",
                birthDate: "1985-03-12", addressLine: "12 avenue de la Somme", postalCode: "33700", city: "MERIGNAC",
                affiliations: [Affiliation(contractRef: "DEMO-GU-P", entryDate: "2012-04-01"),
                               Affiliation(contractRef: "DEMO-EP-S", entryDate: "2012-04-01")],
                beneficiaries: []),
        Insured(matricule: "123456700002", lastName: "DUBOIS", firstName: "MARTIN", nir: "123456789101292",
                birthDate: "1983-05-17", addressLine: "3 rue de l'arc en ciel", postalCode: "33700", city: "MERIGNAC",
                affiliations: [Affiliation(contractRef: "DEMO-EP-S", entryDate: "2007-01-01")],
                beneficiaries: [
                    Beneficiary(lastName: "DUBOIS", firstName: "JULIE", rank: "EA", birthDate: "2014-10-27", adhesionDate: "2021-01-23"),
                    Beneficiary(lastName: "DUBOIS", firstName: "JULIEN", rank: "EB", birthDate: "2018-05-05", adhesionDate: "2021-01-23"),
                ]),
        Insured(matricule: "123456700003", lastName: "DURAND", firstName: "JOEL", nir: "178116444510239",
                birthDate: "1978-11-02", addressLine: "8 rue Émile Zola", postalCode: "64000", city: "PAU",
                affiliations: [Affiliation(contractRef: "DEMO-GU-P", entryDate: "2009-09-01"),
                               Affiliation(contractRef: "DEMO-EP-S", entryDate: "2009-09-01")],
                beneficiaries: []),
        Insured(matricule: "123456700004", lastName: "MARTIN", firstName: "ESTELLE", nir: "290073328101540",
                birthDate: "1990-07-21", addressLine: "45 avenue de l'Yser", postalCode: "33700", city: "MERIGNAC",
                affiliations: [Affiliation(contractRef: "DEMO-SN-P", entryDate: "2018-01-01", endDate: "2021-03-31",
                                           portabilityEnd: "2022-03-31"),
                               Affiliation(contractRef: "DEMO-EP-S", entryDate: "2018-01-01", endDate: "2021-03-31",
                                           portabilityEnd: "2022-03-31")],
                beneficiaries: []),
        Insured(matricule: "123456700005", lastName: "PETIT", firstName: "GWENNAEL", nir: "182022901923304",
                birthDate: "1982-02-14", addressLine: "5 allée des Pins", postalCode: "33600", city: "PESSAC",
                affiliations: [Affiliation(contractRef: "DEMO-SN-P", entryDate: "2018-01-01", endDate: "2026-06-30",
                                           portabilityEnd: "2027-06-30"),
                               Affiliation(contractRef: "DEMO-EP-S", entryDate: "2018-01-01", endDate: "2026-06-30",
                                           portabilityEnd: "2027-06-30")],
                beneficiaries: []),
    ]

    /// The four payments of the home page (guide ch. 03 and 06). Each amount is
    /// days × (insurer − Sécurité sociale) + other movement, to the cent.
    public static let ijPayments = [
        IJPayment(ref: "DEMO-IJ-20210618", date: "2021-06-18", amount: Cents(55380), lines: [
            IJLine(matricule: "123456700001", beneficiaryName: "DUPONT Eloise", periodStart: "2021-05-07", periodEnd: "2021-05-26",
                   nature: "MAL", ssDaily: Cents(3234), otherMovement: Cents(0), insurerDaily: Cents(6003)),
        ]),
        IJPayment(ref: "DEMO-IJ-20210528", date: "2021-05-28", amount: Cents(116_298), lines: [
            IJLine(matricule: "123456700003", beneficiaryName: "DURAND Joel", periodStart: "2021-03-26", periodEnd: "2021-05-06",
                   nature: "MAL", ssDaily: Cents(3120), otherMovement: Cents(0), insurerDaily: Cents(5889)),
        ]),
        IJPayment(ref: "DEMO-IJ-20200620", date: "2020-06-20", amount: Cents(29638), lines: [
            IJLine(matricule: "123456700004", beneficiaryName: "MARTIN Estelle", periodStart: "2020-05-18", periodEnd: "2020-05-31",
                   nature: "MAT", ssDaily: Cents(2500), otherMovement: Cents(0), insurerDaily: Cents(4617)),
        ]),
        IJPayment(ref: "DEMO-IJ-20200606", date: "2020-06-06", amount: Cents(63686), lines: [
            IJLine(matricule: "123456700005", beneficiaryName: "PETIT Gwennael", periodStart: "2020-05-01", periodEnd: "2020-05-14",
                   nature: "ATP", ssDaily: Cents(4000), otherMovement: Cents(0), insurerDaily: Cents(8549)),
        ]),
    ]

    /// Bordereaux of guide ch. 07 (GESTION DES COTISATIONS): collège and guarantee as printed there.
    static let contributionStatements: [(year: Int, college: String, guarantee: String, contractRef: String)] = [
        (2020, "SAL NE RELEVANT PAS CCN47", "PREVOYANCE", "DEMO-SN-P"),
        (2020, "SAL RELEVANT ART 48.4 BIS CCN 47", "PREVOYANCE", "DEMO-GU-P"),
        (2020, "EP", "SANTE", "DEMO-EP-S"),
    ]

    public struct Form: Sendable {
        public var category: String
        public var title: String
        public var fileName: String
        public var position: Int
        /// Sections of the blank form: a heading and the fields to fill in.
        var sections: [(String, [String])]
    }

    /// The blank forms of guide ch. 07, in the guide's order.
    public static let forms = [
        Form(category: "sick_leave", title: "Demande indemnités journalières", fileName: "demande-indemnites-journalieres.pdf", position: 1,
             sections: [employerSection, employeeSection,
                        ("Arrêt de travail", ["Nature (maladie, maternité, paternité, accident du travail, temps partiel thérapeutique)",
                                              "Date de début de l'arrêt", "Date de fin de l'arrêt", "Date de reprise",
                                              "Subrogation de l'employeur (oui / non)"]),
                        ("Pièces à joindre", ["Décomptes d'indemnités journalières de la Sécurité sociale", "Avis d'arrêt de travail"])]),
        Form(category: "sick_leave", title: "DDE II Complémentaire", fileName: "dde-ii-complementaire.pdf", position: 2,
             sections: [employerSection, employeeSection,
                        ("Demande d'indemnisation complémentaire", ["Période concernée", "Salaire brut des 12 derniers mois",
                                                                    "Montant des indemnités journalières Sécurité sociale"])]),
        Form(category: "sick_leave", title: "DDE II CCU", fileName: "dde-ii-ccu.pdf", position: 3,
             sections: [employerSection, employeeSection,
                        ("Convention collective", ["Convention collective appliquée", "Ancienneté du salarié", "Période concernée"])]),
        Form(category: "sick_leave", title: "DDE II Mensualisation", fileName: "dde-ii-mensualisation.pdf", position: 4,
             sections: [employerSection, employeeSection,
                        ("Maintien de salaire", ["Période de maintien de salaire", "Taux de maintien",
                                                 "Montant versé par l'employeur"])]),
        Form(category: "contributions", title: "Bordereau de cotisation", fileName: "bordereau-de-cotisation.pdf", position: 5,
             sections: [employerSection,
                        ("Période", ["Année", "Trimestre", "Collège", "Garantie"]),
                        ("Cotisations", ["Effectif", "Assiette de cotisation (€)", "Taux (%)", "Montant de la cotisation (€)"])]),
        Form(category: "changes", title: "Modification clause bénéficiaire", fileName: "modification-clause-beneficiaire.pdf", position: 6,
             sections: [employeeSection,
                        ("Nouvelle clause bénéficiaire", ["Clause type (conjoint, à défaut enfants, à défaut héritiers)",
                                                          "Clause particulière : nom, prénom, date de naissance et part de chaque bénéficiaire"]),
                        ("Signature", ["Fait à", "Le", "Signature de l'assuré"])]),
        Form(category: "changes", title: "Mandat SEPA", fileName: "mandat-sepa.pdf", position: 7,
             sections: [employerSection,
                        ("Compte à débiter", ["Titulaire du compte", "IBAN", "BIC"]),
                        ("Signature", ["Fait à", "Le", "Signature du titulaire du compte"])]),
        Form(category: "changes", title: "Formulaire de portabilité", fileName: "formulaire-de-portabilite.pdf", position: 8,
             sections: [employerSection, employeeSection,
                        ("Fin du contrat de travail", ["Date de fin du contrat de travail", "Motif de la rupture",
                                                       "Durée du dernier contrat (mois)", "Ouverture de droits à l'assurance chômage (oui / non)"])]),
    ]

    static let employerSection = ("Employeur", ["Raison sociale", "Numéro client", "SIRET", "Adresse"])
    static let employeeSection = ("Salarié", ["Nom", "Prénom", "Matricule", "Numéro de Sécurité sociale", "Date de naissance"])

    public static let newsTitle = "Bienvenue sur votre Espace Employeur"
    static let newsBody = """
        Votre nouvel Espace Employeur OCSO est ouvert. Vous y retrouvez les informations de votre entreprise, \
        vos régimes en cours avec leurs descriptifs de garanties et notices d'information, vos assurés, \
        les remboursements d'indemnités journalières et vos bordereaux de cotisation.

        Vous pouvez administrer plusieurs structures et plusieurs utilisateurs : rendez-vous en haut à droite \
        dans la rubrique « Administration des structures ».

        Pour toutes questions ou demande d'information : support@ocso.fr
        """
    static let newsPublishedAt = "2021-06-01 09:00:00+02"
}
