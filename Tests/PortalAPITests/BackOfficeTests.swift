import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

/// The OCSO back-office (issue 6): staff accounts, their teams' queue, replies with files,
/// status changes, mails to the requester, news — and the walls between staff and employers.
@Suite(.serialized) struct BackOfficeTests {
    static let queue = "/api/v1/backoffice/requests"

    /// A structure with its principal, who sent one request of `category` with a PDF.
    static func employerWithRequest(category: String = "portability", name: String = "SARL GUICHET")
        throws -> (structure: Fixtures.Structure, principal: APIClient, email: String, requestID: Int64) {
        let structure = try Fixtures.structure(name: name)
        let email = Fixtures.uniqueEmail("employeur")
        let principal = try Fixtures.principal(of: structure, email: email)
        let id = try RequestFixtures.submit(principal, structureID: structure.id, category: category)
        return (structure, principal, email, id)
    }

    @Test func staffAccountsLogInChangeTheirTemporaryPasswordAndNeverGetStructureAccess() async throws {
        try await onDedicatedThread {
            let email = Fixtures.uniqueEmail("Nouveau.Staff").uppercased()
            let created = try StaffAdministration(connection: RequestFixtures.owner(), hasher: .minimal)
                .create(.init(email: email, teams: ["employees", "benefits"], firstName: "Inès", lastName: "Opérations"))
            #expect(created.email == email.lowercased())
            #expect(created.teams == [.employees, .benefits])
            #expect(throws: StaffAdministration.Failure.emailTaken) {
                try StaffAdministration(connection: RequestFixtures.owner(), hasher: .minimal).create(.init(email: email, teams: ["companies"]))
            }
            #expect(throws: ValidationFailure.self) {
                try StaffAdministration(connection: RequestFixtures.owner(), hasher: .minimal)
                    .create(.init(email: Fixtures.uniqueEmail(), teams: ["marketing"]))
            }

            let client = try APIClient()
            let login = try client.send("POST", "/api/v1/session", json: ["email": email, "password": created.temporaryPassword])
            #expect(login.status == 200)
            #expect(login.json["must_change_password"] as? Bool == true)
            #expect((login.json["user"] as? [String: Any])?["kind"] as? String == "staff")
            #expect((login.json["user"] as? [String: Any])?["teams"] as? [String] == ["employees", "benefits"])
            #expect(try client.send("GET", Self.queue).problemCode == "password_change_required")
            let changed = try client.send("POST", "/api/v1/me/password",
                                          json: ["current_password": created.temporaryPassword, "new_password": Fixtures.strongPassword])
            #expect(changed.status == 200)
            #expect(try client.send("GET", Self.queue).status == 200)
            #expect(try client.send("DELETE", "/api/v1/session").status == 204)

