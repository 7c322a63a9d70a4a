import Postgres

/// Who is asking, about which structure, with which rights. Resolved once per request from
/// `structure_access`; repositories take it and filter by its structure explicitly, and RLS
/// enforces the same rule again inside PostgreSQL.
public struct AccessContext: Sendable {
    public let userID: Int64
    public let structureID: Int64
    public let role: AccessRole
    public let rights: Set<Right>

    public var isPrincipal: Bool { role == .principal }

    public enum Denial: Error, Equatable {
        /// The structure does not exist or the user has no access to it: answered as 404, so
        /// existence does not leak.
        case invisible
        /// Visible, but the right is missing: 403.
        case missingRight(Right)
        /// Only the structure's principal user may do this: 403.
        case principalOnly
    }

    /// Reads the caller's access to `structureID` within the request's transaction.
    public static func resolve(userID: Int64, structureID: Int64, on connection: PostgresConnection) throws -> AccessContext {
        let rows = try connection.query(
            "SELECT user_id, role, rights FROM structure_access WHERE user_id = $1 AND structure_id = $2", [userID, structureID])
        return try from(rows, userID: userID, structureID: structureID)
    }

    /// The statement reading the access of the user the transaction acts as (`app.user_id`) to
    /// `structureID`: it can go out in one round trip with the session check that sets that user.
    public static func sessionUserQuery(structureID: Int64) -> (sql: String, binds: [any PostgresBindable]) {
        ("SELECT user_id, role, rights FROM structure_access WHERE user_id = portal_current_user_id() AND structure_id = $1",
         [structureID])
    }

    /// The access of `userID` from the rows of either statement above; a row of another user
    /// counts as none.
    public static func from(_ rows: PostgresResult, userID: Int64, structureID: Int64) throws -> AccessContext {
        guard let row = rows.first, try row.decode("user_id", as: Int64.self) == userID,
              let role = AccessRole(rawValue: try row.decode("role")),
              let rights = Right.parse(try row.decode("rights", as: TextArray.self).values) else {
            throw Denial.invisible
        }
        return AccessContext(userID: userID, structureID: structureID, role: role,
                             rights: role == .principal ? Set(Right.allCases) : rights)
    }

    public func require(_ right: Right) throws {
        guard rights.contains(right) else { throw Denial.missingRight(right) }
    }

    public func requirePrincipal() throws {
        guard isPrincipal else { throw Denial.principalOnly }
    }
}
