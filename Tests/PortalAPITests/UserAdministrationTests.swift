import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

/// "Administration des structures" (guide ch. 09): delegated users and their grants, the default
/// structure, attaching structures, and the two histories — through the API, on the real database.
/// Serialized: each test holds several database connections, and the test cluster allows 100.
@Suite(.serialized) struct UserAdministrationTests {
    // MARK: Helpers

    static func userID(of client: APIClient) throws -> Int64 {
        let me = try client.send("GET", "/api/v1/me")
        guard let user = me.json["user"] as? [String: Any], let id = user["id"] as? Int else {
            throw Fixtures.FixtureError(step: "GET /me", response: me)
        }
        return Int64(id)
    }

    /// A delegated user written directly as the owner (for tests about what happens *after*
    /// creation, so they do not depend on POST /users), logged in through the API.
    static func sqlDelegate(on grants: [(Int64, [String])], grantedBy: Int64?,
                            email: String = Fixtures.uniqueEmail("delegate")) throws -> (client: APIClient, id: Int64) {
        let owner = try TestCluster.connect(as: "portal_owner")
        let id: Int64 = try owner.query("""
            INSERT INTO users (email, last_name, first_name, password_hash, must_change_password)
            VALUES ($1, 'Martin', 'Estelle', $2, false) RETURNING id
            """, [email, try SecretHasher.minimal.hash(Fixtures.strongPassword)]).first!.decode(0)
        for (structureID, rights) in grants {
            try owner.execute("INSERT INTO structure_access (structure_id, user_id, role, rights, granted_by) VALUES ($1, $2, 'delegated', $3, $4)",
                              [structureID, id, TextArray(rights), grantedBy])
        }
        let client = try APIClient()
        let login = try client.send("POST", "/api/v1/session", json: ["email": email, "password": Fixtures.strongPassword])
        guard login.status == 200 else { throw Fixtures.FixtureError(step: "delegate login", response: login) }
        return (client, id)
    }

    static func attach(_ structure: Fixtures.Structure, to principal: APIClient) throws -> APIResponse {
        try principal.send("POST", "/api/v1/structures", json: [
            "client_number": structure.clientNumber, "siren": structure.siren, "security_code": structure.securityCode,
        ])
    }

    static func grants(of userID: Int64, seenBy principal: APIClient) throws -> [[String: Any]]? {
        let users = try principal.send("GET", "/api/v1/users")
        return users.jsonArray.first { $0["id"] as? Int == Int(userID) }?["grants"] as? [[String: Any]]
    }

    static func count(_ sql: String, _ binds: [any PostgresBindable]) throws -> Int {
        try TestCluster.connect(as: "portal_owner").query(sql, binds).first!.decode(0)
    }

    // MARK: Delegated users

    @Test func aPrincipalCreatesADelegatedUserWhoReceivesATemporaryPassword() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure(name: "SARL DELEGATION")
            let principal = try Fixtures.principal(of: structure)
            let principalID = try Self.userID(of: principal)
            let email = Fixtures.uniqueEmail("Recrue").uppercased()

