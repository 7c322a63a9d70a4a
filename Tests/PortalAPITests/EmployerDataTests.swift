import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

/// Issue 4, data correctness: every employer page against the guide's example (SARL DEMONSTRATION)
/// as the demo dataset loads it into the shared database.
/// Serialized: each test holds a few connections and the test cluster allows 100.
@Suite(.serialized) struct EmployerDataTests {
    // MARK: Indemnités journalières (guide ch. 06)

    @Test func ijPaymentsAreTheGuidesFourPaymentsNewestFirstWithConsistentLines() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            let response = try client.send("GET", "\(demo.base)/ij-payments")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
            let page = EmployerDataPage(response)
            #expect(page.total == 4)
            #expect(page.page == 1)
            #expect(page.pageSize == 20)
            let summary = page.items.map { "\($0["payment_date"] as? String ?? "?") \($0["amount"] as? String ?? "?")" }
            #expect(summary == ["2021-06-18 553.80", "2021-05-28 1162.98", "2020-06-20 296.38", "2020-06-06 636.86"])
            #expect(page.strings("reference") == ["DEMO-IJ-20210618", "DEMO-IJ-20210528", "DEMO-IJ-20200620", "DEMO-IJ-20200606"])

            for payment in page.items {
                #expect(payment["amount"] is String, "amounts are JSON strings")
                #expect(payment["structure_name"] as? String == "SARL DEMONSTRATION")
                let lines = payment["lines"] as? [[String: Any]] ?? []
                #expect(!lines.isEmpty)
                var sum: Int64 = 0
                for line in lines {
                    let amount = try #require(EmployerDataKit.cents(line["amount"]), "line amount \(line["amount"] ?? "nil")")
                    let ss = try #require(EmployerDataKit.cents(line["ss_daily"]))
                    let other = try #require(EmployerDataKit.cents(line["other_movement"]))
                    let insurer = try #require(EmployerDataKit.cents(line["insurer_daily"]))
                    let days = try #require(line["days"] as? Int)
                    let start = try #require(EmployerDataKit.day(line["period_start"]))
                    let end = try #require(EmployerDataKit.day(line["period_end"]))
                    #expect(days == end - start + 1, "days of the indemnified period")
                    #expect(amount == Int64(days) * (insurer - ss) + other, "days × (insurer − SS) + other movement")
                    sum += amount
                }
                #expect(EmployerDataKit.cents(payment["amount"]) == sum, "payment \(payment["reference"] ?? "?") = sum of its lines")
            }

