import Foundation
import Postgres

/// What operations watch besides the responder itself: mail waiting in the outbox and the
/// latest batch file of each type. Read at scrape time, with index-backed queries.
///
/// The outbox and the batch registry are not the responder's: `portal_app` may only insert into
/// the outbox and cannot see the registry (RLS, grants). The probe runs on a connection of its
/// own, as a role that may read them (`portal_worker`, which delivers mail and loads batches),
/// inside a read-only transaction.
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
    /// Every batch file type a gauge is kept for; `unknown` stands for a NULL file_type.
    public static let fileTypes = ["IJ", "AFF", "unknown"]

    public static func read(on connection: PostgresConnection) throws -> OperationsSnapshot {
        try connection.transaction { connection in
            // The probe role may write these tables; this transaction never does.
            try connection.query("SET TRANSACTION READ ONLY")
            // The partial index mail_outbox_due holds exactly the pending rows.
            let outbox = try connection.query("""
                SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
                FROM mail_outbox WHERE status = 'pending'
                """).first!
            // One backward walk of batch_files_processed per type, stopping at the first match.
            let batches = try connection.query("""
                SELECT t.label, b.status, b.items_loaded, b.items_rejected, b.processed_at
                FROM unnest($1::text[]) AS t(label)
                CROSS JOIN LATERAL (
                    SELECT status, items_loaded, items_rejected, processed_at FROM batch_files f
                    WHERE coalesce(f.file_type, 'unknown') = t.label
                    ORDER BY processed_at DESC LIMIT 1) AS b
                ORDER BY t.label
                """, [TextArray(fileTypes)])
            return OperationsSnapshot(
                pendingMail: try outbox.decode("pending"),
                oldestPendingMailSeconds: try outbox.decode("oldest"),
                lastBatches: try batches.map { row in
                    let loaded: Int = try row.decode("items_loaded")
                    let rejected: Int = try row.decode("items_rejected")
                    let outcome: BatchOutcomeLabel = try row.decode("status", as: String.self) == "rejected" ? .rejected
                        : rejected > 0 ? .partial : .loaded
                    return OperationsSnapshot.LastBatch(fileType: try row.decode("label"), outcome: outcome, itemsLoaded: loaded,
                                                        itemsRejected: rejected, processedAt: try row.decode("processed_at"))
                })
        }
    }
}
