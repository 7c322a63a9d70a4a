import Portal

/// "Démarches" (guide ch. 08): an employer sends a request with up to 5 files (multipart), lists
/// the structure's requests, reads one with its history and replies, downloads its files.
/// Right `requests`; staff accounts are refused (`staff_account`).
enum RequestEndpoints {
    static func register(in router: inout Router<Endpoint>) {
        // The categories of the Démarches page, with their groups and the team each is routed to.
        router.add("GET", "/api/v1/request-categories", Guards.authenticated(audience: .anyAccount) { request, _, _ in
            try QueryParameters(request, allowed: []).finish()
            return try .json(RequestCategory.allCases.map(RequestCategoryView.init))
        })

        router.add("POST", "/api/v1/structures/{id}/requests", Guards.structure(.requests) { request, context, _, access in
            let validated = try newRequest(from: request)
            let detail = try RequestProblems.mapping {
                try EmployerRequests(connection: context.database, origin: context.origin).submit(access, validated)
            }
            var response = try APIResponse.json(detail, status: 201)
            response.headers.append(APIResponse.Header("Location", "/api/v1/structures/\(access.structureID)/requests/\(detail.summary.id)"))
            return response
        })

        router.add("GET", "/api/v1/structures/{id}/requests", Guards.structure(.requests) { request, context, _, access in
            let query = QueryParameters(request, allowed: ["category", "page", "page_size"])
            let category = RequestCategory(rawValue: query.choice("category", allowed: [""] + RequestCategory.allCases.map(\.rawValue),
                                                                  default: ""))
            let page = query.page()
            try query.finish()
            return try .json(EmployerRequests(connection: context.database, origin: context.origin).list(access, category: category, page: page))
        })

        router.add("GET", "/api/v1/structures/{id}/requests/{req}", Guards.structure(.requests) { request, context, _, access in
            try QueryParameters(request, allowed: []).finish()
            guard let detail = try EmployerRequests(connection: context.database, origin: context.origin)
                .detail(access, id: try context.id("req")) else { throw Problem.notFound }
            return try .json(detail)
        })

        router.add("GET", "/api/v1/structures/{id}/requests/{req}/attachments/{att}", Guards.structure(.requests) { request, context, _, access in
            try QueryParameters(request, allowed: []).finish()
            guard let file = try EmployerRequests(connection: context.database, origin: context.origin)
                .attachment(access, requestID: try context.id("req"), attachmentID: try context.id("att")) else { throw Problem.notFound }
            return Download.response(file, request: request)
        })
    }

    /// The démarche a multipart form describes, fields and files checked; else a 4xx `Problem`
    /// listing every problem. No database: the fuzz harness (Fuzz/multipart) calls it directly.
    static func newRequest(from request: APIRequest) throws -> NewRequest {
        let body = try MultipartBody(request, allowed: ["category", "subject", "message"], fileField: "attachments")
        let category = body.string("category", required: false, maxLength: 64)
        let subject = body.string("subject", required: false, maxLength: 1_000)
        let message = body.string("message", required: false, maxLength: 20_000)
        let attachments = body.attachments(field: "attachments")
        var validated: NewRequest?
        switch NewRequest.validated(category: category, subject: subject, message: message, attachments: attachments,
                                    attachmentsRefused: body.filesRefused) {
        case .success(let new): validated = new
        case .failure(let failure): failure.issues.forEach(body.record)
        }
        try body.finish()
        guard let validated else { throw Problem.validation(body.issues) }
        return validated
    }
}

/// How refusals of request actions are answered.
enum RequestProblems {
    static func mapping<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as RequestFailure {
            throw problem(for: failure)
        }
    }

    static func problem(for failure: RequestFailure) -> Problem {
        switch failure {
        case .notFound:
            return .notFound
        case .invalidTransition(let from, let to):
            let allowed = from.next.map { "« \($0.rawValue) »" } ?? "aucun"
            return Problem(status: 409, code: "invalid_status_transition", title: "Conflict",
                           detail: "Une démarche « \(from.label) » ne peut pas passer à « \(to.label) » ; statut suivant possible : \(allowed).")
        case .closed:
            return Problem(status: 409, code: "request_closed", title: "Conflict",
                           detail: "Cette démarche est traitée : elle ne reçoit plus de réponse.")
        case .otherTeam(let team):
            return Problem(status: 403, code: "other_team", title: "Forbidden",
                           detail: "Vous ne faites pas partie de l'équipe « \(team.label) ».")
        case .corruptRow:
            return .internalError
        }
    }
}
