import Foundation
import Logging
import Postgres

/// Delivers the outbox. Each message is first claimed (`sending`, committed), then delivered,
/// then marked `sent`. A failed delivery goes back to `pending` with exponential backoff; a
/// message whose fate is unknown (the sender died mid-delivery) stays `sending` and is turned
/// into `failed` for an operator to look at — never delivered a second time.
public struct MailSender {
    public struct Settings: Sendable {
        public var batchSize = 20
        public var maxAttempts = 8
        public var firstRetrySeconds = 30
        /// A claim older than this with no outcome means the sender died mid-delivery.
        public var staleClaimSeconds = 600

        public init() {}
    }

    public struct Report: Sendable, Equatable {
        public var sent = 0
        public var retried = 0
        public var failed = 0
        public var abandonedClaims = 0

        public init() {}

        public var isEmpty: Bool { self == Report() }
    }

    let connection: PostgresConnection
    let transport: MailTransport
    let settings: Settings
    let logger: Logger

    public init(connection: PostgresConnection, transport: MailTransport, settings: Settings = Settings(), logger: Logger) {
        self.connection = connection
        self.transport = transport
        self.settings = settings
        self.logger = logger
    }

    /// Delivers what is due now, batch after batch, until nothing is due.
    @discardableResult
    public func deliverDue() throws -> Report {
        var report = Report()
        report.abandonedClaims = try connection.execute("""
            UPDATE mail_outbox SET status = 'failed', last_error = 'delivery outcome unknown (sender stopped while sending)'
            WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $1)
            """, [settings.staleClaimSeconds])
        while true {
            let batch = try claimBatch()
            if batch.isEmpty { return report }
            for message in batch {
                do {
                    try transport.deliver(message)
                    try connection.execute("UPDATE mail_outbox SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1",
                                           [message.id])
                    report.sent += 1
                } catch let error as PostgresError {
                    throw error
                } catch {
                    let giveUp = try connection.query("""
                        UPDATE mail_outbox
                        SET status = CASE WHEN attempts >= $2 THEN 'failed' ELSE 'pending' END,
                            next_attempt_at = now() + make_interval(secs => $3 * power(2, attempts - 1)),
                            last_error = $4, claimed_at = NULL
                        WHERE id = $1 RETURNING status
                        """, [message.id, settings.maxAttempts, settings.firstRetrySeconds, String(describing: error).prefix(500).description])
                        .first.map { try $0.decode(0, as: String.self) == "failed" } ?? false
                    if giveUp { report.failed += 1 } else { report.retried += 1 }
                    logger.warning("mail delivery failed", metadata: ["outbox_id": .stringConvertible(message.id),
                                                                      "gave_up": .stringConvertible(giveUp)])
                }
            }
        }
    }

    private func claimBatch() throws -> [OutgoingMail] {
        try connection.transaction { connection in
            try connection.query("""
                UPDATE mail_outbox SET status = 'sending', claimed_at = now(), attempts = attempts + 1
                WHERE id IN (SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= now()
                             ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
                RETURNING id, recipient, subject, body_text, created_at
                """, [settings.batchSize]).map { row in
                OutgoingMail(id: try row.decode("id"), recipient: try row.decode("recipient"), subject: try row.decode("subject"),
                             body: try row.decode("body_text"), createdAt: try row.decode("created_at"))
            }.sorted { $0.id < $1.id }
        }
    }
}
