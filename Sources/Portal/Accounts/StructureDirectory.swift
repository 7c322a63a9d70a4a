import Postgres

/// "Mes structures": the structures a user sees, with their role and rights on each.
public enum StructureDirectory {
    public struct Membership: Sendable, Encodable {
        public let id: Int64
        public let name: String
        public let clientNumber: String
        public let siret: String
        public let isDefault: Bool
        public let role: AccessRole
        public let rights: [Right]

        enum CodingKeys: String, CodingKey {
            case id, name, siret, role, rights
            case clientNumber = "client_number"
            case isDefault = "is_default"
        }
    }

    public static func memberships(userID: Int64, on connection: PostgresConnection) throws -> [Membership] {
        try connection.query("""
            SELECT s.id, s.name, s.client_number, s.siret, a.role, a.rights,
                   (u.default_structure_id = s.id) IS TRUE AS is_default
            FROM structure_access a
            JOIN structures s ON s.id = a.structure_id
            JOIN users u ON u.id = a.user_id
            WHERE a.user_id = $1
            ORDER BY s.name, s.id
            """, [userID]).map { row in
            let role = AccessRole(rawValue: try row.decode("role")) ?? .delegated
            let rights = role == .principal ? Set(Right.allCases) : (Right.parse(try row.decode("rights", as: TextArray.self).values) ?? [])
            return Membership(id: try row.decode("id"), name: try row.decode("name"), clientNumber: try row.decode("client_number"),
                              siret: try row.decode("siret"), isDefault: try row.decode("is_default"), role: role,
                              rights: rights.sorted())
        }
    }

    /// The structure shown after login: the chosen default if still accessible, else the first.
    public static func effectiveDefault(in memberships: [Membership]) -> Int64? {
        memberships.first(where: \.isDefault)?.id ?? memberships.first?.id
    }

    public static func setDefault(userID: Int64, structureID: Int64, origin: RequestOrigin, on connection: PostgresConnection) throws {
        _ = try AccessContext.resolve(userID: userID, structureID: structureID, on: connection)
        try connection.execute("UPDATE users SET default_structure_id = $2 WHERE id = $1", [userID, structureID])
        try AuditTrail.record("structure.set_default", actor: userID, structureID: structureID, origin: origin, on: connection)
    }

    /// Company information (guide ch. 04, "Informations de l'entreprise").
    public struct Details: Sendable, Encodable {
        public let id: Int64
        public let name: String
        public let clientNumber: String
        public let siren: String
        public let siret: String
        public let address: String?
        public let phone: String?

        enum CodingKeys: String, CodingKey {
            case id, name, siren, siret, address, phone
            case clientNumber = "client_number"
        }
    }

    public static func details(_ access: AccessContext, on connection: PostgresConnection) throws -> Details {
        guard let row = try connection.query(
            "SELECT id, name, client_number, siren, siret, address, phone FROM structures WHERE id = $1",
            [access.structureID]).first else { throw AccessContext.Denial.invisible }
        return Details(id: try row.decode("id"), name: try row.decode("name"), clientNumber: try row.decode("client_number"),
                       siren: try row.decode("siren"), siret: try row.decode("siret"), address: try row.decode("address"),
                       phone: try row.decode("phone"))
    }
}
