import ArgumentParser
import Foundation
import Logging
import Portal
import Postgres

struct MailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mail", abstract: "Deliver the mail outbox.",
                                                    subcommands: [Deliver.self])

    struct Deliver: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: """
            Deliver due messages of the outbox, as portal_worker: to .eml files in a directory \
            (development, tests) or through a sendmail-compatible command (production).
            """)

        @OptionGroup var database: DatabaseOptions
        @Option(name: .customLong("mail-dir"), help: "Write each message as <id>.eml here (default: $PORTAL_MAIL_DIR).")
        var mailDirectory: String?
        @Option(help: "Pipe each message to this command instead, e.g. \"/usr/sbin/sendmail -t -i\".")
        var sendmail: String?
        @Flag(help: "Keep running, polling the outbox.") var watch = false
        @Option(help: "Seconds between polls with --watch.") var interval: Double = 2

        func validate() throws {
            guard interval >= 0.1, interval <= 3600 else { throw ValidationError("--interval must be between 0.1 and 3600 seconds") }
            if sendmail != nil, mailDirectory != nil { throw ValidationError("give --mail-dir or --sendmail, not both") }
            if sendmail == nil, resolvedDirectory == nil { throw ValidationError("give --mail-dir (or PORTAL_MAIL_DIR) or --sendmail") }
            if let sendmail, !sendmail.hasPrefix("/") { throw ValidationError("--sendmail needs an absolute path") }
        }

        var resolvedDirectory: String? { mailDirectory ?? ProcessInfo.processInfo.environment["PORTAL_MAIL_DIR"] }

        func run() throws {
            LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
            let logger = Logger(label: "portal-mailer")
            let transport: MailTransport = if let sendmail {
                SendmailTransport(command: sendmail.split(separator: " ").map(String.init))
            } else {
                DirectoryMailTransport(directory: resolvedDirectory!)
            }
            let conninfo = database.databaseURL ?? ProcessInfo.processInfo.environment["PORTAL_DATABASE_URL"] ?? ""
            let connection = PostgresConnection(connectingLazily: PostgresConfiguration(conninfo: conninfo, applicationName: "portal-mailer"))
            let sender = MailSender(connection: connection, transport: transport, logger: logger)
            StopFlag.install()
            repeat {
                do {
                    let report = try sender.deliverDue()
                    if !report.isEmpty {
                        logger.info("outbox delivered", metadata: [
                            "sent": .stringConvertible(report.sent), "retried": .stringConvertible(report.retried),
                            "failed": .stringConvertible(report.failed), "abandoned": .stringConvertible(report.abandonedClaims),
                        ])
                    }
                } catch {
                    guard watch else { throw CommandFailure.from(error) }
                    // The database may be restarting: keep watching.
                    logger.warning("outbox delivery failed", metadata: ["error": .string(String(describing: error))])
                }
                if watch { StopFlag.sleep(seconds: interval) }
            } while watch && !StopFlag.isSet
        }
    }
}

/// SIGTERM/SIGINT end the watch loop between two batches, never in the middle of one.
enum StopFlag {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0

    static var isSet: Bool { flag != 0 }

    static func install() {
        signal(SIGTERM) { _ in StopFlag.flag = 1 }
        signal(SIGINT) { _ in StopFlag.flag = 1 }
    }

    /// Sleeps in small steps so a stop request is honoured quickly.
    static func sleep(seconds: Double) {
        var remaining = seconds
        while remaining > 0, !isSet {
            Thread.sleep(forTimeInterval: min(0.1, remaining))
            remaining -= 0.1
        }
    }
}
