import Foundation
import Portal
import Postgres
import TestSupport

/// A small dataset whose report figures are known, in a scratch database (migration 0007's
/// reports are cross-structure: the shared test database holds other tests' rows).
///
/// - the demo structure (`portalctl seed demo`), with account activity driven through the real
///   services as portal_app: a sign-up, a refused one, logins, a lockout, a password change, a
///   delegated user created, re-granted and revoked, a staff login, a structure attached;
/// - a second structure with insured people in every status, IJ payments over three months and
///   natures (one month shared with the demo's), and a beneficiary;
/// - three batch files (loaded with rejects, rejected on its trailer, rejected without header).
///
/// Démarches are added by `addRequests`, inside the transaction that reads the reports, so their
/// ages are exact (`now()` is the transaction's start).
struct ReportingFixture {
    let database: String
    let demo: Int64
    let other: Int64

    static let principalEmail = "eloise.rapport@example.fr"
    static let principalPassword = "Rapport-2026!"

    static func build(owner: PostgresConnection) throws -> ReportingFixture {
        let database: String = try owner.query("SELECT current_database()")[0].decode(0)
        let demo = try DemoDataset.load(on: owner, hasher: .minimal).structureID
        let administration = StructureAdministration(connection: owner, hasher: .minimal)
        let other = try RowLevelSecurityTests.makeStructure(administration, name: "SARL RAPPORTS")
        try addEmployerData(structure: other, on: owner)
        try addBatchFiles(demo: demo, other: other, on: owner)
        let otherClientNumber: String = try owner.query("SELECT client_number FROM structures WHERE id = $1", [other])[0].decode(0)
        let otherCode = try administration.resetSecurityCode(clientNumber: otherClientNumber).securityCode
        let otherSIREN: String = try owner.query("SELECT siren FROM structures WHERE id = $1", [other])[0].decode(0)
        try addAccountActivity(demo: demo, attach: .init(clientNumber: otherClientNumber, siren: otherSIREN, securityCode: otherCode),
                               database: database, owner: owner)
        return ReportingFixture(database: database, demo: demo, other: other)
    }

    /// Statuses relative to today in Paris (the reports' today): P1 active in both régimes, P2 in
    /// portability, P3 exited (and affiliated to an unsigned contract, which does not count), P4
    /// entering in 30 days (SORTI in the portal until then, so exited here too).
    static func addEmployerData(structure: Int64, on owner: PostgresConnection) throws {
        try owner.execute("""
            WITH today AS (SELECT (now() AT TIME ZONE 'Europe/Paris')::date AS t),
            c AS (
                INSERT INTO contracts (structure_id, contract_ref, kind, college, dsn_reference, start_date, signed)
                VALUES ($1, 'RPT-P', 'PREVOYANCE', 'Cadres', 'DSN-P', '2020-01-01', true),
                       ($1, 'RPT-S', 'SANTE', 'Ensemble du personnel', 'DSN-S', '2020-01-01', true),
                       ($1, 'RPT-U', 'PREVOYANCE', 'Non signé', 'DSN-U', '2020-01-01', false)
                RETURNING contract_ref, id),
            p AS (
                INSERT INTO insured_people (structure_id, matricule, last_name, first_name, nir, birth_date)
                SELECT $1, m, last_name, first_name, n || lpad((97 - n::bigint % 97)::text, 2, '0'), '1985-06-01'
                FROM (VALUES ('RPT1', 'LEBRETON', 'Anaïs', '2850675123456'), ('RPT2', 'FAUCHEUX', 'Bastien', '1790133123457'),
                             ('RPT3', 'GIRONDE', 'Coralie', '2920269123458'), ('RPT4', 'VASSEUR', 'Damien', '1011175123459'))
                     v(m, last_name, first_name, n)
                RETURNING matricule, id),
            a AS (
                INSERT INTO affiliations (structure_id, insured_id, contract_id, entry_date, end_date, portability_end)
                SELECT $1, p.id, c.id, t + e, t + x, t + pe
                FROM (VALUES ('RPT1', 'RPT-P', -400, NULL::int, NULL::int), ('RPT1', 'RPT-S', -400, NULL, NULL),
                             ('RPT2', 'RPT-P', -800, -100, 200), ('RPT3', 'RPT-P', -800, -300, -30),
                             ('RPT3', 'RPT-U', -100, NULL, NULL), ('RPT4', 'RPT-S', 30, NULL, NULL)) v(m, ref, e, x, pe)
                JOIN p ON p.matricule = v.m JOIN c ON c.contract_ref = v.ref CROSS JOIN today
                RETURNING 1),
            b AS (
                INSERT INTO beneficiaries (structure_id, insured_id, last_name, first_name, birth_date, rank, adhesion_date)
                SELECT $1, p.id, 'LEBRETON', 'Inès', '2015-04-02', 'EA', t - 400 FROM p CROSS JOIN today WHERE p.matricule = 'RPT1'
                RETURNING 1),
            pay AS (
                INSERT INTO ij_payments (structure_id, payment_ref, payment_date, amount)
                VALUES ($1, 'RPT-IJ-1', '2025-01-15', 405.50), ($1, 'RPT-IJ-2', '2025-01-31', 110.00), ($1, 'RPT-IJ-3', '2025-02-01', 99.99),
                       ($1, 'RPT-IJ-4', '2021-06-30', 100.00)
                RETURNING payment_ref, id)
            INSERT INTO ij_payment_lines (structure_id, payment_id, line_no, insured_id, beneficiary_name, period_start, period_end,
                                          nature, days, ss_daily, other_movement, insurer_daily)
            SELECT $1, pay.id, v.line_no, p.id, v.name, v.s::date, v.e::date, v.nature, v.days, v.ss, v.other, v.insurer
            FROM (VALUES ('RPT-IJ-1', 1, 'RPT1', 'LEBRETON Anaïs', '2025-01-01', '2025-01-10', 'MAL', 10, 20.00, 0.00, 50.00),
                         ('RPT-IJ-1', 2, 'RPT2', 'FAUCHEUX Bastien', '2024-12-27', '2024-12-31', 'MAT', 5, 10.00, 5.50, 30.00),
                         ('RPT-IJ-2', 1, 'RPT1', 'LEBRETON Anaïs', '2025-01-11', '2025-01-13', 'MAL', 3, 0.00, -10.00, 40.00),
                         ('RPT-IJ-3', 1, 'RPT2', 'FAUCHEUX Bastien', '2025-01-31', '2025-01-31', 'ATP', 1, 0.00, 0.00, 99.99),
                         ('RPT-IJ-4', 1, 'RPT1', 'LEBRETON Anaïs', '2021-06-01', '2021-06-02', 'MAL', 2, 10.00, 0.00, 60.00))
                 v(ref, line_no, m, name, s, e, nature, days, ss, other, insurer)
            JOIN pay ON pay.payment_ref = v.ref JOIN p ON p.matricule = v.m
            """, [structure])
    }

