import Foundation
import Logging
import Portal
import Postgres
import Synchronization
import Testing
import TestSupport

/// The outbox sender, in a migrated database of its own (it delivers every due message).
@Suite struct MailSenderTests {
    struct FailingTransport: MailTransport {
        struct Refused: Error {}
        func deliver(_ message: OutgoingMail) throws { throw Refused() }
    }

    /// Counts deliveries per message id.
    final class CountingTransport: MailTransport {
        let deliveries = Mutex<[Int64: Int]>([:])
        func deliver(_ message: OutgoingMail) throws {
            deliveries.withLock { $0[message.id, default: 0] += 1 }
        }
    }

    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A scratch database with the project's migrations, connected as the sender's role.
    static func withOutbox<T>(_ body: (PostgresConnection, PostgresConnection) throws -> T) throws -> T {
        let migrations = try Migration.load(from: try TestCluster.migrationsDirectory)
        return try TestCluster.withScratchDatabase { database in
            let owner = try TestCluster.connect(as: "portal_owner", database: database)
            try MigrationRunner(connection: owner).apply(migrations)
            return try body(owner, try TestCluster.connect(as: "portal_worker", database: database))
        }
    }

    static func enqueue(_ count: Int, on owner: PostgresConnection) throws {
        for index in 0..<count {
            try MailOutbox.enqueue(MailMessage(recipient: "r\(index)@example.fr", subject: "Sujet accentué é \(index)",
                                               body: "Bonjour,\nligne\n"), on: owner)
        }
    }

    @Test func writesEachMessageOnceAsAnEmlFile() async throws {
        let directory = NSTemporaryDirectory() + "mail-" + UUID().uuidString
        let (first, second, files, statuses, text) = try await onDedicatedThread { () -> (MailSender.Report, MailSender.Report, [String], [String], String) in
            try Self.withOutbox { owner, worker in
                try Self.enqueue(45, on: owner) // more than one batch
                let sender = MailSender(connection: worker, transport: DirectoryMailTransport(directory: directory), logger: Self.logger)
                let first = try sender.deliverDue()
                let second = try sender.deliverDue()
                let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
                let statuses = try owner.query("SELECT DISTINCT status FROM mail_outbox").map { try $0.decode(0, as: String.self) }
                let text = try String(contentsOfFile: directory + "/1.eml", encoding: .utf8)
                return (first, second, files, statuses, text)
            }
        }
        #expect(first.sent == 45)
        #expect(second.sent == 0)
        #expect(files.count == 45)
        #expect(files.allSatisfy { $0.hasSuffix(".eml") }) // no half-written .part left
        #expect(statuses == ["sent"])
        #expect(text.contains("To: <r0@example.fr>\r\n"))
        #expect(text.contains("Message-ID: <outbox-1@espace-employeur.ocso.fr>\r\n"))
        #expect(text.contains("Subject: =?UTF-8?B?"))
        #expect(text.contains("\r\n\r\nBonjour,\r\nligne\r\n"))
    }

    @Test func retriesWithBackoffThenGivesUp() async throws {
        let rows = try await onDedicatedThread { () -> [(String, Int, Bool)] in
            try Self.withOutbox { owner, worker in
                try Self.enqueue(1, on: owner)
                var settings = MailSender.Settings()
                settings.maxAttempts = 3
                let sender = MailSender(connection: worker, transport: FailingTransport(), settings: settings, logger: Self.logger)
                var observed: [(String, Int, Bool)] = []
                for _ in 0..<3 {
                    let report = try sender.deliverDue()
                    #expect(report.sent == 0)
                    let row = try owner.query("SELECT status, attempts, next_attempt_at > now() FROM mail_outbox").first!
                    observed.append((try row.decode(0), try row.decode(1), try row.decode(2)))
                    // Make it due again without waiting for the backoff.
                    try owner.execute("UPDATE mail_outbox SET next_attempt_at = now()")
                }
                return observed
            }
        }
        #expect(rows.map(\.0) == ["pending", "pending", "failed"])
        #expect(rows.map(\.1) == [1, 2, 3])
        #expect(rows[0].2) // backed off into the future
    }

    @Test func aClaimWithoutOutcomeIsNeverDeliveredAgain() async throws {
        let (report, status, delivered) = try await onDedicatedThread { () -> (MailSender.Report, String, Int) in
            try Self.withOutbox { owner, worker in
                try Self.enqueue(1, on: owner)
                // A sender died after claiming the message: it may or may not have gone out.
                try owner.execute("UPDATE mail_outbox SET status = 'sending', claimed_at = now() - interval '1 hour', attempts = 1")
                let transport = CountingTransport()
                let report = try MailSender(connection: worker, transport: transport, logger: Self.logger).deliverDue()
                let status: String = try owner.query("SELECT status FROM mail_outbox").first!.decode(0)
                return (report, status, transport.deliveries.withLock { $0.values.reduce(0, +) })
            }
        }
        #expect(report.abandonedClaims == 1)
        #expect(status == "failed")
        #expect(delivered == 0)
    }

    @Test func twoSendersNeverDeliverTheSameMessage() async throws {
        let deliveries = try await onDedicatedThread { () -> [Int64: Int] in
            try Self.withOutbox { owner, worker in
                try Self.enqueue(60, on: owner)
                let transport = CountingTransport()
                let database = try worker.query("SELECT current_database()::text").first!.decode(0, as: String.self)
                let done = DispatchGroup()
                for _ in 0..<2 {
                    done.enter()
                    Thread {
                        defer { done.leave() }
                        guard let connection = try? TestCluster.connect(as: "portal_worker", database: database) else { return }
                        _ = try? MailSender(connection: connection, transport: transport, logger: Self.logger).deliverDue()
                    }.start()
                }
                done.wait()
                return transport.deliveries.withLock { $0 }
            }
        }
        #expect(deliveries.count == 60)
        #expect(deliveries.values.allSatisfy { $0 == 1 })
    }
}
