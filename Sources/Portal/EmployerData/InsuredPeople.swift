import Postgres

/// "Assurés" (guide ch. 05): the structure's insured people, with their status and affiliations
/// to signed contracts, and the "Détails Santé" of one person.
public struct InsuredPeople {
    let connection: PostgresConnection
    let access: AccessContext

    public init(connection: PostgresConnection, access: AccessContext) {
        self.connection = connection
        self.access = access
    }

    /// ACTIF: an affiliation covers today. PORTABILITÉ: none does, but one ended and its
    /// portability runs until today or later. SORTI: otherwise.
    public enum Status: String, Encodable, Sendable, CaseIterable {
        case active = "ACTIF"
        case portability = "PORTABILITE"
        case exited = "SORTI"

        /// The same rule in SQL, over the person's affiliations `a` to signed contracts.
        static let sql = """
            CASE WHEN bool_or(a.entry_date <= current_date AND (a.end_date IS NULL OR a.end_date >= current_date)) THEN 'ACTIF'
                 WHEN bool_or(a.end_date < current_date AND a.portability_end >= current_date) THEN 'PORTABILITE'
                 ELSE 'SORTI' END
            """
    }

    public enum PortabilityFilter: String, Sendable, CaseIterable {
        case all, active, portability
    }

    public struct Filter: Sendable {
        /// Affiliation periods overlapping [from, to].
        public var from: CalendarDate?
        public var to: CalendarDate?
        /// Part of a name, or the start of a matricule.
        public var query: String?
        public var college: String?
        public var regime: Regime?
        public var portability: PortabilityFilter = .all

        public init(from: CalendarDate? = nil, to: CalendarDate? = nil, query: String? = nil, college: String? = nil,
                    regime: Regime? = nil, portability: PortabilityFilter = .all) {
            self.from = from
            self.to = to
            self.query = query
            self.college = college
            self.regime = regime
            self.portability = portability
        }
    }

    public struct Affiliation: Encodable, Sendable {
        public let regime: Regime
        public let regimeLabel: String
        public let college: String
        public let dsnReference: String
        public let entryDate: CalendarDate
        public let endDate: CalendarDate?
        public let portabilityEnd: CalendarDate?
        public let inPortability: Bool

        enum CodingKeys: String, CodingKey {
            case regime, college
            case regimeLabel = "regime_label"
            case dsnReference = "dsn_reference"
            case entryDate = "entry_date"
            case endDate = "end_date"
            case portabilityEnd = "portability_end"
            case inPortability = "in_portability"
        }
    }

    public struct Person: Encodable, Sendable {
        public let matricule: String
        public let lastName: String
        public let firstName: String
        public let status: Status
        public let affiliations: [Affiliation]

        enum CodingKeys: String, CodingKey {
            case matricule, status, affiliations
            case lastName = "last_name"
            case firstName = "first_name"
        }
    }

    /// A stable order (name, first name, matricule) and a total count for the pager.
    public func list(_ filter: Filter, page: Page) throws -> Paged<Person> {
        let rows = try connection.query(Self.listSQL + " ORDER BY last_name, first_name, matricule LIMIT $9 OFFSET $10",
                                        Self.binds(access.structureID, filter) + [page.size, page.offset])
        var total = 0
        var people: [(id: Int64, matricule: String, lastName: String, firstName: String, status: Status)] = []
        for row in rows {
            total = try row.decode("total")
            people.append((try row.decode("id"), try row.decode("matricule"), try row.decode("last_name"),
                           try row.decode("first_name"), Status(rawValue: try row.decode("status")) ?? .exited))
        }
        if people.isEmpty, page.offset > 0 {
            total = try connection.query("SELECT count(*) FROM (\(Self.listSQL)) counted", Self.binds(access.structureID, filter))
                .first!.decode(0)
        }
        let affiliations = try affiliationsByPerson(people.map(\.id))
        return Paged(items: people.map {
            Person(matricule: $0.matricule, lastName: $0.lastName, firstName: $0.firstName, status: $0.status,
                   affiliations: affiliations[$0.id] ?? [])
        }, page: page, total: total)
    }

