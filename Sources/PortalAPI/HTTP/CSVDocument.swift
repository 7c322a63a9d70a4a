/// A CSV file for French spreadsheets: UTF-8 with a byte-order mark (so Excel detects UTF-8),
/// `;` between fields, CRLF line ends, RFC 4180 quoting. Text cells that a spreadsheet would
/// read as a formula (`=`, `+`, `-`, `@`, tab, CR at the start) are prefixed with `'`.
/// Rows go to the response stream in chunks, so memory stays bounded whatever the row count.
final class CSVDocument {
    enum Cell {
        /// Free text from the database: quoted as needed and defused against formula injection.
        case text(String)
        /// A value we format ourselves (an amount `553,80`, a count): written as is.
        case number(String)
    }

    private let stream: ResponseStream
    private var pending: [UInt8] = [0xEF, 0xBB, 0xBF]
    static let chunkSize = 64 * 1024

    /// Starts the response: status, CSV headers, then the header row.
    init(stream: ResponseStream, fileName: String, header: [String]) throws {
        self.stream = stream
        try stream.start(status: 200, headers: [
            APIResponse.Header("Content-Type", "text/csv; charset=utf-8"),
            APIResponse.Header("Content-Disposition", Download.contentDisposition(fileName)),
            APIResponse.Header("Cache-Control", "no-store"),
            // nginx passes the chunks on as they come instead of spooling the export to disk.
            APIResponse.Header("X-Accel-Buffering", "no"),
        ])
        try append(header.map(Cell.text))
    }

    func append(_ cells: [Cell]) throws {
        let line = cells.map { cell -> String in
            switch cell {
            case .number(let value): return value
            case .text(let value):
                var text = value
                if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
                // Code points, not characters: "\r\n" and ";" + a combining mark are single Characters.
                guard text.unicodeScalars.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
                return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
        }.joined(separator: ";") + "\r\n"
        pending.append(contentsOf: line.utf8)
        if pending.count >= Self.chunkSize { try flush() }
    }

    /// Sends what is left and marks the response as streamed.
    func finish() throws -> APIResponse {
        try flush()
        return .streamed
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        try stream.write(pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// CSV when asked by `format=csv` or an `Accept` header that prefers it.
    static func isRequested(_ request: APIRequest, format: String) -> Bool {
        if format == "csv" { return true }
        if format == "json" { return false }
        guard let accept = request.header("accept")?.lowercased() else { return false }
        return accept.contains("text/csv") && !accept.hasPrefix("application/json")
    }
}
