import Foundation
import Portal
import Postgres
import Testing
import TestSupport

/// Row-level security as the second line of defence (DESIGN §3.4, §4): connected as
/// `portal_app` with only `app.user_id` set, queries that *forget* their structure filter still
/// see nothing of other tenants, and the role cannot write what the application must not.
@Suite struct RowLevelSecurityTests {
    /// Two tenants made as the owner: structure A with its principal and a delegated user,
    /// structure B with its principal; a session each for the two principals; audit events of
    /// every kind.
    struct Tenants {
        let structureA: Int64
        let structureB: Int64
        let principalA: Int64
        let delegateA: Int64
        let principalB: Int64
        /// Audit events: by A's principal on A, by the delegate on A, anonymous on A (a failed
        /// sign-up), by the delegate on no structure, by B's principal on B, anonymous on B.
        let events: (principalOnA: Int64, delegateOnA: Int64, anonymousOnA: Int64, delegateAlone: Int64, principalOnB: Int64, anonymousOnB: Int64)
    }

    static func luhnComplete(_ digits: String) -> String {
        for check in 0...9 where CompanyIdentifiers.luhnIsValid(digits + String(check)) { return digits + String(check) }
        fatalError("unreachable")
    }

    static func makeStructure(_ administration: StructureAdministration, name: String) throws -> Int64 {
        while true {
            let siren = luhnComplete(String(format: "%08d", Int.random(in: 0..<100_000_000)))
            do {
                return try administration.create(.init(clientNumber: String(format: "%07d", Int.random(in: 0..<10_000_000)), siren: siren,
                                                       siret: luhnComplete(siren + String(format: "%04d", Int.random(in: 0..<10_000))),
                                                       name: name)).structureID
            } catch StructureAdministration.Failure.clientNumberTaken {
                continue
            }
        }
    }

    static func makeTenants() throws -> Tenants {
        let owner = try TestCluster.connect(as: "portal_owner")
        let administration = StructureAdministration(connection: owner, hasher: .minimal)
        let a = try makeStructure(administration, name: "SARL RLS A")
        let b = try makeStructure(administration, name: "SARL RLS B")
        func user(_ prefix: String) throws -> Int64 {
            try owner.query("INSERT INTO users (email, last_name, first_name) VALUES ($1, 'Test', 'RLS') RETURNING id",
                            ["\(prefix).\(UUID().uuidString.prefix(8).lowercased())@example.fr"]).first!.decode(0)
        }
        let principalA = try user("rls-pa")
        let delegateA = try user("rls-da")
        let principalB = try user("rls-pb")
        let all = TextArray(Right.allCases.map(\.rawValue))
        for (structure, user, role, rights) in [(a, principalA, "principal", all), (a, delegateA, "delegated", TextArray(["company"])),
                                                (b, principalB, "principal", all)] {
            try owner.execute("INSERT INTO structure_access (structure_id, user_id, role, rights) VALUES ($1, $2, $3, $4)",
                              [structure, user, role, rights])
        }
        for user in [principalA, principalB] {
            try owner.execute("""
                INSERT INTO sessions (token_hash, user_id, csrf_token_hash, expires_at) VALUES ($1, $2, $3, now() + interval '1 hour')
                """, [randomDigest(), user, randomDigest()])
        }
        func event(_ actor: Int64?, _ structure: Int64?) throws -> Int64 {
            try owner.query("INSERT INTO audit_events (actor_user_id, structure_id, action) VALUES ($1, $2, 'test.rls') RETURNING id",
                            [actor, structure]).first!.decode(0)
        }
        return Tenants(structureA: a, structureB: b, principalA: principalA, delegateA: delegateA, principalB: principalB,
                       events: (try event(principalA, a), try event(delegateA, a), try event(nil, a), try event(delegateA, nil),
                                try event(principalB, b), try event(nil, b)))
    }

