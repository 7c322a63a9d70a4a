import Foundation
import Portal
import PortalAPI
import Postgres
import Testing
import TestSupport

/// The isolation matrix of issue 3: every endpoint that exists × every kind of caller → the
/// expected status and problem code, and nothing of the target structure A (name, client number,
/// SIRET, address, phone, its users' addresses) in any body an outsider receives.
///
/// A structure the caller cannot see is a 404 (never a 403, existence does not leak); a visible
/// structure without the right is a 403 `missing_right`; principal-only actions are a 403
/// `principal_only`. The user-administration endpoints answer 403 `principal_only` to a user who
/// administers no structure, or who sees the structure named in the path or body only as a
/// delegate, and 404 when that structure is invisible to them (UserAdministration.requireAdministered).
/// Serialized: each case holds several database connections, and the test cluster allows 100.
@Suite(.serialized) struct IsolationMatrixTests {
    enum Caller: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// No cookie at all.
        case anonymous
        /// The principal user of structure B, a stranger to A.
        case userOfAnotherStructure
        /// A delegated user of B (granted by B's principal), with no grant on A.
        case delegatedWithoutGrant
        /// A delegated user of A whose profile lacks `company` (has `insured` and `documents`).
        case delegatedWithoutRight
        /// A delegated user of A with every right, whose grant A's principal just deleted.
        case revoked
        /// A's principal user.
        case principal

        var testDescription: String { rawValue }

