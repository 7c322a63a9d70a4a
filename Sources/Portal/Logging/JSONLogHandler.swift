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

    static let sensitiveKeyFragmentBytes = sensitiveKeyFragments.map { Array($0.utf8) }

    /// Called for every key of every line: ASCII keys (all of ours) are matched bytewise, without
    /// Foundation; others are lowercased the Unicode way first (the Kelvin sign is a "k").
    static func isSensitive(_ key: String) -> Bool {
        guard key.utf8.allSatisfy({ $0 < 0x80 }) else {
            let lowered = key.lowercased()
            return sensitiveKeyFragments.contains { lowered.contains($0) }
        }
        let lowered = key.utf8.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        return sensitiveKeyFragmentBytes.contains { fragment in
            lowered.count >= fragment.count && (0...(lowered.count - fragment.count)).contains { start in
                lowered[start..<(start + fragment.count)].elementsEqual(fragment)
            }
        }
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
        // Most values need no escape at all.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) { return "\"" + text + "\"" }
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

    /// `2026-11-26T17:02:03.042Z`, written digit by digit (`String(format:)` goes through Foundation).
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int, then separator: UInt8) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                bytes.append(0x30 + UInt8(value / divisor % 10))
                divisor /= 10
            }
            bytes.append(separator)
        }
        digits(Int(parts.tm_year) + 1900, 4, then: 0x2D)
        digits(Int(parts.tm_mon) + 1, 2, then: 0x2D)
        digits(Int(parts.tm_mday), 2, then: 0x54)
        digits(Int(parts.tm_hour), 2, then: 0x3A)
        digits(Int(parts.tm_min), 2, then: 0x3A)
        digits(Int(parts.tm_sec), 2, then: 0x2E)
        digits(now.tv_nsec / 1_000_000, 3, then: 0x5A)
        return String(decoding: bytes, as: UTF8.self)
    }
}
