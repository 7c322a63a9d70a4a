import Foundation

/// What happened to one file, for the summary line, `--json` and the exit code.
public struct BatchOutcome: Sendable, Encodable {
    public enum Status: String, Sendable, Encodable {
        /// Committed: accepted items loaded, rejected ones recorded.
        case loaded
        /// This batch_id with this content was loaded before: nothing changed.
        case alreadyLoaded = "already_loaded"
        /// The whole file was refused; nothing of it was stored but the rejection.
        case rejected
        /// `--dry-run`: validated, nothing written.
        case validated
    }

    public var file: String
    public var batchID: String?
    public var fileType: String?
    public var status: Status
    public var itemsLoaded: Int
    public var itemsRejected: Int
    public var durationMilliseconds: Int
    /// For a rejected file: the stable reason code and the message.
    public var reason: String?
    public var message: String?
    /// Where the report was written.
    public var reportPath: String?

    enum CodingKeys: String, CodingKey {
        case file, status, reason, message
        case batchID = "batch_id"
        case fileType = "type"
        case itemsLoaded = "loaded"
        case itemsRejected = "rejected"
        case durationMilliseconds = "duration_ms"
        case reportPath = "report"
    }

    /// One line for operators: file, batch id, type, outcome, counts, duration.
    public var summaryLine: String {
        var line = "\(file)  batch=\(batchID ?? "-")  type=\(fileType ?? "-")  \(status.rawValue)  loaded=\(itemsLoaded)  rejected=\(itemsRejected)  \(durationMilliseconds) ms"
        if let reason { line += "  reason=\(reason)" }
        return line
    }
}

/// One rejected item or file, as recorded in `batch_rejects` and in the report.
public struct BatchReject: Sendable, Encodable, Equatable {
    public var lineNumber: Int?
    public var recordType: String?
    public var key: String?
    public var reason: String
    public var message: String
    public var structureID: Int64?

    public init(lineNumber: Int?, recordType: String?, key: String?, reason: String, message: String, structureID: Int64? = nil) {
        self.lineNumber = lineNumber
        self.recordType = recordType
        self.key = key
        self.reason = reason
        self.message = message
        self.structureID = structureID
    }

    enum CodingKeys: String, CodingKey {
        case key, reason, message
        case lineNumber = "line"
        case recordType = "record_type"
        case structureID = "structure_id"
    }
}
