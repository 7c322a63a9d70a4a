import Foundation
import Postgres

/// "Actualités": news published by OCSO for every employer.
public struct News {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public struct Item: Encodable, Sendable {
        public let id: Int64
        public let publishedAt: Date
        public let title: String
        public let body: String

        enum CodingKeys: String, CodingKey {
            case id, title, body
            case publishedAt = "published_at"
        }
    }

    /// Newest first; withdrawn items are hidden by RLS and by the filter.
    public func list(page: Page) throws -> Paged<Item> {
        let rows = try connection.query("""
            SELECT id, published_at, title, body, count(*) OVER () AS total FROM news
            WHERE withdrawn_at IS NULL ORDER BY published_at DESC, id DESC LIMIT $1 OFFSET $2
            """, [page.size, page.offset])
        var total = 0
        let items = try rows.map { row -> Item in
            total = try row.decode("total")
            return Item(id: try row.decode("id"), publishedAt: try row.decode("published_at"), title: try row.decode("title"),
                        body: try row.decode("body"))
        }
        if items.isEmpty, page.offset > 0 {
            total = try connection.query("SELECT count(*) FROM news WHERE withdrawn_at IS NULL").first!.decode(0)
        }
        return Paged(items: items, page: page, total: total)
    }
}
