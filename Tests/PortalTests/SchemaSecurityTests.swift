import Foundation
import Portal
import Postgres
import Testing
import TestSupport

/// What DESIGN §4 promises about roles and the core tables, checked in the migrated database.
@Suite struct SchemaSecurityTests {
    @Test func theAppRoleOwnsNothingAndCannotBypassRLS() async throws {
        let (owned, bypass, superuser) = try await onDedicatedThread { () -> (Int, Bool, Bool) in
            let admin = try TestCluster.connectAsSuperuser()
            let owned: Int = try admin.query("""
                SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                WHERE r.rolname = 'portal_app' AND c.relpersistence <> 't' -- other tests' temporary tables
                """).first!.decode(0)
            let row = try admin.query("SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = 'portal_app'").first!
            return (owned, try row.decode(0), try row.decode(1))
        }
        #expect(owned == 0)
        #expect(!bypass)
        #expect(!superuser)
    }

    @Test func everyPublicTableHasForcedRowLevelSecurity() async throws {
        let unprotected = try await onDedicatedThread { () -> [String] in
            let admin = try TestCluster.connectAsSuperuser()
            return try admin.query("""
                SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'schema_migrations'
                  AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
                """).map { try $0.decode(0, as: String.self) }
        }
        #expect(unprotected == [])
    }

    @Test func theAuditTrailIsAppendOnlyEvenForItsOwner() async throws {
        let (inserted, updateState, deleteState, truncateState) = try await onDedicatedThread { () -> (Int, String?, String?, String?) in
            let owner = try TestCluster.connect(as: "portal_owner")
            func sqlState(_ sql: String) -> String? {
                do {
                    try owner.execute(sql)
                    return nil
                } catch let error as PostgresError {
                    return error.sqlState
                } catch {
                    return "?"
                }
            }
            let id: Int = try owner.query("INSERT INTO audit_events (action) VALUES ('test.append_only') RETURNING id").first!.decode(0)
            return (id, sqlState("UPDATE audit_events SET action = 'x' WHERE id = \(id)"),
                    sqlState("DELETE FROM audit_events WHERE id = \(id)"), sqlState("TRUNCATE audit_events"))
        }
        #expect(inserted > 0)
        #expect(updateState == "42501")
        #expect(deleteState == "42501")
        #expect(truncateState == "42501")
    }

    @Test func theAppRoleHasNoUpdateOrDeletePrivilegeOnTheAuditTrail() async throws {
        let privileges = try await onDedicatedThread { () -> [Bool] in
            let admin = try TestCluster.connectAsSuperuser()
            let row = try admin.query("""
                SELECT has_table_privilege('portal_app', 'audit_events', 'UPDATE'),
                       has_table_privilege('portal_app', 'audit_events', 'DELETE'),
                       has_table_privilege('portal_app', 'audit_events', 'TRUNCATE')
                """).first!
            return [try row.decode(0), try row.decode(1), try row.decode(2)]
        }
        #expect(privileges == [false, false, false])
    }
}
