import Postgres

/// "Indemnités journalières" (guide ch. 06): payments made to the structure, each with the
/// indemnified periods it pays. Amounts are exact (numeric in the database, cents in Swift).
public struct IJPayments {
    let connection: PostgresConnection
    let access: AccessContext

    public init(connection: PostgresConnection, access: AccessContext) {
        self.connection = connection
        self.access = access
    }

    public struct Filter: Sendable {
        /// Payment date within [from, to].
        public var from: CalendarDate?
        public var to: CalendarDate?
        /// Payments with at least one line for this matricule.
        public var matricule: String?

        public init(from: CalendarDate? = nil, to: CalendarDate? = nil, matricule: String? = nil) {
            self.from = from
            self.to = to
            self.matricule = matricule
        }
    }

    public struct Line: Encodable, Sendable {
        public let lineNumber: Int
        public let matricule: String
        public let beneficiaryName: String
        public let periodStart: CalendarDate
        public let periodEnd: CalendarDate
        public let nature: IJNature
        public let natureLabel: String
        public let days: Int
        public let ssDaily: Cents
        public let otherMovement: Cents
        public let insurerDaily: Cents
        public let amount: Cents

        enum CodingKeys: String, CodingKey {
            case matricule, nature, days, amount
            case lineNumber = "line_number"
            case beneficiaryName = "beneficiary_name"
            case periodStart = "period_start"
            case periodEnd = "period_end"
            case natureLabel = "nature_label"
            case ssDaily = "ss_daily"
            case otherMovement = "other_movement"
            case insurerDaily = "insurer_daily"
        }
    }

    public struct Payment: Encodable, Sendable {
        public let id: Int64
        public let reference: String
        public let paymentDate: CalendarDate
        public let amount: Cents
        public let structureName: String
        public let lines: [Line]

        enum CodingKeys: String, CodingKey {
            case id, reference, amount, lines
            case paymentDate = "payment_date"
            case structureName = "structure_name"
        }
    }

    /// The filter, shared by the page query and the count, with its parameters: only the conditions
    /// asked for, so that each combination is a statement of its own with a plan of its own (a
    /// `$2 IS NULL OR …` would make one plan serve every case). With an insured person, the payments
    /// are found from that person's lines (an index lookup) rather than by probing every payment.
    static func filter(_ filter: Filter, structureID: Int64) -> (sql: String, binds: [any PostgresBindable]) {
        var sql = "p.structure_id = $1"
        var binds: [any PostgresBindable] = [structureID]
        if let from = filter.from {
            binds.append(from)
            sql += "\n  AND p.payment_date >= $\(binds.count)"
        }
        if let to = filter.to {
            binds.append(to)
            sql += "\n  AND p.payment_date <= $\(binds.count)"
        }
        if let matricule = filter.matricule {
            binds.append(matricule)
            sql += """

                  AND p.id IN (SELECT l.payment_id FROM ij_payment_lines l
                               JOIN insured_people i ON i.structure_id = l.structure_id AND i.id = l.insured_id
                               WHERE l.structure_id = $1 AND i.matricule = $\(binds.count))
                """
        }
        return (sql, binds)
    }

    /// The page walks the (structure, date, id) index and stops after LIMIT rows, then each payment
    /// of the page brings its lines (one row per line, the payment's columns repeated; one row with
    /// NULL lines for a payment without any). The total is counted apart, so a large structure does
    /// not pay for a window over all its payments. Independent of each other: one round trip, which
    /// a caller may also share with statements of its own (see `page(from:page:)`).
    public static func listStatements(structureID: Int64, filter: Filter, page: Page) -> [(sql: String, binds: [any PostgresBindable])] {
        let (condition, binds) = Self.filter(filter, structureID: structureID)
        let pageSQL = """
            SELECT page.id, page.payment_ref, page.payment_date, page.amount, page.structure_name,
                   l.line_no, i.matricule, l.beneficiary_name, l.period_start, l.period_end, l.nature, l.days,
                   l.ss_daily, l.other_movement, l.insurer_daily, l.amount AS line_amount
            FROM (SELECT p.id, p.payment_ref, p.payment_date, p.amount, s.name AS structure_name
                  FROM ij_payments p JOIN structures s ON s.id = p.structure_id
                  WHERE \(condition)
                  ORDER BY p.payment_date DESC, p.id DESC
                  LIMIT $\(binds.count + 1) OFFSET $\(binds.count + 2)) page
            LEFT JOIN (ij_payment_lines l JOIN insured_people i ON i.structure_id = l.structure_id AND i.id = l.insured_id)
                   ON l.structure_id = $1 AND l.payment_id = page.id
            ORDER BY page.payment_date DESC, page.id DESC, l.line_no
            """
        return [(pageSQL, binds + [page.size, page.offset]), ("SELECT count(*) FROM ij_payments p WHERE \(condition)", binds)]
    }

