import Foundation
import Logging
import Portal
import Postgres

/// Loads one OCSO batch file (spec ../shared/specs/ocso-batch-files.md) exactly once:
/// - one transaction per file holding the accepted items, the item rejections and the registry
///   row, so a crash at any moment leaves all or nothing and a rerun finishes the job;
/// - `batch_id` loads are serialised with an advisory lock and recorded with the file's SHA-256:
///   the same batch again is "already loaded", the same batch_id with other content is refused;
/// - the parser streams the file into a staging table with COPY (bounded memory), then SQL checks
///   and merges everything set-based;
/// - a refused file leaves nothing but its rejection (registry row and reasons).
public struct BatchLoader {
    public struct Options: Sendable {
        /// Item-level errors refuse the whole file.
        public var strict = false
        /// Validate everything, write nothing.
        public var dryRun = false
        /// Beyond this many item rejections the file is refused (bounds the memory of a bad file).
        public var maxItemRejections = 100_000
        /// Write `<file>.report.txt` next to the file.
        public var writeReport = true

        public init() {}
    }

    let connection: PostgresConnection
    let options: Options
    let logger: Logger

    public init(connection: PostgresConnection, options: Options = Options(), logger: Logger) {
        self.connection = connection
        self.options = options
        self.logger = logger
    }

