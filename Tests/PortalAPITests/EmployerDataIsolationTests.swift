import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

/// Issue 4, the isolation matrix extended to every employer data endpoint: each endpoint × each
/// kind of caller → the expected status and problem code, and nothing of the other structure in
/// any body. A is the demo structure (SARL DEMONSTRATION), B a foreign structure with rows of its own.
///
/// A structure the caller cannot see is a 404 (never a 403); a visible structure without the
/// endpoint's right is a 403 `missing_right`; an id or a matricule of B under A (or of A under B)
/// is a 404 even for a user who sees both structures.
/// Serialized: each case holds several database connections, and the test cluster allows 100.
@Suite(.serialized) struct EmployerDataIsolationTests {
    enum Caller: Sendable, Hashable, CustomTestStringConvertible {
        /// No cookie.
        case anonymous
        /// B's principal: a stranger to A.
        case principalOfB
        /// A delegated user of B with every right there, no grant on A.
        case delegateOfB
        /// A delegated user of A with an empty profile.
        case withoutRights
        /// A delegated user of A with exactly one right.
        case only(Right)
        /// A delegated user of A with `insured` and `health`.
        case insuredAndHealth
        /// A delegated user of A with every right, whose grant A's principal just deleted.
        case revoked
        /// A's principal.
        case principal
        /// A delegated user with every right on both A and B.
        case delegateOfBoth

        static let all: [Caller] = [.anonymous, .principalOfB, .delegateOfB, .withoutRights] + Right.allCases.map { .only($0) }
            + [.insuredAndHealth, .revoked, .principal, .delegateOfBoth]

        var testDescription: String {
            if case .only(let right) = self { return "only \(right.rawValue)" }
            return "\(self)"
        }

        /// The caller's rights on A or B; nil when the structure is invisible to them.
        func rights(on scope: Scope) -> Set<Right>? {
            let every = Set(Right.allCases)
            switch (self, scope) {
            case (.anonymous, _), (.revoked, _), (_, .global): return nil
            case (.principalOfB, .b), (.delegateOfB, .b), (.delegateOfBoth, _), (.principal, .a): return every
            case (.withoutRights, .a): return []
            case (.only(let right), .a): return [right]
            case (.insuredAndHealth, .a): return [.insured, .health]
            default: return nil
            }
        }
    }

    enum Scope: Sendable { case a, b, global }

    enum Kind: Sendable { case json, csv, pdf }

    struct Row: Sendable, CustomStringConvertible {
        let description: String
        let scope: Scope
        /// The right the endpoint needs (nil: any access to the structure).
        let right: Right?
        /// The status once the caller may ask: 200, or 404 for an identifier of the other structure.
        let success: Int
        let kind: Kind
        let path: @Sendable (DemoEmployer, ForeignEmployer) -> String

        init(_ description: String, _ scope: Scope, _ right: Right?, success: Int = 200, kind: Kind = .json,
             path: @escaping @Sendable (DemoEmployer, ForeignEmployer) -> String) {
            self.description = description
            self.scope = scope
            self.right = right
            self.success = success
            self.kind = kind
            self.path = path
        }

        var isHealthDetails: Bool { description == "GET A/insured/{matricule}" }
    }

