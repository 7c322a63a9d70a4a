import Foundation

/// The server's state for operators, in the spirit of PHP-FPM's `pm.status_path`: the same
/// figures under the same names where they mean the same thing (a "process" here is a
/// worker thread, the "listen queue" the bounded queue in front of the workers).
public struct FastCGIStatusReport: Sendable {
    /// Name and value pairs, in display order; every value is a whole number or a string.
    public let fields: [(name: String, value: Value)]

    public enum Value: Sendable, Equatable {
        case number(Int)
        case text(String)
    }

    public init(pool: String, stats: FastCGIServerStats, configuration: FastCGIServerConfiguration,
                now: Date = Date()) {
        let started = stats.startTime.map { Date(timeIntervalSince1970: $0) }
        fields = [
            ("pool", .text(pool)),
            ("process_manager", .text("static")),
            ("start_time", .text(started.map { Self.iso8601($0) } ?? "-")),
            ("start_since", .number(started.map { max(0, Int(now.timeIntervalSince($0))) } ?? 0)),
            ("accepted_conn", .number(stats.acceptedConnections)),
            ("active_connections", .number(stats.activeConnections)),
            ("listen_queue", .number(stats.queueDepth)),
            ("max_listen_queue", .number(stats.maxQueueDepth)),
            ("listen_queue_len", .number(configuration.queueCapacity)),
            ("idle_processes", .number(max(0, configuration.workerCount - stats.busyWorkers))),
            ("active_processes", .number(stats.busyWorkers)),
            ("total_processes", .number(configuration.workerCount)),
            ("max_active_processes", .number(stats.maxBusyWorkers)),
            ("requests", .number(stats.totalRequests)),
            ("completed_requests", .number(stats.completedRequests)),
            ("cancelled_requests", .number(stats.cancelledRequests)),
            // PHP-FPM's "max children reached" counts moments of saturation; here saturation
            // is answered with an immediate 503, counted one by one.
            ("overloaded_requests", .number(stats.rejectedRequests)),
        ]
    }

    /// One JSON object, keys in display order.
    public var json: String {
        "{" + fields.map { "\"\($0.name)\":\(Self.render($0.value, quoted: true))" }.joined(separator: ",") + "}\n"
    }

    /// PHP-FPM's plain layout: `name:` padded, then the value, one per line.
    public var text: String {
        let width = (fields.map(\.name.count).max() ?? 0) + 2
        return fields.map { field in
            let label = field.name.replacingOccurrences(of: "_", with: " ") + ":"
            return label.padding(toLength: width, withPad: " ", startingAt: 0) + Self.render(field.value, quoted: false)
        }.joined(separator: "\n") + "\n"
    }

    private static func render(_ value: Value, quoted: Bool) -> String {
        switch value {
        case .number(let number): String(number)
        case .text(let text):
            quoted ? "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" : text
        }
    }

    private static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