            let lines = try #require(page.items.first?["lines"] as? [[String: Any]])
            #expect(lines.count == 1)
            let line = try #require(lines.first)
            #expect(line["matricule"] as? String == "123456700001")
            #expect(line["beneficiary_name"] as? String == "DUPONT Eloise")
            #expect(line["period_start"] as? String == "2021-05-07")
            #expect(line["period_end"] as? String == "2021-05-26")
            #expect(line["days"] as? Int == 20)
            #expect(line["ss_daily"] as? String == "32.34")
            #expect(line["other_movement"] as? String == "0.00")
            #expect(line["insurer_daily"] as? String == "60.03")
            #expect(line["nature"] as? String == "MAL")
            #expect(line["nature_label"] as? String == "Ind.Jour. Maladie")
            #expect(line["amount"] as? String == "553.80")
            #expect(line["line_number"] as? Int == 1)
            // Exact decimal strings in the raw body, never floats.
            #expect(response.text.contains("\"amount\":\"553.80\""))
            #expect(!response.text.contains("553.8,") && !response.text.contains("553.8}"))
        }
    }

    // MARK: Régimes en cours (guide ch. 04)

    @Test func contractsAreTheThreeSignedRegimesWithGuaranteesAndDocuments() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            let response = try client.send("GET", "\(demo.base)/contracts")
            #expect(response.status == 200)
            let contracts = response.jsonArray
            #expect(contracts.map { $0["reference"] as? String ?? "?" } == ["DEMO-GU-P", "DEMO-SN-P", "DEMO-EP-S"])
            #expect(contracts.map { $0["dsn_reference"] as? String ?? "?" } == ["1234567/GU/P", "1234567/SN/P", "1234567/EP/S"])

            let documents = EmployerDataPage(try client.send("GET", "\(demo.base)/documents?page_size=100"))
            let listedIDs = Set(documents.items.compactMap { $0["id"] as? Int })
            for contract in contracts {
                let expected = DemoEmployer.contract(contract["reference"] as? String ?? "")
                #expect(contract["regime"] as? String == expected.kind)
                #expect(contract["regime_label"] as? String == (expected.kind == "SANTE" ? "Santé collective" : "Prévoyance collective"))
                #expect(contract["college"] as? String == expected.college)
                #expect(contract["start_date"] as? String == expected.startDate)
                #expect(contract["end_date"] == nil || contract["end_date"] is NSNull)

                let guarantees = contract["guarantees"] as? [[String: Any]] ?? []
                let expectedGuarantees = expected.guarantees.sorted { $0.label < $1.label }
                #expect(guarantees.map { $0["label"] as? String ?? "?" } == expectedGuarantees.map(\.label))
                #expect(guarantees.map { $0["code"] as? String ?? "?" } == expectedGuarantees.map(\.code))
                #expect(guarantees.map { $0["periodicity"] as? String ?? "?" } == expectedGuarantees.map(\.periodicity))
                #expect(guarantees.map { $0["payment_mode"] as? String ?? "?" } == expectedGuarantees.map(\.paymentMode))
                for guarantee in guarantees {
                    let notices = guarantee["documents"] as? [[String: Any]] ?? []
                    #expect(notices.map { $0["title"] as? String ?? "?" } == ["Notice d'information — \(guarantee["label"] as? String ?? "")"])
                    #expect(notices.map { $0["category"] as? String ?? "?" } == ["information_notice"])
                    for notice in notices { #expect(listedIDs.contains(notice["id"] as? Int ?? -1)) }
                }
                let attached = contract["documents"] as? [[String: Any]] ?? []
                #expect(Set(attached.map { $0["title"] as? String ?? "?" })
                    == ["Descriptif des garanties — \(expected.college)", "Bordereau de régularisation.pdf"])
                for document in attached { #expect(listedIDs.contains(document["id"] as? Int ?? -1)) }
            }
            // The contract OCSO never received signed appears nowhere.
            let unsigned = try #require(DemoDataset.contracts.first { !$0.signed })
            for path in ["/contracts", "/insured?page_size=100", "/documents?page_size=100", "/home"] + DemoDataset.insured.map({ "/insured/\($0.matricule)" }) {
                let body = try client.send("GET", demo.base + path)
                #expect(body.status == 200, "\(path)")
                for secret in [unsigned.ref, unsigned.dsnReference, unsigned.college] {
                    #expect(!body.text.contains(secret), "\(path) shows the unsigned contract (\(secret))")
                }
            }
        }
    }

    // MARK: Assurés (guide ch. 05)

    @Test func insuredListHasTheFivePeopleInStableOrderWithStatusesAndAffiliations() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, _) = try demo.delegate(["insured"])
            let response = try client.send("GET", "\(demo.base)/insured")
            #expect(response.status == 200)
            let page = EmployerDataPage(response)
            #expect(page.total == 5)
            let expected = DemoEmployer.insuredInListOrder
            #expect(page.strings("matricule") == expected.map(\.matricule))
            #expect(page.strings("last_name") == ["DUBOIS", "DUPONT", "DURAND", "MARTIN", "PETIT"])
            #expect(page.strings("first_name") == expected.map(\.firstName))
            #expect(page.strings("status") == expected.map { demo.status(of: $0) })
            // The guide's day: the comment of DemoDataset holds on the day these tests were written.
            if demo.today == CalendarDate(iso: "2026-11-26") {
                #expect(page.strings("status") == ["ACTIF", "ACTIF", "ACTIF", "SORTI", "PORTABILITE"])
            }

            for (item, person) in zip(page.items, expected) {
                let affiliations = item["affiliations"] as? [[String: Any]] ?? []
                let wanted = person.affiliations.map { ($0, DemoEmployer.contract($0.contractRef)) }
                    .sorted { ($0.1.kind, $1.0.entryDate) < ($1.1.kind, $0.0.entryDate) } // kind, then newest entry first
                #expect(affiliations.count == wanted.count, "\(person.lastName)")
                for (got, (affiliation, contract)) in zip(affiliations, wanted) {
                    #expect(got["regime"] as? String == contract.kind)
                    #expect(got["college"] as? String == contract.college)
                    #expect(got["dsn_reference"] as? String == contract.dsnReference)
                    #expect(got["entry_date"] as? String == affiliation.entryDate)
                    #expect(got["end_date"] as? String == affiliation.endDate)
                    #expect(got["portability_end"] as? String == affiliation.portabilityEnd)
                    let inPortability = DemoEmployer.date(affiliation.endDate).map { $0 < demo.today } == true
                        && DemoEmployer.date(affiliation.portabilityEnd).map { $0 >= demo.today } == true
                    #expect(got["in_portability"] as? Bool == inPortability, "\(person.lastName) \(affiliation.contractRef)")
                }
            }
            // The list needs only `insured`: no health data in it.
            for person in DemoDataset.insured {
                for secret in [person.nir, person.addressLine, person.birthDate] {
                    #expect(!response.text.contains(secret), "the list shows \(secret)")
                }
            }
        }
    }

    @Test func healthDetailsOfDuboisMartinNeedTheHealthRight() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let dubois = try #require(DemoDataset.insured.first { $0.matricule == "123456700002" })
            let path = "\(demo.base)/insured/123456700002"
            let owner = try TestCluster.connect(as: "portal_owner")
            func audited(_ user: Int64) throws -> Int {
                try owner.query("""
                    SELECT count(*)::int FROM audit_events WHERE actor_user_id = $1 AND structure_id = $2 AND action = 'insured.health_details'
                      AND details->>'matricule' = '123456700002'
                    """, [user, demo.structureID]).first!.decode(0)
            }

            let (healthy, healthyID) = try demo.delegate(["insured", "health"])
            let full = try healthy.send("GET", path)
            #expect(full.status == 200)
            #expect(full.json["matricule"] as? String == "123456700002")
            #expect(full.json["last_name"] as? String == "DUBOIS")
            #expect(full.json["first_name"] as? String == "MARTIN")
            #expect(full.json["status"] as? String == demo.status(of: dubois))
            #expect((full.json["affiliations"] as? [[String: Any]])?.map { $0["dsn_reference"] as? String ?? "?" } == ["1234567/EP/S"])
            let health = try #require(full.json["health"] as? [String: Any])
            #expect(health["nir"] as? String == "123456789101292")
            #expect(health["birth_date"] as? String == "1983-05-17")
            #expect(health["address_line"] as? String == "3 rue de l'arc en ciel")
            #expect(health["postal_code"] as? String == "33700")
            #expect(health["city"] as? String == "MERIGNAC")
            let beneficiaries = health["beneficiaries"] as? [[String: Any]] ?? []
            #expect(beneficiaries.map { "\($0["first_name"] as? String ?? "?") \($0["last_name"] as? String ?? "?") \($0["rank"] as? String ?? "?") \($0["birth_date"] as? String ?? "?") \($0["adhesion_date"] as? String ?? "?")" }
                == ["JULIE DUBOIS EA 2014-10-27 2021-01-23", "JULIEN DUBOIS EB 2018-05-05 2021-01-23"])
            #expect(try audited(healthyID) == 1, "viewing health details is audited")
            let auditDetails: String = try owner.query("""
                SELECT details::text FROM audit_events WHERE actor_user_id = $1 AND action = 'insured.health_details'
                """, [healthyID]).first?.decode(0) ?? ""
            #expect(!auditDetails.contains(dubois.nir), "the audit trail never holds the NIR")

            let (plain, plainID) = try demo.delegate(["insured"])
            let partial = try plain.send("GET", path)
            #expect(partial.status == 200)
            #expect(partial.json["last_name"] as? String == "DUBOIS")
            #expect(partial.json.keys.contains("health") == false, "no health key at all without the right")
            for secret in [dubois.nir, "123456789101292", dubois.addressLine, "JULIE", dubois.birthDate, "beneficiaries"] {
                #expect(!partial.text.contains(secret), "without health: \(secret)")
            }
            #expect(try audited(plainID) == 0, "no health details shown, nothing audited")

            let unknown = try plain.send("GET", "\(demo.base)/insured/999999999999")
            #expect(unknown.status == 404)
            #expect(unknown.problemCode == "not_found")
        }
    }

    // MARK: Accueil (guide ch. 03)

    @Test func homeShowsEachBlockOnlyWithItsRight() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let principal = try demo.principal()
            /// The home's news: one to three items, newest first, each one of the Actualités.
            func expectNews(_ home: APIResponse, sourceLocation: SourceLocation = #_sourceLocation) throws {
                let items = home.json["news"] as? [[String: Any]] ?? []
                #expect((1...3).contains(items.count), "home news: \(items.count) items", sourceLocation: sourceLocation)
                let stamps = items.compactMap { $0["published_at"] as? String }
                #expect(stamps == stamps.sorted(by: >), "newest first", sourceLocation: sourceLocation)
                let all = Set(EmployerDataPage(try principal.send("GET", "/api/v1/news?page_size=100")).items.compactMap { $0["id"] as? Int })
                #expect(items.allSatisfy { all.contains($0["id"] as? Int ?? -1) }, sourceLocation: sourceLocation)
            }

            let full = try principal.send("GET", "\(demo.base)/home")
            #expect(full.status == 200)
            #expect((full.json["structure"] as? [String: Any])?["name"] as? String == "SARL DEMONSTRATION")
            #expect((full.json["structure"] as? [String: Any])?["id"] as? Int == Int(demo.structureID))
            let company = try #require(full.json["company"] as? [String: Any])
            #expect(company["name"] as? String == DemoDataset.name)
            #expect(company["client_number"] as? String == "1234567")
            #expect(company["siret"] as? String == DemoDataset.siret)
            #expect(company["address"] as? String == DemoDataset.address)
            #expect(company["phone"] as? String == "05 59 00 00 00")
            let latest = try #require(full.json["latest_ij_payments"] as? [[String: Any]])
            #expect(latest.map { "\($0["payment_date"] as? String ?? "?") \($0["amount"] as? String ?? "?")" }
                == ["2021-06-18 553.80", "2021-05-28 1162.98", "2020-06-20 296.38", "2020-06-06 636.86"])
            #expect(latest.allSatisfy { $0["structure_name"] as? String == "SARL DEMONSTRATION" })
            try expectNews(full)
            #expect((full.json["links"] as? [[String: Any]])?.isEmpty == false)

            let (nothing, _) = try demo.delegate([])
            let bare = try nothing.send("GET", "\(demo.base)/home")
            #expect(bare.status == 200, "the home page needs no particular right")
            #expect((bare.json["structure"] as? [String: Any])?["name"] as? String == "SARL DEMONSTRATION")
            #expect(bare.json["company"] == nil || bare.json["company"] is NSNull)
            #expect(bare.json["latest_ij_payments"] == nil || bare.json["latest_ij_payments"] is NSNull)
            try expectNews(bare)
            #expect((bare.json["links"] as? [[String: Any]])?.isEmpty == true)
            for secret in [DemoDataset.siret, "05 59 00 00 00", "MERIGNAC", "553.80", "DEMO-IJ"] {
                #expect(!bare.text.contains(secret), "home without rights shows \(secret)")
            }

            let (ijOnly, _) = try demo.delegate(["ij"])
            let withIJ = try ijOnly.send("GET", "\(demo.base)/home")
            #expect(withIJ.status == 200)
            #expect((withIJ.json["latest_ij_payments"] as? [[String: Any]])?.count == 4)
            #expect(withIJ.json["company"] == nil || withIJ.json["company"] is NSNull)
            #expect(!withIJ.text.contains(DemoDataset.siret))

            let (companyOnly, _) = try demo.delegate(["company"])
            let withCompany = try companyOnly.send("GET", "\(demo.base)/home")
            #expect(withCompany.status == 200)
            #expect((withCompany.json["company"] as? [String: Any])?["siret"] as? String == DemoDataset.siret)
            #expect(withCompany.json["latest_ij_payments"] == nil || withCompany.json["latest_ij_payments"] is NSNull)
            #expect(!withCompany.text.contains("553.80"))
        }
    }

    // MARK: Documents (guide ch. 07)

    @Test func documentsListWithAndWithoutCategory() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, _) = try demo.delegate(["documents"])
            let all = EmployerDataPage(try client.send("GET", "\(demo.base)/documents?page_size=100"))
            #expect(all.total == 13)
            #expect(Set(all.items.compactMap { $0["id"] as? Int }) == Set(demo.documents.map { Int($0.id) }))
            #expect(all.strings("category") == all.strings("category").sorted(), "grouped by category")
            var counts: [String: Int] = [:]
            for category in all.strings("category") { counts[category, default: 0] += 1 }
            #expect(counts == ["contribution_statement": 3, "guarantee_description": 3, "information_notice": 7])
            for item in all.items {
                let stored = try #require(demo.documents.first { Int($0.id) == item["id"] as? Int })
                #expect(item["title"] as? String == stored.title)
                #expect(item["file_name"] as? String == stored.fileName)
                #expect(item["size"] as? Int == stored.size)
                #expect(item["sha256"] as? String == stored.sha256)
                #expect(item["content_type"] as? String == "application/pdf")
            }

            let statements = EmployerDataPage(try client.send("GET", "\(demo.base)/documents?category=contribution_statement"))
            #expect(statements.total == 3)
            #expect(Set(statements.strings("category")) == ["contribution_statement"])
            #expect(Set(statements.strings("title")) == ["Bordereau de régularisation.pdf"])
            #expect(statements.items.allSatisfy { $0["year"] as? Int == 2020 })
            #expect(Set(statements.strings("guarantee")) == ["PREVOYANCE", "SANTE"])

            let notices = EmployerDataPage(try client.send("GET", "\(demo.base)/documents?category=information_notice"))
            #expect(notices.total == 7)
            #expect(notices.strings("title").allSatisfy { $0.hasPrefix("Notice d'information — ") })

            let other = try client.send("GET", "\(demo.base)/documents?category=other")
            #expect(other.status == 200)
            #expect(EmployerDataPage(other).total == 0)
            #expect(EmployerDataPage(other).items.isEmpty)

            let bogus = try client.send("GET", "\(demo.base)/documents?category=bogus")
            #expect(bogus.status == 422)
            #expect(bogus.fieldCodes["category"] == "invalid_value")
        }
    }

    @Test func documentDownloadHasTypeLengthDispositionAndETag() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, _) = try demo.delegate(["documents"])
            let statement = try #require(demo.documents.first { $0.category == "contribution_statement" })
            let path = "\(demo.base)/documents/\(statement.id)/content"
            let download = try client.send("GET", path)
            #expect(download.status == 200)
            #expect(download.header("Content-Type") == "application/pdf")
            #expect(download.header("Content-Length") == String(download.body.count))
            #expect(download.body.count == statement.size)
            #expect(download.body.starts(with: Array("%PDF".utf8)))
            let disposition = try #require(download.header("Content-Disposition"))
            #expect(disposition.hasPrefix("attachment; filename=\"\(statement.fileName)\""), "\(disposition)")
            #expect(disposition.contains("filename*=UTF-8''\(statement.fileName)"), "\(disposition)")
            let etag = "\"" + Sodium.hex(Sodium.sha256(download.body)) + "\""
            #expect(download.header("ETag") == etag)
            #expect(statement.sha256 == Sodium.hex(Sodium.sha256(download.body)))

            let cached = try client.send("GET", path, headers: ["if-none-match": etag])
            #expect(cached.status == 304)
            #expect(cached.body.isEmpty)
            #expect(cached.header("ETag") == etag)
            let listed = try client.send("GET", path, headers: ["if-none-match": "\"0000\", \(etag)"])
            #expect(listed.status == 304)
            let star = try client.send("GET", path, headers: ["if-none-match": "*"])
            #expect(star.status == 304)
            let stale = try client.send("GET", path, headers: ["if-none-match": "\"" + String(repeating: "0", count: 64) + "\""])
            #expect(stale.status == 200)
            #expect(stale.body == download.body)

            // Every document of the demo downloads with a body that matches its listed digest.
            for document in demo.documents {
                let response = try client.send("GET", "\(demo.base)/documents/\(document.id)/content")
                #expect(response.status == 200)
                #expect(Sodium.hex(Sodium.sha256(response.body)) == document.sha256, "\(document.title)")
                #expect(response.header("ETag") == "\"\(document.sha256)\"")
                #expect(response.body.starts(with: Array("%PDF".utf8)))
            }

            for missing in ["999999999999", "0", "-1", "abc", "1e3", "99999999999999999999"] {
                let response = try client.send("GET", "\(demo.base)/documents/\(missing)/content")
                #expect(response.status == 404, "document \(missing)")
                #expect(response.problemCode == "not_found")
            }
        }
    }

    @Test func formsAreTheGuidesEightFormsInOrderAndDownload() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, _) = try demo.delegate([])
            let response = try client.send("GET", "/api/v1/forms")
            #expect(response.status == 200)
            let guideTitles = DemoDataset.forms.sorted { $0.position < $1.position }.map(\.title)
            let listed = response.jsonArray.compactMap { $0["title"] as? String }.filter { guideTitles.contains($0) }
            #expect(listed.count == 8)
            #expect(listed == guideTitles, "the forms in the guide's order")
            for form in response.jsonArray where guideTitles.contains(form["title"] as? String ?? "") {
                let expected = try #require(DemoDataset.forms.first { $0.title == form["title"] as? String })
                #expect(form["category"] as? String == expected.category)
                #expect(form["file_name"] as? String == expected.fileName)
                #expect(form["content_type"] as? String == "application/pdf")
            }

            let form = try #require(demo.forms.first)
            let download = try client.send("GET", "/api/v1/forms/\(form.id)/content")
            #expect(download.status == 200)
            #expect(download.header("Content-Type") == "application/pdf")
            #expect(download.header("Content-Length") == String(download.body.count))
            #expect(download.header("Content-Disposition")?.hasPrefix("attachment; filename=\"\(form.fileName)\"") == true)
            #expect(download.body.starts(with: Array("%PDF".utf8)))
            let etag = "\"" + Sodium.hex(Sodium.sha256(download.body)) + "\""
            #expect(download.header("ETag") == etag)
            #expect(response.jsonArray.first { $0["id"] as? Int == Int(form.id) }?["sha256"] as? String == Sodium.hex(Sodium.sha256(download.body)))
            let cached = try client.send("GET", "/api/v1/forms/\(form.id)/content", headers: ["if-none-match": etag])
            #expect(cached.status == 304)
            #expect(cached.body.isEmpty)

            #expect(try client.send("GET", "/api/v1/forms/999999999999/content").status == 404)
            #expect(try client.send("GET", "/api/v1/forms/abc/content").status == 404)
        }
    }

    @Test func newsListsTheDemoItem() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, _) = try demo.delegate([])
            let response = try client.send("GET", "/api/v1/news?page_size=100")
            #expect(response.status == 200)
            let page = EmployerDataPage(response)
            #expect((page.total ?? 0) >= 1)
            let item = try #require(page.items.first { $0["title"] as? String == DemoDataset.newsTitle })
            #expect((item["body"] as? String)?.contains("support@ocso.fr") == true)
            #expect(item["published_at"] as? String == "2021-06-01T07:00:00Z")
            let stamps = page.items.compactMap { $0["published_at"] as? String }
            #expect(stamps == stamps.sorted(by: >), "newest first")
        }
    }
}
