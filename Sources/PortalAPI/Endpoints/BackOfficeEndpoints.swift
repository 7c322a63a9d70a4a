import Portal

/// The OCSO back-office: the démarches of the staff member's teams (queue, detail, replies with
/// files, status), and Actualités. Staff accounts only; employers get 403 `backoffice_only`.
enum BackOfficeEndpoints {
    static func register(in router: inout Router<Endpoint>) {
        router.add("GET", "/api/v1/backoffice/requests", Guards.staff { request, context, _, staff in
            let query = QueryParameters(request, allowed: ["team", "status", "structure", "page", "page_size"])
            let team = OCSOTeam(rawValue: query.choice("team", allowed: [""] + OCSOTeam.allCases.map(\.rawValue), default: ""))
            let status = RequestStatus(rawValue: query.choice("status", allowed: [""] + RequestStatus.allCases.map(\.rawValue), default: ""))
            let structure = query.integer("structure", range: 1...Int.max, default: 0)
            let page = query.page()
            try query.finish()
            let filter = BackOfficeRequests.Filter(team: team, status: status, structureID: structure == 0 ? nil : Int64(structure))
            return try .json(RequestProblems.mapping { try desk(context, staff).list(filter, page: page) })
        })

        router.add("GET", "/api/v1/backoffice/requests/{req}", Guards.staff { request, context, _, staff in
            try QueryParameters(request, allowed: []).finish()
            let id = try context.id("req")
            return try .json(RequestProblems.mapping { try desk(context, staff).detail(id: id) })
        })

        router.add("PATCH", "/api/v1/backoffice/requests/{req}", Guards.staff { request, context, _, staff in
            let body = try JSONBody(request, allowed: ["status"])
            let raw = body.string("status", required: true, maxLength: 32)
            let status = raw.flatMap(RequestStatus.init(rawValue:))
            if raw != nil, status == nil {
                body.record(ValidationIssue(field: "status", code: "invalid_value",
                                            message: "Valeurs possibles : \(RequestStatus.allCases.map(\.rawValue).joined(separator: ", "))."))
            }
            try body.finish()
            guard let status else { throw Problem.validation(body.issues) }
            let id = try context.id("req")
            return try .json(RequestProblems.mapping { try desk(context, staff).changeStatus(of: id, to: status) })
        })

        router.add("POST", "/api/v1/backoffice/requests/{req}/replies", Guards.staff { request, context, _, staff in
            let id = try context.id("req")
            let body = try MultipartBody(request, allowed: ["message"], fileField: "attachments")
            let raw = body.string("message", required: false, maxLength: 20_000)
            let attachments = body.attachments(field: "attachments")
            var text: String?
            switch RequestText.message(raw, field: "message", label: "La réponse") {
            case .success(let value?): text = value
            case .success(nil): body.record(ValidationIssue(field: "message", code: "required", message: "La réponse est obligatoire."))
            case .failure(let issue): body.record(issue)
            }
            try body.finish()
            guard let text else { throw Problem.validation(body.issues) }
            let detail = try RequestProblems.mapping { try desk(context, staff).reply(to: id, text: text, attachments: attachments) }
            var response = try APIResponse.json(detail, status: 201)
            response.headers.append(APIResponse.Header("Location", "/api/v1/backoffice/requests/\(id)"))
            return response
        })

        router.add("GET", "/api/v1/backoffice/requests/{req}/attachments/{att}", Guards.staff { request, context, _, staff in
            try QueryParameters(request, allowed: []).finish()
            let (id, attachmentID) = (try context.id("req"), try context.id("att"))
            guard let file = try RequestProblems.mapping({ try desk(context, staff).attachment(requestID: id, attachmentID: attachmentID) }) else {
                throw Problem.notFound
            }
            return Download.response(file, request: request)
        })

        router.add("GET", "/api/v1/backoffice/news", Guards.staff { request, context, _, staff in
            let query = QueryParameters(request, allowed: ["page", "page_size"])
            let page = query.page()
            try query.finish()
            return try .json(NewsDesk(connection: context.database, origin: context.origin, staff: staff).list(page: page))
        })

        router.add("POST", "/api/v1/backoffice/news", Guards.staff { request, context, _, staff in
            let body = try JSONBody(request, allowed: ["title", "body"])
            let title = body.string("title", required: false, maxLength: 1_000)
            let text = body.string("body", required: false, maxLength: 40_000)
            var validated: (title: String, body: String)?
            switch NewsDesk.validated(title: title, body: text) {
            case .success(let values): validated = values
            case .failure(let failure):
                for issue in failure.issues where !body.issues.contains(where: { $0.field == issue.field }) { body.record(issue) }
            }
            try body.finish()
            guard let validated else { throw Problem.validation(body.issues) }
            let item = try NewsDesk(connection: context.database, origin: context.origin, staff: staff)
                .publish(title: validated.title, body: validated.body)
            var response = try APIResponse.json(item, status: 201)
            response.headers.append(APIResponse.Header("Location", "/api/v1/backoffice/news/\(item.id)"))
            return response
        })

        router.add("DELETE", "/api/v1/backoffice/news/{news}", Guards.staff { _, context, _, staff in
            guard try NewsDesk(connection: context.database, origin: context.origin, staff: staff).withdraw(id: try context.id("news")) else {
                throw Problem.notFound
            }
            return APIResponse(status: 204, headers: [APIResponse.Header("Cache-Control", "no-store")])
        })
    }

    private static func desk(_ context: RequestContext, _ staff: StaffMember) -> BackOfficeRequests {
        BackOfficeRequests(connection: context.database, origin: context.origin, staff: staff)
    }
}