        /// Allowed to know that A exists (name, client number, SIRET appear in its memberships).
        var seesStructureA: Bool { self == .delegatedWithoutRight || self == .principal }
    }

    struct Expected: Sendable, Equatable, CustomStringConvertible {
        let status: Int
        let code: String?

        static let ok = Expected(status: 200, code: nil)
        static let created = Expected(status: 201, code: nil)
        static let noContent = Expected(status: 204, code: nil)
        static let unauthenticated = Expected(status: 401, code: "unauthenticated")
        static let notFound = Expected(status: 404, code: "not_found")
        static let missingRight = Expected(status: 403, code: "missing_right")
        static let principalOnly = Expected(status: 403, code: "principal_only")
        static let unknownStructure = Expected(status: 422, code: "validation_failed")
        static let structureHasPrincipal = Expected(status: 409, code: "structure_has_principal")

        var description: String { "\(status)\(code.map { " " + $0 } ?? "")" }
    }

    /// One endpoint and what each caller gets from it.
    struct Row: Sendable, CustomStringConvertible {
        let method: String
        let route: String
        let path: @Sendable (World) -> String
        let body: (@Sendable (World) -> [String: Any])?
        let expected: [Caller: Expected]

        init(_ method: String, _ route: String, path: @escaping @Sendable (World) -> String,
             body: (@Sendable (World) -> [String: Any])? = nil,
             anonymous: Expected, userOfAnotherStructure: Expected, delegatedWithoutGrant: Expected,
             delegatedWithoutRight: Expected, revoked: Expected, principal: Expected) {
            self.method = method
            self.route = route
            self.path = path
            self.body = body
            expected = [.anonymous: anonymous, .userOfAnotherStructure: userOfAnotherStructure,
                        .delegatedWithoutGrant: delegatedWithoutGrant, .delegatedWithoutRight: delegatedWithoutRight,
                        .revoked: revoked, .principal: principal]
        }

        var description: String { "\(method) \(route)" }
    }

    /// Every route of StructureEndpoints, ProfileEndpoints, UserEndpoints and the authenticated
    /// part of SessionEndpoints, in an order where no row spoils a later one (the password change
    /// and the revocation come late, the logout last).
    static let matrix: [Row] = [
        Row("GET", "/api/v1/structures", path: { _ in "/api/v1/structures" },
            anonymous: .unauthenticated, userOfAnotherStructure: .ok, delegatedWithoutGrant: .ok,
            delegatedWithoutRight: .ok, revoked: .ok, principal: .ok),
        Row("GET", "/api/v1/structures/{id}", path: { "/api/v1/structures/\($0.a.id)" },
            anonymous: .unauthenticated, userOfAnotherStructure: .notFound, delegatedWithoutGrant: .notFound,
            delegatedWithoutRight: .missingRight, revoked: .notFound, principal: .ok),
        Row("GET", "/api/v1/structures/{id}/history", path: { "/api/v1/structures/\($0.a.id)/history" },
            anonymous: .unauthenticated, userOfAnotherStructure: .notFound, delegatedWithoutGrant: .notFound,
            delegatedWithoutRight: .principalOnly, revoked: .notFound, principal: .ok),
        Row("GET", "/api/v1/me", path: { _ in "/api/v1/me" },
            anonymous: .unauthenticated, userOfAnotherStructure: .ok, delegatedWithoutGrant: .ok,
            delegatedWithoutRight: .ok, revoked: .ok, principal: .ok),
        Row("PATCH", "/api/v1/me", path: { _ in "/api/v1/me" }, body: { _ in ["job_title": "Comptable"] },
            anonymous: .unauthenticated, userOfAnotherStructure: .ok, delegatedWithoutGrant: .ok,
            delegatedWithoutRight: .ok, revoked: .ok, principal: .ok),
        Row("PUT", "/api/v1/me/default-structure", path: { _ in "/api/v1/me/default-structure" },
            body: { ["structure_id": $0.a.id] },
            anonymous: .unauthenticated, userOfAnotherStructure: .unknownStructure, delegatedWithoutGrant: .unknownStructure,
            delegatedWithoutRight: .ok, revoked: .unknownStructure, principal: .ok),
        Row("GET", "/api/v1/me/history", path: { _ in "/api/v1/me/history" },
            anonymous: .unauthenticated, userOfAnotherStructure: .ok, delegatedWithoutGrant: .ok,
            delegatedWithoutRight: .ok, revoked: .ok, principal: .ok),
        Row("GET", "/api/v1/users", path: { _ in "/api/v1/users" },
            anonymous: .unauthenticated, userOfAnotherStructure: .ok, delegatedWithoutGrant: .principalOnly,
            delegatedWithoutRight: .principalOnly, revoked: .principalOnly, principal: .ok),
        Row("POST", "/api/v1/users", path: { _ in "/api/v1/users" },
            body: { ["last_name": "Nouveau", "first_name": "Venu", "email": $0.newcomerEmail,
                     "grants": [["structure_id": $0.a.id, "rights": ["company"]]]] },
            anonymous: .unauthenticated, userOfAnotherStructure: .notFound, delegatedWithoutGrant: .principalOnly,
            delegatedWithoutRight: .principalOnly, revoked: .principalOnly, principal: .created),
        Row("PUT", "/api/v1/users/{id}/grants/{structure_id}", path: { "/api/v1/users/\($0.victimID)/grants/\($0.a.id)" },
            body: { _ in ["rights": ["company", "insured"]] },
            anonymous: .unauthenticated, userOfAnotherStructure: .notFound, delegatedWithoutGrant: .notFound,
            delegatedWithoutRight: .principalOnly, revoked: .notFound, principal: .ok),
        // Attaching A with its (correct) security fields: nobody but A's principal may hold it.
        Row("POST", "/api/v1/structures", path: { _ in "/api/v1/structures" },
            body: { ["client_number": $0.a.clientNumber, "siren": $0.a.siren, "security_code": $0.a.securityCode] },
            anonymous: .unauthenticated, userOfAnotherStructure: .structureHasPrincipal, delegatedWithoutGrant: .principalOnly,
            delegatedWithoutRight: .principalOnly, revoked: .principalOnly, principal: .created),
        Row("POST", "/api/v1/me/password", path: { _ in "/api/v1/me/password" },
            body: { _ in ["current_password": Fixtures.strongPassword, "new_password": "Autre-Secret-2027"] },
            anonymous: .unauthenticated, userOfAnotherStructure: .ok, delegatedWithoutGrant: .ok,
            delegatedWithoutRight: .ok, revoked: .ok, principal: .ok),
        Row("DELETE", "/api/v1/users/{id}/grants/{structure_id}", path: { "/api/v1/users/\($0.victimID)/grants/\($0.a.id)" },
            anonymous: .unauthenticated, userOfAnotherStructure: .notFound, delegatedWithoutGrant: .notFound,
            delegatedWithoutRight: .principalOnly, revoked: .notFound, principal: .noContent),
        Row("DELETE", "/api/v1/session", path: { _ in "/api/v1/session" },
            anonymous: .unauthenticated, userOfAnotherStructure: .noContent, delegatedWithoutGrant: .noContent,
            delegatedWithoutRight: .noContent, revoked: .noContent, principal: .noContent),
    ]

    /// Structure A (the target) with its principal and a "victim" delegated user, structure B next
    /// door, and the client of the caller under test.
    final class World {
        let tag = UUID().uuidString.prefix(8).uppercased()
        let a: Fixtures.Structure
        let aName: String
        let aSIRET: String
        let aAddress: String
        let aPhone: String
        let b: Fixtures.Structure
        let principalA: APIClient
        let principalAEmail = Fixtures.uniqueEmail("principal-a")
        let principalAID: Int64
        let victimEmail = Fixtures.uniqueEmail("victim")
        let victimID: Int64
        let newcomerEmail = Fixtures.uniqueEmail("newcomer")
        /// The caller under test, and their id when they are a delegated user.
        let client: APIClient
        var callerID: Int64?

        init(caller: Caller) throws {
            aName = "ALPHA CIBLE \(tag)"
            a = try Fixtures.structure(name: aName)
            b = try Fixtures.structure(name: "BETA VOISINE \(tag)")
            aAddress = "7 rue du Secret \(tag) 64000 Pau"
            aPhone = String(format: "05 %02d %02d %02d %02d", Int.random(in: 10...99), Int.random(in: 10...99),
                            Int.random(in: 10...99), Int.random(in: 10...99))
            let owner = try TestCluster.connect(as: "portal_owner")
            try owner.execute("UPDATE structures SET address = $2, phone = $3 WHERE id = $1", [a.id, aAddress, aPhone])
            aSIRET = try owner.query("SELECT siret FROM structures WHERE id = $1", [a.id]).first!.decode(0)

            principalA = try Fixtures.principal(of: a, email: principalAEmail)
            principalAID = try Self.userID(of: principalA)
            (_, victimID) = try Self.delegate(on: a.id, rights: ["company"], grantedBy: principalAID, email: victimEmail, logIn: false)

            switch caller {
            case .anonymous:
                client = try APIClient()
            case .userOfAnotherStructure:
                client = try Fixtures.principal(of: b)
            case .delegatedWithoutGrant:
                let principalB = try Fixtures.principal(of: b)
                let (delegate, id) = try Self.delegate(on: b.id, rights: Right.allCases.map(\.rawValue), grantedBy: try Self.userID(of: principalB))
                (client, callerID) = (delegate!, id)
            case .delegatedWithoutRight:
                let (delegate, id) = try Self.delegate(on: a.id, rights: ["insured", "documents"], grantedBy: principalAID)
                (client, callerID) = (delegate!, id)
            case .revoked:
                let (delegate, id) = try Self.delegate(on: a.id, rights: Right.allCases.map(\.rawValue), grantedBy: principalAID)
                (client, callerID) = (delegate!, id)
            case .principal:
                client = principalA
            }
        }

        /// What must never appear in a body this caller receives.
        func secrets(for caller: Caller) -> [String] {
            var secrets = [principalAEmail, victimEmail, newcomerEmail, aAddress, aPhone, a.securityCode]
            // Identifiers are matched as JSON strings, so that a timestamp's digits cannot match by chance.
            if !caller.seesStructureA { secrets += [aName, "\"\(a.clientNumber)\"", "\"\(aSIRET)\"", "\"\(a.siren)\""] }
            return secrets
        }

        static func userID(of client: APIClient) throws -> Int64 {
            let me = try client.send("GET", "/api/v1/me")
            guard let user = me.json["user"] as? [String: Any], let id = user["id"] as? Int else {
                throw Fixtures.FixtureError(step: "GET /me", response: me)
            }
            return Int64(id)
        }

        /// A delegated user of `structureID` with `rights`, written directly as the owner (so the
        /// matrix does not depend on POST /users, which has a row of its own), then logged in
        /// through the API unless `logIn` is false.
        static func delegate(on structureID: Int64, rights: [String], grantedBy: Int64?,
                             email: String = Fixtures.uniqueEmail("delegate"), logIn: Bool = true) throws -> (client: APIClient?, id: Int64) {
            let owner = try TestCluster.connect(as: "portal_owner")
            let id: Int64 = try owner.query("""
                INSERT INTO users (email, last_name, first_name, password_hash, must_change_password)
                VALUES ($1, 'Martin', 'Estelle', $2, false) RETURNING id
                """, [email, try SecretHasher.minimal.hash(Fixtures.strongPassword)]).first!.decode(0)
            try owner.execute("""
                INSERT INTO structure_access (structure_id, user_id, role, rights, granted_by) VALUES ($1, $2, 'delegated', $3, $4)
                """, [structureID, id, TextArray(rights), grantedBy])
            guard logIn else { return (nil, id) }
            let client = try APIClient()
            let login = try client.send("POST", "/api/v1/session", json: ["email": email, "password": Fixtures.strongPassword])
            guard login.status == 200 else { throw Fixtures.FixtureError(step: "delegate login", response: login) }
            return (client, id)
        }
    }

    @Test(arguments: Caller.allCases)
    func everyEndpointAnswersEveryKindOfCallerAsExpected(_ caller: Caller) async throws {
        try await onDedicatedThread {
            let world = try World(caller: caller)
            if caller == .revoked {
                // The grant works, the principal deletes it, and the very next request is a 404.
                #expect(try world.client.send("GET", "/api/v1/structures/\(world.a.id)").status == 200)
                let revocation = try world.principalA.send("DELETE", "/api/v1/users/\(try #require(world.callerID))/grants/\(world.a.id)")
                #expect(revocation.status == 204)
                let next = try world.client.send("GET", "/api/v1/structures/\(world.a.id)")
                #expect(next.status == 404)
                #expect(next.problemCode == "not_found")
            }

            var bodies: [(Row, String)] = []
            for row in Self.matrix {
                let expected = try #require(row.expected[caller])
                let response = try world.client.send(row.method, row.path(world), json: row.body?(world))
                #expect(response.status == expected.status, "\(row) as \(caller): \(response.text)")
                if let code = expected.code {
                    #expect(response.problemCode == code, "\(row) as \(caller): \(response.text)")
                }
                if expected == .unknownStructure {
                    #expect(response.fieldCodes["structure_id"] == "unknown_structure", "\(row) as \(caller)")
                }
                bodies.append((row, response.text))
                Self.checkShape(of: response, for: row, caller: caller, world: world)
            }

            // No foreign data in anything an outsider received.
            if caller != .principal {
                for (row, text) in bodies {
                    for secret in world.secrets(for: caller) {
                        #expect(!text.contains(secret), "\(row) as \(caller) leaks «\(secret)»: \(text)")
                    }
                }
            }
            try Self.checkDatabase(after: caller, world: world)
        }
    }

    /// Structural checks on the 2xx bodies: outsiders' lists hold nothing of A; the principal's do.
    static func checkShape(of response: APIResponse, for row: Row, caller: Caller, world: World) {
        guard response.status < 300, response.status != 204 else { return }
        let aID = Int(world.a.id)
        switch (row.method, row.route) {
        case ("GET", "/api/v1/structures"):
            let ids = response.jsonArray.compactMap { $0["id"] as? Int }
            #expect(ids.contains(aID) == caller.seesStructureA, "structures of \(caller): \(ids)")
        case ("GET", "/api/v1/me"):
            let ids = (response.json["structures"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            #expect(ids.contains(aID) == caller.seesStructureA, "memberships of \(caller): \(ids)")
        case ("GET", "/api/v1/structures/{id}"):
            #expect(response.json["name"] as? String == world.aName)
            #expect(response.json["address"] as? String == world.aAddress)
        case ("GET", "/api/v1/users"):
            let emails = response.jsonArray.compactMap { $0["email"] as? String }
            if caller == .principal {
                #expect(emails.contains(world.victimEmail))
            } else {
                #expect(!emails.contains(world.victimEmail) && !emails.contains(world.principalAEmail), "users seen by \(caller): \(emails)")
            }
            let grantedStructures = response.jsonArray.flatMap { ($0["grants"] as? [[String: Any]] ?? []).compactMap { $0["structure_id"] as? Int } }
            #expect(grantedStructures.contains(aID) == (caller == .principal))
        case ("GET", "/api/v1/me/history"), ("GET", "/api/v1/structures/{id}/history"):
            let items = response.json["items"] as? [[String: Any]]
            #expect(items != nil, "\(row): \(response.text)")
            if caller != .principal {
                // An outsider's own history never mentions A (their actions on A were refused before any audit).
                let structures = (items ?? []).compactMap { $0["structure_id"] as? Int }
                #expect(caller.seesStructureA || !structures.contains(aID), "history of \(caller) mentions A")
            } else if row.route == "/api/v1/structures/{id}/history" {
                let actors = Set((items ?? []).compactMap { $0["actor_user_id"] as? Int })
                #expect(actors.contains(Int(world.principalAID)))
            }
        default:
            break
        }
    }

    /// What the attempts left behind: outsiders changed nothing on A; the principal's own actions happened.
    static func checkDatabase(after caller: Caller, world: World) throws {
        let owner = try TestCluster.connect(as: "portal_owner")
        let victimRights = try owner.query("SELECT rights FROM structure_access WHERE user_id = $1 AND structure_id = $2",
                                           [world.victimID, world.a.id]).first.map { try $0.decode(0, as: TextArray.self).values }
        let newcomers: Int = try owner.query("SELECT count(*) FROM users WHERE email = $1", [world.newcomerEmail]).first!.decode(0)
        let principals = try owner.query("SELECT user_id FROM structure_access WHERE structure_id = $1 AND role = 'principal'",
                                         [world.a.id]).map { try $0.decode(0, as: Int64.self) }
        #expect(principals == [world.principalAID])
        if caller == .principal {
            #expect(victimRights == nil) // PUT then DELETE went through
            #expect(newcomers == 1)
        } else {
            #expect(victimRights == ["company"], "\(caller) changed the victim's grant")
            #expect(newcomers == 0, "\(caller) created a user")
            let onA = try owner.query("SELECT user_id FROM structure_access WHERE structure_id = $1 ORDER BY user_id",
                                      [world.a.id]).map { try $0.decode(0, as: Int64.self) }
            let expected = [world.principalAID, world.victimID] + (caller == .delegatedWithoutRight ? [world.callerID!] : [])
            #expect(onA == expected.sorted(), "access rows on A after \(caller)")
        }
    }

    // MARK: User administration across structures

    /// A principal of A cannot see, grant or revoke anything of B through `/users`, even for a user
    /// who belongs to both; every attempt is the same 404 `not_found`.
    @Test func principalsOfTwoStructuresCannotReachEachOthersUsers() async throws {
        try await onDedicatedThread {
            let a = try Fixtures.structure(name: "ALPHA ADMIN")
            let b = try Fixtures.structure(name: "BETA ADMIN")
            let principalAEmail = Fixtures.uniqueEmail("pa")
            let principalBEmail = Fixtures.uniqueEmail("pb")
            let principalA = try Fixtures.principal(of: a, email: principalAEmail)
            let principalB = try Fixtures.principal(of: b, email: principalBEmail)
            let principalBID = try World.userID(of: principalB)
            let intruderEmails = [Fixtures.uniqueEmail("intrus"), Fixtures.uniqueEmail("intrus")]
            let userOfBEmail = Fixtures.uniqueEmail("only-b")
            let (_, userOfB) = try World.delegate(on: b.id, rights: ["company", "health"], grantedBy: principalBID,
                                               email: userOfBEmail, logIn: false)

            // Seeing: neither B's users nor B's grants.
            let listA = try principalA.send("GET", "/api/v1/users")
            #expect(listA.status == 200)
            for secret in [principalBEmail, userOfBEmail] { #expect(!listA.text.contains(secret)) }
            #expect(!listA.jsonArray.contains { ($0["grants"] as? [[String: Any]] ?? []).contains { $0["structure_id"] as? Int == Int(b.id) } })

            // Granting: on B (not administered), or on A to a user A's principal cannot see.
            let attempts: [(String, String, [String: Any]?)] = [
                ("PUT", "/api/v1/users/\(userOfB)/grants/\(b.id)", ["rights": ["company", "insured", "health", "ij", "documents", "requests"]]),
                ("PUT", "/api/v1/users/\(userOfB)/grants/\(a.id)", ["rights": ["company"]]),
                ("PUT", "/api/v1/users/\(principalBID)/grants/\(b.id)", ["rights": ["company"]]),
                ("PUT", "/api/v1/users/\(principalBID)/grants/\(a.id)", ["rights": ["company"]]),
                ("DELETE", "/api/v1/users/\(userOfB)/grants/\(b.id)", nil),
                ("DELETE", "/api/v1/users/\(principalBID)/grants/\(b.id)", nil),
                ("POST", "/api/v1/users", ["last_name": "Intrus", "first_name": "Ian", "email": intruderEmails[0],
                                           "grants": [["structure_id": b.id, "rights": ["company"]]]]),
                // One administered structure does not carry a foreign one along.
                ("POST", "/api/v1/users", ["last_name": "Intrus", "first_name": "Ian", "email": intruderEmails[1],
                                           "grants": [["structure_id": a.id, "rights": ["company"]], ["structure_id": b.id, "rights": ["company"]]]]),
            ]
            for (method, path, body) in attempts {
                let response = try principalA.send(method, path, json: body)
                #expect(response.status == 404, "\(method) \(path): \(response.text)")
                #expect(response.problemCode == "not_found")
                for secret in [principalBEmail, userOfBEmail, "BETA ADMIN", b.clientNumber] { #expect(!response.text.contains(secret)) }
            }

            let owner = try TestCluster.connect(as: "portal_owner")
            let accessOfB = try owner.query("SELECT user_id, role, rights FROM structure_access WHERE structure_id = $1 ORDER BY user_id",
                                            [b.id]).map { "\(try $0.decode(0, as: Int64.self)) \(try $0.decode(1, as: String.self)) \(try $0.decode(2, as: TextArray.self).values)" }
            #expect(accessOfB == ["\(principalBID) principal \(Right.allCases.map(\.rawValue))", "\(userOfB) delegated [\"company\", \"health\"]"])
            let foreignersOnA: Int = try owner.query("SELECT count(*) FROM structure_access WHERE structure_id = $1 AND user_id IN ($2, $3)",
                                                     [a.id, userOfB, principalBID]).first!.decode(0)
            #expect(foreignersOnA == 0)
            let intruders: Int = try owner.query("SELECT count(*) FROM users WHERE email = $1 OR email = $2",
                                                 [intruderEmails[0], intruderEmails[1]]).first!.decode(0)
            #expect(intruders == 0)
        }
    }

    /// A user delegated on both A (by A's principal) and B (by B's principal): each principal sees
    /// that user with their own structure's grant only, and cannot revoke the other's.
    @Test func aSharedUserShowsEachPrincipalOnlyTheirOwnGrants() async throws {
        try await onDedicatedThread {
            let a = try Fixtures.structure(name: "ALPHA PARTAGE")
            let b = try Fixtures.structure(name: "BETA PARTAGE")
            let principalA = try Fixtures.principal(of: a)
            let principalB = try Fixtures.principal(of: b)
            let sharedEmail = Fixtures.uniqueEmail("shared")
            let (_, shared) = try World.delegate(on: b.id, rights: ["health"], grantedBy: try World.userID(of: principalB),
                                                 email: sharedEmail, logIn: false)
            let added = try principalA.send("POST", "/api/v1/users", json: [
                "last_name": "Martin", "first_name": "Estelle", "email": sharedEmail,
                "grants": [["structure_id": a.id, "rights": ["company"]]],
            ])
            #expect(added.status == 200) // existing account: grants added
            #expect(added.json["id"] as? Int == Int(shared))

            func grants(seenBy principal: APIClient) throws -> [Int] {
                let list = try principal.send("GET", "/api/v1/users")
                let user = list.jsonArray.first { $0["id"] as? Int == Int(shared) }
                return (user?["grants"] as? [[String: Any]] ?? []).compactMap { $0["structure_id"] as? Int }
            }
            #expect(try grants(seenBy: principalA) == [Int(a.id)])
            #expect(try grants(seenBy: principalB) == [Int(b.id)])
            #expect(!added.text.contains("BETA PARTAGE") && !added.text.contains("health"))

            let crossRevoke = try principalA.send("DELETE", "/api/v1/users/\(shared)/grants/\(b.id)")
            #expect(crossRevoke.status == 404)
            let crossChange = try principalB.send("PUT", "/api/v1/users/\(shared)/grants/\(a.id)", json: ["rights": ["company", "health"]])
            #expect(crossChange.status == 404)
            #expect(try grants(seenBy: principalA) == [Int(a.id)])
            #expect(try grants(seenBy: principalB) == [Int(b.id)])
        }
    }

    /// HEAD follows GET: the same status for an outsider, and no body at all.
    @Test func headRequestsAreIsolatedLikeGet() async throws {
        try await onDedicatedThread {
            let a = try Fixtures.structure()
            _ = try Fixtures.principal(of: a)
            let stranger = try Fixtures.principal(of: try Fixtures.structure())
            for path in ["/api/v1/structures/\(a.id)", "/api/v1/structures/\(a.id)/history"] {
                let response = try stranger.send("HEAD", path)
                #expect(response.status == 404)
                #expect(response.body.isEmpty)
            }
        }
    }
}
