import Postgres

/// The décompte of one IJ payment (guide ch. 06, the download icon of a "Date du règlement"):
/// the payment, every indemnified period it pays and the total.
public struct IJStatement: Sendable {
    public let company: StructureDirectory.Details
    public let payment: IJPayments.Payment

    public var fileName: String { "decompte-ij-\(payment.reference).pdf" }

    public func document() -> PDFDocument {
        var pdf = PDFDocument(title: "Décompte de règlement d'indemnités journalières")
        pdf.heading("Entreprise")
        pdf.fields([("Raison sociale", company.name), ("SIRET", company.siret), ("Numéro client", company.clientNumber)])
        pdf.heading("Règlement")
        pdf.fields([("Date du règlement", FrenchFormat.date(payment.paymentDate)), ("Référence", payment.reference),
                    ("Montant du règlement", FrenchFormat.amount(payment.amount)),
                    ("Nombre de lignes", String(payment.lines.count))])
        pdf.heading("Périodes indemnisées")
        var rows = payment.lines.map { line in
            ["\(FrenchFormat.date(line.periodStart)) au \(FrenchFormat.date(line.periodEnd))", line.natureLabel,
             "\(line.beneficiaryName)\n\(line.matricule)", String(line.days), FrenchFormat.amount(line.ssDaily),
             FrenchFormat.amount(line.otherMovement), FrenchFormat.amount(line.insurerDaily), FrenchFormat.amount(line.amount)]
        }
        let sum = Cents(payment.lines.reduce(0) { $0 + $1.amount.value })
        // The total of the lines; never a figure they do not add up to. Should OCSO's file ever
        // disagree with itself, the payment's own amount follows on a line of its own.
        rows.append(["Total", "", "", "", "", "", "", FrenchFormat.amount(sum)])
        if sum != payment.amount {
            rows.append(["Règlement", "", "", "", "", "", "", FrenchFormat.amount(payment.amount)])
        }
        pdf.table(columns: [PDFDocument.Column("Période indemnisée", width: 66),
                            PDFDocument.Column("Nature", width: 80),
                            PDFDocument.Column("Bénéficiaire", width: 76),
                            PDFDocument.Column("Jours", width: 32, alignment: .right),
                            PDFDocument.Column("Journalier Sécurité sociale", width: 54, alignment: .right),
                            PDFDocument.Column("Autre mouvement", width: 61, alignment: .right),
                            PDFDocument.Column("Journalier OCSO", width: 54, alignment: .right),
                            PDFDocument.Column("Montant", width: 60, alignment: .right)],
                  rows: rows)
        pdf.paragraph("Montant d'une ligne = nombre de jours × (montant journalier OCSO − montant journalier Sécurité sociale) "
            + "+ autre mouvement. Les montants journaliers de la Sécurité sociale sont ceux dont OCSO a eu connaissance ; "
            + "ils sont déduits de l'indemnité garantie par le contrat de prévoyance.")
        pdf.paragraph("Le règlement est versé à l'entreprise, qui reverse les indemnités à ses salariés par la paie "
            + "(subrogation). Conservez ce décompte avec vos justificatifs de paie.")
        return pdf
    }
}