    /// Every person matching the filter, in list order, for exports: `body` is called once per person.
    public func forEach(_ filter: Filter, _ body: (Person) throws -> Void) throws {
        let chunk = 500
        var offset = 0
        while true {
            let page = try connection.query(Self.listSQL + " ORDER BY last_name, first_name, matricule LIMIT $9 OFFSET $10",
                                            Self.binds(access.structureID, filter) + [chunk, offset])
            let people = try page.map { row in
                (id: try row.decode("id", as: Int64.self), matricule: try row.decode("matricule", as: String.self),
                 lastName: try row.decode("last_name", as: String.self), firstName: try row.decode("first_name", as: String.self),
                 status: Status(rawValue: try row.decode("status")) ?? .exited)
            }
            let affiliations = try affiliationsByPerson(people.map(\.id))
            for person in people {
                try body(Person(matricule: person.matricule, lastName: person.lastName, firstName: person.firstName,
                                status: person.status, affiliations: affiliations[person.id] ?? []))
            }
            if people.count < chunk { return }
            offset += chunk
        }
    }

    /// Insured people of the structure with at least one affiliation to a signed contract that
    /// matches the filter; status over all their signed affiliations. One grouped pass over the
    /// structure's affiliations, so the cost grows linearly with the structure, not quadratically,
    /// as long as the planner's statistics know the structure: the worker refreshes them after
    /// every load (sql/migrations/0010).
    static let listSQL = """
        WITH per_person AS (
            SELECT a.insured_id, \(Status.sql) AS status,
                   bool_or(($3::date IS NULL OR coalesce(a.end_date, 'infinity'::date) >= $3)
                           AND ($4::date IS NULL OR a.entry_date <= $4)
                           AND ($5::text IS NULL OR c.college = $5)
                           AND ($6::text IS NULL OR c.kind = $6)) AS matches
            FROM affiliations a JOIN contracts c ON c.structure_id = a.structure_id AND c.id = a.contract_id
            WHERE a.structure_id = $1 AND c.signed
            GROUP BY a.insured_id
        )
        SELECT p.id, p.matricule, p.last_name, p.first_name, pp.status, count(*) OVER () AS total
        FROM per_person pp JOIN insured_people p ON p.structure_id = $1 AND p.id = pp.insured_id
        WHERE pp.matches
          AND ($7::text = 'all' OR pp.status = $8)
          AND ($2::text IS NULL OR p.matricule LIKE upper($2) || '%'
               OR lower(p.last_name || ' ' || p.first_name) LIKE '%' || lower($2) || '%'
               OR lower(p.first_name || ' ' || p.last_name) LIKE '%' || lower($2) || '%')
        """

    static func binds(_ structureID: Int64, _ filter: Filter) -> [any PostgresBindable] {
        // LIKE wildcards typed by the user are matched literally.
        let query = filter.query.map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") }
        let wanted: String = switch filter.portability {
        case .all: ""
        case .active: Status.active.rawValue
        case .portability: Status.portability.rawValue
        }
        return [structureID, query, filter.from, filter.to, filter.college, filter.regime?.rawValue, filter.portability.rawValue, wanted]
    }

