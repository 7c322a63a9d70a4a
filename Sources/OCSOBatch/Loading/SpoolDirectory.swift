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

    /// Creates the three directories if needed and checks that the worker may write in each, so
    /// that a spool it cannot use is refused before a file is loaded rather than after.
    public func prepare() throws {
        for directory in [incoming, done, rejected] {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw FileSystemFailure("cannot create the spool directory", path: directory, error: error)
            }
            // W_OK reports a read-only file system as well as missing permissions.
            guard access(directory, W_OK | X_OK) == 0 else {
                throw FileSystemFailure("cannot write in the spool directory", path: directory, errno: errno)
            }
        }
    }

    /// Complete files waiting, in name order (the sender's order). Reports are not batch files.
    public func pending() throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: incoming)
        } catch {
            throw FileSystemFailure("cannot list", path: incoming, error: error)
        }
        return names
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
            throw FileSystemFailure("cannot move \(source) to", path: destination, errno: errno)
        }
    }
}
