import Portal

/// "Documents" (guide ch. 07): the structure's documents, the blank forms, and their downloads.
enum DocumentEndpoints {
    static func register(in router: inout Router<Endpoint>) {
        router.add("GET", "/api/v1/structures/{id}/documents", Guards.structure(.documents) { request, context, _, access in
            let query = QueryParameters(request, allowed: ["category", "page", "page_size"])
            let category = Documents.Category(rawValue: query.choice("category", allowed: [""] + Documents.Category.allCases.map(\.rawValue),
                                                                     default: ""))
            let page = query.page()
            try query.finish()
            return try .json(Documents(connection: context.database).list(access, category: category, page: page))
        })

        // The document is read in the round trip of the session and access checks (see Guards).
        router.add("GET", "/api/v1/structures/{id}/documents/{document}/content",
                   Guards.structure(.documents, prefetching: { _, context in
                       guard let structureID = try? context.id("id"), let id = try? context.id("document") else { return [] }
                       return [Documents.fileQuery(structureID: structureID, id: id)]
                   }) { request, context, _, _, prefetched in
            try QueryParameters(request, allowed: []).finish()
            // A malformed document id sent no statement: refused here, after the checks.
            _ = try context.id("document")
            guard let rows = prefetched.first, let file = try Documents.file(in: rows) else { throw Problem.notFound }
            return Download.response(file, request: request)
        })

        router.add("GET", "/api/v1/forms", Guards.authenticated { request, context, _ in
            try QueryParameters(request, allowed: []).finish()
            return try .json(Documents(connection: context.database).forms())
        })

        router.add("GET", "/api/v1/forms/{form}/content", Guards.authenticated { request, context, _ in
            try QueryParameters(request, allowed: []).finish()
            guard let file = try Documents(connection: context.database).formFile(id: try context.id("form")) else { throw Problem.notFound }
            return Download.response(file, request: request)
        })

        router.add("GET", "/api/v1/news", Guards.authenticated { request, context, _ in
            let query = QueryParameters(request, allowed: ["page", "page_size"])
            let page = query.page()
            try query.finish()
            return try .json(News(connection: context.database).list(page: page))
        })
    }
}