    /// The page from the results of `listStatements`, in their order.
    public static func page(from results: [PostgresResult], page: Page) throws -> Paged<Payment> {
        var payments: [Payment] = []
        var head: (id: Int64, reference: String, date: CalendarDate, amount: Cents, structure: String)?
        var lines: [Line] = []
        func flush() {
            guard let head else { return }
            payments.append(Payment(id: head.id, reference: head.reference, paymentDate: head.date, amount: head.amount,
                                    structureName: head.structure, lines: lines))
        }
        for row in results[0] {
            let id: Int64 = try row.decode("id")
            if head?.id != id {
                flush()
                head = (id, try row.decode("payment_ref"), try row.decode("payment_date"), try row.decode("amount"),
                        try row.decode("structure_name"))
                lines = []
            }
            if try row.decode("line_no", as: Int?.self) != nil { lines.append(try line(row, amount: "line_amount")) }
        }
        flush()
        return Paged(items: payments, page: page, total: try results[1].first!.decode(0))
    }

    /// Newest first.
    public func list(_ filter: Filter, page: Page) throws -> Paged<Payment> {
        try Self.page(from: connection.queries(Self.listStatements(structureID: access.structureID, filter: filter, page: page)),
                      page: page)
    }

    /// The latest payments, for the home page.
    public func latest(_ count: Int) throws -> [Payment] {
        try list(Filter(), page: Page(number: 1, size: count)).items
    }

    /// Every payment matching the filter, newest first, for exports.
    public func forEach(_ filter: Filter, _ body: (Payment) throws -> Void) throws {
        var number = 1
        while true {
            let page = try list(filter, page: Page(number: number, size: Page.maximumSize))
            try page.items.forEach(body)
            if page.items.count < Page.maximumSize { return }
            number += 1
        }
    }

    /// One payment, for its décompte.
    public func payment(id: Int64) throws -> Payment? {
        guard let row = try connection.query("""
            SELECT p.id, p.payment_ref, p.payment_date, p.amount, s.name AS structure_name
            FROM ij_payments p JOIN structures s ON s.id = p.structure_id WHERE p.structure_id = $1 AND p.id = $2
            """, [access.structureID, id]).first else { return nil }
        return Payment(id: try row.decode("id"), reference: try row.decode("payment_ref"), paymentDate: try row.decode("payment_date"),
                       amount: try row.decode("amount"), structureName: try row.decode("structure_name"),
                       lines: try linesByPayment([id])[id] ?? [])
    }

    private func linesByPayment(_ ids: [Int64]) throws -> [Int64: [Line]] {
        guard !ids.isEmpty else { return [:] }
        var result: [Int64: [Line]] = [:]
        for row in try connection.query("""
            SELECT l.payment_id, l.line_no, i.matricule, l.beneficiary_name, l.period_start, l.period_end, l.nature, l.days,
                   l.ss_daily, l.other_movement, l.insurer_daily, l.amount
            FROM ij_payment_lines l JOIN insured_people i ON i.structure_id = l.structure_id AND i.id = l.insured_id
            WHERE l.structure_id = $1 AND l.payment_id = ANY ($2::text[]::bigint[])
            ORDER BY l.payment_id, l.line_no
            """, [access.structureID, TextArray(ids.map(String.init))]) {
            result[try row.decode("payment_id"), default: []].append(try Self.line(row, amount: "amount"))
        }
        return result
    }

    /// One line from a row with the columns of `ij_payment_lines` (its amount under `amount`).
    private static func line(_ row: PostgresRow, amount: String) throws -> Line {
        let nature = IJNature(rawValue: try row.decode("nature")) ?? .sickness
        return Line(lineNumber: try row.decode("line_no"), matricule: try row.decode("matricule"),
                    beneficiaryName: try row.decode("beneficiary_name"), periodStart: try row.decode("period_start"),
                    periodEnd: try row.decode("period_end"), nature: nature, natureLabel: nature.label, days: try row.decode("days"),
                    ssDaily: try row.decode("ss_daily"), otherMovement: try row.decode("other_movement"),
                    insurerDaily: try row.decode("insurer_daily"), amount: try row.decode(amount))
    }
}
