import Foundation
import Portal
import Postgres
import Testing
import TestSupport

/// The DBA reports (`reporting.*`, docs/reports.md) on a dataset whose figures are known
/// (`ReportingFixture`), read as portal_report; and no NIR, name or health detail in any of them.
@Suite struct ReportingFiguresTests {
    struct Observed: Sendable {
        var structures: [String] = []
        var ij: [String] = []
        var ijTotals: [String] = []
        var insured: [String] = []
        var backlog: [String] = []
        var monthly: [String] = []
        var batches: [String] = []
        var rejects: [String] = []
        var activity: [String] = []
    }

    /// Rows of `sql` as text (`(a,b,c)`), in the query's order.
    static func texts(_ connection: PostgresConnection, _ sql: String, _ binds: [any PostgresBindable] = []) throws -> [String] {
        try connection.query("SELECT r::text FROM (\(sql)) r", binds).map { try $0.decode(0) }
    }

    /// Builds the fixture and runs `body` as portal_report in the transaction that added the
    /// démarches, so that `now()` is the same for their ages and for the reports.
    static func withReports<T>(_ body: (PostgresConnection, ReportingFixture) throws -> T) throws -> T {
        try SeedTests.withMigratedDatabase { owner in
            let fixture = try ReportingFixture.build(owner: owner)
            let admin = try TestCluster.connectAsSuperuser(database: fixture.database)
            return try admin.transaction { connection in
                try ReportingFixture.addRequests(demo: fixture.demo, other: fixture.other, on: connection)
                try connection.execute("SET LOCAL ROLE portal_report")
                return try body(connection, fixture)
            }
        }
    }

