import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

// Fixtures of the employer data tests (issue 4): the guide's demo structure loaded once per test
// process into the shared database, a foreign structure B with rows of its own, and small helpers
// (query strings, exact amounts, a strict CSV reader) that do not trust the code under test.

/// Users written directly as the owner (password already changed), then signed in through the API.
enum EmployerDataUsers {
    struct Grant {
        let structureID: Int64
        let rights: [String]
        let grantedBy: Int64?
    }

    /// A delegated user with `grants`; returns their id.
    static func create(email: String = Fixtures.uniqueEmail("ed-delegate"), grants: [Grant]) throws -> Int64 {
        let owner = try TestCluster.connect(as: "portal_owner")
        return try owner.transaction { connection in
            let id: Int64 = try connection.query("""
                INSERT INTO users (email, last_name, first_name, password_hash, must_change_password)
                VALUES ($1, 'Lecteur', 'Délégué', $2, false) RETURNING id
                """, [email, try SecretHasher.minimal.hash(Fixtures.strongPassword)]).first!.decode(0)
            for grant in grants {
                try connection.execute("""
                    INSERT INTO structure_access (structure_id, user_id, role, rights, granted_by) VALUES ($1, $2, 'delegated', $3, $4)
                    """, [grant.structureID, id, TextArray(grant.rights), grant.grantedBy])
            }
            return id
        }
    }

    static func logIn(_ email: String) throws -> APIClient {
        let client = try APIClient()
        let login = try client.send("POST", "/api/v1/session", json: ["email": email, "password": Fixtures.strongPassword])
        guard login.status == 200 else { throw Fixtures.FixtureError(step: "login of \(email)", response: login) }
        return client
    }

    /// A new delegated user with `grants`, signed in.
    static func signedIn(_ grants: [Grant]) throws -> (client: APIClient, id: Int64) {
        let email = Fixtures.uniqueEmail("ed-delegate")
        let id = try create(email: email, grants: grants)
        return (try logIn(email), id)
    }
}

/// SARL DEMONSTRATION, client number 1234567 (the guide's example), and its single test principal.
struct DemoEmployer: Sendable {
    static let principalEmail = "demo.tests@example.fr"
    /// Serialises the creation of the principal between test processes sharing the database.
    static let principalLockKey: Int64 = 4_412_345_670_777

    struct StoredDocument: Sendable {
        let id: Int64
        let category: String
        let title: String
        let fileName: String
        let size: Int
        let sha256: String
    }

    struct StoredForm: Sendable {
        let id: Int64
        let title: String
        let fileName: String
    }

    let structureID: Int64
    let principalID: Int64
    /// The database's current_date: statuses and portability depend on it.
    let today: CalendarDate
    let documents: [StoredDocument]
    /// The demo's forms (by title), in the guide's order (position).
    let forms: [StoredForm]

    var base: String { "/api/v1/structures/\(structureID)" }

    /// Loaded once per process; a failure is reported by every test that needs it.
    private static let shared = Result { try DemoEmployer() }

    static func get() throws -> DemoEmployer { try shared.get() }

