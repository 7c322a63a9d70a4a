/// The PDFs of the demo dataset: descriptifs, notices, bordereaux and blank forms. They only need
/// to look like the real thing; every figure on them is fictitious.
enum DemoDocuments {
    static let demoNotice = "Document de démonstration — les montants et garanties qu'il présente sont fictifs."

    static func periodicityLabel(_ code: String) -> String {
        switch code {
        case "TRIMESTRIEL_ECHU": "Trimestriel - Echu"
        case "TRIMESTRIEL_ECHOIR": "Trimestriel - A échoir"
        case "MENSUEL_ECHU": "Mensuel - Echu"
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

    static func kindLabel(_ kind: String) -> String {
        kind == "SANTE" ? "Santé collective" : "Prévoyance collective"
    }

    static func companyFields() -> [(String, String)] {
        [("Entreprise", DemoDataset.name), ("Numéro client", DemoDataset.clientNumber), ("SIRET", DemoDataset.siret)]
    }

    static func guaranteeDescription(_ contract: DemoDataset.Contract) -> [UInt8] {
        var pdf = PDFDocument(title: "Descriptif des garanties — \(kindLabel(contract.kind))")
        pdf.fields(companyFields() + [("Collège", contract.college), ("Référence DSN", contract.dsnReference),
                                      ("Date d'effet", frenchDate(contract.startDate))])
        pdf.heading("Garanties souscrites")
        pdf.table(columns: [PDFDocument.Column("Libellé de la garantie", width: 190), PDFDocument.Column("Périodicité", width: 110),
                            PDFDocument.Column("Mode de paiement", width: 183)],
                  rows: contract.guarantees.map { [$0.label, periodicityLabel($0.periodicity), paymentModeLabel($0.paymentMode)] })
        pdf.paragraph("Les prestations sont versées dans les conditions et limites fixées par le contrat et sa notice "
            + "d'information. Seuls les régimes pour lesquels OCSO a reçu le contrat signé figurent dans l'Espace Employeur.")
        pdf.paragraph(demoNotice)
        return pdf.render()
    }

    static func informationNotice(_ contract: DemoDataset.Contract, _ guarantee: DemoDataset.Guarantee) -> [UInt8] {
        var pdf = PDFDocument(title: "Notice d'information — \(guarantee.label)")
        pdf.fields([("Régime", kindLabel(contract.kind)), ("Collège", contract.college), ("Référence DSN", contract.dsnReference),
                    ("Garantie", guarantee.label), ("Périodicité", periodicityLabel(guarantee.periodicity)),
                    ("Mode de paiement", paymentModeLabel(guarantee.paymentMode))])
        pdf.heading("Objet de la garantie")
        pdf.paragraph(noticeText(for: guarantee.code))
        pdf.heading("Vos démarches")
        pdf.paragraph("Adressez vos demandes depuis la rubrique Démarches de votre Espace Employeur, accompagnées des "
            + "pièces justificatives. Pour toute question : support@ocso.fr.")
        pdf.paragraph("L'employeur remet cette notice à chaque salarié affilié (article L. 141-4 du Code des assurances).")
        pdf.paragraph(demoNotice)
        return pdf.render()
    }

    static func noticeText(for code: String) -> String {
        switch code {
        case "DTC": "En cas de décès de l'assuré, quelle qu'en soit la cause, un capital est versé aux bénéficiaires désignés ; "
            + "à défaut de désignation, selon la clause type du contrat."
        case "DA": "En cas de décès consécutif à un accident, un capital supplémentaire s'ajoute au capital décès toutes causes."
        case "II": "En cas d'arrêt de travail, des indemnités journalières complètent celles de la Sécurité sociale après la "
            + "franchise prévue ; en cas d'invalidité, une rente est versée selon la catégorie reconnue."
        case "FMC": "Les frais médicaux et chirurgicaux (consultations, pharmacie, hospitalisation, optique, dentaire) sont "
            + "remboursés en complément de la Sécurité sociale, dans la limite du tableau de garanties."
        default: "Les conditions de la garantie figurent au contrat."
        }
    }

    static func contributionStatement(year: Int, college: String, guarantee: String) -> [UInt8] {
        var pdf = PDFDocument(title: "Bordereau de régularisation \(year)")
        pdf.fields(companyFields() + [("Collège", college), ("Garantie", guarantee), ("Exercice", String(year))])
        pdf.heading("Récapitulatif annuel")
        // Fictitious but consistent: contribution = base × rate, totals add up.
        let base: [Int64] = guarantee == "SANTE" ? [3_120_000, 3_180_000, 3_150_000, 3_240_000] : [2_450_000, 2_480_000, 2_395_000, 2_510_000]
        let rateBasisPoints: Int64 = guarantee == "SANTE" ? 210 : 145
        var rows: [[String]] = []
        var totalBase: Int64 = 0
        var totalContribution: Int64 = 0
        for (quarter, cents) in base.enumerated() {
            let contribution = (cents * rateBasisPoints + 5_000) / 10_000
            totalBase += cents
            totalContribution += contribution
            rows.append(["T\(quarter + 1) \(year)", frenchAmount(cents), rateText(rateBasisPoints), frenchAmount(contribution)])
        }
        rows.append(["Total", frenchAmount(totalBase), "", frenchAmount(totalContribution)])
        pdf.table(columns: [PDFDocument.Column("Période", width: 110), PDFDocument.Column("Assiette", width: 130, alignment: .right),
                            PDFDocument.Column("Taux", width: 80, alignment: .right),
                            PDFDocument.Column("Cotisation", width: 130, alignment: .right)],
                  rows: rows)
        pdf.paragraph(demoNotice)
        return pdf.render()
    }

    static func blankForm(_ form: DemoDataset.Form) -> [UInt8] {
        var pdf = PDFDocument(title: form.title)
        pdf.paragraph("Formulaire à compléter et à nous retourner depuis la rubrique Démarches de votre Espace Employeur.")
        for (heading, fields) in form.sections {
            pdf.heading(heading)
            pdf.fields(fields.map { ($0, "____________________________________") })
        }
        pdf.spacer(18)
        pdf.paragraph("Fait à ____________________, le ____ / ____ / ________          Signature et cachet de l'employeur")
        return pdf.render()
    }

    /// `2007-01-01` → `01/01/2007`.
    static func frenchDate(_ iso: String) -> String {
        let parts = iso.split(separator: "-")
        return parts.count == 3 ? "\(parts[2])/\(parts[1])/\(parts[0])" : iso
    }

    /// `3120000` cents → `31 200,00 €` (no-break spaces, as French typesetting wants).
    static func frenchAmount(_ cents: Int64) -> String {
        let euros = String(cents / 100)
        var grouped = ""
        for (index, digit) in euros.enumerated() {
            if index > 0, (euros.count - index) % 3 == 0 { grouped.append("\u{00A0}") }
            grouped.append(digit)
        }
        let fraction = cents % 100
        return "\(grouped),\(fraction < 10 ? "0" : "")\(fraction)\u{00A0}€"
    }

    static func rateText(_ basisPoints: Int64) -> String {
        "\(basisPoints / 100),\(basisPoints % 100 < 10 ? "0" : "")\(basisPoints % 100)\u{00A0}%"
    }
}
