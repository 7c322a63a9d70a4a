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
            "SELECT role, rights FROM structure_access WHERE user_id = $1 AND structure_id = $2", [userID, structureID])
        guard let row = rows.first,
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
