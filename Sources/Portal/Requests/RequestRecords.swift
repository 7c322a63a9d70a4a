import Foundation
import Postgres

/// The reads shared by the employer side and the back-office. Callers say which request(s)
/// they may see (`filter`); RLS checks the same again.
enum RequestRecords {
    /// Columns of a summary, over `requests r` joined to `structures s` (for the back-office reference).
    static let summaryColumns = """
        r.id, r.structure_id, r.category, r.team, r.subject, r.status, r.created_at, r.updated_at, r.status_changed_at,
        r.created_by_name, r.message, r.created_by,
        (SELECT count(*) FROM request_attachments a WHERE a.structure_id = r.structure_id AND a.request_id = r.id) AS attachment_count,
        (SELECT count(*) FROM request_events e WHERE e.structure_id = r.structure_id AND e.request_id = r.id AND e.kind = 'reply') AS reply_count
        """

    static func summary(_ row: PostgresRow, withStructure: Bool) throws -> RequestSummary {
        guard let category = RequestCategory(rawValue: try row.decode("category")),
              let team = OCSOTeam(rawValue: try row.decode("team")),
              let status = RequestStatus(rawValue: try row.decode("status")) else {
            throw RequestFailure.corruptRow
        }
        let structureID: Int64 = try row.decode("structure_id")
        let structure = withStructure
            ? RequestSummary.StructureReference(id: structureID, name: try row.decode("structure_name"),
                                                clientNumber: try row.decode("client_number"))
            : nil
        return RequestSummary(id: try row.decode("id"), structureID: structureID, category: category, team: team,
                              subject: try row.decode("subject"), status: status, createdAt: try row.decode("created_at"),
                              updatedAt: try row.decode("updated_at"), statusChangedAt: try row.decode("status_changed_at"),
                              createdByName: try row.decode("created_by_name"), attachmentCount: try row.decode("attachment_count"),
                              replyCount: try row.decode("reply_count"), structure: structure)
    }

    /// The files and history of one request, in the order they came.
    static func history(structureID: Int64, requestID: Int64, on connection: PostgresConnection)
        throws -> (attachments: [AttachmentSummary], events: [RequestEventView]) {
        var initial: [AttachmentSummary] = []
        var byEvent: [Int64: [AttachmentSummary]] = [:]
        for row in try connection.query("""
            SELECT id, event_id, file_name, content_type, size, sha256, created_at FROM request_attachments
            WHERE structure_id = $1 AND request_id = $2 ORDER BY id
            """, [structureID, requestID]) {
            let attachment = AttachmentSummary(id: try row.decode("id"), fileName: try row.decode("file_name"),
                                               contentType: try row.decode("content_type"), size: try row.decode("size"),
                                               sha256: Sodium.hex(try row.decode("sha256")), createdAt: try row.decode("created_at"))
            if let eventID: Int64 = try row.decode("event_id") {
                byEvent[eventID, default: []].append(attachment)
            } else {
                initial.append(attachment)
            }
        }
        let events = try connection.query("""
            SELECT id, kind, status, body, author_name, author_kind, created_at FROM request_events
            WHERE structure_id = $1 AND request_id = $2 ORDER BY created_at, id
            """, [structureID, requestID]).map { row -> RequestEventView in
            let id: Int64 = try row.decode("id")
            guard let kind = RequestEventView.Kind(rawValue: try row.decode("kind")),
                  let authorKind = AccountKind(rawValue: try row.decode("author_kind")) else { throw RequestFailure.corruptRow }
            let status: String? = try row.decode("status")
            return RequestEventView(id: id, kind: kind, status: status.flatMap(RequestStatus.init(rawValue:)), body: try row.decode("body"),
                                    authorName: try row.decode("author_name"), authorKind: authorKind,
                                    createdAt: try row.decode("created_at"), attachments: byEvent[id] ?? [])
        }
        return (initial, events)
    }

    /// One stored file of a request.
    static func file(structureID: Int64, requestID: Int64, attachmentID: Int64, on connection: PostgresConnection) throws -> Documents.File? {
        try connection.query("""
            SELECT file_name, content_type, sha256, content FROM request_attachments
            WHERE structure_id = $1 AND request_id = $2 AND id = $3
            """, [structureID, requestID, attachmentID]).first.map { row in
            Documents.File(fileName: try row.decode("file_name"), contentType: try row.decode("content_type"),
                           sha256: try row.decode("sha256"), content: try row.decode("content"))
        }
    }

    /// Stores files of a request (`eventID` nil) or of a reply.
    static func store(_ attachments: [NewAttachment], structureID: Int64, requestID: Int64, eventID: Int64?, uploadedBy: Int64,
                      on connection: PostgresConnection) throws {
        for attachment in attachments {
            try connection.execute("""
                INSERT INTO request_attachments (structure_id, request_id, event_id, file_name, content_type, content, uploaded_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, [structureID, requestID, eventID, attachment.fileName, attachment.kind.contentType, attachment.content, uploadedBy])
        }
    }

    /// "Prénom Nom" of a user, as shown in histories.
    static func displayName(of userID: Int64, on connection: PostgresConnection) throws -> String {
        try connection.query("SELECT first_name || ' ' || last_name FROM users WHERE id = $1", [userID]).first!.decode(0)
    }
}
