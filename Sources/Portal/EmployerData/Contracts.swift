import Postgres

/// "Régimes en cours" (guide ch. 04): the structure's signed contracts with their guarantees and
/// the documents attached to them. Unsigned contracts never appear.
public struct Contracts {
    let connection: PostgresConnection
    let access: AccessContext

    public init(connection: PostgresConnection, access: AccessContext) {
        self.connection = connection
        self.access = access
    }

    public struct DocumentLink: Encodable, Sendable {
        public let id: Int64
        public let title: String
        public let category: String
    }

    public struct Guarantee: Encodable, Sendable {
        public let code: String
        public let label: String
        public let periodicity: String
        public let paymentMode: String
        public let documents: [DocumentLink]

        enum CodingKeys: String, CodingKey {
            case code, label, periodicity, documents
            case paymentMode = "payment_mode"
        }
    }

    public struct Contract: Encodable, Sendable {
        public let reference: String
        public let regime: Regime
        public let regimeLabel: String
        public let college: String
        public let dsnReference: String
        public let startDate: CalendarDate
        public let endDate: CalendarDate?
        public let guarantees: [Guarantee]
        public let documents: [DocumentLink]

        enum CodingKeys: String, CodingKey {
            case reference, regime, college, guarantees, documents
            case regimeLabel = "regime_label"
            case dsnReference = "dsn_reference"
            case startDate = "start_date"
            case endDate = "end_date"
        }
    }

    public func current() throws -> [Contract] {
        let structure = access.structureID
        var documentsByContract: [Int64: [DocumentLink]] = [:]
        var documentsByGuarantee: [String: [DocumentLink]] = [:]
        for row in try connection.query("""
            SELECT id, contract_id, guarantee_code, title, category FROM documents
            WHERE structure_id = $1 AND contract_id IS NOT NULL ORDER BY title, id
            """, [structure]) {
            let link = DocumentLink(id: try row.decode("id"), title: try row.decode("title"), category: try row.decode("category"))
            let contract: Int64 = try row.decode("contract_id")
            if let code: String = try row.decode("guarantee_code") {
                documentsByGuarantee["\(contract)/\(code)", default: []].append(link)
            } else {
                documentsByContract[contract, default: []].append(link)
            }
        }
        var guaranteesByContract: [Int64: [Guarantee]] = [:]
        for row in try connection.query(
            "SELECT contract_id, code, label, periodicity, payment_mode FROM guarantees WHERE structure_id = $1 ORDER BY contract_id, label",
            [structure]) {
            let contract: Int64 = try row.decode("contract_id")
            let code: String = try row.decode("code")
            guaranteesByContract[contract, default: []].append(Guarantee(
                code: code, label: try row.decode("label"), periodicity: try row.decode("periodicity"),
                paymentMode: try row.decode("payment_mode"), documents: documentsByGuarantee["\(contract)/\(code)"] ?? []))
        }
        return try connection.query("""
            SELECT id, contract_ref, kind, college, dsn_reference, start_date, end_date FROM contracts
            WHERE structure_id = $1 AND signed AND (end_date IS NULL OR end_date >= current_date)
            ORDER BY kind, college, id
            """, [structure]).map { row in
            let id: Int64 = try row.decode("id")
            let regime = Regime(rawValue: try row.decode("kind")) ?? .prevoyance
            return Contract(reference: try row.decode("contract_ref"), regime: regime, regimeLabel: regime.label,
                            college: try row.decode("college"), dsnReference: try row.decode("dsn_reference"),
                            startDate: try row.decode("start_date"), endDate: try row.decode("end_date"),
                            guarantees: guaranteesByContract[id] ?? [], documents: documentsByContract[id] ?? [])
        }
    }
}