    static let matrix: [Row] = [
        Row("GET A/home", .a, nil) { a, _ in "\(a.base)/home" },
        Row("GET A", .a, .company) { a, _ in a.base },
        Row("GET A/contracts", .a, .company) { a, _ in "\(a.base)/contracts" },
        Row("GET A/insured", .a, .insured) { a, _ in "\(a.base)/insured" },
        Row("GET A/insured?format=csv", .a, .insured, kind: .csv) { a, _ in "\(a.base)/insured?format=csv" },
        Row("GET A/insured/{matricule}", .a, .insured) { a, _ in "\(a.base)/insured/123456700002" },
        Row("GET A/ij-payments", .a, .ij) { a, _ in "\(a.base)/ij-payments" },
        Row("GET A/ij-payments?format=csv", .a, .ij, kind: .csv) { a, _ in "\(a.base)/ij-payments?format=csv" },
        Row("GET A/documents", .a, .documents) { a, _ in "\(a.base)/documents" },
        Row("GET A/documents/{doc}/content", .a, .documents, kind: .pdf) { a, _ in "\(a.base)/documents/\(a.documents[0].id)/content" },
        Row("GET A/insured/{matricule of B}", .a, .insured, success: 404) { a, b in "\(a.base)/insured/\(b.main.matricule)" },
        Row("GET A/documents/{doc of B}/content", .a, .documents, success: 404) { a, b in "\(a.base)/documents/\(b.documentID)/content" },
        Row("GET B/insured/{matricule of A}", .b, .insured, success: 404) { _, b in "\(b.base)/insured/123456700002" },
        Row("GET B/documents/{doc of A}/content", .b, .documents, success: 404) { a, b in "\(b.base)/documents/\(a.documents[0].id)/content" },
        Row("GET /api/v1/forms", .global, nil) { _, _ in "/api/v1/forms" },
        Row("GET /api/v1/forms/{form}/content", .global, nil, kind: .pdf) { a, _ in "/api/v1/forms/\(a.forms[0].id)/content" },
        Row("GET /api/v1/news", .global, nil) { _, _ in "/api/v1/news" },
    ]

    static func expected(_ caller: Caller, _ row: Row) -> (status: Int, code: String?) {
        if caller == .anonymous { return (401, "unauthenticated") }
        if row.scope == .global { return (200, nil) }
        guard let rights = caller.rights(on: row.scope) else { return (404, "not_found") }
        if let right = row.right, !rights.contains(right) { return (403, "missing_right") }
        return row.success == 200 ? (200, nil) : (404, "not_found")
    }

    /// The client of `caller`, signed in (a revoked caller already revoked).
    static func client(for caller: Caller, demo: DemoEmployer, foreign: ForeignEmployer) throws -> APIClient {
        let all = Right.allCases.map(\.rawValue)
        let onA = { (rights: [String]) in EmployerDataUsers.Grant(structureID: demo.structureID, rights: rights, grantedBy: demo.principalID) }
        let onB = { (rights: [String]) in EmployerDataUsers.Grant(structureID: foreign.structure.id, rights: rights, grantedBy: foreign.principalID) }
        switch caller {
        case .anonymous: return try APIClient()
        case .principalOfB: return try foreign.principal()
        case .delegateOfB: return try EmployerDataUsers.signedIn([onB(all)]).client
        case .withoutRights: return try EmployerDataUsers.signedIn([onA([])]).client
        case .only(let right): return try EmployerDataUsers.signedIn([onA([right.rawValue])]).client
        case .insuredAndHealth: return try EmployerDataUsers.signedIn([onA(["insured", "health"])]).client
        case .principal: return try demo.principal()
        case .delegateOfBoth: return try EmployerDataUsers.signedIn([onA(all), onB(all)]).client
        case .revoked:
            let (client, id) = try EmployerDataUsers.signedIn([onA(all)])
            // The grant works, A's principal deletes it, and the very next request is a 404.
            #expect(try client.send("GET", "\(demo.base)/insured").status == 200)
            let revocation = try demo.principal().send("DELETE", "/api/v1/users/\(id)/grants/\(demo.structureID)")
            #expect(revocation.status == 204, "\(revocation.text)")
            let next = try client.send("GET", "\(demo.base)/insured")
            #expect(next.status == 404)
            #expect(next.problemCode == "not_found")
            return client
        }
    }

    @Test(arguments: Caller.all)
    func everyEmployerEndpointAnswersEveryKindOfCallerAsExpected(_ caller: Caller) async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let foreign = try ForeignEmployer.get()
            let client = try Self.client(for: caller, demo: demo, foreign: foreign)
            let rightsOnA = caller.rights(on: .a)