    @Test func eachReportGivesTheFiguresOfAKnownDataset() async throws {
        let observed = try await onDedicatedThread {
            try Self.withReports { c, fixture -> Observed in
                var o = Observed()
                let both: [any PostgresBindable] = [fixture.demo, fixture.other]
                o.structures = try Self.texts(c, """
                    SELECT structure_id = $1 AS demo, name, has_principal, delegated_users, signed_contracts
                    FROM reporting.structures WHERE structure_id IN ($1, $2) ORDER BY structure_id
                    """, both)
                o.ij = try Self.texts(c, """
                    SELECT structure_id = $1 AS demo, month, nature, lines, days, amount FROM reporting.ij_paid_monthly
                    WHERE structure_id IN ($1, $2) ORDER BY structure_id, month, nature
                    """, both)
                o.ijTotals = try Self.texts(c, "SELECT month, nature, lines, days, amount FROM reporting.ij_paid_monthly_totals ORDER BY month, nature")
                o.insured = try Self.texts(c, """
                    SELECT regime, college, active, in_portability, exited, total FROM reporting.insured_by_college
                    WHERE structure_id = $1 ORDER BY regime, college
                    """, [fixture.other])
                o.backlog = try Self.texts(c, """
                    SELECT team, status, requests, age_max, age_avg, age_median, in_status_max, idle_max,
                           oldest_created_at = now() - CASE WHEN team = 'benefits' THEN interval '1 hour'
                                                     WHEN status = 'received' THEN interval '240 hours' ELSE interval '120 hours' END
                    FROM reporting.request_backlog WHERE team <> 'contributions' ORDER BY team, status
                    """)
                // Sent on 15 April 2025, in progress since the 16th: its ages grow with the clock.
                o.backlog += try Self.texts(c, """
                    SELECT team, status, requests, age_max = sent AND age_avg = sent AND age_median = sent AND in_status_max = taken
                                                   AND idle_max = taken AND oldest_created_at = '2025-04-15 12:00+02'
                    FROM reporting.request_backlog,
                         LATERAL (SELECT date_trunc('second', now() - timestamptz '2025-04-15 12:00+02') AS sent,
                                         date_trunc('second', now() - timestamptz '2025-04-16 12:00+02') AS taken) x
                    WHERE team = 'contributions'
                    """)
                o.monthly = try Self.texts(c, """
                    SELECT month, team, category, requests, received, in_progress, done, time_to_done_avg, time_to_done_max
                    FROM reporting.requests_monthly WHERE month < '2025-06-01' ORDER BY month, team, category
                    """)
                o.batches = try Self.texts(c, """
                    SELECT batch_id, file_type, file_name, size_bytes, sender, sender_created_at,
                           processed_at = timestamptz '2025-02-01 03:00+01' + (batch_file_id - min(batch_file_id) OVER ()) * interval '1 day' AS processed_right,
                           status, strict, record_count, items_loaded, items_rejected, reason, duration_ms
                    FROM reporting.batch_history ORDER BY batch_file_id
                    """)
                o.rejects = try Self.texts(c, """
                    SELECT batch_id, file_type, reason, record_type, rejects, structures FROM reporting.batch_rejects_by_reason
                    ORDER BY batch_file_id, reason, record_type
                    """)
                // Summed over days: the fixture's events happen now, possibly either side of midnight in Paris.
                o.activity = try Self.texts(c, """
                    SELECT sum(sign_ups), sum(sign_ups_refused), sum(structures_attached), sum(logins), sum(users_logged_in),
                           sum(staff_logins), sum(logins_failed), sum(lockouts), sum(users_created), sum(grants_changed),
                           sum(grants_revoked), sum(passwords_changed)
                    FROM reporting.account_activity_daily
                    """)
                return o
            }
        }
        #expect(observed.structures == ["(t,\"SARL DEMONSTRATION\",t,0,3)", "(f,\"SARL RAPPORTS\",t,0,2)"])
        // The demo's four payments of the guide, then the second structure's: two MAL lines of January add up.
        #expect(observed.ij == ["(t,2020-06-01,ATP,1,14,636.86)", "(t,2020-06-01,MAT,1,14,296.38)", "(t,2021-05-01,MAL,1,42,1162.98)",
                                "(t,2021-06-01,MAL,1,20,553.80)",
                                "(f,2021-06-01,MAL,1,2,100.00)", "(f,2025-01-01,MAL,2,13,410.00)", "(f,2025-01-01,MAT,1,5,105.50)",
                                "(f,2025-02-01,ATP,1,1,99.99)"])
        // June 2021 adds both structures' lines.
        #expect(observed.ijTotals == ["(2020-06-01,ATP,1,14,636.86)", "(2020-06-01,MAT,1,14,296.38)", "(2021-05-01,MAL,1,42,1162.98)",
                                      "(2021-06-01,MAL,2,22,653.80)", "(2025-01-01,MAL,2,13,410.00)", "(2025-01-01,MAT,1,5,105.50)",
                                      "(2025-02-01,ATP,1,1,99.99)"])
        // The unsigned contract's collège is absent; the future entrant counts as exited, as in the portal.
        #expect(observed.insured == ["(PREVOYANCE,Cadres,1,1,1,3)", "(SANTE,\"Ensemble du personnel\",1,0,1,2)"])
        // Done requests are not backlog; ages are exact within the transaction.
        #expect(observed.backlog == [
            "(benefits,received,1,01:00:00,01:00:00,01:00:00,01:00:00,01:00:00,t)",
            "(employees,in_progress,1,\"5 days\",\"5 days\",\"5 days\",\"1 day\",\"1 day\",t)",
            "(employees,received,2,\"10 days\",\"6 days\",\"6 days\",\"10 days\",\"10 days\",t)",
            "(contributions,in_progress,1,t)",
        ])
        // 31 March 2025 23:30 UTC is April in Paris.
        #expect(observed.monthly == ["(2025-03-01,benefits,sick_leave,2,0,0,2,\"3 days\",\"4 days\")",
                                     "(2025-04-01,contributions,contributions,1,0,1,0,,)",
                                     "(2025-04-01,customer_service,question,1,0,0,1,\"4 days\",\"4 days\")"])
        #expect(observed.batches == [
            "(RPT-IJ-20250201,IJ,OCSO_IJ_20250201.txt,2048,OCSO,2025-02-01T02:00:00,t,loaded,f,12,3,3,,1234)",
            "(RPT-AFF-20250202,AFF,OCSO_AFF_20250202.txt,512,OCSO,2025-02-02T02:00:00,t,rejected,t,,0,0,trailer_mismatch,56)",
            "(,,garbage.bin,7,,,t,rejected,f,,0,0,bad_header,2)",
        ])
        #expect(observed.rejects == ["(RPT-IJ-20250201,IJ,amount_mismatch,R,2,2)", "(RPT-IJ-20250201,IJ,days_inconsistent,L,1,1)",
                                     "(RPT-IJ-20250201,IJ,unknown_matricule,R,1,1)", "(RPT-AFF-20250202,AFF,trailer_mismatch,T,1,0)",
                                     "(,,bad_header,,1,0)"])
        // sign-ups 1 (1 refused), 1 structure attached, 3 logins by 2 accounts (1 staff), 6 failures, 1 lockout,
        // 1 user created, 3 grant changes (create, set, revoke) of which 1 revocation, 1 password changed.
        #expect(observed.activity == ["(1,1,1,3,2,1,6,1,1,3,1,1)"])
    }

    @Test func noReportValueIsANIROrANameOrAnAddress() async throws {
        let (sensitive, values) = try await onDedicatedThread { () -> ([String], [String: [String]]) in
            try Self.withReports { c, _ in
                // Everything a report must not show, read as the superuser in the same transaction.
                try c.execute("RESET ROLE")
                let sensitive: [String] = try c.query("""
                    SELECT DISTINCT v FROM (
                        SELECT unnest(ARRAY[nir, last_name, first_name, last_name || ' ' || first_name, matricule, address_line]) FROM insured_people
                        UNION ALL SELECT unnest(ARRAY[last_name, first_name]) FROM beneficiaries
                        UNION ALL SELECT beneficiary_name FROM ij_payment_lines
                        UNION ALL SELECT unnest(ARRAY[email, last_name, first_name]) FROM users
                        UNION ALL SELECT unnest(ARRAY[subject, message, created_by_name]) FROM requests
                        UNION ALL SELECT unnest(ARRAY[item_key, message]) FROM batch_rejects
                        UNION ALL SELECT message FROM batch_files
                    ) s(v) WHERE v IS NOT NULL
                    """).map { try $0.decode(0) }
                try c.execute("SET LOCAL ROLE portal_report")
                var values: [String: [String]] = [:]
                for view in try c.query("SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind = 'v'")
                    .map({ try $0.decode(0, as: String.self) }) {
                    values[view] = try c.query("SELECT v.value FROM reporting.\(view) t, jsonb_each_text(to_jsonb(t)) v WHERE v.value IS NOT NULL")
                        .map { try $0.decode(0) }
                }
                return (sensitive, values)
            }
        }
        // The check is not vacuous: the dataset has names and NIRs, and every report has values.
        #expect(sensitive.contains("LEBRETON") && sensitive.contains("LEBRETON Anaïs") && sensitive.contains(ReportingFixture.principalEmail))
        #expect(sensitive.filter { $0.count == 15 && $0.allSatisfy(\.isNumber) }.count >= 9)
        #expect(values.count == 9)
        #expect(values.values.allSatisfy { !$0.isEmpty })
        let nir = /[1-478][0-9]{4}(2A|2B|[0-9]{2})[0-9]{8}/
        for (view, cells) in values {
            let leaks = cells.filter { cell in cell.contains(nir) || sensitive.contains { cell.contains($0) } }
            #expect(leaks.isEmpty, "reporting.\(view) shows \(leaks)")
        }
    }
}
