import Postgres

/// What an OCSO administrator does to staff accounts with `portalctl` (connected as `portal_owner`).
public struct StaffAdministration {
    let connection: PostgresConnection
    let hasher: SecretHasher

    public init(connection: PostgresConnection, hasher: SecretHasher) {
        self.connection = connection
        self.hasher = hasher
    }

    public struct NewStaff: Sendable {
        public var email: String
        public var teams: [String]
        public var firstName: String?
        public var lastName: String?

        public init(email: String, teams: [String], firstName: String? = nil, lastName: String? = nil) {
            self.email = email
            self.teams = teams
            self.firstName = firstName
            self.lastName = lastName
        }

        /// Normalised values, or every problem found.
        func validated() throws -> (email: String, teams: [OCSOTeam], firstName: String, lastName: String) {
            var issues: [ValidationIssue] = []
            let email = FieldRules.normalizedEmail(email)
            if email == nil { issues.append(FieldRules.emailIssue()) }
            let teams = OCSOTeam.parse(teams)
            if teams == nil || teams!.isEmpty {
                issues.append(ValidationIssue(field: "team", code: "invalid_team",
                                              message: "Équipe inconnue ; valeurs possibles : "
                                                  + OCSOTeam.allCases.map(\.rawValue).joined(separator: ", ") + "."))
            }
            func name(_ raw: String?, field: String, label: String, fallback: String) -> String? {
                switch FieldRules.text(raw ?? fallback, field: field, maxLength: 100, label: label) {
                case .success(let value): return value
                case .failure(let issue):
                    issues.append(issue)
                    return nil
                }
            }
            // Without names, the address's local part and "OCSO" are what employers read under replies.
            let localPart = email.map { String($0.prefix { $0 != "@" }) } ?? "OCSO"
            let firstName = name(firstName, field: "first_name", label: "Le prénom", fallback: localPart)
            let lastName = name(lastName, field: "last_name", label: "Le nom", fallback: "OCSO")
            guard issues.isEmpty, let email, let teams, let firstName, let lastName else { throw ValidationFailure(issues) }
            return (email, teams, firstName, lastName)
        }
    }

    public struct Created: Sendable {
        public let userID: Int64
        public let email: String
        public let teams: [OCSOTeam]
        /// Shown once to the operator; only its Argon2id hash is stored. Must be changed at first login.
        public let temporaryPassword: String
    }

    public enum Failure: Error, Equatable {
        /// The address already has an account (staff or employer): staff accounts are separate.
        case emailTaken
    }

    public func create(_ staff: NewStaff) throws -> Created {
        let values = try staff.validated()
        let password = Secrets.temporaryPassword()
        let rows = try connection.query("""
            INSERT INTO users (email, last_name, first_name, password_hash, must_change_password, kind, teams)
            VALUES ($1, $2, $3, $4, true, 'staff', $5)
            ON CONFLICT (email) DO NOTHING RETURNING id
            """, [values.email, values.lastName, values.firstName, try hasher.hash(password), TextArray(values.teams.map(\.rawValue))])
        guard let row = rows.first else { throw Failure.emailTaken }
        let id: Int64 = try row.decode(0)
        try AuditTrail.record("staff.create", actor: nil, details: ["user_id": String(id), "teams": values.teams.map(\.rawValue).joined(separator: ",")],
                              origin: .unknown, on: connection)
        return Created(userID: id, email: values.email, teams: values.teams, temporaryPassword: password)
    }
}
