import Postgres

/// Sign-up (guide ch. 01) and attaching further structures (ch. 09). Runs inside the request's
/// transaction.
public struct AccountService {
    let connection: PostgresConnection
    let settings: AuthSettings
    let origin: RequestOrigin

    public init(connection: PostgresConnection, settings: AuthSettings, origin: RequestOrigin) {
        self.connection = connection
        self.settings = settings
        self.origin = origin
    }

    public struct SecurityFields: Sendable {
        public var clientNumber: String
        public var siren: String
        public var securityCode: String

        public init(clientNumber: String, siren: String, securityCode: String) {
            self.clientNumber = clientNumber
            self.siren = siren
            self.securityCode = securityCode
        }
    }

    /// Creates the structure's principal user and mails a temporary password. When the address
    /// already has an account, nothing is created and that address is told instead; the caller
    /// answers the same in both cases.
    public func signUp(_ fields: SecurityFields, identity: Identity) throws {
        let check = SecurityFieldsCheck(connection: connection, settings: settings, origin: origin)
        let match = try check.verify(clientNumber: fields.clientNumber, siren: fields.siren, securityCode: fields.securityCode,
                                     actor: nil, action: "account.create")
        guard !match.hasPrincipal else {
            try AuditTrail.record("account.create", outcome: .failure, actor: nil, structureID: match.structureID,
                                  details: ["reason": "structure_has_principal"], origin: origin, on: connection)
            throw AccountFailure.structureHasPrincipal
        }
        let password = Secrets.temporaryPassword()
        let hash = try settings.hasher.hash(password)
        let created: Int64? = try connection.query(
            "SELECT auth_create_principal($1, $2, $3, $4, $5, $6, $7, $8)",
            [match.structureID, identity.email, identity.lastName, identity.firstName, identity.landlinePhone,
             identity.mobilePhone, identity.jobTitle, hash]).first!.decode(0)
        guard let userID = created else {
            try MailOutbox.enqueue(MailTemplates.accountAlreadyExists(to: identity.email), on: connection)
            try AuditTrail.record("account.create", outcome: .failure, actor: nil, structureID: match.structureID,
                                  details: ["reason": "email_already_registered"], origin: origin, on: connection)
            return
        }
        try MailOutbox.enqueue(MailTemplates.temporaryPassword(to: identity.email, password: password), on: connection)
        try AuditTrail.record("account.create", actor: userID, structureID: match.structureID, origin: origin, on: connection)
    }

    /// A principal user attaches another structure and becomes its principal.
    public func attachStructure(_ fields: SecurityFields, userID: Int64) throws -> Int64 {
        let administersOne: Bool = try connection.query(
            "SELECT EXISTS (SELECT 1 FROM structure_access WHERE user_id = $1 AND role = 'principal')", [userID]).first!.decode(0)
        guard administersOne else { throw AccountFailure.notAdministered }
        let check = SecurityFieldsCheck(connection: connection, settings: settings, origin: origin)
        let match = try check.verify(clientNumber: fields.clientNumber, siren: fields.siren, securityCode: fields.securityCode,
                                     actor: userID, action: "structure.attach")
        let alreadyMine: Bool = try connection.query(
            "SELECT EXISTS (SELECT 1 FROM structure_access WHERE user_id = $1 AND structure_id = $2 AND role = 'principal')",
            [userID, match.structureID]).first!.decode(0)
        guard alreadyMine || !match.hasPrincipal else {
            try AuditTrail.record("structure.attach", outcome: .failure, actor: userID, structureID: match.structureID,
                                  details: ["reason": "structure_has_principal"], origin: origin, on: connection)
            throw AccountFailure.structureHasPrincipal
        }
        try connection.execute("SELECT auth_attach_structure($1)", [match.structureID])
        try AuditTrail.record("structure.attach", actor: userID, structureID: match.structureID, origin: origin, on: connection)
        return match.structureID
    }
}
