import Foundation
import Postgres

/// What operations watch besides the responder itself: mail waiting in the outbox and the
/// latest batch file of each type. Read at scrape time, with index-backed queries.
///
/// The outbox and the batch registry are not the responder's: `portal_app` may only insert into
/// the outbox and cannot see the registry (RLS, grants). It reads aggregates of them through two
/// SECURITY DEFINER functions (migration 0008), on a connection of the operations lane's own.
public struct OperationsSnapshot: Sendable, Equatable {
    public var pendingMail: Int
    /// Age of the oldest pending message; nil when none is pending.
    public var oldestPendingMailSeconds: Double?
    /// The most recent file of each type (`IJ`, `AFF`, `unknown` for a file refused before its
    /// header was read); types never seen are absent.
    public var lastBatches: [LastBatch]

    public struct LastBatch: Sendable, Equatable {
        public var fileType: String
        public var outcome: BatchOutcomeLabel
        public var itemsLoaded: Int
        public var itemsRejected: Int
        public var processedAt: Date
    }
}

/// A batch file's outcome as operations read it: `partial` is a loaded file with rejected items.
public enum BatchOutcomeLabel: String, Sendable, CaseIterable {
    case loaded
    case partial
    case rejected
}

public enum OperationsProbe {
    /// Reads through the two aggregate functions of migration 0008, which `portal_app` may call.
    public static func read(on connection: PostgresConnection) throws -> OperationsSnapshot {
        try connection.transaction { connection in
            try connection.query("SET TRANSACTION READ ONLY")
            let outbox = try connection.query("SELECT pending, oldest_pending_seconds FROM portal_mail_outbox_backlog()").first!
            let batches = try connection.query("""
                SELECT file_type, status, items_loaded, items_rejected, processed_at FROM portal_last_batches()
                """)
            return OperationsSnapshot(
                pendingMail: try outbox.decode("pending"),
                oldestPendingMailSeconds: try outbox.decode("oldest_pending_seconds"),
                lastBatches: try batches.map { row in
                    let loaded: Int = try row.decode("items_loaded")
                    let rejected: Int = try row.decode("items_rejected")
                    let outcome: BatchOutcomeLabel = try row.decode("status", as: String.self) == "rejected" ? .rejected
                        : rejected > 0 ? .partial : .loaded
                    return OperationsSnapshot.LastBatch(fileType: try row.decode("file_type"), outcome: outcome, itemsLoaded: loaded,
                                                        itemsRejected: rejected, processedAt: try row.decode("processed_at"))
                })
        }
    }
}
