import Portal

/// "Assurés" (guide ch. 05): the list with its filters and CSV export, and "Détails Santé".
enum InsuredEndpoints {
    static func register(in router: inout Router<Endpoint>) {
        router.add("GET", "/api/v1/structures/{id}/insured", Guards.structure(.insured) { request, context, _, access in
            let query = QueryParameters(request, allowed: ["from", "to", "q", "college", "regime", "portability", "page", "page_size", "format"])
            var filter = InsuredPeople.Filter(from: query.date("from"), to: query.date("to"), query: query.string("q", maxLength: 100),
                                              college: query.string("college", maxLength: 200))
            filter.regime = Regime(rawValue: query.choice("regime", allowed: ["", "PREVOYANCE", "SANTE"], default: ""))
            filter.portability = InsuredPeople.PortabilityFilter(
                rawValue: query.choice("portability", allowed: InsuredPeople.PortabilityFilter.allCases.map(\.rawValue), default: "all")) ?? .all
            query.period(from: filter.from, to: filter.to)
            let page = query.page()
            let format = query.choice("format", allowed: ["json", "csv"], default: "")
            try query.finish()
            let people = InsuredPeople(connection: context.database, access: access)
            guard CSVDocument.isRequested(request, format: format) else { return try .json(people.list(filter, page: page)) }
            let csv = try CSVDocument(stream: context.stream, fileName: "assures-\(access.structureID).csv", header: ["Matricule", "Nom", "Prénom", "Statut", "Régime", "Collège", "Référence DSN",
                                           "Date d'entrée", "Date de fin", "Fin de portabilité"])
            try people.forEach(filter) { person in
                for affiliation in person.affiliations {
                    try csv.append([.text(person.matricule), .text(person.lastName), .text(person.firstName), .text(person.status.rawValue),
                                .text(affiliation.regimeLabel), .text(affiliation.college), .text(affiliation.dsnReference),
                                .number(affiliation.entryDate.french), .number(affiliation.endDate?.french ?? ""),
                                .number(affiliation.portabilityEnd?.french ?? "")])
                }
            }
            try context.audit("export.insured", access)
            return try csv.finish()
        })

        router.add("GET", "/api/v1/structures/{id}/insured/{matricule}", Guards.structure(.insured) { request, context, _, access in
            try QueryParameters(request, allowed: []).finish()
            // Matricules are [0-9A-Z]{1,20} (batch spec §1): anything else cannot exist.
            guard let matricule = context.parameters["matricule"], matricule.utf8.count <= 20,
                  matricule.utf8.allSatisfy({ (48...57).contains($0) || (65...90).contains($0) }),
                  let details = try InsuredPeople(connection: context.database, access: access).details(matricule: matricule) else {
                throw Problem.notFound
            }
            if details.health != nil { try context.audit("insured.health_details", access, ["matricule": matricule]) }
            return try .json(details)
        })
    }
}
