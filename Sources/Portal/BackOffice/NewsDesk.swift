import Foundation
import Postgres

/// "Actualités" as OCSO staff manage them: publish, withdraw, and list everything (withdrawn
/// items included). Employers read the published ones through `News`.
public struct NewsDesk {
    let connection: PostgresConnection
    let origin: RequestOrigin
    let staff: StaffMember

    public init(connection: PostgresConnection, origin: RequestOrigin, staff: StaffMember) {
        self.connection = connection
        self.origin = origin
        self.staff = staff
    }

    public struct Item: Encodable, Sendable {
        public let id: Int64
        public let publishedAt: Date
        public let title: String
        public let body: String
        public let withdrawnAt: Date?

        enum CodingKeys: String, CodingKey {
            case id, title, body
            case publishedAt = "published_at"
            case withdrawnAt = "withdrawn_at"
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(publishedAt, forKey: .publishedAt)
            try container.encode(title, forKey: .title)
            try container.encode(body, forKey: .body)
            try container.encode(withdrawnAt, forKey: .withdrawnAt)
        }
    }

    static let columns = "id, published_at, title, body, withdrawn_at"

    static func item(_ row: PostgresRow) throws -> Item {
        Item(id: try row.decode("id"), publishedAt: try row.decode("published_at"), title: try row.decode("title"),
             body: try row.decode("body"), withdrawnAt: try row.decode("withdrawn_at"))
    }

    /// Checks title (1–200 characters, one line) and body (1–20 000 characters).
    public static func validated(title rawTitle: String?, body rawBody: String?) -> Result<(String, String), ValidationFailure> {
        var issues: [ValidationIssue] = []
        var title: String?
        switch FieldRules.text(rawTitle ?? "", field: "title", maxLength: 200, label: "Le titre") {
        case .success(let value): title = value
        case .failure(let issue): issues.append(issue)
        }
        var body: String?
        switch RequestText.message(rawBody, field: "body", label: "Le texte", maxLength: 20_000) {
        case .success(let value?): body = value
        case .success(nil): issues.append(ValidationIssue(field: "body", code: "required", message: "Le texte est obligatoire."))
        case .failure(let issue): issues.append(issue)
        }
        guard issues.isEmpty, let title, let body else { return .failure(ValidationFailure(issues)) }
        return .success((title, body))
    }

    public func publish(title: String, body: String) throws -> Item {
        let item = try Self.item(connection.query("""
            INSERT INTO news (title, body, published_by) VALUES ($1, $2, $3) RETURNING \(Self.columns)
            """, [title, body, staff.userID]).first!)
        try AuditTrail.record("backoffice.news_publish", actor: staff.userID, details: ["news_id": String(item.id)],
                              origin: origin, on: connection)
        return item
    }

    /// Withdraws an item; withdrawing it again changes nothing. False if there is no such item.
    public func withdraw(id: Int64) throws -> Bool {
        let exists: Bool = try connection.query("SELECT EXISTS (SELECT 1 FROM news WHERE id = $1)", [id]).first!.decode(0)
        guard exists else { return false }
        let changed = try connection.execute("""
            UPDATE news SET withdrawn_at = now(), withdrawn_by = $2 WHERE id = $1 AND withdrawn_at IS NULL
            """, [id, staff.userID])
        if changed == 1 {
            try AuditTrail.record("backoffice.news_withdraw", actor: staff.userID, details: ["news_id": String(id)],
                                  origin: origin, on: connection)
        }
        return true
    }

    /// Newest first, withdrawn included.
    public func list(page: Page) throws -> Paged<Item> {
        let rows = try connection.query("""
            SELECT \(Self.columns), count(*) OVER () AS total FROM news ORDER BY published_at DESC, id DESC LIMIT $1 OFFSET $2
            """, [page.size, page.offset])
        var total = 0
        let items = try rows.map { row -> Item in
            total = try row.decode("total")
            return try Self.item(row)
        }
        if items.isEmpty, page.offset > 0 {
            total = try connection.query("SELECT count(*) FROM news").first!.decode(0)
        }
        return Paged(items: items, page: page, total: total)
    }
}
