import Postgres

/// "Gestion des utilisateurs" (guide ch. 09): a principal creates delegated users and decides
/// which of their structures each may see, with which rights.
public struct UserAdministration {
    let connection: PostgresConnection
    let settings: AuthSettings
    let origin: RequestOrigin
    let principalID: Int64

    public init(connection: PostgresConnection, settings: AuthSettings, origin: RequestOrigin, principalID: Int64) {
        self.connection = connection
        self.settings = settings
        self.origin = origin
        self.principalID = principalID
    }

    public struct Grant: Sendable, Encodable, Equatable {
        public let structureID: Int64
        public let role: AccessRole
        public let rights: [Right]

        enum CodingKeys: String, CodingKey {
            case role, rights
            case structureID = "structure_id"
        }
    }

    public struct ManagedUser: Sendable, Encodable {
        public let id: Int64
        public let email: String
        public let lastName: String
        public let firstName: String
        public let jobTitle: String?
        public let grants: [Grant]

        enum CodingKeys: String, CodingKey {
            case id, email, grants
            case lastName = "last_name"
            case firstName = "first_name"
            case jobTitle = "job_title"
        }
    }

    /// Users with access to the structures I administer, with their grants on those structures only.
    public func users() throws -> [ManagedUser] {
        try requireAdministersAny()
        let rows = try connection.query("""
            SELECT u.id, u.email, u.last_name, u.first_name, u.job_title, a.structure_id, a.role, a.rights
            FROM structure_access a JOIN users u ON u.id = a.user_id
            WHERE a.structure_id IN (SELECT structure_id FROM structure_access WHERE user_id = $1 AND role = 'principal')
            ORDER BY u.last_name, u.first_name, u.id, a.structure_id
            """, [principalID])
        var users: [ManagedUser] = []
        for row in rows {
            let id: Int64 = try row.decode("id")
            let role = AccessRole(rawValue: try row.decode("role")) ?? .delegated
            let rights = role == .principal ? Right.allCases : (Right.parse(try row.decode("rights", as: TextArray.self).values) ?? []).sorted()
            let grant = Grant(structureID: try row.decode("structure_id"), role: role, rights: rights)
            if let last = users.last, last.id == id {
                users[users.count - 1] = ManagedUser(id: last.id, email: last.email, lastName: last.lastName,
                                                     firstName: last.firstName, jobTitle: last.jobTitle, grants: last.grants + [grant])
            } else {
                users.append(ManagedUser(id: id, email: try row.decode("email"), lastName: try row.decode("last_name"),
                                         firstName: try row.decode("first_name"), jobTitle: try row.decode("job_title"), grants: [grant]))
            }
        }
        return users
    }

    public struct Created: Sendable {
        public let userID: Int64
        /// False when the address already had an account: only grants were added.
        public let newAccount: Bool
    }

    /// Creates a delegated user (temporary password mailed) or, if the address has an account,
    /// adds the grants to it. Every structure granted must be one the caller administers.
    public func createDelegatedUser(_ identity: Identity, grants: [Int64: Set<Right>]) throws -> Created {
        try requireAdministersAny()
        for structureID in grants.keys.sorted() { try requireAdministered(structureID) }
        let password = Secrets.temporaryPassword()
        let row = try connection.query("SELECT user_id, created FROM admin_create_or_find_user($1, $2, $3, $4, $5, $6, $7)",
                                       [identity.email, identity.lastName, identity.firstName, identity.landlinePhone,
                                        identity.mobilePhone, identity.jobTitle, try settings.hasher.hash(password)]).first!
        let userID: Int64 = try row.decode("user_id")
        let created: Bool = try row.decode("created")
        guard userID != principalID else { throw AccountFailure.cannotChangeOwnPrincipalRole }
        for (structureID, rights) in grants.sorted(by: { $0.key < $1.key }) {
            // The account may not be visible to the principal yet (new, or another structure's): it is
            // the one admin_create_or_find_user just returned, so no visibility check.
            try writeGrant(userID: userID, structureID: structureID, rights: rights)
        }
        let inviter = try connection.query("SELECT first_name || ' ' || last_name FROM users WHERE id = $1",
                                           [principalID]).first!.decode(0, as: String.self)
        try MailOutbox.enqueue(created ? MailTemplates.delegatedAccount(to: identity.email, password: password, invitedBy: inviter)
                                       : MailTemplates.accessGranted(to: identity.email, invitedBy: inviter), on: connection)
        for structureID in grants.keys.sorted() {
            try AuditTrail.record(created ? "user.create" : "user.grant", actor: principalID, structureID: structureID,
                                  details: ["user_id": String(userID), "rights": (grants[structureID] ?? []).sorted().map(\.rawValue).joined(separator: ",")],
                                  origin: origin, on: connection)
        }
        return Created(userID: userID, newAccount: created)
    }

