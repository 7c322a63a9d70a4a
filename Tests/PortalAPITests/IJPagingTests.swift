import Portal
import Postgres
import Testing
import TestSupport

/// A page of IJ payments is counted in payments, not in lines: each payment of the page comes with
/// all its lines, a payment without lines still shows, and the insured filter keeps whole payments.
@Suite(.serialized) struct IJPagingTests {
    @Test func pagesCountPaymentsAndEachBringsAllItsLines() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure(name: "SARL PAGES IJ")
            let tag = String(structure.clientNumber)
            let owner = try TestCluster.connect(as: "portal_owner")
            try owner.transaction { connection in
                func insured(_ matricule: String) throws -> Int64 {
                    try connection.query("""
                        INSERT INTO insured_people (structure_id, matricule, last_name, first_name, birth_date, address_line, postal_code, city)
                        VALUES ($1, $2, 'PAGE', 'IJ', '1980-01-01', '1 rue', '64000', 'PAU') RETURNING id
                        """, [structure.id, matricule]).first!.decode(0)
                }
                let (a, b) = (try insured("A\(tag)"), try insured("B\(tag)"))
                func payment(_ ref: String, _ date: String, lines: [Int64]) throws {
                    let id: Int64 = try connection.query("""
                        INSERT INTO ij_payments (structure_id, payment_ref, payment_date, amount) VALUES ($1, $2, $3::date, 10.00) RETURNING id
                        """, [structure.id, ref, date]).first!.decode(0)
                    for (index, insuredID) in lines.enumerated() {
                        try connection.execute("""
                            INSERT INTO ij_payment_lines (structure_id, payment_id, line_no, insured_id, beneficiary_name, period_start,
                                                          period_end, nature, days, ss_daily, other_movement, insurer_daily)
                            VALUES ($1, $2, $3, $4, 'PAGE IJ', '2023-01-01', '2023-01-01', 'MAL', 1, 0, 0, 10.00)
                            """, [structure.id, id, index + 1, insuredID])
                    }
                }
                try payment("NEW-\(tag)", "2023-03-01", lines: [a, a, b])
                try payment("MID-\(tag)", "2023-02-01", lines: [])
                try payment("OLD-\(tag)", "2023-01-01", lines: [b])
            }
            let (client, _) = try EmployerDataUsers.signedIn([.init(structureID: structure.id, rights: ["ij"], grantedBy: nil)])
            let base = "/api/v1/structures/\(structure.id)/ij-payments"

            /// Reference → line numbers → matricules of each payment of a page, and the total.
            func page(_ query: String) throws -> (payments: [String], lines: [[String]], total: Int?) {
                let response = try client.send("GET", base + query)
                #expect(response.status == 200, "\(query): \(response.text)")
                let page = EmployerDataPage(response)
                let lines = page.items.map { ($0["lines"] as? [[String: Any]] ?? []).map { "\($0["line_number"] ?? "?") \($0["matricule"] ?? "?")" } }
                return (page.strings("reference"), lines, page.total)
            }

            let whole = try page("")
            #expect(whole.payments == ["NEW-\(tag)", "MID-\(tag)", "OLD-\(tag)"])
            #expect(whole.lines == [["1 A\(tag)", "2 A\(tag)", "3 B\(tag)"], [], ["1 B\(tag)"]])
            #expect(whole.total == 3)
            for (number, expected) in zip(1..., whole.payments) {
                let one = try page("?page_size=1&page=\(number)")
                #expect(one.payments == [expected], "page \(number)")
                #expect(one.lines == [whole.lines[number - 1]], "page \(number): every line of its one payment")
                #expect(one.total == 3)
            }
            #expect(try page("?page_size=1&page=4").payments.isEmpty)

            let ofA = try page("?insured=A\(tag)")
            #expect(ofA.payments == ["NEW-\(tag)"] && ofA.total == 1)
            #expect(ofA.lines == [["1 A\(tag)", "2 A\(tag)", "3 B\(tag)"]], "the whole payment, its other lines too")
            let ofB = try page("?insured=B\(tag)&page_size=1&page=2")
            #expect(ofB.payments == ["OLD-\(tag)"] && ofB.total == 2)
            #expect(try page("?from=2023-02-01&to=2023-02-28").lines == [[]])
        }
    }
}
