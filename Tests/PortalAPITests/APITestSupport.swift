import Foundation
import Logging
import Portal
import PortalAPI
import Postgres
import TestSupport

/// Authentication settings for tests: the cheapest Argon2id, production rules otherwise.
let testAuth = AuthSettings(hasher: .minimal)

/// Calls the application the way the responder does, with a real database connection, and
/// keeps the session cookie and CSRF token like a browser would.
final class APIClient {
    let application: PortalApplication
    let database: PostgresConnection
    var sessionToken: String?
    var csrfToken: String?
    var remoteAddress = "192.0.2.10"
    /// Where the application logs this client's requests (errors on stderr unless replaced).
    var logger = APIClient.logger

    /// Errors only, on stderr: a 500 in a test shows its cause.
    static let logger: Logger = {
        var logger = Logger(label: "test") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .error
        return logger
    }()

    init(configuration: APIConfiguration = APIConfiguration(auth: testAuth)) throws {
        application = PortalApplication(configuration: configuration)
        database = try TestCluster.connect(as: "portal_app")
    }

    init(application: PortalApplication, database: PostgresConnection) {
        self.application = application
        self.database = database
    }

    /// Sends a request; JSON bodies are encoded from a dictionary. The CSRF header is added when
    /// a token is known unless `csrf: false`.
    @discardableResult
    func send(_ method: String, _ target: String, json: [String: Any]? = nil, body: [UInt8]? = nil,
              headers extra: [String: String] = [:], csrf: Bool = true) throws -> APIResponse {
        let parts = target.split(separator: "?", maxSplits: 1)
        let query = parts.count == 2 ? try APIRequest.parseQuery(String(parts[1])) : [:]
        var headers = extra
        var bytes = body ?? []
        if let json {
            bytes = Array(try JSONSerialization.data(withJSONObject: json))
            headers["content-type"] = headers["content-type"] ?? "application/json"
        }
        if let sessionToken { headers["cookie"] = "other=1; __Host-ee_session=\(sessionToken)" }
        if csrf, let csrfToken { headers["x-csrf-token"] = csrfToken }
        let request = APIRequest(method: method, path: String(parts[0]), query: query, headers: headers, body: bytes,
                                 remoteAddress: remoteAddress, requestID: "test-\(UUID().uuidString.prefix(8))")
        let response = application.handle(request, database: database, logger: logger)
        if let cookie = response.header("Set-Cookie"), cookie.hasPrefix("__Host-ee_session=") {
            let value = cookie.dropFirst("__Host-ee_session=".count).prefix { $0 != ";" }
            sessionToken = value.isEmpty ? nil : String(value)
        }
        if let token = response.json["csrf_token"] as? String { csrfToken = token }
        return response
    }
}

extension APIResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    var jsonArray: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]] ?? []
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    var problemCode: String? { json["code"] as? String }

    var fieldCodes: [String: String] {
        var codes: [String: String] = [:]
        for issue in json["errors"] as? [[String: Any]] ?? [] {
            if let field = issue["field"] as? String, let code = issue["code"] as? String { codes[field] = code }
        }
        return codes
    }
}

/// Structures and users made for one test, so tests never share rows.
enum Fixtures {
    struct Structure {
        let id: Int64
        let clientNumber: String
        let siren: String
        let securityCode: String
    }

    /// A fresh structure with a random client number and a Luhn-valid SIREN/SIRET.
    static func structure(name: String = "SARL TEST") throws -> Structure {
        let owner = try TestCluster.connect(as: "portal_owner")
        let administration = StructureAdministration(connection: owner, hasher: .minimal)
        while true {
            let clientNumber = String(format: "%07d", Int.random(in: 0..<10_000_000))
            let siren = luhnComplete(String(format: "%08d", Int.random(in: 0..<100_000_000)))
            let siret = luhnComplete(siren + String(format: "%04d", Int.random(in: 0..<10_000)))
            do {
                let created = try administration.create(.init(clientNumber: clientNumber, siren: siren, siret: siret, name: name))
                return Structure(id: created.structureID, clientNumber: clientNumber, siren: siren, securityCode: created.securityCode)
            } catch StructureAdministration.Failure.clientNumberTaken {
                continue
            }
        }
    }

    static func luhnComplete(_ digits: String) -> String {
        for check in 0...9 where CompanyIdentifiers.luhnIsValid(digits + String(check)) { return digits + String(check) }
        fatalError("unreachable")
    }

    static func uniqueEmail(_ prefix: String = "user") -> String {
        "\(prefix).\(UUID().uuidString.prefix(8).lowercased())@example.fr"
    }

    static let strongPassword = "Vrai-Secret-2026"

    /// The newest mail to `recipient` in the outbox (read as the owner, like the sender would).
    static func lastMail(to recipient: String) throws -> MailMessage? {
        let owner = try TestCluster.connect(as: "portal_owner")
        return try owner.query("SELECT recipient, subject, body_text FROM mail_outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
                               [recipient]).first.map {
            MailMessage(recipient: try $0.decode(0), subject: try $0.decode(1), body: try $0.decode(2))
        }
    }

    /// The temporary password line of a welcome mail.
    static func temporaryPassword(in mail: MailMessage) -> String? {
        mail.body.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.count == 12 && !$0.contains(" ") }
    }

    static func signUpBody(_ structure: Structure, email: String, code: String? = nil) -> [String: Any] {
        ["client_number": structure.clientNumber, "siren": structure.siren, "security_code": code ?? structure.securityCode,
         "last_name": "Dupont", "first_name": "Éloise", "mobile_phone": "06 03 85 90 02", "job_title": "Directrice générale",
         "email": email, "email_consent": true]
    }

    /// Signs up as the structure's principal, logs in and replaces the temporary password.
    static func principal(of structure: Structure, email: String = uniqueEmail("principal")) throws -> APIClient {
        let client = try APIClient()
        let created = try client.send("POST", "/api/v1/accounts", json: signUpBody(structure, email: email))
        guard created.status == 202 else { throw FixtureError(step: "sign-up", response: created) }
        try logInAndChangePassword(client, email: email)
        return client
    }

    /// First login with the mailed temporary password, then the forced change.
    static func logInAndChangePassword(_ client: APIClient, email: String) throws {
        guard let mail = try lastMail(to: email), let temporary = temporaryPassword(in: mail) else {
            throw FixtureError(step: "mail", response: nil)
        }
        let login = try client.send("POST", "/api/v1/session", json: ["email": email, "password": temporary])
        guard login.status == 200 else { throw FixtureError(step: "login", response: login) }
        let change = try client.send("POST", "/api/v1/me/password", json: ["current_password": temporary, "new_password": strongPassword])
        guard change.status == 200 else { throw FixtureError(step: "password change", response: change) }
    }

    /// A delegated user created by `principal` with `rights` on `structureID`, logged in.
    static func delegated(by principal: APIClient, on structureID: Int64, rights: [String]) throws -> (APIClient, Int64) {
        let email = uniqueEmail("delegate")
        let created = try principal.send("POST", "/api/v1/users", json: [
            "last_name": "Martin", "first_name": "Estelle", "email": email,
            "grants": [["structure_id": structureID, "rights": rights]],
        ])
        guard created.status == 201, let id = created.json["id"] as? Int else { throw FixtureError(step: "create user", response: created) }
        let client = try APIClient()
        try logInAndChangePassword(client, email: email)
        return (client, Int64(id))
    }

    struct FixtureError: Error, CustomStringConvertible {
        let step: String
        let response: APIResponse?
        var description: String { "fixture step \(step) failed: \(response.map { "\($0.status) \($0.text)" } ?? "no mail")" }
    }
}
