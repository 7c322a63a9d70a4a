import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

// Fixtures of the démarches and back-office tests (issue 6): multipart bodies built by hand (so
// the parser under test is not also the encoder), small files of each accepted type, staff
// accounts, and row counts that show nothing was written after a refusal.

/// One part of a hand-built multipart body.
struct FormPart {
    var name: String
    var fileName: String?
    var contentType: String?
    var body: [UInt8]

    static func field(_ name: String, _ value: String) -> FormPart {
        FormPart(name: name, fileName: nil, contentType: nil, body: Array(value.utf8))
    }

    static func file(_ fileName: String?, _ content: [UInt8], name: String = "attachments",
                     contentType: String = "application/octet-stream") -> FormPart {
        FormPart(name: name, fileName: fileName, contentType: contentType, body: content)
    }
}

enum Multipart {
    static let boundary = "----PortalTestBoundary7MA4YWxkTrZu0gW"

    /// The body, its Content-Type header, ready for `APIClient.send`. `fileName` is written
    /// between quotes exactly as given (escape `"` yourself).
    static func body(_ parts: [FormPart], boundary: String = boundary, close: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let fileName = part.fileName { head += "; filename=\"\(fileName)\"" }
            head += "\r\n"
            if let type = part.contentType { head += "Content-Type: \(type)\r\n" }
            head += "\r\n"
            bytes += Array(head.utf8) + part.body + Array("\r\n".utf8)
        }
        if close { bytes += Array("--\(boundary)--\r\n".utf8) }
        return bytes
    }

    static func headers(boundary: String = boundary) -> [String: String] {
        ["content-type": "multipart/form-data; boundary=\(boundary)"]
    }

    @discardableResult
    static func send(_ client: APIClient, _ target: String, _ parts: [FormPart]) throws -> APIResponse {
        try client.send("POST", target, body: body(parts), headers: headers())
    }
}

/// Small files whose first bytes are those of their type.
enum SampleFiles {
    static func pdf(_ text: String = "Bulletin d'adhésion") -> [UInt8] {
        Array("%PDF-1.4\n% \(text)\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
    }

    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0x00, 0x01, 0x01, 0xFF, 0xD9]
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D] + Array("IHDR".utf8) + [UInt8](repeating: 7, count: 17)
    /// An ELF executable's header: what a "scan.pdf" must not be.
    static let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00] + [UInt8](repeating: 0, count: 56)

    /// A PDF of exactly `size` bytes.
    static func pdf(size: Int) -> [UInt8] {
        var bytes = Array("%PDF-1.4\n".utf8)
        bytes += [UInt8](repeating: 0x20, count: size - bytes.count)
        return bytes
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { Sodium.hex(Sodium.sha256(bytes)) }
}

enum RequestFixtures {
    static func owner() throws -> PostgresConnection { try TestCluster.connect(as: "portal_owner") }

    /// Rows of the démarches tables for a structure, and mails to an address: what a refused
    /// request must leave unchanged.
    struct Counts: Equatable, CustomStringConvertible {
        let requests: Int
        let events: Int
        let attachments: Int
        let audits: Int
        var description: String { "requests=\(requests) events=\(events) attachments=\(attachments) audits=\(audits)" }
    }

    static func counts(structureID: Int64) throws -> Counts {
        let row = try owner().query("""
            SELECT (SELECT count(*) FROM requests WHERE structure_id = $1),
                   (SELECT count(*) FROM request_events WHERE structure_id = $1),
                   (SELECT count(*) FROM request_attachments WHERE structure_id = $1),
                   (SELECT count(*) FROM audit_events WHERE structure_id = $1 AND action LIKE '%request%')
            """, [structureID]).first!
        return Counts(requests: try row.decode(0), events: try row.decode(1), attachments: try row.decode(2), audits: try row.decode(3))
    }

    static func mailCount(to recipient: String) throws -> Int {
        try owner().query("SELECT count(*) FROM mail_outbox WHERE recipient = $1", [recipient]).first!.decode(0)
    }

    static func userID(of client: APIClient) throws -> Int64 {
        let me = try client.send("GET", "/api/v1/me")
        guard let user = me.json["user"] as? [String: Any], let id = user["id"] as? Int else {
            throw Fixtures.FixtureError(step: "GET /me", response: me)
        }
        return Int64(id)
    }

    static func email(of client: APIClient) throws -> String {
        let me = try client.send("GET", "/api/v1/me")
        guard let user = me.json["user"] as? [String: Any], let email = user["email"] as? String else {
            throw Fixtures.FixtureError(step: "GET /me", response: me)
        }
        return email
    }

    /// A staff account made as `portalctl staff create` makes it, signed in, password changed.
    static func staff(teams: [OCSOTeam], firstName: String = "Camille", lastName: String = "Gestion") throws -> (client: APIClient, id: Int64, email: String) {
        let email = Fixtures.uniqueEmail("staff")
        let created = try StaffAdministration(connection: owner(), hasher: .minimal)
            .create(.init(email: email, teams: teams.map(\.rawValue), firstName: firstName, lastName: lastName))
        let client = try APIClient()
        let login = try client.send("POST", "/api/v1/session", json: ["email": email, "password": created.temporaryPassword])
        guard login.status == 200 else { throw Fixtures.FixtureError(step: "staff login", response: login) }
        let change = try client.send("POST", "/api/v1/me/password",
                                     json: ["current_password": created.temporaryPassword, "new_password": Fixtures.strongPassword])
        guard change.status == 200 else { throw Fixtures.FixtureError(step: "staff password change", response: change) }
        return (client, created.userID, email)
    }