    /// Rejection messages and keys quote names and matricules, as the loader's may: the reports must not.
    static func addBatchFiles(demo: Int64, other: Int64, on owner: PostgresConnection) throws {
        try owner.execute("""
            WITH f AS (
                INSERT INTO batch_files (batch_id, file_type, file_name, sha256, size_bytes, sender, created_at, status, strict,
                                         record_count, items_loaded, items_rejected, reason, message, processed_at, duration_ms)
                VALUES ('RPT-IJ-20250201', 'IJ', 'OCSO_IJ_20250201.txt', sha256('1'), 2048, 'OCSO', '2025-02-01T02:00:00', 'loaded',
                        false, 12, 3, 3, NULL, NULL, '2025-02-01 03:00+01', 1234),
                       ('RPT-AFF-20250202', 'AFF', 'OCSO_AFF_20250202.txt', sha256('2'), 512, 'OCSO', '2025-02-02T02:00:00', 'rejected',
                        true, NULL, 0, 0, 'trailer_mismatch', 'Le total annoncé ne correspond pas', '2025-02-02 03:00+01', 56),
                       (NULL, NULL, 'garbage.bin', sha256('3'), 7, NULL, NULL, 'rejected', false, NULL, 0, 0, 'bad_header',
                        'En-tête illisible', '2025-02-03 03:00+01', 2)
                RETURNING id, file_name)
            INSERT INTO batch_rejects (batch_file_id, position, line_number, record_type, item_key, reason, message, structure_id)
            SELECT f.id, v.position, v.line_number, v.record_type, v.item_key, v.reason, v.message, v.structure_id
            FROM (VALUES ('OCSO_IJ_20250201.txt', 1, 4, 'R', 'RPT-X1', 'amount_mismatch', 'Montant faux pour LEBRETON Anaïs', $2::bigint),
                         ('OCSO_IJ_20250201.txt', 2, 7, 'R', 'RPT-X2', 'amount_mismatch', 'Montant faux', $1),
                         ('OCSO_IJ_20250201.txt', 3, 9, 'R', 'RPT-X3;RPT9', 'unknown_matricule', 'Matricule RPT9 inconnu', $2),
                         ('OCSO_IJ_20250201.txt', 4, 9, 'L', 'RPT-X3;RPT9', 'days_inconsistent', 'Jours incohérents', $2),
                         ('OCSO_AFF_20250202.txt', 1, 40, 'T', NULL, 'trailer_mismatch', 'Le total annoncé ne correspond pas', NULL),
                         ('garbage.bin', 1, 1, NULL, NULL, 'bad_header', 'En-tête illisible', NULL))
                 v(file_name, position, line_number, record_type, item_key, reason, message, structure_id)
            JOIN f ON f.file_name = v.file_name
            """, [demo, other])
    }

