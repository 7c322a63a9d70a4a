import Postgres

/// Enqueues mail in the same transaction as the action that causes it: if the action rolls
/// back, no mail goes out; if it commits, the sender delivers it.
public enum MailOutbox {
    public static func enqueue(_ message: MailMessage, on connection: PostgresConnection) throws {
        try connection.execute("INSERT INTO mail_outbox (recipient, subject, body_text) VALUES ($1, $2, $3)",
                               [message.recipient, message.subject, message.body])
    }
}

public struct MailMessage: Sendable, Equatable {
    public let recipient: String
    public let subject: String
    public let body: String

    public init(recipient: String, subject: String, body: String) {
        self.recipient = recipient
        self.subject = subject
        self.body = body
    }
}
