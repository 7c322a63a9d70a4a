import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

/// Guide ch. 01 and 02 end to end through the API, against the real database.
@Suite struct AccountFlowTests {
    @Test func signUpLoginForcedChangeThenFullAccess() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure(name: "SARL FLUX")
            let email = Fixtures.uniqueEmail("Flow").uppercased() // addresses are case-insensitive
            let client = try APIClient()

            let created = try client.send("POST", "/api/v1/accounts", json: Fixtures.signUpBody(structure, email: email))
            #expect(created.status == 202)
            let mail = try #require(try Fixtures.lastMail(to: email.lowercased()))
            #expect(mail.subject.contains("mot de passe temporaire"))
            let temporary = try #require(Fixtures.temporaryPassword(in: mail))
            #expect(PasswordPolicy.issues(for: temporary, email: email, field: "p").isEmpty)

            let login = try client.send("POST", "/api/v1/session", json: ["email": email, "password": temporary])
            #expect(login.status == 200)
            #expect(login.json["must_change_password"] as? Bool == true)
            #expect(login.json["default_structure_id"] as? Int == Int(structure.id))
            let cookie = try #require(login.header("Set-Cookie"))
            for attribute in ["__Host-ee_session=", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
                #expect(cookie.contains(attribute))
            }
            let structures = try #require(login.json["structures"] as? [[String: Any]])
            #expect(structures.count == 1)
            #expect(structures[0]["role"] as? String == "principal")
            #expect((structures[0]["rights"] as? [String])?.count == Right.allCases.count)

            // Until the temporary password is changed, everything else is refused.
            let blocked = try client.send("GET", "/api/v1/structures")
            #expect(blocked.status == 403)
            #expect(blocked.problemCode == "password_change_required")
            #expect(try client.send("GET", "/api/v1/me").status == 200)

            let oldToken = client.sessionToken
            let changed = try client.send("POST", "/api/v1/me/password",
                                          json: ["current_password": temporary, "new_password": Fixtures.strongPassword])
            #expect(changed.status == 200)
            #expect(changed.json["must_change_password"] as? Bool == false)
            #expect(client.sessionToken != oldToken) // a new token at password change

            let mine = try client.send("GET", "/api/v1/structures")
            #expect(mine.status == 200)
            #expect(mine.jsonArray.first?["client_number"] as? String == structure.clientNumber)
            #expect(mine.jsonArray.first?["is_default"] as? Bool == true)
            let details = try client.send("GET", "/api/v1/structures/\(structure.id)")
            #expect(details.status == 200)
            #expect(details.json["name"] as? String == "SARL FLUX")

            // The old session died with the password change.
            let stale = try APIClient()
            stale.sessionToken = oldToken
            #expect(try stale.send("GET", "/api/v1/me").status == 401)