    private init() throws {
        let owner = try TestCluster.connect(as: "portal_owner")
        structureID = try DemoDataset.load(on: owner, hasher: .minimal).structureID
        let structureID = structureID
        principalID = try owner.transaction { connection -> Int64 in
            try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [Self.principalLockKey])
            try connection.execute("""
                INSERT INTO users (email, last_name, first_name, password_hash, must_change_password)
                VALUES ($1, 'Tests', 'Démo', $2, false) ON CONFLICT (email) DO NOTHING
                """, [Self.principalEmail, try SecretHasher.minimal.hash(Fixtures.strongPassword)])
            let userID: Int64 = try connection.query("SELECT id FROM users WHERE email = $1", [Self.principalEmail]).first!.decode(0)
            let access = try connection.query("SELECT user_id, role FROM structure_access WHERE structure_id = $1 AND (role = 'principal' OR user_id = $2)",
                                              [structureID, userID])
            if access.isEmpty {
                try connection.execute("""
                    INSERT INTO structure_access (structure_id, user_id, role, rights, granted_by) VALUES ($1, $2, 'principal', $3, $2)
                    """, [structureID, userID, TextArray(Right.allCases.map(\.rawValue))])
            } else {
                for row in access {
                    let holder: Int64 = try row.decode("user_id")
                    let role: String = try row.decode("role")
                    guard holder == userID, role == "principal" else {
                        throw DemoSetupError(message: "the demo structure \(structureID) already has user \(holder) as \(role); "
                            + "the tests need \(Self.principalEmail) as its principal")
                    }
                }
            }
            return userID
        }
        today = try owner.query("SELECT current_date").first!.decode(0)
        documents = try owner.query("""
            SELECT id, category, title, file_name, size, sha256 FROM documents WHERE structure_id = $1 ORDER BY id
            """, [structureID]).map { row in
            StoredDocument(id: try row.decode("id"), category: try row.decode("category"), title: try row.decode("title"),
                           fileName: try row.decode("file_name"), size: try row.decode("size"),
                           sha256: Sodium.hex(try row.decode("sha256", as: [UInt8].self)))
        }
        let titles = DemoDataset.forms.sorted { $0.position < $1.position }.map(\.title)
        let stored = try owner.query("SELECT id, title, file_name FROM forms WHERE title = ANY ($1)", [TextArray(titles)]).map { row in
            StoredForm(id: try row.decode("id"), title: try row.decode("title"), fileName: try row.decode("file_name"))
        }
        forms = titles.compactMap { title in stored.first { $0.title == title } }
        guard forms.count == titles.count else { throw DemoSetupError(message: "demo forms missing after load") }
    }

    struct DemoSetupError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    func principal() throws -> APIClient { try EmployerDataUsers.logIn(Self.principalEmail) }

    /// A delegated user of the demo structure with exactly `rights`, signed in.
    func delegate(_ rights: [String]) throws -> (client: APIClient, id: Int64) {
        try EmployerDataUsers.signedIn([.init(structureID: structureID, rights: rights, grantedBy: principalID)])
    }

    /// The demo's people in the list's order (last name, first name, matricule).
    static var insuredInListOrder: [DemoDataset.Insured] {
        DemoDataset.insured.sorted { ($0.lastName, $0.firstName, $0.matricule) < ($1.lastName, $1.firstName, $1.matricule) }
    }

    static func date(_ text: String?) -> CalendarDate? { text.flatMap(CalendarDate.init(iso:)) }

    /// ACTIF, PORTABILITE or SORTI on `today`, by the rule of the issue (over signed contracts).
    func status(of person: DemoDataset.Insured) -> String {
        let signed = Set(DemoDataset.contracts.filter(\.signed).map(\.ref))
        let affiliations = person.affiliations.filter { signed.contains($0.contractRef) }
        if affiliations.contains(where: { Self.date($0.entryDate)! <= today && (Self.date($0.endDate).map { $0 >= today } ?? true) }) {
            return "ACTIF"
        }
        if affiliations.contains(where: { affiliation in
            guard let end = Self.date(affiliation.endDate), let portability = Self.date(affiliation.portabilityEnd) else { return false }
            return end < today && portability >= today
        }) {
            return "PORTABILITE"
        }
        return "SORTI"
    }

    static func contract(_ ref: String) -> DemoDataset.Contract { DemoDataset.contracts.first { $0.ref == ref }! }

    /// Words of the demo that must never reach a user of another structure.
    static let secrets: [String] = ["SARL DEMONSTRATION", "DUPONT", "DUBOIS", "DURAND", "GWENNAEL", "ELOISE", "MERIGNAC",
                                    "553.80", "1162.98", "296.38", "636.86", "553,80", "1234567/GU/P", "1234567/EP/S", "DEMO-IJ",
                                    "DEMO-GU-P", "Bordereau de régularisation", "\"1234567\"", "99999999800019"]
        + DemoDataset.insured.map(\.nir)
}

/// Structure B: its own principal and rows inserted as the owner (a signed and an unsigned
/// contract, insured people with distinctive or hostile names, an IJ payment, documents).
/// Created once per process; every string of B contains `tag` (letters that never occur in hex).
struct ForeignEmployer: Sendable {
    struct Person: Sendable {
        let matricule: String
        let lastName: String
        let firstName: String
        /// Affiliated to the signed contract (otherwise only to the unsigned one: never shown).
        let signed: Bool
    }