    /// Only infrastructure failures throw (file unreadable, database unavailable); a bad file is
    /// a `.rejected` outcome.
    public func load(path: String) throws -> BatchOutcome {
        let started = ContinuousClock.now
        let parser = try BatchFileParser(path: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        var outcome = BatchOutcome(file: path, batchID: nil, fileType: nil, status: .rejected, itemsLoaded: 0, itemsRejected: 0,
                                   durationMilliseconds: 0, reason: nil, message: nil, reportPath: nil)
        var rejects: [BatchReject] = []
        do {
            let header = try parser.header()
            outcome.batchID = header.batchID
            outcome.fileType = header.fileType.rawValue
            try connection.execute(Self.sessionSettings)
            var phases = PhaseClock(logger: logger, batchID: header.batchID)
            let result = try connection.transaction { connection -> (BatchOutcome.Status, Int, [BatchReject], Int) in
                try connection.execute("SET LOCAL work_mem = '64MB'")
                try connection.query("SELECT pg_advisory_xact_lock(hashtextextended('ocso-batch:' || $1, 0))", [header.batchID])
                let previous = try connection.query("SELECT id, sha256 FROM batch_files WHERE batch_id = $1 AND status = 'loaded'",
                                                    [header.batchID]).first
                if let previous {
                    let digest = try parser.finishDigest()
                    guard digest == (try previous.decode("sha256", as: [UInt8].self)) else { throw LoadRejection.batchIDReused(header.batchID) }
                    // The report of a rerun (e.g. after a crash before the file was moved) lists what the load rejected.
                    return (.alreadyLoaded, 0, try Self.recordedRejects(fileID: try previous.decode("id"), on: connection), 0)
                }
                let staged = try stage(parser, header: header, on: connection)
                phases.finished("parse and stage")
                var all = staged.rejects
                // Items, not reasons: one payment may be rejected for several reasons.
                var rejectedItems = staged.rejectedItems
                let merged: Int
                switch header.fileType {
                case .ij:
                    // One merge at a time: payment references are unique across structures.
                    try connection.query("SELECT pg_advisory_xact_lock(hashtextextended('ocso-batch:ij-merge', 0))")
                    try connection.executeScript(IJMerge.resolve)
                    phases.finished("resolve and check")
                    let databaseRejects = try connection.query(IJMerge.rejections).map { row in
                        BatchReject(lineNumber: try row.decode("line_number"), recordType: "R", key: try row.decode("payment_ref"),
                                    reason: try row.decode("reason"), message: try row.decode("message"),
                                    structureID: try row.decode("structure_id"))
                    }
                    all += databaseRejects
                    rejectedItems += databaseRejects.count
                    if options.strict, !all.isEmpty {
                        throw LoadRejection.strict(all.sorted { ($0.lineNumber ?? 0) < ($1.lineNumber ?? 0) }, items: rejectedItems)
                    }
                    merged = try connection.execute(IJMerge.merge, [header.batchID])
                    phases.finished("merge payments")
                    try connection.execute(IJMerge.mergeLines)
                    phases.finished("merge lines")
                case .aff:
                    let result = try AFFMerge.run(on: connection, strict: options.strict, priorRejects: all)
                    all = result.rejects
                    rejectedItems = result.rejectedItems
                    merged = result.loaded
                    phases.finished("check and merge")
                }
                all.sort { ($0.lineNumber ?? 0) < ($1.lineNumber ?? 0) }
                if options.dryRun { throw DryRun(loaded: merged, rejects: all, rejectedItems: rejectedItems) }
                let digest = try parser.finishDigest()
                let fileID: Int64 = try connection.query("""
                    INSERT INTO batch_files (batch_id, file_type, file_name, sha256, size_bytes, sender, created_at, status, strict,
                                             record_count, items_loaded, items_rejected, duration_ms)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, 'loaded', $8, $9, $10, $11, $12) RETURNING id
                    """, [header.batchID, header.fileType.rawValue, (path as NSString).lastPathComponent, digest, size, header.sender,
                          header.createdAt, options.strict, parser.trailer?.recordCount, merged, rejectedItems,
                          Self.milliseconds(since: started)]).first!.decode(0)
                try Self.record(all, fileID: fileID, on: connection)
                phases.finished("register")
                return (.loaded, merged, all, rejectedItems)
            }
            phases.finished("commit")
            if result.0 == .loaded, result.1 > 0 {
                refreshStatistics(of: header.fileType, batchID: header.batchID)
                phases.finished("analyze")
            }
            outcome.status = result.0
            outcome.itemsLoaded = result.1
            outcome.itemsRejected = result.3
            rejects = result.2
        } catch let dryRun as DryRun {
            outcome.status = .validated
            outcome.itemsLoaded = dryRun.loaded
            outcome.itemsRejected = dryRun.rejectedItems
            rejects = dryRun.rejects
        } catch let rejection as FileRejection {
            rejects = [BatchReject(lineNumber: rejection.lineNumber, recordType: rejection.recordType, key: nil,
                                   reason: rejection.reason.rawValue, message: rejection.message)]
            try refuse(&outcome, reason: rejection.reason.rawValue, message: rejection.message, rejects: rejects, parser: parser, size: size)
        } catch let rejection as LoadRejection {
            rejects = [BatchReject(lineNumber: rejection.lineNumber, recordType: rejection.recordType, key: outcome.batchID,
                                   reason: rejection.reason, message: rejection.message)] + rejection.items
            try refuse(&outcome, reason: rejection.reason, message: rejection.message, rejects: rejects, parser: parser, size: size)
            outcome.itemsRejected = rejection.itemCount
        }
        outcome.durationMilliseconds = Self.milliseconds(since: started)
        if options.writeReport, !options.dryRun {
            let reportPath = BatchReport.path(for: path)
            try BatchReport.write(outcome, rejects: rejects, to: reportPath)
            outcome.reportPath = reportPath
        }
        logger.info("batch processed", metadata: [
            "file": .string((path as NSString).lastPathComponent), "batch_id": .string(outcome.batchID ?? "-"),
            "type": .string(outcome.fileType ?? "-"), "outcome": .string(outcome.status.rawValue),
            "loaded": .stringConvertible(outcome.itemsLoaded), "rejected": .stringConvertible(outcome.itemsRejected),
            "duration_ms": .stringConvertible(outcome.durationMilliseconds), "reason": .string(outcome.reason ?? "-"),
        ])
        return outcome
    }

    /// Staging tables are temporary: 8 MB of local buffers (the default) would spill a large file to
    /// disk several times over. Only settable before the session's first temporary table, and the
    /// same value is accepted again, so it is set before every load.
    static let sessionSettings = "SET temp_buffers = '256MB'"

    /// The file has committed: the planner learns about its rows now, not when autovacuum gets to
    /// them (sql/migrations/0010). A failure here takes nothing from the load, so it is only logged.
    private func refreshStatistics(of fileType: BatchFileType, batchID: String) {
        do {
            try connection.execute("SELECT analyze_after_batch($1)", [fileType.rawValue])
        } catch {
            logger.warning("statistics not refreshed after the load", metadata: [
                "batch_id": .string(batchID), "error": .string(String(describing: error)),
            ])
        }
    }

    /// Thrown to roll a dry run back with what it would have done.
    private struct DryRun: Error {
        let loaded: Int
        let rejects: [BatchReject]
        let rejectedItems: Int
    }

    /// Records a refused file: its registry row and its reasons, nothing of its content.
    private func refuse(_ outcome: inout BatchOutcome, reason: String, message: String, rejects: [BatchReject],
                        parser: BatchFileParser, size: Int64) throws {
        outcome.status = .rejected
        outcome.reason = reason
        outcome.message = message
        outcome.itemsLoaded = 0
        guard !options.dryRun else { return }
        let digest = try parser.finishDigest()
        try connection.transaction { connection in
            let fileID: Int64 = try connection.query("""
                INSERT INTO batch_files (batch_id, file_type, file_name, sha256, size_bytes, status, strict, reason, message)
                VALUES ($1, $2, $3, $4, $5, 'rejected', $6, $7, $8) RETURNING id
                """, [outcome.batchID.flatMap { $0.range(of: "^[A-Za-z0-9_-]{1,32}$", options: .regularExpression) != nil ? $0 : nil },
                      outcome.fileType, (outcome.file as NSString).lastPathComponent, digest, size, options.strict, reason, message])
                .first!.decode(0)
            try Self.record(rejects, fileID: fileID, on: connection)
        }
    }

    /// Streams every parsed item into the staging table; returns the parser's item rejections.
    private func stage(_ parser: BatchFileParser, header: BatchHeader, on connection: PostgresConnection)
        throws -> (rejects: [BatchReject], rejectedItems: Int) {
        var rejects: [BatchReject] = []
        var rejectedItems = 0
        var payments = 0
        let (createSQL, copySQL) = header.fileType == .ij ? (IJMerge.createStaging, IJMerge.copy) : (AFFMerge.createStaging, AFFMerge.copy)
        try connection.executeScript(createSQL)
        try connection.copyFrom(copySQL) { writer in
            let flushSize = 256 * 1024
            var buffer = CopyBuffer(capacity: flushSize + 4096)
            while let parsed = try parser.next() {
                if parsed.isRejected {
                    rejectedItems += 1
                    rejects += parsed.rejections.map {
                        BatchReject(lineNumber: $0.lineNumber, recordType: $0.recordType, key: $0.key, reason: $0.reason.rawValue,
                                    message: $0.message)
                    }
                    if rejects.count > options.maxItemRejections { throw LoadRejection.tooManyRejections(options.maxItemRejections) }
                }
                switch header.fileType {
                case .ij:
                    payments += 1
                    IJStaging.append(parsed.item, seq: payments, rejected: parsed.isRejected, to: &buffer)
                case .aff:
                    if !parsed.isRejected { AFFMerge.appendRow(for: parsed.item, to: &buffer) }
                }
                if buffer.count >= flushSize {
                    try writer.write(buffer.bytes)
                    buffer.removeAll()
                }
            }
            if buffer.count > 0 { try writer.write(buffer.bytes) }
        }
        return (rejects, rejectedItems)
    }

    /// Inserts rejections in batches of a few hundred rows per statement.
    static func record(_ rejects: [BatchReject], fileID: Int64, on connection: PostgresConnection) throws {
        let batch = 500
        var start = 0
        while start < rejects.count {
            let slice = rejects[start..<min(start + batch, rejects.count)]
            // Arrays of text, '' standing for NULL, cast back in SQL.
            try connection.execute("""
                INSERT INTO batch_rejects (batch_file_id, position, line_number, record_type, item_key, reason, message, structure_id)
                SELECT $1, $2 + ordinality, nullif(line_number, '')::int, nullif(record_type, ''), nullif(item_key, ''),
                       reason, message, nullif(structure_id, '')::bigint
                FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                     WITH ORDINALITY AS r(line_number, record_type, item_key, reason, message, structure_id)
                """, [fileID, start, TextArray(slice.map { $0.lineNumber.map(String.init) ?? "" }),
                      TextArray(slice.map { $0.recordType ?? "" }), TextArray(slice.map { $0.key ?? "" }), TextArray(slice.map(\.reason)),
                      TextArray(slice.map(\.message)), TextArray(slice.map { $0.structureID.map(String.init) ?? "" })])
            start += batch
        }
    }

    static func recordedRejects(fileID: Int64, on connection: PostgresConnection) throws -> [BatchReject] {
        try connection.query("""
            SELECT line_number, record_type, item_key, reason, message, structure_id FROM batch_rejects
            WHERE batch_file_id = $1 ORDER BY position
            """, [fileID]).map { row in
            BatchReject(lineNumber: try row.decode("line_number"), recordType: try row.decode("record_type"), key: try row.decode("item_key"),
                        reason: try row.decode("reason"), message: try row.decode("message"), structureID: try row.decode("structure_id"))
        }
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
