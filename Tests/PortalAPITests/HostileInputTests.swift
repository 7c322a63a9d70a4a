import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

/// Ten thousand characters: more than any field accepts.
private let tooLong = String(repeating: "a", count: 10_000)
private let sqlLooking = "'; DROP TABLE users; --"

/// Bad input on every endpoint that reads a body, a path parameter or a paging query: always a
/// 4xx problem with a precise code, never a 5xx, and nothing written.
/// Serialized: each case holds several database connections, and the test cluster allows 100.
@Suite(.serialized) struct HostileInputTests {
    /// A structure A with a signed-in principal, a delegated "victim" on A, and a spare structure C
    /// without a principal (for sign-up and attach bodies).
    final class Setup {
        let a: Fixtures.Structure
        let spare: Fixtures.Structure
        let principalEmail = Fixtures.uniqueEmail("hostile")
        let principal: APIClient
        let principalID: Int64
        let victimID: Int64
        let anonymous: APIClient
        /// Addresses used in bodies; none may end up with an account.
        let signUpEmail = Fixtures.uniqueEmail("signup")
        let newUserEmail = Fixtures.uniqueEmail("newuser")

        init() throws {
            a = try Fixtures.structure(name: "SARL HOSTILE")
            spare = try Fixtures.structure(name: "SARL RESERVE")
            principal = try Fixtures.principal(of: a, email: principalEmail)
            let me = try principal.send("GET", "/api/v1/me")
            principalID = Int64(try #require((me.json["user"] as? [String: Any])?["id"] as? Int))
            let owner = try TestCluster.connect(as: "portal_owner")
            victimID = try owner.query("""
                INSERT INTO users (email, last_name, first_name, must_change_password) VALUES ($1, 'Martin', 'Estelle', false) RETURNING id
                """, [Fixtures.uniqueEmail("victim")]).first!.decode(0)
            try owner.execute("INSERT INTO structure_access (structure_id, user_id, role, rights, granted_by) VALUES ($1, $2, 'delegated', $3, $4)",
                              [a.id, victimID, TextArray(["company"]), principalID])
            anonymous = try APIClient()
        }

        /// Everything a hostile request could have changed, read as the owner.
        func snapshot() throws -> [String] {
            let owner = try TestCluster.connect(as: "portal_owner")
            var rows: [String] = []
            for row in try owner.query("""
                SELECT coalesce(landline_phone, '-'), coalesce(mobile_phone, '-'), coalesce(job_title, '-'),
                       coalesce(default_structure_id::text, '-'), password_hash, must_change_password::text
                FROM users WHERE id = $1
                """, [principalID]) {
                rows.append(try (0..<6).map { try row.decode($0, as: String.self) }.joined(separator: "|"))
            }
            for row in try owner.query("""
                SELECT structure_id::text || ':' || user_id::text || ':' || role || ':' || array_to_string(rights, ',')
                FROM structure_access WHERE structure_id IN ($1, $2) OR user_id IN ($3, $4) ORDER BY 1
                """, [a.id, spare.id, principalID, victimID]) {
                rows.append(try row.decode(0, as: String.self))
            }
            let counts = try owner.query("""
                SELECT (SELECT count(*) FROM users WHERE email IN ($1, $2)),
                       (SELECT count(*) FROM mail_outbox WHERE recipient IN ($1, $2, $3)),
                       (SELECT count(*) FROM password_resets WHERE user_id = $4),
                       (SELECT count(*) FROM audit_events WHERE actor_user_id = $4 OR structure_id IN ($5, $6))
                """, [signUpEmail, newUserEmail, principalEmail, principalID, a.id, spare.id]).first!
            rows.append(try (0..<4).map { String(try counts.decode($0, as: Int.self)) }.joined(separator: "|"))
            return rows
        }
    }

    /// An endpoint that reads a JSON object, with a body it would accept.
    struct BodyEndpoint: Sendable, CustomTestStringConvertible {
        let method: String
        let route: String
        let signedIn: Bool
        let path: @Sendable (Setup) -> String
        let validBody: @Sendable (Setup) -> [String: Any]

        var testDescription: String { "\(method) \(route)" }
    }