    let tag: String
    let structure: Fixtures.Structure
    let name: String
    let principalEmail: String
    let principalID: Int64
    let nir: String
    let signedCollege: String
    let unsignedCollege: String
    let unsignedDSN: String
    let unsignedDocumentID: Int64
    let unsignedDocumentTitle: String
    let documentID: Int64
    let documentTitle: String
    let documentContent: [UInt8]
    let paymentAmount = "425.37"
    let lineAmounts = ["415.37", "10.00"]
    let people: [Person]

    var base: String { "/api/v1/structures/\(structure.id)" }
    var main: Person { people[0] }
    var formula: Person { people[1] }
    var quoted: Person { people[2] }
    var percent: Person { people[3] }
    var accented: Person { people[4] }
    var lineBreak: Person { people[5] }
    var combining: Person { people[6] }
    var ghost: Person { people[7] }

    private static let shared = Result { try ForeignEmployer() }

    static func get() throws -> ForeignEmployer { try shared.get() }

    private init() throws {
        let tag = String((0..<8).map { _ in "GHJKMNPQRSTVWXYZ".randomElement()! })
        self.tag = tag
        name = "SARL ETRANGERE \(tag)"
        structure = try Fixtures.structure(name: name)
        principalEmail = Fixtures.uniqueEmail("ed-principal-b")
        nir = "1" + String((0..<14).map { _ in "0123456789".randomElement()! })
        signedCollege = "COLLEGE SECRET \(tag)"
        unsignedCollege = "COLLEGE NON SIGNE \(tag)"
        unsignedDSN = "B\(tag)/NONSIGNE"
        documentTitle = "Bordereau secret \(tag)"
        unsignedDocumentTitle = "Descriptif non signé \(tag)"
        documentContent = Array("%PDF-1.4\n% Bordereau secret \(tag)\n%%EOF\n".utf8)
        people = [
            Person(matricule: "B\(tag)01", lastName: "ZORGLUB\(tag)", firstName: "SECRET", signed: true),
            Person(matricule: "B\(tag)02", lastName: "=HYPERLINK(\"http://evil.example/\(tag)\";\"clic\")", firstName: "+33 ROBERT", signed: true),
            Person(matricule: "B\(tag)03", lastName: "O\"HARA;\(tag)", firstName: "@MARIE", signed: true),
            Person(matricule: "B\(tag)04", lastName: "TAUX 100%_PLEIN \(tag)", firstName: "-JEAN", signed: true),
            Person(matricule: "B\(tag)05", lastName: "ÉTRANGÈRE \(tag)", firstName: "ÉLODIE", signed: true),
            Person(matricule: "B\(tag)06", lastName: "RETOUR \(tag)", firstName: "LIGNE1\r\nLIGNE2", signed: true),
            Person(matricule: "B\(tag)07", lastName: "ACCENT \(tag)", firstName: "POINT;\u{301}VIRGULE", signed: true),
            Person(matricule: "B\(tag)08", lastName: "FANTOME \(tag)", firstName: "NONSIGNE", signed: false),
        ]

        let owner = try TestCluster.connect(as: "portal_owner")
        let structureID = structure.id
        let principalEmail = principalEmail
        let nir = nir
        let documentTitle = documentTitle
        let documentContent = documentContent
        let unsignedDocumentTitle = unsignedDocumentTitle
        let signedCollege = signedCollege
        let unsignedCollege = unsignedCollege
        let unsignedDSN = unsignedDSN
        let people = people
        let ids = try owner.transaction { connection -> (principal: Int64, document: Int64, unsignedDocument: Int64) in
            let principalID: Int64 = try connection.query("""
                INSERT INTO users (email, last_name, first_name, password_hash, must_change_password)
                VALUES ($1, 'Principal', 'Bêta', $2, false) RETURNING id
                """, [principalEmail, try SecretHasher.minimal.hash(Fixtures.strongPassword)]).first!.decode(0)
            try connection.execute("""
                INSERT INTO structure_access (structure_id, user_id, role, rights, granted_by) VALUES ($1, $2, 'principal', $3, $2)
                """, [structureID, principalID, TextArray(Right.allCases.map(\.rawValue))])

            func contract(_ ref: String, _ kind: String, _ college: String, _ dsn: String, signed: Bool) throws -> Int64 {
                try connection.query("""
                    INSERT INTO contracts (structure_id, contract_ref, kind, college, dsn_reference, start_date, signed)
                    VALUES ($1, $2, $3, $4, $5, '2015-01-01', $6) RETURNING id
                    """, [structureID, ref, kind, college, dsn, signed]).first!.decode(0)
            }
            let signedContract = try contract("B\(tag)-S", "SANTE", signedCollege, "B\(tag)/SECRET", signed: true)
            let unsignedContract = try contract("B\(tag)-U", "PREVOYANCE", unsignedCollege, unsignedDSN, signed: false)
            try connection.execute("""
                INSERT INTO guarantees (structure_id, contract_id, code, label, periodicity, payment_mode)
                VALUES ($1, $2, 'FMC', $3, 'MENSUEL_ECHU', 'OCSO')
                """, [structureID, signedContract, "Garantie secrète \(tag)"])

            var insuredIDs: [Int64] = []
            for (index, person) in people.enumerated() {
                let id: Int64 = try connection.query("""
                    INSERT INTO insured_people (structure_id, matricule, last_name, first_name, nir, birth_date, address_line, postal_code, city)
                    VALUES ($1, $2, $3, $4, $5, '1980-01-01', $6, '64000', 'PAU') RETURNING id
                    """, [structureID, person.matricule, person.lastName, person.firstName, index == 0 ? nir : nil,
                          "9 impasse Secrète \(tag)"]).first!.decode(0)
                insuredIDs.append(id)
                if person.signed {
                    try connection.execute("""
                        INSERT INTO affiliations (structure_id, insured_id, contract_id, entry_date) VALUES ($1, $2, $3, '2015-01-01')
                        """, [structureID, id, signedContract])
                }
                if index == 0 || !person.signed {
                    try connection.execute("""
                        INSERT INTO affiliations (structure_id, insured_id, contract_id, entry_date) VALUES ($1, $2, $3, '2016-01-01')
                        """, [structureID, id, unsignedContract])
                }
            }
            try connection.execute("""
                INSERT INTO beneficiaries (structure_id, insured_id, last_name, first_name, birth_date, rank, adhesion_date)
                VALUES ($1, $2, $3, 'ENFANT', '2015-02-03', 'EA', '2015-03-01')
                """, [structureID, insuredIDs[0], "ZORGLUB\(tag)"])

            let paymentID: Int64 = try connection.query("""
                INSERT INTO ij_payments (structure_id, payment_ref, payment_date, amount) VALUES ($1, $2, '2022-03-15', 425.37) RETURNING id
                """, [structureID, "B\(tag)-P1"]).first!.decode(0)
            // 10 × (71.23 − 30.00) + 3.07 = 415.37, and 2 × (15.00 − 10.00) + 0 = 10.00.
            try connection.execute("""
                INSERT INTO ij_payment_lines (structure_id, payment_id, line_no, insured_id, beneficiary_name, period_start, period_end,
                                              nature, days, ss_daily, other_movement, insurer_daily)
                VALUES ($1, $2, 1, $3, $4, '2022-01-01', '2022-01-10', 'MAL', 10, 30.00, 3.07, 71.23),
                       ($1, $2, 2, $5, '@SUM(1+1)', '2022-02-01', '2022-02-02', 'PAT', 2, 10.00, 0, 15.00)
                """, [structureID, paymentID, insuredIDs[0], "ZORGLUB\(tag) Secret", insuredIDs[1]])

            func document(_ category: String, _ title: String, contract: Int64, content: [UInt8]) throws -> Int64 {
                try connection.query("""
                    INSERT INTO documents (structure_id, category, title, year, college, contract_id, file_name, content_type, size, sha256, content)
                    VALUES ($1, $2, $3, 2022, $4, $5, $6, 'application/pdf', $7, $8, $9) RETURNING id
                    """, [structureID, category, title, signedCollege, contract, "document-\(tag.lowercased())-\(category).pdf",
                          content.count, Sodium.sha256(content), content]).first!.decode(0)
            }
            let documentID = try document("contribution_statement", documentTitle, contract: signedContract, content: documentContent)
            let unsignedContent = Array("%PDF-1.4\n% \(unsignedDocumentTitle)\n%%EOF\n".utf8)
            let unsignedDocumentID = try document("guarantee_description", unsignedDocumentTitle, contract: unsignedContract,
                                                  content: unsignedContent)
            return (principalID, documentID, unsignedDocumentID)
        }
        principalID = ids.principal
        documentID = ids.document
        unsignedDocumentID = ids.unsignedDocument
    }

