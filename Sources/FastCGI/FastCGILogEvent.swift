/// Something worth logging. Never carries request params or bodies.
public struct FastCGILogEvent: Sendable, CustomStringConvertible {
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        case debug, info, warning, error

        public static func < (lhs: Level, rhs: Level) -> Bool {
            lhs.rawValue < rhs.rawValue
        }

        public var description: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }
    }

    public var level: Level
    public var message: String
    public var fields: [String: String]

    public init(level: Level, message: String, fields: [String: String] = [:]) {
        self.level = level
        self.message = message
        self.fields = fields
    }

    public var description: String {
        let rendered = fields.keys.sorted().map { "\($0)=\(fields[$0]!)" }.joined(separator: " ")
        return rendered.isEmpty ? "[\(level)] \(message)" : "[\(level)] \(message) \(rendered)"
    }
}
