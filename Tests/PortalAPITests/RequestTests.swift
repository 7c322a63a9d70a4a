import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

/// "Démarches" (guide ch. 08) on the employer's side, through the API on the real database:
/// sending with files, listing, reading, downloading, the audit trail, and every refusal —
/// after which nothing is written. Serialized: each test holds several database connections.
@Suite(.serialized) struct RequestTests {
    static func requestsPath(_ structureID: Int64) -> String { "/api/v1/structures/\(structureID)/requests" }

    // MARK: Sending and reading

    @Test func anEmployerSendsADemarcheWithAPDFAndFindsItInTheListAndTheHistory() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure(name: "SARL DEMARCHES")
            let principal = try Fixtures.principal(of: structure)
            let principalID = try RequestFixtures.userID(of: principal)
            let pdf = SampleFiles.pdf("Formulaire de portabilité")
            let sent = try Multipart.send(principal, Self.requestsPath(structure.id), [
                .field("category", "portability"), .field("subject", "Portabilité de M. Martin"),
                .field("message", "Bonjour,\r\nveuillez trouver le formulaire signé.\r\n"),
                .file("formulaire portabilité.pdf", pdf, contentType: "application/pdf"),
                .file("carte.png", SampleFiles.png, contentType: "image/png"),
            ])
            #expect(sent.status == 201, "\(sent.text)")
            let id = try #require(sent.json["id"] as? Int)
            #expect(sent.header("Location") == "/api/v1/structures/\(structure.id)/requests/\(id)")
            #expect(sent.json["category"] as? String == "portability")
            #expect(sent.json["category_label"] as? String == "Envoi d'un formulaire de portabilité")
            #expect(sent.json["group"] as? String == "employees")
            #expect(sent.json["team"] as? String == "employees")
            #expect(sent.json["status"] as? String == "received")
            #expect(sent.json["message"] as? String == "Bonjour,\nveuillez trouver le formulaire signé.")
            #expect(sent.json["created_by_name"] as? String == "Éloise Dupont")
            #expect(sent.json["attachment_count"] as? Int == 2)
            #expect(sent.json["structure"] == nil) // back-office only
            let attachments = try #require(sent.json["attachments"] as? [[String: Any]])
            #expect(attachments.map { $0["file_name"] as? String } == ["formulaire portabilité.pdf", "carte.png"])
            #expect(attachments.map { $0["content_type"] as? String } == ["application/pdf", "image/png"])
            #expect(attachments.first?["size"] as? Int == pdf.count)
            #expect(attachments.first?["sha256"] as? String == SampleFiles.sha256Hex(pdf))
            let events = try #require(sent.json["events"] as? [[String: Any]])
            #expect(events.count == 1)
            #expect(events.first?["kind"] as? String == "status")
            #expect(events.first?["status"] as? String == "received")
            #expect(events.first?["author_kind"] as? String == "employer")

            // "Mes dernières démarches".
            let list = try principal.send("GET", Self.requestsPath(structure.id))
            #expect(list.status == 200)
            #expect(list.json["total"] as? Int == 1)
            let item = try #require((list.json["items"] as? [[String: Any]])?.first)
            #expect(item["id"] as? Int == id)
            #expect(item["subject"] as? String == "Portabilité de M. Martin")
            #expect(item["attachment_count"] as? Int == 2)
            #expect(item["message"] == nil)

            let detail = try principal.send("GET", "\(Self.requestsPath(structure.id))/\(id)")
            #expect(detail.status == 200)
            #expect(detail.json["subject"] as? String == "Portabilité de M. Martin")

            // The file comes back byte for byte, as a download.
            let attachmentID = try #require(attachments.first?["id"] as? Int)
            let download = try principal.send("GET", "\(Self.requestsPath(structure.id))/\(id)/attachments/\(attachmentID)")
            #expect(download.status == 200)
            #expect(download.body == pdf)
            #expect(download.header("Content-Type") == "application/pdf")
            #expect(download.header("Content-Disposition")?.hasPrefix("attachment; filename=\"formulaire portabilit_.pdf\"") == true)
            #expect(download.header("ETag") == "\"\(SampleFiles.sha256Hex(pdf))\"")
            let again = try principal.send("GET", "\(Self.requestsPath(structure.id))/\(id)/attachments/\(attachmentID)",
                                           headers: ["if-none-match": download.header("ETag") ?? ""])
            #expect(again.status == 304)