            let created = try principal.send("POST", "/api/v1/users", json: [
                "last_name": "Martin", "first_name": "Estelle", "job_title": "Comptable", "mobile_phone": "06 11 22 33 44",
                "email": email, "grants": [["structure_id": structure.id, "rights": ["insured", "company", "insured"]]],
            ])
            #expect(created.status == 201, "\(created.text)")
            let id = Int64(try #require(created.json["id"] as? Int, "\(created.text)"))
            #expect(created.json["email"] as? String == email.lowercased())
            #expect(created.json["last_name"] as? String == "Martin")
            let grants = try #require(created.json["grants"] as? [[String: Any]])
            #expect(grants.count == 1)
            #expect(grants.first?["structure_id"] as? Int == Int(structure.id))
            #expect(grants.first?["role"] as? String == "delegated")
            #expect(grants.first?["rights"] as? [String] == ["company", "insured"])

            // The mail, written in the same transaction, carries a temporary password.
            let mail = try #require(try Fixtures.lastMail(to: email.lowercased()))
            #expect(mail.subject == "Votre accès à l'Espace Employeur OCSO")
            #expect(mail.body.contains("Éloise Dupont")) // who invited them
            let temporary = try #require(Fixtures.temporaryPassword(in: mail))

            // First login: the password must be changed before anything else.
            let delegate = try APIClient()
            let login = try delegate.send("POST", "/api/v1/session", json: ["email": email, "password": temporary])
            #expect(login.status == 200)
            #expect(login.json["must_change_password"] as? Bool == true)
            #expect(try delegate.send("GET", "/api/v1/structures").problemCode == "password_change_required")
            let changed = try delegate.send("POST", "/api/v1/me/password",
                                            json: ["current_password": temporary, "new_password": Fixtures.strongPassword])
            #expect(changed.status == 200)
            let mine = try delegate.send("GET", "/api/v1/structures")
            #expect(mine.jsonArray.count == 1)
            #expect(mine.jsonArray.first?["role"] as? String == "delegated")
            #expect(mine.jsonArray.first?["rights"] as? [String] == ["company", "insured"])
            #expect(try delegate.send("GET", "/api/v1/structures/\(structure.id)").status == 200)

            #expect(try Self.grants(of: id, seenBy: principal)?.count == 1)
            let audited = try Self.count("""
                SELECT count(*) FROM audit_events WHERE action = 'user.create' AND actor_user_id = $1 AND structure_id = $2
                  AND details->>'user_id' = $3 AND details->>'rights' = 'company,insured'
                """, [principalID, structure.id, String(id)])
            #expect(audited == 1)
        }
    }

    @Test func anAddressThatHasAnAccountGetsTheNewGrantsAdded() async throws {
        try await onDedicatedThread {
            let first = try Fixtures.structure(name: "SARL PREMIERE")
            let second = try Fixtures.structure(name: "SARL SECONDE")
            let principal = try Fixtures.principal(of: first)
            #expect(try Self.attach(second, to: principal).status == 201)
            let email = Fixtures.uniqueEmail("multi")

            let created = try principal.send("POST", "/api/v1/users", json: [
                "last_name": "Martin", "first_name": "Estelle", "email": email,
                "grants": [["structure_id": first.id, "rights": ["company"]]],
            ])
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? Int)
            let delegate = try APIClient()
            try Fixtures.logInAndChangePassword(delegate, email: email)

            // Same address again, for the other structure, with other names: only grants are added.
            let again = try principal.send("POST", "/api/v1/users", json: [
                "last_name": "Autre", "first_name": "Nom", "email": email.uppercased(),
                "grants": [["structure_id": second.id, "rights": ["ij", "documents"]]],
            ])
            #expect(again.status == 200, "\(again.text)")
            #expect(again.json["id"] as? Int == id)
            #expect(again.json["last_name"] as? String == "Martin") // the account's identity is not overwritten
            let grants = (again.json["grants"] as? [[String: Any]] ?? []).map { "\($0["structure_id"] as? Int ?? 0):\($0["rights"] as? [String] ?? [])" }
            #expect(grants.sorted() == ["\(first.id):[\"company\"]", "\(second.id):[\"ij\", \"documents\"]"].sorted())
            #expect(try Self.count("SELECT count(*) FROM users WHERE email = $1", [email]) == 1)
            #expect(try Fixtures.lastMail(to: email)?.subject == "Nouvel accès sur l'Espace Employeur OCSO")

            // The delegate's session and password are untouched, and the new structure is there at once.
            let mine = try delegate.send("GET", "/api/v1/structures")
            #expect(mine.status == 200)
            #expect(Set(mine.jsonArray.compactMap { $0["id"] as? Int }) == [Int(first.id), Int(second.id)])
            #expect(try delegate.send("GET", "/api/v1/me").json["must_change_password"] as? Bool == false)
        }
    }

    @Test func changedRightsApplyFromTheDelegatesNextRequest() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let principalID = try Self.userID(of: principal)
            let (delegate, id) = try Self.sqlDelegate(on: [(structure.id, ["company", "insured"])], grantedBy: principalID)
            let details = "/api/v1/structures/\(structure.id)"
            #expect(try delegate.send("GET", details).status == 200)

            let narrowed = try principal.send("PUT", "/api/v1/users/\(id)/grants/\(structure.id)", json: ["rights": ["insured"]])
            #expect(narrowed.status == 200, "\(narrowed.text)")
            #expect(narrowed.json["id"] as? Int == Int(id))
            #expect((narrowed.json["grants"] as? [[String: Any]])?.first?["rights"] as? [String] == ["insured"])
            let refused = try delegate.send("GET", details)
            #expect(refused.status == 403)
            #expect(refused.problemCode == "missing_right")
            #expect(try delegate.send("GET", "/api/v1/structures").jsonArray.first?["rights"] as? [String] == ["insured"])

            // No rights at all: the structure is still listed, everything in it is refused.
            #expect(try principal.send("PUT", "/api/v1/users/\(id)/grants/\(structure.id)", json: ["rights": []]).status == 200)
            #expect(try delegate.send("GET", details).status == 403)
            #expect(try delegate.send("GET", "/api/v1/structures").jsonArray.first?["rights"] as? [String] == [])

            #expect(try principal.send("PUT", "/api/v1/users/\(id)/grants/\(structure.id)", json: ["rights": ["health", "company"]]).status == 200)
            #expect(try delegate.send("GET", details).status == 200)
            let audited = try Self.count("""
                SELECT count(*) FROM audit_events WHERE action = 'user.grant' AND actor_user_id = $1 AND structure_id = $2 AND details->>'user_id' = $3
                """, [principalID, structure.id, String(id)])
            #expect(audited == 3)
        }
    }

    @Test func aRevokedGrantIsGoneOnTheDelegatesNextRequest() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let principalID = try Self.userID(of: principal)
            let (delegate, id) = try Self.sqlDelegate(on: [(structure.id, Right.allCases.map(\.rawValue))], grantedBy: principalID)
            #expect(try delegate.send("PUT", "/api/v1/me/default-structure", json: ["structure_id": structure.id]).status == 200)
            #expect(try delegate.send("GET", "/api/v1/structures/\(structure.id)").status == 200)

            let revoked = try principal.send("DELETE", "/api/v1/users/\(id)/grants/\(structure.id)")
            #expect(revoked.status == 204)
            #expect(revoked.body.isEmpty)

            let next = try delegate.send("GET", "/api/v1/structures/\(structure.id)")
            #expect(next.status == 404)
            #expect(next.problemCode == "not_found")
            #expect(try delegate.send("GET", "/api/v1/structures/\(structure.id)/history").status == 404)
            #expect(try delegate.send("GET", "/api/v1/structures").jsonArray.isEmpty)
            let me = try delegate.send("GET", "/api/v1/me")
            #expect(me.status == 200) // the session itself lives on
            #expect(me.json["default_structure_id"] is NSNull || me.json["default_structure_id"] == nil)
            #expect(!me.text.contains("SARL TEST"))

            let twice = try principal.send("DELETE", "/api/v1/users/\(id)/grants/\(structure.id)")
            #expect(twice.status == 404)
            #expect(try Self.grants(of: id, seenBy: principal) == nil)
            #expect(try Self.count("SELECT count(*) FROM audit_events WHERE action = 'user.revoke' AND structure_id = $1 AND details->>'user_id' = $2",
                                   [structure.id, String(id)]) == 1)
        }
    }

    @Test func aPrincipalCannotChangeOrRemoveTheirOwnPrincipalRole() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let email = Fixtures.uniqueEmail("self")
            let principal = try Fixtures.principal(of: structure, email: email)
            let principalID = try Self.userID(of: principal)
            let attempts: [(String, String, [String: Any]?)] = [
                ("PUT", "/api/v1/users/\(principalID)/grants/\(structure.id)", ["rights": ["company"]]),
                ("PUT", "/api/v1/users/\(principalID)/grants/\(structure.id)", ["rights": []]),
                ("DELETE", "/api/v1/users/\(principalID)/grants/\(structure.id)", nil),
                ("POST", "/api/v1/users", ["last_name": "Dupont", "first_name": "Éloise", "email": email,
                                           "grants": [["structure_id": structure.id, "rights": ["company"]]]]),
            ]
            for (method, path, body) in attempts {
                let response = try principal.send(method, path, json: body)
                #expect(response.status == 409, "\(method) \(path): \(response.text)")
                #expect(response.problemCode == "own_principal_role", "\(method) \(path)")
            }
            let access = try TestCluster.connect(as: "portal_owner").query(
                "SELECT role, rights FROM structure_access WHERE structure_id = $1 AND user_id = $2", [structure.id, principalID])
            #expect(access.count == 1)
            #expect(try access.first?.decode(0, as: String.self) == "principal")
            #expect(try access.first?.decode(1, as: TextArray.self).values == Right.allCases.map(\.rawValue))
            #expect(try principal.send("GET", "/api/v1/structures/\(structure.id)/history").status == 200)
        }
    }

    @Test func grantsOnlyReachStructuresThePrincipalAdministers() async throws {
        try await onDedicatedThread {
            let mine = try Fixtures.structure(name: "SARL A MOI")
            let foreign = try Fixtures.structure(name: "SARL ETRANGERE")
            let principal = try Fixtures.principal(of: mine)
            let principalID = try Self.userID(of: principal)
            _ = try Fixtures.principal(of: foreign)
            let (_, delegateID) = try Self.sqlDelegate(on: [(mine.id, ["company"])], grantedBy: principalID)
            let email = Fixtures.uniqueEmail("refused")

            for grants in [[["structure_id": foreign.id, "rights": ["company"]]],
                           [["structure_id": mine.id, "rights": ["company"]], ["structure_id": foreign.id, "rights": ["company"]]],
                           [["structure_id": 9_000_000_000_000, "rights": ["company"]]]] {
                let response = try principal.send("POST", "/api/v1/users", json: [
                    "last_name": "Martin", "first_name": "Estelle", "email": email, "grants": grants,
                ])
                #expect(response.status == 404, "\(response.text)")
                #expect(response.problemCode == "not_found")
            }
            let put = try principal.send("PUT", "/api/v1/users/\(delegateID)/grants/\(foreign.id)", json: ["rights": ["company"]])
            #expect(put.status == 404)
            #expect(try principal.send("DELETE", "/api/v1/users/\(delegateID)/grants/\(foreign.id)").status == 404)

            #expect(try Self.count("SELECT count(*) FROM users WHERE email = $1", [email]) == 0)
            #expect(try Fixtures.lastMail(to: email) == nil)
            #expect(try Self.count("SELECT count(*) FROM structure_access WHERE user_id = $1", [delegateID]) == 1)
        }
    }

    /// A delegated user — even with every right — administers nothing: 403 `principal_only` on
    /// every user-administration action (the structure is visible to them, so no 404).
    @Test func aDelegatedUserCannotCreateUsersNorGrantNorRevoke() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let principalID = try Self.userID(of: principal)
            let (delegate, delegateID) = try Self.sqlDelegate(on: [(structure.id, Right.allCases.map(\.rawValue))], grantedBy: principalID)
            let (_, colleagueID) = try Self.sqlDelegate(on: [(structure.id, ["company"])], grantedBy: principalID)
            let email = Fixtures.uniqueEmail("by-delegate")
            let attempts: [(String, String, [String: Any]?)] = [
                ("POST", "/api/v1/users", ["last_name": "Martin", "first_name": "Paul", "email": email,
                                           "grants": [["structure_id": structure.id, "rights": ["company"]]]]),
                ("PUT", "/api/v1/users/\(colleagueID)/grants/\(structure.id)", ["rights": Right.allCases.map(\.rawValue)]),
                ("PUT", "/api/v1/users/\(delegateID)/grants/\(structure.id)", ["rights": Right.allCases.map(\.rawValue)]),
                ("DELETE", "/api/v1/users/\(colleagueID)/grants/\(structure.id)", nil),
                ("DELETE", "/api/v1/users/\(principalID)/grants/\(structure.id)", nil),
            ]
            for (method, path, body) in attempts {
                // The delegate sees the structure, so it is not hidden from them: the action is the principal's.
                let response = try delegate.send(method, path, json: body)
                #expect(response.status == 403, "\(method) \(path): \(response.text)")
                #expect(response.problemCode == "principal_only")
            }
            let list = try delegate.send("GET", "/api/v1/users")
            #expect(list.status == 403)
            #expect(list.problemCode == "principal_only")
            #expect(try Self.count("SELECT count(*) FROM users WHERE email = $1", [email]) == 0)
            let rights = try TestCluster.connect(as: "portal_owner").query(
                "SELECT user_id, rights FROM structure_access WHERE structure_id = $1 ORDER BY user_id", [structure.id])
                .map { "\(try $0.decode(0, as: Int64.self)):\(try $0.decode(1, as: TextArray.self).values.joined(separator: ","))" }
            let all = Right.allCases.map(\.rawValue).joined(separator: ",")
            #expect(rights == ["\(principalID):\(all)", "\(delegateID):\(all)", "\(colleagueID):company"])
        }
    }

    // MARK: Structures

    @Test func theDefaultStructureMovesAndMustBeOneOfMine() async throws {
        try await onDedicatedThread {
            let first = try Fixtures.structure(name: "SARL DEFAUT UN")
            let second = try Fixtures.structure(name: "SARL DEFAUT DEUX")
            let foreign = try Fixtures.structure(name: "SARL DEFAUT AUTRE")
            _ = try Fixtures.principal(of: foreign)
            let principal = try Fixtures.principal(of: first)
            #expect(try Self.attach(second, to: principal).status == 201)
            func defaults() throws -> [Int: Bool] {
                Dictionary(uniqueKeysWithValues: try principal.send("GET", "/api/v1/structures").jsonArray
                    .map { ($0["id"] as? Int ?? 0, $0["is_default"] as? Bool ?? false) })
            }
            #expect(try defaults() == [Int(first.id): true, Int(second.id): false])

            let moved = try principal.send("PUT", "/api/v1/me/default-structure", json: ["structure_id": second.id])
            #expect(moved.status == 200, "\(moved.text)")
            #expect(Dictionary(uniqueKeysWithValues: moved.jsonArray.map { ($0["id"] as? Int ?? 0, $0["is_default"] as? Bool ?? false) })
                == [Int(first.id): false, Int(second.id): true])
            #expect(try defaults() == [Int(first.id): false, Int(second.id): true])
            let me = try principal.send("GET", "/api/v1/me")
            #expect(me.json["default_structure_id"] as? Int == Int(second.id))
            #expect((me.json["user"] as? [String: Any])?["default_structure_id"] as? Int == Int(second.id))

            for target in [foreign.id, 9_000_000_000_000] {
                let refused = try principal.send("PUT", "/api/v1/me/default-structure", json: ["structure_id": target])
                #expect(refused.status == 422)
                #expect(refused.fieldCodes["structure_id"] == "unknown_structure")
                #expect(!refused.text.contains("SARL DEFAUT AUTRE"))
            }
            #expect(try defaults() == [Int(first.id): false, Int(second.id): true])
            #expect(try Self.count("SELECT count(*) FROM audit_events WHERE action = 'structure.set_default' AND structure_id = $1",
                                   [second.id]) == 1)
        }
    }

    @Test func aPrincipalAttachesAnotherStructureWithItsSecurityFields() async throws {
        try await onDedicatedThread {
            let home = try Fixtures.structure(name: "SARL MAISON")
            let principal = try Fixtures.principal(of: home)
            let principalID = try Self.userID(of: principal)
            let extra = try Fixtures.structure(name: "SARL ANNEXE")

            // Case, spaces and dashes of the code do not matter.
            let typed = extra.securityCode.lowercased().replacingOccurrences(of: "-", with: " ")
            let attached = try principal.send("POST", "/api/v1/structures", json: [
                "client_number": extra.clientNumber, "siren": extra.siren, "security_code": typed,
            ])
            #expect(attached.status == 201, "\(attached.text)")
            #expect(attached.json["id"] as? Int == Int(extra.id))
            #expect(attached.json["role"] as? String == "principal")
            #expect(attached.json["client_number"] as? String == extra.clientNumber)
            #expect(attached.json["rights"] as? [String] == Right.allCases.map(\.rawValue))
            #expect(attached.json["is_default"] as? Bool == false)
            let listed = try principal.send("GET", "/api/v1/structures").jsonArray.compactMap { $0["id"] as? Int }
            #expect(Set(listed) == [Int(home.id), Int(extra.id)])
            #expect(try principal.send("GET", "/api/v1/structures/\(extra.id)").json["name"] as? String == "SARL ANNEXE")

            // A wrong code: the one generic answer, nothing attached.
            let other = try Fixtures.structure()
            let wrong = try principal.send("POST", "/api/v1/structures", json: [
                "client_number": other.clientNumber, "siren": other.siren, "security_code": "AAAA-BBBB-CCCC",
            ])
            #expect(wrong.status == 422)
            #expect(wrong.problemCode == "security_fields_mismatch")
            #expect(try Self.count("SELECT count(*) FROM structure_access WHERE structure_id = $1", [other.id]) == 0)

            // A delegated-only user cannot attach anything, even with the right fields.
            let (delegate, _) = try Self.sqlDelegate(on: [(home.id, Right.allCases.map(\.rawValue))], grantedBy: principalID)
            let byDelegate = try Self.attach(other, to: delegate)
            #expect(byDelegate.status == 403)
            #expect(byDelegate.problemCode == "principal_only")
            #expect(try Self.count("SELECT count(*) FROM structure_access WHERE structure_id = $1", [other.id]) == 0)

            // A structure that has its principal cannot be taken over by another principal.
            let rival = try Fixtures.principal(of: try Fixtures.structure())
            let takeover = try Self.attach(extra, to: rival)
            #expect(takeover.status == 409)
            #expect(takeover.problemCode == "structure_has_principal")
            #expect(!takeover.text.contains("SARL ANNEXE"))
            #expect(try Self.count("SELECT count(*) FROM structure_access WHERE structure_id = $1 AND role = 'principal' AND user_id = $2",
                                   [extra.id, principalID]) == 1)
            #expect(try Self.count("SELECT count(*) FROM audit_events WHERE action = 'structure.attach' AND outcome = 'success' AND structure_id = $1",
                                   [extra.id]) == 1)
        }
    }

    /// Issue 3: "every failure is audited". A refused takeover (structure that already has a
    /// principal) records an audit event in AccountService — which must survive the request's
    /// rollback like the other refused security checks do.
    @Test func refusedTakeoversAreAudited() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            _ = try Fixtures.principal(of: structure)
            let signUp = try APIClient().send("POST", "/api/v1/accounts", json: Fixtures.signUpBody(structure, email: Fixtures.uniqueEmail()))
            #expect(signUp.status == 409)
            let rival = try Fixtures.principal(of: try Fixtures.structure())
            let rivalID = try Self.userID(of: rival)
            #expect(try Self.attach(structure, to: rival).status == 409)

            let signUpAudits = try Self.count("""
                SELECT count(*) FROM audit_events WHERE action = 'account.create' AND outcome = 'failure' AND structure_id = $1
                  AND details->>'reason' = 'structure_has_principal'
                """, [structure.id])
            let attachAudits = try Self.count("""
                SELECT count(*) FROM audit_events WHERE action = 'structure.attach' AND outcome = 'failure' AND structure_id = $1
                  AND actor_user_id = $2 AND details->>'reason' = 'structure_has_principal'
                """, [structure.id, rivalID])
            #expect(signUpAudits == 1, "the sign-up refusal's audit event was rolled back")
            #expect(attachAudits == 1, "the attach refusal's audit event was rolled back")
        }
    }

    // MARK: History

    @Test func myHistoryIsNewestFirstAndPaged() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let principalID = try Self.userID(of: principal)
            for title in ["Gérante", "Directrice", "Présidente"] {
                #expect(try principal.send("PATCH", "/api/v1/me", json: ["job_title": title]).status == 200)
            }
            #expect(try principal.send("PUT", "/api/v1/me/default-structure", json: ["structure_id": structure.id]).status == 200)
            let total = try Self.count("SELECT count(*) FROM audit_events WHERE actor_user_id = $1", [principalID])
            #expect(total == 7) // account.create, session.login, password.change, 3 × profile.update, structure.set_default

            let all = try principal.send("GET", "/api/v1/me/history?page_size=100")
            #expect(all.status == 200)
            #expect(all.json["total"] as? Int == total)
            let items = try #require(all.json["items"] as? [[String: Any]])
            #expect(items.count == total)
            #expect(items.prefix(4).compactMap { $0["action"] as? String }
                == ["structure.set_default", "profile.update", "profile.update", "profile.update"])
            #expect(items.last?["action"] as? String == "account.create")
            #expect(items.allSatisfy { $0["actor_user_id"] as? Int == Int(principalID) })
            #expect(items.first?["actor_name"] as? String == "Éloise Dupont")
            let ids = items.compactMap { $0["id"] as? Int }
            #expect(ids == ids.sorted(by: >))
            // openapi.yaml: occurred_at is a `date-time` string (RFC 3339), not a number.
            let times = items.compactMap { $0["occurred_at"] as? String }
            #expect(times.count == total, "occurred_at is sent as \(String(describing: items.first?["occurred_at"]))")
            let iso = ISO8601DateFormatter()
            iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let plain = ISO8601DateFormatter()
            let dates = times.compactMap { iso.date(from: $0) ?? plain.date(from: $0) }
            #expect(dates.count == times.count)
            #expect(dates == dates.sorted(by: >))
            #expect(dates.allSatisfy { abs($0.timeIntervalSinceNow) < 3600 })

            // Pages of 2 put together give the same list, without overlap.
            var paged: [Int] = []
            var page = 1
            while true {
                let response = try principal.send("GET", "/api/v1/me/history?page=\(page)&page_size=2")
                #expect(response.status == 200)
                #expect(response.json["page"] as? Int == page)
                #expect(response.json["page_size"] as? Int == 2)
                #expect(response.json["total"] as? Int == total)
                let pageIDs = (response.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                if pageIDs.isEmpty { break }
                #expect(pageIDs.count == min(2, total - paged.count))
                paged += pageIDs
                page += 1
                if page > 50 { break }
            }
            #expect(paged == ids)
            #expect(page == (total + 1) / 2 + 1)
        }
    }

    @Test func aStructuresHistoryShowsEveryonesActionsThereToItsPrincipalOnly() async throws {
        try await onDedicatedThread {
            let a = try Fixtures.structure(name: "SARL HISTOIRE A")
            let b = try Fixtures.structure(name: "SARL HISTOIRE B")
            let principalA = try Fixtures.principal(of: a)
            let principalAID = try Self.userID(of: principalA)
            let principalB = try Fixtures.principal(of: b)
            let principalBID = try Self.userID(of: principalB)
            let (delegate, delegateID) = try Self.sqlDelegate(on: [(a.id, ["company"]), (b.id, ["company"])], grantedBy: nil)
            #expect(try delegate.send("PUT", "/api/v1/me/default-structure", json: ["structure_id": a.id]).status == 200)
            #expect(try delegate.send("PUT", "/api/v1/me/default-structure", json: ["structure_id": b.id]).status == 200)
            #expect(try principalA.send("PUT", "/api/v1/users/\(delegateID)/grants/\(a.id)", json: ["rights": ["company", "ij"]]).status == 200)

            let historyA = try principalA.send("GET", "/api/v1/structures/\(a.id)/history?page_size=100")
            #expect(historyA.status == 200)
            let itemsA = try #require(historyA.json["items"] as? [[String: Any]])
            #expect(historyA.json["total"] as? Int == (try Self.count("SELECT count(*) FROM audit_events WHERE structure_id = $1", [a.id])))
            #expect(itemsA.allSatisfy { $0["structure_id"] as? Int == Int(a.id) })
            let byDelegate = itemsA.filter { $0["actor_user_id"] as? Int == Int(delegateID) }
            #expect(byDelegate.compactMap { $0["action"] as? String } == ["structure.set_default"])
            #expect(byDelegate.first?["actor_name"] as? String == "Estelle Martin")
            #expect(itemsA.first?["action"] as? String == "user.grant") // newest first
            #expect(itemsA.first?["actor_user_id"] as? Int == Int(principalAID))
            #expect(!itemsA.contains { $0["actor_user_id"] as? Int == Int(principalBID) })
            #expect(!historyA.text.contains("SARL HISTOIRE B"))

            // B's principal sees the delegate's action on B, not the one on A, and A's history not at all.
            let historyB = try principalB.send("GET", "/api/v1/structures/\(b.id)/history?page_size=100")
            let itemsB = historyB.json["items"] as? [[String: Any]] ?? []
            #expect(itemsB.filter { $0["actor_user_id"] as? Int == Int(delegateID) }.count == 1)
            #expect(itemsB.allSatisfy { $0["structure_id"] as? Int == Int(b.id) })
            #expect(try principalB.send("GET", "/api/v1/structures/\(a.id)/history").status == 404)

            // The delegate: their own history has both actions, the structure's history is refused.
            let refused = try delegate.send("GET", "/api/v1/structures/\(a.id)/history")
            #expect(refused.status == 403)
            #expect(refused.problemCode == "principal_only")
            let own = try delegate.send("GET", "/api/v1/me/history?page_size=100")
            let ownItems = own.json["items"] as? [[String: Any]] ?? []
            #expect(ownItems.allSatisfy { $0["actor_user_id"] as? Int == Int(delegateID) })
            #expect(Set(ownItems.filter { $0["action"] as? String == "structure.set_default" }.compactMap { $0["structure_id"] as? Int })
                == [Int(a.id), Int(b.id)])
            #expect(!ownItems.contains { $0["action"] as? String == "user.grant" }) // the principal's action, not theirs
        }
    }

    @Test func aRevokedDefaultStructureIsNoLongerTheDefault() async throws {
        try await onDedicatedThread {
            let structure = try Fixtures.structure()
            let principal = try Fixtures.principal(of: structure)
            let (delegate, delegateID) = try Fixtures.delegated(by: principal, on: structure.id, rights: ["company"])
            #expect(try delegate.send("PUT", "/api/v1/me/default-structure", json: ["structure_id": structure.id]).status == 200)
            #expect(try principal.send("DELETE", "/api/v1/users/\(delegateID)/grants/\(structure.id)").status == 204)
            let me = try delegate.send("GET", "/api/v1/me")
            #expect(me.status == 200)
            // Absent keys are how the API says "none".
            #expect((me.json["user"] as? [String: Any])?.keys.contains("default_structure_id") == false)
            #expect(me.json.keys.contains("default_structure_id") == false)
            #expect(!me.text.contains(structure.clientNumber))
        }
    }
}