            #expect(try client.send("DELETE", "/api/v1/session").status == 204)
            #expect(client.sessionToken == nil)
        }
    }

    @Test func secondSignUpOnTheSameStructureIsAConflict() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            _ = try Fixtures.principal(of: structure)
            let second = try APIClient().send("POST", "/api/v1/accounts", json: Fixtures.signUpBody(structure, email: Fixtures.uniqueEmail()))
            #expect(second.status == 409)
            #expect(second.problemCode == "structure_has_principal")
            #expect((second.json["detail"] as? String)?.contains("utilisateur principal") == true)
        }
    }

    @Test func wrongSecurityFieldsGetOneGenericAnswerAndAreThrottled() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let client = try APIClient()
            var wrongSIREN = Fixtures.signUpBody(structure, email: Fixtures.uniqueEmail())
            wrongSIREN["siren"] = Fixtures.luhnComplete("12345678") == structure.siren ? "999999998" : Fixtures.luhnComplete("12345678")
            let wrongCode = Fixtures.signUpBody(structure, email: Fixtures.uniqueEmail(), code: "AAAA-BBBB-CCCC")
            let answers = try [wrongSIREN, wrongCode].map { try client.send("POST", "/api/v1/accounts", json: $0) }
            #expect(answers.map(\.status) == [422, 422])
            #expect(answers[0].text == answers[1].text) // no hint of which field was wrong
            for _ in 0..<3 { try client.send("POST", "/api/v1/accounts", json: wrongCode) }
            // Five failures in the window: even the right code is now refused.
            let throttled = try client.send("POST", "/api/v1/accounts", json: Fixtures.signUpBody(structure, email: Fixtures.uniqueEmail()))
            #expect(throttled.status == 429)
            #expect(throttled.problemCode == "too_many_attempts")
            #expect(throttled.header("Retry-After") != nil)
            let owner = try TestCluster.connect(as: "portal_owner")
            let audited: Int = try owner.query("""
                SELECT count(*) FROM audit_events WHERE action = 'account.create' AND outcome = 'failure'
                  AND details->>'client_number' = $1
                """, [structure.clientNumber]).first!.decode(0)
            #expect(audited == 6)
        }
    }

    @Test func signUpWithAnAddressThatHasAnAccountRevealsNothing() async throws {
        try await onDedicatedThread {
            let first = try Fixtures.structure()
            let email = Fixtures.uniqueEmail("taken")
            _ = try Fixtures.principal(of: first, email: email)
            let second = try Fixtures.structure()
            let answer = try APIClient().send("POST", "/api/v1/accounts", json: Fixtures.signUpBody(second, email: email))
            let fresh = try APIClient().send("POST", "/api/v1/accounts", json: Fixtures.signUpBody(try Fixtures.structure(), email: Fixtures.uniqueEmail()))
            #expect(answer.status == fresh.status)
            #expect(answer.text == fresh.text)
            #expect(try Fixtures.lastMail(to: email)?.subject.contains("existe déjà") == true)
        }
    }

    @Test func loginFailuresAreGenericThenLockTheAddressWithBackoff() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let email = Fixtures.uniqueEmail("lock")
            _ = try Fixtures.principal(of: structure, email: email)
            let client = try APIClient()
            let wrongPassword = try client.send("POST", "/api/v1/session", json: ["email": email, "password": "Pas-le-bon-1"])
            let noAccount = try client.send("POST", "/api/v1/session", json: ["email": Fixtures.uniqueEmail(), "password": "Pas-le-bon-1"])
            #expect(wrongPassword.status == 401)
            #expect(wrongPassword.text == noAccount.text)
            for _ in 0..<3 { try client.send("POST", "/api/v1/session", json: ["email": email, "password": "Pas-le-bon-1"]) }
            let locked = try client.send("POST", "/api/v1/session", json: ["email": email, "password": "Pas-le-bon-1"])
            #expect(locked.status == 429)
            #expect(locked.problemCode == "login_locked")
            #expect(Int(locked.header("Retry-After") ?? "") == testAuth.lockoutBaseSeconds)
            // Locked means locked: the right password is refused too, and the lock doubles on the next failure.
            let right = try client.send("POST", "/api/v1/session", json: ["email": email, "password": Fixtures.strongPassword])
            #expect(right.status == 429)
            let owner = try TestCluster.connect(as: "portal_owner")
            try owner.execute("UPDATE login_throttle SET locked_until = now() WHERE email = $1", [email])
            let again = try client.send("POST", "/api/v1/session", json: ["email": email, "password": "Pas-le-bon-1"])
            #expect(Int(again.header("Retry-After") ?? "") == testAuth.lockoutBaseSeconds * 2)
            // Unknown addresses lock the same way, so a 429 does not reveal an account.
            let stranger = Fixtures.uniqueEmail("nobody")
            var last: APIResponse?
            for _ in 0..<5 { last = try client.send("POST", "/api/v1/session", json: ["email": stranger, "password": "Pas-le-bon-1"]) }
            #expect(last?.status == 429)
            let lockouts: Int = try owner.query("SELECT count(*) FROM audit_events WHERE action = 'account.lockout' AND details->>'email' = $1",
                                                [email]).first!.decode(0)
            #expect(lockouts == 2)
        }
    }

    @Test func passwordResetIsUniformSingleUseAndEndsSessions() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let email = Fixtures.uniqueEmail("reset")
            let principal = try Fixtures.principal(of: structure, email: email)
            let client = try APIClient()
            let known = try client.send("POST", "/api/v1/password-resets", json: ["email": email])
            let unknown = try client.send("POST", "/api/v1/password-resets", json: ["email": Fixtures.uniqueEmail()])
            #expect(known.status == 202)
            #expect(known.text == unknown.text)
            let mail = try #require(try Fixtures.lastMail(to: email))
            let token = try #require(mail.body.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { Secrets.isWellFormedToken($0) })

            let weak = try client.send("POST", "/api/v1/password-resets/\(token)", json: ["new_password": "court"])
            #expect(weak.status == 422) // refused before the token is consumed...
            let done = try client.send("POST", "/api/v1/password-resets/\(token)", json: ["new_password": "Nouveau-Secret-77"])
            #expect(done.status == 204) // ...so it still works once
            let replay = try client.send("POST", "/api/v1/password-resets/\(token)", json: ["new_password": "Encore-Autre-88"])
            #expect(replay.status == 400)
            #expect(replay.problemCode == "reset_token_invalid")
            #expect(try principal.send("GET", "/api/v1/me").status == 401) // every session ended
            #expect(try client.send("POST", "/api/v1/session", json: ["email": email, "password": "Nouveau-Secret-77"]).status == 200)
        }
    }

    @Test func expiredResetTokensAreRefused() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let email = Fixtures.uniqueEmail("expired")
            _ = try Fixtures.principal(of: structure, email: email)
            let client = try APIClient()
            try client.send("POST", "/api/v1/password-resets", json: ["email": email])
            let token = try #require(try Fixtures.lastMail(to: email)?.body.split(separator: "\n")
                .map { $0.trimmingCharacters(in: .whitespaces) }.first { Secrets.isWellFormedToken($0) })
            let owner = try TestCluster.connect(as: "portal_owner")
            try owner.execute("UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
                              [Secrets.digest(ofToken: token)])
            let late = try client.send("POST", "/api/v1/password-resets/\(token)", json: ["new_password": "Nouveau-Secret-77"])
            #expect(late.status == 400)
        }
    }

    @Test func sessionsExpireWhenIdleAndAtTheirAbsoluteLimit() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let client = try Fixtures.principal(of: structure)
            let owner = try TestCluster.connect(as: "portal_owner")
            let digest = Secrets.digest(ofToken: try #require(client.sessionToken))
            #expect(try client.send("GET", "/api/v1/me").status == 200)
            try owner.execute("UPDATE sessions SET last_seen_at = now() - make_interval(secs => $2) WHERE token_hash = $1",
                              [digest, testAuth.sessionIdleSeconds + 1])
            #expect(try client.send("GET", "/api/v1/me").status == 401)
            try owner.execute("UPDATE sessions SET last_seen_at = now(), expires_at = now() - interval '1 second' WHERE token_hash = $1",
                              [digest])
            #expect(try client.send("GET", "/api/v1/me").status == 401)
        }
    }

    @Test func stateChangingRequestsNeedTheCSRFToken() async throws {
        try await onDedicatedThread {
            let client = try Fixtures.principal(of: try Fixtures.structure())
            let without = try client.send("PATCH", "/api/v1/me", json: ["job_title": "Gérant"], csrf: false)
            #expect(without.status == 403)
            #expect(without.problemCode == "csrf_token_invalid")
            let wrong = try client.send("PATCH", "/api/v1/me", json: ["job_title": "Gérant"],
                                        headers: ["x-csrf-token": Secrets.token()], csrf: false)
            #expect(wrong.status == 403)
            let right = try client.send("PATCH", "/api/v1/me", json: ["job_title": "Gérant", "landline_phone": "05 59 00 00 00"])
            #expect(right.status == 200)
            #expect(right.json["job_title"] as? String == "Gérant")
            // GET /me hands the CSRF token out again (a reloaded page has lost it).
            let me = try client.send("GET", "/api/v1/me")
            #expect(me.json["csrf_token"] as? String == client.csrfToken)
        }
    }
}
