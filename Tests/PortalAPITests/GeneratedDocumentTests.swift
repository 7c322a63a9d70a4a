import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

/// Issue 6, generated documents: attestations d'adhésion (guide ch. 05), IJ décomptes (ch. 06) and
/// the BIA composer (ch. 07), read back with poppler's `pdftotext` against the guide's example.
/// Serialized: each test holds a few connections and the test cluster allows 100.
@Suite(.serialized) struct GeneratedDocumentTests {
    static let pdftotext: String? = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext", "/opt/homebrew/bin/pdftotext"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    struct ExtractionFailed: Error {}

    /// The text of a PDF as a reader extracts it (pages in order, layout kept), no-break spaces as
    /// spaces; `firstPage` limits it to that page and the next ones.
    static func text(_ bytes: [UInt8], firstPage: Int? = nil) throws -> String {
        guard let pdftotext else { throw ExtractionFailed() }
        let path = NSTemporaryDirectory() + "generated-document-\(UUID().uuidString).pdf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pdftotext)
        process.arguments = ["-enc", "UTF-8", "-layout"] + (firstPage.map { ["-f", String($0)] } ?? []) + [path, "-"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ExtractionFailed() }
        return output.replacingOccurrences(of: "\u{00A0}", with: " ").replacingOccurrences(of: "\u{202F}", with: " ")
    }

