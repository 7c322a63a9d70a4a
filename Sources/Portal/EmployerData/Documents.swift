import Postgres

/// "Documents" (guide ch. 07): the structure's documents (bordereaux de cotisation, descriptifs,
/// notices) and the blank forms every employer can download.
public struct Documents {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public enum Category: String, Encodable, Sendable, CaseIterable {
        case guaranteeDescription = "guarantee_description"
        case informationNotice = "information_notice"
        case contributionStatement = "contribution_statement"
        case other
    }

    /// Documents of a contract OCSO has not received signed stay hidden, like the contract (guide ch. 04).
    static let signedOnly = "(contract_id IS NULL OR contract_id IN (SELECT id FROM contracts WHERE structure_id = $1 AND signed))"

    public struct Summary: Encodable, Sendable {
        public let id: Int64
        public let category: String
        public let title: String
        public let year: Int?
        public let college: String?
        public let guarantee: String?
        public let fileName: String
        public let contentType: String
        public let size: Int
        public let sha256: String

        enum CodingKeys: String, CodingKey {
            case id, category, title, year, college, guarantee, size, sha256
            case fileName = "file_name"
            case contentType = "content_type"
        }
    }

    /// A downloadable file.
    public struct File: Sendable {
        public let fileName: String
        public let contentType: String
        public let sha256: [UInt8]
        public let content: [UInt8]
    }

    static func summary(_ row: PostgresRow) throws -> Summary {
        Summary(id: try row.decode("id"), category: try row.decode("category"), title: try row.decode("title"),
                year: try row.decode("year"), college: try row.decode("college"), guarantee: try row.decode("guarantee"),
                fileName: try row.decode("file_name"), contentType: try row.decode("content_type"), size: try row.decode("size"),
                sha256: Sodium.hex(try row.decode("sha256")))
    }

    public func list(_ access: AccessContext, category: Category?, page: Page) throws -> Paged<Summary> {
        let rows = try connection.query("""
            SELECT id, category, title, year, college, guarantee, file_name, content_type, size, sha256, count(*) OVER () AS total
            FROM documents WHERE structure_id = $1 AND ($2::text IS NULL OR category = $2) AND \(Self.signedOnly)
            ORDER BY category, year DESC NULLS LAST, title, id
            LIMIT $3 OFFSET $4
            """, [access.structureID, category?.rawValue, page.size, page.offset])
        var total = 0
        let items = try rows.map { row -> Summary in
            total = try row.decode("total")
            return try Self.summary(row)
        }
        if items.isEmpty, page.offset > 0 {
            total = try connection.query("""
                SELECT count(*) FROM documents WHERE structure_id = $1 AND ($2::text IS NULL OR category = $2) AND \(Self.signedOnly)
                """,
                                         [access.structureID, category?.rawValue]).first!.decode(0)
        }
        return Paged(items: items, page: page, total: total)
    }

    /// The statement that reads one document of a structure, for a caller that sends it in a round
    /// trip of its own making (before the access is known: row-level security still applies).
    public static func fileQuery(structureID: Int64, id: Int64) -> (sql: String, binds: [any PostgresBindable]) {
        ("SELECT file_name, content_type, sha256, content FROM documents WHERE structure_id = $1 AND id = $2 AND \(signedOnly)",
         [structureID, id])
    }

    /// The document among the rows of `fileQuery`, if any.
    public static func file(in rows: PostgresResult) throws -> File? {
        try rows.first.map(file)
    }

    public enum FormCategory: String, Encodable, Sendable, CaseIterable {
        /// "Gestion des arrêts de travail".
        case sickLeave = "sick_leave"
        /// "Gestion des cotisations".
        case contributions
        /// "Modification des informations".
        case changes
    }

    public struct Form: Encodable, Sendable {
        public let id: Int64
        public let category: String
        public let title: String
        public let fileName: String
        public let contentType: String
        public let size: Int
        public let sha256: String

        enum CodingKeys: String, CodingKey {
            case id, category, title, size, sha256
            case fileName = "file_name"
            case contentType = "content_type"
        }
    }

    public func forms() throws -> [Form] {
        try connection.query("SELECT id, category, title, file_name, content_type, size, sha256 FROM forms ORDER BY position, id")
            .map { row in
                Form(id: try row.decode("id"), category: try row.decode("category"), title: try row.decode("title"),
                     fileName: try row.decode("file_name"), contentType: try row.decode("content_type"), size: try row.decode("size"),
                     sha256: Sodium.hex(try row.decode("sha256")))
            }
    }

    public func formFile(id: Int64) throws -> File? {
        try connection.query("SELECT file_name, content_type, sha256, content FROM forms WHERE id = $1", [id]).first.map(Self.file)
    }

    static func file(_ row: PostgresRow) throws -> File {
        File(fileName: try row.decode("file_name"), contentType: try row.decode("content_type"), sha256: try row.decode("sha256"),
             content: try row.decode("content"))
    }
}
