import Foundation

/// Settings from the environment, optionally layered over a `KEY=VALUE` file (blank lines and
/// `#` comments allowed). The environment wins, so one setting can be overridden at start.
/// Every bad value is reported with its key; nothing falls back silently.
public struct ConfigurationSource: Sendable {
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let key: String
        public let reason: String
        public var description: String { "\(key): \(reason)" }

        public init(key: String, reason: String) {
            self.key = key
            self.reason = reason
        }
    }

    private let values: [String: String]

    public init(values: [String: String]) {
        self.values = values
    }

    /// Reads `file` (if given) and overlays `environment`. Keys in the file must start with
    /// `prefix` and be among `knownKeys`, so a typo in the file is an error, not a default.
    public static func load(environment: [String: String], file: String?, prefix: String, knownKeys: Set<String>) throws -> ConfigurationSource {
        var merged: [String: String] = [:]
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw Invalid(key: "config file", reason: "cannot read \(file)")
            }
            for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = rawLine.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = parts[0].trimmingCharacters(in: .whitespaces)
                guard parts.count == 2, knownKeys.contains(key) else {
                    throw Invalid(key: "\(file):\(number + 1)", reason: "unknown setting or missing '=' in \"\(key)\"")
                }
                merged[key] = parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        for (key, value) in environment where key.hasPrefix(prefix) && knownKeys.contains(key) {
            merged[key] = value
        }
        return ConfigurationSource(values: merged)
    }

    public func string(_ key: String, default fallback: String? = nil) -> String? {
        values[key] ?? fallback
    }

    public func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = values[key] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw Invalid(key: key, reason: "expected a whole number in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    public func seconds(_ key: String, default fallback: Double, range: ClosedRange<Double>) throws -> Double {
        guard let text = values[key] else { return fallback }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw Invalid(key: key, reason: "expected seconds in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    public func flag(_ key: String, default fallback: Bool) throws -> Bool {
        guard let text = values[key] else { return fallback }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw Invalid(key: key, reason: "expected 1/0, true/false, yes/no or on/off, got \"\(text)\"")
        }
    }
}
