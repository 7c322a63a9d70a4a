import Postgres

/// "Démarches" (guide ch. 08) on the employer's side: send a request with its files, list the
/// structure's requests, read one with its history, download its files. Every call takes the
/// caller's access to the structure and filters by it; RLS checks the structure again.
public struct EmployerRequests {
    let connection: PostgresConnection
    let origin: RequestOrigin

    public init(connection: PostgresConnection, origin: RequestOrigin) {
        self.connection = connection
        self.origin = origin
    }

    /// The request, its first status and its files in the caller's transaction: all or nothing.
    /// Audited on the structure, so it appears in the structure's history.
    public func submit(_ access: AccessContext, _ request: NewRequest) throws -> RequestDetail {
        try access.require(.requests)
        let name = try RequestRecords.displayName(of: access.userID, on: connection)
        let id: Int64 = try connection.query("""
            INSERT INTO requests (structure_id, category, team, subject, message, created_by, created_by_name)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
            """, [access.structureID, request.category.rawValue, request.category.team.rawValue, request.subject, request.message,
                  access.userID, name]).first!.decode(0)
        try connection.execute("""
            INSERT INTO request_events (structure_id, request_id, kind, status, author_id, author_name, author_kind)
            VALUES ($1, $2, 'status', 'received', $3, $4, 'employer')
            """, [access.structureID, id, access.userID, name])
        try RequestRecords.store(request.attachments, structureID: access.structureID, requestID: id, eventID: nil,
                                 uploadedBy: access.userID, on: connection)
        try AuditTrail.record("request.submit", actor: access.userID, structureID: access.structureID,
                              details: ["request_id": String(id), "category": request.category.rawValue,
                                        "team": request.category.team.rawValue, "attachments": String(request.attachments.count)],
                              origin: origin, on: connection)
        guard let detail = try detail(access, id: id) else { throw RequestFailure.notFound }
        return detail
    }

    /// Newest first, optionally one category.
    public func list(_ access: AccessContext, category: RequestCategory?, page: Page) throws -> Paged<RequestSummary> {
        try access.require(.requests)
        let rows = try connection.query("""
            SELECT \(RequestRecords.summaryColumns), count(*) OVER () AS total
            FROM requests r WHERE r.structure_id = $1 AND ($2::text IS NULL OR r.category = $2)
            ORDER BY r.created_at DESC, r.id DESC LIMIT $3 OFFSET $4
            """, [access.structureID, category?.rawValue, page.size, page.offset])
        var total = 0
        let items = try rows.map { row -> RequestSummary in
            total = try row.decode("total")
            return try RequestRecords.summary(row, withStructure: false)
        }
        if items.isEmpty, page.offset > 0 {
            total = try connection.query("SELECT count(*) FROM requests WHERE structure_id = $1 AND ($2::text IS NULL OR category = $2)",
                                         [access.structureID, category?.rawValue]).first!.decode(0)
        }
        return Paged(items: items, page: page, total: total)
    }

    public func detail(_ access: AccessContext, id: Int64) throws -> RequestDetail? {
        try access.require(.requests)
        guard let row = try connection.query("SELECT \(RequestRecords.summaryColumns) FROM requests r WHERE r.structure_id = $1 AND r.id = $2",
                                             [access.structureID, id]).first else { return nil }
        let history = try RequestRecords.history(structureID: access.structureID, requestID: id, on: connection)
        return RequestDetail(summary: try RequestRecords.summary(row, withStructure: false), message: try row.decode("message"),
                             attachments: history.attachments, events: history.events, requester: nil)
    }

    /// A file of the request: sent with it or with a reply.
    public func attachment(_ access: AccessContext, requestID: Int64, attachmentID: Int64) throws -> Documents.File? {
        try access.require(.requests)
        return try RequestRecords.file(structureID: access.structureID, requestID: requestID, attachmentID: attachmentID, on: connection)
    }
}
