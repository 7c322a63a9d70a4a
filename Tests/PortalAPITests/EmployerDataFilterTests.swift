import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

/// Issue 4, filters and pagination of the employer lists: results against the demo dataset, page
/// edges, strict validation (422 with the field in error) and hostile values (never a 5xx).
@Suite(.serialized) struct EmployerDataFilterTests {
    /// The matricules a query returns, with its total; fails the test on anything but a 200.
    static func matricules(_ client: APIClient, _ base: String, _ pairs: [(String, String)],
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> (matricules: [String], total: Int?) {
        let response = try client.send("GET", EmployerDataKit.path(base + "/insured", pairs))
        #expect(response.status == 200, "\(pairs): \(response.text)", sourceLocation: sourceLocation)
        let page = EmployerDataPage(response)
        return (page.strings("matricule"), page.total)
    }

    // MARK: Assurés

    @Test func insuredSearchByNameOrMatriculeIsCaseInsensitiveAndLiteral() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, _) = try demo.delegate(["insured"])
            let all = DemoEmployer.insuredInListOrder.map(\.matricule)
            let cases: [(String, [String])] = [
                ("dup", ["123456700001"]),
                ("DuP", ["123456700001"]),
                ("eloise", ["123456700001"]),
                ("dupont eloise", ["123456700001"]),
                ("eloise dupont", ["123456700001"]),
                ("martin", ["123456700002", "123456700004"]), // DUBOIS MARTIN (first name) and MARTIN ESTELLE
                ("1234567000", all),
                ("123456700003", ["123456700003"]),
                ("123456700009", []),
                ("zzz", []),
                // LIKE wildcards typed by a user match literally.
                ("%", []),
                ("_", []),
                ("D%", []),
                ("DU_OIS", []),
                ("%DUPONT", []),
                ("\\", []),
                ("12345670000_", []),
            ]
            for (query, expected) in cases {
                let (found, total) = try Self.matricules(client, demo.base, [("q", query)])
                #expect(found == expected, "q=\(query)")
                #expect(total == expected.count, "q=\(query)")
            }
        }
    }

    @Test func literalWildcardsAndAccentsMatchInTheForeignStructure() async throws {
        try await onDedicatedThread {
            let foreign = try ForeignEmployer.get()
            let client = try foreign.principal()
            let cases: [(String, [String])] = [
                ("100%_", [foreign.percent.matricule]),
                ("%", [foreign.percent.matricule]),
                ("_PLEIN", [foreign.percent.matricule]),
                ("100%_pLeIn", [foreign.percent.matricule]),
                ("élodie", [foreign.accented.matricule]),
                ("ÉLODIE", [foreign.accented.matricule]),
                ("étrangère", [foreign.accented.matricule]),
                ("o\"hara;", [foreign.quoted.matricule]),
                ("fantome", []), // only affiliated to the unsigned contract
            ]
            for (query, expected) in cases {
                let (found, total) = try Self.matricules(client, foreign.base, [("q", query)])
                #expect(found == expected, "q=\(query)")
                #expect(total == expected.count, "q=\(query)")
            }
        }
    }

    @Test func insuredFiltersOnRegimeCollegePortabilityAndPeriod() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, _) = try demo.delegate(["insured"])
            let people = DemoEmployer.insuredInListOrder
            let all = people.map(\.matricule)
            let ccn = DemoEmployer.contract("DEMO-GU-P").college
            let nonCCN = DemoEmployer.contract("DEMO-SN-P").college
            let unsigned = try #require(DemoDataset.contracts.first { !$0.signed })
            let cases: [([(String, String)], [String])] = [
                ([], all),
                ([("regime", "SANTE")], all),
                ([("regime", "PREVOYANCE")], ["123456700001", "123456700003", "123456700004", "123456700005"]),
                ([("college", nonCCN)], ["123456700004", "123456700005"]),
                ([("college", ccn)], ["123456700001", "123456700003"]),
                ([("college", "Ensemble du Personnel")], all),
                ([("college", unsigned.college)], []),
                ([("college", "ensemble du personnel")], []),
                ([("portability", "all")], all),
                ([("portability", "active")], people.filter { demo.status(of: $0) == "ACTIF" }.map(\.matricule)),
                ([("portability", "portability")], people.filter { demo.status(of: $0) == "PORTABILITE" }.map(\.matricule)),
                // Affiliation periods overlapping [from, to].
                ([("from", "2000-01-01"), ("to", "2006-12-31")], []),
                ([("to", "2008-12-31")], ["123456700002"]),
                ([("to", "2007-01-01")], ["123456700002"]),
                ([("to", "2006-12-31")], []),
                ([("from", "2022-01-01")], ["123456700002", "123456700001", "123456700003", "123456700005"]),
                ([("from", "2021-03-31"), ("to", "2021-03-31")], all),
                ([("from", "2021-04-01"), ("to", "2021-04-01")], ["123456700002", "123456700001", "123456700003", "123456700005"]),
                ([("regime", "PREVOYANCE"), ("from", "2022-01-01")], ["123456700001", "123456700003", "123456700005"]),
                ([("regime", "PREVOYANCE"), ("q", "martin")], ["123456700004"]),
                ([("college", nonCCN), ("portability", "active")],
                 people.filter { ["123456700004", "123456700005"].contains($0.matricule) && demo.status(of: $0) == "ACTIF" }.map(\.matricule)),
            ]
            for (pairs, expected) in cases {
                let (found, total) = try Self.matricules(client, demo.base, pairs)
                #expect(found == expected, "\(pairs)")
                #expect(total == expected.count, "\(pairs)")
            }
            // The guide's day: PETIT in portability, MARTIN out.
            if demo.today == CalendarDate(iso: "2026-11-26") {
                #expect(try Self.matricules(client, demo.base, [("portability", "portability")]).matricules == ["123456700005"])
                #expect(try Self.matricules(client, demo.base, [("portability", "active")]).matricules
                    == ["123456700002", "123456700001", "123456700003"])
            }
        }
    }

    // MARK: Indemnités journalières

    @Test func ijFiltersOnPaymentDateAndInsured() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, _) = try demo.delegate(["ij"])
            let foreign = try ForeignEmployer.get()
            let cases: [([(String, String)], [String])] = [
                ([], ["2021-06-18", "2021-05-28", "2020-06-20", "2020-06-06"]),
                ([("from", "2021-01-01")], ["2021-06-18", "2021-05-28"]),
                ([("to", "2020-12-31")], ["2020-06-20", "2020-06-06"]),
                ([("from", "2021-06-18"), ("to", "2021-06-18")], ["2021-06-18"]),
                ([("from", "2020-06-07"), ("to", "2021-05-28")], ["2021-05-28", "2020-06-20"]),
                ([("from", "2021-06-19")], []),
                ([("to", "2020-06-05")], []),
                ([("insured", "123456700001")], ["2021-06-18"]),
                ([("insured", "123456700005")], ["2020-06-06"]),
                ([("insured", "123456700002")], []),
                ([("insured", "123456700001"), ("from", "2021-06-19")], []),
                ([("insured", "123456700003"), ("from", "2021-01-01"), ("to", "2021-12-31")], ["2021-05-28"]),
                ([("insured", foreign.main.matricule)], []),
            ]
            for (pairs, expected) in cases {
                let response = try client.send("GET", EmployerDataKit.path(demo.base + "/ij-payments", pairs))
                #expect(response.status == 200, "\(pairs)")
                let page = EmployerDataPage(response)
                #expect(page.strings("payment_date") == expected, "\(pairs)")
                #expect(page.total == expected.count, "\(pairs)")
            }
        }
    }

    // MARK: Pagination

    @Test func pageSizeOnePagesThroughEveryListWithoutGapsOrDuplicates() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            let lists: [(path: String, key: String, count: Int)] = [
                ("/insured", "matricule", 5), ("/ij-payments", "reference", 4), ("/documents", "id", 13),
            ]
            for list in lists {
                let full = EmployerDataPage(try client.send("GET", "\(demo.base)\(list.path)?page_size=100"))
                #expect(full.total == list.count, "\(list.path)")
                #expect(full.pageSize == 100)
                let reference = full.items.map { "\($0[list.key] ?? "?")" }
                #expect(reference.count == list.count)

                var paged: [String] = []
                for number in 1...list.count {
                    let response = try client.send("GET", "\(demo.base)\(list.path)?page_size=1&page=\(number)")
                    #expect(response.status == 200)
                    let page = EmployerDataPage(response)
                    #expect(page.items.count == 1, "\(list.path) page \(number)")
                    #expect(page.total == list.count, "\(list.path) page \(number)")
                    #expect(page.page == number)
                    #expect(page.pageSize == 1)
                    paged += page.items.map { "\($0[list.key] ?? "?")" }
                }
                #expect(paged == reference, "\(list.path): same order, no gap, no duplicate")
                #expect(Set(paged).count == list.count)

                let past = try client.send("GET", "\(demo.base)\(list.path)?page_size=1&page=\(list.count + 1)")
                #expect(past.status == 200)
                #expect(EmployerDataPage(past).items.isEmpty)
                #expect(EmployerDataPage(past).total == list.count, "\(list.path): the total past the end")
                let farPast = try client.send("GET", "\(demo.base)\(list.path)?page=100000")
                #expect(farPast.status == 200)
                #expect(EmployerDataPage(farPast).items.isEmpty)
                #expect(EmployerDataPage(farPast).total == list.count)

                let twoByTwo = EmployerDataPage(try client.send("GET", "\(demo.base)\(list.path)?page_size=2&page=2"))
                #expect(twoByTwo.items.map { "\($0[list.key] ?? "?")" } == Array(reference[2..<4]))
            }
            // Filters keep their total past the end too.
            let filtered = EmployerDataPage(try client.send("GET", "\(demo.base)/insured?q=du&page=2&page_size=5"))
            #expect(filtered.items.isEmpty)
            #expect(filtered.total == 3) // DUBOIS, DUPONT, DURAND
            let news = EmployerDataPage(try client.send("GET", "/api/v1/news?page_size=1"))
            #expect(news.items.count == 1)
            #expect(news.pageSize == 1)
        }
    }

    @Test func pageAndPageSizeOutOfBoundsAreFieldErrors() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            for path in ["\(demo.base)/insured", "\(demo.base)/ij-payments", "\(demo.base)/documents", "/api/v1/news"] {
                #expect(try client.send("GET", "\(path)?page_size=100").status == 200, "\(path)")
                for (query, field) in [("page_size=101", "page_size"), ("page_size=0", "page_size"), ("page_size=-1", "page_size"),
                                       ("page_size=1e2", "page_size"), ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"),
                                       ("page=1.5", "page"), ("page=100001", "page"), ("page=99999999999999999999", "page")] {
                    let response = try client.send("GET", "\(path)?\(query)")
                    #expect(response.status == 422, "\(path)?\(query)")
                    #expect(response.problemCode == "validation_failed")
                    #expect(response.fieldCodes[field] == "out_of_range", "\(path)?\(query): \(response.fieldCodes)")
                }
            }
        }
    }

    // MARK: Validation

    struct Invalid: Sendable {
        let path: String
        let query: String
        let field: String
        let code: String
    }

    @Test func badFiltersAre422WithTheFieldInError() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            let long = String(repeating: "a", count: 1000)
            let cases: [Invalid] = [
                Invalid(path: "/insured", query: "from=2021-13-01", field: "from", code: "invalid_date"),
                Invalid(path: "/insured", query: "from=abc", field: "from", code: "invalid_date"),
                Invalid(path: "/insured", query: "from=2021-02-29", field: "from", code: "invalid_date"),
                Invalid(path: "/insured", query: "to=2021-6-1", field: "to", code: "invalid_date"),
                Invalid(path: "/insured", query: "to=01/06/2021", field: "to", code: "invalid_date"),
                Invalid(path: "/insured", query: "from=2021-06-02&to=2021-06-01", field: "to", code: "invalid_period"),
                Invalid(path: "/insured", query: "portability=sometimes", field: "portability", code: "invalid_value"),
                Invalid(path: "/insured", query: "portability=ACTIVE", field: "portability", code: "invalid_value"),
                Invalid(path: "/insured", query: "regime=AUTRE", field: "regime", code: "invalid_value"),
                Invalid(path: "/insured", query: "regime=sante", field: "regime", code: "invalid_value"),
                Invalid(path: "/insured", query: "foo=1", field: "foo", code: "unknown_parameter"),
                Invalid(path: "/insured", query: "insured=123456700001", field: "insured", code: "unknown_parameter"),
                Invalid(path: "/insured", query: "q=a&q=b", field: "q", code: "repeated_parameter"),
                Invalid(path: "/insured", query: "from=2021-01-01&from=2021-01-01", field: "from", code: "repeated_parameter"),
                Invalid(path: "/insured", query: "q=\(long)", field: "q", code: "too_long"),
                Invalid(path: "/insured", query: "q=\(String(repeating: "a", count: 101))", field: "q", code: "too_long"),
                Invalid(path: "/insured", query: "format=xml", field: "format", code: "invalid_value"),
                Invalid(path: "/ij-payments", query: "from=2021-13-01", field: "from", code: "invalid_date"),
                Invalid(path: "/ij-payments", query: "to=abc", field: "to", code: "invalid_date"),
                Invalid(path: "/ij-payments", query: "from=2021-06-02&to=2021-06-01", field: "to", code: "invalid_period"),
                Invalid(path: "/ij-payments", query: "insured=\(String(repeating: "1", count: 21))", field: "insured", code: "too_long"),
                Invalid(path: "/ij-payments", query: "q=dup", field: "q", code: "unknown_parameter"),
                Invalid(path: "/ij-payments", query: "insured=1&insured=2", field: "insured", code: "repeated_parameter"),
                Invalid(path: "/documents", query: "category=bogus", field: "category", code: "invalid_value"),
                Invalid(path: "/documents", query: "year=2020", field: "year", code: "unknown_parameter"),
                Invalid(path: "/contracts", query: "page=1", field: "page", code: "unknown_parameter"),
                Invalid(path: "/home", query: "x=1", field: "x", code: "unknown_parameter"),
                Invalid(path: "/insured/123456700002", query: "x=1", field: "x", code: "unknown_parameter"),
                Invalid(path: "/documents/\(demo.documents[0].id)/content", query: "x=1", field: "x", code: "unknown_parameter"),
            ]
            for invalid in cases {
                let response = try client.send("GET", "\(demo.base)\(invalid.path)?\(invalid.query)")
                let label = "\(invalid.path)?\(invalid.query.prefix(60))"
                #expect(response.status == 422, "\(label)")
                #expect(response.problemCode == "validation_failed", "\(label)")
                #expect(response.fieldCodes[invalid.field] == invalid.code, "\(label): \(response.fieldCodes)")
                #expect(response.header("Content-Type")?.hasPrefix("application/problem+json") == true)
            }
            for (path, query, field, code) in [("/api/v1/forms", "x=1", "x", "unknown_parameter"),
                                               ("/api/v1/news", "page_size=101", "page_size", "out_of_range"),
                                               ("/api/v1/forms/\(demo.forms[0].id)/content", "x=1", "x", "unknown_parameter")] {
                let response = try client.send("GET", "\(path)?\(query)")
                #expect(response.status == 422, "\(path)?\(query)")
                #expect(response.fieldCodes[field] == code, "\(path)?\(query)")
            }

            // Every problem at once, each with its field.
            let many = try client.send("GET", "\(demo.base)/insured?from=abc&portability=x&zzz=1&regime=AUTRE&page_size=500")
            #expect(many.status == 422)
            #expect(many.fieldCodes == ["from": "invalid_date", "portability": "invalid_value", "zzz": "unknown_parameter",
                                        "regime": "invalid_value", "page_size": "out_of_range"])
            // Limits are inclusive: 100 characters and a one-day period are fine.
            #expect(try client.send("GET", "\(demo.base)/insured?q=\(String(repeating: "a", count: 100))").status == 200)
            #expect(try client.send("GET", "\(demo.base)/insured?q=\(String(repeating: "é", count: 100))").status == 200)
            #expect(try client.send("GET", "\(demo.base)/insured?from=2021-06-01&to=2021-06-01").status == 200)
            // Empty values mean "no filter".
            let empty = try client.send("GET", "\(demo.base)/insured?q=&from=&regime=&portability=")
            #expect(empty.status == 200)
            #expect(EmployerDataPage(empty).total == 5)
        }
    }

    @Test func hostileValuesAreNeverAServerError() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            let values = ["' OR '1'='1", "'; DROP TABLE insured_people; --", "\u{0}", "DUP\u{0}ONT", "%00", "\u{202E}TNOPUD",
                          "ＤＵＰＯＮＴ", "e\u{301}loise", "😀", "\u{FEFF}", "\\", "%%", "__", "\\%", "$1", "?", "*", "') --",
                          "1234567000%", "\u{10FFFF}", String(repeating: "😀", count: 100), String(repeating: "é", count: 101),
                          "2021-06-18' OR 1=1 --", "２０２１-０６-１８", "2021-06-18\u{0}", "-1", "9999-12-31", "0000-01-01",
                          String(repeating: "9", count: 400)]
            let parameters: [(String, String)] = [("/insured", "q"), ("/insured", "college"), ("/insured", "regime"), ("/insured", "portability"),
                                                  ("/insured", "from"), ("/insured", "to"), ("/insured", "page"), ("/insured", "format"),
                                                  ("/ij-payments", "insured"), ("/ij-payments", "from"), ("/ij-payments", "page_size"),
                                                  ("/documents", "category")]
            var statuses: Set<Int> = []
            for (path, name) in parameters {
                for value in values {
                    let response = try client.send("GET", EmployerDataKit.path(demo.base + path, [(name, value)]))
                    statuses.insert(response.status)
                    #expect([200, 422].contains(response.status), "\(path)?\(name)=\(value.debugDescription.prefix(40)) → \(response.status)")
                    if response.status == 200 {
                        #expect((EmployerDataPage(response).total ?? 99) <= 13, "\(path)?\(name)=\(value.debugDescription.prefix(40))")
                    }
                }
            }
            #expect(statuses == [200, 422])
            // SQL-looking searches find nothing rather than everything.
            for value in ["' OR '1'='1", "'; DROP TABLE insured_people; --", "') --"] {
                #expect(try Self.matricules(client, demo.base, [("q", value)]).total == 0, "q=\(value)")
            }
            // A NUL byte is refused, not cut.
            let nul = try client.send("GET", EmployerDataKit.path(demo.base + "/insured", [("q", "DUP\u{0}ONT")]))
            #expect(nul.status == 422)
            #expect(nul.fieldCodes["q"] != nil)

            // Hostile path segments: a 404, never more.
            let segments = ["%00", "' OR '1'='1", "..%2F..%2Fetc%2Fpasswd", String(repeating: "9", count: 10_000), "123456700001%00",
                            "123456700001'--", "%2A", "12345670000%25", "123456700001%20", "%F0%9F%98%80", "123456700001;DROP"]
            for segment in segments {
                let insured = try client.send("GET", "\(demo.base)/insured/\(segment)")
                #expect(insured.status == 404, "insured/\(segment.prefix(40)) → \(insured.status)")
                let document = try client.send("GET", "\(demo.base)/documents/\(segment)/content")
                #expect(document.status == 404, "documents/\(segment.prefix(40)) → \(document.status)")
                let structure = try client.send("GET", "/api/v1/structures/\(segment)/home")
                #expect(structure.status == 404, "structures/\(segment.prefix(40)) → \(structure.status)")
                let form = try client.send("GET", "/api/v1/forms/\(segment)/content")
                #expect(form.status == 404, "forms/\(segment.prefix(40)) → \(form.status)")
            }
            // And the tables are all still there.
            #expect(EmployerDataPage(try client.send("GET", "\(demo.base)/insured")).total == 5)
        }
    }
}
