import Foundation
import Logging

/// One JSON object per line on stderr, for journald or any log shipper.
/// Metadata whose key names a secret is replaced, as a last line of defence: callers must
/// already never log passwords, tokens, NIR or health data.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String

    static let sensitiveKeyFragments = ["password", "token", "secret", "nir", "cookie", "authorization", "security_code"]

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error"] = .string(String(describing: error)) }
        var bytes = Array(Self.line(timestamp: Self.timestamp(), level: event.level, label: label,
                                    message: event.message.description, metadata: merged).utf8)
        // One write(2) per line keeps lines from different threads whole.
        _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// One complete JSON line, newline included.
    public static func line(timestamp: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var line = "{\"ts\":\"\(timestamp)\",\"level\":\"\(level)\",\"logger\":\(quote(label)),\"msg\":\(quote(message))"
        for key in metadata.keys.sorted() {
            line += ",\(quote(key)):\(render(isSensitive(key) ? .string("[redacted]") : metadata[key]!))"
        }
        return line + "}\n"
    }

    static func isSensitive(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return sensitiveKeyFragments.contains { lowered.contains($0) }
    }

    static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quote(text)
        case .stringConvertible(let value):
            if let number = value as? any BinaryInteger {
                "\(number)"
            } else if let number = value as? Double, number.isFinite {
                "\(number)"
            } else if let flag = value as? Bool {
                "\(flag)"
            } else {
                quote(value.description)
            }
        case .array(let values): "[" + values.map(render).joined(separator: ",") + "]"
        case .dictionary(let entries):
            "{" + entries.keys.sorted().map { "\(quote($0)):\(render(isSensitive($0) ? .string("[redacted]") : entries[$0]!))" }
                .joined(separator: ",") + "}"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, now.tv_nsec / 1_000_000)
    }
}
