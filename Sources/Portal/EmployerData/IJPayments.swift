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

    /// The page from the results of `listStatements`, in their order. Each column is found once,
    /// then decoded by position: a page holds about a hundred rows of sixteen columns.
    public static func page(from results: [PostgresResult], page: Page) throws -> Paged<Payment> {
        let rows = results[0]
        let column = try LineColumns(rows)
        let (id, reference, date, amount, structure) = (try rows.position(of: "id"), try rows.position(of: "payment_ref"),
                                                         try rows.position(of: "payment_date"), try rows.position(of: "amount"),
                                                         try rows.position(of: "structure_name"))
        var payments: [Payment] = []
        var head: (id: Int64, reference: String, date: CalendarDate, amount: Cents, structure: String)?
        var lines: [Line] = []
        func flush() {
            guard let head else { return }
            payments.append(Payment(id: head.id, reference: head.reference, paymentDate: head.date, amount: head.amount,
                                    structureName: head.structure, lines: lines))
        }
        for row in rows {
            let paymentID: Int64 = try row.decode(id)
            if head?.id != paymentID {
                flush()
                head = (paymentID, try row.decode(reference), try row.decode(date), try row.decode(amount), try row.decode(structure))
                lines = []
            }
            if try row.decode(column.lineNumber, as: Int?.self) != nil { lines.append(try column.line(row)) }
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
        let rows = try connection.query("""
            SELECT l.payment_id, l.line_no, i.matricule, l.beneficiary_name, l.period_start, l.period_end, l.nature, l.days,
                   l.ss_daily, l.other_movement, l.insurer_daily, l.amount
            FROM ij_payment_lines l JOIN insured_people i ON i.structure_id = l.structure_id AND i.id = l.insured_id
            WHERE l.structure_id = $1 AND l.payment_id = ANY ($2::text[]::bigint[])
            ORDER BY l.payment_id, l.line_no
            """, [access.structureID, TextArray(ids.map(String.init))])
        let column = try LineColumns(rows, amount: "amount")
        for row in rows {
            result[try row.decode("payment_id"), default: []].append(try column.line(row))
        }
        return result
    }

    /// Where the columns of a line are in a result (its amount under `amount`).
    struct LineColumns {
        let lineNumber, matricule, beneficiaryName, periodStart, periodEnd, nature, days, ssDaily, otherMovement, insurerDaily,
            amount: Int

        init(_ result: PostgresResult, amount: String = "line_amount") throws {
            lineNumber = try result.position(of: "line_no")
            matricule = try result.position(of: "matricule")
            beneficiaryName = try result.position(of: "beneficiary_name")
            periodStart = try result.position(of: "period_start")
            periodEnd = try result.position(of: "period_end")
            nature = try result.position(of: "nature")
            days = try result.position(of: "days")
            ssDaily = try result.position(of: "ss_daily")
            otherMovement = try result.position(of: "other_movement")
            insurerDaily = try result.position(of: "insurer_daily")
            self.amount = try result.position(of: amount)
        }

        func line(_ row: PostgresRow) throws -> Line {
            let nature = IJNature(rawValue: try row.decode(self.nature)) ?? .sickness
            return Line(lineNumber: try row.decode(lineNumber), matricule: try row.decode(matricule),
                        beneficiaryName: try row.decode(beneficiaryName), periodStart: try row.decode(periodStart),
                        periodEnd: try row.decode(periodEnd), nature: nature, natureLabel: nature.label, days: try row.decode(days),
                        ssDaily: try row.decode(ssDaily), otherMovement: try row.decode(otherMovement),
                        insurerDaily: try row.decode(insurerDaily), amount: try row.decode(amount))
        }
    }
}
