import Foundation
import Postgres

/// What an OCSO operator does to structures with `portalctl` (connected as `portal_owner`).
public struct StructureAdministration {
    let connection: PostgresConnection
    let hasher: SecretHasher

    public init(connection: PostgresConnection, hasher: SecretHasher) {
        self.connection = connection
        self.hasher = hasher
    }

    public struct NewStructure: Sendable {
        public var clientNumber: String
        public var siren: String
        public var siret: String
        public var name: String
        public var address: String?
        public var phone: String?

        public init(clientNumber: String, siren: String, siret: String, name: String, address: String? = nil, phone: String? = nil) {
            self.clientNumber = clientNumber
            self.siren = siren
            self.siret = siret
            self.name = name
            self.address = address
            self.phone = phone
        }

        public func validate() throws {
            var issues: [ValidationIssue] = []
            if !CompanyIdentifiers.isValidClientNumber(clientNumber) {
                issues.append(ValidationIssue(field: "client_number", code: "invalid_client_number",
                                              message: "Le numéro client comporte 7 caractères (chiffres et lettres majuscules)."))
            }
            if !CompanyIdentifiers.isValidSIREN(siren) {
                issues.append(ValidationIssue(field: "siren", code: "invalid_siren",
                                              message: "Le SIREN doit comporter 9 chiffres et une clé valide."))
            }
            if !CompanyIdentifiers.isValidSIRET(siret) || !siret.hasPrefix(siren) {
                issues.append(ValidationIssue(field: "siret", code: "invalid_siret",
                                              message: "Le SIRET doit comporter 14 chiffres, commencer par le SIREN et avoir une clé valide."))
            }
            let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmedName.isEmpty || trimmedName.count > 200 || trimmedName.contains("\u{0}") {
                issues.append(ValidationIssue(field: "name", code: "invalid_name",
                                              message: "La dénomination doit comporter entre 1 et 200 caractères."))
            }
            if let address, address.count > 500 || address.contains("\u{0}") {
                issues.append(ValidationIssue(field: "address", code: "invalid_address",
                                              message: "L'adresse ne doit pas dépasser 500 caractères."))
            }
            if let phone, !PhoneNumber.isPlausible(phone) {
                issues.append(ValidationIssue(field: "phone", code: "invalid_phone",
                                              message: "Le numéro de téléphone n'est pas valide."))
            }
            if !issues.isEmpty { throw ValidationFailure(issues) }
        }
    }

    public struct Created: Sendable {
        public var structureID: Int64
        /// Shown once to the operator; only its Argon2id hash is stored.
        public var securityCode: String
    }

    public enum Failure: Error, Equatable {
        case clientNumberTaken
        case unknownClientNumber
    }

    public func create(_ structure: NewStructure) throws -> Created {
        try structure.validate()
        let code = SecurityCode.generate()
        let hash = try hasher.hash(SecurityCode.normalize(code))
        do {
            let rows = try connection.query("""
                INSERT INTO structures (client_number, siren, siret, name, address, phone, security_code_hash, security_code_set_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING id
                """, [structure.clientNumber, structure.siren, structure.siret,
                      structure.name.trimmingCharacters(in: .whitespacesAndNewlines), structure.address, structure.phone, hash])
            return Created(structureID: try rows[0].decode(0), securityCode: code)
        } catch let error as PostgresError where error.isUniqueViolation {
            throw Failure.clientNumberTaken
        }
    }

    /// Replaces the code (e.g. the letter was lost); the previous one stops working at once.
    public func resetSecurityCode(clientNumber: String) throws -> Created {
        guard CompanyIdentifiers.isValidClientNumber(clientNumber) else {
            throw ValidationFailure([ValidationIssue(field: "client_number", code: "invalid_client_number",
                                                     message: "Le numéro client comporte 7 caractères (chiffres et lettres majuscules).")])
        }
        let code = SecurityCode.generate()
        let hash = try hasher.hash(SecurityCode.normalize(code))
        let rows = try connection.query("""
            UPDATE structures SET security_code_hash = $2, security_code_set_at = now()
            WHERE client_number = $1 RETURNING id
            """, [clientNumber, hash])
        guard let row = rows.first else { throw Failure.unknownClientNumber }
        return Created(structureID: try row.decode(0), securityCode: code)
    }

    /// The guide's SARL DEMONSTRATION, with a documented security code. Idempotent: the code
    /// is (re)set to `securityCode`, nothing else changes on a second run.
    public func seedDemo(securityCode: String) throws -> Int64 {
        let hash = try hasher.hash(SecurityCode.normalize(securityCode))
        let rows = try connection.query("""
            INSERT INTO structures (client_number, siren, siret, name, address, phone, security_code_hash, security_code_set_at)
            VALUES ('1234567', '999999998', '99999999800019', 'SARL DEMONSTRATION',
                    E'Rue de la proximité et de l''écoute\\n33700 MERIGNAC', '05 59 00 00 00', $1, now())
            ON CONFLICT (client_number) DO UPDATE SET security_code_hash = EXCLUDED.security_code_hash
            RETURNING id
            """, [hash])
        return try rows[0].decode(0)
    }

    public static let demoSecurityCode = "DEMO-2026-OCSO"
}