    private func affiliationsByPerson(_ ids: [Int64]) throws -> [Int64: [Affiliation]] {
        guard !ids.isEmpty else { return [:] }
        var result: [Int64: [Affiliation]] = [:]
        for row in try connection.query("""
            SELECT a.insured_id, c.kind, c.college, c.dsn_reference, a.entry_date, a.end_date, a.portability_end,
                   (a.end_date < current_date AND a.portability_end >= current_date) AS in_portability
            FROM affiliations a JOIN contracts c ON c.structure_id = a.structure_id AND c.id = a.contract_id
            WHERE a.structure_id = $1 AND a.insured_id = ANY ($2::text[]::bigint[]) AND c.signed
            ORDER BY a.insured_id, c.kind, a.entry_date DESC
            """, [access.structureID, TextArray(ids.map(String.init))]) {
            let regime = Regime(rawValue: try row.decode("kind")) ?? .prevoyance
            result[try row.decode("insured_id"), default: []].append(Affiliation(
                regime: regime, regimeLabel: regime.label, college: try row.decode("college"),
                dsnReference: try row.decode("dsn_reference"), entryDate: try row.decode("entry_date"),
                endDate: try row.decode("end_date"), portabilityEnd: try row.decode("portability_end"),
                inPortability: try row.decode("in_portability", as: Bool?.self) ?? false))
        }
        return result
    }

    // MARK: Détails Santé

    public struct Beneficiary: Encodable, Sendable {
        public let firstName: String
        public let lastName: String
        public let rank: String
        public let birthDate: CalendarDate
        public let adhesionDate: CalendarDate
        public let validityDate: CalendarDate?
        public let radiationDate: CalendarDate?

        enum CodingKeys: String, CodingKey {
            case rank
            case firstName = "first_name"
            case lastName = "last_name"
            case birthDate = "birth_date"
            case adhesionDate = "adhesion_date"
            case validityDate = "validity_date"
            case radiationDate = "radiation_date"
        }
    }

    /// Health data: NIR, birth date, address and beneficiaries. Present only with the `health` right.
    public struct HealthDetails: Encodable, Sendable {
        public let nir: String?
        public let birthDate: CalendarDate?
        public let addressLine: String?
        public let postalCode: String?
        public let city: String?
        public let beneficiaries: [Beneficiary]

        enum CodingKeys: String, CodingKey {
            case nir, city, beneficiaries
            case birthDate = "birth_date"
            case addressLine = "address_line"
            case postalCode = "postal_code"
        }
    }

    public struct Details: Encodable, Sendable {
        public let person: Person
        public let health: HealthDetails?

        public func encode(to encoder: Encoder) throws {
            try person.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(health, forKey: .health)
        }

        enum CodingKeys: String, CodingKey { case health }
    }

    /// One person by matricule; nil if the structure has no such insured person (with a signed affiliation).
    public func details(matricule: String) throws -> Details? {
        guard let row = try connection.query(Self.listSQL + " AND p.matricule = $9",
                                             Self.binds(access.structureID, Filter()) + [matricule]).first else { return nil }
        let id: Int64 = try row.decode("id")
        let person = Person(matricule: try row.decode("matricule"), lastName: try row.decode("last_name"),
                            firstName: try row.decode("first_name"), status: Status(rawValue: try row.decode("status")) ?? .exited,
                            affiliations: try affiliationsByPerson([id])[id] ?? [])
        guard access.rights.contains(.health) else { return Details(person: person, health: nil) }
        let health = try connection.query(
            "SELECT nir, birth_date, address_line, postal_code, city FROM insured_people WHERE structure_id = $1 AND id = $2",
            [access.structureID, id]).first!
        let beneficiaries = try connection.query("""
            SELECT first_name, last_name, rank, birth_date, adhesion_date, validity_date, radiation_date
            FROM beneficiaries WHERE structure_id = $1 AND insured_id = $2 ORDER BY rank, birth_date
            """, [access.structureID, id]).map { row in
            Beneficiary(firstName: try row.decode("first_name"), lastName: try row.decode("last_name"), rank: try row.decode("rank"),
                        birthDate: try row.decode("birth_date"), adhesionDate: try row.decode("adhesion_date"),
                        validityDate: try row.decode("validity_date"), radiationDate: try row.decode("radiation_date"))
        }
        return Details(person: person, health: HealthDetails(
            nir: try health.decode("nir"), birthDate: try health.decode("birth_date"), addressLine: try health.decode("address_line"),
            postalCode: try health.decode("postal_code"), city: try health.decode("city"), beneficiaries: beneficiaries))
    }
}
