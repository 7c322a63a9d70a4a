import Foundation

/// The report written next to a processed or rejected file (`<file>.report.txt`): a summary,
/// then one line per rejection with line number, record type, key, reason code and message.
/// Written to a temporary name and renamed, so a reader never sees half a report.
enum BatchReport {
    static func path(for file: String) -> String { file + ".report.txt" }

    static func write(_ outcome: BatchOutcome, rejects: [BatchReject], to path: String) throws {
        var text = """
            Fichier : \(outcome.file)
            Lot : \(outcome.batchID ?? "-")   Type : \(outcome.fileType ?? "-")
            Résultat : \(outcome.status.rawValue)   chargés : \(outcome.itemsLoaded)   rejetés : \(outcome.itemsRejected)   durée : \(outcome.durationMilliseconds) ms

            """
        if let reason = outcome.reason {
            text += "Rejet du fichier : \(reason) — \(outcome.message ?? "")\n"
        }
        if !rejects.isEmpty {
            text += "\nligne\ttype\tclé\tcode\tmessage\n"
            for reject in rejects {
                let fields = [reject.lineNumber.map(String.init) ?? "-", reject.recordType ?? "-", reject.key ?? "-", reject.reason, reject.message]
                text += fields.map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
                    .joined(separator: "\t") + "\n"
            }
        }
        // Unique per writer: two workers may report on the same file at once.
        let temporary = path + "." + UUID().uuidString + ".part"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            // A full disk leaves a partial file behind.
            unlink(temporary)
            throw FileSystemFailure("cannot write the report", path: path, error: error)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileSystemFailure("cannot write the report", path: path, errno: code)
        }
    }
}
