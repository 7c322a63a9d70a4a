import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

/// Issue 4, CSV exports of the insured list and the IJ payments: a file a French spreadsheet opens
/// correctly (BOM, `;`, CRLF, decimal comma, dd/mm/yyyy), the same filters and access rules as the
/// JSON, defused formulas, RFC 4180 quoting, and an audit row per export.
@Suite(.serialized) struct EmployerDataExportTests {
    static let insuredHeader = ["Matricule", "Nom", "Prénom", "Statut", "Régime", "Collège", "Référence DSN", "Date d'entrée",
                                "Date de fin", "Fin de portabilité"]
    static let ijHeader = ["Date du règlement", "Référence", "Montant du règlement", "Matricule", "Bénéficiaire", "Début de période",
                           "Fin de période", "Nature", "Nombre de jours", "Montant journalier Sécurité sociale", "Autre mouvement",
                           "Montant journalier OCSO", "Montant de la ligne"]

    static func exports(_ user: Int64, _ structureID: Int64, _ action: String) throws -> Int {
        try TestCluster.connect(as: "portal_owner").query("""
            SELECT count(*)::int FROM audit_events WHERE actor_user_id = $1 AND structure_id = $2 AND action = $3 AND outcome = 'success'
            """, [user, structureID, action]).first!.decode(0)
    }