    static func randomDigest() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255) } }

    /// What one unfiltered `SELECT *` per tenant table returns inside a transaction where
    /// `app.user_id` is `user` (nil: never set).
    struct Visible: Equatable, CustomStringConvertible {
        var structures: Set<Int64> = []
        var access: Set<String> = []
        var users: Set<Int64> = []
        var sessions: Set<Int64> = []
        var events: Set<Int64> = []

        var description: String { "structures \(structures) access \(access) users \(users) sessions \(sessions) events \(events)" }
    }

    static func unfiltered(_ app: PostgresConnection, as user: String?) throws -> Visible {
        try app.transaction { connection in
            if let user { try connection.query("SELECT set_config('app.user_id', $1, true)", [user]) }
            var visible = Visible()
            visible.structures = Set(try connection.query("SELECT * FROM structures").map { try $0.decode("id", as: Int64.self) })
            visible.access = Set(try connection.query("SELECT * FROM structure_access").map {
                "\(try $0.decode("structure_id", as: Int64.self)):\(try $0.decode("user_id", as: Int64.self))"
            })
            visible.users = Set(try connection.query("SELECT * FROM users").map { try $0.decode("id", as: Int64.self) })
            visible.sessions = Set(try connection.query("SELECT * FROM sessions").map { try $0.decode("user_id", as: Int64.self) })
            visible.events = Set(try connection.query("SELECT * FROM audit_events").map { try $0.decode("id", as: Int64.self) })
            return visible
        }
    }

    /// The SQLSTATE `body` fails with inside a transaction acting as `user`, or nil if it succeeds
    /// (then its affected row count is returned in `rows`).
    static func attempt(_ app: PostgresConnection, as user: Int64, _ sql: String, _ binds: [any PostgresBindable] = []) -> (state: String?, rows: Int) {
        do {
            let rows = try app.transaction { connection -> Int in
                try connection.query("SELECT set_config('app.user_id', $1, true)", [String(user)])
                return try connection.execute(sql, binds)
            }
            return (nil, rows)
        } catch let error as PostgresError {
            return (error.sqlState ?? "no sqlstate: \(error)", 0)
        } catch {
            return ("\(error)", 0)
        }
    }

    @Test func unfilteredQueriesSeeOnlyTheCurrentUsersTenant() async throws {
        let (tenants, asPrincipalA, asDelegateA, asPrincipalB) = try await onDedicatedThread { () -> (Tenants, Visible, Visible, Visible) in
            let tenants = try Self.makeTenants()
            let app = try TestCluster.connect(as: "portal_app")
            return (tenants, try Self.unfiltered(app, as: String(tenants.principalA)), try Self.unfiltered(app, as: String(tenants.delegateA)),
                    try Self.unfiltered(app, as: String(tenants.principalB)))
        }
        let (a, b, e) = (tenants.structureA, tenants.structureB, tenants.events)
        // A's principal: A, everyone's access rows on A, A's users, their own session, what happened on A and what they did.
        #expect(asPrincipalA == Visible(structures: [a], access: ["\(a):\(tenants.principalA)", "\(a):\(tenants.delegateA)"],
                                        users: [tenants.principalA, tenants.delegateA], sessions: [tenants.principalA],
                                        events: [e.principalOnA, e.delegateOnA, e.anonymousOnA]))
        // A delegated user: A, their own access row and user row, their own actions only.
        #expect(asDelegateA == Visible(structures: [a], access: ["\(a):\(tenants.delegateA)"], users: [tenants.delegateA], sessions: [],
                                       events: [e.delegateOnA, e.delegateAlone]))
        #expect(asPrincipalB == Visible(structures: [b], access: ["\(b):\(tenants.principalB)"], users: [tenants.principalB],
                                        sessions: [tenants.principalB], events: [e.principalOnB, e.anonymousOnB]))
    }

    /// Policies fail closed: with app.user_id never set, empty, or naming nobody, every tenant
    /// table looks empty; a value that is not a number is an error, not a wider view.
    @Test func withoutAKnownUserEveryTenantTableLooksEmpty() async throws {
        let (unset, empty, nobody, garbage) = try await onDedicatedThread { () -> (Visible, Visible, Visible, String?) in
            _ = try Self.makeTenants() // there is something to hide
            let fresh = try TestCluster.connect(as: "portal_app")
            let unset = try Self.unfiltered(fresh, as: nil)
            let app = try TestCluster.connect(as: "portal_app")
            let empty = try Self.unfiltered(app, as: "")
            let nobody = try Self.unfiltered(app, as: "-1")
            var garbage: String?
            do {
                _ = try Self.unfiltered(app, as: "1 OR true")
            } catch let error as PostgresError {
                garbage = error.sqlState
            }
            return (unset, empty, nobody, garbage)
        }
        #expect(unset == Visible())
        #expect(empty == Visible())
        #expect(nobody == Visible())
        #expect(garbage == "22P02")
    }

    @Test func theAppRoleCannotWriteOrReadWhatItMustNot() async throws {
        let (results, untouched) = try await onDedicatedThread { () -> ([String: (state: String?, rows: Int)], [String]) in
            let tenants = try Self.makeTenants()
            let app = try TestCluster.connect(as: "portal_app")
            let me = tenants.principalA
            let results: [String: (state: String?, rows: Int)] = [
                "insert structure": Self.attempt(app, as: me, """
                    INSERT INTO structures (client_number, siren, siret, name) VALUES ('0000001', '732829320', '73282932000074', 'X')
                    """),
                "update structure": Self.attempt(app, as: me, "UPDATE structures SET name = 'X' WHERE id = $1", [tenants.structureA]),
                "update other user": Self.attempt(app, as: me, "UPDATE users SET job_title = 'pirate' WHERE id = $1", [tenants.principalB]),
                "update administered user": Self.attempt(app, as: me, "UPDATE users SET job_title = 'pirate' WHERE id = $1", [tenants.delegateA]),
                "update every user": Self.attempt(app, as: me, "UPDATE users SET job_title = 'pirate' WHERE id <> $1", [me]),
                "update own email": Self.attempt(app, as: me, "UPDATE users SET email = 'x@example.fr' WHERE id = $1", [me]),
                "update own password": Self.attempt(app, as: me, "UPDATE users SET password_hash = 'x', must_change_password = false WHERE id = $1", [me]),
                "delete user": Self.attempt(app, as: me, "DELETE FROM users WHERE id = $1", [tenants.delegateA]),
                "update audit": Self.attempt(app, as: me, "UPDATE audit_events SET action = 'x' WHERE id = $1", [tenants.events.principalOnA]),
                "delete audit": Self.attempt(app, as: me, "DELETE FROM audit_events WHERE id = $1", [tenants.events.principalOnA]),
                "truncate audit": Self.attempt(app, as: me, "TRUNCATE audit_events"),
                "forge audit": Self.attempt(app, as: me, "INSERT INTO audit_events (actor_user_id, structure_id, action) VALUES ($1, $2, 'x')",
                                            [tenants.principalB, tenants.structureB]),
                "read login_throttle": Self.attempt(app, as: me, "SELECT * FROM login_throttle"),
                "read password_resets": Self.attempt(app, as: me, "SELECT * FROM password_resets"),
                "read security_code_attempts": Self.attempt(app, as: me, "SELECT * FROM security_code_attempts"),
                "read mail_outbox": Self.attempt(app, as: me, "SELECT * FROM mail_outbox"),
                "session for another": Self.attempt(app, as: me, """
                    INSERT INTO sessions (token_hash, user_id, csrf_token_hash, expires_at) VALUES ($1, $2, $3, now() + interval '1 hour')
                    """, [Self.randomDigest(), tenants.principalB, Self.randomDigest()]),
                "end another's sessions": Self.attempt(app, as: me, "DELETE FROM sessions WHERE user_id = $1", [tenants.principalB]),
                "extend another's sessions": Self.attempt(app, as: me, "UPDATE sessions SET expires_at = now() + interval '1 year' WHERE user_id <> $1", [me]),
            ]
            let owner = try TestCluster.connect(as: "portal_owner")
            let untouched = try owner.query("""
                SELECT coalesce(job_title, '-') FROM users WHERE id IN ($1, $2)
                UNION ALL SELECT count(*)::text FROM sessions WHERE user_id = $1
                UNION ALL SELECT action FROM audit_events WHERE id = $3
                """, [tenants.principalB, tenants.delegateA, tenants.events.principalOnA]).map { try $0.decode(0, as: String.self) }
            return (results, untouched)
        }
        for name in ["insert structure", "update structure", "update own email", "update own password", "delete user", "update audit",
                     "delete audit", "truncate audit", "read login_throttle", "read password_resets", "read security_code_attempts",
                     "read mail_outbox"] {
            #expect(results[name]?.state == "42501", "\(name): \(String(describing: results[name]))")
        }
        // Row-level checks: new rows that are not one's own are refused...
        for name in ["forge audit", "session for another"] {
            #expect(results[name]?.state == "42501", "\(name): \(String(describing: results[name]))")
        }
        // ...and rows one may not touch are simply not there.
        for name in ["update other user", "update administered user", "update every user", "end another's sessions", "extend another's sessions"] {
            #expect(results[name]?.state == nil, "\(name): \(String(describing: results[name]))")
            #expect(results[name]?.rows == 0, "\(name) touched rows")
        }
        #expect(untouched == ["-", "-", "1", "test.rls"])
    }

    /// Grants live in structure_access: a user may only add or change *delegated* rows of the
    /// structures they administer. Nobody makes themself principal, nor widens their own access.
    @Test func noOneGrantsThemselfPrincipalOrWiderAccess() async throws {
        let (results, access) = try await onDedicatedThread { () -> ([String: (state: String?, rows: Int)], [String]) in
            let t = try Self.makeTenants()
            let app = try TestCluster.connect(as: "portal_app")
            let insert = "INSERT INTO structure_access (structure_id, user_id, role, rights) VALUES ($1, $2, $3, $4)"
            let all = TextArray(Right.allCases.map(\.rawValue))
            let results: [String: (state: String?, rows: Int)] = [
                "principal of A takes B": Self.attempt(app, as: t.principalA, insert, [t.structureB, t.principalA, "principal", all]),
                "principal of A joins B as delegate": Self.attempt(app, as: t.principalA, insert, [t.structureB, t.principalA, "delegated", all]),
                "principal of A names a second principal": Self.attempt(app, as: t.principalA, insert, [t.structureA, t.principalB, "principal", all]),
                "delegate promotes themself": Self.attempt(app, as: t.delegateA,
                    "UPDATE structure_access SET role = 'principal', rights = $3 WHERE structure_id = $1 AND user_id = $2", [t.structureA, t.delegateA, all]),
                "delegate widens own rights": Self.attempt(app, as: t.delegateA,
                    "UPDATE structure_access SET rights = $3 WHERE structure_id = $1 AND user_id = $2", [t.structureA, t.delegateA, all]),
                "delegate invites B's principal": Self.attempt(app, as: t.delegateA, insert, [t.structureA, t.principalB, "delegated", all]),
                "delegate takes B": Self.attempt(app, as: t.delegateA, insert, [t.structureB, t.delegateA, "principal", all]),
                "principal of A promotes the delegate": Self.attempt(app, as: t.principalA,
                    "UPDATE structure_access SET role = 'principal' WHERE structure_id = $1 AND user_id = $2", [t.structureA, t.delegateA]),
                "principal of A drops own role": Self.attempt(app, as: t.principalA,
                    "DELETE FROM structure_access WHERE structure_id = $1 AND user_id = $2", [t.structureA, t.principalA]),
                "principal of A demotes themself": Self.attempt(app, as: t.principalA,
                    "UPDATE structure_access SET role = 'delegated' WHERE structure_id = $1 AND user_id = $2", [t.structureA, t.principalA]),
                "principal of A revokes B's principal": Self.attempt(app, as: t.principalA,
                    "DELETE FROM structure_access WHERE structure_id = $1", [t.structureB]),
                "principal of A moves a grant to B": Self.attempt(app, as: t.principalA,
                    "UPDATE structure_access SET structure_id = $1 WHERE structure_id = $2 AND user_id = $3", [t.structureB, t.structureA, t.delegateA]),
                // The one thing allowed, for contrast: a principal adjusts a delegated grant on their structure.
                "principal of A adjusts the delegate": Self.attempt(app, as: t.principalA,
                    "UPDATE structure_access SET rights = $3 WHERE structure_id = $1 AND user_id = $2", [t.structureA, t.delegateA, TextArray(["insured"])]),
            ]
            let owner = try TestCluster.connect(as: "portal_owner")
            // Separate maps: structure and user ids come from different sequences and may coincide.
            let structureNames = [t.structureA: "A", t.structureB: "B"]
            let userNames = [t.principalA: "PA", t.delegateA: "DA", t.principalB: "PB"]
            let access = try owner.query("""
                SELECT structure_id, user_id, role, rights FROM structure_access WHERE structure_id IN ($1, $2) ORDER BY structure_id, user_id
                """, [t.structureA, t.structureB]).map { row -> String in
                let structure = structureNames[try row.decode(0, as: Int64.self)] ?? "?"
                let user = userNames[try row.decode(1, as: Int64.self)] ?? "?"
                return "\(structure):\(user):\(try row.decode(2, as: String.self)):\(try row.decode(3, as: TextArray.self).values.joined(separator: ","))"
            }
            return (results, access)
        }
        for name in ["principal of A takes B", "principal of A joins B as delegate", "principal of A names a second principal",
                     "delegate invites B's principal", "delegate takes B", "principal of A promotes the delegate", "principal of A moves a grant to B"] {
            #expect(results[name]?.state == "42501", "\(name): \(String(describing: results[name]))")
        }
        for name in ["delegate promotes themself", "delegate widens own rights", "principal of A drops own role",
                     "principal of A demotes themself", "principal of A revokes B's principal"] {
            #expect(results[name]?.state == nil && results[name]?.rows == 0, "\(name): \(String(describing: results[name]))")
        }
        #expect(results["principal of A adjusts the delegate"]?.state == nil && results["principal of A adjusts the delegate"]?.rows == 1)
        let all = Right.allCases.map(\.rawValue).joined(separator: ",")
        #expect(access == ["A:PA:principal:\(all)", "A:DA:delegated:insured", "B:PB:principal:\(all)"])
    }

    /// `set_config(…, true)` lasts one transaction: the next one on the same connection — after
    /// a commit, a rollback or an error — and statements outside any transaction see nothing.
    @Test func theUserSettingDoesNotLeakAcrossTransactions() async throws {
        let observed = try await onDedicatedThread { () -> [String: Int] in
            let t = try Self.makeTenants()
            let app = try TestCluster.connect(as: "portal_app")
            func count(_ connection: PostgresConnection) throws -> Int {
                try connection.query("SELECT (SELECT count(*) FROM structures) + (SELECT count(*) FROM users) + (SELECT count(*) FROM audit_events)")
                    .first!.decode(0)
            }
            var observed: [String: Int] = [:]
            observed["inside"] = try app.transaction { connection in
                try connection.query("SELECT set_config('app.user_id', $1, true)", [String(t.principalA)])
                return try count(connection)
            }
            observed["next transaction"] = try app.transaction { try count($0) }
            observed["no transaction"] = try count(app)
            struct Abort: Error {}
            _ = try? app.transaction { connection -> Int in
                try connection.query("SELECT set_config('app.user_id', $1, true)", [String(t.principalA)])
                throw Abort()
            }
            observed["after rollback"] = try app.transaction { try count($0) }
            _ = try? app.transaction { connection -> Int in
                try connection.query("SELECT set_config('app.user_id', $1, true)", [String(t.principalA)])
                return try connection.execute("SELECT 1 / 0")
            }
            observed["after error"] = try count(app)
            // Outside a transaction, a statement is its own transaction: the setting ends with it.
            try app.query("SELECT set_config('app.user_id', $1, true)", [String(t.principalA)])
            observed["statement after"] = try count(app)
            observed["setting after"] = try app.query("SELECT length(coalesce(current_setting('app.user_id', true), ''))").first!.decode(0)
            return observed
        }
        #expect(observed["inside"] == 1 + 2 + 3) // structure A; principal and delegate; events on A
        for key in ["next transaction", "no transaction", "after rollback", "after error", "statement after", "setting after"] {
            #expect(observed[key] == 0, "\(key): \(String(describing: observed[key]))")
        }
    }

    /// Becoming principal goes through definer functions; they refuse unless this very transaction
    /// recorded a successful check of the structure's security fields, so even the app role,
    /// compromised, cannot take over a structure without its code.
    @Test func takingAStructureNeedsASecurityCheckInTheSameTransaction() async throws {
        let (attach, signUp, signUpAfterFailedCheck) = try await onDedicatedThread { () -> (String?, String?, String?) in
            let tenants = try Self.makeTenants()
            let owner = try TestCluster.connect(as: "portal_owner")
            let orphan = try Self.makeStructure(StructureAdministration(connection: owner, hasher: .minimal), name: "SANS PRINCIPAL")
            let clientNumber: String = try owner.query("SELECT client_number FROM structures WHERE id = $1", [orphan]).first!.decode(0)
            let app = try TestCluster.connect(as: "portal_app")
            let attach = Self.attempt(app, as: tenants.principalB, "SELECT auth_attach_structure($1)", [orphan]).state
            func signUp(after check: String?) -> String? {
                do {
                    try app.transaction { connection in
                        if let check { try connection.execute(check, [clientNumber]) }
                        try connection.execute("SELECT auth_create_principal($1, $2, 'X', 'Y', NULL, NULL, NULL, 'h')",
                                               [orphan, "intrus.\(UUID().uuidString.prefix(6).lowercased())@example.fr"])
                    }
                    return nil
                } catch let error as PostgresError {
                    return error.sqlState
                } catch {
                    return "\(error)"
                }
            }
            let failedCheck = "SELECT auth_record_security_attempt($1, NULL, false)"
            return (attach, signUp(after: nil), signUp(after: failedCheck))
        }
        #expect(attach == "42501")
        #expect(signUp == "42501")
        #expect(signUpAfterFailedCheck == "42501")
    }
}