    func principal() throws -> APIClient { try EmployerDataUsers.logIn(principalEmail) }

    /// Strings of B that must never reach a user of another structure.
    var secrets: [String] { [tag, nir, paymentAmount, "425,37", "415.37", "\"\(structure.clientNumber)\""] }
}

/// What one JSON page (`items`, `page`, `page_size`, `total`) holds.
struct EmployerDataPage {
    let items: [[String: Any]]
    let page: Int?
    let pageSize: Int?
    let total: Int?

    init(_ response: APIResponse) {
        let json = response.json
        items = json["items"] as? [[String: Any]] ?? []
        page = json["page"] as? Int
        pageSize = json["page_size"] as? Int
        total = json["total"] as? Int
    }

    func strings(_ key: String) -> [String] { items.map { $0[key] as? String ?? "<\(key)?>" } }
}

enum EmployerDataKit {
    /// A query string, every value percent-encoded (so `+`, `%`, `&` travel literally).
    static func query(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet()
        allowed.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
    }

    static func path(_ base: String, _ pairs: [(String, String)]) -> String {
        pairs.isEmpty ? base : base + "?" + query(pairs)
    }

    /// `"553.80"` → 55380; nil unless exactly digits, a point and two decimals (no Double anywhere).
    static func cents(_ value: Any?) -> Int64? {
        guard let text = value as? String else { return nil }
        var rest = Substring(text)
        let negative = rest.hasPrefix("-")
        if negative { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy { ("0"..."9").contains($0) } }),
              let units = Int64(parts[0]), let fraction = Int64(parts[1]) else { return nil }
        return (negative ? -1 : 1) * (units * 100 + fraction)
    }

    static func day(_ value: Any?) -> Int? {
        (value as? String).flatMap(CalendarDate.init(iso:))?.daysSinceUnixEpoch
    }

    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Reads a CSV body strictly: BOM, then records ending in CRLF, `;` between fields, RFC 4180
    /// quotes. A bare CR or LF outside quotes, a stray quote or a missing final CRLF is an error.
    static func csv(_ body: [UInt8]) -> [[String]]? {
        guard body.starts(with: bom) else { return nil }
        let scalars = Array(String(decoding: body.dropFirst(3), as: UTF8.self).unicodeScalars)
        var records: [[String]] = []
        var record: [String] = []
        var field = String.UnicodeScalarView()
        var index = 0
        var inQuotes = false
        var closedQuote = false
        func endField() {
            record.append(String(field))
            field = String.UnicodeScalarView()
            closedQuote = false
        }
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if inQuotes {
                if scalar == "\"" {
                    if index < scalars.count, scalars[index] == "\"" {
                        field.append("\"")
                        index += 1
                    } else {
                        inQuotes = false
                        closedQuote = true
                    }
                } else {
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case ";":
                endField()
            case "\r":
                guard index < scalars.count, scalars[index] == "\n" else { return nil }
                index += 1
                endField()
                records.append(record)
                record = []
            case "\n":
                return nil
            case "\"":
                guard field.isEmpty, !closedQuote else { return nil }
                inQuotes = true
            default:
                guard !closedQuote else { return nil }
                field.append(scalar)
            }
        }
        guard !inQuotes, record.isEmpty, field.isEmpty else { return nil }
        return records
    }
}

