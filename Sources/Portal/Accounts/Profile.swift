import Postgres

/// "Mes informations" (guide ch. 09): the user's own identity and contact details.
public struct Profile: Sendable, Encodable {
    public let id: Int64
    public let email: String
    public let lastName: String
    public let firstName: String
    public let landlinePhone: String?
    public let mobilePhone: String?
    public let jobTitle: String?
    public let mustChangePassword: Bool
    public let defaultStructureID: Int64?
    /// `staff` accounts use the back-office only; `teams` are theirs (absent for employers).
    public let kind: AccountKind
    public let teams: [String]?

    enum CodingKeys: String, CodingKey {
        case id, email, kind, teams
        case lastName = "last_name"
        case firstName = "first_name"
        case landlinePhone = "landline_phone"
        case mobilePhone = "mobile_phone"
        case jobTitle = "job_title"
        case mustChangePassword = "must_change_password"
        case defaultStructureID = "default_structure_id"
    }

    public static func load(userID: Int64, on connection: PostgresConnection) throws -> Profile {
        let row = try connection.query("""
            SELECT id, email, last_name, first_name, landline_phone, mobile_phone, job_title, must_change_password, kind, teams,
                   -- a default that was revoked since is no default any more
                   CASE WHEN EXISTS (SELECT 1 FROM structure_access a WHERE a.user_id = users.id
                                     AND a.structure_id = users.default_structure_id)
                        THEN default_structure_id END AS default_structure_id
            FROM users WHERE id = $1
            """, [userID]).first!
        return Profile(id: try row.decode("id"), email: try row.decode("email"), lastName: try row.decode("last_name"),
                       firstName: try row.decode("first_name"), landlinePhone: try row.decode("landline_phone"),
                       mobilePhone: try row.decode("mobile_phone"), jobTitle: try row.decode("job_title"),
                       mustChangePassword: try row.decode("must_change_password"),
                       defaultStructureID: try row.decode("default_structure_id"),
                       kind: AccountKind(rawValue: try row.decode("kind")) ?? .employer,
                       teams: try row.decode("teams", as: TextArray?.self)?.values)
    }

    /// The editable part: phones and job title. `nil` leaves a field unchanged; `.some(nil)` clears it.
    public struct Changes: Sendable {
        public var landlinePhone: String??
        public var mobilePhone: String??
        public var jobTitle: String??

        public init(landlinePhone: String?? = nil, mobilePhone: String?? = nil, jobTitle: String?? = nil) {
            self.landlinePhone = landlinePhone
            self.mobilePhone = mobilePhone
            self.jobTitle = jobTitle
        }
    }

    public static func update(userID: Int64, _ changes: Changes, origin: RequestOrigin, on connection: PostgresConnection) throws {
        var changed: [String] = []
        func apply(_ column: String, _ value: String??) throws {
            guard let value else { return }
            try connection.execute("UPDATE users SET \(column) = $2 WHERE id = $1", [userID, value])
            changed.append(column)
        }
        try apply("landline_phone", changes.landlinePhone)
        try apply("mobile_phone", changes.mobilePhone)
        try apply("job_title", changes.jobTitle)
        if !changed.isEmpty {
            try AuditTrail.record("profile.update", actor: userID, details: ["fields": changed.joined(separator: ",")],
                                  origin: origin, on: connection)
        }
    }
}
