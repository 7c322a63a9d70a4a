import Postgres

/// The OCSO side of démarches: a team's queue, a request with its history, replies (with
/// files) and status changes. Each reply or status change mails the requester through the
/// outbox in the same transaction, and is audited on the request's structure. A request of
/// another team is invisible (RLS, and the explicit team filter): it is a 404 like any unknown id.
public struct BackOfficeRequests {
    let connection: PostgresConnection
    let origin: RequestOrigin
    let staff: StaffMember

    public init(connection: PostgresConnection, origin: RequestOrigin, staff: StaffMember) {
        self.connection = connection
        self.origin = origin
        self.staff = staff
    }

    public struct Filter: Sendable {
        public var team: OCSOTeam?
        public var status: RequestStatus?
        public var structureID: Int64?

        public init(team: OCSOTeam? = nil, status: RequestStatus? = nil, structureID: Int64? = nil) {
            self.team = team
            self.status = status
            self.structureID = structureID
        }
    }

    static let fromClause = "FROM requests r JOIN structures s ON s.id = r.structure_id"

    /// Newest first, within the caller's teams.
    public func list(_ filter: Filter, page: Page) throws -> Paged<RequestSummary> {
        if let team = filter.team, !staff.teams.contains(team) { throw RequestFailure.otherTeam(team) }
        let condition = """
            r.team = ANY ($1::text[]) AND ($2::text IS NULL OR r.team = $2) AND ($3::text IS NULL OR r.status = $3)
            AND ($4::bigint IS NULL OR r.structure_id = $4)
            """
        let binds: [any PostgresBindable] = [staff.teamCodes, filter.team?.rawValue, filter.status?.rawValue, filter.structureID]
        let rows = try connection.query("""
            SELECT \(RequestRecords.summaryColumns), s.name AS structure_name, s.client_number, count(*) OVER () AS total
            \(Self.fromClause) WHERE \(condition)
            ORDER BY r.created_at DESC, r.id DESC LIMIT $5 OFFSET $6
            """, binds + [page.size, page.offset])
        var total = 0
        let items = try rows.map { row -> RequestSummary in
            total = try row.decode("total")
            return try RequestRecords.summary(row, withStructure: true)
        }
        if items.isEmpty, page.offset > 0 {
            total = try connection.query("SELECT count(*) \(Self.fromClause) WHERE \(condition)", binds).first!.decode(0)
        }
        return Paged(items: items, page: page, total: total)
    }

    public func detail(id: Int64) throws -> RequestDetail {
        let row = try request(id)
        let structureID: Int64 = try row.decode("structure_id")
        let history = try RequestRecords.history(structureID: structureID, requestID: id, on: connection)
        var requester: RequestDetail.Requester?
        if let userID: Int64 = try row.decode("created_by"),
           let user = try connection.query("SELECT first_name || ' ' || last_name AS name, email FROM users WHERE id = $1", [userID]).first {
            requester = RequestDetail.Requester(id: userID, name: try user.decode("name"), email: try user.decode("email"))
        }
        return RequestDetail(summary: try RequestRecords.summary(row, withStructure: true), message: try row.decode("message"),
                             attachments: history.attachments, events: history.events, requester: requester)
    }