            for row in Self.matrix {
                let expected = Self.expected(caller, row)
                let response = try client.send("GET", row.path(demo, foreign))
                #expect(response.status == expected.status, "\(row) → \(response.status) \(response.problemCode ?? ""), expected \(expected.status)")
                #expect(response.problemCode == expected.code, "\(row)")
                if response.status == 200 {
                    let type = switch row.kind {
                    case .json: "application/json; charset=utf-8"
                    case .csv: "text/csv; charset=utf-8"
                    case .pdf: "application/pdf"
                    }
                    #expect(response.header("Content-Type") == type, "\(row)")
                    if row.kind == .pdf { #expect(response.body.starts(with: Array("%PDF".utf8)), "\(row)") }
                } else {
                    #expect(response.header("Content-Type")?.hasPrefix("application/problem+json") == true, "\(row)")
                }

                // Nothing of B in an answer about A, nothing of A for whoever cannot see A.
                let text = response.text
                if row.scope == .a {
                    // A PDF is matched on B's words only: its drawing operators are full of decimal numbers.
                    let secrets = row.kind == .pdf ? [foreign.tag, foreign.nir] : foreign.secrets
                    for secret in secrets { #expect(!text.contains(secret), "\(row) shows B's \(secret)") }
                }
                if (rightsOnA == nil || row.scope == .b) && !(row.kind == .pdf && response.status == 200) {
                    for secret in DemoEmployer.secrets { #expect(!text.contains(secret), "\(row) shows A's \(secret) to \(caller)") }
                }
                // NIRs only in the health details, only with `health`.
                if !(row.isHealthDetails && response.status == 200 && rightsOnA?.contains(.health) == true) {
                    for person in DemoDataset.insured { #expect(!text.contains(person.nir), "\(row) shows a NIR to \(caller)") }
                } else {
                    #expect(text.contains("123456789101292"), "\(row): health details with the health right")
                }
                if row.isHealthDetails, response.status == 200 {
                    #expect(response.json.keys.contains("health") == (rightsOnA?.contains(.health) == true), "\(row): health block")
                }
                if row.description == "GET A/home", response.status == 200, let rights = rightsOnA {
                    #expect((response.json["company"] is [String: Any]) == rights.contains(.company), "home: company block")
                    #expect((response.json["latest_ij_payments"] is [[String: Any]]) == rights.contains(.ij), "home: IJ block")
                    #expect((response.json["news"] as? [[String: Any]])?.isEmpty == false, "home: news")
                }
            }
        }
    }

    /// Each right opens exactly the endpoints that need it (the matrix's rows for one-right users,
    /// counted): `company` the company and contracts, `insured` the list, details and export, `ij`
    /// the payments and export, `documents` the list and downloads, `health` and `requests` nothing
    /// beyond the home page.
    @Test func eachRightOpensExactlyItsEndpoints() {
        var opened: [Right: [String]] = [:]
        for right in Right.allCases {
            opened[right] = Self.matrix.filter { $0.scope == .a && $0.success == 200 && Self.expected(.only(right), $0).status == 200 }
                .map(\.description)
        }
        #expect(opened[.company] == ["GET A/home", "GET A", "GET A/contracts"])
        #expect(opened[.insured] == ["GET A/home", "GET A/insured", "GET A/insured?format=csv", "GET A/insured/{matricule}"])
        #expect(opened[.health] == ["GET A/home"])
        #expect(opened[.ij] == ["GET A/home", "GET A/ij-payments", "GET A/ij-payments?format=csv"])
        #expect(opened[.documents] == ["GET A/home", "GET A/documents", "GET A/documents/{doc}/content"])
        #expect(opened[.requests] == ["GET A/home"])
    }

    // MARK: Two structures side by side

    @Test func identifiersOfOneStructureAreNotFoundUnderTheOtherEvenForAUserOfBoth() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let foreign = try ForeignEmployer.get()
            let all = Right.allCases.map(\.rawValue)
            let (both, _) = try EmployerDataUsers.signedIn([
                .init(structureID: demo.structureID, rights: all, grantedBy: demo.principalID),
                .init(structureID: foreign.structure.id, rights: all, grantedBy: foreign.principalID),
            ])
            // Each identifier works under its own structure...
            #expect(try both.send("GET", "\(foreign.base)/insured/\(foreign.main.matricule)").status == 200)
            #expect(try both.send("GET", "\(foreign.base)/documents/\(foreign.documentID)/content").status == 200)
            #expect(try both.send("GET", "\(demo.base)/insured/123456700001").status == 200)
            // ...and nowhere else.
            for path in ["\(demo.base)/insured/\(foreign.main.matricule)", "\(demo.base)/documents/\(foreign.documentID)/content",
                         "\(foreign.base)/insured/123456700001", "\(foreign.base)/documents/\(demo.documents[0].id)/content"] {
                let response = try both.send("GET", path)
                #expect(response.status == 404, "\(path)")
                #expect(response.problemCode == "not_found")
            }
            let searchA = try both.send("GET", "\(demo.base)/insured?q=\(foreign.tag)")
            #expect(EmployerDataPage(searchA).total == 0)
            let ijA = try both.send("GET", "\(demo.base)/ij-payments?insured=\(foreign.main.matricule)")
            #expect(ijA.status == 200)
            #expect(EmployerDataPage(ijA).total == 0)
            let searchB = try both.send("GET", "\(foreign.base)/insured?q=DUPONT")
            #expect(EmployerDataPage(searchB).total == 0)
            let ijB = try both.send("GET", "\(foreign.base)/ij-payments?insured=123456700001")
            #expect(EmployerDataPage(ijB).total == 0)

            for path in ["/home", "/contracts", "/insured?page_size=100", "/ij-payments?page_size=100", "/documents?page_size=100",
                         "/insured?format=csv", "/ij-payments?format=csv", "/insured/123456700002"] {
                let response = try both.send("GET", demo.base + path)
                #expect(response.status == 200, "A\(path)")
                for secret in foreign.secrets { #expect(!response.text.contains(secret), "A\(path) shows B's \(secret)") }
            }
            for path in ["/home", "/contracts", "/insured?page_size=100", "/ij-payments?page_size=100", "/documents?page_size=100",
                         "/insured?format=csv", "/ij-payments?format=csv", "/insured/\(foreign.main.matricule)"] {
                let response = try both.send("GET", foreign.base + path)
                #expect(response.status == 200, "B\(path)")
                for secret in DemoEmployer.secrets { #expect(!response.text.contains(secret), "B\(path) shows A's \(secret)") }
            }

            // The principals of A and B reach nothing of each other.
            let principalA = try demo.principal()
            let principalB = try foreign.principal()
            for (client, base, secrets) in [(principalA, foreign.base, foreign.secrets), (principalB, demo.base, DemoEmployer.secrets)] {
                for path in ["/home", "/contracts", "/insured", "/insured/123456700002", "/insured/\(foreign.main.matricule)", "/ij-payments",
                             "/documents", "/documents/\(foreign.documentID)/content", "/documents/\(demo.documents[0].id)/content"] {
                    let response = try client.send("GET", base + path)
                    #expect(response.status == 404, "\(base)\(path)")
                    #expect(response.problemCode == "not_found")
                    for secret in secrets { #expect(!response.text.contains(secret)) }
                }
            }
        }
    }

    @Test func theForeignStructureSeesItsOwnRowsOnly() async throws {
        try await onDedicatedThread {
            let foreign = try ForeignEmployer.get()
            let client = try foreign.principal()
            var bodies: [String] = []

            let contracts = try client.send("GET", "\(foreign.base)/contracts")
            #expect(contracts.status == 200)
            #expect(contracts.jsonArray.map { $0["reference"] as? String ?? "?" } == ["B\(foreign.tag)-S"])
            bodies.append(contracts.text)

            let insured = try client.send("GET", "\(foreign.base)/insured?page_size=100")
            let page = EmployerDataPage(insured)
            #expect(Set(page.strings("matricule")) == Set(foreign.people.filter(\.signed).map(\.matricule)))
            #expect(page.total == foreign.people.filter(\.signed).count)
            bodies.append(insured.text)
            let ghost = try client.send("GET", "\(foreign.base)/insured/\(foreign.ghost.matricule)")
            #expect(ghost.status == 404, "a person affiliated only to an unsigned contract does not exist for the employer")

            let main = try client.send("GET", "\(foreign.base)/insured/\(foreign.main.matricule)")
            #expect(main.status == 200)
            #expect((main.json["affiliations"] as? [[String: Any]])?.map { $0["college"] as? String ?? "?" } == [foreign.signedCollege])
            #expect((main.json["health"] as? [String: Any])?["nir"] as? String == foreign.nir)
            #expect(((main.json["health"] as? [String: Any])?["beneficiaries"] as? [[String: Any]])?.count == 1)
            bodies.append(main.text)
            let byUnsignedCollege = try client.send("GET", EmployerDataKit.path("\(foreign.base)/insured", [("college", foreign.unsignedCollege)]))
            #expect(EmployerDataPage(byUnsignedCollege).total == 0)
            let byRegime = try client.send("GET", "\(foreign.base)/insured?regime=PREVOYANCE")
            #expect(EmployerDataPage(byRegime).total == 0, "the only PREVOYANCE contract of B is unsigned")

            let ij = try client.send("GET", "\(foreign.base)/ij-payments")
            let payments = EmployerDataPage(ij)
            #expect(payments.strings("amount") == [foreign.paymentAmount])
            let lines = payments.items.first?["lines"] as? [[String: Any]] ?? []
            #expect(lines.map { $0["amount"] as? String ?? "?" } == foreign.lineAmounts)
            #expect(lines.compactMap { EmployerDataKit.cents($0["amount"]) }.reduce(0, +) == EmployerDataKit.cents(foreign.paymentAmount))
            #expect(payments.items.first?["structure_name"] as? String == foreign.name)
            bodies.append(ij.text)

            let home = try client.send("GET", "\(foreign.base)/home")
            #expect((home.json["latest_ij_payments"] as? [[String: Any]])?.map { $0["amount"] as? String ?? "?" } == [foreign.paymentAmount])
            #expect((home.json["company"] as? [String: Any])?["name"] as? String == foreign.name)
            bodies.append(home.text)

            let documents = try client.send("GET", "\(foreign.base)/documents")
            #expect(EmployerDataPage(documents).items.contains { $0["id"] as? Int == Int(foreign.documentID) })
            bodies.append(documents.text)
            let download = try client.send("GET", "\(foreign.base)/documents/\(foreign.documentID)/content")
            #expect(download.status == 200)
            #expect(download.body == foreign.documentContent)
            #expect(download.header("ETag") == "\"\(Sodium.hex(Sodium.sha256(foreign.documentContent)))\"")

            for body in bodies {
                for secret in DemoEmployer.secrets { #expect(!body.contains(secret), "B shows A's \(secret)") }
                for secret in [foreign.unsignedCollege, foreign.unsignedDSN, "B\(foreign.tag)-U"] {
                    #expect(!body.contains(secret), "B shows its unsigned contract (\(secret))")
                }
            }
        }
    }

    /// Guide ch. 04: only contracts OCSO received signed are shown. A document attached to an
    /// unsigned contract (its "descriptif des garanties") would show that contract all the same.
    @Test func documentsOfAnUnsignedContractAreNotShown() async throws {
        try await onDedicatedThread {
            let foreign = try ForeignEmployer.get()
            let client = try foreign.principal()
            let documents = try client.send("GET", "\(foreign.base)/documents?page_size=100")
            #expect(documents.status == 200)
            let listed = EmployerDataPage(documents).items.compactMap { $0["id"] as? Int }
            #expect(listed.contains(Int(foreign.documentID)))
            #expect(!listed.contains(Int(foreign.unsignedDocumentID)), "the document of the unsigned contract is listed")
            #expect(!documents.text.contains(foreign.unsignedDocumentTitle))
            let download = try client.send("GET", "\(foreign.base)/documents/\(foreign.unsignedDocumentID)/content")
            #expect(download.status == 404, "the document of the unsigned contract downloads")
        }
    }
}
