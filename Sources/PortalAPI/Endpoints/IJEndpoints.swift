import Portal

/// "Indemnités journalières" (guide ch. 06): payments with their lines, filters, CSV export.
enum IJEndpoints {
    static func register(in router: inout Router<Endpoint>) {
        router.add("GET", "/api/v1/structures/{id}/ij-payments", Guards.structure(.ij) { request, context, _, access in
            let query = QueryParameters(request, allowed: ["from", "to", "insured", "page", "page_size", "format"])
            let filter = IJPayments.Filter(from: query.date("from"), to: query.date("to"), matricule: query.string("insured", maxLength: 20))
            query.period(from: filter.from, to: filter.to)
            let page = query.page()
            let format = query.choice("format", allowed: ["json", "csv"], default: "")
            try query.finish()
            let payments = IJPayments(connection: context.database, access: access)
            guard CSVDocument.isRequested(request, format: format) else { return try .json(payments.list(filter, page: page)) }
            let csv = try CSVDocument(stream: context.stream, fileName: "indemnites-journalieres-\(access.structureID).csv",
                                      header: ["Date du règlement", "Référence", "Montant du règlement", "Matricule", "Bénéficiaire",
                                           "Début de période", "Fin de période", "Nature", "Nombre de jours",
                                           "Montant journalier Sécurité sociale", "Autre mouvement", "Montant journalier OCSO",
                                           "Montant de la ligne"])
            try payments.forEach(filter) { payment in
                for line in payment.lines {
                    try csv.append([.number(payment.paymentDate.french), .text(payment.reference), .number(payment.amount.frenchDecimal),
                                .text(line.matricule), .text(line.beneficiaryName), .number(line.periodStart.french),
                                .number(line.periodEnd.french), .text(line.natureLabel), .number(String(line.days)),
                                .number(line.ssDaily.frenchDecimal), .number(line.otherMovement.frenchDecimal),
                                .number(line.insurerDaily.frenchDecimal), .number(line.amount.frenchDecimal)])
                }
            }
            try context.audit("export.ij_payments", access)
            return try csv.finish()
        })
    }
}