    /// A 200 PDF download that no cache keeps, named `fileName`; its text.
    static func download(_ response: APIResponse, fileName: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        #expect(response.status == 200, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.header("Content-Type") == "application/pdf", sourceLocation: sourceLocation)
        #expect(response.header("Cache-Control") == "no-store", sourceLocation: sourceLocation)
        #expect(response.header("Content-Length") == String(response.body.count), sourceLocation: sourceLocation)
        #expect(response.header("Content-Disposition") == "attachment; filename=\"\(fileName)\"; filename*=UTF-8''\(fileName)",
                sourceLocation: sourceLocation)
        #expect(response.body.starts(with: Array("%PDF-".utf8)), sourceLocation: sourceLocation)
        return try text(response.body)
    }

    static func attestation(_ demo: DemoEmployer, _ matricule: String, _ kind: String) -> String {
        "\(demo.base)/insured/\(matricule)/attestations/\(kind)"
    }

    /// The demo's payment of `date` (from the IJ list, as the page links it).
    static func paymentID(_ demo: DemoEmployer, client: APIClient, date: String) throws -> Int {
        let list = EmployerDataPage(try client.send("GET", "\(demo.base)/ij-payments"))
        return try #require(list.items.first { $0["payment_date"] as? String == date }?["id"] as? Int)
    }

    static func bia(_ client: APIClient, _ demo: DemoEmployer, _ body: [String: Any]) throws -> APIResponse {
        try client.send("POST", "\(demo.base)/bia", json: body)
    }

    /// The newest audit event of `action` by `userID`: its details.
    static func lastAudit(_ action: String, userID: Int64) throws -> [String: Any]? {
        let owner = try TestCluster.connect(as: "portal_owner")
        guard let details: String = try owner.query("""
            SELECT details::text FROM audit_events WHERE action = $1 AND actor_user_id = $2 ORDER BY id DESC LIMIT 1
            """, [action, userID]).first?.decode(0) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(details.utf8))) as? [String: Any]
    }

    // MARK: Attestations d'adhésion (guide ch. 05)

    @Test(.enabled(if: pdftotext != nil, "pdftotext (poppler-utils) is not installed"))
    func mandatoryAttestationOfDuboisMartin() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            let response = try client.send("GET", Self.attestation(demo, "123456700002", "mandatory"))
            let text = try Self.download(response, fileName: "attestation-mutuelle-obligatoire-123456700002.pdf")
            for expected in ["Attestation d'adhésion – Mutuelle obligatoire", "DUBOIS MARTIN", "123456700002", "SARL DEMONSTRATION",
                             "99999999800019", "1234567", "Santé collective", "Ensemble du Personnel", "1234567/EP/S",
                             "1 23 45 67 891 012 92", "17/05/1983", "3 rue de l'arc en ciel", "33700 MERIGNAC",
                             "Date d'affiliation", "01/01/2007", "JULIE", "JULIEN", "27/10/2014", "05/05/2018", "23/01/2021",
                             "L. 911-1 du Code de la sécurité sociale", "Page 1 / "] {
                #expect(text.contains(expected), "\(expected)")
            }
            #expect(!text.contains("résiliation"))
            // The Prévoyance-only collèges are not what this attestation is about.
            #expect(!text.contains("1234567/GU/P") && !text.contains("1234567/SN/P"))
            let audit = try #require(try Self.lastAudit("document.attestation", userID: demo.principalID))
            #expect(audit["matricule"] as? String == "123456700002")
            #expect(audit["kind"] as? String == "mandatory")
            #expect(!String(describing: audit).contains("123456789101292"), "never a NIR in the audit trail")
        }
    }

    @Test(.enabled(if: pdftotext != nil, "pdftotext (poppler-utils) is not installed"))
    func terminationAttestationHasItsTitleAndLegalBasis() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            let response = try client.send("GET", Self.attestation(demo, "123456700002", "termination"))
            let text = try Self.download(response, fileName: "attestation-resiliation-ancienne-mutuelle-123456700002.pdf")
            for expected in ["Attestation d'adhésion pour résiliation ancienne mutuelle", "DUBOIS MARTIN", "123456700002",
                             "SARL DEMONSTRATION", "Ensemble du Personnel", "1234567/EP/S", "JULIE", "JULIEN",
                             "L. 221-17 du Code de la", "loi Évin", "un mois après la réception"] {
                #expect(text.contains(expected), "\(expected)")
            }
            #expect(!text.contains("Mutuelle obligatoire"))
        }
    }

    @Test(.enabled(if: pdftotext != nil, "pdftotext (poppler-utils) is not installed"))
    func attestationsFollowTheSanteAffiliationInForce() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            // DUPONT ELOISE: Prévoyance and Santé; the attestation is about Santé, without beneficiaries.
            let eloise = try Self.download(try client.send("GET", Self.attestation(demo, "123456700001", "mandatory")),
                                           fileName: "attestation-mutuelle-obligatoire-123456700001.pdf")
            #expect(eloise.contains("DUPONT ELOISE") && eloise.contains("01/04/2012") && eloise.contains("1234567/EP/S"))
            #expect(!eloise.contains("1234567/GU/P") && !eloise.contains("Ayant droit"))

            // MARTIN ESTELLE left in 2021 and her portability ended in 2022: nothing to attest.
            let estelle = try client.send("GET", Self.attestation(demo, "123456700004", "mandatory"))
            #expect(estelle.status == 409)
            #expect(estelle.problemCode == "no_health_affiliation")
            #expect(estelle.header("Content-Type")?.hasPrefix("application/problem+json") == true)

            // PETIT GWENNAEL: left on 30/06/2026, covered under portability until 30/06/2027.
            let petit = try #require(DemoDataset.insured.first { $0.matricule == "123456700005" })
            let response = try client.send("GET", Self.attestation(demo, petit.matricule, "termination"))
            switch demo.status(of: petit) {
            case "PORTABILITE":
                let text = try Self.download(response, fileName: "attestation-resiliation-ancienne-mutuelle-123456700005.pdf")
                #expect(text.contains("portabilité") && text.contains("30/06/2026") && text.contains("30/06/2027"))
            case "SORTI":
                #expect(response.status == 409)
            default:
                #expect(response.status == 200)
            }
        }
    }

    @Test func attestationPathsOutsideTheirSyntaxAreNotFound() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            for path in [Self.attestation(demo, "123456700002", "other"), Self.attestation(demo, "123456700002", "MANDATORY"),
                         Self.attestation(demo, "123456700002", ""), Self.attestation(demo, "123456700002", "mandatory%00"),
                         Self.attestation(demo, "999999999999", "mandatory"), Self.attestation(demo, "abc", "mandatory"),
                         Self.attestation(demo, "123456700002x", "mandatory"), Self.attestation(demo, String(repeating: "1", count: 21), "mandatory"),
                         Self.attestation(demo, "%2E%2E", "mandatory"), Self.attestation(demo, "12345%0A", "termination"),
                         "/api/v1/structures/0/insured/123456700002/attestations/mandatory",
                         "/api/v1/structures/abc/insured/123456700002/attestations/mandatory"] {
                let response = try client.send("GET", path)
                #expect(response.status == 404, "\(path): \(response.status) \(response.text)")
                #expect(response.problemCode == "not_found", "\(path)")
            }
            let query = try client.send("GET", Self.attestation(demo, "123456700002", "mandatory") + "?download=1")
            #expect(query.status == 422)
            #expect(query.fieldCodes["download"] == "unknown_parameter")
            let post = try client.send("POST", Self.attestation(demo, "123456700002", "mandatory"), json: [:])
            #expect(post.status == 405)
        }
    }

    // MARK: Décomptes (guide ch. 06)

    @Test(.enabled(if: pdftotext != nil, "pdftotext (poppler-utils) is not installed"))
    func decompteOfThe18June2021Payment() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            let id = try Self.paymentID(demo, client: client, date: "2021-06-18")
            let text = try Self.download(try client.send("GET", "\(demo.base)/ij-payments/\(id)/decompte"),
                                         fileName: "decompte-ij-DEMO-IJ-20210618.pdf")
            for expected in ["Décompte de règlement d'indemnités journalières", "SARL DEMONSTRATION", "99999999800019",
                             "18/06/2021", "DEMO-IJ-20210618", "553,80 €", "07/05/2021", "26/05/2021", "Ind.Jour. Maladie",
                             "DUPONT Eloise", "123456700001", "32,34 €", "0,00 €", "60,03 €"] {
                #expect(text.contains(expected), "\(expected)")
            }
            // The line itself: period, nature, beneficiary, 20 days, SS, other, OCSO, amount — in that order.
            let line = try #require(text.split(separator: "\n").first { $0.contains("Ind.Jour. Maladie") })
            let cells = ["07/05/2021", "Ind.Jour. Maladie", "DUPONT Eloise", " 20 ", "32,34 €", "0,00 €", "60,03 €", "553,80 €"]
            let positions = cells.compactMap { line.range(of: $0)?.lowerBound }
            #expect(positions.count == cells.count, "\(line)")
            #expect(positions == positions.sorted(), "\(line)")
            // The total is the payment's amount, printed once more on the total row.
            let total = try #require(text.split(separator: "\n").first { $0.hasPrefix("Total ") })
            #expect(total.hasSuffix(" 553,80 €"))
            #expect(!text.contains("Règlement "), "no second figure when the lines add up to the payment")

            let audit = try #require(try Self.lastAudit("document.ij_statement", userID: demo.principalID))
            #expect(audit["payment_id"] as? String == String(id))
        }
    }

    @Test(.enabled(if: pdftotext != nil, "pdftotext (poppler-utils) is not installed"))
    func decompteAmountsGroupThousands() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            let id = try Self.paymentID(demo, client: client, date: "2021-05-28")
            let text = try Self.download(try client.send("GET", "\(demo.base)/ij-payments/\(id)/decompte"),
                                         fileName: "decompte-ij-DEMO-IJ-20210528.pdf")
            #expect(text.contains("1 162,98 €"))
            #expect(text.contains("DURAND Joel") && text.contains("26/03/2021") && text.contains("06/05/2021"))
            #expect(text.contains("31,20 €") && text.contains("58,89 €"))
        }
    }

    @Test func decompteOfAnotherStructuresPaymentOrOfNoPaymentIsNotFound() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let foreign = try ForeignEmployer.get()
            let owner = try TestCluster.connect(as: "portal_owner")
            let foreignPayment: Int64 = try owner.query("SELECT id FROM ij_payments WHERE structure_id = $1 LIMIT 1",
                                                        [foreign.structure.id]).first!.decode(0)
            let client = try demo.principal()
            for payment in [String(foreignPayment), "0", "-1", "abc", "1.0", "01", "99999999999999999999", "%20"] {
                let response = try client.send("GET", "\(demo.base)/ij-payments/\(payment)/decompte")
                #expect(response.status == 404, "\(payment): \(response.status)")
                #expect(!response.text.contains(foreign.tag))
            }
            // B's own principal reads it; through A's structure id it does not exist.
            let foreignClient = try foreign.principal()
            let own = try foreignClient.send("GET", "\(foreign.base)/ij-payments/\(foreignPayment)/decompte")
            #expect(own.status == 200)
            let id = try Self.paymentID(demo, client: client, date: "2021-06-18")
            #expect(try foreignClient.send("GET", "\(demo.base)/ij-payments/\(id)/decompte").status == 404)
            #expect(try foreignClient.send("GET", "\(foreign.base)/ij-payments/\(id)/decompte").status == 404)
            let query = try client.send("GET", "\(demo.base)/ij-payments/\(id)/decompte?format=pdf")
            #expect(query.status == 422)
        }
    }

    // MARK: BIA composer (guide ch. 07)

    @Test(.enabled(if: pdftotext != nil, "pdftotext (poppler-utils) is not installed"))
    func prevoyanceBIAHasTheMedicalQuestionnaireBelowSixEmployees() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            let small = try Self.bia(client, demo, ["contract_reference": "DEMO-SN-P", "payroll_deduction": true, "employees_in_category": 5])
            let text = try Self.download(small, fileName: "bulletin-individuel-adhesion-DEMO-SN-P.pdf")
            for expected in ["Bulletin individuel d'adhésion – Prévoyance collective", "SARL DEMONSTRATION", "99999999800019",
                             "Salarié ne relevant pas de la CCN 1947", "1234567/SN/P", "DEMO-SN-P", "01/01/2018",
                             "Décès Toutes Causes", "Décès Accident", "Incapacité Invalidité", "Précompte employeur",
                             "Salariés de la catégorie", "Numéro de Sécurité sociale", "Bénéficiaires en cas de décès",
                             "Signature du salarié", "Signature et cachet de l'employeur", "Questionnaire médical"] {
                #expect(text.contains(expected), "\(expected)")
            }
            // The questionnaire is a page of its own, with its questions and yes/no boxes.
            let pages = text.components(separatedBy: "\u{0C}").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            let questionnaire = try #require(pages.last)
            #expect(pages.count >= 2)
            #expect(questionnaire.contains("Questionnaire médical"))
            #expect(!pages.dropLast().contains { $0.contains("Questionnaire médical") })
            #expect(questionnaire.contains("1. Êtes-vous actuellement en arrêt de travail"))
            #expect(questionnaire.components(separatedBy: "Oui").count - 1 >= 5)
            #expect(questionnaire.components(separatedBy: "Non").count - 1 >= 5)
            let audit = try #require(try Self.lastAudit("document.bia", userID: demo.principalID))
            #expect(audit["contract"] as? String == "DEMO-SN-P")
            #expect(audit["medical_questionnaire"] as? String == "true")

            let one = try Self.bia(client, demo, ["contract_reference": "DEMO-GU-P", "employees_in_category": 1])
            #expect(try Self.download(one, fileName: "bulletin-individuel-adhesion-DEMO-GU-P.pdf").contains("Questionnaire médical"))

            for count in [6, 7, 100_000] {
                let large = try Self.bia(client, demo, ["contract_reference": "DEMO-SN-P", "payroll_deduction": false,
                                                        "employees_in_category": count])
                let text = try Self.download(large, fileName: "bulletin-individuel-adhesion-DEMO-SN-P.pdf")
                #expect(!text.contains("Questionnaire médical"), "\(count) employees")
                #expect(!text.lowercased().contains("questionnaire"), "\(count) employees")
                #expect(text.contains("Pas de précompte employeur"))
                #expect(text.contains("Salarié ne relevant pas de la CCN 1947"))
            }
        }
    }

    @Test(.enabled(if: pdftotext != nil, "pdftotext (poppler-utils) is not installed"))
    func santeBIANeverHasTheQuestionnaire() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let client = try demo.principal()
            for body: [String: Any] in [["contract_reference": "DEMO-EP-S", "employees_in_category": 2],
                                        ["contract_reference": "DEMO-EP-S", "employees_in_category": 5, "payroll_deduction": true],
                                        ["contract_reference": "DEMO-EP-S"],
                                        ["contract_reference": "DEMO-EP-S", "payroll_deduction": NSNull(), "employees_in_category": NSNull()]] {
                let text = try Self.download(try Self.bia(client, demo, body), fileName: "bulletin-individuel-adhesion-DEMO-EP-S.pdf")
                #expect(text.contains("Bulletin individuel d'adhésion – Santé collective"))
                #expect(text.contains("Ensemble du Personnel") && text.contains("1234567/EP/S") && text.contains("Frais Médicaux Chirurgicaux"))
                #expect(text.contains("Ayants droit à couvrir"))
                #expect(!text.contains("Questionnaire médical"), "\(body)")
            }
            let unanswered = try Self.text(try Self.bia(client, demo, ["contract_reference": "DEMO-EP-S"]).body)
            #expect(unanswered.contains("Non renseigné"))
            #expect(!unanswered.contains("Salariés de la catégorie"))
        }
    }

    @Test func biaBadInputIsRefusedWithPreciseCodes() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let foreign = try ForeignEmployer.get()
            let client = try demo.principal()
            let cases: [([String: Any], [String: String])] = [
                (["contract_reference": "NOPE", "employees_in_category": 3], ["contract_reference": "unknown_contract"]),
                // Not received signed: never shown, so unknown.
                (["contract_reference": "DEMO-CA-P", "employees_in_category": 3], ["contract_reference": "unknown_contract"]),
                (["contract_reference": "B\(foreign.tag)-S"], ["contract_reference": "unknown_contract"]),
                (["contract_reference": "demo-sn-p", "employees_in_category": 3], ["contract_reference": "unknown_contract"]),
                (["contract_reference": "../DEMO-SN-P", "employees_in_category": 3], ["contract_reference": "unknown_contract"]),
                (["contract_reference": String(repeating: "A", count: 65)], ["contract_reference": "too_long"]),
                (["contract_reference": 42], ["contract_reference": "wrong_type"]),
                ([:], ["contract_reference": "required"]),
                (["contract_reference": NSNull()], ["contract_reference": "required"]),
                (["contract_reference": "DEMO-SN-P"], ["employees_in_category": "required"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": 0], ["employees_in_category": "out_of_range"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": -4], ["employees_in_category": "out_of_range"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": 100_001], ["employees_in_category": "out_of_range"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": 1_000_000_000], ["employees_in_category": "out_of_range"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": 1e300], ["employees_in_category": "wrong_type"]),
                (["contract_reference": "DEMO-EP-S", "employees_in_category": 0], ["employees_in_category": "out_of_range"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": "five"], ["employees_in_category": "wrong_type"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": "5"], ["employees_in_category": "wrong_type"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": 2.5], ["employees_in_category": "wrong_type"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": true], ["employees_in_category": "wrong_type"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": 3, "payroll_deduction": "yes"],
                 ["payroll_deduction": "wrong_type"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": 3, "payroll_deduction": 1], ["payroll_deduction": "wrong_type"]),
                (["contract_reference": "DEMO-SN-P", "employees_in_category": 3, "medical": true], ["medical": "unknown_field"]),
                (["contract_reference": "NOPE", "employees_in_category": 0], ["contract_reference": "unknown_contract",
                                                                              "employees_in_category": "out_of_range"]),
            ]
            for (body, expected) in cases {
                let response = try Self.bia(client, demo, body)
                #expect(response.status == 422, "\(body): \(response.status) \(response.text)")
                #expect(response.problemCode == "validation_failed", "\(body)")
                #expect(response.fieldCodes == expected, "\(body): \(response.text)")
            }
            let raw: [([UInt8], String?, Int, String)] = [
                (Array("{\"contract_reference\": \"DEMO-SN-P\",".utf8), "application/json", 400, "malformed_json"),
                (Array("[\"DEMO-SN-P\"]".utf8), "application/json", 400, "malformed_json"),
                (Array("".utf8), "application/json", 400, "malformed_json"),
                ([0x7B, 0xFF, 0x7D], "application/json", 400, "malformed_json"),
                (Array("{\"contract_reference\":\"DEMO-SN-P\",\"employees_in_category\":5}".utf8), "text/plain", 415, "unsupported_media_type"),
                (Array("{\"contract_reference\":\"DEMO-SN-P\",\"employees_in_category\":5}".utf8), nil, 415, "unsupported_media_type"),
            ]
            for (body, type, status, code) in raw {
                let response = try client.send("POST", "\(demo.base)/bia", body: body, headers: type.map { ["content-type": $0] } ?? [:])
                #expect(response.status == status, "\(String(decoding: body, as: UTF8.self)): \(response.status)")
                #expect(response.problemCode == code)
            }
            let withoutCSRF = try client.send("POST", "\(demo.base)/bia", json: ["contract_reference": "DEMO-EP-S"], csrf: false)
            #expect(withoutCSRF.status == 403)
            #expect(withoutCSRF.problemCode == "csrf_token_invalid")
            let query = try client.send("POST", "\(demo.base)/bia?preview=1", json: ["contract_reference": "DEMO-EP-S"])
            #expect(query.status == 422)
            #expect(query.fieldCodes["preview"] == "unknown_parameter")
            #expect(try client.send("GET", "\(demo.base)/bia").status == 405)
        }
    }

    // MARK: Rights and structures

    @Test func eachDocumentNeedsItsRightAndAVisibleStructure() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let principal = try demo.principal()
            let paymentID = try Self.paymentID(demo, client: principal, date: "2021-06-18")
            let attestation = Self.attestation(demo, "123456700002", "mandatory")
            let decompte = "\(demo.base)/ij-payments/\(paymentID)/decompte"
            let biaBody: [String: Any] = ["contract_reference": "DEMO-SN-P", "employees_in_category": 5]
            let all = Right.allCases.map(\.rawValue)

            func check(_ response: APIResponse, _ status: Int, _ code: String?, _ what: String) {
                #expect(response.status == status, "\(what): \(response.status) \(response.text)")
                if let code { #expect(response.problemCode == code, "\(what)") }
                if status != 200 { #expect(!response.body.starts(with: Array("%PDF".utf8)), "\(what)") }
            }

            let noHealth = try demo.delegate(all.filter { $0 != "health" }).client
            check(try noHealth.send("GET", attestation), 403, "missing_right", "attestation without health")
            check(try noHealth.send("GET", decompte), 200, nil, "décompte with ij")
            check(try Self.bia(noHealth, demo, biaBody), 200, nil, "BIA with documents")

            let noIJ = try demo.delegate(all.filter { $0 != "ij" }).client
            check(try noIJ.send("GET", decompte), 403, "missing_right", "décompte without ij")
            check(try noIJ.send("GET", attestation), 200, nil, "attestation with health")

            let noDocuments = try demo.delegate(all.filter { $0 != "documents" }).client
            check(try Self.bia(noDocuments, demo, biaBody), 403, "missing_right", "BIA without documents")
            // The right is checked before the body: a bad body without the right is still a 403.
            check(try Self.bia(noDocuments, demo, ["employees_in_category": "five"]), 403, "missing_right", "bad BIA without documents")

            // Each right alone is enough for its own document.
            check(try demo.delegate(["health"]).client.send("GET", attestation), 200, nil, "attestation with health only")
            check(try demo.delegate(["ij"]).client.send("GET", decompte), 200, nil, "décompte with ij only")
            check(try Self.bia(try demo.delegate(["documents"]).client, demo, biaBody), 200, nil, "BIA with documents only")
            let none = try demo.delegate([]).client
            check(try none.send("GET", attestation), 403, "missing_right", "no rights")

            // Another structure's principal: the demo structure does not exist for them.
            let foreign = try ForeignEmployer.get().principal()
            check(try foreign.send("GET", attestation), 404, "not_found", "foreign attestation")
            check(try foreign.send("GET", Self.attestation(demo, "999999999999", "other")), 404, "not_found", "foreign bad attestation")
            check(try foreign.send("GET", decompte), 404, "not_found", "foreign décompte")
            check(try Self.bia(foreign, demo, biaBody), 404, "not_found", "foreign BIA")
            check(try Self.bia(foreign, demo, ["nonsense": true]), 404, "not_found", "foreign bad BIA")

            // Nobody signed in.
            let anonymous = try APIClient()
            check(try anonymous.send("GET", attestation), 401, "unauthenticated", "anonymous attestation")
            check(try anonymous.send("GET", decompte), 401, "unauthenticated", "anonymous décompte")
            check(try Self.bia(anonymous, demo, biaBody), 401, "unauthenticated", "anonymous BIA")
        }
    }

    @Test func delegatedAccessToTheirOwnInsuredOnlyIsAudited() async throws {
        try await onDedicatedThread {
            let demo = try DemoEmployer.get()
            let (client, id) = try demo.delegate(["health"])
            #expect(try client.send("GET", Self.attestation(demo, "123456700001", "termination")).status == 200)
            let audit = try #require(try Self.lastAudit("document.attestation", userID: id))
            #expect(audit["matricule"] as? String == "123456700001")
            #expect(audit["kind"] as? String == "termination")
            #expect(!String(describing: audit).contains("285033306304736"))
            // A refused attempt leaves no document event.
            let (refused, refusedID) = try demo.delegate(["insured"])
            #expect(try refused.send("GET", Self.attestation(demo, "123456700001", "termination")).status == 403)
            #expect(try Self.lastAudit("document.attestation", userID: refusedID) == nil)
        }
    }
}