    /// A reply with optional files; refused on a request already done.
    public func reply(to id: Int64, text: String, attachments: [NewAttachment]) throws -> RequestDetail {
        let row = try request(id, forUpdate: true)
        let structureID: Int64 = try row.decode("structure_id")
        guard try row.decode("status", as: String.self) != RequestStatus.done.rawValue else { throw RequestFailure.closed }
        let eventID: Int64 = try connection.query("""
            INSERT INTO request_events (structure_id, request_id, kind, body, author_id, author_name, author_kind)
            VALUES ($1, $2, 'reply', $3, $4, $5, 'staff') RETURNING id
            """, [structureID, id, text, staff.userID, staff.name]).first!.decode(0)
        try RequestRecords.store(attachments, structureID: structureID, requestID: id, eventID: eventID, uploadedBy: staff.userID,
                                 on: connection)
        try connection.execute("UPDATE requests SET updated_at = now() WHERE structure_id = $1 AND id = $2", [structureID, id])
        try notifyRequester(row) { MailTemplates.requestReplied(to: $0, requestID: id, subject: $1) }
        try AuditTrail.record("backoffice.request_reply", actor: staff.userID, structureID: structureID,
                              details: ["request_id": String(id), "event_id": String(eventID), "attachments": String(attachments.count)],
                              origin: origin, on: connection)
        return try detail(id: id)
    }

    /// received → in_progress → done, one step at a time; recorded with who and when, and mailed.
    public func changeStatus(of id: Int64, to status: RequestStatus) throws -> RequestDetail {
        let row = try request(id, forUpdate: true)
        let structureID: Int64 = try row.decode("structure_id")
        guard let current = RequestStatus(rawValue: try row.decode("status")) else { throw RequestFailure.corruptRow }
        // Asking again for the status it has is a no-op (a retried PATCH): no event, no mail.
        if current == status { return try detail(id: id) }
        guard current.next == status else { throw RequestFailure.invalidTransition(from: current, to: status) }
        try connection.execute("""
            UPDATE requests SET status = $3, status_changed_at = now(), status_changed_by = $4, updated_at = now()
            WHERE structure_id = $1 AND id = $2
            """, [structureID, id, status.rawValue, staff.userID])
        try connection.execute("""
            INSERT INTO request_events (structure_id, request_id, kind, status, author_id, author_name, author_kind)
            VALUES ($1, $2, 'status', $3, $4, $5, 'staff')
            """, [structureID, id, status.rawValue, staff.userID, staff.name])
        try notifyRequester(row) { MailTemplates.requestStatusChanged(to: $0, requestID: id, subject: $1, status: status) }
        try AuditTrail.record("backoffice.request_status", actor: staff.userID, structureID: structureID,
                              details: ["request_id": String(id), "from": current.rawValue, "to": status.rawValue],
                              origin: origin, on: connection)
        return try detail(id: id)
    }

    /// A file of a request of the caller's teams. Reading an employer's file is audited: it may
    /// hold personal data.
    public func attachment(requestID: Int64, attachmentID: Int64) throws -> Documents.File? {
        let row = try request(requestID)
        let structureID: Int64 = try row.decode("structure_id")
        guard let file = try RequestRecords.file(structureID: structureID, requestID: requestID, attachmentID: attachmentID,
                                                 on: connection) else { return nil }
        try AuditTrail.record("backoffice.attachment_download", actor: staff.userID, structureID: structureID,
                              details: ["request_id": String(requestID), "attachment_id": String(attachmentID)],
                              origin: origin, on: connection)
        return file
    }

    /// The request row if it is one of the caller's teams; locked when it is about to change, so
    /// two staff members moving it at once are serialised.
    private func request(_ id: Int64, forUpdate: Bool = false) throws -> PostgresRow {
        guard let row = try connection.query("""
            SELECT \(RequestRecords.summaryColumns), s.name AS structure_name, s.client_number
            \(Self.fromClause) WHERE r.id = $1 AND r.team = ANY ($2::text[])
            \(forUpdate ? "FOR UPDATE OF r" : "")
            """, [id, staff.teamCodes]).first else { throw RequestFailure.notFound }
        return row
    }

    private func notifyRequester(_ row: PostgresRow, _ message: (String, String) -> MailMessage) throws {
        guard let userID: Int64 = try row.decode("created_by"),
              let email: String = try connection.query("SELECT email FROM users WHERE id = $1", [userID]).first?.decode(0) else { return }
        try MailOutbox.enqueue(message(email, try row.decode("subject")), on: connection)
    }
}
