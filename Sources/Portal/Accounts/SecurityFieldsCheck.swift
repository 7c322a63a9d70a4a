import Postgres

/// Checks the three security fields (client number, SIREN, security code) for sign-up and for
/// attaching a structure: throttled per client number, every attempt recorded and audited,
/// the same work and the same answer whichever field is wrong.
struct SecurityFieldsCheck {
    let connection: PostgresConnection
    let settings: AuthSettings
    let origin: RequestOrigin

    struct Match {
        let structureID: Int64
        let hasPrincipal: Bool
    }

    func verify(clientNumber: String, siren: String, securityCode: String, actor: Int64?, action: String) throws -> Match {
        let recentFailures: Int = try connection.query("SELECT auth_recent_security_failures($1, $2)",
                                                       [clientNumber, settings.securityAttemptWindowSeconds]).first!.decode(0)
        if recentFailures >= settings.securityAttemptsPerWindow {
            try AuditTrail.record(action, outcome: .failure, actor: actor,
                                  details: ["reason": "throttled", "client_number": clientNumber], origin: origin, on: connection)
            throw AccountFailure.securityChecksThrottled(retryAfterSeconds: settings.securityAttemptWindowSeconds)
        }
        let candidate = try connection.query("SELECT structure_id, security_code_hash, has_principal FROM auth_structure_candidate($1, $2)",
                                             [clientNumber, siren]).first
        let storedHash: String? = try candidate?.decode("security_code_hash")
        // Verify even without a candidate, against a throwaway hash, so timing does not tell.
        let codeMatches = settings.hasher.verify(SecurityCode.normalize(securityCode), against: storedHash ?? settings.timingDummyHash)
            && storedHash != nil
        try connection.execute("SELECT auth_record_security_attempt($1, $2::inet, $3)", [clientNumber, origin.clientIP, codeMatches])
        guard codeMatches, let candidate else {
            try AuditTrail.record(action, outcome: .failure, actor: actor,
                                  details: ["reason": "security_fields_mismatch", "client_number": clientNumber], origin: origin, on: connection)
            throw AccountFailure.securityFieldsMismatch
        }
        return Match(structureID: try candidate.decode("structure_id"), hasPrincipal: try candidate.decode("has_principal"))
    }
}
