import Foundation

/// The worker's spool: senders drop files in `incoming/` (uploading under a hidden or `.part`
/// name, then renaming), the worker moves each processed file with its report to `done/` or
/// `rejected/`. A file whose processing failed stays in `incoming/`.
public struct SpoolDirectory: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    var incoming: String { root + "/incoming" }
    var done: String { root + "/done" }
    var rejected: String { root + "/rejected" }

    public func prepare() throws {
        for directory in [incoming, done, rejected] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    /// Complete files waiting, in name order (the sender's order). Reports are not batch files.
    public func pending() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: incoming)
            .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".part") && !$0.hasSuffix(".report.txt") }
            .sorted()
            .map { incoming + "/" + $0 }
            .filter { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
    }

    /// Moves a processed file and its report out of `incoming/`. The report goes first, so a
    /// crash in between leaves the file in incoming/ (reprocessed as "already loaded").
    public func file(_ path: String, outcome: BatchOutcome) throws {
        let target = outcome.status == .rejected ? rejected : done
        let name = (path as NSString).lastPathComponent
        if let report = outcome.reportPath {
            try replace(at: target + "/" + name + ".report.txt", with: report)
        }
        try replace(at: target + "/" + name, with: path)
    }

    private func replace(at destination: String, with source: String) throws {
        guard rename(source, destination) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination])
        }
    }
}
