import Foundation
import CLibPQ

/// Every failure of the Postgres layer. It keeps what the server said and the statement text,
/// never the parameter values (they may hold passwords or NIR).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Could not establish a connection.
        case connectionFailed
        /// The connection broke while a statement was in flight; the statement was not re-run.
        case connectionLost
        /// The server rejected the statement (see `sqlState`).
        case server
        /// COMMIT did not commit: the transaction had failed, or a deferred check failed at commit time.
        case commitFailed
        /// A result of an unexpected shape came back (e.g. rows from a COPY).
        case unexpectedResult
        /// No pooled connection became free within the checkout timeout.
        case poolTimeout
        /// The pool was shut down.
        case poolClosed
        /// The API was misused (e.g. nested transaction).
        case misuse
    }

    public var kind: Kind
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    public var statement: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil, statement: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.statement = statement
    }

    /// The statement was cancelled (PQcancel or statement_timeout): SQLSTATE 57014.
    public var isCancellation: Bool { sqlState == "57014" }
    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isInsufficientPrivilege: Bool { sqlState == "42501" }

    /// For logs. Leaves out `detail`: the server puts row values there (a duplicate key's value).
    public var description: String {
        var text = "PostgresError.\(kind)"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let hint { text += " — hint: \(hint)" }
        if let statement { text += " — statement: \(statement)" }
        return text
    }

    /// Builds an error from a failed result, reading the server's diagnostic fields.
    static func from(result: OpaquePointer?, connection: OpaquePointer?, statement: String?) -> PostgresError {
        let connectionBroken = connection.map { PQstatus($0) != CONNECTION_OK } ?? true
        guard let result else {
            return PostgresError(kind: connectionBroken ? .connectionLost : .server,
                                 message: connectionMessage(connection), statement: statement)
        }
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field("C")
        // Class 08 is "connection exception"; 57P01-57P03 is the server shutting the backend down.
        let lost = connectionBroken || (sqlState?.hasPrefix("08") ?? false) || ["57P01", "57P02", "57P03"].contains(sqlState ?? "")
        let message = field("M") ?? connectionMessage(connection)
        return PostgresError(kind: lost ? .connectionLost : .server, sqlState: sqlState, message: message,
                             detail: field("D"), hint: field("H"), statement: statement)
    }

    static func connectionMessage(_ connection: OpaquePointer?) -> String {
        guard let connection, let text = PQerrorMessage(connection) else { return "no connection" }
        let message = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? "connection error" : message
    }
}