    /// A request sent through the API; returns its id.
    static func submit(_ client: APIClient, structureID: Int64, category: String = "portability", subject: String = "Portabilité de M. Martin",
                       message: String? = "Veuillez trouver le formulaire.", files: [FormPart] = [.file("portabilite.pdf", SampleFiles.pdf())])
        throws -> Int64 {
        var parts: [FormPart] = [.field("category", category), .field("subject", subject)]
        if let message { parts.append(.field("message", message)) }
        let response = try Multipart.send(client, "/api/v1/structures/\(structureID)/requests", parts + files)
        guard response.status == 201, let id = response.json["id"] as? Int else {
            throw Fixtures.FixtureError(step: "submit request", response: response)
        }
        return Int64(id)
    }
}

/// Unit checks of the pieces that need no database: file types, names, limits.
@Suite struct RequestFixturesTests {
    @Test func fileTypesAreRecognisedByTheirFirstBytes() {
        #expect(AttachmentKind.detect(SampleFiles.pdf()) == .pdf)
        #expect(AttachmentKind.detect(SampleFiles.jpeg) == .jpeg)
        #expect(AttachmentKind.detect(SampleFiles.png) == .png)
        #expect(AttachmentKind.detect(SampleFiles.elf) == nil)
        #expect(AttachmentKind.detect(Array("%PDF".utf8)) == nil)
        #expect(AttachmentKind.detect([0x89, 0x50, 0x4E, 0x47]) == nil)
        #expect(AttachmentKind.detect(Array("GIF89a".utf8)) == nil)
        #expect(AttachmentKind.detect([]) == nil)
    }

    @Test(arguments: [
        ("../../etc/passwd", AttachmentKind.pdf, "passwd.pdf"),
        ("..\\..\\windows\\system32\\cmd.exe", .pdf, "cmd.exe.pdf"),
        ("C:\\Users\\Éloïse\\Documents\\Bulletin d'adhésion.PDF", .pdf, "Bulletin d'adhésion.pdf"),
        ("scan\u{0}.pdf\r\n", .pdf, "scan.pdf"),
        ("re\u{7}su\u{1B}[31m.jpg", .jpeg, "resu[31m.jpg"),
        ("facture\u{202E}fdp.exe", .pdf, "facturefdp.exe.pdf"),
        ("..", .png, "piece-jointe-2.png"),
        (".htaccess", .pdf, "htaccess.pdf"),
        ("", .jpeg, "piece-jointe-2.jpg"),
        ("photo.jpeg", .jpeg, "photo.jpeg"),
        ("photo.pdf", .png, "photo.pdf.png"),
        ("   espaces   .pdf  ", .pdf, "espaces.pdf"),
    ])
    func namesAreSanitised(raw: String, kind: AttachmentKind, expected: String) {
        #expect(AttachmentFileName.sanitized(raw, kind: kind, position: 2) == expected)
    }

    @Test func longNamesAreCutKeepingTheExtension() {
        let name = AttachmentFileName.sanitized(String(repeating: "é", count: 500) + ".pdf", kind: .pdf, position: 1)
        #expect(name.count == AttachmentFileName.maximumLength)
        #expect(name.hasSuffix("é.pdf"))
        #expect(AttachmentFileName.sanitized(nil, kind: .pdf, position: 3) == "piece-jointe-3.pdf")
    }

    @Test func limitsAreCountedPerFileAndPerRequest() throws {
        func codes(_ uploads: [AttachmentRules.Upload]) -> [String] {
            do {
                _ = try AttachmentRules.inspect(uploads)
                return []
            } catch {
                return error.issues.map(\.code.rawValue)
            }
        }
        let small = AttachmentRules.Upload(fileName: "a.pdf", content: SampleFiles.pdf())
        #expect(codes([small]) == [])
        #expect(codes(Array(repeating: small, count: 5)) == [])
        #expect(codes(Array(repeating: small, count: 6)) == ["too_many_files"])
        #expect(codes([AttachmentRules.Upload(fileName: "a.pdf", content: [])]) == ["empty_file"])
        #expect(codes([AttachmentRules.Upload(fileName: "a.pdf", content: SampleFiles.elf)]) == ["unsupported_file_type"])
        let exactlyTen = AttachmentRules.Upload(fileName: "a.pdf", content: SampleFiles.pdf(size: 10 << 20))
        #expect(codes([exactlyTen]) == [])
        #expect(codes([AttachmentRules.Upload(fileName: "a.pdf", content: SampleFiles.pdf(size: (10 << 20) + 1))]) == ["attachment_too_large"])
        #expect(codes([exactlyTen, exactlyTen, AttachmentRules.Upload(fileName: "c.pdf", content: SampleFiles.pdf(size: 5 << 20))]) == [])
        #expect(codes([exactlyTen, exactlyTen, AttachmentRules.Upload(fileName: "c.pdf", content: SampleFiles.pdf(size: (5 << 20) + 1))])
            == ["attachments_too_large"])
    }

    @Test func everyCategoryIsRoutedToATeam() {
        #expect(RequestCategory.allCases.map(\.rawValue) == ["enrolment", "portability", "employee_exit", "employee_address",
                                                             "company_details", "sick_leave", "contributions", "question"])
        #expect(RequestCategory.portability.team == .employees)
        #expect(RequestCategory.employeeAddress.team == .employees)
        #expect(RequestCategory.companyDetails.team == .companies)
        #expect(RequestCategory.sickLeave.team == .benefits)
        #expect(RequestCategory.contributions.team == .contributions)
        #expect(RequestCategory.question.team == .customerService)
        #expect(RequestStatus.received.next == .inProgress)
        #expect(RequestStatus.inProgress.next == .done)
        #expect(RequestStatus.done.next == nil)
    }
}
