import Portal

/// "Indemnités journalières" (guide ch. 06): payments with their lines, filters, CSV export.
enum IJEndpoints {
    static func register(in router: inout Router<Endpoint>) {
        // A JSON page is read in the round trip of the session and access checks (see Guards).
        router.add("GET", "/api/v1/structures/{id}/ij-payments", Guards.structure(.ij, prefetching: { request, context in
            guard let structureID = try? context.id("id"), let (filter, page, csv) = try? listRequest(request), !csv else { return [] }
            return IJPayments.listStatements(structureID: structureID, filter: filter, page: page)
        }) { request, context, _, access, prefetched in
            let (filter, page, exportsCSV) = try listRequest(request)
            let payments = IJPayments(connection: context.database, access: access)
            if !prefetched.isEmpty { return try .json(IJPayments.page(from: prefetched, page: page)) }
            guard exportsCSV else { return try .json(payments.list(filter, page: page)) }
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

    /// The filter, the page and whether a CSV export is asked for; a 400 for anything malformed.
    private static func listRequest(_ request: APIRequest) throws -> (IJPayments.Filter, Page, csv: Bool) {
        let query = QueryParameters(request, allowed: ["from", "to", "insured", "page", "page_size", "format"])
        let filter = IJPayments.Filter(from: query.date("from"), to: query.date("to"), matricule: query.string("insured", maxLength: 20))
        query.period(from: filter.from, to: filter.to)
        let page = query.page()
        let format = query.choice("format", allowed: ["json", "csv"], default: "")
        try query.finish()
        return (filter, page, CSVDocument.isRequested(request, format: format))
    }
}
