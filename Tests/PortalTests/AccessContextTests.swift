import Portal
import Postgres
import Testing
import TestSupport

/// The access read for the transaction's user (`sessionUserQuery`, sent with the session check)
/// must be the access `resolve(userID:)` reads, and nothing for anyone else.
@Suite struct AccessContextTests {
    /// The access of `reader` (set as `app.user_id`, or never set) to `structure`, read both ways
    /// and taken as `claimed`'s: nil when refused as invisible.
    static func access(_ app: PostgresConnection, reader: Int64?, claimed: Int64, structure: Int64)
        throws -> (bySessionUser: AccessContext?, byUserID: AccessContext?) {
        try app.transaction { connection in
            if let reader { try connection.query("SELECT set_config('app.user_id', $1, true)", [String(reader)]) }
            let query = AccessContext.sessionUserQuery(structureID: structure)
            let rows = try connection.query(query.sql, query.binds)
            let bySessionUser = try? AccessContext.from(rows, userID: claimed, structureID: structure)
            let byUserID = try? AccessContext.resolve(userID: claimed, structureID: structure, on: connection)
            return (bySessionUser, byUserID)
        }
    }

    @Test func bothWaysReadTheSameAccess() async throws {
        let results = try await onDedicatedThread { () -> [(AccessContext?, AccessContext?)] in
            let tenants = try RowLevelSecurityTests.makeTenants()
            let app = try TestCluster.connect(as: "portal_app")
            return try [(tenants.principalA, tenants.structureA), (tenants.delegateA, tenants.structureA),
                        (tenants.principalB, tenants.structureB), (tenants.principalA, tenants.structureB)].map { user, structure in
                try Self.access(app, reader: user, claimed: user, structure: structure)
            }
        }
        // Principal of A, delegate of A (company only), principal of B: found both ways, alike.
        for (bySessionUser, byUserID) in results.prefix(3) {
            let found = try #require(bySessionUser)
            #expect(found.role == byUserID?.role)
            #expect(found.rights == byUserID?.rights)
        }
        #expect(results[1].0?.rights == [.company])
        // A's principal on B: invisible both ways.
        #expect(results[3].0 == nil && results[3].1 == nil)
    }

    @Test func withoutAUserOrForAnotherUserThereIsNoAccess() async throws {
        let (noUser, otherUser) = try await onDedicatedThread { () -> (AccessContext?, AccessContext?) in
            let tenants = try RowLevelSecurityTests.makeTenants()
            let app = try TestCluster.connect(as: "portal_app")
            // No session: app.user_id never set.
            let noUser = try Self.access(app, reader: nil, claimed: tenants.principalA, structure: tenants.structureA).bySessionUser
            // Rows read for A's delegate are not A's principal's access.
            let otherUser = try Self.access(app, reader: tenants.delegateA, claimed: tenants.principalA,
                                            structure: tenants.structureA).bySessionUser
            return (noUser, otherUser)
        }
        #expect(noUser == nil)
        #expect(otherUser == nil)
    }
}
