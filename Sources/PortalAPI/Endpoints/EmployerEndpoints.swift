import Portal
import Postgres

/// The structure's home page (guide ch. 03) and its régimes (ch. 04).
enum EmployerEndpoints {
    /// Shortcuts of the home page's "Démarches et documents en ligne" block.
    struct Link: Encodable {
        let label: String
        let href: String
    }

    struct Home: Encodable {
        let structure: Structure
        let company: StructureDirectory.Details?
        let news: [News.Item]
        let links: [Link]
        let latestIJPayments: [IJSummary]?

        struct Structure: Encodable {
            let id: Int64
            let name: String
        }

        struct IJSummary: Encodable {
            let id: Int64
            let paymentDate: CalendarDate
            let structureName: String
            let amount: Cents

            enum CodingKeys: String, CodingKey {
                case id, amount
                case paymentDate = "payment_date"
                case structureName = "structure_name"
            }
        }

        enum CodingKeys: String, CodingKey {
            case structure, company, news, links
            case latestIJPayments = "latest_ij_payments"
        }
    }

    static func register(in router: inout Router<Endpoint>) {
        // Any access to the structure shows its home; each block needs its own right.
        router.add("GET", "/api/v1/structures/{id}/home", Guards.structure(nil) { request, context, _, access in
            try QueryParameters(request, allowed: []).finish()
            let details = try StructureDirectory.details(access, on: context.database)
            var links: [Link] = []
            if access.rights.contains(.documents) {
                links.append(Link(label: "Bulletin individuel d'adhésion", href: "/api/v1/structures/\(access.structureID)/documents"))
            }
            if access.rights.contains(.requests) {
                links += [("Formulaire de portabilité", "portability"), ("Changement des coordonnées d'une entreprise", "company_details"),
                          ("Sortie d'un salarié", "employee_exit"), ("Changement d'adresse d'un salarié", "employee_address")]
                    .map { Link(label: $0.0, href: "/api/v1/structures/\(access.structureID)/requests?category=\($0.1)") }
            }
            let latest = access.rights.contains(.ij)
                ? try IJPayments(connection: context.database, access: access).latest(4).map {
                    Home.IJSummary(id: $0.id, paymentDate: $0.paymentDate, structureName: $0.structureName, amount: $0.amount)
                }
                : nil
            return try .json(Home(structure: .init(id: details.id, name: details.name),
                                  company: access.rights.contains(.company) ? details : nil,
                                  news: try News(connection: context.database).list(page: Page(number: 1, size: 3)).items,
                                  links: links, latestIJPayments: latest))
        })

        router.add("GET", "/api/v1/structures/{id}/contracts", Guards.structure(.company) { request, context, _, access in
            try QueryParameters(request, allowed: []).finish()
            return try .json(Contracts(connection: context.database, access: access).current())
        })
    }
}