    /// Checks what every CSV answer has in common and returns its records (header first).
    /// `uniformWidth: false` leaves the field count of each record to the caller.
    static func csvRecords(_ response: APIResponse, fileName: String, uniformWidth: Bool = true,
                           sourceLocation: SourceLocation = #_sourceLocation) -> [[String]] {
        #expect(response.status == 200, sourceLocation: sourceLocation)
        #expect(response.header("Content-Type") == "text/csv; charset=utf-8", sourceLocation: sourceLocation)
        #expect(response.header("Content-Disposition")?.hasPrefix("attachment; filename=\"\(fileName)\"") == true,
                "\(response.header("Content-Disposition") ?? "no Content-Disposition")", sourceLocation: sourceLocation)
        #expect(Array(response.body.prefix(3)) == EmployerDataKit.bom, "UTF-8 byte-order mark", sourceLocation: sourceLocation)
        #expect(!response.streamFailed, sourceLocation: sourceLocation)
        let records = EmployerDataKit.csv(response.body)
        #expect(records != nil, "well-formed CSV (CRLF, quotes): \(response.text.prefix(300))", sourceLocation: sourceLocation)
        if uniformWidth, let records, let width = records.first?.count {
            for record in records {
                #expect(record.count == width, "every record has \(width) fields: \(record)", sourceLocation: sourceLocation)
            }
        }
        // Padded to the header's width, so that a broken row fails an expectation, not the process.
        let width = records?.first?.count ?? 0
        return (records ?? []).map { $0.count < width ? $0 + Array(repeating: "", count: width - $0.count) : $0 }
    }

    @Test func insuredExportIsAFrenchSpreadsheetOfTheSameList() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, userID) = try demo.delegate(["insured"])
            let fileName = "assures-\(demo.structureID).csv"
            let response = try client.send("GET", "\(demo.base)/insured?format=csv")
            let records = Self.csvRecords(response, fileName: fileName)
            #expect(records.first == Self.insuredHeader)
            let rows = Array(records.dropFirst())
            // One row per affiliation, people in the list's order.
            let people = DemoEmployer.insuredInListOrder
            #expect(rows.count == people.reduce(0) { $0 + $1.affiliations.count })
            var seen: [String] = []
            for row in rows where seen.last != row.first { seen.append(row.first ?? "?") }
            #expect(seen == people.map(\.matricule))
            #expect(response.text.contains("\r\n"))
            #expect(!response.text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "CRLF only")

            let dupont = rows.filter { $0.first == "123456700001" }
            #expect(dupont == [
                ["123456700001", "DUPONT", "ELOISE", "ACTIF", "Prévoyance collective", "Salarié art 48,4bis CCN 14/03/1947", "1234567/GU/P",
                 "01/04/2012", "", ""],
                ["123456700001", "DUPONT", "ELOISE", "ACTIF", "Santé collective", "Ensemble du Personnel", "1234567/EP/S",
                 "01/04/2012", "", ""],
            ])
            let martin = try #require(DemoDataset.insured.first { $0.matricule == "123456700004" })
            #expect(rows.filter { $0.first == "123456700004" }.map { Array($0[3...]) } == [
                [demo.status(of: martin), "Prévoyance collective", "Salarié ne relevant pas de la CCN 1947", "1234567/SN/P", "01/01/2018",
                 "31/03/2021", "31/03/2022"],
                [demo.status(of: martin), "Santé collective", "Ensemble du Personnel", "1234567/EP/S", "01/01/2018", "31/03/2021", "31/03/2022"],
            ])
            let datePattern = /^(\d{2}\/\d{2}\/\d{4})?$/
            for row in rows {
                for date in row[7...] { #expect(date.wholeMatch(of: datePattern) != nil, "date \(date)") }
            }
            // Statuses agree with the JSON list.
            let json = EmployerDataPage(try client.send("GET", "\(demo.base)/insured"))
            for item in json.items {
                let statuses = Set(rows.filter { $0.first == item["matricule"] as? String }.map { $0[3] })
                #expect(statuses == [item["status"] as? String ?? "?"])
            }
            // No health data in the export.
            for person in DemoDataset.insured { #expect(!response.text.contains(person.nir)) }
            #expect(try Self.exports(userID, demo.structureID, "export.insured") == 1, "the export is audited")

            // The Accept header asks for the same file; format=json wins over it.
            let accepted = try client.send("GET", "\(demo.base)/insured", headers: ["accept": "text/csv"])
            #expect(accepted.header("Content-Type") == "text/csv; charset=utf-8")
            #expect(accepted.body == response.body)
            let browser = try client.send("GET", "\(demo.base)/insured", headers: ["accept": "text/csv, application/json;q=0.5"])
            #expect(browser.header("Content-Type") == "text/csv; charset=utf-8")
            let forcedJSON = try client.send("GET", "\(demo.base)/insured?format=json", headers: ["accept": "text/csv"])
            #expect(forcedJSON.header("Content-Type") == "application/json; charset=utf-8")
            #expect(EmployerDataPage(forcedJSON).total == 5)
            let jsonFirst = try client.send("GET", "\(demo.base)/insured", headers: ["accept": "application/json, text/csv"])
            #expect(jsonFirst.header("Content-Type") == "application/json; charset=utf-8")
            #expect(try Self.exports(userID, demo.structureID, "export.insured") == 3, "format=csv, then two Accept headers")
        }
    }

    @Test func insuredExportAppliesTheSameFiltersAndValidation() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, userID) = try demo.delegate(["insured"])
            let fileName = "assures-\(demo.structureID).csv"
            let dup = Self.csvRecords(try client.send("GET", "\(demo.base)/insured?format=csv&q=dup"), fileName: fileName)
            #expect(dup.dropFirst().map { $0[0] } == ["123456700001", "123456700001"])
            let nonCCN = EmployerDataKit.query([("college", DemoEmployer.contract("DEMO-SN-P").college)])
            let college = Self.csvRecords(try client.send("GET", "\(demo.base)/insured?format=csv&\(nonCCN)"), fileName: fileName)
            #expect(Set(college.dropFirst().map { $0[0] }) == ["123456700004", "123456700005"])
            let none = Self.csvRecords(try client.send("GET", "\(demo.base)/insured?format=csv&from=2000-01-01&to=2006-12-31"), fileName: fileName)
            #expect(none == [Self.insuredHeader], "header only")
            let accepted = Self.csvRecords(try client.send("GET", "\(demo.base)/insured?regime=PREVOYANCE", headers: ["accept": "text/csv"]),
                                           fileName: fileName)
            #expect(Set(accepted.dropFirst().map { $0[0] }) == ["123456700001", "123456700003", "123456700004", "123456700005"])
            #expect(try Self.exports(userID, demo.structureID, "export.insured") == 4)

            // A bad filter is the same 422 as in JSON, and no export happened.
            for (path, headers) in [("\(demo.base)/insured?format=csv&from=2021-13-01", [String: String]()),
                                    ("\(demo.base)/insured?portability=sometimes", ["accept": "text/csv"]),
                                    ("\(demo.base)/insured?format=csv&page_size=101", [:])] {
                let response = try client.send("GET", path, headers: headers)
                #expect(response.status == 422, "\(path)")
                #expect(response.header("Content-Type")?.hasPrefix("application/problem+json") == true)
                #expect(!response.body.starts(with: EmployerDataKit.bom))
            }
            #expect(try Self.exports(userID, demo.structureID, "export.insured") == 4)
        }
    }

    @Test func ijExportHasDecimalCommasFrenchDatesAndTheSameFilters() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, userID) = try demo.delegate(["ij"])
            let fileName = "indemnites-journalieres-\(demo.structureID).csv"
            let response = try client.send("GET", "\(demo.base)/ij-payments?format=csv")
            let records = Self.csvRecords(response, fileName: fileName)
            #expect(records.first == Self.ijHeader)
            let rows = Array(records.dropFirst())
            #expect(rows.count == 4)
            #expect(rows.first == ["18/06/2021", "DEMO-IJ-20210618", "553,80", "123456700001", "DUPONT Eloise", "07/05/2021", "26/05/2021",
                                   "Ind.Jour. Maladie", "20", "32,34", "0,00", "60,03", "553,80"])
            #expect(rows.map { $0[0] } == ["18/06/2021", "28/05/2021", "20/06/2020", "06/06/2020"])
            #expect(rows.map { $0[2] } == ["553,80", "1162,98", "296,38", "636,86"])
            let amountPattern = /^-?\d+,\d{2}$/
            for row in rows {
                for amount in [row[2], row[9], row[10], row[11], row[12]] {
                    #expect(amount.wholeMatch(of: amountPattern) != nil, "amount \(amount)")
                }
                for date in [row[0], row[5], row[6]] { #expect(date.wholeMatch(of: /^\d{2}\/\d{2}\/\d{4}$/) != nil, "date \(date)") }
            }
            #expect(!response.text.contains("553.80"), "no decimal point in the export")
            #expect(try Self.exports(userID, demo.structureID, "export.ij_payments") == 1, "the export is audited")

            let one = Self.csvRecords(try client.send("GET", "\(demo.base)/ij-payments?format=csv&insured=123456700001"), fileName: fileName)
            #expect(one.dropFirst().map { $0[1] } == ["DEMO-IJ-20210618"])
            let period = Self.csvRecords(try client.send("GET", "\(demo.base)/ij-payments?from=2020-01-01&to=2020-12-31",
                                                          headers: ["accept": "text/csv"]), fileName: fileName)
            #expect(period.dropFirst().map { $0[0] } == ["20/06/2020", "06/06/2020"])
            let empty = Self.csvRecords(try client.send("GET", "\(demo.base)/ij-payments?format=csv&from=2021-06-19"), fileName: fileName)
            #expect(empty == [Self.ijHeader])
            #expect(try Self.exports(userID, demo.structureID, "export.ij_payments") == 4)

            let invalid = try client.send("GET", "\(demo.base)/ij-payments?format=csv&from=2021-06-02&to=2021-06-01")
            #expect(invalid.status == 422)
            #expect(invalid.fieldCodes["to"] == "invalid_period")
            #expect(try Self.exports(userID, demo.structureID, "export.ij_payments") == 4)
        }
    }

    @Test func exportsFollowTheAccessRulesOfTheirLists() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let foreign = try ForeignEmployer.get()
            let (insuredOnly, insuredOnlyID) = try demo.delegate(["insured", "health", "company", "documents", "requests"])
            let (ijOnly, ijOnlyID) = try demo.delegate(["ij"])
            let stranger = try foreign.principal()
            let anonymous = try APIClient()
            let attempts: [(APIClient, String, [String: String], Int, String)] = [
                (insuredOnly, "\(demo.base)/ij-payments?format=csv", [:], 403, "missing_right"),
                (insuredOnly, "\(demo.base)/ij-payments", ["accept": "text/csv"], 403, "missing_right"),
                (ijOnly, "\(demo.base)/insured?format=csv", [:], 403, "missing_right"),
                (ijOnly, "\(demo.base)/insured", ["accept": "text/csv"], 403, "missing_right"),
                (stranger, "\(demo.base)/insured?format=csv", [:], 404, "not_found"),
                (stranger, "\(demo.base)/ij-payments?format=csv", [:], 404, "not_found"),
                (anonymous, "\(demo.base)/insured?format=csv", [:], 401, "unauthenticated"),
                (anonymous, "\(demo.base)/ij-payments", ["accept": "text/csv"], 401, "unauthenticated"),
            ]
            for (client, path, headers, status, code) in attempts {
                let response = try client.send("GET", path, headers: headers)
                #expect(response.status == status, "\(path)")
                #expect(response.problemCode == code, "\(path)")
                #expect(response.header("Content-Type") != "text/csv; charset=utf-8", "\(path)")
                #expect(!response.body.starts(with: EmployerDataKit.bom))
                for secret in ["DUPONT", "553,80", "553.80"] { #expect(!response.text.contains(secret), "\(path)") }
            }
            #expect(try Self.exports(insuredOnlyID, demo.structureID, "export.ij_payments") == 0)
            #expect(try Self.exports(ijOnlyID, demo.structureID, "export.insured") == 0)
            #expect(try Self.exports(foreign.principalID, demo.structureID, "export.insured") == 0)
        }
    }

    // MARK: Hostile content in the foreign structure B

    @Test func formulasAreDefusedAndSeparatorsAndQuotesAreQuoted() async throws {
        try await onDedicatedThread {
            let foreign = try ForeignEmployer.get()
            let client = try foreign.principal()
            let response = try client.send("GET", "\(foreign.base)/insured?format=csv")
            // The widths of the CRLF and combining-mark rows are the next test's business.
            let records = Self.csvRecords(response, fileName: "assures-\(foreign.structure.id).csv", uniformWidth: false)
            func row(_ person: ForeignEmployer.Person) -> [String]? { records.first { $0.first == person.matricule } }
            for person in [foreign.main, foreign.formula, foreign.quoted, foreign.percent, foreign.accented] {
                #expect(row(person)?.count == Self.insuredHeader.count, "\(person.matricule): \(row(person) ?? [])")
            }

            let formula = try #require(row(foreign.formula))
            #expect(formula[1] == "'" + foreign.formula.lastName, "a leading = is neutralised with a quote")
            #expect(formula[2] == "'+33 ROBERT", "a leading + is neutralised with a quote")
            #expect(response.text.contains("\"'=HYPERLINK(\"\"http://evil.example/\(foreign.tag)\"\";\"\"clic\"\")\""), "quoted, inner quotes doubled")
            let quoted = try #require(row(foreign.quoted))
            #expect(quoted[1] == foreign.quoted.lastName)
            #expect(quoted[2] == "'@MARIE")
            #expect(response.text.contains("\"O\"\"HARA;\(foreign.tag)\""))
            let percent = try #require(row(foreign.percent))
            #expect(percent[1] == foreign.percent.lastName)
            #expect(percent[2] == "'-JEAN")
            let accented = try #require(row(foreign.accented))
            #expect(accented[1] == "ÉTRANGÈRE \(foreign.tag)")
            #expect(accented[2] == "ÉLODIE")
            // Nothing a spreadsheet would run, in any text cell.
            for person in [foreign.main, foreign.formula, foreign.quoted, foreign.percent, foreign.accented] {
                for cell in (row(person) ?? []).prefix(3) {
                    #expect(!["=", "+", "-", "@"].contains(cell.prefix(1)), "cell \(cell) starts a formula")
                }
            }
            #expect(row(foreign.ghost) == nil, "only affiliated to an unsigned contract")
            #expect(!response.text.contains(foreign.unsignedCollege))
            #expect(records.dropFirst().filter { $0.first == foreign.main.matricule }.count == 1, "the unsigned affiliation is not exported")

            let ij = try client.send("GET", "\(foreign.base)/ij-payments?format=csv")
            let ijRecords = Self.csvRecords(ij, fileName: "indemnites-journalieres-\(foreign.structure.id).csv")
            #expect(ijRecords.dropFirst().map { $0[4] } == ["ZORGLUB\(foreign.tag) Secret", "'@SUM(1+1)"])
            #expect(ijRecords.dropFirst().map { $0[12] } == ["415,37", "10,00"])
            #expect(ijRecords.dropFirst().map { $0[2] } == ["425,37", "425,37"])
        }
    }

    /// A line break (CRLF) or a `;` carried by a combining mark is still a line break or a
    /// separator for the spreadsheet: such fields must be quoted too.
    @Test func fieldsWithCRLFOrACombinedSeparatorAreQuoted() async throws {
        try await onDedicatedThread {
            let foreign = try ForeignEmployer.get()
            let client = try foreign.principal()
            let response = try client.send("GET", "\(foreign.base)/insured?format=csv")
            #expect(response.status == 200)
            let crlfQuoted = response.text.contains("\"LIGNE1\r\nLIGNE2\"")
            #expect(crlfQuoted, "a first name with CRLF is quoted")
            let separatorQuoted = response.text.contains("\"POINT;\u{301}VIRGULE\"")
            #expect(separatorQuoted, "a first name with `;` (followed by a combining mark) is quoted")
            let records = Self.csvRecords(response, fileName: "assures-\(foreign.structure.id).csv")
            #expect(records.first { $0.first == foreign.lineBreak.matricule }?[2] == "LIGNE1\r\nLIGNE2")
            #expect(records.first { $0.first == foreign.combining.matricule }?[2] == "POINT;\u{301}VIRGULE")
        }
    }
}
