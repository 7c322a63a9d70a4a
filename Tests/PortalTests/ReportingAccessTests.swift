import Foundation
import Portal
import Postgres
import Testing
import TestSupport

/// Who may read the reports (migration 0007): portal_report reads the `reporting` views and no
/// table; the other roles cannot read the views; the views' owner reads only the columns the
/// reports need. Checked in the shared migrated database, through real logins.
@Suite struct ReportingAccessTests {
    /// The SQLSTATE of `sql` run as `role` (nil if it succeeds).
    static func failure(of sql: String, as role: String) throws -> String? {
        let connection = try TestCluster.connect(as: role)
        do {
            try connection.execute(sql)
            return nil
        } catch let error as PostgresError {
            return error.sqlState ?? "no sqlstate: \(error)"
        }
    }

    static func views(_ connection: PostgresConnection) throws -> [String] {
        try connection.query("SELECT relname::text FROM pg_class WHERE relnamespace = 'reporting'::regnamespace ORDER BY 1")
            .map { try $0.decode(0) }
    }

    static func publicTables(_ connection: PostgresConnection) throws -> [String] {
        try connection.query("SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1")
            .map { try $0.decode(0) }
    }

    @Test func portalReportReadsEveryViewAndNoTable() async throws {
        let (views, viewFailures, tables, tableFailures, nir, function) = try await onDedicatedThread {
            () -> ([String], [String: String?], [String], [String: String?], String?, String?) in
            let admin = try TestCluster.connectAsSuperuser()
            let views = try Self.views(admin)
            let tables = try Self.publicTables(admin)
            var viewFailures: [String: String?] = [:]
            for view in views { viewFailures[view] = try Self.failure(of: "SELECT * FROM reporting.\(view) LIMIT 1", as: "portal_report") }
            var tableFailures: [String: String?] = [:]
            for table in tables { tableFailures[table] = try Self.failure(of: "SELECT * FROM public.\(table) LIMIT 1", as: "portal_report") }
            return (views, viewFailures, tables, tableFailures,
                    try Self.failure(of: "SELECT nir FROM public.insured_people", as: "portal_report"),
                    try Self.failure(of: "SELECT public.portal_visible_structure_ids()", as: "portal_report"))
        }
        #expect(views == ["account_activity_daily", "batch_history", "batch_rejects_by_reason", "ij_paid_monthly", "ij_paid_monthly_totals",
                          "insured_by_college",
                          "request_backlog", "requests_monthly", "structures"])
        #expect(viewFailures.values.allSatisfy { $0 == nil }, "\(viewFailures)")
        #expect(tables.count >= 20)
        #expect(tableFailures.values.allSatisfy { $0 == "42501" }, "\(tableFailures)")
        #expect(nir == "42501")
        #expect(function == "42501")
    }

    @Test func portalReportCannotWriteThroughTheViews() async throws {
        let attempts = try await onDedicatedThread { () -> [String?] in
            [try Self.failure(of: "DELETE FROM reporting.batch_history", as: "portal_report"),
             try Self.failure(of: "UPDATE reporting.batch_history SET file_name = 'x'", as: "portal_report"),
             try Self.failure(of: "INSERT INTO reporting.batch_history (file_name) VALUES ('x')", as: "portal_report"),
             try Self.failure(of: "CREATE VIEW reporting.mine AS SELECT 1", as: "portal_report")]
        }
        #expect(attempts == ["42501", "42501", "42501", "42501"])
    }

    @Test func theOtherRolesCannotReadTheReports() async throws {
        let failures = try await onDedicatedThread { () -> [String: String?] in
            var failures: [String: String?] = [:]
            for role in ["portal_app", "portal_worker", "portal_replication"] {
                failures[role] = try Self.failure(of: "SELECT * FROM reporting.structures LIMIT 1", as: role)
            }
            return failures
        }
        #expect(failures == ["portal_app": "42501", "portal_worker": "42501", "portal_replication": "42501"])
    }

    /// Every view, including those of later migrations: owned by the restricted owner, a
    /// security barrier, documented, readable by portal_report and by no other login role
    /// (but portal_owner, which owns the tables themselves and runs the migrations).
    @Test func everyReportingViewIsOwnedBarredDocumentedAndGranted() async throws {
        let offenders = try await onDedicatedThread { () -> [String] in
            let admin = try TestCluster.connectAsSuperuser()
            return try admin.query("""
                SELECT c.relname || ': ' || concat_ws(', ',
                    CASE WHEN c.relkind <> 'v' THEN 'not a view' END,
                    CASE WHEN c.relowner <> 'portal_reporting_owner'::regrole THEN 'owner ' || c.relowner::regrole END,
                    CASE WHEN NOT coalesce('security_barrier=true' = ANY (c.reloptions), false) THEN 'no security_barrier' END,
                    CASE WHEN obj_description(c.oid, 'pg_class') IS NULL THEN 'no comment' END,
                    CASE WHEN NOT has_table_privilege('portal_report', c.oid, 'SELECT') THEN 'portal_report cannot read' END,
                    (SELECT 'readable by ' || string_agg(r.rolname, ' ') FROM pg_roles r
                     WHERE r.rolcanlogin AND NOT r.rolsuper AND r.rolname NOT IN ('portal_report', 'portal_owner')
                       AND has_table_privilege(r.oid, c.oid, 'SELECT') AND has_schema_privilege(r.oid, 'reporting', 'USAGE')))
                FROM pg_class c WHERE c.relnamespace = 'reporting'::regnamespace
                """).map { try $0.decode(0, as: String.self) }.filter { !$0.hasSuffix(": ") }
        }
        #expect(offenders == [])
    }

    /// No report column is named like personal data (a company name and a batch file name are
    /// not), and the views' owner can read exactly the columns 0007 grants: none of them is a
    /// NIR, a person's name, an address, an e-mail or health data.
    @Test func reportsCannotReachPersonalData() async throws {
        let (columns, readable) = try await onDedicatedThread { () -> ([String], [String]) in
            let admin = try TestCluster.connectAsSuperuser()
            let columns: [String] = try admin.query("""
                SELECT c.relname || '.' || a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relnamespace = 'reporting'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.attname ~ '(^|_)(nir|names?|e?mail|birth|address|phone|matricule|beneficiar[a-z]*|subject|message|body|ip|key|details?)($|_)'
                ORDER BY 1
                """).map { try $0.decode(0) }
            let readable: [String] = try admin.query("""
                SELECT c.relname || '.' || a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
                  AND has_column_privilege('portal_reporting_owner', c.oid, a.attnum, 'SELECT')
                ORDER BY 1
                """).map { try $0.decode(0) }
            return (columns, readable)
        }
        #expect(columns == ["batch_history.file_name", "structures.name"])
        #expect(readable == [
            "affiliations.contract_id", "affiliations.end_date", "affiliations.entry_date", "affiliations.insured_id",
            "affiliations.portability_end", "affiliations.structure_id",
            "audit_events.action", "audit_events.actor_user_id", "audit_events.occurred_at", "audit_events.outcome",
            "audit_events.structure_id",
            "batch_files.batch_id", "batch_files.created_at", "batch_files.duration_ms", "batch_files.file_name", "batch_files.file_type",
            "batch_files.id", "batch_files.items_loaded", "batch_files.items_rejected", "batch_files.processed_at",
            "batch_files.reason", "batch_files.record_count", "batch_files.sender", "batch_files.size_bytes", "batch_files.status",
            "batch_files.strict",
            "batch_rejects.batch_file_id", "batch_rejects.reason", "batch_rejects.record_type", "batch_rejects.structure_id",
            "contracts.college", "contracts.id", "contracts.kind", "contracts.signed", "contracts.structure_id",
            "ij_payment_lines.amount", "ij_payment_lines.days", "ij_payment_lines.nature", "ij_payment_lines.payment_id",
            "ij_payment_lines.structure_id",
            "ij_payments.id", "ij_payments.payment_date", "ij_payments.structure_id",
            "requests.category", "requests.created_at", "requests.id", "requests.status", "requests.status_changed_at",
            "requests.structure_id", "requests.team", "requests.updated_at",
            "structure_access.role", "structure_access.structure_id", "structure_access.user_id",
            "structures.client_number", "structures.created_at", "structures.id", "structures.name", "structures.siren",
            "structures.siret",
            "users.id", "users.kind",
        ])
    }
}