    static let bodyEndpoints: [BodyEndpoint] = [
        BodyEndpoint(method: "POST", route: "/api/v1/accounts", signedIn: false, path: { _ in "/api/v1/accounts" },
                     validBody: { Fixtures.signUpBody($0.spare, email: $0.signUpEmail) }),
        BodyEndpoint(method: "POST", route: "/api/v1/session", signedIn: false, path: { _ in "/api/v1/session" },
                     validBody: { ["email": $0.principalEmail, "password": Fixtures.strongPassword] }),
        BodyEndpoint(method: "POST", route: "/api/v1/password-resets", signedIn: false, path: { _ in "/api/v1/password-resets" },
                     validBody: { ["email": $0.principalEmail] }),
        BodyEndpoint(method: "POST", route: "/api/v1/password-resets/{token}", signedIn: false,
                     path: { _ in "/api/v1/password-resets/\(Secrets.token())" }, validBody: { _ in ["new_password": "Nouveau-Secret-77"] }),
        BodyEndpoint(method: "PATCH", route: "/api/v1/me", signedIn: true, path: { _ in "/api/v1/me" },
                     validBody: { _ in ["job_title": "Gérant", "mobile_phone": "06 11 22 33 44"] }),
        BodyEndpoint(method: "POST", route: "/api/v1/me/password", signedIn: true, path: { _ in "/api/v1/me/password" },
                     validBody: { _ in ["current_password": Fixtures.strongPassword, "new_password": "Autre-Secret-2027"] }),
        BodyEndpoint(method: "PUT", route: "/api/v1/me/default-structure", signedIn: true, path: { _ in "/api/v1/me/default-structure" },
                     validBody: { ["structure_id": $0.a.id] }),
        BodyEndpoint(method: "POST", route: "/api/v1/structures", signedIn: true, path: { _ in "/api/v1/structures" },
                     validBody: { ["client_number": $0.spare.clientNumber, "siren": $0.spare.siren, "security_code": $0.spare.securityCode] }),
        BodyEndpoint(method: "POST", route: "/api/v1/users", signedIn: true, path: { _ in "/api/v1/users" },
                     validBody: { ["last_name": "Nouveau", "first_name": "Venu", "email": $0.newUserEmail,
                                   "grants": [["structure_id": $0.a.id, "rights": ["company"]]]] }),
        BodyEndpoint(method: "PUT", route: "/api/v1/users/{id}/grants/{structure_id}", signedIn: true,
                     path: { "/api/v1/users/\($0.victimID)/grants/\($0.a.id)" }, validBody: { _ in ["rights": ["company", "health"]] }),
    ]