    /// Sets a delegated user's rights on one structure (creating the grant if needed).
    public func setGrant(userID: Int64, structureID: Int64, rights: Set<Right>) throws {
        try requireAdministered(structureID)
        // Only users the principal can already see (those of their structures) can be granted here.
        let visible: Bool = try connection.query("SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)", [userID]).first!.decode(0)
        guard visible else { throw AccountFailure.notAdministered }
        try writeGrant(userID: userID, structureID: structureID, rights: rights)
        try AuditTrail.record("user.grant", actor: principalID, structureID: structureID,
                              details: ["user_id": String(userID), "rights": rights.sorted().map(\.rawValue).joined(separator: ",")],
                              origin: origin, on: connection)
    }

    private func writeGrant(userID: Int64, structureID: Int64, rights: Set<Right>) throws {
        guard userID != principalID else { throw AccountFailure.cannotChangeOwnPrincipalRole }
        let isPrincipal: Bool = try connection.query(
            "SELECT EXISTS (SELECT 1 FROM structure_access WHERE user_id = $1 AND structure_id = $2 AND role = 'principal')",
            [userID, structureID]).first!.decode(0)
        guard !isPrincipal else { throw AccountFailure.notAdministered }
        try connection.execute("""
            INSERT INTO structure_access (structure_id, user_id, role, rights, granted_by) VALUES ($1, $2, 'delegated', $3, $4)
            ON CONFLICT (structure_id, user_id) DO UPDATE SET rights = EXCLUDED.rights, granted_by = EXCLUDED.granted_by, granted_at = now()
            """, [structureID, userID, TextArray(rights.sorted().map(\.rawValue)), principalID])
    }

    /// Removes a delegated user's access to one structure; effective on their next request.
    public func revoke(userID: Int64, structureID: Int64) throws {
        try requireAdministered(structureID)
        guard userID != principalID else { throw AccountFailure.cannotChangeOwnPrincipalRole }
        let removed = try connection.execute(
            "DELETE FROM structure_access WHERE user_id = $1 AND structure_id = $2 AND role = 'delegated'", [userID, structureID])
        guard removed == 1 else { throw AccountFailure.notAdministered }
        try AuditTrail.record("user.revoke", actor: principalID, structureID: structureID, details: ["user_id": String(userID)],
                              origin: origin, on: connection)
    }

    /// 404 for a structure the caller cannot see, 403 `principal_only` for one they see as a delegate.
    private func requireAdministered(_ structureID: Int64) throws {
        let role: String? = try connection.query("SELECT role FROM structure_access WHERE user_id = $1 AND structure_id = $2",
                                                 [principalID, structureID]).first?.decode(0)
        switch role {
        case "principal": return
        case nil: throw AccessContext.Denial.invisible
        default: throw AccessContext.Denial.principalOnly
        }
    }

    private func requireAdministersAny() throws {
        let administers: Bool = try connection.query(
            "SELECT EXISTS (SELECT 1 FROM structure_access WHERE user_id = $1 AND role = 'principal')", [principalID]).first!.decode(0)
        guard administers else { throw AccessContext.Denial.principalOnly }
    }
}