            // Stored with its digest, audited on the structure, in the structure's history.
            let stored = try RequestFixtures.owner().query("""
                SELECT size, sha256, content_type, uploaded_by FROM request_attachments WHERE id = $1
                """, [attachmentID]).first!
            #expect(try stored.decode("size", as: Int.self) == pdf.count)
            #expect(try stored.decode("sha256", as: [UInt8].self) == Sodium.sha256(pdf))
            #expect(try stored.decode("uploaded_by", as: Int64.self) == principalID)
            let history = try principal.send("GET", "/api/v1/structures/\(structure.id)/history")
            let entry = try #require((history.json["items"] as? [[String: Any]])?.first { $0["action"] as? String == "request.submit" })
            #expect(entry["actor_user_id"] as? Int == Int(principalID))
            let details = try #require(entry["details"] as? [String: String])
            #expect(details == ["request_id": String(id), "category": "portability", "team": "employees", "attachments": "2"])
        }
    }

    @Test func theListIsNewestFirstPaginatedAndFilteredByCategory() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            var ids: [Int64] = []
            for (category, subject) in [("question", "Délai de carence ?"), ("employee_exit", "Sortie de Mme Petit"),
                                        ("question", "Attestation employeur"), ("company_details", "Nouveau KBIS")] {
                ids.append(try RequestFixtures.submit(principal, structureID: structure.id, category: category, subject: subject,
                                                      files: category == "question" ? [] : [.file("piece.pdf", SampleFiles.pdf())]))
            }
            let first = try principal.send("GET", "\(Self.requestsPath(structure.id))?page_size=3")
            #expect(first.json["total"] as? Int == 4)
            #expect((first.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == ids.reversed().prefix(3).map { Int($0) })
            let second = try principal.send("GET", "\(Self.requestsPath(structure.id))?page_size=3&page=2")
            #expect((second.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [Int(ids[0])])
            let questions = try principal.send("GET", "\(Self.requestsPath(structure.id))?category=question")
            #expect(questions.json["total"] as? Int == 2)
            #expect((questions.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [Int(ids[2]), Int(ids[0])])
            #expect((questions.json["items"] as? [[String: Any]])?.first?["team"] as? String == "customer_service")
            let unknown = try principal.send("GET", "\(Self.requestsPath(structure.id))?category=vacances")
            #expect(unknown.status == 422)
            #expect(unknown.fieldCodes["category"] == "invalid_value")

            let categories = try principal.send("GET", "/api/v1/request-categories")
            #expect(categories.status == 200)
            #expect(categories.jsonArray.compactMap { $0["code"] as? String }.contains("employee_address"))
            #expect(categories.jsonArray.first { $0["code"] as? String == "sick_leave" }?["team"] as? String == "benefits")
        }
    }

    @Test func aDelegatedUserNeedsTheRequestsRight() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let id = try RequestFixtures.submit(principal, structureID: structure.id)
            let (without, _) = try EmployerDataUsers.signedIn([.init(structureID: structure.id, rights: ["company", "insured", "ij"], grantedBy: nil)])
            let before = try RequestFixtures.counts(structureID: structure.id)
            for response in [
                try Multipart.send(without, Self.requestsPath(structure.id), [.field("category", "question"), .field("subject", "Question"),
                                                                              .field("message", "Bonjour")]),
                try without.send("GET", Self.requestsPath(structure.id)),
                try without.send("GET", "\(Self.requestsPath(structure.id))/\(id)"),
            ] {
                #expect(response.status == 403, "\(response.text)")
                #expect(response.problemCode == "missing_right")
            }
            #expect(try RequestFixtures.counts(structureID: structure.id) == before)

            // With the right, a delegate sees the structure's requests, the principal's included.
            let (with, _) = try EmployerDataUsers.signedIn([.init(structureID: structure.id, rights: ["requests"], grantedBy: nil)])
            #expect(try with.send("GET", Self.requestsPath(structure.id)).json["total"] as? Int == 1)
            let mine = try RequestFixtures.submit(with, structureID: structure.id, category: "question", subject: "Ma question", files: [])
            #expect(try principal.send("GET", "\(Self.requestsPath(structure.id))/\(mine)").json["created_by_name"] as? String == "Délégué Lecteur")
        }
    }

    @Test func anotherStructuresRequestsAreNotFound() async throws {
        try await onDedicatedThread {
            let mine = try Fixtures.structure(name: "SARL MIENNE")
            let theirs = try Fixtures.structure(name: "SARL AUTRE")
            let me = try Fixtures.principal(of: mine)
            let them = try Fixtures.principal(of: theirs)
            let theirRequest = try RequestFixtures.submit(them, structureID: theirs.id)
            let theirDetail = try them.send("GET", "\(Self.requestsPath(theirs.id))/\(theirRequest)")
            let theirAttachment = try #require((theirDetail.json["attachments"] as? [[String: Any]])?.first?["id"] as? Int)
            _ = try RequestFixtures.submit(me, structureID: mine.id)

            // Their request id under my structure, and their structure itself: 404, nothing leaks.
            for path in ["\(Self.requestsPath(mine.id))/\(theirRequest)", "\(Self.requestsPath(mine.id))/\(theirRequest)/attachments/\(theirAttachment)",
                         "\(Self.requestsPath(theirs.id))/\(theirRequest)", Self.requestsPath(theirs.id),
                         "\(Self.requestsPath(theirs.id))/\(theirRequest)/attachments/\(theirAttachment)",
                         "\(Self.requestsPath(mine.id))/abc", "\(Self.requestsPath(mine.id))/0"] {
                let response = try me.send("GET", path)
                #expect(response.status == 404, "\(path): \(response.text)")
                #expect(!response.text.contains("Martin"))
            }
            let before = try RequestFixtures.counts(structureID: theirs.id)
            let posted = try Multipart.send(me, Self.requestsPath(theirs.id), [.field("category", "question"), .field("subject", "Intrusion"),
                                                                               .field("message", "Bonjour")])
            #expect(posted.status == 404)
            #expect(try RequestFixtures.counts(structureID: theirs.id) == before)
            let list = try me.send("GET", Self.requestsPath(mine.id))
            #expect(list.json["total"] as? Int == 1)

            // RLS as the second line: as my user, the database itself shows none of theirs.
            let app = try TestCluster.connect(as: "portal_app")
            let seen: Int = try app.transaction { connection in
                try connection.query("SELECT set_config('app.user_id', $1, true)", [String(try RequestFixtures.userID(of: me))])
                return try connection.query("""
                    SELECT (SELECT count(*) FROM requests WHERE structure_id = $1) + (SELECT count(*) FROM request_attachments WHERE structure_id = $1)
                         + (SELECT count(*) FROM request_events WHERE structure_id = $1)
                    """, [theirs.id]).first!.decode(0)
            }
            #expect(seen == 0)
        }
    }

    @Test func staffAccountsCannotUseEmployerEndpoints() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let id = try RequestFixtures.submit(principal, structureID: structure.id)
            let staff = try RequestFixtures.staff(teams: OCSOTeam.allCases)
            let before = try RequestFixtures.counts(structureID: structure.id)
            for (method, path) in [("GET", "/api/v1/structures"), ("GET", "/api/v1/structures/\(structure.id)"),
                                   ("GET", Self.requestsPath(structure.id)), ("GET", "\(Self.requestsPath(structure.id))/\(id)"),
                                   ("GET", "/api/v1/news"), ("GET", "/api/v1/users"), ("GET", "/api/v1/me/history"),
                                   ("GET", "/api/v1/structures/\(structure.id)/history")] {
                let response = try staff.client.send(method, path)
                #expect(response.status == 403, "\(path): \(response.text)")
                #expect(response.problemCode == "staff_account")
            }
            let posted = try Multipart.send(staff.client, Self.requestsPath(structure.id), [
                .field("category", "question"), .field("subject", "Test"), .field("message", "Bonjour")])
            #expect(posted.problemCode == "staff_account")
            #expect(try RequestFixtures.counts(structureID: structure.id) == before)
            // Their own account endpoints still answer.
            let me = try staff.client.send("GET", "/api/v1/me")
            #expect(me.status == 200)
            #expect((me.json["user"] as? [String: Any])?["kind"] as? String == "staff")
            #expect((me.json["structures"] as? [Any])?.isEmpty == true)
            #expect(try staff.client.send("GET", "/api/v1/request-categories").status == 200)
        }
    }

    @Test func aRequestNeedsAMessageOrAFileAndAllFieldProblemsAreReportedTogether() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let before = try RequestFixtures.counts(structureID: structure.id)

            let empty = try Multipart.send(principal, Self.requestsPath(structure.id), [
                .field("category", "vacances"), .field("subject", "  "), .field("colour", "bleu"),
                // An empty file input: browsers send it with an empty name and no bytes; it is no file.
                .file("", []),
            ])
            #expect(empty.status == 422, "\(empty.text)")
            #expect(empty.problemCode == "validation_failed")
            #expect(empty.fieldCodes == ["category": "invalid_category", "subject": "required", "message": "required", "colour": "unknown_field"])

            let repeated = try Multipart.send(principal, Self.requestsPath(structure.id), [
                .field("category", "question"), .field("category", "enrolment"), .field("subject", "Objet"), .field("message", "Texte"),
                .field("subject", "Objet\u{1}"),
            ])
            #expect(repeated.status == 422)
            #expect(repeated.fieldCodes["category"] == "repeated_field")
            #expect(repeated.fieldCodes["subject"] == "repeated_field")

            let badText = try Multipart.send(principal, Self.requestsPath(structure.id), [
                .field("category", "question"), .field("subject", String(repeating: "x", count: 201)),
                FormPart(name: "message", fileName: nil, contentType: nil, body: [0x66, 0xC3, 0x28]),
            ])
            #expect(badText.status == 422)
            #expect(badText.fieldCodes == ["subject": "too_long", "message": "invalid_encoding"])

            // A file where a text is expected.
            let fileAsText = try Multipart.send(principal, Self.requestsPath(structure.id), [
                .field("category", "question"), .field("subject", "Objet"), .file("message.pdf", SampleFiles.pdf(), name: "message"),
            ])
            #expect(fileAsText.fieldCodes["message"] == "wrong_type")
            #expect(try RequestFixtures.counts(structureID: structure.id) == before)

            // A question needs no file; a file needs no message.
            _ = try RequestFixtures.submit(principal, structureID: structure.id, category: "question", subject: "Question", files: [])
            _ = try RequestFixtures.submit(principal, structureID: structure.id, category: "contributions", subject: "Bordereau T3",
                                           message: nil, files: [.file("bordereau.jpg", SampleFiles.jpeg)])
            #expect(try RequestFixtures.counts(structureID: structure.id).requests == before.requests + 2)
        }
    }

    // MARK: Hostile bodies

    @Test func malformedMultipartBodiesAreRefusedAndWriteNothing() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let path = Self.requestsPath(structure.id)
            let good = Multipart.body([.field("category", "question"), .field("subject", "Objet"), .field("message", "Texte"),
                                       .file("a.pdf", SampleFiles.pdf())])
            let before = try RequestFixtures.counts(structureID: structure.id)

            func send(_ body: [UInt8], contentType: String?) throws -> APIResponse {
                try principal.send("POST", path, body: body, headers: contentType.map { ["content-type": $0] } ?? [:])
            }
            let cases: [(String, [UInt8], String?, Int, String)] = [
                ("no content type", good, nil, 415, "unsupported_media_type"),
                ("JSON", Array("{\"category\":\"question\"}".utf8), "application/json", 415, "unsupported_media_type"),
                ("missing boundary", good, "multipart/form-data", 400, "malformed_multipart"),
                ("empty boundary", good, "multipart/form-data; boundary=", 400, "malformed_multipart"),
                ("boundary too long", good, "multipart/form-data; boundary=" + String(repeating: "b", count: 71), 400, "malformed_multipart"),
                ("unterminated quoted boundary", good, "multipart/form-data; boundary=\"\(Multipart.boundary)", 400, "malformed_multipart"),
                ("wrong boundary", good, "multipart/form-data; boundary=another-boundary", 400, "malformed_multipart"),
                ("truncated in a file", Array(good.prefix(good.count - 60)), "multipart/form-data; boundary=\(Multipart.boundary)",
                 400, "malformed_multipart"),
                ("truncated before the final delimiter", Multipart.body([.field("category", "question"), .field("subject", "Objet"),
                                                                         .field("message", "Texte")], close: false),
                 "multipart/form-data; boundary=\(Multipart.boundary)", 400, "malformed_multipart"),
                ("truncated in the headers", Array("--\(Multipart.boundary)\r\nContent-Disposition: form-da".utf8),
                 "multipart/form-data; boundary=\(Multipart.boundary)", 400, "malformed_multipart"),
                ("empty body", [], "multipart/form-data; boundary=\(Multipart.boundary)", 400, "malformed_multipart"),
                ("no parts", Array("--\(Multipart.boundary)--\r\n".utf8), "multipart/form-data; boundary=\(Multipart.boundary)",
                 400, "malformed_multipart"),
                ("part without disposition", Array("--\(Multipart.boundary)\r\nContent-Type: text/plain\r\n\r\nx\r\n--\(Multipart.boundary)--\r\n".utf8),
                 "multipart/form-data; boundary=\(Multipart.boundary)", 400, "malformed_multipart"),
                ("header without colon", Array("--\(Multipart.boundary)\r\nContent-Disposition form-data\r\n\r\nx\r\n--\(Multipart.boundary)--\r\n".utf8),
                 "multipart/form-data; boundary=\(Multipart.boundary)", 400, "malformed_multipart"),
                // multipart-kit traps on these (the responder would die): found by Fuzz/multipart.
                ("non-ASCII byte in a header name", Array("--\(Multipart.boundary)\r\nContent-Dis\u{EA}position: form-data; name=\"subject\"\r\n\r\nx\r\n--\(Multipart.boundary)--\r\n".utf8),
                 "multipart/form-data; boundary=\(Multipart.boundary)", 400, "malformed_multipart"),
                ("non-ASCII header name in a later part", Multipart.body([.field("category", "question")], close: false)
                    + Array("--\(Multipart.boundary)\r\n\u{FF}: x\r\n\r\ny\r\n--\(Multipart.boundary)--\r\n".utf8),
                 "multipart/form-data; boundary=\(Multipart.boundary)", 400, "malformed_multipart"),
                ("garbage", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }, "multipart/form-data; boundary=\(Multipart.boundary)",
                 400, "malformed_multipart"),
            ]
            for (label, body, contentType, status, code) in cases {
                let response = try send(body, contentType: contentType)
                #expect(response.status == status, "\(label): \(response.text)")
                #expect(response.problemCode == code, "\(label)")
                #expect(response.header("Content-Type")?.hasPrefix("application/problem+json") == true)
            }
            // A quoted boundary and extra parameters are fine.
            let quoted = try send(good, contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"\(Multipart.boundary)\"")
            #expect(quoted.status == 201, "\(quoted.text)")
            #expect(try RequestFixtures.counts(structureID: structure.id).requests == before.requests + 1)
        }
    }

    @Test func anExecutableCalledPDFAnEmptyFileAndSixFilesAreRefused() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let path = Self.requestsPath(structure.id)
            let fields: [FormPart] = [.field("category", "sick_leave"), .field("subject", "Prolongation"), .field("message", "Ci-joint")]
            let before = try RequestFixtures.counts(structureID: structure.id)

            let elf = try Multipart.send(principal, path, fields + [.file("arret.pdf", SampleFiles.pdf()),
                                                                    .file("scan.pdf", SampleFiles.elf, contentType: "application/pdf")])
            #expect(elf.status == 422, "\(elf.text)")
            #expect(elf.problemCode == "unsupported_file_type")
            #expect(elf.fieldCodes == ["attachments[2]": "unsupported_file_type"])
            #expect(elf.text.contains("scan.pdf"))

            for (label, content) in [("GIF", Array("GIF89a....".utf8)), ("text", Array("%PDF".utf8)), ("HTML", Array("<html><script>".utf8))] {
                let refused = try Multipart.send(principal, path, fields + [.file("piece.pdf", content)])
                #expect(refused.problemCode == "unsupported_file_type", "\(label)")
            }

            let empty = try Multipart.send(principal, path, fields + [.file("vide.pdf", [])])
            #expect(empty.status == 422)
            #expect(empty.problemCode == "empty_file")

            let six = try Multipart.send(principal, path, fields + (1...6).map { .file("piece\($0).pdf", SampleFiles.pdf()) })
            #expect(six.status == 422)
            #expect(six.problemCode == "too_many_files")

            // File and field problems come together.
            let both = try Multipart.send(principal, path, [.field("category", "vacances"), .field("subject", "Objet"),
                                                            .file("x.exe", SampleFiles.elf)])
            #expect(both.problemCode == "unsupported_file_type")
            #expect(both.fieldCodes == ["attachments[1]": "unsupported_file_type", "category": "invalid_category"])
            #expect(try RequestFixtures.counts(structureID: structure.id) == before)

            let five = try Multipart.send(principal, path, fields + (1...5).map { .file("piece\($0).pdf", SampleFiles.pdf("p\($0)")) })
            #expect(five.status == 201)
            #expect(five.json["attachment_count"] as? Int == 5)
        }
    }

    @Test func oversizedFilesAre413AndWriteNothing() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let path = Self.requestsPath(structure.id)
            let fields: [FormPart] = [.field("category", "contributions"), .field("subject", "Bordereaux"), .field("message", "Ci-joints")]
            let before = try RequestFixtures.counts(structureID: structure.id)

            let big = try Multipart.send(principal, path, fields + [.file("gros.pdf", SampleFiles.pdf(size: (10 << 20) + 1))])
            #expect(big.status == 413, "\(big.text)")
            #expect(big.problemCode == "attachment_too_large")
            #expect(big.fieldCodes == ["attachments[1]": "attachment_too_large"])

            let nine = SampleFiles.pdf(size: 9 << 20)
            let total = try Multipart.send(principal, path, fields + [.file("a.pdf", nine), .file("b.pdf", nine), .file("c.pdf", nine)])
            #expect(total.status == 413)
            #expect(total.problemCode == "attachments_too_large")
            #expect(try RequestFixtures.counts(structureID: structure.id) == before)

            // Right at the limits it goes through, and the stored bytes are the sent ones.
            let ten = SampleFiles.pdf(size: 10 << 20)
            let accepted = try Multipart.send(principal, path, fields + [.file("a.pdf", ten), .file("b.pdf", ten), .file("c.pdf", SampleFiles.pdf(size: 5 << 20))])
            #expect(accepted.status == 201, "\(accepted.text)")
            let id = try #require(accepted.json["id"] as? Int)
            let sizes: [Int] = try RequestFixtures.owner().query("SELECT size FROM request_attachments WHERE request_id = $1 ORDER BY id", [id])
                .map { try $0.decode(0) }
            #expect(sizes == [10 << 20, 10 << 20, 5 << 20])
        }
    }

    @Test func fileNamesAreSanitisedNeverPaths() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let sent = try Multipart.send(principal, Self.requestsPath(structure.id), [
                .field("category", "enrolment"), .field("subject", "Bulletins"), .field("message", "Trois bulletins"),
                .file("../../../etc/passwd", SampleFiles.pdf()),
                .file("..\\..\\boot.ini\u{1}\u{7F}\u{85}", SampleFiles.png),
                .file("re\\\"çu\u{202E}gpj.exe", SampleFiles.jpeg),
                .file("/", SampleFiles.pdf("4")),
            ])
            #expect(sent.status == 201, "\(sent.text)")
            let names = (sent.json["attachments"] as? [[String: Any]] ?? []).compactMap { $0["file_name"] as? String }
            #expect(names == ["passwd.pdf", "boot.ini.png", "re\"çugpj.exe.jpg", "piece-jointe-4.pdf"])
            let stored: [String] = try RequestFixtures.owner().query("SELECT file_name FROM request_attachments WHERE structure_id = $1 ORDER BY id",
                                                                     [structure.id]).map { try $0.decode(0) }
            #expect(stored == names)
            for name in stored {
                #expect(!name.contains("/") && !name.contains("\\") && !name.hasPrefix("."))
                #expect(!name.unicodeScalars.contains { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format })
            }
            let id = try #require(sent.json["id"] as? Int)
            let third = try #require((sent.json["attachments"] as? [[String: Any]])?[2]["id"] as? Int)
            let download = try principal.send("GET", "\(Self.requestsPath(structure.id))/\(id)/attachments/\(third)")
            #expect(download.header("Content-Type") == "image/jpeg")
            #expect(download.header("Content-Disposition") == "attachment; filename=\"re__ugpj.exe.jpg\"; filename*=UTF-8''re%22%C3%A7ugpj.exe.jpg")
        }
    }

    @Test func csrfAndSessionAreRequiredAndJSONBodiesStayUnderOneMebibyte() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let before = try RequestFixtures.counts(structureID: structure.id)
            let body = Multipart.body([.field("category", "question"), .field("subject", "Objet"), .field("message", "Texte")])
            let noCSRF = try principal.send("POST", Self.requestsPath(structure.id), body: body, headers: Multipart.headers(), csrf: false)
            #expect(noCSRF.problemCode == "csrf_token_invalid")
            let anonymous = try APIClient()
            #expect(try anonymous.send("POST", Self.requestsPath(structure.id), body: body, headers: Multipart.headers()).status == 401)
            #expect(try anonymous.send("GET", Self.requestsPath(structure.id)).status == 401)
            #expect(try RequestFixtures.counts(structureID: structure.id) == before)

            let large = Array("{\"job_title\":\"".utf8) + [UInt8](repeating: 0x61, count: 1 << 20) + Array("\"}".utf8)
            let refused = try principal.send("PATCH", "/api/v1/me", body: large, headers: ["content-type": "application/json"])
            #expect(refused.status == 413)
            #expect(refused.problemCode == "payload_too_large")
        }
    }

    @Test func theDatabaseRefusesWhatTheApplicationRefuses() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let id = try RequestFixtures.submit(principal, structureID: structure.id)
            let owner = try RequestFixtures.owner()
            func refused(_ sql: String, _ binds: [any PostgresBindable]) -> String? {
                do {
                    try owner.transaction { try $0.execute(sql, binds) }
                    return nil
                } catch let error as PostgresError {
                    return error.sqlState
                } catch {
                    return "?"
                }
            }
            let insert = "INSERT INTO request_attachments (structure_id, request_id, file_name, content_type, content) VALUES ($1, $2, $3, $4, $5)"
            #expect(refused(insert, [structure.id, id, "scan.pdf", "application/pdf", SampleFiles.elf]) == "23514")
            #expect(refused(insert, [structure.id, id, "scan.png", "image/png", SampleFiles.jpeg]) == "23514")
            #expect(refused(insert, [structure.id, id, "../scan.pdf", "application/pdf", SampleFiles.pdf()]) == "23514")
            #expect(refused(insert, [structure.id, id, "scan\u{1}.pdf", "application/pdf", SampleFiles.pdf()]) == "23514")
            #expect(refused(insert, [structure.id, id, "vide.pdf", "application/pdf", [UInt8]()]) == "23514")
            #expect(refused(insert, [structure.id, id, "scan.gif", "image/gif", Array("GIF89a".utf8)]) == "23514")
            #expect(refused(insert, [structure.id, id, "ok.pdf", "application/pdf", SampleFiles.pdf()]) == nil)
            #expect(refused("UPDATE requests SET category = 'vacances' WHERE id = $1", [id]) == "23514")
            #expect(refused("UPDATE requests SET status = 'done' WHERE id = $1", [id]) == "23514") // skips in_progress

            // The application role may not rewrite history, even on its own structure.
            let app = try TestCluster.connect(as: "portal_app")
            let userID = try RequestFixtures.userID(of: principal)
            for sql in ["UPDATE request_events SET body = 'x' WHERE request_id = $1", "DELETE FROM request_attachments WHERE request_id = $1",
                        "UPDATE requests SET subject = 'x' WHERE id = $1", "DELETE FROM requests WHERE id = $1"] {
                let state: String? = {
                    do {
                        try app.transaction { connection in
                            try connection.query("SELECT set_config('app.user_id', $1, true)", [String(userID)])
                            try connection.execute(sql, [id])
                        }
                        return nil
                    } catch let error as PostgresError {
                        return error.sqlState
                    } catch {
                        return "?"
                    }
                }()
                #expect(state == "42501", "\(sql)")
            }
            // Nor can an employer move a status (the staff policy does not apply to them).
            let moved = try app.transaction { connection in
                try connection.query("SELECT set_config('app.user_id', $1, true)", [String(userID)])
                return try connection.execute("UPDATE requests SET status = 'in_progress' WHERE id = $1", [id])
            }
            #expect(moved == 0)
        }
    }
}