    static func bytes(_ object: [String: Any]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: object))
    }

    /// Malformed JSON, wrong media types, non-objects, absurd nesting and unknown fields, on
    /// every endpoint that reads a body: 400/415/422 with the exact code, and nothing written.
    @Test(arguments: bodyEndpoints)
    func malformedBodiesAreRejectedWithPreciseCodes(_ endpoint: BodyEndpoint) async throws {
        try await onDedicatedThread {
            let setup = try Setup()
            let client = endpoint.signedIn ? setup.principal : setup.anonymous
            let path = endpoint.path(setup)
            let valid = Self.bytes(endpoint.validBody(setup))
            let before = try setup.snapshot()

            let json = ["content-type": "application/json"]
            let cases: [(String, [UInt8], [String: String], Int, String)] = [
                ("text/plain", valid, ["content-type": "text/plain"], 415, "unsupported_media_type"),
                ("form", Array("email=a%40b.fr".utf8), ["content-type": "application/x-www-form-urlencoded"], 415, "unsupported_media_type"),
                ("json-ish type", valid, ["content-type": "application/jsonp"], 415, "unsupported_media_type"),
                ("no content type", valid, [:], 415, "unsupported_media_type"),
                ("truncated", Array(valid.dropLast()), json, 400, "malformed_json"),
                ("empty", [], json, 400, "malformed_json"),
                ("trailing garbage", valid + Array(" x".utf8), json, 400, "malformed_json"),
                ("invalid UTF-8", [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D], json, 400, "malformed_json"),
                ("array", Array("[]".utf8), json, 400, "malformed_json"),
                ("array of the object", Array("[".utf8) + valid + Array("]".utf8), json, 400, "malformed_json"),
                ("null", Array("null".utf8), json, 400, "malformed_json"),
                ("number", Array("42".utf8), json, 400, "malformed_json"),
                ("string", Array("\"{}\"".utf8), json, 400, "malformed_json"),
                ("deep arrays", Array(String(repeating: "[", count: 100_000).utf8), json, 400, "malformed_json"),
                ("deep objects", Array(String(repeating: "{\"a\":", count: 50_000).utf8) + Array("1".utf8)
                    + Array(String(repeating: "}", count: 50_000).utf8), json, 400, "malformed_json"),
            ]
            for (name, body, headers, status, code) in cases {
                let response = try client.send(endpoint.method, path, body: body, headers: headers)
                #expect(response.status == status, "\(endpoint.testDescription) \(name): \(response.text)")
                #expect(response.problemCode == code, "\(endpoint.testDescription) \(name)")
                #expect(response.header("Content-Type") == "application/problem+json; charset=utf-8")
            }

            // Charset parameters and case are fine; the body is then read normally.
            var withUnknown = endpoint.validBody(setup)
            withUnknown["is_admin"] = true
            withUnknown["role"] = "principal"
            withUnknown[String(repeating: "k", count: 10_000)] = 1
            for type in ["application/json; charset=utf-8", "Application/JSON"] {
                let response = try client.send(endpoint.method, path, body: Self.bytes(withUnknown), headers: ["content-type": type])
                #expect(response.status == 422, "\(endpoint.testDescription) unknown fields: \(response.text)")
                #expect(response.problemCode == "validation_failed")
                #expect(response.fieldCodes["is_admin"] == "unknown_field")
                #expect(response.fieldCodes["role"] == "unknown_field")
                #expect(response.fieldCodes[String(repeating: "k", count: 64)] == "unknown_field")
                #expect(response.body.count < 4_000) // the 10 000-character name is not echoed back
            }
            #expect(try setup.snapshot() == before, "\(endpoint.testDescription) wrote something")
        }
    }

    // MARK: Field by field

    /// Sends `body` as `client`, expects a 422 whose issues include `field → code`, and returns it.
    @discardableResult
    static func expectIssue(_ client: APIClient, _ method: String, _ path: String, _ body: [String: Any],
                            field: String, code: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> APIResponse {
        let response = try client.send(method, path, json: body)
        #expect(response.status == 422, "\(method) \(path) \(field): \(response.text)", sourceLocation: sourceLocation)
        #expect(response.problemCode == "validation_failed", sourceLocation: sourceLocation)
        #expect(response.fieldCodes[field] == code, "\(method) \(path) \(field): \(response.text)", sourceLocation: sourceLocation)
        return response
    }

    /// Sign-up with bad fields: one 422 per case with the field's code, and no account, mail or
    /// audited attempt for the address.
    @Test func signUpFieldsAreValidatedBeforeAnythingIsWritten() async throws {
        try await onDedicatedThread {
            let setup = try Setup()
            let client = setup.anonymous
            let before = try setup.snapshot()
            func body(_ changes: [String: Any]) -> [String: Any] {
                var body = Fixtures.signUpBody(setup.spare, email: setup.signUpEmail)
                for (key, value) in changes { body[key] = value }
                return body
            }
            let cases: [([String: Any], String, String)] = [
                (["last_name": 42], "last_name", "wrong_type"),
                (["first_name": ["Éloise"]], "first_name", "wrong_type"),
                (["email_consent": "true"], "email_consent", "wrong_type"),
                (["email_consent": 1], "email_consent", "wrong_type"),
                (["email_consent": false], "email_consent", "consent_required"),
                (["client_number": 1_234_567], "client_number", "wrong_type"),
                (["siren": 732_829_320], "siren", "wrong_type"),
                (["email": NSNull()], "email", "required"),
                (["last_name": "   "], "last_name", "required"),
                (["last_name": tooLong], "last_name", "too_long"),
                (["first_name": tooLong], "first_name", "too_long"),
                (["job_title": tooLong], "job_title", "too_long"),
                (["email": tooLong + "@exemple.fr"], "email", "too_long"),
                (["security_code": tooLong], "security_code", "too_long"),
                (["client_number": tooLong], "client_number", "too_long"),
                (["mobile_phone": tooLong], "mobile_phone", "too_long"),
                (["client_number": sqlLooking], "client_number", "invalid_client_number"),
                (["client_number": "１２３４５６７"], "client_number", "invalid_client_number"),
                (["siren": sqlLooking], "siren", "invalid_siren"),
                (["siren": "732829321"], "siren", "invalid_siren"),
                (["security_code": " - - "], "security_code", "required"),
                (["email": sqlLooking], "email", "invalid_email"),
                (["email": "x'; DROP TABLE users; --@exemple.fr"], "email", "invalid_email"),
                (["email": "pas-une-adresse"], "email", "invalid_email"),
                (["email": "a@b"], "email", "invalid_email"),
                (["email": "a@@exemple.fr"], "email", "invalid_email"),
                (["email": "a b@exemple.fr"], "email", "invalid_email"),
                (["email": "dupont@exémple.fr"], "email", "invalid_email"),
                (["email": "dupont@exemple.fr\u{202E}"], "email", "invalid_email"),
                (["email": "dupont\u{200D}@exemple.fr"], "email", "invalid_email"),
                (["email": "dupont@exemple.fr\r\nBcc: x@exemple.fr"], "email", "invalid_email"),
                (["email": "dupont\u{0}@exemple.fr"], "email", "invalid_characters"),
                (["mobile_phone": sqlLooking], "mobile_phone", "invalid_phone"),
                (["mobile_phone": "06 12"], "mobile_phone", "invalid_phone"),
                (["landline_phone": "٠٥٥٩١٢٣٤٥٦"], "landline_phone", "invalid_phone"),
                (["landline_phone": "+33 5 59 12 34 56 78 90 12 34 56"], "landline_phone", "invalid_phone"),
                (["landline_phone": "05\u{202E}59123456"], "landline_phone", "invalid_phone"),
                (["last_name": "Dupont\u{202E}tnopuD"], "last_name", "invalid_characters"), // right-to-left override
                (["last_name": "Du\u{200D}pont"], "last_name", "invalid_characters"), // zero-width joiner
                (["last_name": "Du\u{200B}pont"], "last_name", "invalid_characters"), // zero-width space
                (["first_name": "\u{FEFF}Éloise"], "first_name", "invalid_characters"), // byte order mark
                (["first_name": "Élo\u{0}ise"], "first_name", "invalid_characters"), // NUL
                (["first_name": "Élo\u{7}ise"], "first_name", "invalid_characters"), // BEL
                (["first_name": "Éloise\nBcc: x@exemple.fr"], "first_name", "invalid_characters"),
                (["job_title": "Directrice\u{2028}générale"], "job_title", "invalid_characters"),
                (["job_title": "👩\u{200D}💻 Développeuse"], "job_title", "invalid_characters"), // emoji sequence joined by ZWJ
            ]
            for (changes, field, code) in cases {
                try Self.expectIssue(client, "POST", "/api/v1/accounts", body(changes), field: field, code: code)
            }
            #expect(try setup.snapshot() == before)
            let owner = try TestCluster.connect(as: "portal_owner")
            let attempts: Int = try owner.query("SELECT count(*) FROM security_code_attempts WHERE client_number = $1",
                                                [setup.spare.clientNumber]).first!.decode(0)
            #expect(attempts == 0) // nothing reached the security check
            #expect(try owner.query("SELECT count(*) FROM users").first!.decode(0, as: Int.self) > 0) // the table is still there
        }
    }

    /// A name made of one letter and hundreds of combining accents is one "character" to Swift but
    /// hundreds to PostgreSQL's `length()`, so it passes the 100-character check and then breaks
    /// the `users` CHECK constraint. It must be a 422 (too long or invalid), never a 500.
    @Test func combiningCharacterFloodsAreRefusedNotA500() async throws {
        try await onDedicatedThread {
            let setup = try Setup()
            let zalgo = "Z" + String(repeating: "\u{0301}", count: 300)
            let flags = String(repeating: "🇫🇷", count: 80) // 80 characters, 160 code points
            let before = try setup.snapshot()

            var signUp = Fixtures.signUpBody(setup.spare, email: setup.signUpEmail)
            signUp["last_name"] = zalgo
            let account = try setup.anonymous.send("POST", "/api/v1/accounts", json: signUp)
            #expect(account.status == 422, "sign-up: \(account.text)")
            #expect(["too_long", "invalid_characters"].contains(account.fieldCodes["last_name"] ?? "-"))

            signUp["last_name"] = "Dupont"
            signUp["job_title"] = flags
            let flagged = try setup.anonymous.send("POST", "/api/v1/accounts", json: signUp)
            #expect(flagged.status == 422, "sign-up job title: \(flagged.text)")
            #expect(["too_long", "invalid_characters"].contains(flagged.fieldCodes["job_title"] ?? "-"))

            let user = try setup.principal.send("POST", "/api/v1/users", json: [
                "last_name": "Martin", "first_name": zalgo, "email": setup.newUserEmail,
                "grants": [["structure_id": setup.a.id, "rights": ["company"]]],
            ])
            #expect(user.status == 422, "POST /users: \(user.text)")
            #expect(["too_long", "invalid_characters"].contains(user.fieldCodes["first_name"] ?? "-"))

            let profile = try setup.principal.send("PATCH", "/api/v1/me", json: ["job_title": zalgo])
            #expect(profile.status == 422, "PATCH /me: \(profile.text)")
            #expect(["too_long", "invalid_characters"].contains(profile.fieldCodes["job_title"] ?? "-"))
            #expect(try setup.snapshot() == before)
        }
    }

    /// Login with an address of 211 characters but 411 code points (combining marks), which is
    /// what PostgreSQL's CHECK (length(email) <= 254) counts: a field error, never a 500.
    @Test func loginWithACombiningCharacterAddressIsAPlainFailure() async throws {
        try await onDedicatedThread {
            let address = String(repeating: "e\u{0301}", count: 200) + "@exemple.fr"
            let response = try APIClient().send("POST", "/api/v1/session", json: ["email": address, "password": "Pas-le-bon-1"])
            #expect(response.status == 422, "\(response.text)")
            #expect(response.fieldCodes["email"] == "too_long")
        }
    }

    /// The User-Agent is stored with the session, cut to 512 characters; a header of combining
    /// marks is 512 characters to Swift but more to PostgreSQL (sessions CHECK length <= 512).
    @Test func aHostileUserAgentDoesNotBreakLogin() async throws {
        try await onDedicatedThread {
            let email = Fixtures.uniqueEmail("agent")
            _ = try Fixtures.principal(of: try Fixtures.structure(), email: email)
            let client = try APIClient()
            for agent in [String(repeating: "Mozilla/5.0 ", count: 1_000), String(repeating: "a\u{0301}", count: 600),
                          "'; DROP TABLE sessions; --", "\u{202E}gent\u{200D}\u{FEFF}"] {
                let login = try client.send("POST", "/api/v1/session", json: ["email": email, "password": Fixtures.strongPassword],
                                            headers: ["user-agent": agent])
                #expect(login.status == 200, "user agent of \(agent.unicodeScalars.count) scalars: \(login.text)")
            }
        }
    }

    /// Legitimate names with decomposed accents and plain emoji are not "hostile": stored verbatim,
    /// proof that SQL-looking text is data, not code.
    @Test func unusualButHarmlessTextIsStoredVerbatim() async throws {
        try await onDedicatedThread {
            let setup = try Setup()
            let decomposed = "E\u{0301}loise" // "Éloise" as typed on some keyboards (NFD)
            var signUp = Fixtures.signUpBody(setup.spare, email: setup.signUpEmail)
            signUp["first_name"] = decomposed
            signUp["last_name"] = "O'Brien-Dupont"
            signUp["job_title"] = sqlLooking
            let account = try setup.anonymous.send("POST", "/api/v1/accounts", json: signUp)
            #expect(account.status == 202, "\(account.text)")
            let owner = try TestCluster.connect(as: "portal_owner")
            let row = try #require(try owner.query("SELECT first_name, last_name, job_title FROM users WHERE email = $1",
                                                   [setup.signUpEmail]).first)
            #expect(Array(try row.decode(0, as: String.self).unicodeScalars) == Array(decomposed.unicodeScalars))
            #expect(try row.decode(1, as: String.self) == "O'Brien-Dupont")
            #expect(try row.decode(2, as: String.self) == sqlLooking)

            let patched = try setup.principal.send("PATCH", "/api/v1/me", json: ["job_title": "Gérante 🌻"])
            // Emoji are not "letters and the usual punctuation of names" (FieldRules.text's contract),
            // but they cannot harm anything: either refused precisely or stored as sent.
            if patched.status == 200 {
                #expect(patched.json["job_title"] as? String == "Gérante 🌻")
            } else {
                #expect(patched.status == 422)
                #expect(patched.fieldCodes["job_title"] == "invalid_characters")
            }
        }
    }

    /// The profile, password, default structure, attach and login bodies, field by field.
    @Test func signedInBodiesAreValidatedFieldByField() async throws {
        try await onDedicatedThread {
            let setup = try Setup()
            let client = setup.principal
            let before = try setup.snapshot()
            let cases: [(String, String, [String: Any], String, String)] = [
                ("PATCH", "/api/v1/me", ["job_title": 42], "job_title", "wrong_type"),
                ("PATCH", "/api/v1/me", ["mobile_phone": true], "mobile_phone", "wrong_type"),
                ("PATCH", "/api/v1/me", ["landline_phone": tooLong], "landline_phone", "too_long"),
                ("PATCH", "/api/v1/me", ["job_title": tooLong], "job_title", "too_long"),
                ("PATCH", "/api/v1/me", ["landline_phone": sqlLooking], "landline_phone", "invalid_phone"),
                ("PATCH", "/api/v1/me", ["mobile_phone": "06\u{0}12345678"], "mobile_phone", "invalid_characters"),
                ("PATCH", "/api/v1/me", ["job_title": "Gérant\u{202E}"], "job_title", "invalid_characters"),
                // One bad field spoils the whole request: the good one is not written either.
                ("PATCH", "/api/v1/me", ["job_title": "Gérant", "mobile_phone": "abc"], "mobile_phone", "invalid_phone"),
                ("POST", "/api/v1/me/password", ["current_password": 42, "new_password": "Autre-Secret-2027"], "current_password", "wrong_type"),
                ("POST", "/api/v1/me/password", ["current_password": Fixtures.strongPassword, "new_password": tooLong], "new_password", "too_long"),
                ("POST", "/api/v1/me/password", ["current_password": Fixtures.strongPassword, "new_password": "Autre-\u{0}Secret-2027"],
                 "new_password", "invalid_characters"),
                ("POST", "/api/v1/me/password", ["current_password": Fixtures.strongPassword], "new_password", "required"),
                ("POST", "/api/v1/me/password", ["current_password": sqlLooking, "new_password": "Autre-Secret-2027"],
                 "current_password", "current_password_wrong"),
                ("PUT", "/api/v1/me/default-structure", ["structure_id": "\(setup.a.id)"], "structure_id", "wrong_type"),
                ("PUT", "/api/v1/me/default-structure", ["structure_id": 1.5], "structure_id", "wrong_type"),
                ("PUT", "/api/v1/me/default-structure", ["structure_id": 1e300], "structure_id", "wrong_type"),
                ("PUT", "/api/v1/me/default-structure", ["structure_id": true], "structure_id", "wrong_type"),
                ("PUT", "/api/v1/me/default-structure", ["structure_id": NSNull()], "structure_id", "required"),
                ("PUT", "/api/v1/me/default-structure", [:], "structure_id", "required"),
                ("PUT", "/api/v1/me/default-structure", ["structure_id": -1], "structure_id", "unknown_structure"),
                ("PUT", "/api/v1/me/default-structure", ["structure_id": 0], "structure_id", "unknown_structure"),
                ("PUT", "/api/v1/me/default-structure", ["structure_id": 9_000_000_000_000_000], "structure_id", "unknown_structure"),
                ("PUT", "/api/v1/me/default-structure", ["structure_id": setup.spare.id], "structure_id", "unknown_structure"),
                ("POST", "/api/v1/structures", ["client_number": sqlLooking, "siren": setup.spare.siren, "security_code": "X"],
                 "client_number", "invalid_client_number"),
                ("POST", "/api/v1/structures", ["client_number": setup.spare.clientNumber, "siren": "12", "security_code": "X"],
                 "siren", "invalid_siren"),
                ("POST", "/api/v1/structures", ["client_number": setup.spare.clientNumber, "siren": setup.spare.siren, "security_code": ""],
                 "security_code", "required"),
                ("POST", "/api/v1/structures", ["client_number": setup.spare.clientNumber, "siren": setup.spare.siren, "security_code": tooLong],
                 "security_code", "too_long"),
                ("POST", "/api/v1/structures", ["client_number": setup.spare.clientNumber, "siren": setup.spare.siren, "security_code": 42],
                 "security_code", "wrong_type"),
            ]
            for (method, path, body, field, code) in cases {
                try Self.expectIssue(client, method, path, body, field: field, code: code)
            }
            #expect(try setup.snapshot().first == before.first) // the profile row did not move
            // The wrong current password is audited (and kept) on purpose; nothing else was written.
            #expect(Array(try setup.snapshot().dropLast()) == Array(before.dropLast()))

            // A SQL-looking security code is just a wrong code: the one generic answer.
            let wrongCode = try client.send("POST", "/api/v1/structures", json: [
                "client_number": setup.spare.clientNumber, "siren": setup.spare.siren, "security_code": sqlLooking,
            ])
            #expect(wrongCode.status == 422)
            #expect(wrongCode.problemCode == "security_fields_mismatch")

            // Login: wrong types and lengths are 422; SQL-looking credentials are just wrong ones.
            let anonymous = setup.anonymous
            try Self.expectIssue(anonymous, "POST", "/api/v1/session", ["email": 42, "password": "x"], field: "email", code: "wrong_type")
            try Self.expectIssue(anonymous, "POST", "/api/v1/session", ["email": setup.principalEmail, "password": tooLong],
                                 field: "password", code: "too_long")
            try Self.expectIssue(anonymous, "POST", "/api/v1/session", ["email": tooLong, "password": "x"], field: "email", code: "too_long")
            try Self.expectIssue(anonymous, "POST", "/api/v1/password-resets", ["email": [setup.principalEmail]],
                                 field: "email", code: "wrong_type")
            // Unique per run: failed logins lock an address, and the database outlives one run.
            let run = UUID().uuidString.prefix(6)
            for (email, password) in [(sqlLooking + run, sqlLooking), (setup.principalEmail, "' OR '1'='1"), ("' OR 1=1 --\(run)@exemple.fr", "x")] {
                let login = try anonymous.send("POST", "/api/v1/session", json: ["email": email, "password": password])
                #expect(login.status == 401, "\(email): \(login.text)")
                #expect(login.problemCode == "invalid_credentials")
            }
            let reset = try anonymous.send("POST", "/api/v1/password-resets", json: ["email": sqlLooking])
            #expect(reset.status == 202) // the uniform answer, whatever the address
            let badToken = try anonymous.send("POST", "/api/v1/password-resets/\(sqlLooking.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                                              json: ["new_password": "Nouveau-Secret-77"])
            #expect(badToken.status == 400)
            #expect(badToken.problemCode == "reset_token_invalid")
        }
    }

    /// Grants as a principal would send them, broken in every way that matters — including an
    /// attempt to smuggle a role in.
    @Test func grantBodiesAreValidatedAndNothingIsCreated() async throws {
        try await onDedicatedThread {
            let setup = try Setup()
            let client = setup.principal
            let before = try setup.snapshot()
            let a = setup.a.id
            func user(_ grants: Any) -> [String: Any] {
                ["last_name": "Nouveau", "first_name": "Venu", "email": setup.newUserEmail, "grants": grants]
            }
            let users: [([String: Any], String, String)] = [
                (user("\(a)"), "grants", "wrong_type"),
                (user([]), "grants", "required"),
                (user(NSNull()), "grants", "required"),
                (user([["structure_id": "\(a)", "rights": ["company"]]]), "grants", "invalid_grant"),
                (user([["structure_id": a]]), "grants", "invalid_grant"),
                (user([["structure_id": a, "rights": "company"]]), "grants", "invalid_grant"),
                (user([["structure_id": a, "rights": ["company"], "role": "principal"]]), "grants", "invalid_grant"),
                (user([["structure_id": -a, "rights": ["company"]]]), "grants", "invalid_grant"),
                (user([["structure_id": Double(a) + 0.5, "rights": ["company"]]]), "grants", "invalid_grant"),
                (user([a]), "grants", "invalid_grant"),
                (user([["structure_id": a, "rights": ["admin"]]]), "grants", "invalid_right"),
                (user([["structure_id": a, "rights": [sqlLooking]]]), "grants", "invalid_right"),
                (user([["structure_id": a, "rights": ["COMPANY"]]]), "grants", "invalid_right"),
                (user([["structure_id": a, "rights": [1]]]), "grants", "invalid_right"),
                (user([["structure_id": a, "rights": ["company"]], ["structure_id": a, "rights": ["ij"]]]), "grants", "duplicate_structure"),
                (user(Array(repeating: ["structure_id": a, "rights": ["company"]], count: 201)), "grants", "too_many"),
                (["last_name": "Nouveau", "first_name": "Venu", "email": sqlLooking, "grants": [["structure_id": a, "rights": ["company"]]]],
                 "email", "invalid_email"),
                (["last_name": tooLong, "first_name": "Venu", "email": setup.newUserEmail, "grants": [["structure_id": a, "rights": ["company"]]]],
                 "last_name", "too_long"),
                (["last_name": "Nouveau\u{202E}", "first_name": "Venu", "email": setup.newUserEmail,
                  "grants": [["structure_id": a, "rights": ["company"]]]], "last_name", "invalid_characters"),
                (["last_name": "Nouveau", "first_name": "Venu", "email": setup.newUserEmail, "role": "principal",
                  "grants": [["structure_id": a, "rights": ["company"]]]], "role", "unknown_field"),
            ]
            for (body, field, code) in users {
                try Self.expectIssue(client, "POST", "/api/v1/users", body, field: field, code: code)
            }
            let grantPath = "/api/v1/users/\(setup.victimID)/grants/\(a)"
            let grants: [([String: Any], String, String)] = [
                (["rights": "company"], "rights", "wrong_type"),
                (["rights": NSNull()], "rights", "required"),
                ([:], "rights", "required"),
                (["rights": ["company", "superuser"]], "rights", "invalid_right"),
                (["rights": [["company"]]], "rights", "invalid_right"),
                (["rights": Array(repeating: "company", count: 13)], "rights", "too_many"),
                (["rights": ["company"], "role": "principal"], "role", "unknown_field"),
            ]
            for (body, field, code) in grants {
                try Self.expectIssue(client, "PUT", grantPath, body, field: field, code: code)
            }
            #expect(try setup.snapshot() == before)
        }
    }

    // MARK: Path and query parameters

    static let badIDs = ["abc", "-1", "0", "01", "+1", "1.5", "1e3", "0x1F", "99999999999999999999", "9223372036854775808",
                         "%00", "1%00", "%20", "1%20", "%2F", "%zz", "%C0%AF", "%27%3B%20DROP%20TABLE%20users%3B%20--", "%E2%80%AE1"]

    /// Ids that are not positive integers are a 404 `not_found` on every route that takes one —
    /// never a 400 that differs from "no such structure", never a 500.
    @Test(arguments: badIDs)
    func nonNumericIDsAreNotFound(_ id: String) async throws {
        try await onDedicatedThread {
            let setup = try Setup()
            let client = setup.principal
            let requests: [(String, String, [String: Any]?)] = [
                ("GET", "/api/v1/structures/\(id)", nil),
                ("HEAD", "/api/v1/structures/\(id)", nil),
                ("GET", "/api/v1/structures/\(id)/history", nil),
                ("PUT", "/api/v1/users/\(id)/grants/\(setup.a.id)", ["rights": ["company"]]),
                ("PUT", "/api/v1/users/\(setup.victimID)/grants/\(id)", ["rights": ["company"]]),
                ("DELETE", "/api/v1/users/\(id)/grants/\(setup.a.id)", nil),
                ("DELETE", "/api/v1/users/\(setup.victimID)/grants/\(id)", nil),
            ]
            let before = try setup.snapshot()
            for (method, path, body) in requests {
                let response = try client.send(method, path, json: body)
                #expect(response.status == 404, "\(method) \(path): \(response.text)")
                if method != "HEAD" { #expect(response.problemCode == "not_found", "\(method) \(path)") }
            }
            #expect(try setup.snapshot() == before)
        }
    }

    /// Paging parameters of both histories: out of range, not a number, repeated or unknown → 422
    /// naming the parameter (QueryParameters.swift). An empty value counts as absent.
    @Test func historyPagingParametersAreChecked() async throws {
        try await onDedicatedThread {
            let setup = try Setup()
            let cases: [(String, String, String)] = [
                ("page=0", "page", "out_of_range"), ("page=-1", "page", "out_of_range"), ("page=abc", "page", "out_of_range"),
                ("page=1.5", "page", "out_of_range"), ("page=100001", "page", "out_of_range"),
                ("page=99999999999999999999", "page", "out_of_range"),
                ("page=%27%3B%20DROP%20TABLE%20audit_events%3B%20--", "page", "out_of_range"), ("page=%EF%BC%91", "page", "out_of_range"),
                ("page_size=1000", "page_size", "out_of_range"), ("page_size=0", "page_size", "out_of_range"),
                ("page_size=101", "page_size", "out_of_range"), ("page_size=-5", "page_size", "out_of_range"),
                ("page_size=ten", "page_size", "out_of_range"),
                ("page=1&page=2", "page", "repeated_parameter"), ("page_size=5&page_size=5", "page_size", "repeated_parameter"),
                ("pgae=2", "pgae", "unknown_parameter"),
            ]
            for base in ["/api/v1/me/history", "/api/v1/structures/\(setup.a.id)/history"] {
                for (query, field, code) in cases {
                    let response = try setup.principal.send("GET", "\(base)?\(query)")
                    #expect(response.status == 422, "\(base)?\(query): \(response.text)")
                    #expect(response.fieldCodes[field] == code, "\(base)?\(query): \(response.text)")
                }
                #expect(try setup.principal.send("GET", "\(base)?page=").status == 200)
                // The bounds themselves are fine; a page past the end is empty but keeps the total.
                let last = try setup.principal.send("GET", "\(base)?page=100000&page_size=100")
                #expect(last.status == 200)
                #expect((last.json["items"] as? [Any])?.isEmpty == true)
                let first = try setup.principal.send("GET", "\(base)?page=1&page_size=1")
                #expect(first.status == 200)
                #expect((first.json["total"] as? Int ?? 0) >= 1)
                #expect(last.json["total"] as? Int == first.json["total"] as? Int)
                #expect(last.json["page_size"] as? Int == 100)
            }
        }
    }
}
