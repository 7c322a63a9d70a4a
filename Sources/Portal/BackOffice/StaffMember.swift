import Postgres

/// An OCSO staff member acting in the back-office, with the teams whose requests they handle.
public struct StaffMember: Sendable {
    public let userID: Int64
    public let name: String
    public let teams: [OCSOTeam]

    public init(userID: Int64, name: String, teams: [OCSOTeam]) {
        self.userID = userID
        self.name = name
        self.teams = teams
    }

    /// The signed-in staff member (app.user_id set); nil if the account is not staff.
    public static func load(userID: Int64, on connection: PostgresConnection) throws -> StaffMember? {
        guard let row = try connection.query("""
            SELECT first_name || ' ' || last_name AS name, teams FROM users WHERE id = $1 AND kind = 'staff'
            """, [userID]).first,
              let teams = OCSOTeam.parse(try row.decode("teams", as: TextArray.self).values), !teams.isEmpty else { return nil }
        return StaffMember(userID: userID, name: try row.decode("name"), teams: teams)
    }

    var teamCodes: TextArray { TextArray(teams.map(\.rawValue)) }
}