            // The database refuses structure access for staff, whoever writes.
            let structure = try Fixtures.structure()
            #expect(throws: PostgresError.self) {
                try RequestFixtures.owner().execute("""
                    INSERT INTO structure_access (structure_id, user_id, role, rights) VALUES ($1, $2, 'delegated', '{requests}')
                    """, [structure.id, created.userID])
            }
            // An employer account cannot be turned into staff while it has structures.
            let principal = try Fixtures.principal(of: structure)
            let principalID = try RequestFixtures.userID(of: principal)
            #expect(throws: PostgresError.self) {
                try RequestFixtures.owner().execute("UPDATE users SET kind = 'staff', teams = '{employees}' WHERE id = $1", [principalID])
            }
            let audited: Int = try RequestFixtures.owner().query(
                "SELECT count(*) FROM audit_events WHERE action = 'staff.create' AND details->>'user_id' = $1", [String(created.userID)])
                .first!.decode(0)
            #expect(audited == 1)
        }
    }

    @Test func staffSeeTheirTeamsRequestsWithFilters() async throws {
        try await onDedicatedThread {
            let a = try Self.employerWithRequest(category: "portability", name: "SARL FILE A")
            let b = try Self.employerWithRequest(category: "employee_exit", name: "SARL FILE B")
            let question = try RequestFixtures.submit(a.principal, structureID: a.structure.id, category: "question", subject: "Question",
                                                      files: [])
            let staff = try RequestFixtures.staff(teams: [.employees])

            let list = try staff.client.send("GET", "\(Self.queue)?page_size=100")
            #expect(list.status == 200, "\(list.text)")
            let ids = (list.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            #expect(ids.contains(Int(a.requestID)) && ids.contains(Int(b.requestID)))
            #expect(!ids.contains(Int(question))) // customer service's
            // Newest first: B was sent after A.
            #expect(try #require(ids.firstIndex(of: Int(b.requestID))) < (try #require(ids.firstIndex(of: Int(a.requestID)))))
            let item = try #require((list.json["items"] as? [[String: Any]])?.first { $0["id"] as? Int == Int(a.requestID) })
            let structure = try #require(item["structure"] as? [String: Any])
            #expect(structure["name"] as? String == "SARL FILE A")
            #expect(structure["client_number"] as? String == a.structure.clientNumber)

            let byStructure = try staff.client.send("GET", "\(Self.queue)?structure=\(b.structure.id)")
            #expect((byStructure.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [Int(b.requestID)])
            let byStatus = try staff.client.send("GET", "\(Self.queue)?status=done&structure=\(a.structure.id)")
            #expect(byStatus.json["total"] as? Int == 0)
            let byTeam = try staff.client.send("GET", "\(Self.queue)?team=employees&structure=\(a.structure.id)")
            #expect(byTeam.json["total"] as? Int == 1)
            let otherTeam = try staff.client.send("GET", "\(Self.queue)?team=customer_service")
            #expect(otherTeam.status == 403)
            #expect(otherTeam.problemCode == "other_team")
            let badFilter = try staff.client.send("GET", "\(Self.queue)?team=marketing&status=lost&structure=abc&colour=1")
            #expect(badFilter.status == 422)
            #expect(badFilter.fieldCodes == ["team": "invalid_value", "status": "invalid_value", "structure": "out_of_range",
                                             "colour": "unknown_parameter"])

            // The detail: message, files, history, who sent it and where replies go.
            let detail = try staff.client.send("GET", "\(Self.queue)/\(a.requestID)")
            #expect(detail.status == 200)
            #expect(detail.json["message"] as? String == "Veuillez trouver le formulaire.")
            let requester = try #require(detail.json["requester"] as? [String: Any])
            #expect(requester["email"] as? String == a.email)
            #expect(requester["name"] as? String == "Éloise Dupont")
            let attachment = try #require((detail.json["attachments"] as? [[String: Any]])?.first)
            let download = try staff.client.send("GET", "\(Self.queue)/\(a.requestID)/attachments/\(attachment["id"] as? Int ?? 0)")
            #expect(download.status == 200)
            #expect(download.body == SampleFiles.pdf())
            let downloads: Int = try RequestFixtures.owner().query("""
                SELECT count(*) FROM audit_events WHERE action = 'backoffice.attachment_download' AND actor_user_id = $1 AND structure_id = $2
                """, [staff.id, a.structure.id]).first!.decode(0)
            #expect(downloads == 1)

            // A supervisor of several teams sees both.
            let supervisor = try RequestFixtures.staff(teams: [.employees, .customerService])
            let all = try supervisor.client.send("GET", "\(Self.queue)?structure=\(a.structure.id)")
            #expect(all.json["total"] as? Int == 2)
        }
    }

    @Test func aReplyWithAFileReachesTheEmployerAndTheirMailbox() async throws {
        try await onDedicatedThread {
            let employer = try Self.employerWithRequest(category: "portability")
            let staff = try RequestFixtures.staff(teams: [.employees], firstName: "Marie", lastName: "Durand")
            let mailsBefore = try RequestFixtures.mailCount(to: employer.email)
            let answer = SampleFiles.pdf("Attestation de portabilité")
            let replied = try Multipart.send(staff.client, "\(Self.queue)/\(employer.requestID)/replies", [
                .field("message", "Bonjour,\nle dossier est complet. Attestation ci-jointe."),
                .file("attestation.pdf", answer, contentType: "application/pdf"),
            ])
            #expect(replied.status == 201, "\(replied.text)")
            #expect(replied.header("Location") == "\(Self.queue)/\(employer.requestID)")
            let events = try #require(replied.json["events"] as? [[String: Any]])
            #expect(events.map { $0["kind"] as? String } == ["status", "reply"])
            #expect(events.last?["author_name"] as? String == "Marie Durand")
            #expect(events.last?["author_kind"] as? String == "staff")
            #expect((events.last?["attachments"] as? [[String: Any]])?.first?["file_name"] as? String == "attestation.pdf")
            #expect(replied.json["status"] as? String == "received") // a reply does not move the status

            // The employer sees the reply and downloads its file.
            let seen = try employer.principal.send("GET", "/api/v1/structures/\(employer.structure.id)/requests/\(employer.requestID)")
            let reply = try #require((seen.json["events"] as? [[String: Any]])?.last)
            #expect(reply["body"] as? String == "Bonjour,\nle dossier est complet. Attestation ci-jointe.")
            #expect(seen.json["reply_count"] as? Int == 1)
            #expect((seen.json["attachments"] as? [[String: Any]])?.count == 1) // the request's own file only
            let fileID = try #require((reply["attachments"] as? [[String: Any]])?.first?["id"] as? Int)
            let download = try employer.principal.send("GET", "/api/v1/structures/\(employer.structure.id)/requests/\(employer.requestID)/attachments/\(fileID)")
            #expect(download.body == answer)

            // The mail, from the same transaction, says there is a reply without carrying it.
            #expect(try RequestFixtures.mailCount(to: employer.email) == mailsBefore + 1)
            let mail = try #require(try Fixtures.lastMail(to: employer.email))
            #expect(mail.subject == "Réponse à votre démarche n° \(employer.requestID) — Espace Employeur OCSO")
            #expect(mail.body.contains("Portabilité de M. Martin"))
            #expect(!mail.body.contains("dossier est complet"))

            // Audited on the structure: the employer's principal sees it in the structure's history.
            let history = try employer.principal.send("GET", "/api/v1/structures/\(employer.structure.id)/history")
            let entry = (history.json["items"] as? [[String: Any]])?.first { $0["action"] as? String == "backoffice.request_reply" }
            #expect(entry?["actor_user_id"] as? Int == Int(staff.id))
        }
    }

    @Test func repliesAreCheckedLikeRequests() async throws {
        try await onDedicatedThread {
            let employer = try Self.employerWithRequest()
            let staff = try RequestFixtures.staff(teams: [.employees])
            let path = "\(Self.queue)/\(employer.requestID)/replies"
            let before = try RequestFixtures.counts(structureID: employer.structure.id)
            let mails = try RequestFixtures.mailCount(to: employer.email)

            let noText = try Multipart.send(staff.client, path, [.file("a.pdf", SampleFiles.pdf())])
            #expect(noText.status == 422)
            #expect(noText.fieldCodes == ["message": "required"])
            let elf = try Multipart.send(staff.client, path, [.field("message", "Voici"), .file("note.pdf", SampleFiles.elf)])
            #expect(elf.problemCode == "unsupported_file_type")
            let six = try Multipart.send(staff.client, path, [.field("message", "Voici")] + (1...6).map { .file("p\($0).pdf", SampleFiles.pdf()) })
            #expect(six.problemCode == "too_many_files")
            let big = try Multipart.send(staff.client, path, [.field("message", "Voici"), .file("gros.pdf", SampleFiles.pdf(size: (10 << 20) + 1))])
            #expect(big.status == 413)
            let truncated = Array(Multipart.body([.field("message", "Voici"), .file("a.pdf", SampleFiles.pdf())]).dropLast(30))
            #expect(try staff.client.send("POST", path, body: truncated, headers: Multipart.headers()).problemCode == "malformed_multipart")
            let json = try staff.client.send("POST", path, json: ["message": "Voici"])
            #expect(json.status == 415)
            #expect(try RequestFixtures.counts(structureID: employer.structure.id) == before)
            #expect(try RequestFixtures.mailCount(to: employer.email) == mails)
        }
    }

    @Test func statusMovesForwardOneStepAtATimeWithWhoAndWhen() async throws {
        try await onDedicatedThread {
            let employer = try Self.employerWithRequest(category: "sick_leave")
            let staff = try RequestFixtures.staff(teams: [.benefits], firstName: "Paul", lastName: "Prestations")
            let path = "\(Self.queue)/\(employer.requestID)"
            let mails = try RequestFixtures.mailCount(to: employer.email)

            let skip = try staff.client.send("PATCH", path, json: ["status": "done"])
            #expect(skip.status == 409, "\(skip.text)")
            #expect(skip.problemCode == "invalid_status_transition")
            let unknown = try staff.client.send("PATCH", path, json: ["status": "archived"])
            #expect(unknown.status == 422)
            #expect(unknown.fieldCodes == ["status": "invalid_value"])
            let extra = try staff.client.send("PATCH", path, json: ["status": "in_progress", "team": "companies"])
            #expect(extra.fieldCodes == ["team": "unknown_field"])
            #expect(try RequestFixtures.mailCount(to: employer.email) == mails)

            let started = try staff.client.send("PATCH", path, json: ["status": "in_progress"])
            #expect(started.status == 200, "\(started.text)")
            #expect(started.json["status"] as? String == "in_progress")
            let again = try staff.client.send("PATCH", path, json: ["status": "in_progress"])
            #expect(again.status == 200) // a retried PATCH changes nothing
            let done = try staff.client.send("PATCH", path, json: ["status": "done"])
            #expect(done.json["status"] as? String == "done")
            let back = try staff.client.send("PATCH", path, json: ["status": "received"])
            #expect(back.problemCode == "invalid_status_transition")

            let events = (done.json["events"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "status" }
            #expect(events.map { $0["status"] as? String } == ["received", "in_progress", "done"])
            #expect(events.last?["author_name"] as? String == "Paul Prestations")
            let row = try RequestFixtures.owner().query("SELECT status_changed_by, status_changed_at > created_at - interval '1 second' FROM requests WHERE id = $1",
                                                        [employer.requestID]).first!
            #expect(try row.decode(0, as: Int64.self) == staff.id)
            #expect(try row.decode(1, as: Bool.self))

            // Two mails (in progress, done), none for the no-op.
            #expect(try RequestFixtures.mailCount(to: employer.email) == mails + 2)
            #expect(try Fixtures.lastMail(to: employer.email)?.subject == "Votre démarche n° \(employer.requestID) : traitée — Espace Employeur OCSO")
            // The employer sees the status and its history.
            let seen = try employer.principal.send("GET", "/api/v1/structures/\(employer.structure.id)/requests/\(employer.requestID)")
            #expect(seen.json["status"] as? String == "done")
            #expect(seen.json["status_label"] as? String == "Traitée")

            // Done is closed to replies.
            let late = try Multipart.send(staff.client, "\(path)/replies", [.field("message", "Encore un mot")])
            #expect(late.status == 409)
            #expect(late.problemCode == "request_closed")
            let audited: Int = try RequestFixtures.owner().query(
                "SELECT count(*) FROM audit_events WHERE action = 'backoffice.request_status' AND details->>'request_id' = $1",
                [String(employer.requestID)]).first!.decode(0)
            #expect(audited == 2)

            // The database refuses a backward move whoever writes it.
            #expect(throws: PostgresError.self) {
                try RequestFixtures.owner().execute("UPDATE requests SET status = 'received' WHERE id = $1", [employer.requestID])
            }
        }
    }

    @Test func staffOfAnotherTeamCannotSeeReplyToOrMoveARequest() async throws {
        try await onDedicatedThread {
            let employer = try Self.employerWithRequest(category: "company_details")
            let outsider = try RequestFixtures.staff(teams: [.employees, .contributions])
            let insider = try RequestFixtures.staff(teams: [.companies])
            let path = "\(Self.queue)/\(employer.requestID)"
            let attachment = try #require((try insider.client.send("GET", path).json["attachments"] as? [[String: Any]])?.first?["id"] as? Int)
            let before = try RequestFixtures.counts(structureID: employer.structure.id)
            let mails = try RequestFixtures.mailCount(to: employer.email)

            for response in [
                try outsider.client.send("GET", path),
                try outsider.client.send("GET", "\(path)/attachments/\(attachment)"),
                try outsider.client.send("PATCH", path, json: ["status": "in_progress"]),
                try Multipart.send(outsider.client, "\(path)/replies", [.field("message", "Pas mon équipe")]),
            ] {
                #expect(response.status == 404, "\(response.text)")
                #expect(!response.text.contains("SARL GUICHET"))
            }
            let list = try outsider.client.send("GET", "\(Self.queue)?structure=\(employer.structure.id)")
            #expect(list.json["total"] as? Int == 0)
            #expect(try RequestFixtures.counts(structureID: employer.structure.id) == before)
            #expect(try RequestFixtures.mailCount(to: employer.email) == mails)

            // RLS as the second line: as the outsider, the database shows nothing of it, not even
            // the structure or the requester.
            let app = try TestCluster.connect(as: "portal_app")
            let seen: Int = try app.transaction { connection in
                try connection.query("SELECT set_config('app.user_id', $1, true)", [String(outsider.id)])
                return try connection.query("""
                    SELECT (SELECT count(*) FROM requests WHERE id = $1) + (SELECT count(*) FROM request_events WHERE request_id = $1)
                         + (SELECT count(*) FROM request_attachments WHERE request_id = $1)
                         + (SELECT count(*) FROM structures WHERE id = $2)
                         + (SELECT count(*) FROM users WHERE email = $3)
                    """, [employer.requestID, employer.structure.id, employer.email]).first!.decode(0)
            }
            #expect(seen == 0)
            let updated = try app.transaction { connection in
                try connection.query("SELECT set_config('app.user_id', $1, true)", [String(outsider.id)])
                return try connection.execute("UPDATE requests SET status = 'in_progress' WHERE id = $1", [employer.requestID])
            }
            #expect(updated == 0)
            #expect(try Multipart.send(insider.client, "\(path)/replies", [.field("message", "Mon équipe")]).status == 201)
        }
    }

    @Test func employersNeverReachTheBackOffice() async throws {
        try await onDedicatedThread {
            let employer = try Self.employerWithRequest()
            let before = try RequestFixtures.counts(structureID: employer.structure.id)
            let newsBefore: Int = try RequestFixtures.owner().query("SELECT count(*) FROM news").first!.decode(0)
            let path = "\(Self.queue)/\(employer.requestID)"
            for (method, target, json) in [("GET", Self.queue, nil), ("GET", path, nil), ("PATCH", path, ["status": "in_progress"]),
                                           ("GET", "/api/v1/backoffice/news", nil),
                                           ("POST", "/api/v1/backoffice/news", ["title": "Fausse", "body": "Actualité"]),
                                           ("DELETE", "/api/v1/backoffice/news/1", nil)] as [(String, String, [String: Any]?)] {
                let response = try employer.principal.send(method, target, json: json)
                #expect(response.status == 403, "\(method) \(target): \(response.text)")
                #expect(response.problemCode == "backoffice_only")
            }
            let reply = try Multipart.send(employer.principal, "\(path)/replies", [.field("message", "Je me réponds")])
            #expect(reply.problemCode == "backoffice_only")
            #expect(try RequestFixtures.counts(structureID: employer.structure.id) == before)
            #expect(try RequestFixtures.owner().query("SELECT count(*) FROM news").first!.decode(0, as: Int.self) == newsBefore)
            #expect(try APIClient().send("GET", Self.queue).status == 401)
        }
    }

    @Test func staffPublishAndWithdrawNews() async throws {
        try await onDedicatedThread {
            let staff = try RequestFixtures.staff(teams: [.customerService])
            let structure = try Fixtures.structure()
            let employer = try Fixtures.principal(of: structure)
            let title = "Nouveau taux de cotisation \(UUID().uuidString.prefix(6))"

            let invalid = try staff.client.send("POST", "/api/v1/backoffice/news", json: ["title": " ", "body": "", "author": "x"])
            #expect(invalid.status == 422)
            #expect(invalid.fieldCodes == ["title": "required", "body": "required", "author": "unknown_field"])
            let noCSRF = try staff.client.send("POST", "/api/v1/backoffice/news", json: ["title": title, "body": "Texte"], csrf: false)
            #expect(noCSRF.problemCode == "csrf_token_invalid")

            let published = try staff.client.send("POST", "/api/v1/backoffice/news",
                                                  json: ["title": title, "body": "Au 1er janvier, le taux évolue.\nDétails à venir."])
            #expect(published.status == 201, "\(published.text)")
            let id = try #require(published.json["id"] as? Int)
            #expect(published.header("Location") == "/api/v1/backoffice/news/\(id)")
            #expect(published.json["withdrawn_at"] is NSNull)
            let news = try employer.send("GET", "/api/v1/news?page_size=100")
            #expect((news.json["items"] as? [[String: Any]])?.contains { $0["title"] as? String == title } == true)

            #expect(try staff.client.send("DELETE", "/api/v1/backoffice/news/\(id)").status == 204)
            #expect(try staff.client.send("DELETE", "/api/v1/backoffice/news/\(id)").status == 204) // already withdrawn: unchanged
            #expect(try staff.client.send("DELETE", "/api/v1/backoffice/news/999999999").status == 404)
            let after = try employer.send("GET", "/api/v1/news?page_size=100")
            #expect((after.json["items"] as? [[String: Any]])?.contains { $0["title"] as? String == title } == false)
            let desk = try staff.client.send("GET", "/api/v1/backoffice/news?page_size=100")
            let withdrawn = (desk.json["items"] as? [[String: Any]])?.first { $0["id"] as? Int == id }
            #expect(withdrawn?["withdrawn_at"] is String)

            let row = try RequestFixtures.owner().query("SELECT published_by, withdrawn_by FROM news WHERE id = $1", [id]).first!
            #expect(try row.decode(0, as: Int64.self) == staff.id)
            #expect(try row.decode(1, as: Int64.self) == staff.id)
            let audited: Int = try RequestFixtures.owner().query("""
                SELECT count(*) FROM audit_events WHERE actor_user_id = $1 AND action IN ('backoffice.news_publish', 'backoffice.news_withdraw')
                """, [staff.id]).first!.decode(0)
            #expect(audited == 2)
        }
    }
}
