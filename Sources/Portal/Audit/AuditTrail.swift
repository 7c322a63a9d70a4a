import Foundation
import Postgres

/// The append-only record of who did what, when, from where, on which structure.
/// Details hold identifiers and outcomes only — never passwords, tokens, NIR or health data.
public enum AuditTrail {
    public enum Outcome: String, Sendable, Codable {
        case success
        case failure
    }

    public static func record(_ action: String, outcome: Outcome = .success, actor: Int64?, structureID: Int64? = nil,
                              details: [String: String] = [:], origin: RequestOrigin, on connection: PostgresConnection) throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: details, options: [.sortedKeys]), as: UTF8.self)
        try connection.execute("""
            INSERT INTO audit_events (actor_user_id, structure_id, action, outcome, client_ip, request_id, details)
            VALUES ($1, $2, $3, $4, $5::inet, $6, $7::jsonb)
            """, [actor, structureID, action, outcome.rawValue, origin.clientIP, origin.requestID, JSONText(json)])
    }

    public struct Entry: Sendable, Encodable {
        public let id: Int64
        public let occurredAt: Date
        public let actorUserID: Int64?
        public let actorName: String?
        public let structureID: Int64?
        public let action: String
        public let outcome: String
        public let details: [String: String]

        enum CodingKeys: String, CodingKey {
            case id, action, outcome, details
            case occurredAt = "occurred_at"
            case actorUserID = "actor_user_id"
            case actorName = "actor_name"
            case structureID = "structure_id"
        }
    }

    public enum Scope: Sendable {
        /// Everything the user did.
        case actor(Int64)
        /// Everything done by anyone on the structure (its principal's view).
        case structure(Int64)
    }

    /// Newest first. RLS restricts the rows again: one's own actions, or the structures one administers.
    public static func history(_ scope: Scope, page: Page, on connection: PostgresConnection) throws -> Paged<Entry> {
        let (filter, key): (String, Int64) = switch scope {
        case .actor(let id): ("e.actor_user_id = $1", id)
        case .structure(let id): ("e.structure_id = $1", id)
        }
        let rows = try connection.query("""
            SELECT e.id, e.occurred_at, e.actor_user_id, u.first_name || ' ' || u.last_name AS actor_name,
                   e.structure_id, e.action, e.outcome, e.details, count(*) OVER () AS total
            FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id
            WHERE \(filter)
            ORDER BY e.occurred_at DESC, e.id DESC
            LIMIT $2 OFFSET $3
            """, [key, page.size, page.offset])
        var total = 0
        let entries = try rows.map { row -> Entry in
            total = try row.decode("total")
            let detailsText = try row.decode("details", as: JSONText.self).rawValue
            let details = (try? JSONSerialization.jsonObject(with: Data(detailsText.utf8))) as? [String: String] ?? [:]
            return Entry(id: try row.decode("id"), occurredAt: try row.decode("occurred_at"),
                         actorUserID: try row.decode("actor_user_id"), actorName: try row.decode("actor_name"),
                         structureID: try row.decode("structure_id"), action: try row.decode("action"),
                         outcome: try row.decode("outcome"), details: details)
        }
        if entries.isEmpty && page.offset > 0 {
            total = try connection.query("SELECT count(*) FROM audit_events e WHERE \(filter)", [key]).first!.decode(0)
        }
        return Paged(items: entries, page: page, total: total)
    }
}