    /// Through the services, as the responder would, each step in its own committed transaction
    /// (refusals are committed too, as the responder does: they are audited).
    static func addAccountActivity(demo: Int64, attach: AccountService.SecurityFields, database: String,
                                   owner: PostgresConnection) throws {
        let app = try TestCluster.connect(as: "portal_app", database: database)
        let settings = AuthSettings(hasher: .minimal)
        let accounts = AccountService(connection: app, settings: settings, origin: .unknown)
        let sessions = SessionService(connection: app, settings: settings, origin: .unknown)
        func committed(_ body: () throws -> Void) throws {
            try app.transaction { _ in
                do { try body() } catch is AccountFailure {}
            }
        }
        let demoFields = AccountService.SecurityFields(clientNumber: "1234567", siren: "999999998",
                                                       securityCode: StructureAdministration.demoSecurityCode)
        let identity = Identity(lastName: "Rapport", firstName: "Éloïse", landlinePhone: nil, mobilePhone: nil, jobTitle: "Gérante",
                                email: principalEmail)
        // One refused sign-up (wrong code), one accepted.
        try committed {
            try accounts.signUp(.init(clientNumber: "1234567", siren: "999999998", securityCode: "WRONG-CODE-0000"), identity: identity)
        }
        try committed { try accounts.signUp(demoFields, identity: identity) }
        let principal: Int64 = try owner.query("UPDATE users SET password_hash = $1 WHERE email = $2 RETURNING id",
                                               [try SecretHasher.minimal.hash(principalPassword), principalEmail])[0].decode(0)
        // Two logins, then a password change in the second session.
        try committed { _ = try sessions.login(email: principalEmail, password: principalPassword) }
        try app.transaction { _ in
            let issued = try sessions.login(email: principalEmail, password: principalPassword)
            let session = try sessions.resolve(token: issued.token)!
            _ = try sessions.changePassword(session, current: principalPassword, new: "Rapport-2027?")
        }
        // Six failures on one address: the fifth locks it, the sixth is refused as locked.
        for _ in 1...6 { try committed { _ = try sessions.login(email: "nobody.rapport@example.fr", password: "Wrong-Pass-1!") } }
        // A delegated user created with a grant on the demo structure, granted again, revoked.
        try app.transaction { _ in
            try sessions.actAs(principal)
            let administration = UserAdministration(connection: app, settings: settings, origin: .unknown, principalID: principal)
            let delegate = try administration.createDelegatedUser(
                Identity(lastName: "Delegue", firstName: "Hugo", landlinePhone: nil, mobilePhone: nil, jobTitle: nil,
                         email: "hugo.delegue@example.fr"), grants: [demo: [.ij]]).userID
            try administration.setGrant(userID: delegate, structureID: demo, rights: [.ij, .insured])
            try administration.revoke(userID: delegate, structureID: demo)
            _ = try accounts.attachStructure(attach, userID: principal)
        }
        // An OCSO staff member logs in once.
        let staff = try StaffAdministration(connection: owner, hasher: .minimal)
            .create(.init(email: "agent.rapport@ocso.fr", teams: ["benefits"], firstName: "Agent", lastName: "Rapport"))
        try committed { _ = try sessions.login(email: staff.email, password: staff.temporaryPassword) }
    }

    /// Démarches of both structures: recent open ones (exact ages in hours) and older ones at fixed
    /// times, one of them sent on 31 March 2025 at 23:30 UTC, which is April in Paris.
    static func addRequests(demo: Int64, other: Int64, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO requests (structure_id, category, team, subject, message, status, created_by_name, created_at,
                                  status_changed_at, updated_at)
            SELECT structure_id, category, team, 'Sortie de GIRONDE Coralie', 'Message de LEBRETON Anaïs', status, 'Éloïse Rapport',
                   created_at, coalesce(changed_at, created_at), coalesce(changed_at, created_at)
            FROM (VALUES ($1::bigint, 'enrolment', 'employees', 'received', now() - interval '240 hours', NULL::timestamptz),
                         ($2, 'employee_exit', 'employees', 'received', now() - interval '48 hours', NULL),
                         ($2, 'portability', 'employees', 'in_progress', now() - interval '120 hours', now() - interval '24 hours'),
                         ($1, 'sick_leave', 'benefits', 'received', now() - interval '1 hour', NULL),
                         ($2, 'sick_leave', 'benefits', 'done', '2025-03-10 10:00+01', '2025-03-12 10:00+01'),
                         ($1, 'sick_leave', 'benefits', 'done', '2025-03-20 10:00+01', '2025-03-24 10:00+01'),
                         ($1, 'question', 'customer_service', 'done', '2025-03-31 23:30+00', '2025-04-04 23:30+00'),
                         ($2, 'contributions', 'contributions', 'in_progress', '2025-04-15 12:00+02', '2025-04-16 12:00+02'))
                 v(structure_id, category, team, status, created_at, changed_at)
            """, [demo, other])
    }
}
